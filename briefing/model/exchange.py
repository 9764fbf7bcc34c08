"""The plain data that crosses the model boundary: one request, one response.

A `ModelRequest` is the *semantic* request: what the model is asked, independent of
endpoint, key, headers or how the server is told about the schema. Cassettes key on
it (`ModelRequest.key`), so a recording replays against any server and survives a
structured-output fallback.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol


@dataclass(frozen=True)
class ModelRequest:
    model: str
    messages: tuple[dict[str, str], ...]  # {"role": ..., "content": ...}
    schema_name: str
    json_schema: dict[str, Any]
    sampling: dict[str, Any] = field(default_factory=dict)  # temperature, top_p, seed...
    max_output_tokens: int = 4096
    # Free-form label for cassettes and progress ("extract chunk 2/5", "repair 1"); not
    # part of the key. `repetition` is (compare --repeat keys each run separately).
    purpose: str = ""
    repetition: int = 0
    # Provenance for cassette staleness checks; not part of the key.
    prompt_version: str | None = None
    prompt_hash: str | None = None  # prompts.rendering_fingerprint of the version

    def canonical(self) -> dict[str, Any]:
        """The request as it is keyed and stored: no key, URL, headers or purpose label."""
        data: dict[str, Any] = {
            "model": self.model,
            "messages": [dict(m) for m in self.messages],
            "response_format": {"name": self.schema_name, "schema": self.json_schema},
            "sampling": dict(sorted(self.sampling.items())),
            "max_output_tokens": self.max_output_tokens,
        }
        if self.repetition:
            data["repetition"] = self.repetition
        return data

    @cached_property
    def key(self) -> str:
        """sha256 of the canonical request (computed once: the cassette, the spending
        meter and the batch layer all ask for it)."""
        canonical = self.canonical()
        # `temperature = 0` and `= 0.0` ask for the same thing: hash numbers as floats.
        canonical["sampling"] = {
            name: float(value) if isinstance(value, int) and not isinstance(value, bool) else value
            for name, value in canonical["sampling"].items()
        }
        blob = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )


@dataclass(frozen=True)
class ModelResponse:
    content: str | None
    finish_reason: str | None
    usage: Usage
    model: str
    refusal: str | None = None
    structured_mode: str = "json_schema"  # how the server was actually asked
    from_cassette: bool = False
    # Who wrote the answer, for replayed ones: the cassette entry's origin, e.g.
    # "recorded from gpt-4o-mini" or "hand-written reference response".
    origin: str | None = None
    # How long the model took to answer (when it was recorded, for replayed answers), so
    # a comparison from cassettes can still report the speed of the model behind them.
    seconds: float | None = None
    # Answered through a provider's Batch API (`briefing batch --via batch-api`): billed
    # at the batch price (`briefing.model.usage.BATCH_PRICE_FACTOR`).
    batch: bool = False

    @property
    def hand_written(self) -> bool:
        return self.origin is not None and "hand-written" in self.origin


class ChatTransport(Protocol):
    """Anything that answers a ModelRequest: the real client, a cassette, a test double."""

    async def complete(self, request: ModelRequest) -> ModelResponse: ...
