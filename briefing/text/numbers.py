"""Reading numbers from news text: which numbers a text states, their values and where.

`mentions` finds every number in a text, with its value and offsets; grounding reads a
figure's value and the article with it and compares the two. It reads:

- digits, with "," or space (also no-break and thin space) thousands separators and a
  decimal part: "8,500", "8 500", "2.5";
- number words to ninety-nine ("forty-two", "forty two", "seven"), alone or before
  hundred/thousand/million/billion/trillion/dozen: "two dozen" is 24, "a million" 1e6;
- a scale after digits, "10 million", "8.5 thousand" (8500), or abbreviated: "10k",
  "2bn", and "m" for million only after a currency sign ("$10m"; "50m" is usually metres);
- vague amounts, kept as their words: "thousands", "tens of thousands", "dozens",
  "scores" (equal only to the same words);
- a percentage: "%", "percent", "per cent".

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

_NUMBER_RE = re.compile(
    rf"""
    (?<![\w.])
    (?:
      (?P<vague>(?:tens|hundreds)\s+of\s+(?:thousands|millions)
        |dozens|scores|hundreds|thousands|millions|billions)\b
    |
      (?P<cur>US\$|\$|€|£|¥|(?:USD|EUR|GBP)\s?)?
      (?:
        (?P<num>\d{{1,3}}(?:[,\u00a0\u2009\u202f ]\d{{3}})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)
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


def _word_value(word: str) -> float:
    """The value of a number word below a hundred ("forty-two": 42), or 1 for "a"/"an"."""
    parts = re.split(r"[-\u2010\u2011 ]", word.lower())
    if parts[0] in ("a", "an"):
        return 1.0
    return float(sum(_WORD_VALUE[x] for x in parts))


def mentions(text: str) -> list[Mention]:
    """Every number `text` states, in reading order; see the module docstring."""
    out: list[Mention] = []
    for m in _NUMBER_RE.finditer(text):
        if m["vague"]:
            out.append(Mention(" ".join(m["vague"].lower().split()), False, m.start(), m.end()))
            continue
        num, word, pct = m["num"], m["word"], bool(m["pct"])
        value = float(re.sub(r"[,\s]", "", num)) if num else _word_value(word)
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
                grouped=num is not None and not num.isdigit() and len(num.split(".")[0]) > 3,
                bare_one=plain and word is not None and word.lower() == "one",
                year=year,
            )
        )
    return out
