"""The offline extractive engine and the entity finder it uses, on the example articles
and on short unseen articles written for these tests (tests/data/extractive/)."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import pytest

from briefing.budgets import BUDGETS, enforce_budgets, word_count
from briefing.engines.extractive import extract_brief
from briefing.ingest.article import Article, load_article, make_article
from briefing.schema import ActorKind, Brief, iter_evidence
from briefing.text.entities import Entity, analyse, find_entities
from briefing.text.figures import FigureReading, figures_in
from briefing.text.sentences import split_sentences
from tests.fixtures import DATA, EXAMPLES

UNSEEN = DATA / "extractive"
ARTICLES = [
    "aleppo-offensive.txt",
    "kessara-floods-wire.txt",
    "dalmar-corridor-report.md",
    "tarsin-ceasefire.html",
]
# Fiction written for these tests, in shapes the examples lack: a wire with numbers in
# words, a political story with titles and parties, a bullet-list flash update, economics.
NEW_ARTICLES = ["quake-wire.txt", "coalition.txt", "measles-flash.md", "rates.txt"]
# Words that are never actors by themselves, whatever the article: sentence openers, common
# nouns that open sentences, calendar words, bare titles. Written out here, not taken from
# the engine's own word lists, so the test does not check the engine against itself.
NOT_NAMES = set(
    """The However Meanwhile While But Advertisement According Residents Officials Witnesses
    Leaders Members Analysts Aides Families Volunteers Engineers Sources Speaking Last Nobody
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April
    May June July August September October November December Today Commerce""".split()
) | {"Prime Minister", "Foreign Minister", "Interior Minister", "Deputy Prime Minister"}


@cache
def article(name: str) -> Article:
    return load_article(str((UNSEEN if name in NEW_ARTICLES else EXAMPLES) / name))


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


@pytest.mark.parametrize("name", ARTICLES + NEW_ARTICLES)
def test_every_quote_is_an_exact_substring_of_the_article(name: str) -> None:
    quotes = [q for _, quotes in iter_evidence(brief(name)) for q in quotes]
    assert quotes
    missing = [q for q in quotes if q not in article(name).text]
    assert not missing


@pytest.mark.parametrize("name", ARTICLES + NEW_ARTICLES)
def test_brief_validates_and_fits_the_budgets(name: str) -> None:
    b = brief(name)
    assert Brief.model_validate_json(b.model_dump_json()) == b
    trimmed, notes = enforce_budgets(b)
    # The document holds up to twice the page's actors and figures, best first, and every
    # quote of a summary (a summary says what its quotes say): the page cuts only those
    # actors and figures, and quotes past its total, and nothing else.
    assert all(n.startswith(("actors:", "figures:", "evidence:")) for n in notes)
    assert trimmed.actors == b.actors[: BUDGETS.actors]
    assert trimmed.humanitarian.figures == b.humanitarian.figures[: BUDGETS.figures]
    assert trimmed.model_copy(
        update={"actors": b.actors, "humanitarian": b.humanitarian}
    ) == b.model_copy(update={"actors": b.actors, "humanitarian": b.humanitarian})
    assert len(b.actors) <= 2 * BUDGETS.actors
    assert len(b.humanitarian.figures) <= 2 * BUDGETS.figures
    assert word_count(b.situation.summary) <= BUDGETS.situation_summary_words
    assert all(word_count(a.role) <= BUDGETS.actor_role_words for a in b.actors)
    assert sum(len(q) for _, q in iter_evidence(trimmed)) <= BUDGETS.evidence_total


@pytest.mark.parametrize("name", ARTICLES + NEW_ARTICLES)
def test_likelihood_is_never_invented(name: str) -> None:
    assert brief(name).outlook.risks
    assert all(r.likelihood is None for r in brief(name).outlook.risks)


@pytest.mark.parametrize("name", ARTICLES + NEW_ARTICLES)
def test_same_article_same_brief(name: str) -> None:
    again = load_article(article(name).source)
    assert extract_brief(again).model_dump_json() == brief(name).model_dump_json()


@pytest.mark.parametrize("name", ARTICLES + NEW_ARTICLES)
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
    assert figure(b, "Thousands")[:2] == ("Thousands of", "families without shelter")
    # A bounty is money, but not for the crisis: no humanitarian figure.
    assert all("10 million" not in f.value for f in b.humanitarian.figures)
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
    assert all(n.startswith(("actors:", "figures:")) for n in enforce_budgets(b, tight)[1])
    assert len(b.actors) == 4 and len(b.humanitarian.figures) == 2
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


# --- Unseen articles: regressions from a review on articles the engine had not seen ------


def entities_of(name: str) -> dict[str, Entity]:
    return {e.name: e for e in find_entities(article(name).text)}


def readings(name: str) -> list[FigureReading]:
    """Every figure read in the article's body, kept in the brief or not."""
    a = article(name)
    body = [s for s in analyse(a.text).sentences if not s.heading]
    return [r for s in body for r in figures_in(a.text, s, BUDGETS)]


