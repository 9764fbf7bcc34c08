"""The model client and structured calls, through the real SDK against a local stub server."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import subprocess
import sys
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pydantic import BaseModel, ConfigDict

from briefing.cli.options import flag
from briefing.config import Settings
from briefing.errors import (
    ConfigError,
    ContentFilteredError,
    CostLimitError,
    ModelCallError,
    ModelOutputError,
    ModelRefusalError,
    TruncatedOutputError,
)
from briefing.model.cassette import Cassette, CassetteTransport
from briefing.model.client import SCHEMA_INSTRUCTION, OpenAIChatClient
from briefing.model.exchange import ModelRequest
from briefing.model.structured import StructuredResult, extract_json, structured_call
from briefing.model.usage import BudgetGuard, UsageMeter
from briefing.schema import Brief
from briefing.testing import RecordedRequest, Reply, StubServer
from tests.fixtures import ROOT, raises_saying

R = TypeVar("R")


class City(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    population: int | None


CITY = {"name": "Aleppo", "population": None}
MESSAGES = (
    {"role": "system", "content": "Extract the city."},
    {"role": "user", "content": "Aleppo is a city in Syria."},
)


def run(coro: Coroutine[Any, Any, R]) -> R:
    return asyncio.run(coro)


def city_request(**changes: Any) -> ModelRequest:
    fields: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": MESSAGES,
        "schema_name": "City",
        "json_schema": City.model_json_schema(),
        "max_output_tokens": 200,
    }
    return ModelRequest(**{**fields, **changes})


def settings_for(stub: StubServer | None, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "base_url": stub.base_url if stub else None,
        "timeout": 5.0,
        "max_retries": 2,
        "env": {},
    }
    return Settings(**{**values, **changes})


async def ask(
    settings: Settings,
    *,
    max_repairs: int = 1,
    meter: UsageMeter | None = None,
    notes: list[str] | None = None,
    request: ModelRequest | None = None,
) -> StructuredResult[City]:
    """One structured call through the real client; with a meter, under its --max-cost
    guard, as the pipeline wires it."""
    notify = notes.append if notes is not None else None
    async with OpenAIChatClient(settings, notify=notify) as client:
        transport = BudgetGuard(client, meter) if meter else client
        return await structured_call(
            transport, request or city_request(), City, max_repairs=max_repairs, meter=meter
        )


@pytest.fixture
def stub() -> Iterator[StubServer]:
    with StubServer() as server:
        yield server


# --- Transport: retries and error mapping ---------------------------------------------


def test_valid_answer_uses_strict_json_schema(stub: StubServer) -> None:
    stub.enqueue(Reply.json(CITY))
    result = run(ask(settings_for(stub)))
    assert result.value == City(name="Aleppo", population=None)
    assert result.repairs == 0 and not result.fallback_used
    (body,) = stub.chat_bodies
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "City", "schema": City.model_json_schema(), "strict": True},
    }
    assert body["messages"] == list(MESSAGES)
    assert body["max_tokens"] == 200  # custom endpoints get the widely supported name


def test_rate_limit_is_retried_after_retry_after(stub: StubServer) -> None:
    stub.enqueue(Reply.rate_limited(), Reply.json(CITY))
    assert run(ask(settings_for(stub))).value.name == "Aleppo"
    assert len(stub.chat_bodies) == 2


def test_persistent_rate_limit_says_what_to_do(stub: StubServer) -> None:
    stub.default = Reply.rate_limited()
    with raises_saying(ModelCallError, r"rate limited by .* after 2 retries; lower --concur"):
        run(ask(settings_for(stub)))
    assert len(stub.chat_bodies) == 3


def test_server_error_then_success(stub: StubServer) -> None:
    stub.enqueue(Reply.server_error(), Reply.json(CITY))
    assert run(ask(settings_for(stub))).value.name == "Aleppo"
    assert len(stub.chat_bodies) == 2


def test_persistent_server_error(stub: StubServer) -> None:
    stub.default = Reply.server_error(502)
    with pytest.raises(
        ModelCallError, match=r"server error 502 from http://127\.0\.0\.1:\d+/v1 after 2"
    ):
        run(ask(settings_for(stub)))
    assert len(stub.chat_bodies) == 3


def test_timeout(stub: StubServer) -> None:
    stub.enqueue(Reply.hang())
    started = time.monotonic()
    with raises_saying(ModelCallError, r"timed out after 0.3s .*raise --timeout"):
        run(ask(settings_for(stub, timeout=0.3, max_retries=0)))
    assert time.monotonic() - started < 3


def test_dropped_connection_is_retried(stub: StubServer) -> None:
    stub.enqueue(Reply.dropped(), Reply.json(CITY))
    assert run(ask(settings_for(stub, max_retries=1))).value.name == "Aleppo"
    assert len(stub.chat_bodies) == 2


def test_persistently_dropped_connection(stub: StubServer) -> None:
    stub.default = Reply.dropped()
    with pytest.raises(ModelCallError, match=r"connection to .* failed .* after 1 retry"):
        run(ask(settings_for(stub, max_retries=1)))
    assert len(stub.chat_bodies) == 2


def test_nothing_listening() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = settings_for(None, base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
    with pytest.raises(
        ModelCallError, match=r"cannot connect to http://127\.0\.0\.1:\d+/v1: is the"
    ):
        run(ask(settings))


def test_rejected_key_is_a_config_error(stub: StubServer) -> None:
    stub.enqueue(Reply.error(401, "Incorrect API key provided", code="invalid_api_key"))
    with raises_saying(ConfigError, r"rejected the API key .*\$OPENAI_API_KEY or --api-key-env"):
        run(ask(settings_for(stub)))
    assert len(stub.chat_bodies) == 1  # not retried


def test_unknown_model_is_a_config_error(stub: StubServer) -> None:
    stub.enqueue(Reply.error(404, "The model `gpt-9` does not exist", code="model_not_found"))
    with raises_saying(ConfigError, r"model 'gpt-9' not found .* check --model"):
        run(ask(settings_for(stub), request=city_request(model="gpt-9")))


def test_base_url_without_key_sends_a_placeholder(stub: StubServer) -> None:
    stub.enqueue(Reply.json(CITY))
    run(ask(settings_for(stub)))
    assert stub.requests[0].headers["authorization"] == "Bearer not-needed"


def test_key_comes_from_the_configured_variable(stub: StubServer) -> None:
    stub.enqueue(Reply.json(CITY))
    run(ask(settings_for(stub, api_key_env="MY_KEY", env={"MY_KEY": "sk-test"})))
    assert stub.requests[0].headers["authorization"] == "Bearer sk-test"


def test_no_key_and_no_base_url() -> None:
    with pytest.raises(ConfigError) as caught:
        OpenAIChatClient(settings_for(None))
    message = str(caught.value)
    assert "$OPENAI_API_KEY" in message and "http://localhost:11434/v1" in message
    assert "cassette" in message and "\n" not in message


def test_importing_llm_does_not_import_the_sdk() -> None:
    code = "import sys, briefing.model.client, briefing.model.usage; print('openai' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "False"


# --- Stop reasons ----------------------------------------------------------------------


def test_refusal_carries_the_models_words(stub: StubServer) -> None:
    stub.enqueue(Reply.refusal("I can't help with\nthat request."))
    with pytest.raises(ModelRefusalError, match="I can't help with that request."):
        run(ask(settings_for(stub)))
    assert len(stub.chat_bodies) == 1  # a refusal is not repaired


def test_finish_reason_refusal_without_refusal_field(stub: StubServer) -> None:
    stub.enqueue(Reply.chat("Sorry, no.", finish_reason="refusal"))
    with pytest.raises(ModelRefusalError, match="Sorry, no."):
        run(ask(settings_for(stub)))


def test_truncation(stub: StubServer) -> None:
    stub.enqueue(Reply.chat('{"name": "Ale', finish_reason="length"))
    with raises_saying(TruncatedOutputError, "--max-output-tokens or lower --chunk-tokens"):
        run(ask(settings_for(stub)))
    assert len(stub.chat_bodies) == 1


def test_content_filter(stub: StubServer) -> None:
    stub.enqueue(Reply.chat(None, finish_reason="content_filter"))
    with pytest.raises(ContentFilteredError, match="content filter"):
        run(ask(settings_for(stub)))


def test_empty_choices(stub: StubServer) -> None:
    stub.enqueue(Reply.no_choices())
    with pytest.raises(ModelOutputError, match="returned no choices"):
        run(ask(settings_for(stub)))


# --- Parsing and repair ----------------------------------------------------------------


def test_fenced_json_with_prose_needs_no_repair(stub: StubServer) -> None:
    answer = 'Sure! Here it is:\n```json\n{"name": "Aleppo", "population": 2000000}\n```\nBye.'
    stub.enqueue(Reply.chat(answer))
    result = run(ask(settings_for(stub)))
    assert result.value.population == 2000000 and result.repairs == 0


def test_extract_json_tolerates_local_model_habits() -> None:
    assert extract_json('<think>maybe {"a"}</think>\n{"a": 1}') == {"a": 1}
    assert extract_json('The answer {sort of}: {"a": {"b": [1]}} -- done {}') == {"a": {"b": [1]}}
    with pytest.raises(json.JSONDecodeError):
        extract_json("no json here")


def test_invalid_json_is_repaired_with_original_plus_two(stub: StubServer) -> None:
    bad = '{"name": "Aleppo", population: }'
    stub.enqueue(Reply.chat(bad), Reply.json(CITY))
    result = run(ask(settings_for(stub)))
    assert result.repairs == 1 and len(result.responses) == 2
    first, repair = stub.chat_bodies
    assert repair["messages"][: len(MESSAGES)] == list(MESSAGES)
    assert len(repair["messages"]) == len(MESSAGES) + 2
    assert repair["messages"][-2] == {"role": "assistant", "content": bad}
    assert repair["messages"][-1]["role"] == "user"
    assert "not valid JSON" in repair["messages"][-1]["content"]
    assert repair["response_format"] == first["response_format"]


def test_a_violation_code_cannot_fix_is_repaired_by_asking_again(stub: StubServer) -> None:
    stub.enqueue(Reply.json({"name": {"a": 1, "b": 2}, "population": "many"}), Reply.json(CITY))
    result = run(ask(settings_for(stub)))
    assert result.value.name == "Aleppo" and result.repairs == 1
    feedback = stub.chat_bodies[1]["messages"][-1]["content"]
    assert "- name: Input should be a valid string" in feedback
    assert "- population: Input should be a valid integer" in feedback
    assert "corrected JSON object only" in feedback


def test_near_misses_are_fixed_in_code_without_asking_again(stub: StubServer) -> None:
    stub.enqueue(Reply.json({"name": 7, "country": "Syria"}))
    result = run(ask(settings_for(stub)))
    assert result.value.name == "7" and result.value.population is None
    assert result.repairs == 0 and len(stub.chat_bodies) == 1
    assert result.fixes == [
        "name: the number 7 read as text",
        "(root): dropped the unknown field 'country'",
        "population: missing; set to None",
    ]


def test_repair_history_does_not_grow(stub: StubServer) -> None:
    stub.enqueue(Reply.chat("first bad"), Reply.chat("second bad"), Reply.json(CITY))
    result = run(ask(settings_for(stub), max_repairs=2))
    assert result.repairs == 2
    third = stub.chat_bodies[2]["messages"]
    assert len(third) == len(MESSAGES) + 2
    assert third[-2]["content"] == "second bad"
    assert all("first bad" not in m["content"] for m in third)


def test_repair_budget_exhausted(stub: StubServer) -> None:
    stub.default = Reply.json({"name": {"a": 1, "b": 2}})
    with pytest.raises(
        ModelOutputError,
        match=r"City schema after 1 repair attempt and nothing valid was left of it: name",
    ):
        run(ask(settings_for(stub), max_repairs=1))
    assert len(stub.chat_bodies) == 2


def test_no_repairs_allowed(stub: StubServer) -> None:
    stub.enqueue(Reply.chat("nope"))
    with pytest.raises(ModelOutputError, match="not valid JSON"):
        run(ask(settings_for(stub), max_repairs=0))
    assert len(stub.chat_bodies) == 1


# --- Structured-output fallback ---------------------------------------------------------


def _schema_in_prompt(body: dict[str, Any]) -> bool:
    last_user = [m for m in body["messages"] if m["role"] == "user"][-1]["content"]
    return SCHEMA_INSTRUCTION in last_user and json.dumps(City.model_json_schema()) in last_user


def test_fallback_to_json_mode_with_the_schema_as_grammar_is_remembered() -> None:
    notes: list[str] = []
    with StubServer(default=Reply.json(CITY), reject_json_schema=True) as stub:

        async def twice() -> list[StructuredResult[City]]:
            settings = settings_for(stub)
            async with OpenAIChatClient(settings, notify=notes.append) as client:
                first = await structured_call(client, city_request(), City, max_repairs=0)
                second = await structured_call(client, city_request(), City, max_repairs=0)
            return [first, second]

        results = run(twice())
        later = run(ask(settings_for(stub), notes=notes))  # a new client in the same process
        kinds = [b["response_format"]["type"] for b in stub.chat_bodies]
    assert kinds == ["json_schema", "json_object", "json_object", "json_object"]
    # The llama.cpp family takes the schema beside JSON mode and decodes by it as a
    # grammar: the schema is sent there, and the prompt stays without it.
    schema = City.model_json_schema()
    assert all(b["response_format"].get("schema") == schema for b in stub.chat_bodies[1:])
    assert not any(_schema_in_prompt(b) for b in stub.chat_bodies)
    assert len(notes) == 1 and "JSON mode" in notes[0] and "\n" not in notes[0]
    assert all(r.fallback_used for r in [*results, later])
    assert results[0].responses[0].structured_mode == "json_object+schema"


def test_a_server_without_schema_in_json_mode_gets_the_schema_in_the_prompt() -> None:
    notes: list[str] = []
    with StubServer(
        default=Reply.json(CITY), reject_json_schema=True, reject_schema_key=True
    ) as stub:
        first = run(ask(settings_for(stub), notes=notes))
        second = run(ask(settings_for(stub), notes=notes))
        forms = [
            (b["response_format"]["type"], "schema" in b["response_format"])
            for b in stub.chat_bodies
        ]
    assert forms == [
        ("json_schema", False),
        ("json_object", True),
        ("json_object", False),
        ("json_object", False),  # remembered: the second call goes straight there
    ]
    assert _schema_in_prompt(stub.chat_bodies[2]) and _schema_in_prompt(stub.chat_bodies[3])
    assert len(notes) == 2 and "prompt" in notes[1]
    assert (
        first.responses[0].structured_mode == second.responses[0].structured_mode == "json_object"
    )


def test_concurrent_first_calls_fall_back_with_one_notice() -> None:
    notes: list[str] = []
    with StubServer(default=Reply.json(CITY), reject_json_schema=True) as stub:

        async def many() -> list[StructuredResult[City]]:
            async with OpenAIChatClient(settings_for(stub), notify=notes.append) as client:
                calls = (
                    structured_call(client, city_request(), City, max_repairs=0) for _ in range(5)
                )
                return await asyncio.gather(*calls)

        results = run(many())
        kinds = [b["response_format"]["type"] for b in stub.chat_bodies]
    assert len(results) == 5 and all(r.value.name == "Aleppo" for r in results)
    assert len(notes) == 1
    assert kinds.count("json_object") == 5  # every call ends in JSON mode


def test_rejection_with_400_also_falls_back() -> None:
    with StubServer(default=Reply.json(CITY), reject_json_schema=True, reject_status=400) as stub:
        assert run(ask(settings_for(stub))).fallback_used


def test_json_object_mode_skips_the_json_schema_attempt() -> None:
    with StubServer([Reply.json(CITY)], reject_json_schema=True) as stub:
        result = run(ask(settings_for(stub, structured_mode="json_object")))
        (body,) = stub.chat_bodies
    schema = City.model_json_schema()
    assert body["response_format"] == {"type": "json_object", "schema": schema}
    assert not _schema_in_prompt(body)
    assert result.responses[0].structured_mode == "json_object+schema"


def test_forced_json_schema_on_a_server_without_it() -> None:
    with StubServer(reject_json_schema=True, reject_status=400) as stub:
        with raises_saying(ConfigError, "--structured-mode auto or json_object"):
            run(ask(settings_for(stub, structured_mode="json_schema")))


def test_schema_errors_are_not_hidden_by_the_fallback(stub: StubServer) -> None:
    message = "Invalid schema for response_format 'City': 'additionalProperties' is required"
    stub.enqueue(Reply.error(400, message, param="response_format"))
    with pytest.raises(ModelCallError, match="Invalid schema"):
        run(ask(settings_for(stub)))
    assert len(stub.chat_bodies) == 1


# --- The brief schema and usage ---------------------------------------------------------

_FORBIDDEN = {"default", "minLength", "maxLength", "pattern", "uniqueItems", "format"}


def _check_strict(node: Any, path: str = "$") -> None:
    """OpenAI strict structured-output rules, applied to every object in the schema."""
    if isinstance(node, dict):
        assert not _FORBIDDEN & node.keys(), f"{path} uses {_FORBIDDEN & node.keys()}"
        assert "$ref" not in node or len(node) == 1, f"{path}: $ref with sibling keywords"
        if node.get("type") == "object":
            assert node.get("additionalProperties") is False, f"{path} allows extra keys"
            assert set(node.get("required", [])) == set(node["properties"]), f"{path}"
        for key, value in node.items():
            _check_strict(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_strict(value, f"{path}[{i}]")


def test_brief_schema_is_strict_and_round_trips(stub: StubServer) -> None:
    schema = Brief.model_json_schema()
    assert schema["type"] == "object"
    _check_strict(schema)
    brief = {
        "situation": {"headline": "H", "summary": "S", "evidence": [], "key_developments": []},
        "actors": [],
        "humanitarian": {
            "summary": "S",
            "evidence": [],
            "figures": [],
            "needs": [],
            "access_constraints": [],
        },
        "outlook": {"summary": "S", "evidence": [], "risks": [], "indicators": []},
        "gaps": [],
    }
    stub.enqueue(Reply.json(brief))
    request = city_request(schema_name="Brief", json_schema=schema, max_output_tokens=4096)

    async def go() -> StructuredResult[Brief]:
        async with OpenAIChatClient(settings_for(stub)) as client:
            return await structured_call(client, request, Brief, max_repairs=0)

    assert run(go()).value.situation.headline == "H"
    sent = stub.chat_bodies[0]["response_format"]["json_schema"]
    assert sent["strict"] is True and sent["schema"] == schema and sent["name"] == "Brief"


def test_usage_is_summed_across_repairs(stub: StubServer) -> None:
    stub.enqueue(
        Reply.chat("bad", prompt_tokens=100, completion_tokens=20, model="gpt-4o-mini-2024-07-18"),
        Reply.json(CITY, prompt_tokens=130, completion_tokens=10, model="gpt-4o-mini-2024-07-18"),
    )
    meter = UsageMeter("gpt-4o-mini")
    result = run(ask(settings_for(stub), meter=meter))
    assert (meter.calls, meter.prompt_tokens, meter.completion_tokens) == (2, 230, 30)
    assert result.usage.prompt_tokens == 230
    assert meter.cost_usd == pytest.approx((230 * 0.15 + 30 * 0.60) / 1e6)


def test_missing_usage_makes_the_cost_unknown_but_still_counts_against_the_limit(
    stub: StubServer,
) -> None:
    stub.enqueue(Reply.json(CITY, prompt_tokens=None, model="gpt-4o-mini"))
    meter = UsageMeter("gpt-4o-mini", max_cost=1.0)  # a priced model: no $0 by accident
    run(ask(settings_for(stub), meter=meter))
    assert (meter.calls, meter.prompt_tokens, meter.cost_usd) == (1, 0, None)
    assert meter.format_cost() == "cost unknown"
    # Charged its reserved worst case: at least the 200 output tokens it was allowed.
    assert meter.spent_usd >= 200 * 0.60 / 1e6


def test_max_cost_stops_before_the_call(stub: StubServer) -> None:
    stub.default = Reply.json(CITY)
    meter = UsageMeter("gpt-4o", max_cost=0.0001)
    with raises_saying(CostLimitError, r"would exceed --max-cost \$0\.0001; raise --max-cost"):
        run(ask(settings_for(stub), meter=meter))
    assert stub.requests == [] and meter.calls == 0


def test_max_cost_stops_a_repair_that_would_exceed_it(stub: StubServer) -> None:
    stub.default = Reply.chat("bad", prompt_tokens=10_000, completion_tokens=100)
    # Room for the first call's worst case, not for a second one on top of its real cost.
    meter = UsageMeter("gpt-4o-mini", max_cost=0.001)
    with pytest.raises(CostLimitError, match="spent so far"):
        run(ask(settings_for(stub), meter=meter, max_repairs=3))
    assert len(stub.chat_bodies) == 1 and meter.calls == 1


def test_concurrent_calls_are_served_concurrently() -> None:
    with StubServer(default=Reply.json(CITY), latency_s=0.2) as stub:

        async def four() -> list[StructuredResult[City]]:
            async with OpenAIChatClient(settings_for(stub)) as client:
                calls = (
                    structured_call(client, city_request(), City, max_repairs=0) for _ in range(4)
                )
                return await asyncio.gather(*calls)

        started = time.monotonic()
        assert len(run(four())) == 4
        elapsed = time.monotonic() - started
        assert stub.max_in_flight == 4  # first calls go out side by side, none waits
    assert elapsed < 0.8


def test_stub_lists_its_model() -> None:
    with StubServer(model="local-llama") as stub:
        conn = http.client.HTTPConnection("127.0.0.1", stub.port, timeout=5)
        try:
            conn.request("GET", "/v1/models")
            listing = json.loads(conn.getresponse().read())
        finally:
            conn.close()
    assert listing["data"][0]["id"] == "local-llama"


def test_caller_tokenizer_feeds_the_budget_check(stub: StubServer) -> None:
    meter = UsageMeter("gpt-4o", max_cost=0.5)

    async def go() -> None:
        async with OpenAIChatClient(settings_for(stub)) as client:
            # 100,000 tokens per text: schema + 2 messages, $0.75 of input at gpt-4o prices.
            guard = BudgetGuard(client, meter, count_tokens=lambda text: 100_000)
            await structured_call(
                guard, city_request(model="gpt-4o"), City, max_repairs=0, meter=meter
            )

    with pytest.raises(CostLimitError, match="~300,008 prompt"):
        run(go())
    assert stub.requests == []


# --- Answers that are not what an OpenAI-compatible server sends -------------------------

LOGIN_PAGE = "<html><body><h1>Please sign in</h1></body></html>"


@pytest.mark.parametrize(
    "headers", [{}, {"Content-Type": "text/html; charset=utf-8"}], ids=["as-json", "as-html"]
)
def test_a_page_that_is_not_json_says_check_the_base_url(
    stub: StubServer, headers: dict[str, str]
) -> None:
    # A proxy or login page answering 200, served as application/json or as text/html.
    stub.enqueue(Reply(body=LOGIN_PAGE, headers=headers))
    with pytest.raises(ModelCallError) as caught:
        run(ask(settings_for(stub)))
    message = caught.value.render(flag)
    assert "is not an OpenAI-compatible JSON response" in message
    assert "check --base-url" in message and "/v1" in message and "Please sign in" in message
    assert "\n" not in message and len(stub.chat_bodies) == 1


def _tool_call_answer(arguments: str) -> Reply:
    body = Reply.chat(None).body
    body["choices"][0]["message"]["tool_calls"] = [
        {"id": "c1", "type": "function", "function": {"name": "City", "arguments": arguments}}
    ]
    body["choices"][0]["finish_reason"] = "tool_calls"
    return Reply(body=body)


def test_tool_call_arguments_stand_in_for_null_content(stub: StubServer) -> None:
    stub.enqueue(_tool_call_answer(json.dumps(CITY)))
    result = run(ask(settings_for(stub)))
    assert result.value.name == "Aleppo" and result.repairs == 0
    assert result.responses[0].content == json.dumps(CITY)


def test_an_empty_answer_names_the_finish_reason(stub: StubServer) -> None:
    stub.enqueue(Reply.chat(None, finish_reason="stop"))
    with pytest.raises(ModelOutputError, match=r"the answer was empty \(finish_reason stop\)"):
        run(ask(settings_for(stub), max_repairs=0))


def test_forced_json_schema_rejected_with_500_is_not_retried() -> None:
    with StubServer(reject_json_schema=True, reject_status=500) as stub:
        with raises_saying(ConfigError, "--structured-mode auto or json_object"):
            run(ask(settings_for(stub, structured_mode="json_schema", max_retries=3)))
        assert len(stub.chat_bodies) == 1  # a schema rejection is final: no backoff


# --- Reasoning models: unsupported sampling parameters -----------------------------------

UNSUPPORTED_TEMPERATURE = Reply.error(
    400,
    "Unsupported value: 'temperature' does not support 0.0 with this model. "
    "Only the default (1) value is supported.",
    code="unsupported_value",
    param="temperature",
)


def _rejects(name: str, reply: Reply) -> Any:
    def answer(request: RecordedRequest) -> Reply:
        return reply if name in request.body else Reply.json(CITY)

    return answer


def test_unsupported_temperature_is_dropped_once_and_remembered(
    stub: StubServer, tmp_path: Path
) -> None:
    stub.default = _rejects("temperature", UNSUPPORTED_TEMPERATURE)
    notes: list[str] = []
    request = city_request(model="gpt-5-mini", sampling={"temperature": 0.0, "seed": 7})
    cassette = Cassette.load(tmp_path / "c.json", must_exist=False)

    async def twice() -> None:
        async with OpenAIChatClient(settings_for(stub), notify=notes.append) as client:
            recorder = CassetteTransport(cassette, "record", client)
            await structured_call(recorder, request, City, max_repairs=0)
        async with OpenAIChatClient(settings_for(stub), notify=notes.append) as client:
            await structured_call(client, request, City, max_repairs=0)

    run(twice())
    sent = stub.chat_bodies
    assert len(sent) == 3  # rejected, resent without it, then straight without it
    assert sent[0]["temperature"] == 0.0
    assert all("temperature" not in body and body["seed"] == 7 for body in sent[1:])
    assert len(notes) == 1 and "temperature" in notes[0] and "gpt-5-mini" in notes[0]
    assert "\n" not in notes[0]
    # The cassette keys on the semantic request, temperature included.
    (entry,) = Cassette.load(tmp_path / "c.json", must_exist=True).entries.values()
    assert entry["key"] == request.key
    assert entry["request"]["sampling"] == {"seed": 7, "temperature": 0.0}


def test_unsupported_parameter_named_only_in_the_message(stub: StubServer) -> None:
    rejection = Reply.error(
        400,
        "Unsupported parameter: 'top_p' is not supported with this model.",
        code="unsupported_parameter",
    )
    stub.default = _rejects("top_p", rejection)
    request = city_request(sampling={"top_p": 0.9})
    assert run(ask(settings_for(stub), request=request)).value.name == "Aleppo"
    assert [("top_p" in body) for body in stub.chat_bodies] == [True, False]


def test_an_invalid_sampling_value_is_not_dropped(stub: StubServer) -> None:
    stub.enqueue(
        Reply.error(400, "Invalid 'temperature': decimal above maximum value.", param="temperature")
    )
    with pytest.raises(ModelCallError, match="decimal above maximum"):
        run(ask(settings_for(stub), request=city_request(sampling={"temperature": 3.0})))
    assert len(stub.chat_bodies) == 1


# --- JSON in reasoning answers ----------------------------------------------------------


def test_reasoning_before_a_closing_think_tag_is_skipped(stub: StubServer) -> None:
    # Reasoning models served without the opening tag: only "</think>" marks the end.
    answer = (
        'The user wants {"name": "Damascus", "population": 1} maybe? No.\n</think>\n'
        + json.dumps(CITY)
    )
    stub.enqueue(Reply.chat(answer))
    result = run(ask(settings_for(stub), max_repairs=0))
    assert result.value == City(name="Aleppo", population=None)


def test_valid_json_with_a_fence_inside_a_string_needs_no_repair(stub: StubServer) -> None:
    value = {"name": 'Aleppo ```json\n{"a": 1}\n``` </think> {', "population": None}
    stub.enqueue(Reply.json(value))
    result = run(ask(settings_for(stub), max_repairs=0))
    assert result.value.name == value["name"] and result.repairs == 0


def test_extract_json_tries_the_whole_answer_first() -> None:
    assert extract_json('  {"a": "```x```"}  ') == {"a": "```x```"}
    assert extract_json('thinking {"a": 2}</think>{"a": 1}') == {"a": 1}
    assert extract_json('<think>a</think>\n<think>b {"a": 2}</think>\n```json\n{"a": 1}\n```') == {
        "a": 1
    }
