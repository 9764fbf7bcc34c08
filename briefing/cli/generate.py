"""`briefing generate` (an article to a brief) and `briefing render` (a brief JSON to a page)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from briefing.choices import Engine, RecordMode, StructuredMode, SupportCheckMode
from briefing.cli.articles import load, resolve
from briefing.cli.console import notify, stderr
from briefing.cli.options import (
    BaseUrlOpt,
    ChunkTokensOpt,
    ConcurrencyOpt,
    FormatOpt,
    MaxBytesOpt,
    ModelOpt,
    OutputOpt,
    OverlapOpt,
    RecordModeOpt,
    SourceArg,
)
from briefing.cli.output import emit_brief, output_format
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

    emit_brief(load_document(brief), output, fmt)


def generate(
    source: SourceArg,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    prompt: Annotated[
        str | None,
        typer.Option("--prompt", "-p", help="Prompt version [env BRIEFING_PROMPT; default v2]."),
    ] = None,
    engine: Annotated[
        Engine | None,
        typer.Option(
            "--engine",
            case_sensitive=False,
            help="llm, extractive or auto (model if configured, else extractive) "
            "[env BRIEFING_ENGINE].",
        ),
    ] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    api_key_env: Annotated[
        str | None,
        typer.Option(
            "--api-key-env",
            help="Name of the env var holding the API key [default OPENAI_API_KEY].",
        ),
    ] = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Seconds per model call [default 60].")
    ] = None,
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
        check_support=check_support,
    )
    output_format(output, fmt)  # a bad -o or --format fails before any model call
    article = load(source, settings)
    chosen = choose_engine(settings, cassette=cassette)
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
                notify=notify,
            ),
        )
    emit_brief(doc, output, fmt)
    dropped = doc.grounding.dropped if doc.grounding is not None else []
    if dropped:
        shown = ", ".join(dropped[:5]) + (
            f" and {len(dropped) - 5} more" if len(dropped) > 5 else ""
        )
        raise GroundingError(
            f"--strict-grounding dropped {len(dropped)} unverified or unsupported item(s): "
            f"{shown}; the brief was written without them — check the quotes or rerun "
            "without --strict-grounding"
        )
    notify(summary_line(doc))


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
    """A rich progress line on stderr for multi-call work; silent when stderr is not a tty."""

    def __enter__(self) -> Any:
        self._progress: Any = None
        self._task: Any = None
        console = stderr()
        if not console.is_terminal:
            return lambda _event: None
        from rich.progress import Progress as RichProgress

        self._progress = RichProgress(console=console, transient=True)
        self._progress.start()

        def update(event: Any) -> None:
            if self._task is None:
                self._task = self._progress.add_task("model calls", total=event.total)
            self._progress.update(
                self._task,
                completed=event.done,
                total=event.total,
                description=f"{event.stage}: "
                f"{event.prompt_tokens}+{event.completion_tokens} tokens, {event.cost}",
            )

        return update

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
