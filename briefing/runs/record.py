"""Writing to the run log from commands that make briefs: never at the briefs' expense.

`SafeRunLog` opens the log on first use; when the log cannot be used (corrupt, locked,
unwritable), it reports one line through `warn` and records nothing more for the rest of
the process, while the command goes on. Rows are built from brief documents and
comparison runs here, so every command records the same fields the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.errors import RunLogError
from briefing.runs.store import BatchJobRow, RunEntry, RunLog

if TYPE_CHECKING:
    from briefing.compare.result import ComparisonResult
    from briefing.schema import BriefDocument

Warn = Callable[[str], None]


class SafeRunLog:
    """A run log that warns once and stands aside instead of raising."""

    def __init__(self, path: Path, warn: Warn) -> None:
        self.path = path
        self._warn = warn
        self._log: RunLog | None = None
        self.failed = False

    def _open(self) -> RunLog | None:
        if self.failed:
            return None
        if self._log is None:
            try:
                self._log = RunLog.open(self.path)
            except RunLogError as exc:
                self._give_up(exc)
        return self._log

    def _give_up(self, exc: RunLogError) -> None:
        self.failed = True
        self._warn(f"warning: this run is not recorded: {exc}")
        if self._log is not None:
            self._log.close()
            self._log = None

    def add(self, entry: RunEntry) -> int | None:
        log = self._open()
        if log is None:
            return None
        try:
            return log.add(entry)
        except RunLogError as exc:
            self._give_up(exc)
            return None

    def add_many(self, entries: Sequence[RunEntry]) -> None:
        log = self._open()
        if log is None or not entries:
            return
        try:
            log.add_many(list(entries))
        except RunLogError as exc:
            self._give_up(exc)

    def update(self, run_id: int | None, **changes: Any) -> None:
        log = self._open() if run_id is not None else None
        if log is None or run_id is None:
            return
        try:
            log.update(run_id, **changes)
        except RunLogError as exc:
            self._give_up(exc)

    def note_job(self, job: BatchJobRow) -> None:
        log = self._open()
        if log is None:
            return
        try:
            log.note_job(job)
        except RunLogError as exc:
            self._give_up(exc)

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


def document_fields(doc: BriefDocument, *, keep_brief: bool) -> dict[str, Any]:
    """The columns a brief document fills: what made it, what it cost, how grounded."""
    meta = doc.metadata
    return {
        "source": meta.source,
        "source_sha256": meta.source_sha256,
        "engine": meta.engine,
        "model": meta.model,
        "prompt_version": meta.prompt_version,
        "prompt_hash": meta.prompt_hash,
        "schema_version": meta.schema_version,
        "calls": meta.calls,
        "prompt_tokens": meta.prompt_tokens,
        "completion_tokens": meta.completion_tokens,
        "cost_usd": meta.cost_usd,
        "grounding_rate": doc.grounding.rate if doc.grounding is not None else None,
        "brief_json": doc.model_dump_json() if keep_brief else None,
    }


def comparison_entries(
    result: ComparisonResult, parent_id: int, code_for: Callable[[str | None], int]
) -> list[RunEntry]:
    """One row per comparison run (article × variant × repetition), under the command's;
    `code_for` gives a failed run's exit code from its error's kind."""
    sources = {info.name: info.source for info in result.articles}
    variants = {variant.label: variant for variant in result.variants}
    # The cell's brief carries what the runs do not: the article's hash, the prompt's.
    shown = {(c.article, c.variant): c.document for c in result.cells if c.document}
    entries = []
    for run in result.runs:
        variant = variants.get(run.variant)
        metrics = run.metrics
        doc = shown.get((run.article, run.variant))
        entries.append(
            RunEntry(
                command="compare",
                parent_id=parent_id,
                source=sources.get(run.article, run.article),
                source_sha256=doc.metadata.source_sha256 if doc else None,
                prompt_hash=doc.metadata.prompt_hash if doc else None,
                schema_version=doc.metadata.schema_version if doc else None,
                engine=str(variant.engine) if variant else None,
                model=_model(variant, result.model),
                prompt_version=variant.version if variant and variant.engine == "llm" else None,
                calls=_whole(metrics.calls) if metrics else None,
                prompt_tokens=_whole(metrics.prompt_tokens) if metrics else None,
                completion_tokens=_whole(metrics.completion_tokens) if metrics else None,
                cost_usd=metrics.cost_usd if metrics else None,
                grounding_rate=metrics.grounding_rate if metrics else None,
                duration_s=metrics.wall_seconds if metrics else None,
                exit_code=0 if run.error is None else code_for(run.error_type),
                error=run.error,
            )
        )
    return entries


def comparison_totals(result: ComparisonResult) -> dict[str, Any]:
    """The command's row of a comparison: sums over its runs, the mean grounding rate."""
    done = [run.metrics for run in result.runs if run.metrics is not None and run.error is None]
    costs = [m.cost_usd for m in done]
    rates = [m.grounding_rate for m in done if m.grounding_rate is not None]
    llm = [v for v in result.variants if v.engine == "llm"]
    return {
        "source": ", ".join(info.source for info in result.articles),
        "engine": ",".join(dict.fromkeys(str(v.engine) for v in result.variants)),
        "model": ",".join(dict.fromkeys(v.model or result.model for v in llm)) or None,
        "prompt_version": ",".join(dict.fromkeys(v.version for v in result.variants)),
        "calls": sum(_whole(m.calls) for m in done),
        "prompt_tokens": sum(_whole(m.prompt_tokens) for m in done),
        "completion_tokens": sum(_whole(m.completion_tokens) for m in done),
        "cost_usd": None if any(c is None for c in costs) else sum(c or 0.0 for c in costs),
        "grounding_rate": sum(rates) / len(rates) if rates else None,
    }


def _model(variant: Any, default: str) -> str | None:
    if variant is None or variant.engine != "llm":
        return None
    return str(variant.model or default)


def _whole(value: float | None) -> int:
    return int(round(value or 0))
