"""The Jinja environment of the brief templates, and the filters they use.

Jinja2 is imported on first use, so importing the render package stays cheap.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from briefing.budgets import shorten_chars

if TYPE_CHECKING:
    from jinja2 import Environment, Template

_ENV: Environment | None = None


def template(name: str) -> Template:
    global _ENV
    if _ENV is None:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

        from briefing.resources import templates_dir

        _ENV = Environment(
            loader=FileSystemLoader(templates_dir("render")),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        _ENV.filters["md"] = md_escape
        _ENV.filters["tidy"] = tidy
        _ENV.filters["clip"] = shorten_chars
        _ENV.filters["kind"] = _kind_label
        _ENV.filters["shown_unit"] = shown_unit
        _ENV.filters["place_and_time"] = place_and_time
    return _ENV.get_template(name)


def tidy(text: str) -> str:
    """Model text may carry newlines; inside a bullet or table cell they break the layout."""
    return " ".join(str(text).split())


def shown_unit(figure: Any) -> str:
    """A figure's unit as printed after its value, or "" when the value or what it counts
    already says it.

    Models often repeat the unit: "520 tonnes" + "tonnes", "$10 million" + "USD",
    "31 trucks" + "number", "23" + "people" with "people killed". The value is printed
    as written, so the unit is added only when it would tell the reader something.
    """
    unit = " ".join(str(figure.unit or "").split())
    if not unit:
        return ""
    value, low = str(figure.value), unit.casefold()
    if low in _COUNTING_WORDS or _same_currency(unit, value) or _same_percent(unit, value):
        return ""
    value_words, unit_words = _words(value), _words(unit)
    if not unit_words:  # a symbol: "%", "$", "€"
        return "" if low in value.casefold() else unit
    # The unit's head noun (its last word: "metric tonnes") named by the value, or the
    # counted thing already naming the unit ("people" + "people killed").
    if any(_same_word(unit_words[-1], w) for w in value_words):
        return ""
    if _contains(_words(str(figure.counts)), unit_words):
        return ""
    # A unit that only says people are counted ("people", "persons") after a value that
    # already has its own noun ("31 trucks") would name the wrong thing.
    if low in _PEOPLE_UNITS and any(w not in _SCALE_WORDS for w in value_words):
        return ""
    return unit


_WORD_RE = re.compile(r"[^\W\d_]+")
# Units that say only that something is counted: never worth printing after a number.
_COUNTING_WORDS = {"number", "numbers", "count", "counts", "total", "figure", "amount", "quantity"}
_PEOPLE_UNITS = {"people", "persons", "person", "individuals"}
# Words a value may hold that are part of the number, not what it counts.
_SCALE_WORDS = {
    "about", "around", "approximately", "nearly", "almost", "over", "more", "than", "less",
    "fewer", "up", "to", "at", "least", "some", "roughly", "estimated", "an", "a", "and",
    "hundred", "hundreds", "thousand", "thousands", "million", "millions", "billion",
    "billions", "trillion", "tens", "of", "dozen", "dozens", "k", "m", "bn", "mn", "per",
    "cent", "percent",
}  # fmt: skip
# Currency symbols and the codes and words a unit may name them by.
_CURRENCIES = {
    "$": {"usd", "us$", "dollar", "dollars", "us dollars", "u.s. dollars"},
    "€": {"eur", "euro", "euros"},
    "£": {"gbp", "pound", "pounds", "pounds sterling"},
    "¥": {"jpy", "cny", "yen", "yuan"},
    "₹": {"inr", "rupee", "rupees"},
}


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD_RE.findall(text)]


def _same_word(a: str, b: str) -> bool:
    """Equal up to an English plural: "tonne"/"tonnes", "case"/"cases", "city"/"cities"."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return long in (short + "s", short + "es") or (
        short.endswith("y") and long == short[:-1] + "ies"
    )


def _starts_with(words: list[str], head: list[str]) -> bool:
    return len(words) >= len(head) and all(map(_same_word, words, head))


def _contains(words: list[str], part: list[str]) -> bool:
    return any(_starts_with(words[i:], part) for i in range(len(words)))


def _same_currency(unit: str, value: str) -> bool:
    """ "USD" for "$10 million", "euros" for "€5m" (and "$" for "10 million USD")."""
    low_unit, low_value = unit.casefold(), value.casefold()
    for symbol, names in _CURRENCIES.items():
        unit_is = low_unit == symbol or low_unit in names
        value_has = symbol in low_value or any(
            re.search(rf"(?<!\w){re.escape(n)}(?!\w)", low_value) for n in names
        )
        if unit_is and value_has:
            return True
    return False


def _same_percent(unit: str, value: str) -> bool:
    low = unit.casefold()
    is_percent = low in ("%", "percent", "per cent", "pct", "percentage")
    return is_percent and bool(re.search(r"%|per ?cent|pct", value.casefold()))


def place_and_time(development: Any) -> str:
    """What goes in brackets after a development: its place, unless the text already
    names it ("…seized Aleppo. (Aleppo)"), and its time."""
    parts = []
    where = " ".join(str(development.where or "").split())
    if where and not names_place(str(development.what), where):
        parts.append(where)
    when = " ".join(str(development.when or "").split())
    if when:
        parts.append(when)
    return ", ".join(parts)


def names_place(text: str, place: str) -> bool:
    """Whether `text` names `place`, ignoring case and accents, as a whole word or
    within a longer name ("Aleppo province", "Aleppo’s" name "Aleppo")."""
    wanted = _fold(place)
    if not wanted:
        return True
    return re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", _fold(text)) is not None


def _fold(text: str) -> str:
    """Case- and accent-insensitive form: "Alep", "ALÉP" and "alep" read alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split())


# Actor kinds as printed in the small tag; the long ones are shortened so that a tag
# seldom pushes an actor's role onto another line.
_KIND_LABELS = {"international_organisation": "int’l org", "ngo": "NGO"}


def _kind_label(kind: str) -> str:
    return _KIND_LABELS.get(kind, kind.replace("_", " "))


# Characters that form inline markup anywhere in a line: code, emphasis, HTML and
# autolinks, links and footnotes, tables, strikethrough; "#" also closes a heading
# ("# Title #").
_MD_SPECIAL = re.compile(r"([\\`*_<>\[\]|~#])")
# "&copy;", "&#169;": an entity reference would print as the character it names.
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# Block markers at the start of a line: lists ("- ", "+ ", "1. ", "2) "), rules and
# setext underlines ("---", "==="). Headings, quotes, fences and tables start with a
# character escaped everywhere; leading spaces, which would make code, are tidied away.
_MD_LINE_START = re.compile(r"^([-+=])")
_MD_LIST_NUMBER = re.compile(r"^(\d{1,9})([.)])")


def md_escape(text: str) -> str:
    """`text` as Markdown that prints literally, wherever on a line the template puts it.

    Backslash escapes keep "<script>" and "&copy;" literal, stop text from forming
    links, footnotes or emphasis, and stop a text that opens a line or a list item from
    starting a list, heading, quote or rule of its own.
    """
    escaped = _MD_SPECIAL.sub(r"\\\1", tidy(text))
    escaped = _MD_ENTITY.sub(r"\\&", escaped)
    escaped = _MD_LIST_NUMBER.sub(r"\1\\\2", escaped)
    return _MD_LINE_START.sub(r"\\\1", escaped)
