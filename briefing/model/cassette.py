"""Record and replay model exchanges, keyed by the semantic request.

A cassette is one readable JSON file. Each entry stores the canonical request (for
diffing), the parsed response, finish reason, usage, model, when it was recorded and
its origin ("recorded from gpt-4o-mini", or "hand-written reference response" for
responses written by people). Never the API key, base URL or headers.

Modes: see `briefing.choices.RecordMode`.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from briefing.choices import RecordMode
from briefing.errors import CassetteMissError, ConfigError
from briefing.files import exclusive_lock, parse_json, write_atomically
from briefing.model.exchange import ChatTransport, ModelRequest, ModelResponse, Usage

CASSETTE_FORMAT = "briefing-cassette/1"


@dataclass
class Cassette:
    path: Path
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    # Entries this process recorded: what a save adds to whatever the file holds by then.
    recorded: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, *, must_exist: bool) -> Cassette:
        if not path.exists():
            if must_exist:
                raise CassetteMissError(
                    f"cassette {path} does not exist; record it with ⟨record_mode⟩ once "
                    "(needs a configured model) or check the path",
                    cassette=str(path),
                )
            return cls(path)
        return cls(path, _read_entries(path))

    @property
    def lock_path(self) -> Path:
        """The lock file that serialises saves to this cassette between processes."""
        return self.path.with_name(f".{self.path.name}.lock")

    def get(self, request: ModelRequest) -> ModelResponse | None:
        entry = self.entries.get(request.key)
        if entry is None:
            return None
        self.used.add(request.key)
        return response_from_entry(entry)

    def put(self, request: ModelRequest, response: ModelResponse, origin: str) -> None:
        self.recorded[request.key] = self.entries[request.key] = {
            "key": request.key,
            "purpose": request.purpose,
            "prompt_version": request.prompt_version,
            "prompt_hash": request.prompt_hash,
            "origin": origin,
            "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "request": request.canonical(),
            "response": {
                "content": response.content,
                "refusal": response.refusal,
                "finish_reason": response.finish_reason,
                "model": response.model,
                "structured_mode": response.structured_mode,
                "seconds": response.seconds,
                "usage": {
                    "prompt_tokens": response.usage.prompt_tokens,
                    "completion_tokens": response.usage.completion_tokens,
                },
            },
        }
        if response.batch:  # only then, so entries of direct calls stay as they were
            self.entries[request.key]["response"]["batch"] = True
        self.used.add(request.key)
        self.save()

    def save(self) -> None:
        """Add this process's recordings to the file, atomically, after every new entry
        (so an interrupted run keeps its calls).

        Several processes may record to one cassette at once (parallel `generate` runs, a
        compare and a generate): under an exclusive lock each save re-reads the file, adds
        its own entries to what others saved meanwhile, and replaces the file, so N
        writers keep N entries. `briefing.files.exclusive_lock` says what holds elsewhere.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(self.lock_path):
            on_disk = _read_entries(self.path) if self.path.exists() else {}
            self.entries = {**self.entries, **on_disk, **self.recorded}
            body = {"format": CASSETTE_FORMAT, "entries": list(self.entries.values())}
            text = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
            write_atomically(self.path, text.encode("utf-8"))

    def unused(self) -> list[dict[str, Any]]:
        return [entry for key, entry in self.entries.items() if key not in self.used]

    def miss_message(self, request: ModelRequest) -> str:
        label = request.purpose or "request"
        nearest = self._nearest(request)
        where = f"cassette {self.path}"
        how = "record it with ⟨record_mode⟩ once (needs a configured model)"
        if nearest is None:
            return (
                f"{where} has no response for {label} (key {request.key[:12]}); it is empty; {how}"
            )
        diff = _short_diff(nearest["request"], request.canonical())
        return (
            f"{where} has no response for {label} (key {request.key[:12]}); nearest recorded "
            f"entry {nearest['key'][:12]} ({nearest.get('purpose') or 'request'}) differs: "
            f"{diff}; {how}"
        )

    def _nearest(self, request: ModelRequest) -> dict[str, Any] | None:
        if not self.entries:
            return None
        wanted = _lines(request.canonical())

        def similarity(entry: dict[str, Any]) -> float:
            return difflib.SequenceMatcher(None, _lines(entry["request"]), wanted).ratio()

        return max(self.entries.values(), key=similarity)


def _read_entries(path: Path) -> dict[str, dict[str, Any]]:
    """The entries of the cassette file at `path`, by key; ConfigError when it is not one."""
    try:
        data = parse_json(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"it holds a JSON {type(data).__name__}, not a cassette object")
        if data.get("format") != CASSETTE_FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, expected {CASSETTE_FORMAT!r}")
        if not isinstance(data.get("entries"), list):
            raise ValueError("'entries' must be a list")
        entries: dict[str, dict[str, Any]] = {}
        for n, entry in enumerate(data["entries"], 1):
            if problem := _entry_problem(entry):
                raise ValueError(f"entry {n}: {problem}")
            entries[entry["key"]] = entry
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ConfigError(
            f"cassette {path} is unreadable ({reason}); re-record or fix it"
        ) from None
    return entries


