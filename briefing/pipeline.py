"""generate_brief(): article -> engine (model or extractive) -> brief -> grounding.

Orchestration only: the engines live in `briefing.engines`, the transport chain in
`briefing.model.transport`, grounding in `briefing.grounding`. Data flows one way; the
only side effects are model calls (through a ChatTransport, possibly a cassette) and the
optional progress and notice callbacks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from briefing.choices import Engine, RecordMode, SupportCheckMode, parse_choice
from briefing.config import Settings, resolve_settings
from briefing.engines.llm import Notify, ProgressCallback
from briefing.errors import ConfigError
from briefing.ingest.article import Article
from briefing.model.exchange import ChatTransport
from briefing.schema import PARTIAL_ANALYSIS, SCHEMA_VERSION, Brief, BriefDocument, BriefMetadata
from briefing.text.language import UNDETERMINED, language_data, language_name, resolve_language


@dataclass(frozen=True)
class GenerateOptions:
    """How one brief is generated, beyond the settings. Every field has a default."""

    prompt_version: str | None = None  # None: the `prompt` setting
    engine: Engine | None = None  # None: the `engine` setting (`auto` decides)
    cassette: Path | None = None
    record_mode: RecordMode = RecordMode.OFF  # how `cassette` is used; OFF ignores it
    cassette_origin: str | None = None  # who wrote recorded answers, when not a model
    # Remove claims whose evidence is not in the article; the document's grounding
    # report lists them (`grounding.dropped`).
    strict_grounding: bool = False
    # How claims are checked against their own quotes; None: the `check_support` setting.
    # With strict grounding, unsupported claims are removed too.
    check_support: SupportCheckMode | None = None
    repetition: int = 0  # keys repeated runs separately in cassettes (compare --repeat)
    transport: ChatTransport | None = None  # the caller's own (closed by the caller)
    progress: ProgressCallback | None = None
    # With `progress`: also report tokens while a call generates (the answer is then
    # streamed); False reports finished calls only.
    token_progress: bool = True
    notify: Notify | None = None  # one-line notices for the user (stderr in the CLI)

    def __post_init__(self) -> None:
        # Library callers may pass plain strings; they are checked here, once.
        mode = parse_choice(RecordMode, self.record_mode, "record_mode")
        object.__setattr__(self, "record_mode", mode)
        if self.engine is not None:
            object.__setattr__(self, "engine", parse_choice(Engine, self.engine, "engine"))
        if self.check_support is not None:
            check = parse_choice(SupportCheckMode, self.check_support, "check_support")
            object.__setattr__(self, "check_support", check)


class GenerateFunction(Protocol):
    """The shape of `agenerate_brief`, for callers that take a stand-in."""

    def __call__(
        self, article: Article, settings: Settings | None = ..., options: GenerateOptions = ...
    ) -> Awaitable[BriefDocument]: ...


def choose_engine(settings: Settings, *, cassette: Path | None) -> Engine:
    """`auto` means the model when one is configured (or a cassette is given), else extractive."""
    if settings.engine != Engine.AUTO:
        return settings.engine
    return Engine.LLM if settings.model_configured or cassette is not None else Engine.EXTRACTIVE


def generate_brief(
    article: Article, settings: Settings | None = None, options: GenerateOptions | None = None
) -> BriefDocument:
    """Generate a grounded brief for `article` (see `agenerate_brief`)."""
    return asyncio.run(agenerate_brief(article, settings, options))


async def agenerate_brief(
    article: Article, settings: Settings | None = None, options: GenerateOptions | None = None
) -> BriefDocument:
    """Generate a brief with the chosen engine, then ground every quote in the article.

    `settings` default to what the environment and the config file say
    (`briefing.config.resolve_settings`). With `strict_grounding`, claims whose evidence
    is not found are removed and listed in the returned document's `grounding.dropped`;
    nothing is raised for them.
    """
    settings = settings or resolve_settings()
    options = options or GenerateOptions()
    started = time.perf_counter()
    cassette = options.cassette if options.record_mode != RecordMode.OFF else None
    engine = options.engine or choose_engine(settings, cassette=cassette)
    if engine == Engine.LOCAL:
        settings = local_settings(settings)
    if engine == Engine.EXTRACTIVE:
        from briefing.engines.extractive import extract_brief

        brief = extract_brief(article)
        # The engine quotes the article: its brief is in the article's language.
        metadata = _metadata(
            article,
            engine="extractive",
            origin="extractive engine (no model)",
            brief_language=article.language,
        )
        _check_extractive_language(article, settings, metadata, options)
    else:
        brief, metadata = await _generate_with_model(
            article, settings, options, cassette, local=engine == Engine.LOCAL
        )
    local = engine == Engine.LOCAL
    return await _ground(article, brief, metadata, started, settings, options, cassette, local)


def local_settings(settings: Settings) -> Settings:
    """The local engine names its model after the GGUF file (cassettes key on it)."""
    from briefing.config import with_overrides
    from briefing.model.gguf import read_gguf

    if not settings.model_path:
        raise ConfigError(
            "the local engine needs a model file: pass ⟨model_path⟩ MODEL.gguf (a GGUF file; "
            "see the README for a small one)"
        )
    return with_overrides(settings, model=read_gguf(Path(settings.model_path)).stem)


async def _generate_with_model(
    article: Article,
    settings: Settings,
    options: GenerateOptions,
    cassette: Path | None,
    *,
    local: bool,
) -> tuple[Brief, BriefMetadata]:
    from briefing.engines.llm import Generating, ModelRun
    from briefing.model.transport import close_transport
    from briefing.prompts import usable_version, uses_variable

    def ignore(_: Any) -> None:
        return None

    progress = options.progress or ignore

    def on_tokens(stage: str, tokens: int, seconds: float) -> None:
        progress(Generating(stage, tokens, seconds))

    version = usable_version(options.prompt_version or settings.prompt)
    brief_code, brief_name = resolve_language(settings.brief_language)
    if brief_code != "en" and not uses_variable(version, "brief_language"):
        (options.notify or _ignore)(
            f"prompt {version.id} does not take a brief language: the brief will be in English, "
            f"not {brief_name} (use a prompt version that reads brief_language)"
        )
        brief_code = "en"
    run = ModelRun(
        article,
        settings,
        version,
        repetition=options.repetition,
        progress=progress,
        notify=options.notify or ignore,
    )
    chain, owned = _open_chain(
        settings,
        options,
        cassette,
        run.notify,
        run.meter,
        run.tokenizer.count,
        local=local,
        on_tokens=on_tokens if options.progress and options.token_progress else None,
    )
    try:
        brief = await run.execute(chain)
    finally:
        await close_transport(owned)
    origin, model = run.origin()
    metadata = _metadata(
        article,
        engine="llm",
        origin=origin,
        model=model,
        prompt_version=version.id,
        prompt_hash=version.sha256,
        calls=run.meter.calls,
        prompt_tokens=run.meter.prompt_tokens,
        completion_tokens=run.meter.completion_tokens,
        cost_usd=run.meter.cost_usd,
        model_seconds=run.meter.model_seconds,
        structured_fallback=run.fallback_used,
        salvaged=run.salvaged,
        discarded=run.discarded,
        notes=[
            f"the model cited sentence numbers the article does not have: "
            f"{', '.join(run.unknown_references)}"
        ]
        if run.unknown_references
        else [],
        brief_language=brief_code,
    )
    return brief, metadata


def _ignore(_: str) -> None:
    return None


def _check_extractive_language(
    article: Article, settings: Settings, metadata: BriefMetadata, options: GenerateOptions
) -> None:
    """Say what the extractive engine cannot do for this article's language."""
    notify = options.notify or _ignore
    wanted, wanted_name = resolve_language(settings.brief_language)
    lang = language_data(article.language)
    name = lang.name if lang else language_name(article.language)
    if wanted != article.language and article.language != UNDETERMINED and wanted != "en":
        notify(
            f"the extractive engine quotes the article, so its brief is in {name}, not "
            f"{wanted_name}; configure a model to write it in {wanted_name}"
        )
    if lang is None or not lang.full_analysis:
        what = (
            "the article's language was not recognised"
            if article.language == UNDETERMINED
            else (f"the offline engine has no cue words for {name}")
        )
        note = (
            f"{PARTIAL_ANALYSIS} {what}, so this brief holds only the title, the lead, "
            "numbers with their sentences and names; needs, access, risks and gaps are not "
            "analysed."
        )
        metadata.notes.append(note)
        notify(note)


