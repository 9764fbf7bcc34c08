"""Each command's row in the run log, finished with its exit code by the error boundary.

A command calls `start_run` once its settings are known and fills the row as it learns
more (`OpenRun.set`, `OpenRun.document`); the error boundary in `briefing.cli.app` calls
`finish_runs` with the exit code and the one-line error, whatever way the command ended.
A run log that cannot be used costs one warning line on stderr, never the command.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from briefing.cli.console import notify

if TYPE_CHECKING:
    from briefing.config import Settings
    from briefing.runs.record import SafeRunLog
    from briefing.runs.store import RunEntry
    from briefing.schema import BriefDocument


@dataclass
class OpenRun:
    """A command's row, written when the command ends (or at once, with `begin`)."""

    log: SafeRunLog
    entry: RunEntry
    keep_briefs: bool
    started: float = field(default_factory=time.perf_counter)
    run_id: int | None = None

    def begin(self) -> int | None:
        """Write the row now (a batch: its articles' rows point to it, and a killed run
        still shows up as unfinished)."""
        if self.run_id is None:
            self.run_id = self.log.add(self.entry)
        return self.run_id

    def set(self, **fields: Any) -> None:
        for name, value in fields.items():
            setattr(self.entry, name, value)

    def document(self, doc: BriefDocument, outputs: list[str]) -> None:
        from briefing.runs.record import document_fields

        self.set(**document_fields(doc, keep_brief=self.keep_briefs), outputs=outputs)

    def finish(self, exit_code: int, error: str | None) -> None:
        self.set(
            exit_code=exit_code,
            error=error,
            duration_s=round(time.perf_counter() - self.started, 3),
        )
        if self.run_id is None:
            self.log.add(self.entry)
        else:
            fields = {k: v for k, v in vars(self.entry).items() if k != "started_at"}
            self.log.update(self.run_id, **fields)
        self.log.close()


_OPEN: list[OpenRun] = []


def start_run(command: str, settings: Settings, *, no_log: bool, **fields: Any) -> OpenRun | None:
    """The command's row, or None when the log is turned off (`--no-log`, `run_log`)."""
    if no_log or not settings.run_log:
        return None
    # Imported here: sqlite3 is not needed by `--help` or by a run that is not logged.
    from briefing.runs.record import SafeRunLog
    from briefing.runs.store import RunEntry

    run = OpenRun(
        SafeRunLog(settings.run_log_path, notify),
        RunEntry(command=command, **fields),
        keep_briefs=settings.log_briefs,
    )
    _OPEN.append(run)
    return run


def finish_runs(exit_code: int, error: str | None) -> None:
    """Record every run started in this process with how the command ended."""
    while _OPEN:
        _OPEN.pop().finish(exit_code, error)
