"""Page chrome in other languages, from the language data files."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.ingest.article import load_article
from briefing.ingest.chrome import CHROME_RULES, parse_date
from tests.fixtures import LANGUAGE_ARTICLES
from tests.ingest.test_article import _assert_linear, _hang_guard

# (article, lines removed with their reasons, publication date, author)
CASES = [
    (
        "fr-kivane-cholera.txt",
        {
            "Accueil > International > Afrique": "breadcrumb trail",
            "Par Claire Dubois": "byline",
            "Publié le 12 mars 2025 à 14h30": "publication date line",
            "Temps de lecture : 4 min": "reading time",
            "Partager : Facebook Twitter WhatsApp": "share links",
            "3 commentaires": "comment form",
            "Laisser un commentaire": "comment form",
        },
        "2025-03-12",
        "Claire Dubois",
    ),
    (
        "es-valdera-inundaciones.txt",
        {
            "Inicio › Internacional › América Latina": "breadcrumb trail",
            "Publicado el 3 de marzo de 2025": "publication date line",
            "Compartir en Facebook | Twitter | WhatsApp": "share links",
            "Deja un comentario": "comment form",
        },
        "2025-03-03",
        "María José Fernández",
    ),
    (
        "pt-serrana-seca.txt",
        {
            "Início > Mundo > África": "breadcrumb trail",
            "Publicado em 5 de abril de 2025": "publication date line",
            "Leitura: 3 min": "reading time",
            "Compartilhe: Facebook Twitter WhatsApp": "share links",
        },
        "2025-04-05",
        "João Carlos da Silva",
    ),
    (
        "de-morava-erdbeben.txt",
        {
            "Startseite > Politik > Ausland": "breadcrumb trail",
            "Veröffentlicht am 3. März 2025, 14:30 Uhr": "publication date line",
            "Lesezeit: 3 Min.": "reading time",
            "Teilen: Facebook Twitter E-Mail": "share links",
        },
        "2025-03-03",
        "Anna Katharina Müller",
    ),
    (
        "ar-wadi-floods.txt",
        {
            "الرئيسية > أخبار > عربي": "breadcrumb trail",
            "بقلم أحمد المصري": "byline",
            "نشر في 12 مارس 2025": "publication date line",
            "شارك": "share links",
        },
        "2025-03-12",
        "أحمد المصري",
    ),
]


@pytest.mark.parametrize(("name", "removed", "published", "author"), CASES)
def test_chrome_of_each_language_is_removed_with_its_reason(
    name: str, removed: dict[str, str], published: str, author: str
) -> None:
    article = load_article(str(LANGUAGE_ARTICLES / name))
    reasons = {line.text: line.reason for line in article.removed}
    assert {text: reasons.get(text) for text in removed} == removed
    assert (
        reasons[next(t for t in reasons if t.startswith(("Lire", "Leer", "Leia", "Mehr", "اقرأ")))]
        == "related stories"
    )
    assert (article.published, article.author) == (published, author)
    # The article itself stays: nothing but chrome went.
    assert all(len(line.text.split()) <= 12 for line in article.removed)


def test_dates_in_every_language() -> None:
    assert parse_date("12 mars 2025") == "2025-03-12"
    assert parse_date("3 de marzo de 2025") == "2025-03-03"
    assert parse_date("3. März 2025") == "2025-03-03"
    assert parse_date("5 de abril de 2025") == "2025-04-05"
    assert parse_date("12 مارس 2025") == "2025-03-12"
    assert parse_date("06/07/2025") == "2025-07-06"
    assert parse_date("12 Frimaire 2025") is None


def test_a_sentence_that_mentions_sharing_stays(tmp_path: Path) -> None:
    text = (
        "Accord de paix signé\n\nLes deux camps ont accepté de partager le pouvoir jusqu'aux "
        "élections, selon le médiateur.\n\nPartager\n"
    )
    path = tmp_path / "a.txt"
    path.write_text(text, encoding="utf-8")
    article = load_article(str(path))
    assert "partager le pouvoir" in article.text
    assert [line.text for line in article.removed] == ["Partager"]


_NEAR_MISSES = ("Accueil > a", "a › ", "Publié le 12 mars", "Partager : Facebook ", "il y a 3 ")


def test_language_rules_take_linear_time_on_near_miss_lines() -> None:
    with _hang_guard(30):
        for unit in _NEAR_MISSES:
            small, large = unit * 100 + "?", unit * 400 + "?"
            for rule in CHROME_RULES:
                _assert_linear(rule.pattern.match, small, large, f"{rule.reason}: {unit!r}")