def _open_chain(
    settings: Settings,
    options: GenerateOptions,
    cassette: Path | None,
    notify: Notify,
    meter: Any,
    count_tokens: Any,
    *,
    local: bool,
    on_tokens: Any = None,
) -> tuple[ChatTransport, ChatTransport | None]:
    """The transport chain of a run (see `briefing.model.transport.open_transport`); with
    `local`, the GGUF file of ⟨model_path⟩ answers in process."""
    from briefing.model.transport import open_transport

    return open_transport(
        settings,
        cassette_path=cassette,
        record_mode=options.record_mode,
        origin=options.cassette_origin,
        transport=options.transport,
        notify=notify,
        meter=meter,
        count_tokens=count_tokens,
        local_model=Path(settings.model_path) if local and settings.model_path else None,
        on_tokens=on_tokens,
    )


def _metadata(
    article: Article, *, engine: str, origin: str, notes: list[str] | None = None, **fields: Any
) -> BriefMetadata:
    flagged = [f"{line.reason}: {line.text}" for line in article.suspicious]
    notes = list(notes or [])
    if article.requested:
        notes.append(f"requested {article.requested}, which redirected to {article.source}")
    if flagged and article.suspicious_kept:
        notes.append(
            f"{len(flagged)} passage(s) addressed to automated readers were kept "
            "(keep_suspicious) and read with the article"
        )
    return BriefMetadata(
        engine=engine,
        origin=origin,
        schema_version=SCHEMA_VERSION,
        source=article.source,
        source_sha256=article.sha256,
        title=article.title,
        published=article.published,
        retrieved=article.retrieved,
        language=article.language,
        language_detector=article.detected.method if article.detected else None,
        suspicious_removed=[] if article.suspicious_kept else flagged,
        notes=notes,
        **fields,
    )


