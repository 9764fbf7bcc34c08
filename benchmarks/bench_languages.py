"""Libraries against the built-in rules, on the articles with hand-written gold.

For each concern below, the maintained library (when installed) and the built-in code
are run on the same texts, for quality and speed:

- language identification: built-in (script + frequent words) vs lingua
  (lingua-language-detector): accuracy on every paragraph of every article whose
  language is known (short texts are where detectors differ), time per paragraph and
  the detector's load time;
- sentence splitting: built-in vs pysbd vs syntok: the offline engine's gold scores
  with each splitter in place, and the time to split a 5,000-word article;
- number words: built-in (`briefing.text.numbers`) vs number-parser: share of a
  hand-written list of number phrases (English, French, Spanish, Portuguese, German,
  Arabic) read to the right value.

Run: .venv/bin/python benchmarks/bench_languages.py (libraries that are not installed
are reported as such; `pip install lingua-language-detector pysbd syntok number-parser`).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _util import EXAMPLES, ROOT

from briefing.compare.gold import load_gold, score_against_gold
from briefing.engines.extractive import extract_brief
from briefing.ingest.article import load_article
from briefing.text import entities, sentences
from briefing.text.detect import detect_language
from briefing.text.numbers import mentions
from briefing.text.sentences import Sentence

SETS = (
    (EXAMPLES, EXAMPLES / "gold"),
    (ROOT / "tests/data/languages", ROOT / "tests/data/languages/gold"),
    (ROOT / "tests/data/heldout", ROOT / "tests/data/heldout/gold"),
)

# Number phrases with their values, written by hand for this benchmark.
NUMBER_PHRASES: list[tuple[str, str, float]] = [
    ("en", "twenty-three people", 23),
    ("en", "three hundred and twelve", 312),
    ("en", "two dozen", 24),
    ("en", "forty-five thousand", 45_000),
    ("fr", "vingt-trois morts", 23),
    ("fr", "quatre-vingt-dix-sept blessés", 97),
    ("fr", "deux cent trente mille", 230_000),
    ("fr", "soixante-douze heures", 72),
    ("es", "treinta y dos heridos", 32),
    ("es", "doscientos cincuenta", 250),
    ("es", "tres mil familias", 3_000),
    ("es", "veintitrés muertos", 23),
    ("pt", "vinte e três mortos", 23),
    ("pt", "duzentas famílias", 200),
    ("de", "dreiundzwanzig Helfer", 23),
    ("de", "zweihundert Menschen", 200),
    ("ar", "ثلاثة آلاف", 3_000),
    ("ar", "خمسة وعشرون", 25),
]


def articles() -> Iterator[tuple[Path, Path]]:
    for folder, gold in SETS:
        for path in sorted(folder.iterdir()):
            if path.suffix in (".txt", ".md", ".html") and ".brief" not in path.name:
                yield path, gold / f"{path.stem}.gold.json"


def _installed(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


# --- language identification ---------------------------------------------------------


def bench_language_id() -> dict[str, Any]:
    samples: list[tuple[str, str]] = []
    for path, gold in articles():
        language = json.loads(gold.read_text(encoding="utf-8")).get("language") or "en"
        text = load_article(str(path)).text
        samples += [(p, language) for p in text.split("\n\n") if len(p.split()) >= 4]
    out: dict[str, Any] = {"paragraphs": len(samples)}
    for method in ("builtin", "lingua"):
        if method == "lingua" and not _installed("lingua"):
            out[method] = "not installed"
            continue
        start = time.perf_counter()
        detect_language("warm up the detector", method)
        load = time.perf_counter() - start
        start = time.perf_counter()
        right = sum(detect_language(p, method).code == lang for p, lang in samples)
        per = (time.perf_counter() - start) / len(samples)
        short = [(p, lang) for p, lang in samples if len(p.split()) <= 25]
        short_right = sum(detect_language(p, method).code == lang for p, lang in short)
        out[method] = {
            "accuracy": round(right / len(samples), 3),
            "accuracy_short": round(short_right / max(len(short), 1), 3),
            "short_paragraphs": len(short),
            "ms_per_paragraph": round(per * 1e3, 2),
            "load_seconds": round(load, 3),
        }
    return out


# --- sentence splitting ----------------------------------------------------------------


def _library_splitter(name: str) -> Callable[[str, str | None], list[Sentence]]:
    """A `split_sentences` that keeps the built-in paragraphs and headings and lets the
    library cut each paragraph into sentences (with offsets)."""
    builtin = sentences.split_sentences

    def pieces_pysbd(block: str, language: str | None) -> list[tuple[int, int]]:
        import pysbd

        supported = {"en", "fr", "es", "de", "ar", "it", "nl", "ru", "pl", "fa", "el", "da"}
        seg = pysbd.Segmenter(
            language=language if language in supported else "en", clean=False, char_span=True
        )
        return [(s.start, s.end) for s in seg.segment(block)]

    def pieces_syntok(block: str, language: str | None) -> list[tuple[int, int]]:
        from syntok import segmenter

        out = []
        for paragraph in segmenter.analyze(block):
            for sentence in paragraph:
                tokens = list(sentence)
                start = tokens[0].offset
                end = tokens[-1].offset + len(tokens[-1].value)
                out.append((start, end))
        return out

    cut = pieces_pysbd if name == "pysbd" else pieces_syntok

    def split(text: str, language: str | None = None) -> list[Sentence]:
        out: list[Sentence] = []
        blocks: dict[int, list[Sentence]] = {}
        for s in builtin(text, language):
            blocks.setdefault(s.block, []).append(s)
        for block, found in blocks.items():
            if found[0].heading:
                out += found
                continue
            start, end = found[0].start, found[-1].end
            for a, z in cut(text[start:end], language):
                piece = text[start + a : start + z]
                lead = len(piece) - len(piece.lstrip())
                piece = piece.strip()
                at = start + a + lead
                if piece:
                    out.append(Sentence(piece, at, at + len(piece), block, False))
        return out

    return split


@contextmanager
def splitter(name: str) -> Iterator[None]:
    if name == "builtin":
        yield
        return
    original = entities.split_sentences
    entities.split_sentences = _library_splitter(name)  # type: ignore[assignment]
    try:
        yield
    finally:
        entities.split_sentences = original  # type: ignore[assignment]


def gold_scores() -> dict[str, float]:
    scores: dict[str, list[float]] = {}
    for path, gold in articles():
        article = load_article(str(path))
        result = score_against_gold(extract_brief(article), load_gold(gold))
        for key, value in result.model_dump().items():
            if value is not None:
                scores.setdefault(key, []).append(value)
    return {k: round(statistics.mean(v), 3) for k, v in scores.items()}


def bench_splitting() -> dict[str, Any]:
    from bench_extractive import long_article

    big = long_article()
    out: dict[str, Any] = {}
    for name in ("builtin", "pysbd", "syntok"):
        if name != "builtin" and not _installed(name):
            out[name] = "not installed"
            continue
        with splitter(name):
            split = entities.split_sentences
            start = time.perf_counter()
            split(big.text, "en")
            seconds = time.perf_counter() - start
            out[name] = {"gold": gold_scores(), "split_5000_words_s": round(seconds, 3)}
    return out


# --- number words ----------------------------------------------------------------------


def bench_numbers() -> dict[str, Any]:
    def builtin(language: str, phrase: str) -> float | None:
        found = [m for m in mentions(phrase, language) if isinstance(m.key, float)]
        return found[0].key if found else None

    def number_parser(language: str, phrase: str) -> float | None:
        from number_parser import parse_number

        try:
            value = parse_number(phrase.split()[0] if language == "de" else phrase, language)
        except Exception:  # the library raises on languages it does not know
            return None
        return float(value) if value is not None else None

    out: dict[str, Any] = {}
    for name, read in (("builtin", builtin), ("number-parser", number_parser)):
        if name == "number-parser" and not _installed("number_parser"):
            out[name] = "not installed"
            continue
        right = [lang for lang, phrase, value in NUMBER_PHRASES if read(lang, phrase) == value]
        out[name] = {
            "right": f"{len(right)} of {len(NUMBER_PHRASES)}",
            "by_language": {
                lang: f"{right.count(lang)}/{sum(1 for x in NUMBER_PHRASES if x[0] == lang)}"
                for lang in dict.fromkeys(x[0] for x in NUMBER_PHRASES)
            },
        }
    return out


def main() -> None:
    report = {
        "language_id": bench_language_id(),
        "sentence_splitting": bench_splitting(),
        "number_words": bench_numbers(),
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
