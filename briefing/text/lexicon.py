"""The cue words of one language, compiled: what the offline engine reads an article with.

Built from the `[cues]` table of the language's data file (`briefing.text.language`),
once per language. A language without cues has no lexicon (`lexicon(code)` is None) and
gets the partial, language-neutral brief. What each cue is for:

- sections: `event` (key developments), `humanitarian` (impact), `needs`, `blocked`,
  `closing`, `route` and `access` (access constraints), `forward_strong`, `forward_weak`
  and `plan` (outlook; risks need a strong one), `indicator` and `whether` (indicators
  to watch), `past` (background, ranked last);
- figures: `qualifier` ("at least"), `scale_words`, `vague_amounts`, `percent_words`,
  `range`, `people` (nouns that count people), `status` (what happened to them, each
  as [pattern, label shown, kind: killed, missing, displaced...]), `units`,
  `not_count` / `not_count_before` (dates, measures, ranks), `determiner` ("the two
  sides"), `alive`, `count_of` / `money_of` (the "of" of "tonnes of food"),
  `stop_words` and `verb_endings` (where the counted noun phrase stops), `reporting`,
  `according_to`, `article`, `pronoun` (who reported a figure);
- dates and spans: `when`, `timeframe`, with {months}, {weekdays} and {small_number}
  filled in from the same file;
- clauses: `clause_break`, `conjunctions`, `hanging_words`, `apposition`, `place_noun`,
  `title_stop`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from briefing.text.language import NO_LANGUAGE, LanguageData, language_data

Pattern = re.Pattern[str]


def cue(words: str) -> Pattern:
    """Any of the |-separated words or patterns, as whole words, in any case."""
    return re.compile(rf"\b(?:{words})\b", re.IGNORECASE)


_NEVER = re.compile(r"(?!)")  # a cue a language does not have matches nothing


@dataclass(frozen=True)
class Status:
    pattern: Pattern
    label: str | None  # shown after the counted noun ("people killed"); None: as written
    kind: str | None  # "killed", "missing", "displaced"...: what the gaps check


@dataclass(frozen=True)
class Lexicon:
    code: str
    full: bool  # False: a language without cues, read only by its neutral parts
    event: Pattern
    humanitarian: Pattern
    needs: Pattern
    blocked: Pattern
    closing: Pattern
    route: Pattern
    access: Pattern
    forward_strong: Pattern
    forward_weak: Pattern
    plan: Pattern  # "scheduled to", "is expected in": outlook, but no risk
    forward: Pattern
    indicator: Pattern
    whether: Pattern
    past: Pattern
    people: Pattern
    funding: Pattern  # money for the crisis: aid, an appeal, a budget
    not_crisis: Pattern  # money or counts that are not humanitarian: a bounty, a price
    vague: Pattern  # a vague amount on its own: "thousands"
    reporting: Pattern
    pronoun: Pattern
    auxiliary: Pattern  # "has" in "the office has confirmed": not part of who reported
    place_noun: Pattern
    apposition: Pattern
    qualifier: str  # an alternation, for building patterns
    figure: Pattern  # a number, range, amount or "thousands" that may be a figure
    value_in_words: Pattern  # a figure value written in words only
    word_scales: str
    timeframe: Pattern
    when: Pattern
    not_count: Pattern
    not_count_before: Pattern
    determiner: Pattern
    clause_break: Pattern
    conjunction: Pattern  # a conjunction opening a clause: "but ", "and ", "mais "
    alive: Pattern
    count_of: Pattern
    money_of: Pattern
    article: Pattern  # an article opening a phrase: "the"
    article_words: str  # the articles, as an alternation
    according_to: Pattern
    title_stop: frozenset[str]
    stop_words: frozenset[str]
    hanging_words: frozenset[str]
    verb_endings: tuple[str, ...]
    prefixes: str  # one-letter conjunctions written onto the next word ("و"): a new clause
    status: tuple[Status, ...]
    units: tuple[tuple[Pattern, str], ...]
    months: str  # alternation of month names, capitalised as in text


def _fill(pattern: str, holes: dict[str, str]) -> str:
    for hole, value in holes.items():
        pattern = pattern.replace(hole, value)
    return pattern


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _number_words(lang: LanguageData) -> tuple[str, str]:
    """(a count written in words, the scale words) for figures."""
    if lang.code == "en":
        from briefing.text.numbers import NUMBER_IN_WORDS, WORD_SCALES

        return NUMBER_IN_WORDS, WORD_SCALES
    nums = lang.numbers
    if nums is None:
        return r"(?!)", r"(?!)"
    ones = [w for w, v in nums.values.items() if v == 1]
    vocab = _alternation([*nums.values, *nums.multipliers, *nums.scales])
    joiner = _alternation(list(nums.connectors))
    sep = rf"(?:[\s\-]+(?:(?:{joiner})[\s\-]+)?|-)" if joiner else r"[\s\-]+"
    if nums.joined:  # German writes a number as one word: "dreiundzwanzig", "zweihundert"
        sep = rf"(?:{sep}|(?:{joiner})|)" if joiner else rf"(?:{sep}|)"
    # A lone "un"/"une" is an article, not a count: a run may start with one only when
    # more number words follow ("un million").
    lone = rf"(?:{_alternation(ones)})(?![\w-]|{sep}(?:{vocab})(?![\w-]))" if ones else r"(?!)"
    words = rf"(?i:(?!{lone})(?:{vocab})(?:{sep}(?:{vocab}))*)(?![\w-])"
    return words, _alternation(list(nums.scales)) or r"(?!)"


# What any language is read by when its file has no cues: clause breaks at punctuation
# (Latin, Arabic and CJK marks), numbers, percent signs.
_NEUTRAL_CUES: dict[str, Any] = {
    "clause_break": r"[,;:][\"”’»]?\s+|[،؛、][\"”’»]?\s*|\s+[—–]\s+",
}


def _build(lang: LanguageData, cues: dict[str, Any] | None = None) -> Lexicon:
    c: Mapping[str, Any] = lang.cues if cues is None else cues
    months = "|".join(
        name.capitalize() if lang.script == "Latin" else name for m in lang.months for name in m
    )
    weekdays = "|".join(w.capitalize() if lang.script == "Latin" else w for w in lang.weekdays)
    number_words, word_scales = _number_words(lang)
    small = number_words if lang.code != "en" else _small_number_word()
    holes = {"{months}": months or r"(?!)", "{weekdays}": weekdays or r"(?!)"}
    holes["{small_number}"] = small

    def words(key: str) -> Pattern:
        return cue(_fill(c[key], holes)) if c.get(key) else _NEVER

    def raw(key: str, flags: int = 0) -> Pattern:
        return re.compile(_fill(c[key], holes), flags) if c.get(key) else _NEVER

    def word_set(key: str) -> frozenset[str]:
        return frozenset(str(c.get(key, "")).split())

    blocked, closing = words("blocked"), words("closing")
    access_parts = [str(c[k]) for k in ("blocked", "closing", "access") if c.get(k)]
    forward_parts = [str(c[k]) for k in ("forward_strong", "forward_weak", "plan") if c.get(k)]
    qualifier = c.get("qualifier") or r"(?!)"
    digits = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?" if lang.code == "en" else _digits()
    scale = rf"(?: ?(?i:{c.get('scale_words') or word_scales})\b)?"
    percent = rf"(?: ?%| (?:{c['percent_words']}))?" if c.get("percent_words") else r"(?: ?%)?"
    between = _fill(c.get("range") or r"(?!){a}{b}", dict.fromkeys(("{a}", "{b}"), f"(?:{digits})"))
    optional_qualifier = rf"(?:(?i:{qualifier}) )?"
    figure = re.compile(
        rf"(?<![.,$€£-])(?<![^\W\u0600-\u06ff])(?:{optional_qualifier}(?:{between}"
        rf"|[$€£] ?(?:{digits}){scale}"
        rf"|(?:{digits}){scale}{percent}|{number_words})(?![\w-])"
        rf"|\b(?i:{c.get('vague_amounts') or r'(?!)'})\b)"
    )
    return Lexicon(
        code=lang.code,
        full=cues is None,
        event=words("event"),
        humanitarian=words("humanitarian"),
        needs=words("needs"),
        blocked=blocked,
        closing=closing,
        route=words("route"),
        access=cue("|".join(access_parts)) if access_parts else _NEVER,
        forward_strong=words("forward_strong"),
        forward_weak=words("forward_weak"),
        plan=words("plan"),
        forward=re.compile("|".join(f"\\b(?:{p})\\b" for p in forward_parts), re.IGNORECASE)
        if forward_parts
        else _NEVER,
        indicator=words("indicator"),
        whether=words("whether"),
        past=words("past"),
        people=words("people"),
        funding=words("funding"),
        not_crisis=words("not_crisis"),
        vague=re.compile(rf"(?i:{c.get('vague_amounts') or r'(?!)'})"),
        reporting=words("reporting"),
        pronoun=words("pronoun"),
        auxiliary=words("auxiliary"),
        place_noun=raw("place_noun"),
        apposition=raw("apposition"),
        qualifier=qualifier,
        figure=figure,
        value_in_words=re.compile(rf"{optional_qualifier}{number_words}$"),
        word_scales=word_scales,
        timeframe=raw("timeframe"),
        when=raw("when"),
        not_count=raw("not_count"),
        not_count_before=raw("not_count_before", re.IGNORECASE),
        determiner=raw("determiner", re.IGNORECASE),
        clause_break=raw("clause_break"),
        conjunction=re.compile(rf"(?i:{c['conjunctions']})\s+")
        if c.get("conjunctions")
        else _NEVER,
        alive=re.compile(rf"\s+((?:{c['alive']})[^,;.]*)") if c.get("alive") else _NEVER,
        count_of=re.compile(rf"(?i:(?:{c.get('count_of') or r'(?!)'}))"),
        money_of=re.compile(rf"(?i:(?:{c.get('money_of') or r'(?!)'}))"),
        article=re.compile(rf"^(?:{c.get('article') or r'(?!)'})\s+", re.IGNORECASE),
        article_words=rf"(?i:{c.get('article') or r'(?!)'})",
        according_to=re.compile(rf"(?i:{c.get('according_to') or r'(?!)'})"),
        title_stop=word_set("title_stop"),
        stop_words=word_set("stop_words"),
        hanging_words=word_set("hanging_words"),
        verb_endings=tuple(str(c.get("verb_endings", "")).split()),
        prefixes=str(c.get("prefixes", "")),
        status=tuple(
            Status(cue(_fill(e[0], holes)), e[1] or None, (e[2] if len(e) > 2 else e[1]) or None)
            for e in c.get("status", ())
        ),
        units=tuple((re.compile(p), name) for p, name in c.get("units", ())),
        months=months or r"(?!)",
    )


def _digits() -> str:
    from briefing.text.numbers import DIGITS

    return DIGITS


def _small_number_word() -> str:
    from briefing.text.numbers import SMALL_NUMBER_WORD

    return SMALL_NUMBER_WORD


@cache
def lexicon(code: str | None) -> Lexicon | None:
    """The compiled cues of language `code`; None when it has none (partial analysis)."""
    lang = language_data(code)
    if lang is None or not lang.full_analysis:
        return None
    return _build(lang)


@cache
def reading_lexicon(code: str | None) -> Lexicon:
    """The lexicon to read an article in `code` with: its cues, or for a language
    without any only the neutral parts (punctuation, numbers), so that nothing is read
    with another language's words."""
    found = lexicon(code)
    if found is not None:
        return found
    lang = language_data(code) or NO_LANGUAGE
    return _build(lang, _neutral_cues(lang))


