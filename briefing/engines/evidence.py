"""Evidence by reference: the article's sentences numbered for the model, its citations
turned back into verbatim text by code.

A prompt version with `evidence = "reference"` shows the article as numbered sentences
("[S3] ...") and asks the model to cite numbers ("S3") instead of copying quotes. Code then
puts the sentence text in place of each number, so a quote can no longer be misquoted,
and a citation costs the model a few tokens instead of a sentence. Numbers run over the
whole article, so the partial briefs of a long article keep meaning the same sentences
when they are merged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from briefing.schema import Brief
from briefing.text.sentences import split_sentences

# "S3", "[S3]", "S3, S5", "S3-S5", "S3–S5": the forms models write citations in.
_REFERENCE = re.compile(r"\[?\b[Ss](\d{1,5})\b\]?(?:\s*[-–]\s*\[?[Ss]?(\d{1,5})\]?)?")
_ONLY_REFERENCES = re.compile(r"^[\s\[\]Ss\d,;:\-–and&]*$")
MAX_RANGE = 5  # a citation range longer than this is read as its two ends


@dataclass(frozen=True)
class NumberedSentence:
    id: str  # "S1", "S2"... in reading order over the whole article
    start: int  # offsets in the article text
    end: int
    text: str


def number_sentences(text: str) -> list[NumberedSentence]:
    """Every sentence (headings included) of `text`, numbered from S1."""
    return [
        NumberedSentence(f"S{i}", s.start, s.end, s.text)
        for i, s in enumerate(split_sentences(text), start=1)
    ]


def sentences_within(
    sentences: list[NumberedSentence], start: int, end: int
) -> list[NumberedSentence]:
    """The sentences that overlap the span [start, end) (a chunk of the article)."""
    return [s for s in sentences if s.start < end and s.end > start]


def cited_ids(entry: str) -> list[str] | None:
    """The sentence ids an evidence entry cites, or None when it is not a citation (a
    model that copied a quote after all: it is kept as written and checked as a quote)."""
    if not _ONLY_REFERENCES.match(entry) or not _REFERENCE.search(entry):
        return None
    ids: list[str] = []
    for match in _REFERENCE.finditer(entry):
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first
        if last < first or last - first >= MAX_RANGE:
            numbers = [first] if last < first else [first, last]
        else:
            numbers = list(range(first, last + 1))
        ids += [f"S{n}" for n in numbers if f"S{n}" not in ids]
    return ids


def _names_in(names: list[str], text: str) -> bool:
    folded = text.casefold()
    return any(
        re.search(rf"(?<!\w){re.escape(n.casefold())}(?!\w)", folded) for n in names if n.strip()
    )


def repoint_actor_citations(
    brief: Brief, sentences: list[NumberedSentence]
) -> tuple[Brief, list[str]]:
    """Actors whose cited sentence does not name them, pointed at the neighbouring sentence
    that does, with one line per change (for `metadata.salvaged`).

    Small models citing by number often cite the sentence next to the right one (each
    actor of a brief one sentence late). An actor is the one item whose own text says
    which sentence is meant: its name or an alias must be in its evidence. A citation is
    moved only when the cited sentence names none of them and exactly one neighbour does;
    anything else is left for the support check to report.
    """
    by_number = {int(s.id[1:]): s for s in sentences}
    fixes: list[str] = []
    actors = []
    for i, actor in enumerate(brief.actors):
        names = [actor.name, *actor.aliases]
        evidence: list[str] = []
        for entry in actor.evidence:
            ids = cited_ids(entry)
            if ids is None or len(ids) != 1 or ids[0] not in {s.id for s in sentences}:
                evidence.append(entry)
                continue
            n = int(ids[0][1:])
            if _names_in(names, by_number[n].text):
                evidence.append(entry)
                continue
            naming = [
                k for k in (n - 1, n + 1) if k in by_number and _names_in(names, by_number[k].text)
            ]
            if len(naming) == 1 and f"S{naming[0]}" not in actor.evidence:
                evidence.append(f"S{naming[0]}")
                fixes.append(
                    f"actors[{i}] {actor.name!r} cited S{n}, which does not name it; "
                    f"S{naming[0]} does and is cited instead"
                )
            else:
                evidence.append(entry)
        actors.append(actor.model_copy(update={"evidence": evidence}))
    if not fixes:
        return brief, []
    return brief.model_copy(update={"actors": actors}), fixes


def resolve_references(brief: Brief, sentences: list[NumberedSentence]) -> tuple[Brief, list[str]]:
    """`brief` with every cited sentence id replaced by the sentence's text, and the ids
    cited that do not exist (kept as written, so grounding reports them not found)."""
    by_id = {s.id: s.text for s in sentences}
    unknown: list[str] = []

    def resolve(evidence: list[str]) -> list[str]:
        out: list[str] = []
        for entry in evidence:
            ids = cited_ids(entry)
            if ids is None:
                out.append(entry)
                continue
            for sentence_id in ids:
                if sentence_id in by_id:
                    text = by_id[sentence_id]
                else:
                    text = sentence_id
                    unknown.append(sentence_id)
                if text not in out:
                    out.append(text)
        return out

    data = _map_evidence(brief.model_dump(mode="json"), resolve)
    return Brief.model_validate(data), unknown


def _map_evidence(value: Any, resolve: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: resolve(item)
            if key == "evidence" and isinstance(item, list)
            else _map_evidence(item, resolve)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_map_evidence(item, resolve) for item in value]
    return value
