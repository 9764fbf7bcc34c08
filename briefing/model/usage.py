"""Token and cost accounting for model calls, and the spending limit (max_cost).

Costs come from a small price table. A model that is not in the table has an unknown
cost (shown as "cost unknown"), never a guessed number; so has an answer that reports no
token usage. With --max-cost set, a meter for a model without a known price is refused up
front (ConfigError), so a spending limit can never be silently ignored.

`UsageMeter.record` counts every response (replayed ones included) for what is shown;
`BudgetGuard` wraps the live model client only and holds the limit, so a replayed answer
never counts against it.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections.abc import Callable

from briefing.errors import ConfigError, CostLimitError
from briefing.model.exchange import ChatTransport, ModelRequest, ModelResponse, Usage

PRICES_AS_OF = "2025-08-15"

# USD per 1M tokens (input, output), OpenAI list prices as of PRICES_AS_OF. Prices change:
# update the table and the date together. Cached-input discounts are ignored, so computed
# costs err on the high side.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "o4-mini": (1.10, 4.40),
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
}

# Answers through the Batch API cost this share of the prices above: OpenAI bills batch
# requests at half the listed price, and so does Azure OpenAI's global batch.
BATCH_PRICE_FACTOR = 0.5

# Only a dated snapshot suffix may follow a table name ("gpt-4o-mini-2024-07-18",
# legacy "-0613"). Other variants ("gpt-4o-audio-preview") are priced differently.
_SNAPSHOT = re.compile(r"-\d{4}(-\d{2}-\d{2})?")


def price_for(model: str) -> tuple[float, float] | None:
    """(input, output) USD per 1M tokens, or None when the model's price is not known."""
    name = model.strip().lower()
    for known in sorted(PRICES, key=len, reverse=True):
        if name == known:
            return PRICES[known]
        if name.startswith(known) and _SNAPSHOT.fullmatch(name[len(known) :]):
            return PRICES[known]
    return None


def format_usd(amount: float | None) -> str:
    if amount is None:
        return "cost unknown"
    return f"${amount:.2f}" if amount >= 1 else f"${amount:.4f}"


def rough_prompt_tokens(request: ModelRequest) -> int:
    """A tokenizer-free, deliberately high estimate of a request's prompt tokens.

    About three characters per token plus per-message overhead; the schema counts too,
    because servers add it to the prompt.
    """
    chars = sum(len(m.get("content", "")) for m in request.messages)
    chars += len(json.dumps(request.json_schema, separators=(",", ":")))
    return math.ceil(chars / 3) + 4 * len(request.messages)


def _reports_usage(usage: Usage) -> bool:
    # Every real call has prompt tokens: 0/0 means the server sent no usage block.
    return usage.prompt_tokens > 0 or usage.completion_tokens > 0


def _cost_at(price: tuple[float, float], usage: Usage, *, batch: bool = False) -> float:
    factor = BATCH_PRICE_FACTOR if batch else 1.0
    return factor * (usage.prompt_tokens * price[0] + usage.completion_tokens * price[1]) / 1e6


