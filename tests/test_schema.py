"""The brief schema must be valid for OpenAI strict structured outputs, and exported."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from briefing.resources import data_dir
from briefing.schema import SCHEMA_VERSION, Brief, brief_json_schema, schema_files

FORBIDDEN_KEYWORDS = {"minLength", "maxLength", "pattern", "uniqueItems", "default", "format"}


def _objects(node: Any, path: str = "$") -> list[tuple[str, dict[str, Any]]]:
    """Every object-typed subschema, with its path."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            found.append((path, node))
        for key, value in node.items():
            found += _objects(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _objects(value, f"{path}[{i}]")
    return found


def _keywords(node: Any) -> set[str]:
    if isinstance(node, dict):
        keys = set(node) - {"properties", "$defs"}
        for key, value in node.items():
            if key in ("properties", "$defs"):
                for sub in value.values():
                    keys |= _keywords(sub)
            else:
                keys |= _keywords(value)
        return keys
    if isinstance(node, list):
        return set().union(*(_keywords(v) for v in node)) if node else set()
    return set()


def test_root_is_an_object() -> None:
    assert brief_json_schema()["type"] == "object"


def test_every_object_is_closed_and_requires_every_property() -> None:
    objects = _objects(brief_json_schema())
    # Brief, Situation, Development, Actor, Figure, Claim, HumanitarianImpact, Risk, Outlook
    assert len(objects) == 9
    for path, obj in objects:
        assert obj.get("additionalProperties") is False, path
        assert sorted(obj["required"]) == sorted(obj["properties"]), path


def test_no_keywords_that_strict_mode_rejects() -> None:
    assert not (_keywords(brief_json_schema()) & FORBIDDEN_KEYWORDS)


def test_optional_values_are_nullable_not_defaulted() -> None:
    development = brief_json_schema()["$defs"]["Development"]["properties"]
    assert {"type": "null"} in development["where"]["anyOf"]
    assert "where" in brief_json_schema()["$defs"]["Development"]["required"]


def test_actor_kind_is_a_closed_set() -> None:
    kinds = brief_json_schema()["$defs"]["ActorKind"]["enum"]
    assert {
        "government",
        "armed_group",
        "foreign_state",
        "international_organisation",
        "ngo",
        "person",
        "other",
    } <= set(kinds)


def test_brief_rejects_unknown_fields_and_missing_ones() -> None:
    with pytest.raises(ValidationError):
        Brief.model_validate({"situation": {}, "extra": 1})


def test_exported_schema_files_are_up_to_date() -> None:
    folder = data_dir("schemas")
    for name, text in schema_files().items():
        assert name.endswith(f".v{SCHEMA_VERSION}.json")
        path = folder / name
        assert path.is_file(), f"{path} missing: run `briefing schema --write`"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path} is stale: run `briefing schema --write`"
        )
