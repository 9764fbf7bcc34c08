"""`briefing generate` (an article to a brief) and `briefing render` (a brief JSON to a page)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from briefing.choices import Engine, RecordMode, StructuredMode, SupportCheckMode
from briefing.cli.articles import check_prompt, load, resolve
from briefing.cli.console import notify, stderr
from briefing.cli.options import (
    ApiKeyEnvOpt,
    BaseUrlOpt,
    BriefLanguageOpt,
    ChunkTokensOpt,
    ConcurrencyOpt,
    EngineOpt,
    FormatOpt,
    KeepSuspiciousOpt,
    LanguageDetectorOpt,
    MaxBytesOpt,
    ModelOpt,
    ModelPathOpt,
    NoLogOpt,
    OutputOpt,
    OverlapOpt,
    PromptOpt,
    RecordModeOpt,
    SourceArg,
    TimeoutOpt,
)
from briefing.cli.output import emit_brief, output_format
from briefing.cli.runlog import start_run
from briefing.errors import GroundingError

if TYPE_CHECKING:
    from briefing.schema import BriefDocument


def render_command(
    brief: Annotated[
        Path, typer.Argument(help="A brief JSON document (from generate -f json), or - for stdin.")
    ],
    output: OutputOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Render a brief JSON document to Markdown, HTML, PDF or JSON."""
    from briefing.render.document import load_document

    emit_brief(load_document(brief), output, fmt, inputs=[brief])


def generate(
    source: SourceArg,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    prompt: PromptOpt = None,
    engine: EngineOpt = None,
    model: ModelOpt = None,
    model_path: ModelPathOpt = None,
    base_url: BaseUrlOpt = None,
    api_key_env: ApiKeyEnvOpt = None,
    timeout: TimeoutOpt = None,
    concurrency: ConcurrencyOpt = None,
    structured_mode: Annotated[
        StructuredMode | None,
        typer.Option(
            "--structured-mode",
            case_sensitive=False,
            help="auto, json_schema or json_object [default auto].",
        ),
    ] = None,
    max_repairs: Annotated[
        int | None, typer.Option("--max-repairs", help="Re-asks after invalid output [default 1].")
    ] = None,
    max_cost: Annotated[
        float | None,
        typer.Option("--max-cost", help="Stop before a call that would exceed this USD."),
    ] = None,
    max_output_tokens: Annotated[
        int | None, typer.Option("--max-output-tokens", help="Output token cap per call.")
    ] = None,
    chunk_tokens: ChunkTokensOpt = None,
    chunk_overlap: OverlapOpt = None,
    max_bytes: MaxBytesOpt = None,
    brief_language: BriefLanguageOpt = None,
    language_detector: LanguageDetectorOpt = None,
    cassette: Annotated[
        Path | None, typer.Option("--cassette", help="Cassette file to replay from / record to.")
    ] = None,
    record_mode: RecordModeOpt = RecordMode.REPLAY,
    cassette_origin: Annotated[
        str | None,
        typer.Option(
            "--cassette-origin", help="Origin label stored with recorded entries.", hidden=True
        ),
    ] = None,
    strict_grounding: Annotated[
        bool,
        typer.Option(
            "--strict-grounding",
            help="Drop claims whose evidence is not in the article or does not support them; "
            "exit 9 if any.",
        ),
    ] = False,
    no_log: NoLogOpt = False,
    min_grounding: Annotated[
        float | None,
        typer.Option(
            "--min-grounding",
            metavar="RATE",
            help="Exit 9 (brief still written) when fewer than this share of evidence quotes "
            "is found in the article, e.g. 0.9 [env BRIEFING_MIN_GROUNDING; default 0].",
        ),
    ] = None,
    keep_suspicious: KeepSuspiciousOpt = False,
    check_support: Annotated[
        SupportCheckMode | None,
        typer.Option(
            "--check-support",
            case_sensitive=False,
            help="Check each claim against its own quotes: rules (deterministic), model "
            "(rules, then ask the configured model) or off [env BRIEFING_CHECK_SUPPORT; "
            "default rules].",
        ),
    ] = None,
) -> None:
    """Generate a brief for an article with a model (or the offline extractive engine)."""
    from briefing.pipeline import GenerateOptions, choose_engine, generate_brief

    settings = resolve(
        prompt=prompt,
        engine=engine,
        model=model,
        model_path=str(model_path) if model_path else None,
        base_url=base_url,
        api_key_env=api_key_env,
        timeout=timeout,
        concurrency=concurrency,
        structured_mode=structured_mode,
        max_repairs=max_repairs,
        max_cost=max_cost,
        max_output_tokens=max_output_tokens,
        chunk_tokens=chunk_tokens,
        chunk_overlap=chunk_overlap,
        max_bytes=max_bytes,
        brief_language=brief_language,
        language_detector=language_detector,
        min_grounding=min_grounding,
        check_support=check_support,
    )
    # A bad -o or --format fails before any model call; -o never overwrites what is read.
    inputs = [Path(source), *([cassette] if cassette else [])]
    output_format(output, fmt, inputs=inputs)
    check_prompt(settings)
    chosen = choose_engine(settings, cassette=cassette)
    run = start_run(
        "generate",
        settings,
        no_log=no_log,
        source=source,
        engine=str(chosen),
        model=settings.model if chosen == Engine.LLM else None,
        prompt_version=settings.prompt if chosen == Engine.LLM else None,
    )
    article = load(source, settings, keep_suspicious=keep_suspicious)
    if article.suspicious and not keep_suspicious:
        notify(
            f"removed {len(article.suspicious)} passage(s) addressed to automated readers "
            "(see `briefing inspect`; --keep-suspicious keeps them)"
        )
    if run is not None:
        run.set(source_sha256=article.sha256)
    if chosen == Engine.EXTRACTIVE and settings.engine == Engine.AUTO:
        notify(
            "no model configured: using the offline extractive engine "
            "(set OPENAI_API_KEY or --base-url for a model)"
        )
    with _ProgressDisplay() as on_progress:
        doc = generate_brief(
            article,
            settings,
            GenerateOptions(
                engine=chosen,
                cassette=cassette,
                record_mode=record_mode if cassette else RecordMode.OFF,
                cassette_origin=cassette_origin,
                strict_grounding=strict_grounding,
                progress=on_progress,
                # Streaming only to redraw tokens a terminal shows: lines need none.
                token_progress=stderr().is_terminal,
                notify=notify,
            ),
        )
    emit_brief(doc, output, fmt, inputs=inputs)
    if run is not None:
        run.document(doc, outputs=[str(output) if output is not None else "stdout"])
    notify(summary_line(doc))
    _judge_grounding(doc, settings.min_grounding)


