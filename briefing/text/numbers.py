"""Reading numbers from news text: which numbers a text states, their values and where.

`mentions` finds every number in a text, with its value and offsets; grounding reads a
figure's value and the article with it and compares the two. It reads:

- digits in any script ("٤٠٠٠" is 4000), with "," "." or space (also no-break, thin
  and narrow no-break space, and the Arabic "٬") thousands separators and a decimal
  part after "." "," or "٫": "8,500", "8 500", "8.500", "2.5", "2,5". One group after
  "," or "." is ambiguous ("8,500" is 8500 in English, 8.5 in French): the article
  language's decimal mark picks the value and the other reading is kept as `alt`, so a
  figure matches either way;
- number words to ninety-nine ("forty-two", "forty two", "seven"), alone or before
  hundred/thousand/million/billion/trillion/dozen: "two dozen" is 24, "a million" 1e6;
- a scale after digits, "10 million", "8.5 thousand" (8500), or abbreviated: "10k",
  "2bn", and "m" for million only after a currency sign ("$10m"; "50m" is usually metres);
- vague amounts, kept as their words: "thousands", "tens of thousands", "dozens",
  "scores" (equal only to the same words);
- a percentage: "%", "percent", "per cent".

Other languages' number words, scales and vague amounts come from their data files
(`[numbers]`, see `briefing.text.language`): "vingt-trois", "quatre-vingt-dix", "dos
mil", "dreiundzwanzig", "ثلاثة آلاف", "1,8 milhão", "des milliers" (keyed "thousands"
like the English word, so a figure in an English brief matches a French article).

A currency sign or code ("$", "US$", "EUR ") is read but not kept. Each mention also
notes three forms its reader may want to discount: digits with a thousands separator
("2,016"), the word "one" on its own ("no one", "one of them": rarely the number 1), and
a four-digit year (1800-2100) in a date context ("in 2016", "March 2016", "2015-16",
"2016's").

The extractive engine (`briefing.text.figures`) looks for counts written in words with
`NUMBER_IN_WORDS`, a pattern over the same vocabulary that differs where a count does:
"one" only in "one hundred" or "twenty-one" and never "zero"; "three hundred and twelve"
in one piece; nothing read when another scale word follows ("two hundred thousand");
any unit word after a tens word ("twenty fifteen"); only "-" or a space inside
"forty-two"; no "trillion". Its matches are what that engine reports as figures, so it
keeps those rules rather than become `mentions`.

Deterministic: regular expressions over the text; no model, no network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from briefing.text.language import NumberWords, language_data

# The number words: each unit word's value is its index; each tens word's 20 + 10 * index.
UNIT_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
TENS_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
SCALES = dict(hundred=1e2, thousand=1e3, million=1e6, billion=1e9, trillion=1e12, dozen=12.0)

_WORD_VALUE = {w: i for i, w in enumerate(UNIT_WORDS)} | {
    w: 20 + 10 * i for i, w in enumerate(TENS_WORDS)
}
_ABBR = dict(k=1e3, m=1e6, bn=1e9)
_SCALE_RE = "|".join(SCALES)
_TENS_RE, _DIGIT_RE = "|".join(TENS_WORDS), "|".join(UNIT_WORDS[1:10])
_UNITS_RE = "|".join(UNIT_WORDS[::-1])

# --- counts in words, as the extractive engine reads them ------------------------------

_COUNT_UNITS = "|".join(UNIT_WORDS[2:])  # "one" alone is too often a pronoun: "one of them"
# A number word below a hundred: "forty-two", "forty two", "seven" (not "one" or "zero").
SMALL_NUMBER_WORD = rf"(?:{_TENS_RE})(?:[- ](?:one|{_COUNT_UNITS}))?|{_COUNT_UNITS}"
# The scale words a count in words may end with ("two trillion" has never been read).
WORD_SCALES = "|".join(w for w in SCALES if w != "trillion")
# A count in words, in any case: "forty-two", "three hundred", "three hundred and twelve",
# "two dozen", "a thousand"; never a part of "two hundred thousand".
NUMBER_IN_WORDS = (
    rf"(?i:(?:(?:{SMALL_NUMBER_WORD}|one|an?) (?:{WORD_SCALES})(?: and (?:{SMALL_NUMBER_WORD}))?"
    rf"|{SMALL_NUMBER_WORD})(?! (?:{WORD_SCALES})\b))"
)

# --- every number, as grounding reads them ---------------------------------------------

# Digits with thousands separators (one kind throughout: "1 234 567", "1.234.567") and a
# decimal part; a lone group after "," or "." ("8,500", "2,5") is read by `_digits_value`.
_GROUP_SEPARATORS = ",.\u00a0\u2009\u202f \u066c"
DIGITS = (
    r"\d{1,3}(?:,\d{3}(?!\d))+(?:[.\u066b]\d+)?"
    r"|\d{1,3}(?:\.\d{3}(?!\d))+(?:[,\u066b]\d+)?"
    r"|\d{1,3}(?:[\u00a0\u2009\u202f \u066c]\d{3}(?!\d))+(?:[.,\u066b]\d+)?"
    r"|\d+(?:[.,\u066b]\d+)?"
)

_NUMBER_RE = re.compile(
    rf"""
    (?<!\.)(?<![^\W\u0600-\u06ff])  # not inside a word; Arabic prefixes its "and": "و٢٣"
    (?:
      (?P<vague>(?:tens|hundreds)\s+of\s+(?:thousands|millions)
        |dozens|scores|hundreds|thousands|millions|billions)\b
    |
      (?P<cur>US\$|\$|€|£|¥|(?:USD|EUR|GBP)\s?)?
      (?:
        (?P<num>{DIGITS})
      | (?P<word>(?:{_TENS_RE})(?:[-\u2010\u2011 ](?:{_DIGIT_RE}))?\b|(?:{_UNITS_RE})\b
          |an?(?=\s+(?:{_SCALE_RE})\b))
      )
      # "m" means million only after a currency sign: "50m" is usually metres.
      (?:\s?(?P<scale>{_SCALE_RE})\b|(?P<abbr>k|bn|(?(cur)m|(?!)))\b)?
      (?P<pct>\s?(?:%|percent\b|per\s?cent\b))?
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)

