"""The `briefing` command: parse options, call the library, map errors to exit codes.

This module holds no logic of its own beyond presentation. Heavy libraries (openai,
trafilatura, WeasyPrint) are imported by the library functions that need them, so
`briefing --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from briefing.cli.console import notify as _notify
from briefing.cli.console import stderr as _stderr
from briefing.cli.console import stdout as _stdout
from briefing.cli.maintenance import cassettes_app, prompts_app, schema
from briefing.errors import EXIT_CODES, BriefingError, OutputError

if TYPE_CHECKING:
    from briefing.config import Settings
    from briefing.ingest.article import Article
    from briefing.schema import BriefDocument


class _ErrorBoundary(TyperGroup):
    """The single error boundary: a BriefingError becomes one line on stderr and its
    documented exit code; anything unexpected too, unless --debug asks for the traceback."""

    def invoke(self, ctx: Any) -> Any:  # typer re-exports click's Context under a private path
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except BriefingError as exc:
            if debug:
                raise
            _stderr().print(f"error: {exc.message}", markup=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, typer.TyperException, KeyboardInterrupt):
            raise
        except Exception as exc:
            if debug or type(exc).__module__.startswith(("typer", "click")):
                raise
            _stderr().print(
                f"error: unexpected {type(exc).__name__}: {exc} (rerun with --debug and report it)",
                markup=False,
                soft_wrap=True,
            )
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_ErrorBoundary,
    name="briefing",
    help="Turn a news article into a one-page situation brief with verified evidence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


# --- shared options -----------------------------------------------------------------

SourceArg = Annotated[
    str, typer.Argument(help="Article: a .txt/.md/.html file, '-' for stdin, or an http(s) URL.")
]
MaxBytesOpt = Annotated[
    int | None,
    typer.Option(
        "--max-bytes",
        help="Largest article accepted, in bytes [env BRIEFING_MAX_BYTES; default 5 MiB].",
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option("--model", "-m", help="Model name [env BRIEFING_MODEL; default gpt-4o-mini]."),
]
ChunkTokensOpt = Annotated[
    int | None,
    typer.Option(
        "--chunk-tokens", help="Max tokens per chunk [env BRIEFING_CHUNK_TOKENS; default 3000]."
    ),
]
OverlapOpt = Annotated[
    int | None,
    typer.Option(
        "--chunk-overlap",
        help="Tokens of overlap between chunks [env BRIEFING_CHUNK_OVERLAP; default 150].",
    ),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")]


def _settings(**flags: Any) -> Settings:
    from briefing.config import resolve_settings

    return resolve_settings(flags)


def _load(source: str, settings: Settings) -> Article:
    from briefing.ingest.article import load_article

    return load_article(source, max_bytes=settings.max_bytes, timeout=settings.timeout)


@app.callback()
def _root(
    debug: DebugOpt = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    """Global options; --debug is read by main() before any command runs."""
    if version:
        from briefing import __version__

        typer.echo(f"briefing {__version__}")
        raise typer.Exit()


# --- inspect / chunk / schema / render --------------------------------------------------


@app.command()
def inspect(source: SourceArg, max_bytes: MaxBytesOpt = None) -> None:
    """Show what cleaning kept and removed from an article, and why."""
    from rich.table import Table

    settings = _settings(max_bytes=max_bytes)
    article = _load(source, settings)
    out = _stdout()
    out.print(f"[bold]Title:[/bold] {article.title or '(none)'}")
    out.print(
        f"Source: {article.source}   format: {article.format}   sha256: {article.sha256[:16]}…"
    )
    out.print(
        f"Published: {article.published or 'not stated'}   Retrieved: {article.retrieved}"
        + (f"   Author: {article.author}" if article.author else "")
    )
    for note in article.notes:
        out.print(f"Note: {note}", markup=False)
    removed = Table(title=f"Removed ({len(article.removed)} lines)", show_lines=False)
    removed.add_column("line", justify="right")
    removed.add_column("text")
    removed.add_column("why")
    for line in article.removed:
        removed.add_row(str(line.line_no or ""), line.text[:80], line.reason)
    out.print(removed)
    kept = Table(title=f"Kept ({len(article.paragraphs)} paragraphs, {article.word_count} words)")
    kept.add_column("#", justify="right")
    kept.add_column("span")
    kept.add_column("paragraph")
    for i, para in enumerate(article.paragraphs):
        text = para.text if len(para.text) <= 100 else para.text[:99] + "…"
        kept.add_row(str(i), f"{para.start}-{para.end}", text)
    out.print(kept)


@app.command()
def chunk(
    source: SourceArg,
    model: ModelOpt = None,
    chunk_tokens: ChunkTokensOpt = None,
    chunk_overlap: OverlapOpt = None,
    max_bytes: MaxBytesOpt = None,
) -> None:
    """Split an article into token-budgeted chunks and print them as a table."""
    from rich.table import Table

    from briefing.ingest.chunking import chunk_text, resolve_tokenizer

    settings = _settings(
        model=model, chunk_tokens=chunk_tokens, chunk_overlap=chunk_overlap, max_bytes=max_bytes
    )
    article = _load(source, settings)
    tokenizer = resolve_tokenizer(settings.model, offline=settings.tokenizer == "offline")
    if tokenizer.notice:
        _notify(tokenizer.notice)
    chunks = chunk_text(
        article.text, tokenizer, max_tokens=settings.chunk_tokens, overlap=settings.chunk_overlap
    )
    table = Table(
        title=f"{len(chunks)} chunk(s), max {settings.chunk_tokens} tokens, overlap "
        f"{settings.chunk_overlap}, encoding {tokenizer.encoding_name}"
    )
    for column, justify in (
        ("index", "right"),
        ("tokens", "right"),
        ("span", "left"),
        ("first words", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for c in chunks:
        table.add_row(str(c.index), str(c.tokens), f"{c.start}-{c.end}", c.first_words)
    _stdout().print(table)


FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format", "-f", help="md, html, pdf or json (default: from -o's suffix, else md)."
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Output file (written atomically). Default: stdout."),
]


def _output_format(output: Path | None, fmt: str | None) -> str:
    """The format to write, checked before any work is done (model calls cost money)."""
    from briefing.render.formats import format_for_path

    if output is not None and output.is_dir():
        raise OutputError(
            f"{output} is a directory; pass a file name such as {output / 'brief.html'}"
        )
    if output is not None and not output.parent.is_dir():
        raise OutputError(f"{output.parent} does not exist; create it or choose another -o path")
    chosen = format_for_path(output or Path("stdout.md"), fmt)
    if output is None and chosen == "pdf":
        raise OutputError("PDF cannot go to the terminal; pass -o brief.pdf")
    return chosen


def _emit(doc: BriefDocument, output: Path | None, fmt: str | None) -> None:
    from briefing.render.formats import render, write_output

    chosen = _output_format(output, fmt)
    if output is None:
        sys.stdout.buffer.write(render(doc, chosen))
        sys.stdout.flush()
        return
    write_output(render(doc, chosen), output)
    _notify(f"wrote {output}")


@app.command("render")
def render_cmd(
    brief: Annotated[
        Path, typer.Argument(help="A brief JSON document (from generate -f json), or - for stdin.")
    ],
    output: OutputOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Render a brief JSON document to Markdown, HTML, PDF or JSON."""
    from briefing.render.formats import load_document

    _emit(load_document(brief), output, fmt)


