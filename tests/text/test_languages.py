"""Language data files, language detection, and reading numbers in other languages."""

from __future__ import annotations

import pytest

from briefing.ingest.article import load_article
from briefing.text.detect import detect_language
from briefing.text.language import all_languages, language_data, resolve_language
from briefing.text.numbers import mentions
from tests.fixtures import EXAMPLES, LANGUAGE_ARTICLES


def test_every_language_file_loads_with_its_months_and_stopwords() -> None:
    codes = [lang.code for lang in all_languages()]
    assert {"en", "fr", "es", "pt", "de", "ar"} <= set(codes)
    for lang in all_languages():
        assert len(lang.months) == 12, lang.code
        assert len(lang.stopwords) >= 30, lang.code
        assert lang.direction in ("ltr", "rtl")
    assert language_data("ar") is not None and language_data("ar").direction == "rtl"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("fr-kivane-cholera.txt", "fr"),
        ("es-valdera-inundaciones.txt", "es"),
        ("pt-serrana-seca.txt", "pt"),
        ("de-morava-erdbeben.txt", "de"),
        ("ar-wadi-floods.txt", "ar"),
    ],
)
def test_the_builtin_detector_names_each_test_article_language(name: str, code: str) -> None:
    text = (LANGUAGE_ARTICLES / name).read_text(encoding="utf-8")
    found = detect_language(text, "builtin")
    assert (found.code, found.method) == (code, "builtin")
    assert found.direction == ("rtl" if code == "ar" else "ltr")


def test_the_builtin_detector_reads_english_examples_and_says_when_it_cannot_tell() -> None:
    for path in EXAMPLES.glob("*.txt"):
        assert detect_language(path.read_text(encoding="utf-8"), "builtin").code == "en"
    assert detect_language("Zorblax quintar", "builtin").code == "und"
    assert detect_language("東京で地震があり、多くの人が避難した。", "builtin").code == "ja"
    assert detect_language("В городе прошли сильные дожди и наводнения.", "builtin").code == "ru"


def test_articles_record_their_language() -> None:
    article = load_article(str(LANGUAGE_ARTICLES / "fr-kivane-cholera.txt"))
    assert article.language == "fr"
    assert article.detected is not None and article.detected.name == "French"


def test_brief_languages_resolve_from_codes_and_names() -> None:
    assert resolve_language("fr") == ("fr", "French")
    assert resolve_language("Español") == ("es", "Spanish")
    assert resolve_language("English") == ("en", "English")
    assert resolve_language("Italian") == ("it", "Italian")
    assert resolve_language("Klingon") == ("klingon", "Klingon")


def _read(text: str, language: str | None) -> list[tuple[str, float | str]]:
    # A lone "un", like "one", is kept but marked (bare_one): it is rarely a figure.
    return [(text[m.start : m.end], m.key) for m in mentions(text, language) if not m.bare_one]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("plus de 4 000 habitants", "fr", [("4 000", 4000.0)]),
        ("4\u202f000 habitants", "fr", [("4\u202f000", 4000.0)]),
        ("un taux de 5,6 %", "fr", [("5,6 %", 5.6)]),
        ("vingt-trois morts", "fr", [("vingt-trois", 23.0)]),
        ("quatre-vingt-dix-sept blessés", "fr", [("quatre-vingt-dix-sept", 97.0)]),
        ("deux cent trente mille", "fr", [("deux cent trente mille", 230_000.0)]),
        ("2,5 millions de dollars", "fr", [("2,5 millions", 2_500_000.0)]),
        ("des milliers de déplacés", "fr", [("des milliers", "thousands")]),
        ("unas 1.200 familias", "es", [("1.200", 1200.0)]),
        ("treinta y dos heridos", "es", [("treinta y dos", 32.0)]),
        ("3,5 millones", "es", [("3,5 millones", 3_500_000.0)]),
        ("70 por cento", "pt", [("70 por cento", 70.0)]),
        ("12 mil pessoas", "pt", [("12 mil", 12_000.0)]),
        ("dreiundzwanzig Helfer", "de", [("dreiundzwanzig", 23.0)]),
        ("12.500 Menschen", "de", [("12.500", 12_500.0)]),
        ("نحو ٤٠٠٠ أسرة", "ar", [("٤٠٠٠", 4000.0)]),
        ("و٢٣ شخصا", "ar", [("٢٣", 23.0)]),
        ("ثلاثة آلاف", "ar", [("ثلاثة آلاف", 3000.0)]),
    ],
)
def test_numbers_in_other_languages(
    text: str, language: str, expected: list[tuple[str, float | str]]
) -> None:
    assert _read(text, language) == expected


def test_a_lone_group_after_a_comma_or_point_matches_either_reading() -> None:
    english, french = mentions("8,500", "en")[0], mentions("8,5", "fr")[0]
    assert (english.key, english.alt) == (8500.0, 8.5)
    assert french.key == 8.5
    assert mentions("8.500", "es")[0].key == 8500.0
    assert english.matches(mentions("8 500", "fr")[0])


def test_gold_figures_are_read_in_the_gold_language() -> None:
    from briefing.compare.gold import figure_recalled

    assert figure_recalled("vingt-trois", ["vingt-trois morts"], "fr")
    assert figure_recalled("4 000", ["4,000"], "fr")
    assert figure_recalled("1.200", ["1,200"], "es")
    assert not figure_recalled("vingt-trois", ["23"], None)


def test_inspect_shows_the_language_and_generate_takes_the_new_flags() -> None:
    from typer.testing import CliRunner

    from briefing.cli.app import app

    runner = CliRunner()
    result = runner.invoke(app, ["inspect", str(LANGUAGE_ARTICLES / "es-valdera-inundaciones.txt")])
    assert result.exit_code == 0, result.output
    assert "Language: Spanish (es), Latin script, ltr" in " ".join(result.output.split())
    help_text = " ".join(runner.invoke(app, ["generate", "--help"]).output.split())
    assert "--brief-language" in help_text and "--language-detector" in help_text


def test_lingua_when_installed_agrees_on_the_test_articles() -> None:
    pytest.importorskip("lingua", reason="lingua is the optional extra briefing[lingua]")
    text = (LANGUAGE_ARTICLES / "fr-kivane-cholera.txt").read_text(encoding="utf-8")
    found = detect_language(text, "lingua")
    assert (found.code, found.method) == ("fr", "lingua")
