"""Scripted answers of the stub OpenAI-compatible server, and the requests it records.

Each `Reply` is one answer in OpenAI's shape (a chat completion, an error, a hang, a
dropped connection...); `stream_events` cuts a completion into streamed chunks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

STUB_MODEL = "stub-model"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: Any  # parsed JSON, or the raw text when it is not JSON


@dataclass(frozen=True)
class Reply:
    """One scripted answer. Build them with the class methods below."""

    status: int = 200
    body: Any = None  # dict/list -> JSON; str/bytes -> sent as is
    headers: Mapping[str, str] = field(default_factory=dict)
    latency_s: float = 0.0  # wait before answering (added to the server's latency_s)
    hang_s: float | None = None  # answer nothing for this long (inf: until stop), then close
    drop: bool = False  # close the connection without sending any response

    @classmethod
    def chat(
        cls,
        content: str | None,
        *,
        finish_reason: str = "stop",
        refusal: str | None = None,
        prompt_tokens: int | None = 10,
        completion_tokens: int | None = 5,
        model: str = STUB_MODEL,
        latency_s: float = 0.0,
    ) -> Reply:
        """A chat completion; `prompt_tokens=None` leaves out the usage block."""
        body: dict[str, Any] = {
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": refusal},
                    "finish_reason": finish_reason,
                    "logprobs": None,
                }
            ],
        }
        if prompt_tokens is not None:
            completion = completion_tokens or 0
            body["usage"] = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion,
                "total_tokens": prompt_tokens + completion,
            }
        return cls(body=body, latency_s=latency_s)

    @classmethod
    def json(cls, value: Any, **kwargs: Any) -> Reply:
        """A chat completion whose content is `value` serialised as JSON."""
        return cls.chat(json.dumps(value), **kwargs)

    @classmethod
    def refusal(cls, words: str) -> Reply:
        return cls.chat(None, refusal=words)

    @classmethod
    def no_choices(cls) -> Reply:
        reply = cls.chat(None)
        return cls(body={**reply.body, "choices": []})

    @classmethod
    def error(
        cls,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """An error in OpenAI's shape: {"error": {"message", "type", "param", "code"}}."""
        body = {"error": {"message": message, "type": type, "param": param, "code": code}}
        return cls(status=status, body=body, headers=dict(headers or {}))

    @classmethod
    def rate_limited(cls, retry_after_s: float = 0.001) -> Reply:
        """429 with Retry-After (whole seconds) and retry-after-ms (which the SDK prefers)."""
        return cls.error(
            429,
            "Rate limit reached for requests",
            type="requests",
            code="rate_limit_exceeded",
            headers=_retry_headers(retry_after_s),
        )

    @classmethod
    def server_error(cls, status: int = 500, retry_after_s: float | None = 0.001) -> Reply:
        """A 5xx. The default retry-after-ms keeps SDK retries fast; None sends no header."""
        headers = _retry_headers(retry_after_s) if retry_after_s is not None else {}
        return cls.error(status, "The server had an error", type="server_error", headers=headers)

    @classmethod
    def json_schema_rejected(cls, status: int = 500) -> Reply:
        """What llama.cpp's server answers to response_format type json_schema."""
        message = (
            'response_format type must be one of "text" or "json_object", but got: json_schema'
        )
        return cls(
            status=status,
            body={"error": {"code": status, "message": message, "type": "server_error"}},
        )

    @classmethod
    def schema_key_rejected(cls, status: int = 400) -> Reply:
        """What a strict server answers to a `schema` key beside JSON mode."""
        message = "response_format.schema: Extra inputs are not permitted"
        return cls(
            status=status,
            body={"error": {"code": status, "message": message, "type": "invalid_request_error"}},
        )

    @classmethod
    def hang(cls, seconds: float = float("inf")) -> Reply:
        """Send nothing (beyond the client's timeout), then close; ends early on stop()."""
        return cls(hang_s=seconds)

    @classmethod
    def dropped(cls) -> Reply:
        return cls(drop=True)


Responder = Callable[[RecordedRequest], Reply]
Scripted = Reply | Responder


def _retry_headers(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(int(-(-seconds // 1))), "retry-after-ms": str(int(seconds * 1000))}


STREAM_PIECE_CHARS = 4


def stream_events(completion: dict[str, Any], *, include_usage: bool) -> Iterator[dict[str, Any]]:
    """A chat completion cut into `chat.completion.chunk` events, as servers stream them."""
    base = {k: completion.get(k) for k in ("id", "created", "model")}
    base["object"] = "chat.completion.chunk"
    choice = (completion.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    content = message.get("content") or ""
    yield {**base, "choices": [{"index": 0, "delta": {"role": "assistant"}}]}
    for start in range(0, len(content), STREAM_PIECE_CHARS):
        piece = content[start : start + STREAM_PIECE_CHARS]
        yield {**base, "choices": [{"index": 0, "delta": {"content": piece}}]}
    if message.get("refusal"):
        yield {**base, "choices": [{"index": 0, "delta": {"refusal": message["refusal"]}}]}
    finish = choice.get("finish_reason")
    yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
    if include_usage and completion.get("usage"):
        yield {**base, "choices": [], "usage": completion["usage"]}
