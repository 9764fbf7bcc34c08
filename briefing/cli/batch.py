"""`briefing batch`: brief many articles into a folder, resumably, with a live table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from briefing.choices import Engine, OutputFormat, RecordMode, Via
from briefing.cli.articles import check_prompt, resolve
from briefing.cli.console import notify
from briefing.cli.exit_codes import INTERRUPTED
from briefing.cli.options import (
    ApiKeyEnvOpt,
    BaseUrlOpt,
    ChunkTokensOpt,
    ConcurrencyOpt,
    EngineOpt,
    MaxBytesOpt,
    ModelOpt,
    ModelPathOpt,
    NoLogOpt,
    OverlapOpt,
    PromptOpt,
    RecordModeOpt,
    TimeoutOpt,
    flag,
)
from briefing.cli.runlog import start_run

if TYPE_CHECKING:
    from briefing.batch.outcome import Batch


def batch(
    ctx: typer.Context,
    sources: Annotated[
        list[str] | None,
        typer.Argument(help="Article files, folders of articles, or http(s) URLs."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Folder for the briefs and index.html (created)."),
    ] = None,
    from_list: Annotated[
        str | None,
        typer.Option("--from", help="A file listing one source per line; '-' reads stdin."),
    ] = None,
    formats: Annotated[
        list[OutputFormat] | None,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="Format of each brief (repeat for several) [default: html and json].",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Brief every article again, calling the model again."),
    ] = False,
    prompt: PromptOpt = None,
    engine: EngineOpt = None,
    model: ModelOpt = None,
    model_path: ModelPathOpt = None,
    base_url: BaseUrlOpt = None,
    api_key_env: ApiKeyEnvOpt = None,
    concurrency: ConcurrencyOpt = None,
    max_cost: Annotated[
        float | None,
        typer.Option("--max-cost", help="Stop starting articles before the batch spends more USD."),
    ] = None,
    timeout: TimeoutOpt = None,
    chunk_tokens: ChunkTokensOpt = None,
    chunk_overlap: OverlapOpt = None,
    max_bytes: MaxBytesOpt = None,
    cassette_dir: Annotated[
        Path | None,
        typer.Option("--cassette-dir", help="Replay <article>.<version>.json cassettes from DIR."),
    ] = None,
    record_mode: RecordModeOpt = RecordMode.REPLAY,
    strict_grounding: Annotated[
        bool,
        typer.Option("--strict-grounding", help="Drop claims whose evidence is not found."),
    ] = False,
    via: Annotated[
        Via,
        typer.Option(
            "--via",
            case_sensitive=False,
            help="direct: concurrent calls, answers in seconds; batch-api: one provider job "
            "at half the price, answers within 24 hours.",
        ),
    ] = Via.DIRECT,
    merge_direct: Annotated[
        bool,
        typer.Option(
            "--merge-direct", help="With --via batch-api: merge calls direct, not a second job."
        ),
    ] = False,
    resume: Annotated[
        str | None,
        typer.Option(
            "--resume",
            help="Collect this Batch API job (SOURCES and -o default to the run that made it).",
        ),
    ] = None,
    poll_interval: Annotated[
        float,
        typer.Option("--poll-interval", min=0.01, help="Seconds between checks of a job."),
    ] = 30.0,
    no_log: NoLogOpt = False,
) -> None:
    """Brief many articles into a folder; run it again to resume an interrupted batch."""
    from briefing.batch.batch_api import TERMINAL
    from briefing.batch.outcome import BatchOptions
    from briefing.batch.run import run_batch
    from briefing.batch.sources import list_from
    from briefing.cli.batch_log import BatchLog, invocation, running_jobs
    from briefing.cli.live import BatchDisplay
    from briefing.pipeline import choose_engine

    flags: dict[str, Any] = {
        "prompt": prompt,
        "engine": engine,
        "model": model,
        "model_path": str(model_path) if model_path else None,
        "base_url": base_url,
        "api_key_env": api_key_env,
        "concurrency": concurrency,
        "max_cost": max_cost,
        "timeout": timeout,
        "chunk_tokens": chunk_tokens,
        "chunk_overlap": chunk_overlap,
        "max_bytes": max_bytes,
    }
    given = list(sources or [])
    if from_list is not None:
        given += list_from(from_list)
    if resume is not None:
        via = Via.BATCH_API
        given, output = _resumed(resume, flags, given, output)
    if output is None:
        raise typer.BadParameter("give the folder for the briefs with -o/--output", param_hint="-o")
    if not given:
        raise typer.BadParameter("give sources (files, folders, URLs) or --from LIST")
    settings = resolve(**flags)
    check_prompt(settings)
    chosen = choose_engine(settings, cassette=cassette_dir)
    if settings.engine == Engine.AUTO and chosen == Engine.EXTRACTIVE:
        notify(
            "no model configured: using the offline extractive engine "
            "(set OPENAI_API_KEY or --base-url for a model)"
        )
    run = start_run(
        "batch",
        settings,
        no_log=no_log,
        source=", ".join(given),
        outputs=[str(output / "index.html"), str(output / "index.json")],
        args=invocation(settings, given, output, {"via": via, "merge_direct": merge_direct}),
    )
    log = BatchLog(run, output)
    display = BatchDisplay()

    jobs: dict[str, str] = {}  # Batch API job id -> last status

    def job_changed(job: Any) -> None:
        jobs[job.id] = job.status
        display.job(job.id, job.describe())
        log.job(job)

    options = BatchOptions(
        formats=tuple(dict.fromkeys(formats or (OutputFormat.HTML, OutputFormat.JSON))),
        force=force,
        cassette_dir=cassette_dir,
        record_mode=record_mode,
        strict_grounding=strict_grounding,
        via=via,
        merge_direct=merge_direct,
        resume_jobs=[resume] if resume else running_jobs(settings, output),
        poll_interval=poll_interval,
        on_job=job_changed,
        on_change=display.update,
        on_finish=log.finished,
        notify=notify,
        name_option=flag,
        debug=bool(ctx.find_root().params.get("debug")),
    )
    try:
        with display:
            result = run_batch(given, output, settings, options)
    except KeyboardInterrupt:
        stopped = display.batch
        log.close(stopped)
        done = f"{stopped.succeeded} of {len(stopped.articles)}" if stopped else "no"
        notify(
            f"interrupted: {done} briefs written to {output}; run the same command again to "
            "resume (finished model calls are not repeated)"
        )
        for job in [j for j, status in jobs.items() if status not in TERMINAL]:
            notify(
                f"Batch API job {job} goes on at the provider; the same command (or "
                f"--resume {job}) collects its results"
            )
        raise typer.Exit(INTERRUPTED) from None
    log.close(result)
    _report(result, output)


def _resumed(
    job: str, flags: dict[str, Any], given: list[str], output: Path | None
) -> tuple[list[str], Path | None]:
    """Sources, folder and settings of the run that made `job`, where not given now."""
    from briefing.cli.batch_log import find_job_run

    found = find_job_run(resolve(**flags), job)
    if found is None:
        if not given or output is None:
            raise typer.BadParameter(
                f"job {job} is not in the run log; give the SOURCES and -o of the batch that "
                "made it",
                param_hint="--resume",
            )
        return given, output
    for name, value in found["settings"].items():
        if name in flags and flags[name] is None:
            flags[name] = value
    return given or list(found["sources"]), output or Path(found["output"])


def _report(result: Batch, output: Path) -> None:
    """The summary line, and the exit code's error when not every article made it."""
    from briefing.batch.outcome import Stage
    from briefing.errors import CostLimitError, EveryArticleFailed, SomeArticlesFailed

    total = len(result.articles)
    ok = result.succeeded
    missing = total - ok
    tally = result.tally
    spent = tally.format_cost() if tally.calls else "$0"
    notify(
        f"{ok} of {total} briefs in {output} ({result.count(Stage.UNCHANGED)} unchanged); "
        f"{tally.calls} model call(s), {spent}; index: {output / 'index.html'}"
    )
    if not missing:
        return
    stopped = result.stopped
    if isinstance(stopped, CostLimitError):
        raise CostLimitError(
            f"stopped at the spending limit with {missing} of {total} articles not briefed "
            f"({stopped.render(flag)}); raise ⟨max_cost⟩ and run the batch again to resume",
            limit=stopped.limit,
            spent=stopped.spent,
        )
    first = next(a for a in result.articles if not a.succeeded)
    reason = f"first, {first.source.text}: {first.reason}"
    if not ok:
        raise EveryArticleFailed(
            f"no article was briefed ({total} failed); {reason}", failed=total, total=total
        )
    raise SomeArticlesFailed(
        f"{missing} of {total} articles failed or were not started (see "
        f"{output / 'index.html'}); {reason}",
        failed=missing,
        total=total,
    )
