"""The offline extractive engine and the entity finder it uses, on the example articles."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from briefing.article import Article, load_article, make_article
from briefing.budgets import BUDGETS, enforce_budgets, word_count
from briefing.entities import MONTHS, WEEKDAYS, Entity, analyse, find_entities, split_sentences
from briefing.extractive import extract_brief
from briefing.schema import ActorKind, Brief, iter_evidence

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ARTICLES = [
    "aleppo-offensive.txt",
    "kessara-floods-wire.txt",
    "dalmar-corridor-report.md",
    "tarsin-ceasefire.html",
]
NOT_NAMES = {"The", "However", "Meanwhile", "While", "But", "Advertisement", *MONTHS, *WEEKDAYS}


@cache
def article(name: str) -> Article:
    return load_article(str(EXAMPLES / name))


@cache
def brief(name: str) -> Brief:
    return extract_brief(article(name))


def entity(name: str, found: str) -> Entity:
    matches = [e for e in find_entities(article(name).text) if e.name == found]
    assert matches, f"{found!r} not among {[e.name for e in find_entities(article(name).text)]}"
    return matches[0]


def actor_names(b: Brief) -> list[str]:
    return [a.name for a in b.actors]


def figure(b: Brief, number: str) -> tuple[str, str, str | None]:
    found = [
        (f.value, f.counts, f.reported_by) for f in b.humanitarian.figures if number in f.value
    ]
    assert found, f"{number} not among {[f.value for f in b.humanitarian.figures]}"
    return found[0]


# --- Every article: the engine's promises --------------------------------------------------


@pytest.mark.parametrize("name", ARTICLES)
def test_every_quote_is_an_exact_substring_of_the_article(name: str) -> None:
    quotes = [q for _, quotes in iter_evidence(brief(name)) for q in quotes]
    assert quotes
    missing = [q for q in quotes if q not in article(name).text]
    assert not missing


@pytest.mark.parametrize("name", ARTICLES)
def test_brief_validates_and_fits_the_budgets(name: str) -> None:
    b = brief(name)
    assert Brief.model_validate_json(b.model_dump_json()) == b
    trimmed, notes = enforce_budgets(b)
    assert notes == [] and trimmed == b  # nothing to cut: the page holds the whole brief
    assert len(b.actors) <= BUDGETS.actors and len(b.humanitarian.figures) <= BUDGETS.figures
    assert word_count(b.situation.summary) <= BUDGETS.situation_summary_words
    assert all(word_count(a.role) <= BUDGETS.actor_role_words for a in b.actors)
    assert sum(len(q) for _, q in iter_evidence(b)) <= BUDGETS.evidence_total


@pytest.mark.parametrize("name", ARTICLES)
def test_likelihood_is_never_invented(name: str) -> None:
    assert brief(name).outlook.risks
    assert all(r.likelihood is None for r in brief(name).outlook.risks)


@pytest.mark.parametrize("name", ARTICLES)
def test_same_article_same_brief(name: str) -> None:
    again = load_article(str(EXAMPLES / name))
    assert extract_brief(again).model_dump_json() == brief(name).model_dump_json()


@pytest.mark.parametrize("name", ARTICLES)
def test_no_sentence_starters_dates_or_places_as_actors(name: str) -> None:
    names = {n for e in find_entities(article(name).text) for n in (e.name, *e.aliases)}
    assert not names & NOT_NAMES
    assert not names & set(analyse(article(name).text).places)


# --- Aleppo: real news with page chrome ---------------------------------------------------


def test_aleppo_actors() -> None:
    hts = entity("aleppo-offensive.txt", "Hayat Tahrir al-Sham")
    assert hts.aliases == ("HTS",) and hts.kind is ActorKind.ARMED_GROUP
    assert entity("aleppo-offensive.txt", "Jerome Drevon").kind is ActorKind.PERSON
    assert entity("aleppo-offensive.txt", "International Crisis Group").kind is ActorKind.NGO
    assert "Jolani" in entity("aleppo-offensive.txt", "Abu Mohammad al-Jolani").aliases
    assert entity("aleppo-offensive.txt", "Aleppo Today").kind is ActorKind.MEDIA
    actors = {a.name: a for a in brief("aleppo-offensive.txt").actors}
    assert actors["Hayat Tahrir al-Sham"].aliases == ["HTS"]
    assert actors["ActionAid"].kind is ActorKind.NGO
    assert "International Crisis Group" in actors or "Jerome Drevon" in actors
    assert actors["Syrian government"].kind is ActorKind.GOVERNMENT


def test_aleppo_figures_summary_and_gaps() -> None:
    b = brief("aleppo-offensive.txt")
    assert figure(b, "Thousands")[:2] == ("Thousands", "families without shelter")
    assert figure(b, "$10 million")[0] == "$10 million"
    assert next(f.unit for f in b.humanitarian.figures if f.value == "$10 million") == "USD"
    lead = "Islamist rebels, long confined to a mountainous stronghold in Syria, have stormed"
    assert lead in b.situation.summary
    assert "No casualty figures given." in b.gaps


# --- Kessara: a short wire with a dateline ------------------------------------------------


def test_kessara_actors() -> None:
    actors = {a.name: a for a in brief("kessara-floods-wire.txt").actors}
    vdma = actors["Velmar Disaster Management Authority"]
    assert vdma.aliases == ["VDMA"] and vdma.kind is ActorKind.GOVERNMENT
    assert actors["Governor Lidia Marchetti"].kind is ActorKind.PERSON
    assert actors["World Food Programme"].kind is ActorKind.INTERNATIONAL_ORGANISATION
    assert actors["Oranto Red Crescent Society"].kind is ActorKind.NGO


def test_kessara_figures_are_the_human_toll() -> None:
    b = brief("kessara-floods-wire.txt")
    assert figure(b, "23") == ("at least 23", "people killed", "provincial officials")
    assert figure(b, "8,500")[:2] == ("about 8,500", "residents displaced")
    assert figure(b, "41")[1:] == ("people missing", "Velmar Disaster Management Authority")
    assert not any("casualty" in g for g in b.gaps)


def test_kessara_summary_outlook_and_access() -> None:
    b = brief("kessara-floods-wire.txt")
    # The lead sentence, without its "KESSARA, 14 March —" dateline.
    assert b.situation.summary.startswith("Flash floods swept through low-lying districts")
    assert {"through Sunday", "within 48 hours"} & {r.timeframe for r in b.outlook.risks}
    texts = [c.text for c in b.humanitarian.access_constraints]
    assert any("cannot reach" in t for t in texts)


# --- Dalmar: a long Markdown report, many actors and figures --------------------------------


def test_dalmar_entities() -> None:
    assert entity("dalmar-corridor-report.md", "Northern Liberation Front").aliases == ("NLF",)
    assert entity("dalmar-corridor-report.md", "Médecins Sans Frontières").kind is ActorKind.NGO
    vanko = entity("dalmar-corridor-report.md", "General Idris Vanko")
    assert vanko.kind is ActorKind.PERSON and vanko.aliases == ("Vanko",)
    assert entity("dalmar-corridor-report.md", "World Health Organization").aliases == ("WHO",)
    kaldera = entity("dalmar-corridor-report.md", "government of Kaldera")
    assert kaldera.kind is ActorKind.FOREIGN_STATE
    places = analyse(article("dalmar-corridor-report.md").text).places
    assert {"Halvi", "Ostra", "Amun Tal", "Sethra"} <= set(places)


def test_dalmar_brief() -> None:
    b = brief("dalmar-corridor-report.md")
    names = actor_names(b)
    for expected in ("Northern Liberation Front", "General Idris Vanko"):
        assert expected in names
    ocha = next(a for a in b.actors if "OCHA" in (a.name, *a.aliases))
    assert ocha.name == "UN Office for the Coordination of Humanitarian Affairs"
    assert "International Organization for Migration" in names
    assert figure(b, "46,000") == (
        "at least 46,000",
        "people displaced",
        "International Organization for Migration",
    )
    assert "whether the permit backlog for convoys clears" in [c.text for c in b.outlook.indicators]
    assert "within 30 days" in {r.timeframe for r in b.outlook.risks}


# --- Tarsin: HTML ---------------------------------------------------------------------------


def test_tarsin_parties() -> None:
    kinds = {a.name: a.kind for a in brief("tarsin-ceasefire.html").actors}
    assert kinds["Coastal Federation"] is ActorKind.ARMED_GROUP
    assert kinds["government of Tarsin"] is ActorKind.GOVERNMENT


# --- Any article ----------------------------------------------------------------------------


def test_an_unseen_article_gets_the_same_treatment() -> None:
    text = [
        "Storm cuts power to Norvale",
        "Rivertown, 3 May — A storm struck the coastal town of Norvale on Monday, killing "
        "at least 12 people and leaving about 4,000 families without power, the Coastal "
        "Relief Agency (CRA) said.",
        "The CRA said roads into the town were blocked by fallen trees. Mayor Anya Korsh "
        "said crews could restore power within three days if the weather holds.",
    ]
    a = make_article("storm.txt", text, title=text[0], format="text")
    b = extract_brief(a)
    cra = next(x for x in b.actors if x.name == "Coastal Relief Agency")
    assert cra.aliases == ["CRA"] and cra.kind is ActorKind.NGO
    assert next(x for x in b.actors if x.name == "Mayor Anya Korsh").kind is ActorKind.PERSON
    assert figure(b, "12") == ("at least 12", "people killed", "Coastal Relief Agency")
    assert b.humanitarian.access_constraints
    assert b.outlook.risks[0].timeframe == "within three days"
    assert all(q in a.text for _, quotes in iter_evidence(b) for q in quotes)


@pytest.mark.parametrize(
    "paragraphs",
    [
        [],
        ["Just a title"],
        ["“It will be fine,” she said. “It was not.”"],
        ["BREAKING", "OFFICIALS IN THE CAPITAL SAID 500 PEOPLE WERE KILLED ON MONDAY."],
        ["words without any final punctuation that run on long enough not to be a heading at all"],
        [
            "Storm  hits coast",
            "The storm  struck Norvale on Monday,  killing at least 12 people and\nleaving about "
            "4,000 families   without power for days, the Coastal Relief Agency said in a long "
            "statement.  Officials warned  roads could stay closed for weeks if rain continues.",
        ],
        [" ".join(["aid could reach 1,200 families if the road opens"] * 600)],  # one run-on
    ],
)
def test_odd_articles_still_give_a_valid_brief(paragraphs: list[str]) -> None:
    a = make_article(
        "odd.txt", paragraphs, title=paragraphs[0] if paragraphs else None, format="text"
    )
    b = extract_brief(a)
    assert enforce_budgets(b)[1] == []
    assert all(q and q in a.text for _, quotes in iter_evidence(b) for q in quotes)
    assert all(len(e.name.split()) < 6 for e in find_entities(a.text))  # no shouted sentence


def test_tight_budgets_are_kept() -> None:
    tight = replace(BUDGETS, actors=2, figures=1, claim_words=5, actor_role_words=4, gaps=1)
    b = extract_brief(article("dalmar-corridor-report.md"), tight)
    assert enforce_budgets(b, tight)[1] == []
    assert len(b.actors) == 2 and len(b.humanitarian.figures) == 1
    assert all(
        q in article("dalmar-corridor-report.md").text for _, qs in iter_evidence(b) for q in qs
    )


def test_sentences_keep_abbreviations_and_offsets() -> None:
    text = (
        "Heading line\n\nDr. Ana Lee met U.S. envoys on Jan. 5 in St. Paul. They left. "
        "“Go,” he said."
    )
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Heading line",
        "Dr. Ana Lee met U.S. envoys on Jan. 5 in St. Paul.",
        "They left.",
        "“Go,” he said.",
    ]
    assert sentences[0].heading and not sentences[1].heading
    assert all(text[s.start : s.end] == s.text for s in sentences)