# --- generate ---------------------------------------------------------------------------


@app.command()
def generate(
    source: SourceArg,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    prompt: Annotated[
        str | None,
        typer.Option("--prompt", "-p", help="Prompt version [env BRIEFING_PROMPT; default v2]."),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="llm, extractive or auto (model if configured, else extractive) "
            "[env BRIEFING_ENGINE].",
        ),
    ] = None,
    model: ModelOpt = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="OpenAI-compatible endpoint [env BRIEFING_BASE_URL / OPENAI_BASE_URL].",
        ),
    ] = None,
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
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", help="Parallel model calls [default 4].")
    ] = None,
    structured_mode: Annotated[
        str | None,
        typer.Option("--structured-mode", help="auto, json_schema or json_object [default auto]."),
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
    record_mode: Annotated[
        str, typer.Option("--record-mode", help="replay, record, once or off (with --cassette).")
    ] = "replay",
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
            help="Drop claims whose evidence is not in the article; exit 9 if any.",
        ),
    ] = False,
) -> None:
    """Generate a brief for an article with a model (or the offline extractive engine)."""
    from briefing.model.cassette import RECORD_MODES
    from briefing.pipeline import StrictGroundingDropped, generate_brief

    if record_mode not in RECORD_MODES:
        raise typer.BadParameter(
            f"must be one of {', '.join(RECORD_MODES)}", param_hint="--record-mode"
        )
    settings = _settings(
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
    )
    _output_format(output, fmt)  # a bad -o or --format fails before any model call
    article = _load(source, settings)
    from briefing.pipeline import choose_engine

    chosen = choose_engine(settings, cassette_path=cassette)
    if chosen == "extractive" and settings.engine == "auto":
        _notify(
            "no model configured: using the offline extractive engine "
            "(set OPENAI_API_KEY or --base-url for a model)"
        )
    with _ProgressDisplay() as on_progress:
        try:
            doc = generate_brief(
                article,
                settings,
                engine=chosen,
                cassette_path=cassette,
                record_mode=record_mode if cassette else "off",
                cassette_origin=cassette_origin,
                strict_grounding=strict_grounding,
                progress=on_progress,
                notify=_notify,
            )
        except StrictGroundingDropped as dropped:
            _emit(dropped.document, output, fmt)
            raise
    _emit(doc, output, fmt)
    _notify(_summary_line(doc))


