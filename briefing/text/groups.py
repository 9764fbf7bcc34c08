"""The pieces names are collected in: a mention, and a group of one actor's forms.

Shared by `briefing.text.entities` (which finds and joins names) and
`briefing.text.collectives` (which adds governments, forces and states named by a
modifier or a demonym).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from briefing.schema import ActorKind


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str


@dataclass
class NameGroup:
    forms: list[str]  # distinct surface forms, the canonical name first
    mentions: list[Mention] = field(default_factory=list)
    tentative: bool = True  # one word, only ever seen at the start of a sentence
    place: bool = False
    collective: ActorKind | None = None
    from_of: bool = False  # the "Y" of "Person of Y" with no organisation cue: a place


def mention_start(m: Mention) -> int:
    return m.start
