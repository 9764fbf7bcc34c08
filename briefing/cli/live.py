"""The batch's progress on stderr: a live table on a terminal, one line per article else.

On a terminal, a table of the articles being worked on (cleaning, calling n/m, waiting
for a Batch API job, writing), then the latest finished ones (done with grounding %,
failed with the reason), and an overall bar with calls, tokens and cost so far; it is
redrawn a few times a second from the batch's state, however fast events arrive.
Elsewhere (a log file, cron mail), one line per finished article, as it finishes.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from briefing.cli.console import notify, stderr

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from briefing.batch.outcome import ArticleRun, Batch

_STYLES = {
    "done": "green",
    "unchanged": "green",
    "failed": "red",
    "not started": "yellow",
    "interrupted": "yellow",
    "calling": "cyan",
    "waiting": "cyan",
}


class BatchDisplay:
    """Use as a context manager; pass `update` as the batch's `on_change`."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or stderr()
        self.batch: Batch | None = None
        self._live: Any = None
        self._reported: set[int] = set()
        self.jobs: dict[str, str] = {}  # Batch API job id -> its last status line

    def __enter__(self) -> BatchDisplay:
        if self.console.is_terminal:
            from rich.live import Live

            self._live = Live(self, console=self.console, refresh_per_second=4, transient=False)
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.refresh()
            self._live.stop()

    def update(self, batch: Batch) -> None:
        self.batch = batch
        if self._live is None:
            self._print_finished(batch)

    def job(self, job_id: str, line: str) -> None:
        """A Batch API job's status changed."""
        if self.jobs.get(job_id) != line:
            self.jobs[job_id] = line
            if self._live is None:
                notify(line)

    # --- lines (not a terminal) ---------------------------------------------------------

    def _print_finished(self, batch: Batch) -> None:
        from briefing.batch.outcome import FINISHED

        total = len(batch.articles)
        for article in batch.articles:
            if article.stage in FINISHED and article.position not in self._reported:
                self._reported.add(article.position)
                done = len(self._reported)
                notify(f"[{done:>{len(str(total))}}/{total}] {article_line(article)}")

    # --- the live table -----------------------------------------------------------------

    def __rich__(self) -> RenderableType:
        from rich.console import Group
        from rich.table import Table

        batch = self.batch
        if batch is None:
            return Group()
        # Fixed widths: a long failure reason is cut at the edge, never squeezing the
        # name and state columns to nothing.
        width = self.console.size.width
        name_width = max(16, min(48, width // 3))
        table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
        table.add_column("#", justify="right", style="dim", no_wrap=True, min_width=3)
        table.add_column("article", overflow="ellipsis", no_wrap=True, width=name_width)
        table.add_column("state", no_wrap=True, width=11)
        table.add_column(
            "", overflow="ellipsis", no_wrap=True, width=max(10, width - name_width - 22)
        )
        rows = self._rows(batch, max(6, self.console.size.height - 8))
        for article in rows:
            state = str(article.stage)
            table.add_row(
                str(article.position + 1),
                article.name or article.source.stem,
                f"[{_STYLES.get(state, 'default')}]{state}[/]",
                _detail(article),
            )
        hidden = len(batch.articles) - len(rows)
        parts: list[Any] = [table]
        if hidden:
            parts.append(f"[dim]… and {hidden} more[/]")
        parts += [f"[cyan]{line}[/]" for line in self.jobs.values()]
        parts.append(self._overall(batch))
        return Group(*parts)

    @staticmethod
    def _rows(batch: Batch, room: int) -> list[ArticleRun]:
        """Working articles first, then the latest finished (failures before successes),
        then the queue, as many as the terminal has room for, in the batch's order."""
        from briefing.batch.outcome import FINISHED, Stage

        working = [a for a in batch.articles if a.stage not in FINISHED | {Stage.QUEUED}]
        failed = [a for a in batch.articles if a.stage in FINISHED and not a.succeeded]
        done = [a for a in batch.articles if a.succeeded]
        queued = [a for a in batch.articles if a.stage == Stage.QUEUED]
        chosen = (working + failed[-room:] + done[::-1] + queued)[:room]
        return sorted(chosen, key=lambda a: a.position)

    def _overall(self, batch: Batch) -> RenderableType:
        from rich.progress_bar import ProgressBar
        from rich.table import Table

        from briefing.batch.outcome import FINISHED, Stage

        total = len(batch.articles)
        finished = batch.count(*FINISHED)
        tally = batch.tally
        elapsed = time.strftime("%M:%S", time.gmtime(time.perf_counter() - batch.started))
        text = f"{batch.succeeded}/{total} briefed"
        for stage, style in ((Stage.FAILED, "red"), (Stage.INTERRUPTED, "yellow")):
            if count := batch.count(stage):
                text += f" · [{style}]{count} {stage}[/]"
        if count := batch.count(Stage.NOT_STARTED):
            text += f" · [yellow]{count} not started[/]"
        text += (
            f" · {tally.calls} call{'s' if tally.calls != 1 else ''} · "
            f"{tally.prompt_tokens:,}+{tally.completion_tokens:,} tokens · "
            f"{tally.format_cost() if tally.calls else '$0'} · {elapsed}"
        )
        grid = Table.grid(padding=(0, 1))
        grid.add_row(ProgressBar(total=total, completed=finished, width=30), text)
        return grid


def _detail(article: ArticleRun) -> str:
    from rich.markup import escape

    if article.stage == "calling" and article.calls_total:
        return f"{article.calls_done}/{article.calls_total} calls"
    if article.reason:
        return escape(article.reason)
    if article.summary is not None:
        return escape(_done_detail(article))
    return ""


def _done_detail(article: ArticleRun) -> str:
    summary = article.summary
    if summary is None:
        return ""
    rate = "–" if summary.grounding_rate is None else f"{summary.grounding_rate:.0%}"
    parts = [f"grounding {rate}"]
    if summary.calls:
        parts.append(f"{summary.calls} call{'s' if summary.calls != 1 else ''}")
    if summary.dropped:
        parts.append(f"{summary.dropped} dropped")
    return " · ".join(parts)


def article_line(article: ArticleRun) -> str:
    """One finished article on one line: its state, name and what came of it."""
    name = article.name or article.source.text
    detail = article.reason if article.reason else _done_detail(article)
    return f"{article.stage!s:<11} {name}" + (f"  {detail}" if detail else "")
