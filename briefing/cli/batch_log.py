"""A batch in the run log: its row, one row per article, its Batch API jobs, and the
way back from a job id to the run that made it (`briefing batch --resume ID`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.cli.exit_codes import exit_code_for
from briefing.cli.runlog import OpenRun

if TYPE_CHECKING:
    from briefing.batch.batch_api import BatchJob
    from briefing.batch.outcome import ArticleRun, Batch
    from briefing.config import Settings
    from briefing.schema import BriefDocument

# The settings a batch's requests depend on: `--resume` puts them back, so the resumed
# run asks for exactly what the job holds, whatever the environment says that day.
RESUMED_SETTINGS = (
    "model",
    "prompt",
    "engine",
    "base_url",
    "api_key_env",
    "chunk_tokens",
    "chunk_overlap",
    "merge_tokens",
    "max_output_tokens",
    "max_bytes",
)


def invocation(
    settings: Settings, sources: list[str], output: Path, options: dict[str, Any]
) -> str:
    """How a batch was run, as the run log keeps it (never the key, only its variable)."""
    from briefing.batch.sources import is_url

    values = {name: getattr(settings, name) for name in RESUMED_SETTINGS}
    # Absolute paths: a resume may start from another directory.
    where = [s if is_url(s) or s == "-" else str(Path(s).resolve()) for s in sources]
    data = {"sources": where, "output": str(output.resolve()), "settings": values}
    data["options"] = options
    return json.dumps(data, default=str)


def find_job_run(settings: Settings, job_id: str) -> dict[str, Any] | None:
    """How the run that made `job_id` was invoked, from the run log; None if unknown."""
    from briefing.errors import RunLogError
    from briefing.runs.store import RunLog

    try:
        with RunLog.open(settings.run_log_path, create=False) as log:
            jobs = log.jobs(batch_id=job_id)
            run = log.get(jobs[0].run_id) if jobs and jobs[0].run_id is not None else None
    except RunLogError:
        return None
    if run is None or not run.args:
        return None
    data: dict[str, Any] = json.loads(run.args)
    return data


def running_jobs(settings: Settings, output: Path) -> list[str]:
    """Jobs the log last saw running for this folder (in case its own note is lost)."""
    from briefing.errors import RunLogError
    from briefing.runs.store import RunLog

    if not settings.run_log or not settings.run_log_path.is_file():
        return []
    try:
        with RunLog.open(settings.run_log_path, create=False) as log:
            return [job.batch_id for job in log.jobs(running_in=str(output.resolve()))]
    except RunLogError:
        return []


class BatchLog:
    """The batch's row in the run log, and one row per article as each finishes."""

    def __init__(self, run: OpenRun | None, output: Path) -> None:
        self.run = run
        self.output = output
        self.parent = run.begin() if run is not None else None

    def job(self, job: BatchJob) -> None:
        if self.run is None:
            return
        from briefing.runs.store import BatchJobRow, now_utc

        self.run.log.note_job(
            BatchJobRow(
                batch_id=job.id,
                run_id=self.parent,
                folder=str(self.output.resolve()),
                label=job.label or None,
                status=job.status,
                requests=job.total,
                completed=job.completed,
                failed=job.failed,
                updated_at=now_utc(),
            )
        )

    def finished(self, article: ArticleRun, doc: BriefDocument | None) -> None:
        if self.run is None or self.parent is None:
            return
        from briefing.batch.outcome import Stage
        from briefing.runs.record import document_fields
        from briefing.runs.store import RunEntry

        entry = RunEntry(command="batch", parent_id=self.parent, source=article.source.text)
        if doc is not None:
            for name, value in document_fields(doc, keep_brief=self.run.keep_briefs).items():
                setattr(entry, name, value)
            if article.stage != Stage.DONE:  # briefed by an earlier run: nothing spent now
                entry.calls, entry.prompt_tokens, entry.completion_tokens = 0, 0, 0
                entry.cost_usd, entry.brief_json = 0.0, None
        entry.outputs = [str(self.output / name) for name in article.outputs.values()]
        entry.duration_s = article.seconds
        if article.succeeded:
            entry.exit_code = 0
        else:
            entry.exit_code = exit_code_for(article.error) if article.error is not None else 1
            entry.error = article.reason
        self.run.log.add(entry)

    def close(self, result: Batch | None) -> None:
        if self.run is None or result is None:
            return
        tally = result.tally
        rates = [
            a.summary.grounding_rate
            for a in result.articles
            if a.summary is not None and a.summary.grounding_rate is not None
        ]
        self.run.set(
            engine=str(result.engine),
            model=result.model,
            prompt_version=result.prompt_version,
            calls=tally.calls,
            prompt_tokens=tally.prompt_tokens,
            completion_tokens=tally.completion_tokens,
            cost_usd=tally.cost_usd if tally.calls else 0.0,
            grounding_rate=sum(rates) / len(rates) if rates else None,
        )
