"""Reading claims and evidence for the support check: words, names, numbers, phrases.

Everything here compares a claim's text with a piece of evidence: whole words, folded
(case and accents ignored), a name's words allowed a demonym ending ("Syria" in
"Syrian"), numbers read by `briefing.text.numbers` as grounding reads them, vague
amounts ("thousands") stated by any number in their range. Deterministic and cheap: a
brief takes a few milliseconds.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache

from briefing.text.names import CAPITALISED_WORD, SENTENCE_STARTERS, TITLES, is_acronym
from briefing.text.numbers import Mention, mentions
from briefing.text.sentences import Sentence, split_sentences

_TOKEN = re.compile(r"\w+")
_CONNECTOR = r"(?:of|for|de|du|des|del|la|le|van|von|bin|ibn|da|di|y|al)"
# A run of capitalised words, joined by spaces or by a connector ("Programme of the
# United Nations"); "and" splits ("Russia and Iran" are two names).
_NAME_RUN = re.compile(
    rf"(?<![\w’'-]){CAPITALISED_WORD}(?:\s+(?:{_CONNECTOR}(?:\s+the)?\s+)?{CAPITALISED_WORD})*"
)
_CONNECTORS = frozenset("of for de du des del la le van von bin ibn da di y al the".split())
_SENTENCE = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]*[A-Z0-9À-Þ])")
# Vague amounts and the numbers that state them: "thousands" is stated by "8,500".
VAGUE_RANGES: dict[str, tuple[float, float]] = {
    "dozens": (24, 1_000),
    "scores": (40, 1_000),
    "hundreds": (200, 10_000),
    "thousands": (2_000, 1_000_000),
    "tens of thousands": (20_000, 1_000_000),
    "hundreds of thousands": (200_000, 10_000_000),
    "millions": (2_000_000, 1e9),
    "tens of millions": (20_000_000, 1e9),
    "billions": (2e9, 1e12),
}


def fold(text: str) -> str:
    """Case- and accent-insensitive form, typographic apostrophes made plain."""
    text = text.replace("’", "'")
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """Folded words; a possessive "'s" is no word of its own ("Federation's command")."""
    return _TOKEN.findall(_POSSESSIVE.sub("", fold(text)))


_POSSESSIVE = re.compile(r"'s?\b")
_DEMONYM_ENDING = re.compile(r"(?:ish|ian|an|ese|i|ic)$")


def same_name_word(a: str, b: str) -> bool:
    """Equal words, or a place and its demonym: the shorter (4+ letters) starts the
    longer, which adds at most five letters ("Syria"/"Syrian", "Pakistan"/"Pakistani"),
    or the demonym without its ending starts the place ("Turkish"/"Turkey")."""
    if a == b:
        return True
    short, long = (a, b) if len(a) < len(b) else (b, a)
    if len(short) >= 4 and long.startswith(short) and len(long) - len(short) <= 5:
        return True
    for demonym, place in ((a, b), (b, a)):
        root = _DEMONYM_ENDING.sub("", demonym)
        if root != demonym and len(root) >= 4 and place.startswith(root):
            return True
    return False


def stem(word: str) -> str:
    """A crude stem for the overlap rule: "displaced" and "displacement" share "displ"."""
    return word[:5]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


@dataclass
class Passage:
    """A piece of evidence (quotes as found in the article, or the sentences around
    them), read once for all the look-ups of the claims it supports."""

    text: str

    @cached_property
    def tokens(self) -> list[str]:
        return words(self.text)

    @cached_property
    def stems(self) -> frozenset[str]:
        """Every word's stem, and its first four letters (so "rain" finds "rainfall")."""
        return frozenset(stem(t) for t in self.tokens) | frozenset(t[:4] for t in self.tokens)

    @cached_property
    def initials(self) -> frozenset[str]:
        """The initials of every capitalised run: "World Food Programme" gives "WFP"."""
        runs = _NAME_RUN.finditer(self.text)
        return frozenset(
            "".join(w[0] for w in run.group().split() if w[0].isupper()) for run in runs
        )

    @cached_property
    def numbers(self) -> list[Mention]:
        return mentions(self.text)

    @cached_property
    def folded(self) -> str:
        return " ".join(self.tokens)

    @cached_property
    def _padded(self) -> str:
        return f" {self.folded} "

    @cached_property
    def _by_prefix(self) -> dict[str, list[int]]:
        """Token positions by their first four letters: a demonym shares them."""
        index: dict[str, list[int]] = {}
        for i, token in enumerate(self.tokens):
            index.setdefault(token[:4], []).append(i)
        return index

    def has_words(self, phrase: list[str], *, demonyms: bool = True) -> bool:
        """Whether the (folded) words occur here consecutively, as whole words."""
        if not phrase:
            return False
        if f" {' '.join(phrase)} " in self._padded:
            return True
        if not demonyms:
            return False
        toks, n = self.tokens, len(phrase)
        return any(
            i + n <= len(toks) and all(same_name_word(toks[i + k], phrase[k]) for k in range(n))
            for i in self._by_prefix.get(phrase[0][:4], ())
        )

    def states_number(self, claim: Mention) -> bool:
        """Whether a number here equals the claim's number (as grounding compares a
        figure with the article), or falls in the range of a vague amount."""
        if isinstance(claim.key, str):
            low, high = VAGUE_RANGES.get(claim.key, (float("inf"), 0.0))
            return any(
                m.key == claim.key or (isinstance(m.key, float) and low <= m.key < high)
                for m in self.numbers
            )
        return any(
            m.key == claim.key
            and (m.percent or not claim.percent)
            and not m.bare_one
            and not (claim.grouped and m.year)
            for m in self.numbers
        )


