"""Which language an article is written in.

Two detectors, one answer shape (`Detection`):

- `builtin` (the default, no dependency): the script of the letters first (Arabic, Han,
  Hangul, Greek... often name the language on their own), then, among the languages
  with a data file in that script, the one whose frequent words (`[detect]` stopwords)
  cover most of the text. A text too short or too mixed to tell is "und"
  (undetermined), never a guess.
- `lingua` (the optional extra `briefing[lingua]`, lingua-language-detector, whose
  models ship inside the package): n-gram models of 75 languages, better on short
  texts and on languages without a data file here.

The built-in detector is the default (the `language_detector` setting picks lingua):
lingua loads its models on first use, which took 40 s on the reference machine. The
detection records which detector answered, and briefs carry it in their metadata.
`auto` (for library callers) uses lingua when it is installed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

from briefing.text.language import (
    SCRIPT_LANGUAGES,
    UNDETERMINED,
    all_languages,
    direction_of,
    language_name,
)

_SAMPLE_CHARS = 6_000  # about 1,000 words: enough to tell an article's language; O(1)
_SCRIPT_CHARS = 4_000
_MIN_HITS = 3  # frequent-word hits below which a text is too short to tell
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# Letters only some Arabic-script languages use: Persian, then Urdu.
_PERSIAN = frozenset("پچژگکی")
_URDU = frozenset("ٹڈڑںےھ")
_UKRAINIAN = frozenset("іїєґ")


@dataclass(frozen=True)
class Detection:
    code: str  # ISO 639-1 ("fr"), or "und" when undetermined
    name: str  # in English
    script: str  # dominant script of the letters: "Latin", "Arabic", "Han"...
    direction: str  # "ltr" or "rtl"
    confidence: float  # 0..1
    method: str  # "builtin" or "lingua"

    @property
    def known(self) -> bool:
        return self.code != UNDETERMINED


def _script_of(ch: str) -> str:
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return "Other"
    first = name.split()[0]
    if first == "CJK":
        return "Han"
    if first in ("HIRAGANA", "KATAKANA"):
        return "Kana"
    return first.capitalize()


@cache
def _script_cached(ch: str) -> str:
    return _script_of(ch)


def dominant_script(text: str) -> str:
    """The script most letters of the text are written in ("Latin" for no letters)."""
    # A few thousand characters tell the script; counting them is the detector's main cost.
    counts = Counter(_script_cached(c) for c in text[:_SCRIPT_CHARS] if c.isalpha())
    if not counts:
        return "Latin"
    if counts["Kana"] and counts["Han"] + counts["Kana"] > counts.most_common(1)[0][1] / 2:
        return "Kana"  # Japanese mixes kanji and kana
    return counts.most_common(1)[0][0]


def detect_language(text: str, method: str = "auto") -> Detection:
    """The language of `text`; `method` is "auto", "builtin" or "lingua"."""
    if method == "lingua" or (method == "auto" and _lingua_installed()):
        return _detect_lingua(text)
    return _detect_builtin(text)


def _result(code: str, script: str, confidence: float, method: str) -> Detection:
    return Detection(
        code, language_name(code), script, direction_of(code, script), confidence, method
    )


def _detect_builtin(text: str) -> Detection:
    sample = text[:_SAMPLE_CHARS]
    script = dominant_script(sample)
    if script in SCRIPT_LANGUAGES:
        return _result(SCRIPT_LANGUAGES[script][0], script, 0.9, "builtin")
    letters = set(sample)
    if script == "Arabic" and len(letters & _PERSIAN) >= 3:
        return _result("ur" if len(letters & _URDU) >= 2 else "fa", script, 0.7, "builtin")
    if script == "Cyrillic":
        return _result("uk" if letters & _UKRAINIAN else "ru", script, 0.6, "builtin")
    words = [w.lower() for w in _WORD.findall(sample)]
    scores = {
        lang.code: sum(w in lang.stopwords for w in words)
        for lang in all_languages()
        if lang.script == script
    }
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < _MIN_HITS:
        return _result(UNDETERMINED, script, 0.0, "builtin")
    best, hits = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    # Confident when the best language's frequent words clearly outnumber the next's.
    confidence = round((hits - runner_up) / hits, 2)
    if confidence < 0.25:
        return _result(UNDETERMINED, script, confidence, "builtin")
    return _result(best, script, confidence, "builtin")


@cache
def _lingua_installed() -> bool:
    try:
        import lingua  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def _lingua_detector() -> Any:
    try:
        from lingua import LanguageDetectorBuilder
    except ImportError:
        from briefing.errors import ConfigError

        raise ConfigError(
            "the lingua language detector is not installed; install briefing[lingua] or "
            "set ⟨language_detector⟩ to builtin"
        ) from None
    return LanguageDetectorBuilder.from_all_languages().build()


def _detect_lingua(text: str) -> Detection:
    sample = text[:_SAMPLE_CHARS]
    script = dominant_script(sample)
    values = _lingua_detector().compute_language_confidence_values(sample)
    if not values or values[0].value < 0.2:
        return _result(UNDETERMINED, script, 0.0, "lingua")
    best = values[0]
    code = best.language.iso_code_639_1.name.lower()
    return _result(code, script, round(float(best.value), 2), "lingua")