class UsageMeter:
    """Sums calls, tokens and cost; with `max_cost`, holds the money spent against it.

    `record` counts every response, replayed ones included, for what is shown. The limit
    is kept by `BudgetGuard` (around the live client) through `reserve`, and `settle` or
    `release`: a call reserves its worst-case cost before it is sent, and waits while
    calls in flight hold reservations that leave no room for it; it fails only when the
    money already spent plus its own worst case would exceed the limit.
    Meant for asyncio tasks on one thread.
    """

    def __init__(self, model: str, max_cost: float | None = None) -> None:
        if max_cost is not None and price_for(model) is None:
            raise ConfigError(
                f"⟨max_cost⟩ cannot be enforced for model {model!r}: its price is not known "
                f"(known: {', '.join(sorted(PRICES))}); remove ⟨max_cost⟩ or use a known model"
            )
        self.model = model
        self.max_cost = max_cost
        self._calls = 0
        self._usage = Usage()
        self._cost: float | None = 0.0
        self._spent = 0.0
        self._reserved = 0.0
        self._in_flight = 0  # calls holding a reservation
        self._model_seconds: float | None = 0.0
        # Created per event loop: a meter may outlive one asyncio.run().
        self._condition: tuple[asyncio.AbstractEventLoop, asyncio.Condition] | None = None

    @property
    def calls(self) -> int:
        return self._calls

    @property
    def prompt_tokens(self) -> int:
        return self._usage.prompt_tokens

    @property
    def completion_tokens(self) -> int:
        return self._usage.completion_tokens

    @property
    def model_seconds(self) -> float | None:
        """Time the model spent answering (recorded times for replays); None when any
        answer did not say."""
        return None if self._model_seconds is None else round(self._model_seconds, 3)

    @property
    def cost_usd(self) -> float | None:
        """Total cost of all recorded calls; None if any call's cost is unknown."""
        return self._cost

    @property
    def spent_usd(self) -> float:
        """What live calls settled through `settle` cost: what the limit applies to."""
        return self._spent

    def _price(self, model: str) -> tuple[float, float] | None:
        # Servers answer with a dated snapshot or, on Azure, the model behind a deployment
        # name; fall back to the configured model when the answer's name is not priced.
        return price_for(model) or price_for(self.model)

    def record(self, response: ModelResponse) -> None:
        """Count one response (live or replayed) in calls, tokens and the cost shown."""
        self._calls += 1
        if self._model_seconds is not None:
            self._model_seconds = (
                None if response.seconds is None else self._model_seconds + response.seconds
            )
        self._usage = self._usage + response.usage
        # The cost shown is the price of the model that answered. An answer that names no
        # model is taken to come from the configured one; a named but unpriced model (a
        # local one, or a hand-written reference replayed from a cassette) stays unknown,
        # and so does an answer that reports no usage: never $0.
        price = None if response.hand_written else price_for(response.model or self.model)
        if price is None or not _reports_usage(response.usage):
            self._cost = None
        elif self._cost is not None:
            self._cost += _cost_at(price, response.usage, batch=response.batch)

    def _cond(self) -> asyncio.Condition:
        loop = asyncio.get_running_loop()
        if self._condition is None or self._condition[0] is not loop:
            self._condition = (loop, asyncio.Condition())
        return self._condition[1]

    async def reserve(self, request: ModelRequest, prompt_tokens_estimate: int) -> float:
        """Reserve the worst-case cost of `request`, waiting while calls in flight leave
        no room; raise CostLimitError if it cannot fit even once they are done.

        Returns the reserved amount, to hand back through `settle` or `release`.
        """
        if self.max_cost is None:
            return 0.0
        price = self._price(request.model)
        if price is None:
            raise CostLimitError(
                f"cannot estimate the cost of a call to {request.model!r} (price not known), "
                f"so ⟨max_cost⟩ {format_usd(self.max_cost)} cannot be enforced; "
                "remove ⟨max_cost⟩ or use a known model"
            )
        estimate = _cost_at(price, Usage(prompt_tokens_estimate, request.max_output_tokens))
        condition = self._cond()
        async with condition:
            while self._spent + self._reserved + estimate > self.max_cost:
                if self._spent + estimate > self.max_cost or not self._in_flight:
                    raise CostLimitError(
                        f"the next model call could cost up to {format_usd(estimate)} "
                        f"(~{prompt_tokens_estimate:,} prompt + {request.max_output_tokens:,} "
                        f"output tokens), and {format_usd(self._spent)} is spent so far: that "
                        f"would exceed ⟨max_cost⟩ {format_usd(self.max_cost)}; raise "
                        "⟨max_cost⟩ or lower ⟨max_output_tokens⟩"
                    )
                await condition.wait()  # a call in flight will settle or release
            self._reserved += estimate
            self._in_flight += 1
        return estimate

    async def release(self, reserved: float) -> None:
        """Free a reservation whose call produced no response."""
        if not reserved:
            return
        self._in_flight -= 1
        self._reserved = self._reserved - reserved if self._in_flight else 0.0
        condition = self._cond()
        async with condition:
            condition.notify_all()

    async def settle(self, response: ModelResponse, reserved: float) -> None:
        """Charge a live response to the money spent and free its reservation.

        An answer from an unpriced model name is charged at the configured model's price,
        and one that reports no usage at its reserved worst case, so the limit still holds.
        """
        price = self._price(response.model)
        if not _reports_usage(response.usage):
            self._spent += reserved
        elif price is not None:
            self._spent += _cost_at(price, response.usage, batch=response.batch)
        await self.release(reserved)

    def format_cost(self) -> str:
        return format_usd(self._cost)


class BudgetGuard:
    """A ChatTransport that holds the max_cost limit around a live one (the model client).

    Put it under a cassette (cassette -> guard -> client), so replayed answers, which
    cost nothing, never meet the limit. `count_tokens` counts prompt tokens for the
    worst-case estimate (default: a high, tokenizer-free estimate); the schema counts too.
    """

    def __init__(
        self,
        inner: ChatTransport,
        meter: UsageMeter,
        *,
        count_tokens: Callable[[str], int] | None = None,
    ) -> None:
        self.inner = inner
        self.meter = meter
        self._count = count_tokens
        self._schema_tokens: dict[str, int] = {}

    def estimate(self, request: ModelRequest) -> int:
        """Prompt tokens of `request`: messages plus the JSON Schema, which servers add."""
        if self._count is None:
            return rough_prompt_tokens(request)
        schema = json.dumps(request.json_schema)
        if schema not in self._schema_tokens:
            self._schema_tokens[schema] = self._count(schema)
        messages = sum(self._count(m.get("content", "")) + 4 for m in request.messages)
        return self._schema_tokens[schema] + messages

    async def complete(self, request: ModelRequest) -> ModelResponse:
        if self.meter.max_cost is None:
            return await self.inner.complete(request)
        reserved = await self.meter.reserve(request, self.estimate(request))
        try:
            response = await self.inner.complete(request)
        except BaseException:
            await self.meter.release(reserved)
            raise
        await self.meter.settle(response, reserved)
        return response
