"""The offline engine in other languages, and the brief an analyst reads in English."""

from __future__ import annotations

import re
from functools import cache

import pytest

from briefing.budgets import BUDGETS, word_count
from briefing.compare.gold import load_gold, score_against_gold
from briefing.engines.extractive import extract_brief
from briefing.ingest.article import Article, load_article
from briefing.pipeline import GenerateOptions, generate_brief
from briefing.render.formats import render
from briefing.schema import ActorKind, Brief, iter_evidence
from tests.fixtures import DATA, EXAMPLES, LANGUAGE_ARTICLES

HELDOUT = DATA / "heldout"
FULL = [
    "fr-kivane-cholera.txt",
    "es-valdera-inundaciones.txt",
    "pt-serrana-seca.txt",
    "de-morava-erdbeben.txt",
]
PARTIAL = ["ar-wadi-floods.txt"]


@cache
def article(path: str) -> Article:
    return load_article(path)


@cache
def brief(path: str) -> Brief:
    return extract_brief(article(path))


def _lang(name: str) -> str:
    return str(LANGUAGE_ARTICLES / name)


@pytest.mark.parametrize("name", FULL + PARTIAL)
def test_every_quote_is_verbatim_and_every_figure_is_in_the_article(name: str) -> None:
    doc = generate_brief(article(_lang(name)), options=GenerateOptions(engine="extractive"))
    assert doc.grounding is not None and doc.grounding.rate == 1.0
    assert all(f.found for f in doc.grounding.figures)
    assert doc.metadata.language == name[:2] and doc.metadata.brief_language == name[:2]


@pytest.mark.parametrize("name", PARTIAL)
def test_a_language_without_cues_gets_a_partial_brief_that_says_so(name: str) -> None:
    doc = generate_brief(article(_lang(name)), options=GenerateOptions(engine="extractive"))
    assert any(n.startswith("Partial analysis") for n in doc.metadata.notes)
    b = doc.brief
    assert b.gaps == []  # nothing is claimed missing where nothing was looked for
    assert b.situation.summary and b.humanitarian.figures and b.actors
    assert not b.outlook.risks and not b.humanitarian.needs


@pytest.mark.parametrize("name", FULL)
def test_languages_with_cue_words_are_read_with_their_own(name: str) -> None:
    b = brief(_lang(name))
    doc = generate_brief(article(_lang(name)), options=GenerateOptions(engine="extractive"))
    assert not doc.metadata.notes
    assert b.humanitarian.summary and b.outlook.summary and b.outlook.risks
    # Deaths are given, so no gap claims they are not.
    assert not any(
        word in g.lower()
        for g in b.gaps
        for word in ("muert", "morts", "mortos", "toten", "casualt")
    )


def test_french_figures_names_and_kinds() -> None:
    b = brief(_lang("fr-kivane-cholera.txt"))
    values = [f.value for f in b.humanitarian.figures]
    assert "plus de 4 000" in values and "vingt-trois" in values
    assert not any(re.fullmatch(r"0+ .*|\d+ (?:la|quelque)", v) for v in values)
    kinds = {a.name: a.kind for a in b.actors}
    assert kinds["Croix-Rouge"] is ActorKind.NGO
    assert kinds["Programme alimentaire mondial"] is ActorKind.INTERNATIONAL_ORGANISATION
    assert kinds["ministère de la Santé"] is ActorKind.GOVERNMENT
    assert kinds["Jean-Baptiste Mbarga"] is ActorKind.PERSON
    assert not {"Le Programme", "Nos", "La Croix-Rouge", "L'ONU"} & set(kinds)
    roles = {a.name: a.role for a in b.actors}
    assert roles["Aïcha Ben Saïd"] == "coordinatrice de MSF à Boraka"


def test_spanish_figures_and_kinds() -> None:
    b = brief(_lang("es-valdera-inundaciones.txt"))
    assert not any("obligando" in f.counts for f in b.humanitarian.figures)
    kinds = {a.name: a.kind for a in b.actors}
    assert kinds["Defensoría del Pueblo"] is ActorKind.GOVERNMENT
    assert "Organización Panamericana de la Salud" in kinds


