"""Near-misses of small models repaired in code, against the real brief schema."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from briefing.model.salvage import keep_valid_parts, salvage
from briefing.schema import Brief, brief_json_schema
from briefing.testing import minimal_brief_json

SCHEMA = brief_json_schema()
QUOTE = "Rebels seized the town of Halvi on Tuesday."


def actor(**fields: Any) -> dict[str, Any]:
    base = {
        "name": "Northern Front",
        "kind": "armed_group",
        "role": "Holds the town.",
        "aliases": [],
        "evidence": [QUOTE],
    }
    return base | fields


def brief_with(**changes: Any) -> dict[str, Any]:
    data = minimal_brief_json(QUOTE)
    data.update(copy.deepcopy(changes))
    return data


def fixed(data: dict[str, Any]) -> tuple[Brief, list[str]]:
    repaired = salvage(data, SCHEMA)
    return Brief.model_validate(repaired.data), repaired.fixes


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("NGO", "ngo"),
        ("Armed Group", "armed_group"),
        ("armed-group", "armed_group"),
        ("international organization", "international_organisation"),
        ("Foreign State", "foreign_state"),
        ("governmental official", "other"),  # no close value: other, said so
    ],
)
def test_actor_kinds_are_matched_by_letters_then_spelling(written: str, read: str) -> None:
    brief, fixes = fixed(brief_with(actors=[actor(kind=written)]))
    assert brief.actors[0].kind == read
    assert fixes and fixes[0].startswith("actors[0].kind: ")


def test_a_likelihood_in_another_case_is_read_and_an_invented_one_cleared() -> None:
    risk = {"description": "More fighting.", "timeframe": None, "evidence": [QUOTE]}
    outlook = {
        "summary": "s",
        "evidence": [QUOTE],
        "indicators": [],
        "risks": [risk | {"likelihood": "Medium"}, risk | {"likelihood": "likely"}],
    }
    brief, fixes = fixed(brief_with(outlook=outlook))
    assert [r.likelihood for r in brief.outlook.risks] == ["medium", None]
    assert "outlook.risks[1].likelihood: 'likely' is not a known value; cleared to null" in fixes


def test_unknown_fields_are_dropped_and_missing_lists_or_nulls_filled() -> None:
    one = actor(confidence="high")
    del one["aliases"]
    brief, fixes = fixed(brief_with(actors=[one], extra_section={"x": 1}))
    assert brief.actors[0].aliases == []
    assert "(root): dropped the unknown field 'extra_section'" in fixes
    assert "actors[0]: dropped the unknown field 'confidence'" in fixes
    assert "actors[0].aliases: missing; set to []" in fixes


def test_objects_strings_and_lists_in_each_others_places() -> None:
    data = brief_with(
        gaps=[{"question": "How many people are displaced?"}, "Who shelled the market?"],
        actors=[actor(evidence=QUOTE, aliases=None)],
    )
    brief, fixes = fixed(data)
    assert brief.gaps == ["How many people are displaced?", "Who shelled the market?"]
    assert brief.actors[0].evidence == [QUOTE] and brief.actors[0].aliases == []
    assert any("one-field object" in f for f in fixes)
    assert any("wrapped in a list" in f for f in fixes)
    assert any("null read as an empty list" in f for f in fixes)


def test_a_valid_answer_is_left_alone() -> None:
    data = brief_with(actors=[actor()])
    repaired = salvage(data, SCHEMA)
    assert repaired.data == data and repaired.fixes == []


def test_what_code_cannot_fix_is_left_for_the_model() -> None:
    data = brief_with(actors=[actor(role={"a": "one", "b": "two"})])
    repaired = salvage(data, SCHEMA)
    with pytest.raises(ValueError):
        Brief.model_validate(repaired.data)


def test_keep_valid_parts_drops_broken_items_and_keeps_the_rest() -> None:
    data = brief_with(actors=[actor(), actor(name="Broken", role={"a": 1, "b": 2}), actor()])
    kept, dropped = keep_valid_parts(data, Brief)
    assert kept is not None and len(kept.actors) == 2
    assert dropped == ["actors[1]"]
    assert data["actors"][1]["name"] == "Broken"  # the caller's data is not changed


def test_keep_valid_parts_empties_a_broken_field_outside_lists() -> None:
    data = brief_with()
    data["situation"]["headline"] = {"a": 1, "b": 2}
    kept, dropped = keep_valid_parts(data, Brief)
    assert kept is not None and kept.situation.headline == "" and kept.situation.summary == "s"
    assert dropped == ["situation.headline"]


def test_nothing_with_content_left_is_no_brief() -> None:
    empty = {
        "situation": {"headline": 5, "summary": [1, 2], "evidence": [], "key_developments": []},
        "actors": [],
        "humanitarian": {
            "summary": "",
            "evidence": [],
            "figures": [],
            "needs": [],
            "access_constraints": [],
        },
        "outlook": {"summary": "", "evidence": [], "risks": [], "indicators": []},
        "gaps": [],
    }
    kept, dropped = keep_valid_parts(empty, Brief)
    assert kept is None and "situation.headline" in dropped