def _entry_problem(entry: Any) -> str | None:
    """What makes `entry` unusable as a cassette entry, or None when it is usable."""
    if not isinstance(entry, dict):
        return f"a JSON {type(entry).__name__}, not an object"
    if not isinstance(entry.get("key"), str) or not entry["key"]:
        return "no 'key' string"
    for name in ("request", "response"):
        if not isinstance(entry.get(name), dict):
            return f"no '{name}' object"
    response = entry["response"]
    for name in ("content", "refusal", "finish_reason", "model", "structured_mode"):
        if response.get(name) is not None and not isinstance(response[name], str):
            return f"response.{name} is not a string"
    usage = response.get("usage")
    if usage is not None and not (
        isinstance(usage, dict)
        and all(type(usage.get(k, 0)) is int for k in ("prompt_tokens", "completion_tokens"))
    ):
        return "response.usage must hold whole-number prompt_tokens and completion_tokens"
    for name in ("purpose", "prompt_version", "prompt_hash", "origin", "recorded_at"):
        if entry.get(name) is not None and not isinstance(entry[name], str):
            return f"{name} is not a string"
    return None


def _lines(canonical: dict[str, Any]) -> list[str]:
    return json.dumps(canonical, indent=1, sort_keys=True, ensure_ascii=False).splitlines()


def _short_diff(recorded: dict[str, Any], wanted: dict[str, Any], limit: int = 3) -> str:
    """Where the requests first differ, recorded (-) against requested (+), on one line.

    Messages are long single JSON lines, so each changed pair is shown from a little
    before its first differing character rather than from the line's start.
    """
    removed: list[str] = []
    added: list[str] = []
    for line in difflib.unified_diff(_lines(recorded), _lines(wanted), lineterm="", n=0):
        if line.startswith("-") and not line.startswith("---"):
            removed.append(line[1:].strip())
        elif line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:].strip())
    if not removed and not added:
        return "only in the repetition or ordering"
    shown = []
    for old, new in list(zip(removed, added, strict=False))[:limit]:
        start = max(0, len(_common_prefix(old, new)) - 30)
        shown.append(f"- …{old[start : start + 90]} | + …{new[start : start + 90]}")
    unmatched = abs(len(removed) - len(added))
    if unmatched:
        shown.append(f"{unmatched} line(s) only on one side")
    return " ; ".join(shown)


def _common_prefix(a: str, b: str) -> str:
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return a[:size]


def response_from_entry(entry: dict[str, Any]) -> ModelResponse:
    data = entry["response"]
    usage = data.get("usage") or {}
    return ModelResponse(
        content=data.get("content"),
        finish_reason=data.get("finish_reason"),
        usage=Usage(int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))),
        model=data.get("model", ""),
        refusal=data.get("refusal"),
        structured_mode=data.get("structured_mode", "json_schema"),
        seconds=data.get("seconds"),
        from_cassette=True,
        origin=entry.get("origin"),
        batch=bool(data.get("batch", False)),
    )


class CassetteTransport:
    """A ChatTransport that answers from a cassette and records through `inner`."""

    def __init__(
        self,
        cassette: Cassette,
        mode: RecordMode,
        inner: ChatTransport | None,
        *,
        origin: str | None = None,
    ) -> None:
        self.cassette = cassette
        self.mode = mode
        self.inner = inner
        self.origin = origin

    async def complete(self, request: ModelRequest) -> ModelResponse:
        if self.mode in (RecordMode.REPLAY, RecordMode.ONCE):
            hit = self.cassette.get(request)
            if hit is not None:
                return hit
            if self.mode == RecordMode.REPLAY:
                raise CassetteMissError(
                    self.cassette.miss_message(request),
                    cassette=str(self.cassette.path),
                    key=request.key,
                )
        if self.inner is None:
            raise ConfigError(
                f"cassette {self.cassette.path} has no response for "
                f"{request.purpose or 'a request'} and no model is configured to record it; "
                "set OPENAI_API_KEY or ⟨base_url⟩"
            )
        response = await self.inner.complete(request)
        origin = self.origin or f"recorded from {response.model or request.model}"
        self.cassette.put(request, response, origin)
        return response


def stale_entries(
    cassette: Cassette,
    current_hashes: dict[str, str],
    current_schemas: list[dict[str, Any]] | None = None,
) -> list[tuple[dict[str, Any], str]]:
    """Entries that no current prompt version would request, with the reason: the
    prompt version is gone or changed, or the schema it asked for is no longer one that
    is sent (`current_schemas`: every schema a request may carry, the support check's
    verdicts included)."""
    stale = []
    for entry in cassette.entries.values():
        version = entry.get("prompt_version")
        response_format = entry.get("request", {}).get("response_format")
        recorded_schema = (
            response_format.get("schema") if isinstance(response_format, dict) else None
        )
        if version is not None and version not in current_hashes:
            stale.append((entry, f"prompt version {version} no longer exists"))
        elif version is not None and entry.get("prompt_hash") != current_hashes[version]:
            stale.append(
                (entry, f"prompt {version} or the page budgets changed since this was recorded")
            )
        elif current_schemas is not None and recorded_schema not in current_schemas:
            stale.append((entry, "the brief schema changed since this was recorded"))
    return stale
