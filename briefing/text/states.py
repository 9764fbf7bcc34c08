"""States named through their people: "Russian airpower", "Iranian militias", "Iran's
foreign minister".

News names foreign states far more often by a demonym or a possessive than by the
state's own name. A demonym counts as a state's mention when the article also names the
state itself (in any role: a place, a possessive, a list), so the brief never prints a
name the article does not contain: "Iranian" is Iran's mention only in an article that
says "Iran". The home country (named in the opening, see `briefing.text.entities`) is
left to the government it names. One pass over the text; no list of countries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from briefing.text.names import DEMONYM, SENTENCE_STARTERS, TITLES

# A demonym before a word that makes it a state acting: "Russian airpower", "Iranian
# militias", "Turkish counterpart", "Russian and Syrian airstrikes".
_ACTING = re.compile(
    r"(?<![\w-])(?P<d>[A-Z][a-z]+)(?:\s+and\s+[A-Z][a-z]+)?\s+(?:air\s?power|air\s?strikes|strikes"
    r"|warplanes|jets|militias?|forces|troops|backing|support|diplomats|officials|embassy"
    r"|allies|ally|counterpart|foreign minister|president|leader|mediation|mediators)\b"
    r"|(?<![\w-])(?P<b>[A-Z][a-z]+)-backed\b"
)
# "Iran's foreign minister", "Moscow's support": a name acting through a possessive.
_POSSESSIVE_ROLE = re.compile(
    r"(?<![\w-])(?P<n>[A-Z][a-z]+)[’']s\s+(?:foreign minister|president|prime minister|army"
    r"|military|government|forces|troops|allies|support|backing|envoy|ambassador|embassy)\b"
)


_PAIR = re.compile(
    r"(?<![\w-])([A-Z][a-z]+) and ([A-Z][a-z]+)\s+(?:air\s?strikes|strikes|forces|troops)\b"
)


@dataclass(frozen=True)
class StateMention:
    state: str  # the name the article gives the state: "Iran"
    start: int
    end: int
    text: str  # as written: "Iranian", "Iran"


def _stem_match(demonym: str, name: str) -> bool:
    """Whether `demonym` is the people of `name`: "Iranian" of "Iran", "Russian" of
    "Russia", "Turkish" of "Turkey" (a shared start of at least four letters)."""
    common = 0
    for a, b in zip(demonym.lower(), name.lower(), strict=False):
        if a != b:
            break
        common += 1
    return common >= min(4, len(name)) and len(name) >= 3 and common >= len(name) - 2


def state_mentions(text: str, names: set[str], home: set[str]) -> list[StateMention]:
    """Mentions of foreign states through demonyms and possessives, for states the
    article names (`names`: single-word names found in it); `home` holds the 4-letter
    stems of the home country's words."""
    candidates = {n for n in names if " " not in n and n[:1].isupper() and n not in TITLES}
    candidates -= set(SENTENCE_STARTERS)
    out: list[StateMention] = []
    for m in _POSSESSIVE_ROLE.finditer(text):
        name = m.group("n")
        if name[:4] not in home and name not in SENTENCE_STARTERS and name not in TITLES:
            out.append(StateMention(name, m.start("n"), m.end("n"), name))
            candidates.add(name)
    ordered = sorted(candidates)
    by_demonym: dict[str, str | None] = {}  # each demonym is matched to a state once

    def state_of(demonym: str) -> str | None:
        if demonym not in by_demonym:
            by_demonym[demonym] = next((n for n in ordered if _stem_match(demonym, n)), None)
        return by_demonym[demonym]

    for m in _ACTING.finditer(text):
        group = "d" if m.group("d") else "b"
        demonym = m.group(group)
        if not DEMONYM.match(demonym) or demonym[:4] in home:
            continue
        state = state_of(demonym)
        if state is not None:
            out.append(StateMention(state, m.start(group), m.end(group), demonym))
    # The second demonym of "Russian and Syrian airstrikes" acts as much as the first.
    for m in _PAIR.finditer(text):
        for i in (1, 2):
            demonym = m.group(i)
            if DEMONYM.match(demonym) and demonym[:4] not in home:
                state = state_of(demonym)
                if state and not any(x.start == m.start(i) for x in out):
                    out.append(StateMention(state, m.start(i), m.end(i), demonym))
    return sorted(out, key=lambda x: x.start)
