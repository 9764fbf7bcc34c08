"""The support check's word lists, one data file per language (`cues/<code>.toml`).

Cue words change for their own reasons (a missed hedge, a new UN mission, another
language) and are data, not code: adding a language is adding a file. Each file holds
likelihood cues (which likelihoods their words can support), actor-kind cues (in a name,
next to a name in its evidence, well-known bodies) and the stop words of the word
overlap rule; see `cues/en.toml`.

`load_cues()` joins every language's lists: a quote is in the article's language and
most cue words of different languages do not collide. When the languages are known,
`load_cues("fr", "en")` (the article's and the brief's) reads only those, so another
language's stop word ("war" in German) does not hide a content word; languages without
a file are skipped, and when none has one, every file is read.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from briefing.schema import ActorKind, Likelihood

CUES_DIR = Path(__file__).with_name("cues")


@dataclass(frozen=True)
class KindCue:
    """Cue words that allow only some actor kinds."""

    allowed: frozenset[ActorKind]
    says: str  # how a note describes the cue: "a United Nations body"
    name: re.Pattern[str] | None  # in the actor's name, case as written
    evidence: re.Pattern[str] | None  # next to the name in its evidence, any case
    known: frozenset[str]  # well-known names and acronyms, folded


@dataclass(frozen=True)
class Cues:
    languages: tuple[str, ...]
    # Cue phrase (folded) -> the likelihoods it can support; longest phrases first.
    likelihood: tuple[tuple[str, frozenset[Likelihood]], ...]
    likelihood_pattern: re.Pattern[str] | None
    kinds: tuple[KindCue, ...]
    stopwords: frozenset[str]
    absence: re.Pattern[str] | None  # a sentence saying what the article does not state


def available_languages() -> list[str]:
    return sorted(p.stem for p in CUES_DIR.glob("*.toml"))


def _alternation(phrases: list[str]) -> str:
    """Phrases as a whole-word alternation, longest first (so "not likely" wins)."""
    ordered = sorted(set(phrases), key=lambda p: (-len(p), p))
    return "|".join(r"\s+".join(map(re.escape, p.split())) for p in ordered)


@lru_cache(maxsize=8)
def load_cues(*languages: str | None) -> Cues:
    """The cues of `languages` (ISO 639-1 codes), or of every language for none known."""
    codes = available_languages()
    chosen = [c for c in dict.fromkeys(languages) if c in codes] or codes
    files = [tomllib.loads((CUES_DIR / f"{c}.toml").read_text(encoding="utf-8")) for c in chosen]
    likelihood: dict[str, set[Likelihood]] = {}
    kinds: list[KindCue] = []
    stopwords: set[str] = set()
    absence: list[str] = []
    for data in files:
        for group in data.get("likelihood", []):
            levels = {Likelihood(level) for level in group["supports"]}
            for word in group["words"]:
                likelihood.setdefault(word.casefold(), set()).update(levels)
        for group in data.get("kinds", []):
            names = group.get("name", [])
            kinds.append(
                KindCue(
                    allowed=frozenset(ActorKind(k) for k in group["allowed"]),
                    says=group["says"],
                    name=re.compile(rf"(?<![\w.])(?:{_alternation(names)})(?![\w])")
                    if names
                    else None,
                    evidence=re.compile(
                        rf"(?<![\w-])(?:{_alternation(group['evidence'])})(?:['’]s?)?(?![\w-])",
                        re.IGNORECASE,
                    )
                    if group.get("evidence")
                    else None,
                    known=frozenset(k.casefold() for k in group.get("known", [])),
                )
            )
        stopwords.update(data.get("overlap", {}).get("stopwords", "").split())
        absence += data.get("absence", {}).get("patterns", [])
    ordered = tuple(
        (phrase, frozenset(levels))
        for phrase, levels in sorted(likelihood.items(), key=lambda kv: (-len(kv[0]), kv[0]))
    )
    pattern = (
        re.compile(rf"(?<![\w-])(?:{_alternation(list(likelihood))})(?![\w-])", re.IGNORECASE)
        if likelihood
        else None
    )
    gaps = re.compile("|".join(f"(?:{p})" for p in absence), re.IGNORECASE) if absence else None
    return Cues(tuple(chosen), ordered, pattern, tuple(kinds), frozenset(stopwords), gaps)
