"""Prices, the usage meter and the --max-cost guard (no network needed)."""

from __future__ import annotations

import asyncio

import pytest

from briefing.cli.options import flag
from briefing.errors import ConfigError, CostLimitError
from briefing.model.exchange import ModelRequest, ModelResponse, Usage
from briefing.model.usage import (
    PRICES,
    BudgetGuard,
    UsageMeter,
    format_usd,
    price_for,
    rough_prompt_tokens,
)
from tests.fixtures import raises_saying


def request(model: str = "gpt-4o-mini", max_output_tokens: int = 1000) -> ModelRequest:
    return ModelRequest(
        model=model,
        messages=({"role": "user", "content": "x" * 300},),
        schema_name="X",
        json_schema={"type": "object"},
        max_output_tokens=max_output_tokens,
    )


def response(
    prompt: int, completion: int, model: str = "gpt-4o-mini", *, replayed: bool = False
) -> ModelResponse:
    return ModelResponse(
        content="{}",
        finish_reason="stop",
        usage=Usage(prompt, completion),
        model=model,
        from_cassette=replayed,
    )


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-4o-mini", "gpt-4o-mini"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),  # longest table name wins over gpt-4o
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4.1-nano-2025-04-14", "gpt-4.1-nano"),
        ("GPT-5-mini", "gpt-5-mini"),
        ("o4-mini-2025-04-16", "o4-mini"),
    ],
)
def test_known_models_and_snapshots(model: str, expected: str) -> None:
    assert price_for(model) == PRICES[expected]


@pytest.mark.parametrize(
    "model", ["llama3.1:8b", "gpt-4o-audio-preview", "gpt-4o-minimal", "my-azure-deployment", ""]
)
def test_unknown_models_have_no_price(model: str) -> None:
    assert price_for(model) is None


def test_cost_of_a_known_model() -> None:
    meter = UsageMeter("gpt-4o")
    meter.record(response(1_000_000, 100_000, model="gpt-4o"))
    assert meter.cost_usd == pytest.approx(2.50 + 1.00)


def test_format_usd() -> None:
    assert format_usd(None) == "cost unknown"
    assert format_usd(0.00123) == "$0.0012"
    assert format_usd(12.5) == "$12.50"


def test_meter_sums_calls_tokens_and_cost() -> None:
    meter = UsageMeter("gpt-4o-mini")
    meter.record(response(1000, 200))
    meter.record(response(500, 100, model="gpt-4o-mini-2024-07-18"))
    assert (meter.calls, meter.prompt_tokens, meter.completion_tokens) == (2, 1500, 300)
    assert meter.cost_usd == pytest.approx((1500 * 0.15 + 300 * 0.60) / 1e6)
    assert meter.format_cost() == "$0.0004"


def test_unknown_model_cost_is_unknown_not_guessed() -> None:
    meter = UsageMeter("llama3.1:8b")
    meter.record(response(1000, 200, model="llama3.1:8b"))
    assert meter.cost_usd is None and meter.format_cost() == "cost unknown"
    assert meter.prompt_tokens == 1000


def test_azure_deployment_priced_by_the_model_it_answers_with() -> None:
    meter = UsageMeter("my-deployment")
    meter.record(response(1_000_000, 0, model="gpt-4o-2024-08-06"))
    assert meter.cost_usd == pytest.approx(2.50)


def test_max_cost_with_unknown_price_is_refused_up_front() -> None:
    with raises_saying(ConfigError, "--max-cost cannot be enforced for model 'llama3'"):
        UsageMeter("llama3", max_cost=1.0)


def test_budget_check_names_spent_estimate_and_limit() -> None:
    meter = UsageMeter("gpt-4o", max_cost=0.02)

    async def go() -> None:
        await meter.settle(response(4000, 0, model="gpt-4o"), 0.0)  # $0.01 spent
        await meter.reserve(request("gpt-4o", max_output_tokens=1000), 1000)  # $0.0125 worst

    with pytest.raises(CostLimitError) as caught:
        asyncio.run(go())
    message = caught.value.render(flag)
    assert "up to $0.0125" in message and "$0.0100 is spent so far" in message
    assert "--max-cost $0.0200" in message and "raise --max-cost" in message
    assert "\n" not in message


def test_a_call_waits_for_reservations_in_flight_instead_of_failing() -> None:
    meter = UsageMeter("gpt-4o", max_cost=0.03)
    order: list[str] = []

    async def go() -> None:
        first = await meter.reserve(request("gpt-4o"), 1000)  # $0.0125 each
        second = await meter.reserve(request("gpt-4o"), 1000)

        async def third() -> None:
            await meter.reserve(request("gpt-4o"), 1000)  # no room while both are in flight
            order.append("third reserved")

        waiting = asyncio.create_task(third())
        await asyncio.sleep(0.01)
        assert not waiting.done()
        order.append("first failed")
        await meter.release(first)  # that call failed: its reservation is freed
        await waiting
        await meter.settle(response(1000, 0, model="gpt-4o"), second)  # real cost $0.0025
        assert meter.spent_usd == pytest.approx(0.0025)

    asyncio.run(go())
    assert order == ["first failed", "third reserved"]