def _judge_grounding(doc: BriefDocument, minimum: float) -> None:
    """After the brief is written: say when it is weakly grounded, and exit 9 when
    strict grounding dropped claims or grounding is below ⟨min_grounding⟩."""
    from briefing.grounding import below_minimum, weak_grounding_warning

    if doc.grounding is None:
        return
    if weak := weak_grounding_warning(doc.grounding):
        notify(f"warning: {weak}")
    dropped = doc.grounding.dropped
    if dropped:
        shown = ", ".join(dropped[:5]) + (
            f" and {len(dropped) - 5} more" if len(dropped) > 5 else ""
        )
        raise GroundingError(
            f"--strict-grounding dropped {len(dropped)} unverified or unsupported item(s): "
            f"{shown}; the brief was written without them — check the quotes or rerun "
            "without --strict-grounding"
        )
    if problem := below_minimum(doc.grounding, minimum):
        raise GroundingError(problem)


def summary_line(doc: BriefDocument) -> str:
    from briefing.grounding import grounding_summary
    from briefing.support import support_summary

    meta = doc.metadata
    parts = [f"engine {meta.engine}"]
    if meta.engine == "llm":
        cost = "cost unknown" if meta.cost_usd is None else f"${meta.cost_usd:.4f}"
        parts += [
            f"model {meta.model}",
            f"prompt {meta.prompt_version}",
            f"{meta.calls} call(s)",
            f"{meta.prompt_tokens}+{meta.completion_tokens} tokens",
            cost,
        ]
        if meta.structured_fallback:
            parts.append("json_object fallback")
    parts.append(f"{meta.wall_seconds:.2f}s")
    if doc.grounding is not None:
        parts.append(grounding_summary(doc.grounding))
        support = support_summary(doc.grounding)
        if support:
            parts.append(support)
    return "; ".join(parts)


class _ProgressDisplay:
    """A rich progress line on stderr on a terminal; elsewhere (a log, cron) one line per
    finished model call."""

    def __enter__(self) -> Any:
        self._progress: Any = None
        self._task: Any = None
        console = stderr()
        if not console.is_terminal:
            return _progress_lines
        from rich.progress import Progress as RichProgress
        from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

        from briefing.engines.llm import Generating

        self._progress = RichProgress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("{task.completed}/{task.total} calls"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._progress.start()
        self._done = "0+0 tokens"

        def update(event: Any) -> None:
            if self._task is None:
                self._task = self._progress.add_task("model calls", total=None)
            if isinstance(event, Generating):
                # A slow model: say it is working, and how fast.
                description = (
                    f"{event.stage}: generating, {event.tokens} tokens, "
                    f"{event.tokens_per_second:.1f} tokens/s, {event.seconds:.0f}s; "
                    f"done so far {self._done}"
                )
                self._progress.update(self._task, description=description)
                return
            self._done = f"{event.prompt_tokens}+{event.completion_tokens} tokens, {event.cost}"
            self._progress.update(
                self._task,
                completed=event.done,
                total=event.total,
                description=f"{event.stage}: {self._done}",
            )

        return update

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def _progress_lines(event: Any) -> None:
    """Finished calls only: tokens as they stream are for a live display."""
    from briefing.engines.llm import Generating

    if not isinstance(event, Generating) and event.done > 0:  # "0 of N" is for live displays
        notify(
            f"{event.stage}: call {event.done} of {event.total} done "
            f"({event.prompt_tokens}+{event.completion_tokens} tokens so far, {event.cost})"
        )