def test_portuguese_figures_names_and_kinds() -> None:
    b = brief(_lang("pt-serrana-seca.txt"))
    values = [f.value for f in b.humanitarian.figures]
    assert "12 mil" in values and "mil" not in values  # "12 mil pessoas" is one number
    assert "1,8 milhão" in values
    kinds = {a.name: a.kind for a in b.actors}
    assert kinds["Programa Alimentar Mundial"] is ActorKind.INTERNATIONAL_ORGANISATION
    assert kinds["Ministério da Agricultura"] is ActorKind.GOVERNMENT
    assert kinds["Ana Beatriz Ferreira"] is ActorKind.PERSON
    assert "Matumbe" not in kinds  # "nos arredores de Matumbe": a place
    # "não temos leite" is a need, not a risk ("temos" is no "temem").
    assert not any("leite" in r.description for r in b.outlook.risks)
    held = brief(_lang("pt-rio-claro-cheias.txt"))
    names = {a.name: a.kind for a in held.actors}
    assert names["Fundo das Nações Unidas para a Infância"] is ActorKind.INTERNATIONAL_ORGANISATION
    assert names["Defesa Civil"] is ActorKind.GOVERNMENT
    assert "Rio Claro" not in names  # "no vale do Rio Claro": a place


def test_german_figures_and_kinds() -> None:
    b = brief(_lang("de-morava-erdbeben.txt"))
    counts = {f.value: f.counts for f in b.humanitarian.figures}
    # The injured are not the dead of the clause before ("…ums Leben, mehr als 300 wurden
    # verletzt"), and the counted noun stops at the verb ("12.500 Menschen verbrachten").
    assert counts["mehr als 300"] == "verletzt"
    assert counts["Rund 12.500"] == "Menschen obdachlos"
    assert counts["dreiundzwanzig"] == "Helfer"  # a number written as one word
    held = brief(_lang("de-lindau-hochwasser.txt"))
    kinds = {a.name: a.kind for a in held.actors}
    assert kinds["Landrat Thomas Berger"] is ActorKind.PERSON
    assert kinds["Polizei"] is ActorKind.GOVERNMENT
    assert not {"Viele Keller", "Zwei Brücken"} & set(kinds)  # sentence openers, no names
    # Two capitalised nouns are not taken for a person's name.
    assert all(k is not ActorKind.PERSON for n, k in kinds.items() if "Euro" in n)


def test_arabic_names_from_their_head_words() -> None:
    names = {a.name: a.kind for a in brief(_lang("ar-wadi-floods.txt")).actors}
    assert names["وزارة الصحة"] is ActorKind.GOVERNMENT
    assert names["الهلال الأحمر"] is ActorKind.NGO
    assert "برنامج الأغذية العالمي" in names


# Recall on the hand-written gold: each language's test article and the held-out ones
# (written after the engine was tuned). Floors a little under what was measured.
GOLD_FLOORS = [
    (LANGUAGE_ARTICLES / "fr-kivane-cholera.txt", 0.8, 0.9),
    (LANGUAGE_ARTICLES / "es-valdera-inundaciones.txt", 0.8, 0.8),
    (LANGUAGE_ARTICLES / "pt-serrana-seca.txt", 0.8, 0.8),
    (LANGUAGE_ARTICLES / "pt-rio-claro-cheias.txt", 0.8, 0.8),
    (LANGUAGE_ARTICLES / "de-morava-erdbeben.txt", 0.7, 0.75),
    (LANGUAGE_ARTICLES / "de-lindau-hochwasser.txt", 0.75, 0.8),
    (LANGUAGE_ARTICLES / "ar-wadi-floods.txt", 0.75, 0.8),
    (HELDOUT / "fr-lacustre-secheresse.txt", 0.8, 0.75),
    (HELDOUT / "es-montecal-protestas.txt", 0.65, 0.75),
    (HELDOUT / "en-harrow-cyclone.txt", 0.65, 0.75),
]


@pytest.mark.parametrize(("path", "actors", "figures"), GOLD_FLOORS)
def test_gold_recall_per_language(path: object, actors: float, figures: float) -> None:
    p = str(path)
    folder = LANGUAGE_ARTICLES if "languages" in p else HELDOUT
    name = p.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    scores = score_against_gold(brief(p), load_gold(folder / "gold" / f"{name}.gold.json"))
    assert (scores.actor_recall or 0) >= actors
    assert (scores.figure_recall or 0) >= figures


