"""Near-misses repaired in code, before any re-ask, and what to keep when nothing else works.

Small models slip in predictable ways: an enum in another case or spelling ("NGO",
"armed group", "Medium"), a field the schema does not have, an object where a string
belongs ({"text": "..."}), a string where a list belongs, null for an empty list. Each is
fixed here by walking the answer beside the JSON Schema it was asked for, and every fix is
reported so the brief can say what code changed. Only what this cannot fix goes back to
the model (`briefing.model.structured`); when even that fails, `keep_valid_parts` keeps
every item that validates and lists the rest, so a long local run never ends with nothing.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from rapidfuzz import fuzz

T = TypeVar("T", bound=BaseModel)

# An enum value written differently ("international organization") still matches when
# its letters are this similar (0-100) to one allowed value, and to no other as closely.
ENUM_SIMILARITY = 88
MAX_SHOWN = 80  # characters of a value quoted in a fix


@dataclass
class Salvage:
    """An answer after code repairs, and what was repaired."""

    data: Any
    fixes: list[str] = field(default_factory=list)


def salvage(data: Any, schema: dict[str, Any]) -> Salvage:
    """`data` with the slips that code can fix fixed, judged against `schema`."""
    walker = _Walker(schema.get("$defs", {}))
    return Salvage(walker.fix(data, schema, ""), walker.fixes)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _letters(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


class _Walker:
    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs
        self.fixes: list[str] = []

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.defs[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def fix(self, value: Any, schema: dict[str, Any], path: str) -> Any:
        schema = self.resolve(schema)
        options = schema.get("anyOf")
        if options is not None:
            if value is None and any(self.resolve(o).get("type") == "null" for o in options):
                return None
            concrete = [o for o in options if self.resolve(o).get("type") != "null"]
            if len(concrete) != 1:
                return value
            target = self.resolve(concrete[0])
            if "enum" in target and isinstance(value, str):
                # An optional choice the model filled with something else (an invented
                # "likely" for a likelihood): null says "not stated", which is the truth.
                return self.enum(value, target["enum"], path, or_none=True)
            return self.fix(value, target, path)
        if "enum" in schema:
            return self.enum(value, schema["enum"], path)
        kind = schema.get("type")
        if kind == "object":
            return self.object(value, schema, path)
        if kind == "array":
            return self.array(value, schema, path)
        if kind == "string":
            return self.string(value, path)
        return value

    def note(self, path: str, what: str) -> None:
        self.fixes.append(f"{path or '(root)'}: {what}")

    def object(self, value: Any, schema: dict[str, Any], path: str) -> Any:
        if not isinstance(value, dict):
            return value
        properties: dict[str, Any] = schema.get("properties", {})
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in properties:
                out[key] = self.fix(item, properties[key], f"{path}.{key}" if path else key)
            elif schema.get("additionalProperties") is False:
                self.note(path, f"dropped the unknown field {key!r}")
            else:
                out[key] = item
        for key in schema.get("required", []):
            if key in out:
                continue
            where = f"{path}.{key}" if path else key
            empty = self.empty(properties.get(key, {}))
            if empty is not _NO_EMPTY:
                out[key] = empty
                self.note(where, f"missing; set to {_shown(empty)}")
        return out

    def empty(self, schema: dict[str, Any]) -> Any:
        """The value a missing field may safely take: null where allowed, an empty list."""
        schema = self.resolve(schema)
        if any(self.resolve(o).get("type") == "null" for o in schema.get("anyOf", [])):
            return None
        if schema.get("type") == "array":
            return []
        return _NO_EMPTY

    def array(self, value: Any, schema: dict[str, Any], path: str) -> Any:
        if value is None:
            self.note(path, "null read as an empty list")
            return []
        if not isinstance(value, list):
            self.note(path, f"{_shown(value)} wrapped in a list")
            value = [value]
        items = schema.get("items", {})
        return [self.fix(item, items, f"{path}[{i}]") for i, item in enumerate(value)]

    def string(self, value: Any, path: str) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            (only,) = value.values()
            if isinstance(only, str):
                self.note(path, f"the one-field object {_shown(value)} read as its text")
                return only
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
            self.note(path, f"the one-item list {_shown(value)} read as its text")
            return value[0]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.note(path, f"the number {value!r} read as text")
            return str(value)
        return value

    def enum(self, value: Any, allowed: list[Any], path: str, *, or_none: bool = False) -> Any:
        if value in allowed or not isinstance(value, str):
            return value
        wanted = _letters(value)
        by_letters = {_letters(str(a)): a for a in allowed}
        match = by_letters.get(wanted)
        if match is None and wanted:
            scored = sorted(
                ((fuzz.ratio(wanted, key), option) for key, option in by_letters.items()),
                key=lambda pair: -pair[0],
            )
            best = scored[0]
            runner_up = scored[1][0] if len(scored) > 1 else 0.0
            if best[0] >= ENUM_SIMILARITY and best[0] > runner_up:
                match = best[1]
        if match is None and "other" in allowed:
            self.note(path, f"{_shown(value)} is not a known value; read as 'other'")
            return "other"
        if match is not None:
            self.note(path, f"{_shown(value)} read as {match!r}")
            return match
        if or_none:
            self.note(path, f"{_shown(value)} is not a known value; cleared to null")
            return None
        return value


_NO_EMPTY = object()


def keep_valid_parts(data: Any, output_type: type[T]) -> tuple[T | None, list[str]]:
    """What still validates of an answer that does not, and the paths left out.

    A list item with an error is dropped; a field outside any list that cannot be kept
    is emptied (an empty text or list, or null). Returns (None, paths) when even that
    does not give a valid value, or when nothing with content is left.
    """
    if not isinstance(data, dict):
        return None, ["(root)"]
    dropped: list[str] = []
    current: Any = copy.deepcopy(data)
    emptied: dict[tuple[Any, ...], int] = {}
    schema = output_type.model_json_schema()
    for _ in range(500):  # each round removes or empties one broken part
        try:
            value = output_type.model_validate(current)
        except ValidationError as exc:
            error = exc.errors()[0]
            loc = tuple(error["loc"])
            in_list = any(isinstance(part, int) for part in loc)  # an item: dropped instead
            if error["type"] == "missing" and not in_list and _fill_missing(current, loc, schema):
                dropped.append(f"{_path(loc)} (missing)")
                continue
            tries = emptied.get(loc, 0)
            removed = _remove(current, loc, tries)
            if removed is None:
                return None, dropped + [_path(loc)]
            if removed not in dropped:
                dropped.append(removed)
            emptied[loc] = tries + 1
            continue
        return (value if _has_content(current) else None), dropped
    return None, dropped


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


# What an unfixable field outside any list is emptied to, tried in turn.
_EMPTIES: tuple[Any, ...] = ("", None, [])


def _remove(data: Any, loc: tuple[Any, ...], tries: int) -> str | None:
    """Drop the innermost list item on `loc`, or empty the field it names (the `tries`-th
    empty value); the path of what went, or None when nothing is left to try."""
    last_index = max((i for i, part in enumerate(loc) if isinstance(part, int)), default=None)
    if last_index is not None:
        container = _follow(data, loc[:last_index])
        index = loc[last_index]
        if isinstance(container, list) and isinstance(index, int) and index < len(container):
            del container[index]
            return _path(loc[: last_index + 1])
    parent = _follow(data, loc[:-1])
    if not loc or not isinstance(parent, dict) or tries >= len(_EMPTIES):
        return None
    parent[loc[-1]] = copy.copy(_EMPTIES[tries])
    return _path(loc)


def _fill_missing(data: Any, loc: tuple[Any, ...], schema: dict[str, Any]) -> bool:
    """Put the emptiest valid value at `loc`, where a required field is missing (a whole
    section of an answer cut short, say); False when the schema has none to offer."""
    parent = _follow(data, loc[:-1])
    walker = _Walker(schema.get("$defs", {}))
    target = _schema_at(walker, schema, loc)
    if not isinstance(parent, dict) or target is None:
        return False
    parent[loc[-1]] = _emptiest(walker, target)
    return True


def _schema_at(walker: _Walker, schema: dict[str, Any], loc: tuple[Any, ...]) -> Any:
    for part in loc:
        schema = walker.resolve(schema)
        if isinstance(part, int):
            schema = schema.get("items", {})
        else:
            schema = schema.get("properties", {}).get(part)
            if schema is None:
                return None
    return walker.resolve(schema)


def _emptiest(walker: _Walker, schema: dict[str, Any]) -> Any:
    schema = walker.resolve(schema)
    if any(walker.resolve(o).get("type") == "null" for o in schema.get("anyOf", [])):
        return None
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {key: _emptiest(walker, properties[key]) for key in schema.get("required", [])}
    if "enum" in schema:
        return "other" if "other" in schema["enum"] else schema["enum"][0]
    return {"array": [], "string": "", "integer": 0, "number": 0, "boolean": False}.get(
        str(kind), None
    )


def _follow(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def _has_content(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, dict):
        return any(_has_content(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_content(v) for v in value)
    return False


def close_truncated_json(text: str) -> Any:
    """The longest complete prefix of an object cut off mid-way (an answer stopped at the
    output limit), closed with the brackets it left open; None when nothing parses.

    Candidates are the ends of complete values (after a closing bracket, a string, a
    number or a literal); each is tried from the end with its open brackets closed and a
    dangling key or comma dropped, so the cost stays a few parses of the text.
    """
    start = text.find("{")
    if start < 0:
        return None
    stack: list[str] = []
    in_string = escaped = False
    cuts: list[tuple[int, str]] = []  # (end of a complete value, closers at that point)
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
                cuts.append((index + 1, "".join(reversed(stack))))
            continue
        if char == '"':
            in_string = True
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
        elif char in "}]":
            if not stack:
                break
            stack.pop()
            cuts.append((index + 1, "".join(reversed(stack))))
            if not stack:
                break
        elif char.isalnum():
            cuts.append((index + 1, "".join(reversed(stack))))
    for end, closers in reversed(cuts[-400:]):
        body = re.sub(r'(,\s*"(?:[^"\\]|\\.)*"\s*:\s*|,\s*)$', "", text[start:end])
        try:
            return json.loads(body + closers)
        except json.JSONDecodeError:
            continue
    return None
