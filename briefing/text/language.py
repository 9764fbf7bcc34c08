"""Language data: one TOML file per language in `briefing/text/languages/`.

Everything the package knows about a language lives in its file, so supporting a new
language means adding a file, not code: how to recognise it (frequent words, script),
how it writes dates, numbers and quote marks, which lines of page chrome it prints
("Publié le", "Leer más"), and, when the file has a `[cues]` table, the cue words the
offline engine reads it with. A language without cues still gets a partial brief from
the language-neutral parts (see `briefing.engines.extractive`).

Files are read once, lazily; `language_data(code)` is None for a language without one.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES_DIR = Path(__file__).resolve().parent / "languages"
UNDETERMINED = "und"  # ISO 639 code for "not determined"

# Scripts that name their language on their own (no data file needed to say which it
# is), with the writing direction; see `briefing.text.detect`.
SCRIPT_LANGUAGES: dict[str, tuple[str, str]] = {
    "Hangul": ("ko", "Korean"),
    "Kana": ("ja", "Japanese"),
    "Han": ("zh", "Chinese"),
    "Greek": ("el", "Greek"),
    "Hebrew": ("he", "Hebrew"),
    "Thai": ("th", "Thai"),
    "Devanagari": ("hi", "Hindi"),
    "Bengali": ("bn", "Bengali"),
    "Georgian": ("ka", "Georgian"),
    "Armenian": ("hy", "Armenian"),
    "Ethiopic": ("am", "Amharic"),
}
RTL_SCRIPTS = frozenset({"Arabic", "Hebrew", "Syriac", "Thaana", "NKo"})


@dataclass(frozen=True)
class NumberWords:
    """Number words of a language, read by `briefing.text.numbers` (not for English,
    whose reader is that module's own)."""

    values: Mapping[str, float]  # added: "deux" 2, "vingt" 20, "doscientos" 200
    multipliers: Mapping[str, float]  # multiply what precedes: "cent" 100
    scales: Mapping[str, float]  # close a group: "mille" 1e3, "millions" 1e6
    connectors: tuple[str, ...]  # between number words: "et", "y", "und", "و"
    vague: Mapping[str, tuple[str, ...]]  # canonical key ("thousands") -> phrases
    percent: tuple[str, ...]
    decimal: str  # the decimal mark: "." or ","
    joined: bool = False  # written as one word: "dreiundzwanzig", "hundertzwanzig"


@dataclass(frozen=True)
class LanguageData:
    code: str
    name: str  # in English: "French"
    native_name: str
    script: str
    direction: str  # "ltr" or "rtl"
    quotes: tuple[str, str]  # opening and closing marks as typeset
    stopwords: frozenset[str]
    months: tuple[tuple[str, ...], ...]  # 12 entries: the names of each month, lower case
    weekdays: tuple[str, ...]
    abbreviations: frozenset[str]
    numbers: NumberWords | None
    chrome: Mapping[str, tuple[str, ...]]
    cues: Mapping[str, Any]  # empty: no cue words, partial analysis
    words: Mapping[str, frozenset[str]]  # word lists of [text] (titles, sentence starters...)
    gaps: Mapping[str, str]
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def full_analysis(self) -> bool:
        """Whether the offline engine has cue words for this language."""
        return bool(self.cues)

    def word_list(self, name: str) -> frozenset[str]:
        return self.words.get(name, frozenset())


def _words(value: Any) -> tuple[str, ...]:
    """A list of strings, or one string of space-separated words."""
    if isinstance(value, str):
        return tuple(value.split())
    return tuple(str(v) for v in value or ())


def _numbers(table: Mapping[str, Any] | None) -> NumberWords | None:
    if not table:
        return None
    return NumberWords(
        values={k: float(v) for k, v in table.get("values", {}).items()},
        multipliers={k: float(v) for k, v in table.get("multipliers", {}).items()},
        scales={k: float(v) for k, v in table.get("scales", {}).items()},
        connectors=tuple(table.get("connectors", ())),
        vague={k: tuple(v) for k, v in table.get("vague", {}).items()},
        percent=tuple(table.get("percent", ())),
        decimal=str(table.get("decimal", ".")),
        joined=bool(table.get("joined", False)),
    )


def _load(path: Path) -> LanguageData:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    text: Mapping[str, Any] = data.get("text", {})
    # A month name of two words is written with a hyphen in the list: "كانون-الثاني".
    months = tuple(
        tuple(n.replace("-", " ") for n in m.lower().split()) for m in text.get("months", ())
    )
    if months and len(months) != 12:
        raise ValueError(f"{path}: [text] months must name 12 months")
    lists = {"months", "weekdays", "abbreviations"}
    quotes = list(data.get("quotes", ("“", "”")))
    return LanguageData(
        code=data["code"],
        name=data["name"],
        native_name=data.get("native_name", data["name"]),
        script=data.get("script", "Latin"),
        direction=data.get("direction", "ltr"),
        quotes=(str(quotes[0]), str(quotes[1])),
        stopwords=frozenset(_words(data.get("detect", {}).get("stopwords", ""))),
        months=months,
        weekdays=tuple(w.lower() for w in _words(text.get("weekdays", ""))),
        abbreviations=frozenset(w.lower() for w in _words(text.get("abbreviations", ""))),
        numbers=_numbers(data.get("numbers")),
        chrome={k: tuple(v) for k, v in data.get("chrome", {}).items()},
        cues=data.get("cues", {}),
        words={k: frozenset(_words(v)) for k, v in text.items() if k not in lists},
        gaps=dict(data.get("gaps", {})),
        raw=data,
    )


# What is known of a language without a data file: nothing but its code.
NO_LANGUAGE = LanguageData(
    code=UNDETERMINED,
    name="undetermined",
    native_name="undetermined",
    script="",
    direction="ltr",
    quotes=("“", "”"),
    stopwords=frozenset(),
    months=(),
    weekdays=(),
    abbreviations=frozenset(),
    numbers=None,
    chrome={},
    cues={},
    words={},
    gaps={},
    raw={},
)


@cache
def all_languages() -> tuple[LanguageData, ...]:
    """Every language with a data file, by code."""
    return tuple(_load(p) for p in sorted(LANGUAGES_DIR.glob("*.toml")))


def language_data(code: str | None) -> LanguageData | None:
    """The data of language `code` ("fr"), or None when it has no file."""
    return next((lang for lang in all_languages() if lang.code == code), None)


# Names of languages without a data file, for messages and metadata; a data file's own
# name wins.
_OTHER_NAMES = {code: name for code, name in SCRIPT_LANGUAGES.values()} | {
    "it": "Italian",
    "nl": "Dutch",
    "ru": "Russian",
    "uk": "Ukrainian",
    "fa": "Persian",
    "ur": "Urdu",
    "tr": "Turkish",
    "pl": "Polish",
    "sw": "Swahili",
    UNDETERMINED: "undetermined",
}


def language_name(code: str) -> str:
    """English name of a language code; the code itself when unknown."""
    lang = language_data(code)
    return lang.name if lang else _OTHER_NAMES.get(code, code)


def resolve_language(value: str) -> tuple[str, str]:
    """(code, English name) for a language given by code or name, in any case ("fr",
    "French", "français"). An unknown name is kept as given, so a model can still be
    asked to write in it."""
    wanted = value.strip()
    low = wanted.lower()
    for lang in all_languages():
        if low in (lang.code, lang.name.lower(), lang.native_name.lower()):
            return lang.code, lang.name
    for code, name in _OTHER_NAMES.items():
        if low in (code, name.lower()) and code != UNDETERMINED:
            return code, name
    return low, wanted


def direction_of(code: str | None, script: str | None = None) -> str:
    """ "rtl" or "ltr" for a language (or, without data, its script)."""
    lang = language_data(code)
    if lang:
        return lang.direction
    if code in ("he", "fa", "ur", "yi", "ps", "sd", "ug", "dv"):
        return "rtl"
    return "rtl" if script in RTL_SCRIPTS else "ltr"