# --- English: a brief worth reading --------------------------------------------------------


def _example(name: str) -> str:
    return str(EXAMPLES / name)


ENGLISH = [
    "aleppo-offensive.txt",
    "kessara-floods-wire.txt",
    "tarsin-ceasefire.html",
    "dalmar-corridor-report.md",
]


@pytest.mark.parametrize("name", ENGLISH)
def test_units_are_never_doubled_on_the_page(name: str) -> None:
    doc = generate_brief(article(_example(name)), options=GenerateOptions(engine="extractive"))
    page = render(doc, "md").decode("utf-8")
    assert not re.search(r"\b(\w+)\*\* \1\b", page), "a figure's unit repeats its noun"
    assert not re.search(r"\b(people|residents|families) \1\b", page)
    assert "““" not in page and "””" not in page


@pytest.mark.parametrize("name", ENGLISH)
def test_roles_are_phrases_and_bullets_open_where_a_reader_can_start(name: str) -> None:
    b = brief(_example(name))
    for a in b.actors:
        assert word_count(a.role) <= BUDGETS.actor_role_words
        assert a.role != a.evidence[0] or "," not in a.role or a.role[0].isupper()
    for d in b.situation.key_developments:
        assert d.what[0].isupper() or d.what[0] in '"“‘', d.what
    for c in b.outlook.indicators:
        assert c.text[0].isupper() or c.text.lower().startswith("whether"), c.text


def test_aleppo_states_through_demonyms_and_backed_groups() -> None:
    b = brief(_example("aleppo-offensive.txt"))
    kinds = {a.name: a.kind for a in b.actors}
    assert kinds["Russia"] is ActorKind.FOREIGN_STATE and kinds["Iran"] is ActorKind.FOREIGN_STATE
    assert kinds["Turkish-backed Syrian rebels"] is ActorKind.ARMED_GROUP
    roles = {a.name: a.role for a in b.actors}
    assert roles["Abu Mohammad al-Jolani"] == "carries a $10 million U.S. bounty"
    assert roles["Iran"] == "Iran’s foreign minister, Abbas Araghchi"
    # The bounty is money, not a humanitarian figure; the vague amount keeps its "of".
    assert [f.value for f in b.humanitarian.figures] == ["Thousands of"]
    # A travel plan is no risk.
    assert not any("is expected in Damascus" in r.description for r in b.outlook.risks)


def test_people_introduced_by_apposition_or_a_title() -> None:
    tarsin = {a.name: a.role for a in brief(_example("tarsin-ceasefire.html")).actors}
    assert tarsin["Oren Valdas"] == "Tarsin’s prime minister"
    assert tarsin["Elena Sorvik"] == "a senior analyst at the Arden Institute for Peace"
    kessara = {a.name: a.role for a in brief(_example("kessara-floods-wire.txt")).actors}
    assert kessara["Tomas Reyl"] == "VDMA spokesperson"


def test_english_gold_goals_hold() -> None:
    scores = [
        score_against_gold(
            brief(_example(n)), load_gold(EXAMPLES / "gold" / f"{n.rsplit('.', 1)[0]}.gold.json")
        )
        for n in ENGLISH
    ]
    mean = {
        k: sum(getattr(s, k) for s in scores) / len(scores)
        for k in ("actor_recall", "figure_recall", "key_fact_recall")
    }
    assert mean["actor_recall"] >= 0.8
    assert mean["figure_recall"] >= 0.75
    assert mean["key_fact_recall"] >= 0.72


def test_every_quote_is_in_its_article() -> None:
    for name in ENGLISH:
        text = article(_example(name)).text
        assert all(q in text for _, qs in iter_evidence(brief(_example(name))) for q in qs)


def test_the_partial_notice_is_on_the_page() -> None:
    doc = generate_brief(
        article(_lang("ar-wadi-floods.txt")), options=GenerateOptions(engine="extractive")
    )
    assert "**Note:** Partial analysis: the offline engine has no cue words for Arabic" in (
        render(doc, "md").decode("utf-8")
    )
    # On a right-to-left page the English notice keeps its own language and direction.
    html = render(doc, "html").decode("utf-8")
    assert '<p class="notice" lang="en" dir="ltr">Partial analysis' in html
