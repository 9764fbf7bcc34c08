"""generate_brief(): article -> chunks -> model (or extractive engine) -> brief -> grounding.

Usable without the CLI. Data flows one way; the only side effects are model calls (through
a ChatTransport, possibly a cassette) and optional progress callbacks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from briefing.config import Settings
from briefing.errors import ConfigError, GroundingError
from briefing.ingest.article import Article
from briefing.ingest.chunking import Chunk, Tokenizer, chunk_text, resolve_tokenizer
from briefing.model.cassette import RECORD_MODES, RecordMode
from briefing.model.client import structured_call
from briefing.model.exchange import ChatTransport, ModelRequest, ModelResponse
from briefing.prompts import (
    PromptVersion,
    extraction_messages,
    load_version,
    merge_messages,
    partials_json,
    rendering_fingerprint,
)
from briefing.schema import (
    SCHEMA_VERSION,
    Actor,
    Brief,
    BriefDocument,
    BriefMetadata,
    brief_json_schema,
)

if TYPE_CHECKING:
    from briefing.model.client import OpenAIChatClient
    from briefing.model.usage import UsageMeter

EngineName = Literal["llm", "extractive"]
HAND_WRITTEN_ORIGIN = "hand-written reference response"


@dataclass(frozen=True)
class Progress:
    """A snapshot for progress displays: calls done of planned, tokens and cost so far."""

    stage: str
    done: int
    total: int
    prompt_tokens: int
    completion_tokens: int
    cost: str


ProgressCallback = Callable[[Progress], None]
Notify = Callable[[str], None]


def _ignore(_: Any) -> None:
    return None


def choose_engine(settings: Settings, *, cassette_path: Path | None) -> EngineName:
    """`auto` means the model when one is configured (or a cassette is given), else extractive."""
    if settings.engine != "auto":
        return settings.engine
    return "llm" if settings.model_configured or cassette_path is not None else "extractive"


def generate_brief(
    article: Article,
    settings: Settings,
    *,
    prompt_version: str | None = None,
    engine: EngineName | None = None,
    cassette_path: Path | None = None,
    record_mode: str = "off",
    cassette_origin: str | None = None,
    strict_grounding: bool = False,
    transport: ChatTransport | None = None,
    progress: ProgressCallback | None = None,
    notify: Notify | None = None,
) -> BriefDocument:
    """Synchronous wrapper around `agenerate_document` for library callers and the CLI."""
    return asyncio.run(
        agenerate_document(
            article,
            settings,
            prompt_version=prompt_version,
            engine=engine,
            cassette_path=cassette_path,
            record_mode=record_mode,
            cassette_origin=cassette_origin,
            strict_grounding=strict_grounding,
            transport=transport,
            progress=progress,
            notify=notify,
        )
    )


async def agenerate_document(
    article: Article,
    settings: Settings,
    *,
    prompt_version: str | None = None,
    engine: EngineName | None = None,
    cassette_path: Path | None = None,
    record_mode: str = "off",
    cassette_origin: str | None = None,
    repetition: int = 0,
    strict_grounding: bool = False,
    transport: ChatTransport | None = None,
    progress: ProgressCallback | None = None,
    notify: Notify | None = None,
) -> BriefDocument:
    started = time.perf_counter()
    if record_mode == "off":
        cassette_path = None
    engine = engine or choose_engine(settings, cassette_path=cassette_path)
    if engine == "extractive":
        from briefing.engines.extractive import extract_brief

        brief = extract_brief(article)
        metadata = _metadata(article, engine="extractive", origin="extractive engine (no model)")
    else:
        version = load_version(prompt_version or settings.prompt)
        run = _ModelRun(
            article,
            settings,
            version,
            repetition=repetition,
            progress=progress or _ignore,
            notify=notify or _ignore,
        )
        chain, own_client = _build_transport(
            settings,
            cassette_path,
            record_mode,
            cassette_origin,
            transport,
            run.notify,
            meter=run.meter,
            count_tokens=run.tokenizer.count,
        )
        try:
            brief = await run.execute(chain)
        finally:
            if own_client is not None:  # a transport the caller passed in is theirs to close
                await own_client.aclose()
        metadata = run.metadata()
    return _finish(article, brief, metadata, started, strict_grounding)


def _build_transport(
    settings: Settings,
    cassette_path: Path | None,
    record_mode: str,
    origin: str | None,
    transport: ChatTransport | None,
    notify: Notify,
    *,
    meter: UsageMeter | None = None,
    count_tokens: Callable[[str], int] | None = None,
) -> tuple[ChatTransport, OpenAIChatClient | None]:
    """The transport chain (cassette, then --max-cost guard, then model client) and the
    client this run owns.

    The guard (`usage.BudgetGuard`, given a `meter`) wraps only what reaches a model: the
    client opened here, or a transport the caller passes in. A caller's
    `CassetteTransport` is the exception: its replays cost nothing, so only the
    transport it records through is guarded (in an equivalent CassetteTransport over
    the same cassette).
    """
    from briefing.model.cassette import Cassette, CassetteTransport
    from briefing.model.usage import BudgetGuard

    def guarded(live: ChatTransport | None) -> ChatTransport | None:
        if live is None or meter is None:
            return live
        if isinstance(live, CassetteTransport):
            inner = guarded(live.inner)
            return CassetteTransport(live.cassette, live.mode, inner, origin=live.origin)
        return BudgetGuard(live, meter, count_tokens=count_tokens)

    # The cassette first: an unreadable one fails before any client is opened.
    cassette = (
        None
        if cassette_path is None
        else Cassette.load(cassette_path, must_exist=record_mode == "replay")
    )
    own: OpenAIChatClient | None = None
    needs_live = cassette is None or record_mode in ("record", "once")
    if transport is None and needs_live and settings.model_configured:
        from briefing.model.client import OpenAIChatClient

        own = OpenAIChatClient(settings, notify=notify)
    inner = guarded(transport or own)
    if cassette is None:
        if inner is None:
            raise ConfigError(
                "no model is configured; set OPENAI_API_KEY (OpenAI), or --base-url "
                "http://localhost:11434/v1 (Ollama, vLLM, llama.cpp), or replay a cassette "
                "with --cassette FILE, or use --engine extractive"
            )
        return inner, own
    return CassetteTransport(cassette, _record_mode(record_mode), inner, origin=origin), own


def _record_mode(mode: str) -> RecordMode:
    if mode not in RECORD_MODES:
        raise ConfigError(f"record mode must be one of {', '.join(RECORD_MODES)}, not {mode!r}")
    return cast(RecordMode, mode)


class _ModelRun:
    """One LLM generation: chunk, extract (concurrently), merge, with usage accounting."""

    def __init__(
        self,
        article: Article,
        settings: Settings,
        version: PromptVersion,
        *,
        repetition: int,
        progress: ProgressCallback,
        notify: Notify,
    ) -> None:
        from briefing.model.usage import UsageMeter

        self.article = article
        self.settings = settings
        self.version = version
        self.repetition = repetition
        self.progress = progress
        self.notify = notify
        self.tokenizer: Tokenizer = resolve_tokenizer(
            settings.model, offline=settings.tokenizer == "offline"
        )
        if self.tokenizer.notice:
            notify(self.tokenizer.notice)
        self.meter = UsageMeter(settings.model, settings.max_cost)
        self.schema = brief_json_schema()
        self.fingerprint = rendering_fingerprint(version)
        self.fallback_used = False
        self.limit = asyncio.Semaphore(settings.concurrency)
        self.responses: list[ModelResponse] = []
        self.done = 0
        self.total = 0

    async def execute(self, transport: ChatTransport) -> Brief:
        chunks = chunk_text(
            self.article.text,
            self.tokenizer,
            max_tokens=self.settings.chunk_tokens,
            overlap=self.settings.chunk_overlap,
        )
        title = self.article.title or ""
        if len(chunks) == 1:
            self.total = 1
            return await self._extract(transport, chunks[0], 1, title)
        self.total = len(chunks) + 1
        partials = await _all([self._extract(transport, c, len(chunks), title) for c in chunks])
        return await self._merge(transport, partials, title, level=1)

    async def _extract(
        self, transport: ChatTransport, chunk: Chunk, count: int, title: str
    ) -> Brief:
        messages = extraction_messages(
            self.version, title=title, text=chunk.text, chunk_index=chunk.index, chunk_count=count
        )
        label = "extract" if count == 1 else f"extract chunk {chunk.index + 1}/{count}"
        return await self._call(transport, messages, label)

    async def _merge(
        self, transport: ChatTransport, partials: list[Brief], title: str, *, level: int
    ) -> Brief:
        """Merge partial briefs; in groups first when they exceed the merge budget."""
        payloads = [partial_payload(p) for p in _dedupe_across(partials)]
        groups = _group_by_tokens(payloads, self.tokenizer, self.settings.merge_tokens)
        if len(groups) > 1:
            self.total += len(groups)
            merged = await _all(
                [
                    self._call(
                        transport,
                        merge_messages(self.version, title=title, partials=group),
                        f"merge level {level} group {i + 1}/{len(groups)}",
                    )
                    for i, group in enumerate(groups)
                ]
            )
            return await self._merge(transport, merged, title, level=level + 1)
        brief = await self._call(
            transport, merge_messages(self.version, title=title, partials=payloads), "merge"
        )
        return dedupe_actors(brief)

    async def _call(
        self, transport: ChatTransport, messages: tuple[dict[str, str], ...], purpose: str
    ) -> Brief:
        request = ModelRequest(
            model=self.settings.model,
            messages=messages,
            schema_name="brief",
            json_schema=self.schema,
            sampling=dict(self.version.sampling),
            max_output_tokens=min(self.version.max_output_tokens, self.settings.max_output_tokens),
            purpose=purpose,
            repetition=self.repetition,
            prompt_version=self.version.id,
            prompt_hash=self.fingerprint,
        )
        async with self.limit:  # every call, extraction or merge, counts against --concurrency
            # The meter records every answer; --max-cost is held by the BudgetGuard that
            # _build_transport put around the live client.
            result = await structured_call(
                transport, request, Brief, max_repairs=self.settings.max_repairs, meter=self.meter
            )
        self.fallback_used = self.fallback_used or result.fallback_used
        self.responses.extend(result.responses)
        self.done += 1
        self.progress(
            Progress(
                stage=purpose,
                done=self.done,
                total=self.total,
                prompt_tokens=self.meter.prompt_tokens,
                completion_tokens=self.meter.completion_tokens,
                cost=self.meter.format_cost(),
            )
        )
        return result.value

    def metadata(self) -> BriefMetadata:
        origin = "model output"
        model: str | None = self.settings.model
        hand_written = [r.hand_written for r in self.responses]
        if hand_written and all(hand_written):
            # Replayed hand-written reference responses are not model output, whatever
            # model the request named: say so wherever the brief is shown.
            origin = f"{HAND_WRITTEN_ORIGIN} replayed from a cassette (not model output)"
            model = ", ".join(sorted({r.model for r in self.responses if r.model})) or None
        elif any(hand_written):
            origin = "model output mixed with hand-written reference responses"
        return _metadata(
            self.article,
            engine="llm",
            origin=origin,
            model=model,
            prompt_version=self.version.id,
            prompt_hash=self.version.sha256,
            calls=self.meter.calls,
            prompt_tokens=self.meter.prompt_tokens,
            completion_tokens=self.meter.completion_tokens,
            cost_usd=self.meter.cost_usd,
            structured_fallback=self.fallback_used,
        )


async def _all(calls: list[Coroutine[Any, Any, Brief]]) -> list[Brief]:
    """Run calls concurrently; on the first failure cancel the others (no call keeps
    running against a client about to be closed) and raise that failure."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(call) for call in calls]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [task.result() for task in tasks]