def _neutral_cues(lang: LanguageData) -> dict[str, Any]:
    """The neutral cues, with what the data file says without cue words: its frequent
    words end a counted phrase, its "of" words join one ("1,8 milhão de pessoas"), and
    months, time and measure words are not counts ("12 مارس", "quarenta anos")."""
    words = lang.words
    of = "|".join(map(re.escape, sorted(words.get("of_words", ()), key=len, reverse=True)))
    not_counted = [*words.get("time_words", ()), *(n for m in lang.months for n in m)]
    measures = "|".join(map(re.escape, words.get("measure_words", ())))
    percent = [p for p in (lang.numbers.percent if lang.numbers else ()) if p not in ("%", "٪")]
    attached = [c for c in (lang.numbers.connectors if lang.numbers else ()) if len(c) == 1]
    return {
        **_NEUTRAL_CUES,
        "percent_words": "|".join(map(re.escape, percent)),
        "prefixes": "".join(attached),
        "stop_words": " ".join(lang.stopwords),
        "count_of": of,
        "not_count": rf"\s(?i:{'|'.join(map(re.escape, not_counted))})\b" if not_counted else "",
        "not_count_before": rf"(?:{measures})\s$" if measures else "",
    }


def english() -> Lexicon:
    """English's lexicon: the default of every function that reads cues."""
    found = lexicon("en")
    assert found is not None, "en.toml lost its [cues]"
    return found