def _summary_line(doc: BriefDocument) -> str:
    from briefing.grounding import grounding_summary

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
    return "; ".join(parts)


class _ProgressDisplay:
    """A rich progress line on stderr for multi-call work; silent when stderr is not a tty."""

    def __enter__(self) -> Any:
        self._progress: Any = None
        self._task: Any = None
        console = _stderr()
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


# --- compare ----------------------------------------------------------------------------


@app.command()
def compare(
    sources: Annotated[
        list[Path], typer.Argument(help="Article files or directories of articles.")
    ],
    prompt: Annotated[
        list[str],
        typer.Option(
            "--prompt", "-p", help="Prompt version to compare (repeat); 'extractive' too."
        ),
    ],
    model: Annotated[
        list[str] | None, typer.Option("--model", "-m", help="Model to compare (repeatable).")
    ] = None,
    cassette_dir: Annotated[
        Path | None,
        typer.Option("--cassette-dir", help="One cassette per article and version, in DIR."),
    ] = None,
    record_mode: Annotated[
        str, typer.Option("--record-mode", help="replay, record, once or off.")
    ] = "replay",
    repeat: Annotated[int, typer.Option("--repeat", help="Runs per article and version.")] = 1,
    gold: Annotated[
        Path | None, typer.Option("--gold", help="Directory of <article>.gold.json references.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a self-contained HTML report.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the full result as JSON on stdout.")
    ] = False,
    baseline: Annotated[
        str | None, typer.Option("--baseline", help="Version the --fail-on rules compare to.")
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            help="Gate rules, e.g. 'grounding_rate<0.95,actor_recall<baseline-0.05' (exit 11).",
        ),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint.")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", help="Parallel runs and model calls.")
    ] = None,
    chunk_tokens: ChunkTokensOpt = None,
    chunk_overlap: OverlapOpt = None,
) -> None:
    """Compare prompt versions (and models) side by side on the same articles."""
    from briefing.compare.gate import check_gate, parse_rules
    from briefing.compare.report import render_html, render_terminal
    from briefing.compare.run import run_comparison
    from briefing.model.cassette import RECORD_MODES

    if record_mode not in RECORD_MODES:
        raise typer.BadParameter(
            f"must be one of {', '.join(RECORD_MODES)}", param_hint="--record-mode"
        )
    if fail_on:
        parse_rules(fail_on)  # a bad rule fails before any work is done
    if report is not None:
        _output_format(report, "html")
    settings = _settings(
        base_url=base_url,
        concurrency=concurrency,
        chunk_tokens=chunk_tokens,
        chunk_overlap=chunk_overlap,
    )
    result = run_comparison(
        sources,
        prompt,
        settings,
        models=model or None,
        cassette_dir=cassette_dir,
        record_mode=record_mode,
        repeat=repeat,
        gold_dir=gold,
    )
    render_terminal(result, _stderr() if as_json else _stdout())
    if report is not None:
        from briefing.render.formats import write_output

        write_output(render_html(result).encode("utf-8"), report)
        _notify(f"wrote {report}")
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    if fail_on:
        check_gate(result, baseline, fail_on)
        _notify(f"gate passed: {fail_on}")


# --- maintenance commands (briefing/cli_maintenance.py) -------------------------------

app.command()(schema)
app.add_typer(prompts_app, name="prompts")
app.add_typer(cassettes_app, name="cassettes")


# --- entry point ------------------------------------------------------------------------


def main() -> None:
    """Console-script entry point."""
    app(prog_name="briefing")


__all__ = ["app", "main", "EXIT_CODES"]