def partial_payload(brief: Brief) -> dict[str, Any]:
    """A partial brief as the merge call sees it: empty fields left out to save tokens."""
    pruned = _prune(brief.model_dump(mode="json"))
    return pruned if isinstance(pruned, dict) else {}


def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def _group_by_tokens(
    payloads: list[dict[str, Any]], tokenizer: Tokenizer, budget: int
) -> list[list[dict[str, Any]]]:
    """Split partials into groups whose JSON fits the budget (at least two per group)."""
    sizes = tokenizer.count_many([partials_json([p]) for p in payloads])
    if sum(sizes) <= budget or len(payloads) <= 2:
        return [payloads]
    groups: list[list[dict[str, Any]]] = [[]]
    used = 0
    for payload, size in zip(payloads, sizes, strict=True):
        if len(groups[-1]) >= 2 and used + size > budget:
            groups.append([])
            used = 0
        groups[-1].append(payload)
        used += size
    if len(groups[-1]) == 1 and len(groups) > 1:
        groups[-2].extend(groups.pop())
    return groups


def _name_keys(actor: Actor) -> set[str]:
    return {" ".join(n.casefold().split()) for n in (actor.name, *actor.aliases) if n.strip()}


def _merge_actor(first: Actor, other: Actor) -> Actor:
    """`first` with `other`'s names as aliases (case-insensitively unique) and its evidence."""
    seen = {" ".join(first.name.casefold().split())}
    aliases = []
    for alias in (*first.aliases, other.name, *other.aliases):
        key = " ".join(alias.casefold().split())
        if key and key not in seen:
            seen.add(key)
            aliases.append(alias)
    evidence = list(dict.fromkeys([*first.evidence, *other.evidence]))
    return first.model_copy(update={"aliases": aliases, "evidence": evidence})


