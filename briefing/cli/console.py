"""Where the CLI writes: the brief to stdout, everything else (notices, errors) to stderr."""

from __future__ import annotations

import errno
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def stdout() -> Console:
    from rich.console import Console

    class _Stdout(Console):
        def on_broken_pipe(self) -> None:
            # rich exits with status 1 here; the CLI's error boundary gives a closed
            # pipe its documented exit code instead.
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    return _Stdout(highlight=False)


def notify(message: str) -> None:
    """One line on stderr, never wrapped (it may be parsed or grepped); settings named in
    library notices are shown as their flags."""
    from briefing.cli.options import flag
    from briefing.errors import name_options

    stderr().print(name_options(message, flag), markup=False, soft_wrap=True)
