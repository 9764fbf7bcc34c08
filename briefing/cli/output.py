"""Where a command's result goes: a file (written atomically) or standard output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from briefing.choices import OutputFormat
from briefing.cli.console import notify
from briefing.errors import OutputError

if TYPE_CHECKING:
    from briefing.schema import BriefDocument


def output_format(output: Path | None, fmt: OutputFormat | None) -> OutputFormat:
    """The format to write, checked before any work is done (model calls cost money)."""
    from briefing.render.formats import format_for_path

    if output is not None and output.is_dir():
        raise OutputError(
            f"{output} is a directory; pass a file name such as {output / 'brief.html'}"
        )
    if output is not None and not output.parent.is_dir():
        raise OutputError(f"{output.parent} does not exist; create it or choose another -o path")
    chosen = format_for_path(output or Path("stdout.md"), fmt)
    # Binary output goes to stdout only when stdout is a file or a pipe (`> brief.pdf`,
    # `| lpr`), never to a terminal, where it would print as garbage.
    if output is None and chosen in BINARY_FORMATS and stdout_is_terminal():
        raise OutputError(
            f"{chosen.upper()} cannot go to the terminal; pass -o brief.{chosen} "
            f"or redirect stdout (> brief.{chosen})"
        )
    return chosen


BINARY_FORMATS = frozenset({OutputFormat.PDF})


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def emit_brief(doc: BriefDocument, output: Path | None, fmt: OutputFormat | None) -> None:
    """Render `doc` and write it to `output`, or to stdout."""
    from briefing.render.formats import render

    chosen = output_format(output, fmt)
    if output is None:
        sys.stdout.buffer.write(render(doc, chosen))
        sys.stdout.flush()
        return
    write_file(output, render(doc, chosen))


def write_file(path: Path, data: bytes) -> None:
    from briefing.files import write_atomically

    write_atomically(path, data)
    notify(f"wrote {path}")