async def _ground(
    article: Article,
    brief: Brief,
    metadata: BriefMetadata,
    started: float,
    settings: Settings,
    options: GenerateOptions,
    cassette: Path | None,
    local: bool,
) -> BriefDocument:
    """Locate every quote, then check each claim against its own quotes."""
    from briefing import grounding
    from briefing.support import apply_support

    strict = options.strict_grounding
    if strict:
        brief, report = grounding.strict_grounding(brief, article.text, language=article.language)
    else:
        report = grounding.ground_brief(brief, article.text, language=article.language)
    mode = options.check_support or settings.check_support
    if mode != SupportCheckMode.OFF:
        verdicts = None
        if mode == SupportCheckMode.MODEL:
            verdicts, run = await _ask_model_about_support(
                article, brief, report, settings, options, cassette, metadata, local
            )
            report.support_model = run
        brief, report = apply_support(
            brief,
            article.text,
            report,
            strict=strict,
            languages=(article.language, metadata.brief_language or article.language),
            verdicts=verdicts,
            reground=lambda kept: grounding.ground_brief(
                kept, article.text, language=article.language
            ),
        )
    metadata.wall_seconds = round(time.perf_counter() - started, 3)
    return BriefDocument(metadata=metadata, brief=brief, grounding=report)


async def _ask_model_about_support(
    article: Article,
    brief: Brief,
    report: Any,
    settings: Settings,
    options: GenerateOptions,
    cassette: Path | None,
    metadata: BriefMetadata,
    local: bool,
) -> tuple[dict[str, Any], Any]:
    """The configured model's verdict on each item, through the same transport chain as
    generation (cassettes record and replay it; the spending limit counts what was spent)."""
    from briefing.errors import ConfigError
    from briefing.ingest.chunking import resolve_tokenizer
    from briefing.model.transport import close_transport
    from briefing.model.usage import UsageMeter
    from briefing.support.model import ask_model, questions

    reachable = settings.model_configured or (local and settings.model_path)
    if not (reachable or cassette is not None or options.transport is not None):
        raise ConfigError(
            "⟨check_support⟩ model needs a model: set OPENAI_API_KEY (OpenAI) or ⟨base_url⟩, "
            "or replay a ⟨cassette⟩; or use ⟨check_support⟩ rules"
        )
    notify = options.notify or (lambda _: None)
    spent = metadata.cost_usd or 0.0
    left = None if settings.max_cost is None else max(settings.max_cost - spent, 0.0)
    meter = UsageMeter(settings.model, left)
    tokenizer = resolve_tokenizer(settings.model, offline=settings.tokenizer == "offline")
    chain, owned = _open_chain(
        settings, options, cassette, notify, meter, tokenizer.count, local=local
    )
    try:
        return await ask_model(
            chain,
            settings,
            questions(brief, article.text, report),
            count=tokenizer.count,
            meter=meter,
        )
    finally:
        await close_transport(owned)
