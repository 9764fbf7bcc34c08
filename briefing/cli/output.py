"""Where a command's result goes: a file (see `briefing.files.write_atomically`) or
standard output (no -o, or `-o -`)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from briefing.choices import OutputFormat
from briefing.cli.console import notify
from briefing.errors import OutputError

if TYPE_CHECKING:
    from briefing.schema import BriefDocument

STDOUT = "-"


def is_stdout(output: Path | None) -> bool:
    """No -o, or `-o -`: the result goes to standard output."""
    return output is None or str(output) == STDOUT


def output_format(
    output: Path | None, fmt: OutputFormat | None, *, inputs: Iterable[Path] = ()
) -> OutputFormat:
    """The format to write, checked before any work is done (model calls cost money).

    `inputs` are files the command reads: an output that is one of them (by name, link
    or hard link) is refused, so `-o` can never overwrite the article it briefs.
    """
    from briefing.files import same_file
    from briefing.render.formats import format_for_path

    if is_stdout(output):
        chosen = format_for_path(Path("stdout.md"), fmt)
        # Binary output goes to stdout only when stdout is a file or a pipe (`> brief.pdf`,
        # `| lpr`), never to a terminal, where it would print as garbage.
        if chosen in BINARY_FORMATS and stdout_is_terminal():
            raise OutputError(
                f"{chosen.upper()} cannot go to the terminal; pass -o brief.{chosen} "
                f"or redirect stdout (> brief.{chosen})"
            )
        return chosen
    assert output is not None
    if output.is_dir():
        raise OutputError(
            f"{output} is a directory; pass a file name such as {output / 'brief.html'}"
        )
    if not output.parent.is_dir():
        raise OutputError(f"{output.parent} does not exist; create it or choose another -o path")
    for source in inputs:
        if same_file(output, source):
            raise OutputError(
                f"{output} is the input {source}; writing there would destroy it — "
                "choose another -o path"
            )
    return format_for_path(output, fmt)


BINARY_FORMATS = frozenset({OutputFormat.PDF})


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def emit_brief(
    doc: BriefDocument,
    output: Path | None,
    fmt: OutputFormat | None,
    *,
    inputs: Iterable[Path] = (),
) -> None:
    """Render `doc` and write it to `output`, or to stdout."""
    from briefing.render.formats import render

    chosen = output_format(output, fmt, inputs=inputs)
    data = render(doc, chosen)
    if is_stdout(output):
        write_stdout(data)
        return
    assert output is not None
    write_file(output, data)


def write_stdout(data: bytes) -> None:
    """Write to standard output; a reader that went away surfaces as BrokenPipeError,
    which the error boundary (`briefing.cli.app`) turns into exit 12."""
    sys.stdout.flush()  # text printed earlier goes first
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def write_file(path: Path, data: bytes) -> None:
    from briefing.files import write_atomically

    write_atomically(path, data)
    notify(f"wrote {path}")