_MONTHS = (
    "Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    "|Sep(?:t|tember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
)
_YEARISH = r"(?:1[89]\d\d|20\d\d|2100)"
# Right before a year: "in", "since", "early", "mid-", "March", "5 March", "March 5,",
# "2015-" (a range of years); right after: "-16", "-2017", "/17", "'s".
_YEAR_BEFORE = re.compile(
    rf"(?:\b(?:{_MONTHS})\.?(?:\s+\d{{1,2}}(?:st|nd|rd|th)?,?)?"
    r"|\b(?i:in|since|until|till|during|before|after|early|late|mid|year"
    r"|spring|summer|autumn|fall|winter)"
    rf"|\b{_YEARISH}\s*[-\u2010-\u2015/])[\s-]*$"
)
_YEAR_AFTER = re.compile(rf"\s*[-\u2010-\u2015/]\s*(?:\d\d|{_YEARISH})\b|['\u2019]s\b")


@dataclass(frozen=True)
class Mention:
    """A number stated in a text: its value (or vague amount) and [start, end) offsets."""

    key: float | str  # numeric value, or a vague amount such as "thousands"
    percent: bool
    start: int
    end: int
    grouped: bool = False  # digits with a thousands separator: "2,016"
    bare_one: bool = False  # the word "one" alone: "no one", "one of them"
    year: bool = False  # four digits in a date context: "in 2016", "March 2016"
    alt: float | None = None  # the other reading of "8,500" / "8.500" (see the docstring)

    def matches(self, other: Mention) -> bool:
        """Whether the two state the same number, under either reading."""
        mine = {self.key} | ({self.alt} if self.alt is not None else set())
        theirs = {other.key} | ({other.alt} if other.alt is not None else set())
        return bool(mine & theirs)


def _word_value(word: str) -> float:
    """The value of a number word below a hundred ("forty-two": 42), or 1 for "a"/"an"."""
    parts = re.split(r"[-\u2010\u2011 ]", word.lower())
    if parts[0] in ("a", "an"):
        return 1.0
    return float(sum(_WORD_VALUE[x] for x in parts))


def _digits_value(num: str, decimal: str) -> tuple[float, float | None]:
    """(value, other reading) of digits as written; `decimal` is the language's mark."""
    num = num.translate(_SPACES)
    groups = re.split(r"[,.\u066b\u066c]", num)
    marks = re.findall(r"[,.\u066b\u066c]", num)
    if not marks:
        return float(num), None
    if len(marks) == 1 and marks[0] in ",." and len(groups[1]) == 3 and groups[0] != "0":
        thousands, point = float(num.replace(marks[0], "")), float(num.replace(marks[0], "."))
        # "8,500": a thousands group in English, a decimal in French; "8.500" the reverse.
        if marks[0] == decimal:
            return point, thousands
        return thousands, point
    if marks[-1] in (",", ".", "\u066b") and (len(set(marks)) > 1 or len(groups[-1]) != 3):
        whole = "".join(groups[:-1])
        return float(f"{whole}.{groups[-1]}"), None
    return float("".join(groups)), None


_GROUPED = re.compile(r"\d[,.\s\u066c]\d{3}(?!\d)")  # "2,016", "4 000": not a year
_SPACES = str.maketrans("", "", "\u00a0\u2009\u202f ")


def mentions(text: str, language: str | None = None) -> list[Mention]:
    """Every number `text` states, in reading order; see the module docstring. Digits and
    English number words are read in any language; `language` adds its number words,
    scales and vague amounts and says which decimal mark it uses."""
    data = language_data(language)
    words = data.numbers if data else None
    decimal = words.decimal if words else "."
    out: list[Mention] = []
    for m in _NUMBER_RE.finditer(text):
        if m["vague"]:
            out.append(Mention(" ".join(m["vague"].lower().split()), False, m.start(), m.end()))
            continue
        num, word, pct = m["num"], m["word"], bool(m["pct"])
        value, alt = _digits_value(num, decimal) if num else (_word_value(word), None)
        scale = SCALES.get((m["scale"] or "").lower()) or _ABBR.get((m["abbr"] or "").lower())
        plain = not (scale or pct or m["cur"])
        year = (
            plain
            and num is not None
            and re.fullmatch(_YEARISH, num) is not None
            and (
                _YEAR_BEFORE.search(text[max(0, m.start() - 30) : m.start()]) is not None
                or _YEAR_AFTER.match(text, m.end()) is not None
            )
        )
        out.append(
            Mention(
                round(value * (scale or 1.0), 6),  # so 8.5 thousand == 8500
                pct,
                m.start(),
                m.end(),
                grouped=num is not None and _GROUPED.search(num) is not None,
                bare_one=plain and word is not None and word.lower() == "one",
                year=year,
                alt=None if alt is None else round(alt * (scale or 1.0), 6),
            )
        )
    if words is not None:
        out = _with_language(text, out, words)
    return out


# --- other languages' words, from their data files -----------------------------------------


@cache
def _language_patterns(code: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """(a run of number words, a scale or percent word after digits, a vague amount)."""
    words = language_data(code).numbers  # type: ignore[union-attr]
    assert words is not None
    vocab = sorted({*words.values, *words.multipliers, *words.scales}, key=len, reverse=True)
    word = "|".join(map(re.escape, vocab))
    joiner = "|".join(map(re.escape, words.connectors))
    # Words may be written apart ("vingt et un"), hyphenated ("vingt-trois") or joined
    # ("dreiundzwanzig", "وعشرون"): the alternation is tried longest word first.
    sep = rf"(?:[\s\-]*(?:{joiner})[\s\-]*|[\s\-]+|)" if joiner else r"[\s\-]*"
    lead = rf"(?:{joiner})?" if joiner else ""  # Arabic joins "و" to the word: "وخمسة"
    run = re.compile(rf"(?<!\w){lead}(?:{word})(?:{sep}(?:{word}))*(?!\w)", re.IGNORECASE)
    scales = "|".join(map(re.escape, sorted(words.scales, key=len, reverse=True)))
    pct = "|".join(map(re.escape, sorted(words.percent, key=len, reverse=True)))
    after = re.compile(
        rf"\s?(?:(?P<scale>{scales})(?!\w))?(?P<pct>\s?(?:{pct})(?!\w))?",
        re.IGNORECASE,
    )
    vague = {p: k for k, phrases in words.vague.items() for p in phrases}
    vague_re = re.compile(
        rf"(?<!\w)(?:{'|'.join(map(re.escape, sorted(vague, key=len, reverse=True)))})(?!\w)",
        re.IGNORECASE,
    )
    return run, after, vague_re


def _run_value(run: str, words: NumberWords) -> float:
    """The value of a run of number words: units add, "cent" multiplies what precedes,
    "mille" closes a group ("deux cent trente mille" = 230,000)."""
    vocab = {**words.values, **words.multipliers, **words.scales}
    pattern = "|".join(map(re.escape, sorted(vocab, key=len, reverse=True)))
    total = current = 0.0
    for token in re.findall(pattern, run.lower()):
        if token in words.scales:
            total += (current or 1.0) * words.scales[token]
            current = 0.0
        elif token in words.multipliers:
            current = (current or 1.0) * words.multipliers[token]
        else:
            current += words.values[token]
    return total + current


def _with_language(text: str, found: list[Mention], words: NumberWords) -> list[Mention]:
    """Add the language's number words and vague amounts to the mentions of digits and
    English words, and apply its scale and percent words after digits ("2,5 millions")."""
    # `words` is the language's data; the patterns are cached per language code.
    code = next(c for c in _codes_with(words))
    run, after, vague = _language_patterns(code)
    out: list[Mention] = []
    for m in found:
        if out and m.start < out[-1].end:
            continue  # "millions" of "2,5 millions", read with the digits before it
        tail = after.match(text, m.end) if isinstance(m.key, float) else None
        if tail and (tail["scale"] or tail["pct"]) and not m.percent and isinstance(m.key, float):
            factor = words.scales.get((tail["scale"] or "").lower(), 1.0)
            alt = None if m.alt is None else round(m.alt * factor, 6)
            m = Mention(round(m.key * factor, 6), bool(tail["pct"]), m.start, tail.end(), alt=alt)
        out.append(m)
    taken = [(m.start, m.end) for m in out]

    def free(a: int, z: int) -> bool:
        return not any(s < z and a < e for s, e in taken)

    for r in run.finditer(text):
        if free(r.start(), r.end()):
            value = _run_value(r.group(), words)
            tail = after.match(text, r.end())
            pct = bool(tail and tail["pct"])
            single = " " not in r.group().strip() and "-" not in r.group()
            out.append(
                Mention(
                    round(value, 6),
                    pct,
                    r.start(),
                    tail.end() if pct and tail else r.end(),
                    bare_one=value == 1 and single and not pct,
                )
            )
            taken.append((r.start(), r.end()))
    keys = {p.lower(): k for k, phrases in words.vague.items() for p in phrases}
    for v in vague.finditer(text):
        if free(v.start(), v.end()):
            out.append(Mention(keys[v.group().lower()], False, v.start(), v.end()))
    return sorted(out, key=lambda m: m.start)


def _codes_with(words: NumberWords) -> list[str]:
    from briefing.text.language import all_languages

    return [lang.code for lang in all_languages() if lang.numbers is words]