def test_a_call_fails_when_what_is_spent_leaves_no_room_for_it() -> None:
    meter = UsageMeter("gpt-4o", max_cost=0.03)

    async def go() -> None:
        first = await meter.reserve(request("gpt-4o"), 1000)  # $0.0125
        second = await meter.reserve(request("gpt-4o"), 1000)
        waiting = asyncio.create_task(meter.reserve(request("gpt-4o"), 1000))
        await asyncio.sleep(0.01)
        await meter.settle(response(4000, 1000, model="gpt-4o"), first)  # $0.02 spent
        await meter.release(second)
        await waiting  # $0.02 + $0.0125 > $0.03, however many calls finish

    with pytest.raises(CostLimitError, match=r"\$0\.0200 is spent so far"):
        asyncio.run(go())


def test_no_limit_reserves_nothing() -> None:
    meter = UsageMeter("llama3")
    assert asyncio.run(meter.reserve(request("llama3"), 10**9)) == 0.0


def test_unpriced_request_model_under_a_limit() -> None:
    meter = UsageMeter("gpt-4o", max_cost=1.0)
    # A request for another model falls back to the meter's price rather than failing.
    assert asyncio.run(meter.reserve(request("other-model"), 1000)) > 0


def test_replayed_answers_count_but_cost_nothing_now() -> None:
    meter = UsageMeter("gpt-4o", max_cost=0.01)
    meter.record(response(1_000_000, 0, model="gpt-4o", replayed=True))
    assert meter.cost_usd == pytest.approx(2.50) and meter.spent_usd == 0.0
    # still within budget
    asyncio.run(meter.reserve(request("gpt-4o", max_output_tokens=100), 100))


def test_an_answer_without_usage_costs_unknown_and_is_charged_its_worst_case() -> None:
    meter = UsageMeter("gpt-4o-mini", max_cost=1.0)
    live = response(0, 0)  # the server sent no usage block

    async def go() -> float:
        reserved = await meter.reserve(request(max_output_tokens=1000), 1000)
        await meter.settle(live, reserved)
        meter.record(live)
        return reserved

    reserved = asyncio.run(go())
    assert reserved == pytest.approx((1000 * 0.15 + 1000 * 0.60) / 1e6)
    assert meter.spent_usd == pytest.approx(reserved)
    assert meter.cost_usd is None and meter.format_cost() == "cost unknown"


class _Answer:
    def __init__(self, answer: ModelResponse) -> None:
        self.answer = answer
        self.requests: list[ModelRequest] = []

    async def complete(self, request: ModelRequest) -> ModelResponse:
        self.requests.append(request)
        return self.answer


def test_guard_counts_with_the_callers_tokenizer_and_passes_through_without_a_limit() -> None:
    model = _Answer(response(10, 5, model="gpt-4o"))
    unlimited = BudgetGuard(model, UsageMeter("gpt-4o"), count_tokens=lambda text: 10**9)
    asyncio.run(unlimited.complete(request("gpt-4o")))  # no limit: no estimate, no error
    guard = BudgetGuard(model, UsageMeter("gpt-4o", max_cost=1.0), count_tokens=len)
    big = request("gpt-4o", max_output_tokens=100)
    assert guard.estimate(big) == len('{"type": "object"}') + 300 + 4
    assert asyncio.run(guard.complete(big)).usage == Usage(10, 5)
    assert guard.meter.spent_usd == pytest.approx((10 * 2.50 + 5 * 10.0) / 1e6)


def test_rough_prompt_tokens_errs_high() -> None:
    # 300 characters of content would be ~75 real tokens; the estimate must not be lower.
    assert rough_prompt_tokens(request()) >= 100


def test_rough_estimate_of_what_a_repair_adds() -> None:
    original = request()
    repaired = ModelRequest(
        **{
            **original.__dict__,
            "messages": (*original.messages, {"role": "user", "content": "y" * 30}),
        }
    )
    assert rough_prompt_tokens(repaired) == rough_prompt_tokens(original) + 10 + 4


def test_named_unpriced_answer_has_no_cost_but_still_counts_against_the_limit() -> None:
    from briefing.model.exchange import ModelResponse, Usage

    meter = UsageMeter("gpt-4o-mini", max_cost=1.0)
    answer = ModelResponse("{}", "stop", Usage(1_000_000, 0), model="local-alias")
    meter.record(answer)
    asyncio.run(meter.settle(answer, 0.0))
    assert meter.cost_usd is None and meter.format_cost() == "cost unknown"
    assert meter.spent_usd == pytest.approx(0.15)  # charged at the configured model's price


def test_hand_written_replay_is_never_priced() -> None:
    from briefing.model.exchange import ModelResponse, Usage

    meter = UsageMeter("gpt-4o-mini")
    meter.record(
        ModelResponse(
            "{}",
            "stop",
            Usage(1000, 1000),
            model="gpt-4o-mini",
            from_cassette=True,
            origin="hand-written reference response",
        )
    )
    assert meter.cost_usd is None and meter.spent_usd == 0
