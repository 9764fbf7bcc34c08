"""Streamed answers: progress while a slow model writes, the same answer at the end."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from briefing.config import Settings
from briefing.model.client import OpenAIChatClient
from briefing.model.exchange import ModelRequest
from briefing.testing import Reply, StubServer

ANSWER = {"name": "Aleppo", "population": None}
SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "population": {"type": ["integer", "null"]}},
    "required": ["name", "population"],
    "additionalProperties": False,
}
REQUEST = ModelRequest(
    model="local-model",
    messages=({"role": "user", "content": "Aleppo is a city."},),
    schema_name="City",
    json_schema=SCHEMA,
    max_output_tokens=100,
    purpose="extract",
)


def complete(stub: StubServer, seen: list[tuple[str, int, float]]) -> Any:
    settings = Settings(base_url=stub.base_url, max_retries=0, env={})

    async def go() -> Any:
        async with OpenAIChatClient(
            settings, on_tokens=lambda *event: seen.append(event)
        ) as client:
            return await client.complete(REQUEST)

    return asyncio.run(go())


def test_a_streamed_answer_reports_progress_and_arrives_whole() -> None:
    seen: list[tuple[str, int, float]] = []
    with StubServer(default=Reply.json(ANSWER, prompt_tokens=40, completion_tokens=12)) as stub:
        response = complete(stub, seen)
        (body,) = stub.chat_bodies
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert json.loads(response.content) == ANSWER and response.finish_reason == "stop"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (40, 12)
    assert len(seen) > 3 and [e[1] for e in seen] == sorted(e[1] for e in seen)
    assert {e[0] for e in seen} == {"extract"}
    assert response.seconds is not None


def test_a_stream_without_usage_counts_the_pieces() -> None:
    seen: list[tuple[str, int, float]] = []
    with StubServer(default=Reply.json(ANSWER), stream_without_usage=True) as stub:
        response = complete(stub, seen)
    pieces = seen[-1][1]
    assert response.usage.completion_tokens == pieces and response.usage.prompt_tokens == 0


def test_a_server_that_rejects_stream_options_is_asked_again_without() -> None:
    seen: list[tuple[str, int, float]] = []

    def answer(request: Any) -> Reply:
        if "stream_options" in request.body:
            return Reply.error(400, "Unrecognized request argument supplied: stream_options")
        return Reply.json(ANSWER)

    with StubServer(default=answer) as stub:
        response = complete(stub, seen)
        bodies = stub.chat_bodies
    assert json.loads(response.content) == ANSWER
    assert ["stream_options" in b for b in bodies] == [True, False]


def test_without_a_progress_callback_nothing_is_streamed() -> None:
    with StubServer(default=Reply.json(ANSWER)) as stub:
        settings = Settings(base_url=stub.base_url, max_retries=0, env={})

        async def go() -> Any:
            async with OpenAIChatClient(settings) as client:
                return await client.complete(REQUEST)

        asyncio.run(go())
        (body,) = stub.chat_bodies
    assert "stream" not in body
