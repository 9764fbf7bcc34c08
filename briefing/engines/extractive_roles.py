"""An actor's role as a short noun phrase, from how the article introduces it.

Articles say what an actor is in a few set ways: an apposition after the name ("Elena
Sorvik, a senior analyst at the Arden Institute", "Aïcha Ben Saïd, coordinatrice de
MSF"), one before it ("Iran's foreign minister, Abbas Araghchi", "le porte-parole du
ministère, Jean-Baptiste Mbarga"), an affiliation ("Jerome Drevon of the International
Crisis Group"), a relative clause ("Jolani, who carries a $10 million bounty"), or the
predicate of a sentence the actor opens ("HTS ... has controlled Idlib province for
years"). The role is that phrase, not the sentence around it; its evidence is the
verbatim stretch holding both the name and the phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from briefing.budgets import word_count
from briefing.engines.extractive_reading import ArticleReading
from briefing.engines.extractive_spans import tidy_span
from briefing.text.entities import Entity, Mention
from briefing.text.lexicon import Lexicon
from briefing.text.names import DEMONYM

_COMMA = re.compile(r"\s*(?:\([A-Z]+\)\s*)?,\s+")
_ACRONYM_AFTER = re.compile(r"\s*\([A-Z]+\)")
# Where an apposition or a predicate stops: punctuation, but not inside "46,000" or "2.5".
_PHRASE_END = re.compile(r",(?!\d)|\.(?=\s+[A-Z]|\s*$)|[;:!?()\[\]“”\"«»—–]|\s[-–—]\s")
# A name inside an aside: "HTS, led by X, has ...", "(including X".
_IN_ASIDE = re.compile(r",\s+[^,]*\b(?:by|including|as|with|like)\b[^,]*$|\([^)]*$")
_POSSESSIVE = re.compile(r"[’']s?\s")
# "X's foreign minister", "X's head of office": what X has is a person.
_PERSON_NOUN = re.compile(
    r"[’']s\s+(?:[\w-]+\s+){0,2}(?:minister|president|commander|spokes(?:man|woman|person)"
    r"|envoy|ambassador|head|chief|leader|representative|director|secretary|general)\b"
)
# A role noun right before a name: "VDMA spokesperson Tomas Reyl", "analyst Jane Roe".
_TITLE_BEFORE = re.compile(
    r"(?:^|\s)((?:(?:[A-Z][\w’'-]*|[a-z]+)\s+){0,2}(?:spokesperson|spokesman|spokeswoman"
    r"|analyst|commander|researcher|director|coordinator|envoy|official|resident"
    r"|porte-parole|portavoz|vecin[ao]|coordinat(?:eur|rice)))\s+$"
)
_RELATIVE = re.compile(r"(?:who|which|qui|que|quien|quienes)\s+", re.IGNORECASE)
_SAID_IT = re.compile(
    r"^(?:said|says|announced|reported|added)(?: that)?\s+(?:it|they|he|she)\s+"
    r"(?:was|were|had|has|have|would|will|is|are)\s+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Role:
    text: str  # the phrase shown as the role
    start: int  # evidence: text[start:end] holds the name and the phrase
    end: int
    rank: int  # lower is better: appositions, then affiliations, clauses, predicates


def _phrase(text: str, start: int, stop: int) -> tuple[int, int] | None:
    """The phrase from `start` up to the next punctuation (within `stop`)."""
    end = _PHRASE_END.search(text, start, stop)
    z = end.start() if end else stop
    while z > start and text[z - 1].isspace():
        z -= 1
    return (start, z) if z > start else None


def _candidates(reading: ArticleReading, m: Mention, limit: int) -> list[Role]:
    text, lex = reading.text, reading.lex
    s = reading.sentence_at(m.start)
    if s is None:
        return []
    out: list[Role] = []
    head = text[s.start : m.start]
    # "X's spokesman" is about someone else; a demonym ("Russian") names no subject; a
    # name inside an aside ("HTS, led by X, has ...") does not own what follows it.
    possessive = _POSSESSIVE.match(text, m.end) is not None
    own = m.text in reading_forms(reading, m) and not possessive
    in_aside = _IN_ASIDE.search(head) is not None or lex.according_to.search(head) is not None
    after = _COMMA.match(text, m.end, s.end)
    rel = _RELATIVE.match(text, after.end(), s.end) if after else None
    # A relative clause is about the name before it even inside "according to X, who".
    if after and own and (not in_aside or rel):  # "X, a senior analyst", "X, who carries"
        span = _phrase(text, rel.end() if rel else after.end(), s.end)
        first = text[span[0] : span[1]].split()[0].lower() if span else ""
        nominal = rel is not None or first in ("a", "an", "the", "un", "une", "el", "la", "le")
        nominal |= first.isalpha() and first not in lex.hanging_words | lex.stop_words
        nominal &= not (lex.code == "en" and first.endswith("ed") and first != "led")
        if span and nominal and not lex.reporting.match(text, span[0], span[1]):
            out.append(Role(text[span[0] : span[1]], m.start, span[1], 2 if rel else 0))
    title = _TITLE_BEFORE.search(head)
    if title and own:  # "VDMA spokesperson Tomas Reyl"
        words = title.group(1).split()
        while words and (words[0].lower() in lex.stop_words or lex.reporting.fullmatch(words[0])):
            words.pop(0)
        if words:
            phrase = " ".join(words)
            out.append(Role(phrase, m.start - len(head) + head.rfind(phrase), m.end, 0))
    if not own and not possessive and DEMONYM.match(m.text):  # acting: "Russian airpower"
        noun = re.match(r"(?:\s+and\s+[A-Z][a-z]+)?((?:\s+[\w-]+){1,2})", text[m.end : s.end])
        words = noun.group(1).split() if noun else []
        while words and words[-1].lower() in lex.stop_words:
            words.pop()
        if noun and words:
            end = m.end + noun.start(1) + noun.group(1).find(words[-1]) + len(words[-1])
            out.append(Role(text[m.start : end], m.start, end, 2))
    possessed = _PERSON_NOUN.match(text, m.end)
    if possessed and m.text in reading_forms(reading, m):  # "Iran's foreign minister, X"
        span = _phrase(text, m.start, s.end)
        more = _COMMA.match(text, span[1], s.end) if span else None
        named = _phrase(text, more.end(), s.end) if more else None
        if span:
            whole = named and word_count(text[m.start : named[1]]) <= limit
            stop = named[1] if named and whole else span[1]
            out.append(Role(text[m.start : stop], m.start, stop, 2))
    if head.rstrip().endswith(",") and text[m.end : m.end + 2].strip()[:1] in (",", ".", ""):
        # "Iran's foreign minister, Abbas Araghchi,": the phrase before the comma
        cut = max((c.end() for c in lex.clause_break.finditer(head[:-1].rstrip())), default=0)
        phrase = head[cut:].rstrip()[:-1].rstrip()
        said = lex.reporting.match(phrase)
        phrase = phrase[said.end() :].strip() if said else phrase
        phrase = lex.article.sub("", phrase)
        if phrase and not lex.reporting.search(phrase) and word_count(phrase) <= limit:
            start = m.start - len(head) + head.find(phrase, cut)
            out.append(Role(phrase, start, m.end, 0))
    person_of = re.search(r"([A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){0,3})\s+of\s+(?:the\s+)?$", head)
    if person_of and own:  # the organisation of "Sam Heller of the Century Foundation"
        start = s.start + person_of.start(1)
        out.append(Role(text[start : m.end], start, m.end, 1))
    of = re.match(r"\s+of\s+(?:the\s+)?", text[m.end : s.end])
    if of:  # "Jerome Drevon of the International Crisis Group"
        names = [e for p, e in reading.names_in(m.end, s.end) if p == m.end + of.end()]
        if names:
            org = names[0]
            end = next(x.end for x in org.mentions if x.start == m.end + of.end())
            out.append(Role(text[m.end + of.end() : end], m.start, end, 1))
    opens = len(head.split()) <= 1
    if opens and own:  # the actor opens the sentence: its predicate, asides skipped
        pos = m.end + (acr.end() if (acr := _ACRONYM_AFTER.match(text[m.end : s.end])) else 0)
        while aside := re.match(r"\s*(?:\([^)]*\)\s*)?,\s+[^,]{1,80},\s+", text[pos : s.end]):
            if _RELATIVE.match(aside.group().lstrip(" ,(")):
                break
            pos += aside.end()
        span = _phrase(text, pos, s.end)
        if span:
            phrase = _SAID_IT.sub("", text[span[0] : span[1]].strip())
            phrase = _within(phrase, limit, lex)
            last = phrase.rstrip("…").split()[-1].lower() if phrase else ""
            full = len(phrase.split()) >= 3 and last not in lex.stop_words
            if phrase and full and not phrase[0].isupper():
                out.append(Role(phrase, m.start, span[1], 3))
    return out


def _within(phrase: str, limit: int, lex: Lexicon) -> str:
    """The phrase within `limit` words: cut at its last clause break that fits, else
    after `limit` words with an ellipsis (hanging words dropped)."""
    if word_count(phrase) <= limit:
        return phrase
    cuts = [c.start() for c in lex.clause_break.finditer(phrase)]
    fits = [c for c in cuts if word_count(phrase[:c]) <= limit and word_count(phrase[:c]) >= 3]
    if fits:
        return phrase[: fits[-1]].rstrip(" ,;:")
    words = phrase.split()[:limit]
    while words and words[-1].lower() in lex.hanging_words:
        words.pop()
    return " ".join(words) + "…" if words else ""


def reading_forms(reading: ArticleReading, m: Mention) -> set[str]:
    """The names and aliases of the entity mentioned at `m`."""
    return {f for p, e in reading.names_in(m.start, m.start + 1) for f in (e.name, *e.aliases)}


def actor_role(reading: ArticleReading, e: Entity, limit: int) -> Role | None:
    """The best role phrase of `e` over its mentions, within `limit` words."""
    found = [
        r
        for m in e.mentions
        for r in _candidates(reading, m, limit)
        if 0 < word_count(r.text) <= limit and word_count(reading.text[r.start : r.end]) <= 40
    ]
    if not found:
        return None
    best = min(found, key=lambda r: (r.rank, r.start))
    return Role(tidy_span(best.text), best.start, best.end, best.rank)
