"""Gold files: both forms, validation errors, and the matching rules behind the scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefing.compare.gold import (
    GoldActor,
    GoldFacts,
    GoldFigure,
    actor_keys,
    fact_recalled,
    figure_recalled,
    gold_path,
    load_gold,
    names_match,
    pair_actors,
    score_against_gold,
)
from briefing.errors import BriefValidationError
from briefing.schema import BriefDocument, Figure
from tests.fixtures import EXAMPLES, actor, tiny_brief


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


FACTS = {
    "label": "hand-written reference (not model output)",
    "article": "tiny.txt",
    "actors": [{"name": "Médecins Sans Frontières", "aliases": ["MSF"]}],
    "figures": [{"value": "8,500", "counts": "people displaced"}],
    "key_facts": ["8,500 people fled"],
}


def test_load_expected_facts_form(tmp_path: Path) -> None:
    gold = load_gold(write(tmp_path / "tiny.gold.json", FACTS))
    assert gold.actors == [GoldActor(name="Médecins Sans Frontières", aliases=["MSF"])]
    assert gold.figures == [GoldFigure(value="8,500", counts="people displaced")]
    assert gold.key_facts == ["8,500 people fled"]


def test_load_full_document_form(tmp_path: Path) -> None:
    data = json.loads((EXAMPLES / "aleppo-offensive.brief.json").read_text(encoding="utf-8"))
    gold = load_gold(write(tmp_path / "aleppo-offensive.gold.json", data))
    doc = BriefDocument.model_validate(data)
    assert [a.name for a in gold.actors] == [a.name for a in doc.brief.actors]
    assert [a.aliases for a in gold.actors] == [a.aliases for a in doc.brief.actors]
    assert [f.value for f in gold.figures] == [f.value for f in doc.brief.humanitarian.figures]
    assert gold.key_facts == []
    assert "hand-written" in gold.label


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**FACTS, "actors": [{"name": "MSF", "alias": ["x"]}]}, "actors.0.alias"),
        ({**FACTS, "figures": [{"counts": "people"}]}, "figures.0.value"),
        ({**FACTS, "extra": 1}, "extra"),
        ({k: v for k, v in FACTS.items() if k != "label"}, "label"),
        ({"metadata": {}, "brief": {}, "schema_version": "1"}, "metadata.engine"),
    ],
)
def test_invalid_gold_names_file_and_field(tmp_path: Path, data: object, field: str) -> None:
    path = write(tmp_path / "bad.gold.json", data)
    with pytest.raises(BriefValidationError) as info:
        load_gold(path)
    assert str(path) in str(info.value)
    assert field in str(info.value)


def test_gold_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.gold.json"
    path.write_text('{"label": ', encoding="utf-8")
    with pytest.raises(BriefValidationError, match="broken.gold.json.*not valid JSON"):
        load_gold(path)


def test_gold_path_uses_the_article_stem(tmp_path: Path) -> None:
    assert gold_path(tmp_path, Path("x/kessara-floods-wire.txt")) == (
        tmp_path / "kessara-floods-wire.gold.json"
    )


def test_shipped_gold_files_validate_and_match_their_articles() -> None:
    files = sorted((EXAMPLES / "gold").glob("*.gold.json"))
    assert {f.name.removesuffix(".gold.json") for f in files} == {
        "aleppo-offensive",
        "kessara-floods-wire",
        "dalmar-corridor-report",
        "tarsin-ceasefire",
    }
    for path in files:
        gold = load_gold(path)
        assert "hand-written" in gold.label
        assert (EXAMPLES / gold.article).is_file()
        assert Path(gold.article).stem == path.name.removesuffix(".gold.json")


@pytest.mark.parametrize(
    ("brief_name", "brief_aliases", "gold_name", "gold_aliases", "expected"),
    [
        ("Medecins Sans Frontieres", [], "Médecins Sans Frontières", ["MSF"], True),
        ("Doctors' group", ["msf"], "Médecins Sans Frontières", ["MSF"], True),
        ("Oranto Red Crescent Society", [], "Red Crescent", [], True),  # gold inside brief
        ("The World Food Programme", [], "World Food Programme", ["WFP"], True),
        ("WFP", [], "World Food Programme", ["WFP"], True),  # name = listed acronym
        ("Abu Mohammad al-Jolani", ["Jolani"], "Jolani", [], True),  # name = listed alias
        ("Government of President Amara Solen", [], "Government of Oranto", ["Amara Solen"], True),
        # One word is never enough by containment: it must equal a name or alias.
        ("Crescent", [], "Oranto Red Crescent Society", [], False),
        ("Government of Tarsin", ["Tarsin"], "Tarsin Health Ministry", [], False),
        ("President Bashar al-Assad", ["Assad"], "Syrian government", ["Assad's regime"], False),
        ("Jolani", [], "Abu Mohammad al-Jolani", [], False),  # unless listed as an alias
        ("al-Jolani", [], "Abu Mohammad al-Jolani", [], False),  # one word, two tokens
        ("Federation northern command", [], "Coastal Federation", ["Federation"], False),
        ("Red Cres", [], "Oranto Red Crescent Society", [], False),  # not whole words
        ("Velmar Authority", [], "Velmar Disaster Management Authority", [], False),
        ("Kaldera", [], "Government of Tarsin", ["Tarsin"], False),
    ],
)
def test_actor_matching(
    brief_name: str,
    brief_aliases: list[str],
    gold_name: str,
    gold_aliases: list[str],
    expected: bool,
) -> None:
    brief_actor = actor(brief_name, brief_aliases)
    gold_actor = GoldActor(name=gold_name, aliases=gold_aliases)
    assert names_match(actor_keys(brief_actor), actor_keys(gold_actor)) is expected


def test_actors_are_paired_one_to_one() -> None:
    # One brief actor matches two gold actors: it counts for one only, the stronger match
    # (its name equals one gold name, it only contains the other's two-word name).
    brief = tiny_brief(actors=[actor("Red Crescent", ["Oranto Red Crescent"])])
    gold = GoldFacts(
        label="hand-written",
        article="tiny.txt",
        actors=[
            GoldActor(name="Oranto Red Crescent Society"),
            GoldActor(name="Red Crescent"),
        ],
    )
    assert pair_actors(
        [actor_keys(a) for a in gold.actors], [actor_keys(a) for a in brief.actors]
    ) == {1: 0}
    scores = score_against_gold(brief, gold)
    assert scores.actor_recall == pytest.approx(1 / 2)
    assert scores.actor_precision == pytest.approx(1 / 1)
    # Two brief actors for one gold actor: only one of them is precise.
    twice = tiny_brief(actors=[actor("Red Crescent"), actor("Red Crescent", ["ORCS"])])
    scores = score_against_gold(twice, gold)
    assert scores.actor_recall == pytest.approx(2 / 2)  # "Red Crescent" inside the Society
    once = GoldFacts(label="hand-written", article="tiny.txt", actors=[gold.actors[1]])
    assert score_against_gold(twice, once).actor_precision == pytest.approx(1 / 2)


def test_pairing_prefers_the_stronger_match() -> None:
    # Brief 0 equals gold 1 by name and contains gold 0's two-word name; brief 1 contains
    # gold 0 only. Greedy by strength pairs brief 0 with gold 1 first, then brief 1 with
    # gold 0: both gold actors are recalled.
    gold = [actor_keys(GoldActor(name="Red Crescent")), actor_keys(GoldActor(name="ORCS"))]
    brief = [
        actor_keys(actor("ORCS", ["Oranto Red Crescent"])),
        actor_keys(actor("Red Crescent volunteers")),
    ]
    assert pair_actors(gold, brief) == {1: 0, 0: 1}


def test_shipped_gold_pairs_of_the_aleppo_reference() -> None:
    # The reference brief names the Syrian government with the alias "Assad’s regime";
    # the gold lists Bashar al-Assad (alias "Assad") apart. One word in common is not a
    # match, so the person is not recalled through the government.
    doc = BriefDocument.model_validate_json(
        (EXAMPLES / "aleppo-offensive.brief.json").read_text(encoding="utf-8")
    )
    gold = load_gold(EXAMPLES / "gold" / "aleppo-offensive.gold.json")
    pairs = pair_actors(
        [actor_keys(a) for a in gold.actors], [actor_keys(a) for a in doc.brief.actors]
    )
    named = {gold.actors[g].name: doc.brief.actors[b].name for g, b in pairs.items()}
    assert named == {
        "Hayat Tahrir al-Sham": "Hayat Tahrir al-Sham",
        "Syrian government": "Syrian government",
        "Abu Mohammad al-Jolani": "Abu Mohammad al-Jolani",
        "Russia": "Russia",
        "Iran": "Iran",
        "Turkish-backed Syrian rebels": "Turkish-backed Syrian rebels",
    }  # not recalled: Bashar al-Assad, ActionAid
    scores = score_against_gold(doc.brief, gold)
    assert scores.actor_recall == pytest.approx(6 / 8)
    assert scores.actor_precision == pytest.approx(6 / 6)


def test_figure_recall_number_matching() -> None:
    assert figure_recalled("8,500", ["about 8500"])
    assert figure_recalled("8500", ["8,500"])
    assert figure_recalled("23", ["12", "at least 23"])
    assert figure_recalled("$10 million", ["10,000,000 USD"])
    assert figure_recalled("thousands", ["Thousands"])
    assert not figure_recalled("8,500", ["850", "85,000"])
    assert not figure_recalled("between 6,000 and 8,000", ["6,000"])  # every number needed


def test_key_fact_recall_uses_content_words() -> None:
    words = {"8500", "people", "fled", "home", "kessara", "convoy", "stalled"}
    assert fact_recalled("8,500 people fled", words)
    assert fact_recalled("the people of Kessara fled their homes", {*words, "their"})
    assert fact_recalled("convoys stalled", words)  # plural "s" ignored
    assert not fact_recalled("9,000 people fled", words)
    assert not fact_recalled("the of and", words)  # no content words: never recalled


def test_scores_against_gold() -> None:
    brief = tiny_brief(
        actors=[
            actor("Medecins Sans Frontieres"),  # gold 1 via diacritics
            actor("Velmar Disaster Management Authority", ["VDMA"]),  # gold 2 via alias
            actor("Red Cross Society"),  # not in gold
        ],
    )
    brief.humanitarian.figures.append(
        Figure(value="about 8500", unit=None, counts="fled", reported_by=None, evidence=["x"])
    )
    gold = GoldFacts(
        label="hand-written",
        article="tiny.txt",
        actors=[
            GoldActor(name="Médecins Sans Frontières", aliases=["MSF"]),
            GoldActor(name="VDMA"),
            GoldActor(name="Oranto Red Crescent Society", aliases=["Red Crescent"]),
        ],
        figures=[
            GoldFigure(value="8,500", counts="people displaced"),
            GoldFigure(value="23", counts="killed"),
            GoldFigure(value="41", counts="missing"),
        ],
        # The brief says "Floods killed 23 people in Kessara" and "Dam may overflow".
        key_facts=["23 killed in Kessara", "dam overflow", "helicopters requested"],
    )
    scores = score_against_gold(brief, gold)
    assert scores.actor_recall == pytest.approx(2 / 3)
    assert scores.actor_precision == pytest.approx(2 / 3)
    assert scores.figure_recall == pytest.approx(2 / 3)
    assert scores.key_fact_recall == pytest.approx(2 / 3)


def test_empty_gold_parts_score_none() -> None:
    gold = GoldFacts(label="hand-written", article="tiny.txt")
    scores = score_against_gold(tiny_brief(), gold)
    assert scores.values() == {
        "actor_recall": None,
        "actor_precision": None,
        "figure_recall": None,
        "key_fact_recall": None,
    }
