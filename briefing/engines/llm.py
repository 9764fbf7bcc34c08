"""The model engine: chunk the article, extract from each chunk concurrently, merge.

One chunk takes one call. Several chunks are extracted concurrently (bounded by the
`concurrency` setting, which also bounds merge calls) and their partial briefs merged by
the model; partials too large for one merge call are merged in groups first. Actors
are joined by name and alias in code before and after merging, so the model never sees
the same actor twice.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from briefing.config import Settings
from briefing.engines.evidence import (
    number_sentences,
    repoint_actor_citations,
    resolve_references,
    sentences_within,
)
from briefing.ingest.article import Article
from briefing.ingest.chunking import Chunk, Tokenizer, chunk_text, tokenizer_for
from briefing.model.exchange import ChatTransport, ModelRequest, ModelResponse
from briefing.model.structured import structured_call
from briefing.model.usage import UsageMeter
from briefing.prompts import (
    CALLS_PER_SECTION,
    EVIDENCE_REFERENCE,
    PromptVersion,
    extraction_messages,
    merge_messages,
    partials_json,
    rendering_fingerprint,
)
from briefing.schema import (
    Actor,
    ActorsSection,
    Brief,
    HumanitarianSection,
    OutlookSection,
    SituationSection,
    model_json_schema,
    with_item_limits,
)
from briefing.text.language import resolve_language

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


@dataclass(frozen=True)
class Generating:
    """A call under way, for slow models: tokens generated so far and seconds spent."""

    stage: str
    tokens: int
    seconds: float

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0


ProgressCallback = Callable[[Progress | Generating], None]
Notify = Callable[[str], None]


class ModelRun:
    """One model generation: chunk, extract (concurrently), merge, with usage accounting."""

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
        self.article = article
        self.settings = settings
        self.version = version
        self.repetition = repetition
        self.progress = progress
        self.notify = notify
        self.tokenizer: Tokenizer = tokenizer_for(settings)
        if self.tokenizer.notice:
            notify(self.tokenizer.notice)
        self.meter = UsageMeter(settings.model, settings.max_cost)
        self.by_reference = version.evidence == EVIDENCE_REFERENCE
        self.sentences = number_sentences(article.text) if self.by_reference else []
        self.unknown_references: list[str] = []
        self.schema = self._schema_for(Brief)
        self.fingerprint = rendering_fingerprint(version)
        self.brief_language = resolve_language(settings.brief_language)[1]
        self.fallback_used = False
        self.salvaged: list[str] = []  # near-misses repaired in code, per call
        self.discarded: list[str] = []  # invalid parts left out, per call
        self.limit = asyncio.Semaphore(settings.concurrency)
        self.responses: list[ModelResponse] = []
        self.done = 0
        self.total = 0

    def _schema_for(self, output: type[BaseModel]) -> dict[str, Any]:
        return request_schema(output, by_reference=self.by_reference, limits=self.version.limits)

    async def execute(self, transport: ChatTransport) -> Brief:
        chunks = chunk_text(
            self.article.text,
            self.tokenizer,
            max_tokens=self.settings.chunk_tokens,
            overlap=self.settings.chunk_overlap,
        )
        title = self.article.title or ""
        self.total = 1 if len(chunks) == 1 else len(chunks) + 1
        # The planned calls are known now: displays show "0 of N" before the first answer
        # (a small local model takes minutes over it).
        self._report("extract")
        if len(chunks) == 1:
            brief = await self._extract(transport, chunks[0], 1, title)
        else:
            calls = [self._extract(transport, c, len(chunks), title) for c in chunks]
            brief = await self._merge(transport, await _all(calls), title, level=1)
        if self.by_reference:
            # Partials and merges cite sentence numbers; the text goes in once, at the end.
            brief, moved = repoint_actor_citations(brief, self.sentences)
            self.salvaged += moved
            brief, self.unknown_references = resolve_references(brief, self.sentences)
        return dedupe_actors(brief)

    async def _extract(
        self, transport: ChatTransport, chunk: Chunk, count: int, title: str
    ) -> Brief:
        numbered = [
            (s.id, s.text) for s in sentences_within(self.sentences, chunk.start, chunk.end)
        ]
        label = "extract" if count == 1 else f"extract chunk {chunk.index + 1}/{count}"

        def messages(section: str | None) -> tuple[dict[str, str], ...]:
            return extraction_messages(
                self.version,
                title=title,
                text=chunk.text,
                sentences=numbered,
                section=section,
                chunk_index=chunk.index,
                chunk_count=count,
                brief_language=self.brief_language,
            )

        if self.version.calls != CALLS_PER_SECTION:
            whole: Brief = await self._call(transport, messages(None), label)
            return whole
        self.total += len(SECTIONS) - 1  # planned as one call per chunk
        parts = await asyncio.gather(
            *(
                self._call(transport, messages(name), f"{label} {name}", output=part)
                for name, part in SECTIONS.items()
            )
        )
        return assemble_sections(parts)

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
                        merge_messages(
                            self.version,
                            title=title,
                            partials=group,
                            brief_language=self.brief_language,
                        ),
                        f"merge level {level} group {i + 1}/{len(groups)}",
                    )
                    for i, group in enumerate(groups)
                ]
            )
            return await self._merge(transport, merged, title, level=level + 1)
        brief = await self._call(
            transport,
            merge_messages(
                self.version, title=title, partials=payloads, brief_language=self.brief_language
            ),
            "merge",
        )
        return dedupe_actors(brief)

    async def _call(
        self,
        transport: ChatTransport,
        messages: tuple[dict[str, str], ...],
        purpose: str,
        *,
        output: type[BaseModel] = Brief,
    ) -> Any:
        request = ModelRequest(
            model=self.settings.model,
            messages=messages,
            schema_name="brief" if output is Brief else _snake(output.__name__),
            json_schema=self.schema if output is Brief else self._schema_for(output),
            sampling=dict(self.version.sampling),
            max_output_tokens=min(self.version.max_output_tokens, self.settings.max_output_tokens),
            purpose=purpose,
            repetition=self.repetition,
            prompt_version=self.version.id,
            prompt_hash=self.fingerprint,
        )
        async with self.limit:  # every call, extraction or merge, counts against concurrency
            # The meter records every answer; the spending limit is held by the
            # BudgetGuard that open_transport put around the live client.
            result = await structured_call(
                transport, request, output, max_repairs=self.settings.max_repairs, meter=self.meter
            )
        self.fallback_used = self.fallback_used or result.fallback_used
        self.responses.extend(result.responses)
        # Which call a repair belongs to matters only when there are several.
        where = "" if self.total == 1 else f"{purpose}: "
        self.salvaged += [where + fix for fix in result.fixes]
        self.discarded += [where + part for part in result.discarded]
        if result.discarded:
            self.notify(
                f"{purpose}: {len(result.discarded)} invalid part(s) of the model's answer left "
                f"out after repairs ({', '.join(result.discarded[:5])}); the rest is kept"
            )
        self.done += 1
        self._report(purpose)
        return result.value

    def _report(self, stage: str) -> None:
        self.progress(
            Progress(
                stage=stage,
                done=self.done,
                total=self.total,
                prompt_tokens=self.meter.prompt_tokens,
                completion_tokens=self.meter.completion_tokens,
                cost=self.meter.format_cost(),
            )
        )

    def origin(self) -> tuple[str, str | None]:
        """Who wrote the brief, and the model to name on it."""
        hand_written = [r.hand_written for r in self.responses]
        if hand_written and all(hand_written):
            # Replayed hand-written reference responses are not model output, whatever
            # model the request named: say so wherever the brief is shown.
            model = ", ".join(sorted({r.model for r in self.responses if r.model})) or None
            return f"{HAND_WRITTEN_ORIGIN} replayed from a cassette (not model output)", model
        if any(hand_written):
            return "model output mixed with hand-written reference responses", self.settings.model
        return "model output", self.settings.model


# One extraction call per section, in page order (prompt versions with calls =
# "per-section"); the outlook call also asks for the gaps.
SECTIONS: dict[str, type[BaseModel]] = {
    "situation": SituationSection,
    "actors": ActorsSection,
    "humanitarian": HumanitarianSection,
    "outlook": OutlookSection,
}


def request_schema(
    output: type[BaseModel], *, by_reference: bool, limits: dict[str, int]
) -> dict[str, Any]:
    """The JSON Schema a call asks for: the brief (or a section of it), with evidence as
    quotes or sentence numbers, and the prompt version's item limits. Built once per
    shape (a batch asks for the same schema for every article); callers never change it."""
    return _request_schema(output, by_reference, tuple(sorted(limits.items())))


@lru_cache(maxsize=64)
def _request_schema(
    output: type[BaseModel], by_reference: bool, limits: tuple[tuple[str, int], ...]
) -> dict[str, Any]:
    schema = model_json_schema(output, evidence_by_reference=by_reference)
    return with_item_limits(schema, dict(limits))


def request_schemas(versions: list[PromptVersion]) -> list[dict[str, Any]]:
    """Every schema a call with these prompt versions may carry (to find stale cassette
    entries)."""
    outputs: list[type[BaseModel]] = [Brief, *SECTIONS.values()]
    return [
        request_schema(o, by_reference=v.evidence == EVIDENCE_REFERENCE, limits=v.limits)
        for v in versions
        for o in outputs
    ]


def assemble_sections(parts: list[Any]) -> Brief:
    """The brief from its sections' answers, in the order of `SECTIONS`."""
    situation, actors, humanitarian, outlook = parts
    return Brief(
        situation=situation.situation,
        actors=actors.actors,
        humanitarian=humanitarian.humanitarian,
        outlook=outlook.outlook,
        gaps=outlook.gaps,
    )


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


async def _all(calls: list[Coroutine[Any, Any, Brief]]) -> list[Brief]:
    """Run calls concurrently; on the first failure cancel the others (no call keeps
    running against a client about to be closed) and raise that failure."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(call) for call in calls]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [task.result() for task in tasks]


# --- merge rules ------------------------------------------------------------------------


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
    """Join actors that share a name or alias (case-insensitive), keeping the first's role;
    an alias that only repeats the name, or another alias, is dropped."""
    merged: list[Actor] = []
    for actor in (_tidy_aliases(a) for a in brief.actors):
        keys = _name_keys(actor)
        for i, existing in enumerate(merged):
            if keys & _name_keys(existing):
                merged[i] = _merge_actor(existing, actor)
                break
        else:
            merged.append(actor)
    return brief.model_copy(update={"actors": merged})


def _tidy_aliases(actor: Actor) -> Actor:
    seen = {" ".join(actor.name.casefold().split())}
    aliases = []
    for alias in actor.aliases:
        key = " ".join(alias.casefold().split())
        if key and key not in seen:
            seen.add(key)
            aliases.append(alias)
    return actor if aliases == actor.aliases else actor.model_copy(update={"aliases": aliases})


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
