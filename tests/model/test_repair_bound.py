"""A re-ask after an invalid answer stays small, however large the bad answer was."""

from __future__ import annotations

import asyncio

from pydantic import BaseModel

from briefing.model.exchange import ModelRequest, ModelResponse, Usage
from briefing.model.structured import ECHO_HEAD_CHARS, ECHO_TAIL_CHARS, structured_call


class City(BaseModel):
    name: str


class _Scripted:
    """A ChatTransport answering from a list, recording every request."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.requests: list[ModelRequest] = []

    async def complete(self, request: ModelRequest) -> ModelResponse:
        self.requests.append(request)
        return ModelResponse(
            content=self.answers.pop(0), finish_reason="stop", usage=Usage(1, 1), model="m"
        )


REQUEST = ModelRequest(
    model="m",
    messages=({"role": "user", "content": "Name a city."},),
    schema_name="City",
    json_schema=City.model_json_schema(),
    max_output_tokens=50,
)


def _size(request: ModelRequest) -> int:
    return sum(len(m["content"]) for m in request.messages)


def test_a_ten_megabyte_bad_answer_makes_a_small_repair_request() -> None:
    runaway = '{"name": "' + "Aleppo " * 1_500_000  # 10.5 MB, never closed
    transport = _Scripted(runaway, '{"name": "Aleppo"}')
    result = asyncio.run(structured_call(transport, REQUEST, City, max_repairs=1))
    assert result.value.name == "Aleppo"
    original, repair = transport.requests
    assert _size(repair) - _size(original) < ECHO_HEAD_CHARS + ECHO_TAIL_CHARS + 2_000
    echoed = repair.messages[-2]["content"]
    assert echoed.startswith(runaway[:100]) and echoed.endswith(runaway[-100:])
    assert f"[... {len(runaway) - ECHO_HEAD_CHARS - ECHO_TAIL_CHARS:,} characters" in echoed


def test_a_short_bad_answer_is_echoed_whole() -> None:
    bad = '{"town": "Aleppo"}'  # no repair in code supplies a missing field
    transport = _Scripted(bad, '{"name": "Aleppo"}')
    asyncio.run(structured_call(transport, REQUEST, City, max_repairs=1))
    assert transport.requests[1].messages[-2] == {"role": "assistant", "content": bad}
