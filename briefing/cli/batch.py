"""`briefing batch`: brief many articles into a folder, resumably, with a live table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from briefing.choices import Engine, OutputFormat, RecordMode
from briefing.cli.articles import resolve
from briefing.cli.console import notify
from briefing.cli.exit_codes import INTERRUPTED, exit_code_for
from briefing.cli.options import (
    ApiKeyEnvOpt,
    BaseUrlOpt,
    ChunkTokensOpt,
    ConcurrencyOpt,
    EngineOpt,
    MaxBytesOpt,
    ModelOpt,
    NoLogOpt,
    OverlapOpt,
    PromptOpt,
    RecordModeOpt,
    TimeoutOpt,
    flag,
)
from briefing.cli.runlog import OpenRun, start_run

if TYPE_CHECKING:
    from briefing.batch.run import ArticleRun, Batch
    from briefing.schema import BriefDocument


def batch(
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
    no_log: NoLogOpt = False,
) -> None:
    """Brief many articles into a folder; run it again to resume an interrupted batch."""
    from briefing.batch.run import BatchOptions, run_batch
    from briefing.batch.sources import list_from

    if output is None:
        raise typer.BadParameter("give the folder for the briefs with -o/--output", param_hint="-o")
    given = list(sources or [])
    if from_list is not None:
        given += list_from(from_list)
    if not given:
        raise typer.BadParameter("give sources (files, folders, URLs) or --from LIST")
    settings = resolve(
        prompt=prompt,
        engine=engine,
        model=model,
        base_url=base_url,
        api_key_env=api_key_env,
        concurrency=concurrency,
        max_cost=max_cost,
        timeout=timeout,
        chunk_tokens=chunk_tokens,
        chunk_overlap=chunk_overlap,
        max_bytes=max_bytes,
    )
    run = start_run(
        "batch",
        settings,
        no_log=no_log,
        source=", ".join(given),
        outputs=[str(output / "index.html"), str(output / "index.json")],
    )
    log_articles = _ArticleLog(run, output)
    from briefing.pipeline import choose_engine

    if (
        settings.engine == Engine.AUTO
        and choose_engine(settings, cassette=cassette_dir) == "extractive"
    ):
        notify(
            "no model configured: using the offline extractive engine "
            "(set OPENAI_API_KEY or --base-url for a model)"
        )
    from briefing.cli.live import BatchDisplay

    display = BatchDisplay()
    options = BatchOptions(
        formats=tuple(dict.fromkeys(formats or (OutputFormat.HTML, OutputFormat.JSON))),
        force=force,
        cassette_dir=cassette_dir,
        record_mode=record_mode,
        strict_grounding=strict_grounding,
        on_change=display.update,
        on_finish=log_articles.finished,
        notify=notify,
        name_option=flag,
    )
    try:
        with display:
            result = run_batch(given, output, settings, options)
    except KeyboardInterrupt:
        interrupted = display.batch
        done = interrupted.succeeded if interrupted else 0
        total = len(interrupted.articles) if interrupted else len(given)
        log_articles.close(interrupted)
        notify(
            f"interrupted: {done} of {total} briefs written to {output}; run the same command "
            "again to resume (finished model calls are not repeated)"
        )
        raise typer.Exit(INTERRUPTED) from None
    log_articles.close(result)
    _report(result, output)


class _ArticleLog:
    """The batch's row in the run log, and one row per article as each finishes."""

    def __init__(self, run: OpenRun | None, output: Path) -> None:
        self.run = run
        self.output = output
        self.parent = run.begin() if run is not None else None

    def finished(self, article: ArticleRun, doc: BriefDocument | None) -> None:
        if self.run is None or self.parent is None:
            return
        from briefing.batch.run import Stage
        from briefing.runs.record import document_fields
        from briefing.runs.store import RunEntry

        entry = RunEntry(command="batch", parent_id=self.parent, source=article.source.text)
        if doc is not None:
            fresh = article.stage == Stage.DONE
            for name, value in document_fields(doc, keep_brief=self.run.keep_briefs).items():
                setattr(entry, name, value)
            if not fresh:  # unchanged: briefed by an earlier run, nothing spent by this one
                entry.calls, entry.prompt_tokens, entry.completion_tokens = 0, 0, 0
                entry.cost_usd, entry.brief_json = 0.0, None
        entry.outputs = [str(self.output / name) for name in article.outputs.values()]
        entry.duration_s = article.seconds
        entry.exit_code = (
            0
            if article.succeeded
            else (exit_code_for(article.error) if article.error is not None else 1)
        )
        entry.error = None if article.succeeded else article.reason
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


def _report(result: Batch, output: Path) -> None:
    """The summary line, and the exit code's error when not every article made it."""
    from briefing.batch.run import Stage
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