def dedupe_actors(brief: Brief) -> Brief:
    """Join actors that share a name or alias (case-insensitive), keeping the first's role."""
    merged: list[Actor] = []
    for actor in brief.actors:
        keys = _name_keys(actor)
        for i, existing in enumerate(merged):
            if keys & _name_keys(existing):
                merged[i] = _merge_actor(existing, actor)
                break
        else:
            merged.append(actor)
    return brief.model_copy(update={"actors": merged})


def _dedupe_across(partials: list[Brief]) -> list[Brief]:
    """Each actor appears once, in the first partial that names it, carrying the names
    and evidence of all its mentions, so the merge call sees no duplicates."""
    merged: list[Actor] = []
    first_seen_in: list[int] = []
    for index, partial in enumerate(partials):
        for actor in partial.actors:
            keys = _name_keys(actor)
            match = next((i for i, m in enumerate(merged) if _name_keys(m) & keys), None)
            if match is None:
                merged.append(actor)
                first_seen_in.append(index)
            else:
                merged[match] = _merge_actor(merged[match], actor)
    return [
        partial.model_copy(
            update={
                "actors": [a for a, owner in zip(merged, first_seen_in, strict=True) if owner == i]
            }
        )
        for i, partial in enumerate(partials)
    ]


def _metadata(
    article: Article, *, engine: Literal["llm", "extractive"], origin: str, **fields: Any
) -> BriefMetadata:
    return BriefMetadata(
        engine=engine,
        origin=origin,
        schema_version=SCHEMA_VERSION,
        source=article.source,
        source_sha256=article.sha256,
        title=article.title,
        published=article.published,
        retrieved=article.retrieved,
        **fields,
    )


def _finish(
    article: Article, brief: Brief, metadata: BriefMetadata, started: float, strict_grounding: bool
) -> BriefDocument:
    from briefing import grounding

    if strict_grounding:
        brief, report = grounding.strict_grounding(brief, article.text)
    else:
        report = grounding.ground_brief(brief, article.text)
    metadata.wall_seconds = round(time.perf_counter() - started, 3)
    doc = BriefDocument(metadata=metadata, brief=brief, grounding=report)
    if report.dropped:
        raise StrictGroundingDropped(doc, report.dropped)
    return doc


class StrictGroundingDropped(GroundingError):
    """Carries the cleaned document: the CLI still writes it, then exits non-zero."""

    def __init__(self, document: BriefDocument, dropped: list[str]) -> None:
        shown = ", ".join(dropped[:5]) + (
            f" and {len(dropped) - 5} more" if len(dropped) > 5 else ""
        )
        super().__init__(
            f"--strict-grounding dropped {len(dropped)} unverified item(s): {shown}; the brief "
            "was written without them — check the quotes or rerun without --strict-grounding"
        )
        self.document = document
        self.dropped = dropped
