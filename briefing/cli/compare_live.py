"""`compare`'s progress on stderr: a live table of cells on a terminal, lines elsewhere.

On a terminal, one row per article and one column per variant; each cell says whether
its runs are queued, running (with model calls done of planned), done (with the
grounding rate and time) or failed (with the kind of error), and a last line counts the
runs. The table disappears when the comparison ends (the result table follows).
Elsewhere (a log file, CI), one line per finished run, as it finishes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from briefing.cli.console import notify, stderr

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from briefing.compare.run import RunEvent


@dataclass
class _Cell:
    runs: dict[int, str] = field(default_factory=dict)  # repetition -> state
    calls: tuple[int, int] | None = None
    grounding: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    error: str | None = None


class CompareDisplay:
    """Use as a context manager; pass `update` as the comparison's `on_event`."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or stderr()
        self.articles: list[str] = []
        self.variants: list[str] = []
        self.cells: dict[tuple[str, str], _Cell] = {}
        self.finished = 0
        self.failed = 0
        self.started = time.perf_counter()
        self._live: Any = None

    @property
    def total(self) -> int:
        return sum(len(c.runs) for c in self.cells.values())

    def __enter__(self) -> CompareDisplay:
        if self.console.is_terminal:
            from rich.live import Live

            self._live = Live(self, console=self.console, refresh_per_second=4, transient=True)
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()

    def update(self, event: RunEvent) -> None:
        key = (event.article, event.variant)
        if event.article not in self.articles:
            self.articles.append(event.article)
        if event.variant not in self.variants:
            self.variants.append(event.variant)
        cell = self.cells.setdefault(key, _Cell())
        cell.runs[event.repetition] = event.state
        if event.calls is not None:
            cell.calls = event.calls
        if event.state in ("done", "failed"):
            self.finished += 1
            cell.seconds.append(event.seconds)
            record = event.record
            if event.state == "failed":
                self.failed += 1
                cell.error = record.error_type if record else "failed"
            elif record is not None and record.metrics is not None:
                if record.metrics.grounding_rate is not None:
                    cell.grounding.append(record.metrics.grounding_rate)
            if self._live is None:
                notify(self._line(event))

    def _line(self, event: RunEvent) -> str:
        width = len(str(self.total))
        where = f"{event.article} × {event.variant}"
        if self.total // max(len(self.cells), 1) > 1:
            where += f" (run {event.repetition + 1})"
        record = event.record
        if event.state == "failed":
            error = f"{record.error_type}: {record.error}" if record else "failed"
            detail = f"failed, {error}"
        else:
            metrics = record.metrics if record else None
            rate = metrics.grounding_rate if metrics else None
            detail = "done" + (f", grounding {rate:.0%}" if rate is not None else "")
        return f"[{self.finished:>{width}}/{self.total}] {where}: {detail}, {event.seconds:.2f} s"

    # --- the live table -----------------------------------------------------------------

    def __rich__(self) -> RenderableType:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        table = Table(box=None, pad_edge=False, header_style="bold")
        table.add_column("article", overflow="ellipsis", no_wrap=True, max_width=40)
        for label in self.variants:
            table.add_column(label, no_wrap=True, overflow="ellipsis", min_width=12)
        room = max(4, self.console.size.height - 4)
        shown = self._rows(room)
        for article in shown:
            cells = (
                Text.from_markup(_cell_text(self.cells.get((article, v)))) for v in self.variants
            )
            table.add_row(Text(article), *cells)
        parts: list[Any] = [table]
        if len(shown) < len(self.articles):
            hidden = len(self.articles) - len(shown)
            parts.append(Text.from_markup(f"[dim]… and {hidden} more articles[/]"))
        elapsed = time.strftime("%M:%S", time.gmtime(time.perf_counter() - self.started))
        line = f"{self.finished}/{self.total} runs"
        if self.failed:
            line += f" · [red]{self.failed} failed[/]"
        parts.append(Text.from_markup(f"{line} · {elapsed}"))
        return Group(*parts)

    def _rows(self, room: int) -> list[str]:
        """Articles with runs under way first, then the rest in order, as many as fit."""
        busy = [
            a
            for a in self.articles
            if any("running" in self.cells[(a, v)].runs.values() for v in self.variants)
        ]
        rest = [a for a in self.articles if a not in busy]
        chosen = set((busy + rest)[:room])
        return [a for a in self.articles if a in chosen]


def _cell_text(cell: _Cell | None) -> str:
    if cell is None:
        return ""
    states = list(cell.runs.values())
    many = len(states) > 1
    count = f"{sum(s in ('done', 'failed') for s in states)}/{len(states)} " if many else ""
    if "failed" in states and all(s in ("done", "failed") for s in states):
        return f"[red]{count}✗ {cell.error}[/]"
    if all(s == "done" for s in states):
        rate = sum(cell.grounding) / len(cell.grounding) if cell.grounding else None
        grounding = f" {rate:.0%}" if rate is not None else ""
        return f"[green]{count}✓{grounding}[/] [dim]{sum(cell.seconds):.1f}s[/]"
    if "running" in states:
        calls = f" {cell.calls[0]}/{cell.calls[1]} calls" if cell.calls else ""
        return f"[cyan]{count}running{calls}[/]"
    return f"[dim]{count}queued[/]"
