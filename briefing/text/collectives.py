"""Actors named by a modifier rather than a name of their own.

"Syrian forces", "the government of Kaldera", "Turkish-backed Syrian rebels", "the
national government", "Assad's regime": governments and forces named through a word
before or after the noun; and foreign states acting through their people ("Russian
airpower", "Iranian militias", see `briefing.text.states`). They join the groups of
names `briefing.text.entities` found, or become groups of their own.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from briefing.schema import ActorKind
from briefing.text.groups import Mention, NameGroup, mention_start
from briefing.text.names import SENTENCE_STARTERS, TITLES, has_title, kind_from_name, strip_particle
from briefing.text.sentences import Sentence
from briefing.text.states import state_mentions

_COLLECTIVE = re.compile(
    r"(?<![\w-])(?:[Tt]he\s+)?government\s+of\s+(?P<y>(?:[A-Z][\w’'-]+\s+){0,3}[A-Z][\w’'-]+)"
    r"|(?<![\w-])(?:[Tt]he\s+)?(?P<x>(?:[A-Z][a-z]+-backed\s+)?[A-Z][\w’']*(?:-[A-Z][\w’']*)*"
    r"(?:\s+[A-Z][\w’']*)?)"
    r"(?:’s|'s)?\s+(?P<noun>government|regime|authorities|administration|army|military|forces"
    r"|troops|rebels|militias?|fighters|insurgents|militants)\b"
    r"|(?<![\w-])(?:[Tt]he\s+)?(?P<low>(?:national|central|federal|interim|transitional)"
    r"\s+(?:government|authorities))\b"
)
_ARMED_NOUNS = frozenset("rebels militia militias fighters insurgents militants".split())
_STATE_NOUNS = frozenset("government regime authorities administration".split())


def add_collectives(
    text: str, sentences: list[Sentence], groups: dict[str, NameGroup], kinds: dict[str, ActorKind]
) -> None:
    """Governments and forces named by a modifier ("Syrian forces", "government of X").

    The span joins the organisation or group it names ("Federation fighters"); a bare name
    it governs ("Kaldera") becomes that state's government; else it is a new actor.
    """
    by_token: dict[str, str] = {}
    for name, g in groups.items():
        if not g.place and kinds[name] is not ActorKind.PERSON:
            for form in g.forms:
                by_token.setdefault(strip_particle(form), name)
    created: dict[tuple[str, bool], str] = {}
    spans: list[tuple[int, int]] = []
    added: list[tuple[NameGroup, Mention]] = []
    persons = {
        strip_particle(f.split()[-1])
        for n, g in groups.items()
        if kinds[n] is ActorKind.PERSON
        for f in g.forms
    }
    for s in sentences:
        for m in _COLLECTIVE.finditer(text, s.start, s.end) if not s.heading else ():
            x = m.group("x") or m.group("y") or m.group("low")
            if x.split()[0] in SENTENCE_STARTERS or (x.split()[0] in TITLES and not m.group("y")):
                continue
            key, noun = strip_particle(x.split()[-1]), (m.group("noun") or "government").lower()
            if "-backed" in x or m.group("low"):  # "Turkish-backed Syrian rebels": their own
                key = x
            armed, start, end = noun in _ARMED_NOUNS, m.start(), m.end()
            label = re.sub(r"^[Tt]he\s+", "", m.group())
            if key in by_token:
                g = groups[by_token[key]]
                if (
                    noun in _STATE_NOUNS
                    and not g.collective
                    and not any(map(kind_from_name, g.forms))
                ):
                    g.collective = ActorKind.GOVERNMENT
                    g.forms.insert(0, label)
            elif (key, armed) in created:
                g = groups[created[(key, armed)]]
            elif (
                noun in _STATE_NOUNS and key in persons and (home_gov := _home_government(created))
            ):
                g = groups[home_gov]  # "Assad's regime": the government its leader heads
            else:
                created[(key, armed)] = label
                g = groups.setdefault(label, NameGroup([label], tentative=False))
                g.collective = ActorKind.ARMED_GROUP if armed else ActorKind.GOVERNMENT
            if label not in g.forms and g.collective:
                g.forms.append(label)
            spans.append((start, end))
            added.append((g, Mention(end - len(label), end, label)))
    # A name inside a span ("Kaldera" in "government of Kaldera") is that span's mention.
    starts = [a for a, _ in spans]
    for g in groups.values():
        if not has_title(g.forms[0]):
            inside = ((bisect_right(starts, n.start) - 1, n) for n in g.mentions)
            g.mentions = [n for i, n in inside if i < 0 or n.start >= spans[i][1]]
    for g, mention in added:
        g.mentions = sorted([*g.mentions, mention], key=mention_start)
    for name in [n for n, g in groups.items() if not g.mentions]:
        del groups[name]
    for g in groups.values():
        if g.collective:  # "Syrian government" names the actor better than "Syrian forces"
            g.forms.sort(key=lambda f: "government" not in f and "regime" not in f)


def _home_government(created: dict[tuple[str, bool], str]) -> str | None:
    """The one government (not armed group) named by a modifier so far, if only one."""
    found = [name for (_, armed), name in created.items() if not armed]
    return found[0] if len(found) == 1 else None


def add_states(text: str, groups: dict[str, NameGroup], home: set[str]) -> None:
    """Foreign states acting through demonyms and possessives (`briefing.text.states`):
    a place the article names becomes a state actor when its people act, and its
    people's forces ("Iranian militias") are that state's mentions."""
    names = {f for g in groups.values() for f in g.forms}
    for sm in state_mentions(text, names, home):
        g = groups.get(sm.state) or groups.setdefault(
            sm.state, NameGroup([sm.state], tentative=False)
        )
        g.place, g.from_of, g.collective = False, False, ActorKind.FOREIGN_STATE
        if all(m.start != sm.start for m in g.mentions):
            g.mentions = sorted(
                [*g.mentions, Mention(sm.start, sm.end, sm.text)], key=mention_start
            )
        for name in [n for n in groups if n.split()[0] == sm.text and n != sm.state]:
            other = groups[name]
            if other.collective is ActorKind.ARMED_GROUP and " " in name:
                groups.pop(name)
                g.forms += [f for f in other.forms if f not in g.forms]
                g.mentions = sorted({*g.mentions, *other.mentions}, key=mention_start)