def test_a_common_noun_opening_a_sentence_is_not_part_of_a_name() -> None:
    # "Residents of Pell", "Members of the Tessaly Chamber of Commerce", "Leaders of the
    # Verrin Farmers Association": the opening word is not a name; what follows "of" is.
    said = [
        m.text for a in NEW_ARTICLES for e in find_entities(article(a).text) for m in e.mentions
    ]
    assert not [m for m in said if m.split()[0] in {"Residents", "Members", "Leaders"}]
    assert "Pell" in analyse(article("quake-wire.txt").text).places
    assert "Pell" not in entities_of("quake-wire.txt")
    assert "Verrin Farmers Association" in entities_of("rates.txt")
    assert "Tessaly Chamber of Commerce" in entities_of("coalition.txt")
    text = (
        "Residents of Amsel said the water was rising. Families in Amsel fled to higher "
        "ground. Jana Kell said the dam held. Ministry of Water engineers inspected it."
    )
    found = {e.name: e.kind for e in find_entities(text)}
    assert "Residents of Amsel" not in found and "Amsel" in analyse(text).places
    assert found["Jana Kell"] is ActorKind.PERSON  # a name opening a sentence stays whole
    assert found["Ministry of Water"] is ActorKind.GOVERNMENT  # so does an organisation


def test_organisations_named_x_of_y_stay_whole_and_get_their_kind() -> None:
    rates = entities_of("rates.txt")
    assert rates["Central Bank of Verrin"].kind is ActorKind.GOVERNMENT
    assert rates["Verrin Chamber of Commerce"].kind is not ActorKind.PERSON
    assert rates["Governor Tomas Ekholm"].kind is ActorKind.PERSON
    assert "Verrin Chamber" not in rates
    assert "Commerce" not in analyse(article("rates.txt").text).places
    coalition = entities_of("coalition.txt")
    assert coalition["Green Renewal Party"].kind is ActorKind.OTHER
    assert coalition["Civic Union Party"].kind is ActorKind.OTHER  # not a "Union" of states
    assert coalition["Petra Lind"].kind is ActorKind.PERSON  # "Petra Lind of the ... Party"
    assert coalition["Prime Minister Dana Morel"].aliases == ("Morel",)
    assert "Foreign Minister" not in coalition  # a title alone names no one


def test_x_of_y_splits_only_after_a_person() -> None:
    text = (
        "Officials from the Harbour Board of Trade met on Monday. Senator Ula Penn of Dorsa "
        "said the talks went well. The Harbour Board of Trade said nothing."
    )
    found = {e.name: e.kind for e in find_entities(text)}
    assert "Harbour Board of Trade" in found and "Harbour Board" not in found
    assert found["Senator Ula Penn"] is ActorKind.PERSON
    assert "Dorsa" in analyse(text).places


def test_numbers_in_words_are_figures_and_measures_are_not() -> None:
    b = brief("quake-wire.txt")
    assert figure(b, "thirty-one") == (
        "at least thirty-one",
        "people killed",
        "regional emergency office",
    )
    read = {(r.value, r.counts) for r in readings("quake-wire.txt")}
    assert ("more than two hundred", "wounded") in read
    assert ("two dozen", "schools") in read
    assert ("forty", "tonnes of tents") in read
    assert not [v for v, _ in read if "6.2" in v or v == "two"]  # "magnitude 6.2", "the two"
    assert not any("casualty" in g for g in b.gaps)


def test_rates_and_points_are_not_counted_and_prepositions_are_not_counts() -> None:
    read = readings("rates.txt")
    assert not [r for r in read if "0.25" in r.value]  # "0.25 percentage points"
    lira = next(r for r in read if r.value == "1.2 percent")
    assert lira.unit == "percent" and lira.counts == "The lira fell"
    assert not [r for r in read if r.counts.split()[0] in {"against", "to", "by", "from"}]


def test_blocking_a_deal_is_not_an_access_constraint() -> None:
    assert brief("coalition.txt").humanitarian.access_constraints == []
    quake = [c.text for c in brief("quake-wire.txt").humanitarian.access_constraints]
    assert quake and quake[0].startswith("Landslides blocked the mountain road to Pell")
    flash = [c.text for c in brief("measles-flash.md").humanitarian.access_constraints]
    assert flash == ["The river crossing to Upper Dorran is closed after floods."]


def test_timeframes_are_read_by_a_general_rule() -> None:
    assert {r.timeframe for r in brief("quake-wire.txt").outlook.risks} == {"from mid-October"}


def test_bullet_items_are_body_text_and_their_figures_count() -> None:
    b = brief("measles-flash.md")
    assert figure(b, "19") == ("19", "deaths", None)
    assert figure(b, "640")[:2] == ("640", "suspected cases")
    assert figure(b, "12,000")[:2] == ("12,000", "children in need")
    assert "No casualty figures given." not in b.gaps
    # A whole list item joins the summary as a sentence, not as a clause cut short; the
    # summary says what its quotes say, no more.
    assert b.situation.summary.endswith("district. 640 suspected cases since 10 January.")
    assert len(b.situation.evidence) == 2
    headings = [s.text for s in split_sentences(article("measles-flash.md").text) if s.heading]
    assert {"Key figures", "Needs", "Access"} <= set(headings)


def test_list_items_and_headings_in_plain_text() -> None:
    text = (
        "Relief update for the valley\n\nSpecial report, 9 October\n\nAid reached the valley "
        "on Monday, officials said.\n\n- Trucks reached Amsel\n- Clinics reopened\n\nKey "
        "figures\n\n12 clinics open\n4,000 families served\n\nA front that moved in a week\n\n"
        "The fighting moved east overnight, officials said."
    )
    heading = {s.text: s.heading for s in split_sentences(text)}
    assert heading["Relief update for the valley"] and heading["Special report, 9 October"]
    assert heading["Key figures"] and heading["A front that moved in a week"]
    for item in ("Trucks reached Amsel", "Clinics reopened", "12 clinics open"):
        assert not heading[item], item
    assert not heading["4,000 families served"]