def joined(passages: Iterable[Passage]) -> Passage:
    return Passage("\n".join(dict.fromkeys(p.text for p in passages)))


def claim_numbers(text: str) -> list[Mention]:
    """The numbers a claim states; "no one" and "one of" state none."""
    return [m for m in mentions(text) if not m.bare_one]


@lru_cache(maxsize=16)
def _article_words(article: str) -> tuple[frozenset[str], frozenset[str]]:
    """(words the article capitalises where no sentence starts, words it writes in lower
    case): a sentence's first word is a name only when it is in the first and not the
    second ("Dovra dam", not "Flash floods" or "Armed group")."""
    prose = "\n".join(s.text for s in article_sentences(article) if not s.heading)
    capitalised = frozenset(re.findall(r"(?<=[\w,;] )[A-ZÀ-Þ][\w’'-]*", prose))
    lower = frozenset(re.findall(r"(?<![\w’'-])[a-zà-þ][\w’'-]*", article))
    return capitalised, lower


@lru_cache(maxsize=16)
def article_sentences(text: str) -> tuple[Sentence, ...]:
    return tuple(split_sentences(text))


def _title_case(sentence: str) -> bool:
    """A headline in Title Case capitalises words that name nothing."""
    long = [w for w in re.findall(r"[^\W\d_][\w’'-]*", sentence) if len(w) > 3]
    return len(long) >= 3 and sum(w[0].isupper() for w in long) >= 0.8 * len(long)


def proper_names(text: str, article: str) -> Iterator[str]:
    """The proper names a claim's text uses, each once: capitalised runs without the
    titles before them ("Governor"), cut after a possessive ("Araghchi's Damascus" is
    two names). A sentence's first word counts only when it is an acronym or the article
    uses it as a name; in a Title Case headline only words the article capitalises
    mid-sentence do."""
    known, lower = _article_words(article)
    seen: set[str] = set()
    for sentence in sentences(text):
        first = len(sentence) - len(sentence.lstrip("\"'“‘(*_ "))
        title_case = _title_case(sentence)
        for run in _NAME_RUN.finditer(sentence):
            parts = run.group().split()
            if run.start() == first and not is_acronym(parts[0]):
                name_like = parts[0] in known and parts[0].lower() not in lower
                if parts[0] in SENTENCE_STARTERS or not name_like:
                    parts[0] = ""
            if title_case:
                parts = [p if p in known or is_acronym(p) else "" for p in parts]
            for name in _split_names(parts):
                if name not in seen:
                    seen.add(name)
                    yield name


def _split_names(parts: list[str]) -> Iterator[str]:
    """Names in a run's words: cut at dropped words ("") and after possessives, without
    leading titles and trailing connectors."""
    current: list[str] = []
    for part in [*parts, ""]:
        possessive = re.search(r"[’']s?$", part) is not None
        word = part if is_acronym(part) else re.sub(r"(?:[’']s?|\.)$", "", part)
        if word:
            current.append(word)
        if word and not possessive:
            continue
        while current and (current[0].rstrip(".") in TITLES or current[0] in SENTENCE_STARTERS):
            current = current[1:]
        while current and current[-1].lower() in _CONNECTORS:
            current = current[:-1]
        if current and any(c.isalpha() for c in "".join(current)):
            yield " ".join(current)
        current = []


def content_words(text: str, stopwords: frozenset[str]) -> list[str]:
    """Words of four letters or more that are not stop words or numbers."""
    return [w for w in words(text) if len(w) >= 4 and not w.isdigit() and w not in stopwords]
