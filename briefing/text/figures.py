"""Figures in news text: the numbers an article reports, what they count, who reports them.

`figures_in` reads the numbers in a sentence ("at least 23", "forty-two", "two dozen",
"thousands of", "$10 million", "97 percent") with their unit and what they count ("people
killed", "tonnes of food"), skipping dates, years, durations, distances and measures
("magnitude 6.8", "half a percentage point"); `has_figure` tells whether a text states
any; `reported_by` finds whom a sentence attributes a fact to ("said X", "X said",
"according to X"). The lexicon's `when` and `timeframe` find the dates and time spans that
numbers also state ("14 March", "within 48 hours").

These are rules about how news prose states numbers, and they change for their own
reasons, so they live apart from the extractive engine (`briefing.engines.extractive`), which
decides which figures make the brief and quotes their evidence. The words they read by
(qualifiers, counted nouns, what happened to people, units, reporting verbs) are the
language's cues (`briefing.text.lexicon`, English by default). Deterministic: regular
expressions over the text and the names `briefing.text.entities` found; no model, no network.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from briefing.budgets import Budgets, trim_words, word_count
from briefing.schema import ActorKind
from briefing.text.entities import Entity
from briefing.text.lexicon import Lexicon, Status, english
from briefing.text.names import TITLES, capitalises_nouns
from briefing.text.sentences import Sentence

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
    kind: str | None = None  # what happened to the people counted: "killed", "displaced"...


def has_figure(text: str, lex: Lexicon | None = None) -> bool:
    """Whether the text states a number, an amount or a "thousands" that could be a figure."""
    return (lex or english()).figure.search(text) is not None


def figures_in(
    text: str, s: Sentence, b: Budgets, lex: Lexicon | None = None
) -> list[FigureReading]:
    """The figures of sentence `s` of `text`, in reading order."""
    lex = lex or english()
    found = (_read_figure(text, s, m, b, lex) for m in lex.figure.finditer(text, s.start, s.end))
    return [f for f in found if f is not None]


def reported_by(
    text: str, s: Sentence, pos: int, names_in: NamesIn, limit: int, lex: Lexicon | None = None
) -> str | None:
    """Who sentence `s` of `text` attributes the fact at `pos` to: "said X", "X said",
    "according to X", nearest reporting word first; at most `limit` words, None if unstated.
    `names_in` gives the names mentioned in a span of the text."""
    lex = lex or english()
    hits = lex.reporting.finditer(text, s.start, s.end)
    for v in sorted(hits, key=lambda v: abs(v.start() - pos)):
        stop = re.search(r"[,;:.—–]|$", text[v.end() : s.end])
        end = v.end() + (stop.start() if stop else 0)
        after = lex.article.sub("", text[v.end() : end].strip())
        names = names_in(v.end(), end)
        person = [n for n in names if n[1].kind is ActorKind.PERSON]
        speaker = person[0] if person else names[0] if names else None
        if lex.according_to.fullmatch(v.group()):
            return _actor_label(speaker[1], limit) if speaker else None
        if speaker and names[0][0] - v.end() <= 5:  # "said X", "said the X"
            return after if word_count(after) <= limit else _actor_label(speaker[1], limit)
        head = text[s.start : v.start()]
        cut = max((c.end() for c in re.finditer(r"[,;:—–]\s", head)), default=0)
        inside = names_in(s.start + cut, v.start())
        if inside:  # "X said", "X's teams counted"
            return _actor_label(inside[-1][1], limit)
        clause = lex.article.sub("", head[cut:].strip())
        last = clause.rsplit(None, 1)
        if len(last) == 2 and lex.auxiliary.fullmatch(last[1]):
            clause = last[0]  # "district health office has (confirmed)"
        own = s.start + cut <= pos < v.start()  # "1,240 cases reported": no one reports
        if clause and not own and word_count(clause) <= limit and not lex.pronoun.match(clause):
            return clause  # "provincial officials said"
    return None


def _read_figure(
    text: str, s: Sentence, m: re.Match[str], b: Budgets, lex: Lexicon
) -> FigureReading | None:
    """A figure, what it counts and a weight; None for dates, years, durations, distances."""
    value = m.group()
    after, before = text[m.end() : s.end], text[max(s.start, m.start() - 12) : m.start()]
    year = re.fullmatch(r"(?:19|20)\d\d", value) and not lex.people.match(after.strip())
    words = lex.value_in_words.match(value) is not None  # "forty-two": only a count
    if year or lex.not_count.match(after) or lex.not_count_before.search(before):
        return None
    if re.search(rf"(?:{lex.months})\.? $", before) or (words and lex.determiner.search(before)):
        return None
    if word_count(value) > b.label_words:
        # "more than 150" -> "150" for a tight label
        value = re.sub(rf"^(?i:{lex.qualifier}) ", "", value)
    currency = re.search(r"[$€£]", value)
    unit = {"$": "USD", "€": "EUR", "£": "GBP"}[currency.group()] if currency else None
    unit = "percent" if value.endswith(("%", "percent", "per cent")) else unit
    rest = after
    for pattern, name in lex.units if unit is None else ():
        u = pattern.match(after)
        if u:  # "tonnes of food" keeps its unit word in what it counts
            unit, rest = name, after if name == "tonnes" else after[u.end() :]
            break
    money = unit in ("USD", "EUR", "GBP", "pounds")
    sentence = text[s.start : s.end]
    # Money counts for the crisis (an appeal, aid, a budget), not a bounty or a price.
    near = text[max(s.start, m.start() - 40) : min(s.end, m.end() + 40)]
    if money and (lex.not_crisis.search(near) or not lex.funding.search(sentence)):
        return None
    of = (lex.money_of if money else lex.count_of).pattern
    lead = rf"^\s*{of}(?:\s+|(?<=['’]))(?:(?:{lex.article_words})\s+)?"
    phrase = _noun_phrase(re.sub(lead, " ", rest, count=1), lex)
    found = _counted_status(text, s, m, phrase, lex)
    status, kind = (found.label, found.kind) if found else (None, None)
    in_phrase = [st for st in lex.status if st.pattern.search(phrase)]
    kind = kind or (in_phrase[0].kind if in_phrase else None)
    weight = 3.0 * bool(lex.people.search(phrase)) + 1.5 * (money or unit == "tonnes")
    weight += 3 * any(st.kind in _GRAVE for st in in_phrase)  # "civilian deaths"
    if status:
        weight += 3 if kind in _GRAVE else 1
    counts = f"{phrase} {status or ''}".strip()
    alive = lex.alive.match(rest)
    if phrase and not status and alive:  # "60,000 people live in the affected districts"
        counts = f"{phrase} {alive.group(1)}"
    if not phrase and status:  # "mehr als 300 wurden verletzt": what happened to them
        counts = status
    elif not phrase:  # no noun after the number: the words before it in its clause
        if words and not re.search(rf"^(?i:{lex.qualifier}) |{lex.word_scales}", value):
            return None  # a bare "two" counts nothing stated
        weight -= 1
        clause = re.split(r"[,;:—–]\s", text[s.start : m.start()])[-1].split()
        verb = [
            (st.label or w, st.kind)
            for w in clause[-1:]
            for st in lex.status
            if st.pattern.fullmatch(w)
        ]
        counts = verb[0][0] if verb else " ".join(clause[-b.figure_words :])
        kind = verb[0][1] if verb else kind
    if not counts or lex.not_crisis.search(counts):
        return None
    # "Thousands of families": the vague amount keeps its "of", so the line reads whole.
    of_next = re.match(rf"\s*((?:{lex.count_of.pattern}))\s", after)
    if of_next and lex.vague.fullmatch(value) and phrase:
        value = f"{value} {of_next.group(1)}"
    # The counted noun is in `counts` ("people killed"); a unit is only a measure
    # (currency, percent, tonnes), so a line never reads "23 people people killed".
    counts = " ".join(counts.split()[: b.figure_words])
    return FigureReading(
        value=value, unit=unit, counts=counts, start=m.start(), weight=weight, kind=kind
    )


_GRAVE = ("killed", "missing", "displaced")  # what weighs most in a figure


def _noun_phrase(rest: str, lex: Lexicon) -> str:
    """The words after a number that say what it counts: "people", "tonnes of food"."""
    out: list[str] = []
    nouns_capitalised = capitalises_nouns(lex.code)
    for tok in rest.split()[:6]:
        word = tok.strip(',;:!?”"’)(«»')
        word = word if word.count(".") > 1 else word.rstrip(".")  # keep "U.S."
        low = word.lower()
        of = lex.count_of.fullmatch(low) is not None
        after_noun = bool(out) and not lex.count_of.fullmatch(out[-1].lower())
        # English: a participle after the noun ("people killed"); other languages list
        # verb endings, which end the phrase anywhere ("12 obligando").
        verb = lex.code == "en" and after_noun and low.endswith(("ed", "ing"))
        verb |= bool(lex.verb_endings) and low.endswith(lex.verb_endings) and not of
        # German capitalises its nouns: after one, a lower-case word is no longer part of
        # the counted thing ("12.500 Menschen verbrachten": a verb), unless it joins.
        verb |= nouns_capitalised and after_noun and out[-1][:1].isupper() and word.islower()
        if (
            not re.fullmatch(r"[^\W\d_][\w’'.-]*", word)
            or (low in lex.stop_words and not of)
            or verb
        ):
            break
        if of and not out:
            break
        if out and lex.prefixes and low[:1] in lex.prefixes and len(low) > 3:
            break  # Arabic "و..." opens the next clause: "٢٣ شخصا وأصابت"
        out.append(word)
        if word != tok or len(out) == 4:
            break
    while out and out[-1].lower() in lex.stop_words:
        out.pop()
    return " ".join(out)


def _counted_status(
    text: str, s: Sentence, m: re.Match[str], phrase: str, lex: Lexicon
) -> Status | None:
    """What happened to the people counted, from the nearest cue word in the sentence;
    None when the counted phrase says it itself ("deaths")."""
    if any(st.pattern.search(phrase) for st in lex.status):
        return None
    lo, hi = max(s.start, m.start() - 60), min(s.end, m.end() + len(phrase) + 70)
    near = [
        (m.start() - h.end() if h.end() <= m.start() else h.start() - m.end(), n, h.group())
        for n, st in enumerate(lex.status)
        for h in st.pattern.finditer(text, lo, hi)
        if not _owned_by_other(text, h, m, lex)
    ]
    if not near:
        return None
    _, n, said = min(near)
    st = lex.status[n]
    return Status(st.pattern, st.label or said, st.kind)


def _owned_by_other(text: str, cue_at: re.Match[str], m: re.Match[str], lex: Lexicon) -> bool:
    """Whether a status word belongs to another number: "23 dead and 412 cases" - "dead"
    says nothing of the 412."""
    if cue_at.end() <= m.start():  # before our number: does another number precede it?
        lead = text[max(0, cue_at.start() - 30) : cue_at.start()]
        if any(f.end() >= len(lead) - 1 for f in lex.figure.finditer(lead)):
            return True
        # A comma between the cue and our number closes the cue's clause; a number in that
        # clause owns it ("64 Menschen kamen ums Leben, mehr als 300 wurden verletzt").
        if re.search(r"[,;]", text[cue_at.end() : m.start()]):
            clause = text[max(0, cue_at.start() - 120) : cue_at.start()]
            clause = re.split(r"[,;:.]\s", clause)[-1]
            return lex.figure.search(clause) is not None
        return False
    between = text[m.end() : cue_at.start()]  # after it: is another number in between?
    return lex.figure.search(between) is not None


def _actor_label(e: Entity, limit: int) -> str:
    """The actor's name within `limit` words: a short form, or a person without titles."""
    bare = " ".join(w for w in e.name.split() if w not in TITLES and w[0].isupper())
    forms = [f for f in (e.name, *e.aliases, bare) if 0 < word_count(f) <= limit]
    return forms[0] if forms else trim_words(e.name, limit)
