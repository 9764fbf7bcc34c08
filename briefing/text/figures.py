"""Figures in news text: the numbers an article reports, what they count, who reports them.

`figures_in` reads the numbers in a sentence ("at least 23", "forty-two", "two dozen",
"thousands of", "$10 million", "97 percent") with their unit and what they count ("people
killed", "tonnes of food"), skipping dates, years, durations, distances and measures
("magnitude 6.8", "half a percentage point"); `has_figure` tells whether a text states
any; `reported_by` finds whom a sentence attributes a fact to ("said X", "X said",
"according to X"). `WHEN` and `TIMEFRAME` find the dates and time spans that numbers
also state ("14 March", "within 48 hours").

These are rules about how news prose states numbers, and they change for their own
reasons, so they live apart from the extractive engine (`briefing.engines.extractive`), which
decides which figures make the brief and quotes their evidence. Deterministic: regular
expressions over the text and the names `briefing.text.entities` found; no model, no network.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from briefing.budgets import Budgets, trim_words, word_count
from briefing.schema import ActorKind
from briefing.text.entities import Entity
from briefing.text.names import TITLES, WEEKDAYS
from briefing.text.numbers import NUMBER_IN_WORDS, SMALL_NUMBER_WORD, WORD_SCALES
from briefing.text.sentences import MONTH_PATTERN, Sentence

# The names mentioned in text[lo:hi], as (start, entity) in reading order.
NamesIn = Callable[[int, int], list[tuple[int, Entity]]]


@dataclass(frozen=True)
class FigureReading:
    """A number read from a sentence: what `briefing.schema.Figure` holds but its source
    and evidence, plus where the number starts and how much it says about people."""

    value: str  # as written; its qualifier ("more than") dropped if too long for a label
    unit: str | None  # "USD", "percent", "tonnes", or the counted noun: "people"
    counts: str  # "people killed", "tonnes of food"
    start: int  # offset of the number in the text
    weight: float  # higher for people, deaths, displacement, money and tonnes


def cue(words: str) -> re.Pattern[str]:
    """Any of the |-separated words or patterns, as whole words, in any case."""
    return re.compile(rf"\b(?:{words})\b", re.IGNORECASE)


# Figures: an optional qualifier, then a number, a range, an amount or "thousands".
_QUALIFIER = (  # "About 40", opening a sentence, too
    r"(?i:at least|about|around|approximately|nearly|almost|some|more than|over|up to"
    r"|fewer than|less than|an estimated|roughly|as many as|at most|only)"
)
_OPTIONAL_QUALIFIER = rf"(?:{_QUALIFIER} )?"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"(?: ?(?:million|billion|thousand|trillion|bn)\b)?"
# Numbers in words ("forty-two", "two dozen") are read by `briefing.text.numbers.NUMBER_IN_WORDS`.
_FIGURE = re.compile(
    rf"(?<![\w.,$€£-])(?:{_OPTIONAL_QUALIFIER}(?:between (?:{_DIGITS}) and (?:{_DIGITS})"
    rf"|[$€£] ?(?:{_DIGITS}){_SCALE}"
    rf"|(?:{_DIGITS}){_SCALE}(?: ?%| percent| per cent)?|{NUMBER_IN_WORDS})(?![\w-])"
    r"|\b(?:[Tt]ens of thousands|[Hh]undreds of thousands|[Tt]housands|[Hh]undreds|[Dd]ozens"
    r"|[Mm]illions)\b)"
)
_VALUE_IN_WORDS = re.compile(rf"(?:{_OPTIONAL_QUALIFIER}){NUMBER_IN_WORDS}$")
_WEEKDAY = "|".join(WEEKDAYS)
# A time span ahead: "within 48 hours", "until Friday", "from mid-October", "next week".
TIMEFRAME = re.compile(
    r"\b(?:within|(?:over|for|in) the (?:next|coming)) "
    rf"(?:\d+|a|one|few|several|{SMALL_NUMBER_WORD})"
    r"(?: more)? (?:hours?|days?|weeks?|months?|years?)\b"
    rf"|\b(?:from|through|until|by|before) (?:early |late |mid-)?(?:{_WEEKDAY}|{MONTH_PATTERN})\b"
    r"|\bthe (?:next|coming) (?:\w+ )?(?:hours?|days?|weeks?|months?|years?)\b"
    r"|\b(?:next|this) (?:week|month|year|winter|summer)\b"
    r"|\bin the (?:short|long|medium) term\b|\bbefore the (?:rains|harvest)\b"
)
# A date or day: "14 March", "on Tuesday", "overnight", "last week".
WHEN = re.compile(
    rf"\b\d{{1,2}} (?:{MONTH_PATTERN})(?: \d{{4}})?\b"
    rf"|\b(?:{MONTH_PATTERN}) \d{{1,2}}(?:, \d{{4}})?\b"
    rf"|\b(?:(?:early|late|overnight) (?:on )?)?(?:{_WEEKDAY})(?: (?:morning|afternoon|evening"
    rf"|night))?\b|\b(?:early |late |mid-)?(?:{MONTH_PATTERN}) \d{{4}}\b"
    r"|(?<=\bin )(?:19|20)\d\d\b|\b(?:yesterday|overnight|last (?:week|month|night|year)"
    r"|this (?:week|month|morning)|before dawn|earlier this (?:week|month|year))\b"
)
# Not counts: dates, durations, distances, measures and ranks.
_NOT_COUNT = re.compile(
    rf"\s(?:{MONTH_PATTERN}|hours?|days?|weeks?|months?|years?|minutes?|km|kilometres?"
    r"|kilometers?|metres?|meters?|miles?|am|pm|a\.m\.|p\.m\.|points?|percentage points?"
    r"|basis points?|degrees|o'clock|magnitude|times)\b"
)
# ... nor a number named by the word before it: "magnitude 6.8", "Category 4", "Article 5".
_NOT_COUNT_BEFORE = re.compile(
    r"(?:magnitude|category|level|phase|grade|article|section|chapter|resolution|route"
    r"|flight|page|number|no\.|version|stage)\s$",
    re.IGNORECASE,
)
# A number in words after a determiner names a group, not a count: "the two sides".
_DETERMINER = re.compile(r"\b(?:the|these|those|its|their|his|her|our|your|my)\s$", re.I)
_UNITS = (
    (re.compile(r"\s?(?:US |U\.S\. )?dollars?\b"), "USD"),
    (re.compile(r"\s?euros?\b"), "EUR"),
    (re.compile(r"\s?(?:[a-z]+ )?pounds\b"), "pounds"),
    (re.compile(r"\s?(?:tonnes|tons|metric tons)\b"), "tonnes"),
)
_STOP_WORDS = frozenset(
    """were are was is be been have has had in at from for on since and who that which with by
    to into the a an of or but as than now this these those it its their his her he she they
    said says across after before during over under per each while when where remain remains
    live lives face faces need needs sleep along near around through within without among
    between including against about above below behind beside beyond despite except inside
    outside toward towards upon versus via amid off out up down past since until compared
    spent spend spends left lost took""".split()
)
_PEOPLE = cue(
    r"people|persons|civilians|residents|families|households|children|women|refugees|patients"
    r"|soldiers|fighters|deaths|volunteers|migrants|villagers|troops|prisoners|workers|dead"
    r"|wounded|displaced|cases|victims|survivors|casualties"
)
# What happened to the people counted; None keeps the words as written ("without shelter").
_STATUS: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (cue(r"kill\w*|deaths?|dead|died"), "killed"),
    (cue(r"missing"), "missing"),
    (cue(r"displac\w*|fled|flee\w*|from their homes|homeless|evacuated"), "displaced"),
    (cue(r"wounded|injur\w*"), "wounded"),
    (cue(r"without \w+"), None),
    (cue(r"shelter\w*"), "sheltering"),
    (cue(r"in need|need\w*"), "in need"),
    (cue(r"treated"), "treated"),
    (cue(r"exchanged|released|freed|detained|arrested|abducted"), None),
)
_REPORTING = cue(
    r"said|says|say|told|reported|reports|(?<!an )estimated|estimates|counted|confirmed"
    r"|announced|stated|according to"
)
_PRONOUN = cue(r"he|she|it|they|we|i|you|this|that")


def has_figure(text: str) -> bool:
    """Whether the text states a number, an amount or a "thousands" that could be a figure."""
    return _FIGURE.search(text) is not None


def figures_in(text: str, s: Sentence, b: Budgets) -> list[FigureReading]:
    """The figures of sentence `s` of `text`, in reading order."""
    found = (_read_figure(text, s, m, b) for m in _FIGURE.finditer(text, s.start, s.end))
    return [f for f in found if f is not None]


def reported_by(text: str, s: Sentence, pos: int, names_in: NamesIn, limit: int) -> str | None:
    """Who sentence `s` of `text` attributes the fact at `pos` to: "said X", "X said",
    "according to X", nearest reporting word first; at most `limit` words, None if unstated.
    `names_in` gives the names mentioned in a span of the text."""
    for v in sorted(_REPORTING.finditer(text, s.start, s.end), key=lambda v: abs(v.start() - pos)):
        stop = re.search(r"[,;:.—–]|$", text[v.end() : s.end])
        end = v.end() + (stop.start() if stop else 0)
        after = re.sub(r"^the\s+", "", text[v.end() : end].strip())
        names = names_in(v.end(), end)
        person = [n for n in names if n[1].kind is ActorKind.PERSON]
        speaker = person[0] if person else names[0] if names else None
        if v.group().lower() == "according to":
            return _actor_label(speaker[1], limit) if speaker else None
        if speaker and names[0][0] - v.end() <= 5:  # "said X", "said the X"
            return after if word_count(after) <= limit else _actor_label(speaker[1], limit)
        head = text[s.start : v.start()]
        cut = max((c.end() for c in re.finditer(r"[,;:—–]\s", head)), default=0)
        inside = names_in(s.start + cut, v.start())
        if inside:  # "X said", "X's teams counted"
            return _actor_label(inside[-1][1], limit)
        clause = re.sub(r"^[Tt]he\s+", "", head[cut:].strip())
        own = s.start + cut <= pos < v.start()  # "1,240 cases reported": no one reports
        if clause and not own and word_count(clause) <= limit and not _PRONOUN.match(clause):
            return clause  # "provincial officials said"
    return None


def _read_figure(text: str, s: Sentence, m: re.Match[str], b: Budgets) -> FigureReading | None:
    """A figure, what it counts and a weight; None for dates, years, durations, distances."""
    value = m.group()
    after, before = text[m.end() : s.end], text[max(s.start, m.start() - 12) : m.start()]
    year = re.fullmatch(r"(?:19|20)\d\d", value) and not _PEOPLE.match(after.strip())
    words = _VALUE_IN_WORDS.match(value) is not None  # "forty-two": only a count of something
    if year or _NOT_COUNT.match(after) or _NOT_COUNT_BEFORE.search(before):
        return None
    if re.search(rf"(?:{MONTH_PATTERN}) $", before) or (words and _DETERMINER.search(before)):
        return None
    if word_count(value) > b.label_words:
        # "more than 150" -> "150" for a tight label
        value = re.sub(rf"^{_OPTIONAL_QUALIFIER}", "", value)
    currency = re.search(r"[$€£]", value)
    unit = {"$": "USD", "€": "EUR", "£": "GBP"}[currency.group()] if currency else None
    unit = "percent" if value.endswith(("%", "percent", "per cent")) else unit
    rest = after
    for pattern, name in _UNITS if unit is None else ():
        u = pattern.match(after)
        if u:  # "tonnes of food" keeps its unit word in what it counts
            unit, rest = name, after if name == "tonnes" else after[u.end() :]
            break
    money = unit in ("USD", "EUR", "GBP", "pounds")
    lead = r"\s*(?:of|in)\s+(?:the\s+)?" if money else r"\s*of\s+(?:the\s+)?"
    phrase = _noun_phrase(re.sub(rf"^{lead}", " ", rest))
    status = _counted_status(text, s, m, phrase)
    weight = 3.0 * bool(_PEOPLE.search(phrase)) + 1.5 * (money or unit == "tonnes")
    weight += 3 * any(p.search(phrase) for p, _ in _STATUS[:3])  # "civilian deaths"
    if status:
        weight += 3 if status in ("killed", "missing", "displaced") else 1
    counts = f"{phrase} {status or ''}".strip()
    alive = re.match(
        r"\s+((?:live|lives|living|remain|remains|face|faced|sleeping)\b[^,;.]*)", rest
    )
    if phrase and not status and alive:  # "60,000 people live in the affected districts"
        counts = f"{phrase} {alive.group(1)}"
    if not phrase:  # no noun after the number: the words before it in its clause
        if words and not re.search(rf"^{_QUALIFIER} |{WORD_SCALES}", value):
            return None  # a bare "two" counts nothing stated
        weight -= 1
        clause = re.split(r"[,;:—–]\s", text[s.start : m.start()])[-1].split()
        verb = [label or w for w in clause[-1:] for p, label in _STATUS if p.fullmatch(w)]
        counts = verb[0] if verb else " ".join(clause[-b.figure_words :])
    if not counts:
        return None
    if unit is None and phrase:
        unit = re.split(r"\s+of\s+", phrase)[0].split()[-1].lower()
    counts = " ".join(counts.split()[: b.figure_words])
    return FigureReading(value=value, unit=unit, counts=counts, start=m.start(), weight=weight)


def _noun_phrase(rest: str) -> str:
    """The words after a number that say what it counts: "people", "tonnes of food"."""
    out: list[str] = []
    for tok in rest.split()[:6]:
        word = tok.strip(',;:!?”"’)(')
        word = word if word.count(".") > 1 else word.rstrip(".")  # keep "U.S."
        low = word.lower()
        verb = out and out[-1] != "of" and low.endswith(("ed", "ing"))
        if (
            not re.fullmatch(r"[A-Za-z][\w’'.-]*", word)
            or (low in _STOP_WORDS and low != "of")
            or verb
        ):
            break
        if low == "of" and not out:
            break
        out.append(word)
        if word != tok or len(out) == 4:
            break
    while out and out[-1].lower() in _STOP_WORDS:
        out.pop()
    return " ".join(out)


def _counted_status(text: str, s: Sentence, m: re.Match[str], phrase: str) -> str | None:
    """What happened to the people counted, from the nearest cue word in the sentence."""
    if any(p.search(phrase) for p, _ in _STATUS):
        return None
    lo, hi = max(s.start, m.start() - 60), min(s.end, m.end() + len(phrase) + 70)
    near = [
        (m.start() - h.end() if h.end() <= m.start() else h.start() - m.end(), label or h.group())
        for pattern, label in _STATUS
        for h in pattern.finditer(text, lo, hi)
    ]
    return min(near)[1] if near else None


def _actor_label(e: Entity, limit: int) -> str:
    """The actor's name within `limit` words: a short form, or a person without titles."""
    bare = " ".join(w for w in e.name.split() if w not in TITLES and w[0].isupper())
    forms = [f for f in (e.name, *e.aliases, bare) if 0 < word_count(f) <= limit]
    return forms[0] if forms else trim_words(e.name, limit)
