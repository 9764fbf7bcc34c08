"""Token and cost accounting for model calls, and the --max-cost guard.

Costs come from a small price table. A model that is not in the table has an unknown
cost (shown as "cost unknown"), never a guessed number. With --max-cost set, a meter for
a model without a known price is refused up front (ConfigError), so a spending limit can
never be silently ignored.
"""

from __future__ import annotations

import json
import math
import re

from .errors import ConfigError, CostLimitError
from .exchange import ModelRequest, ModelResponse, Usage

PRICES_AS_OF = "2025-08-15"

# USD per 1M tokens (input, output), OpenAI list prices as of PRICES_AS_OF. Prices change:
# update the table and the date together. Cached-input discounts and batch prices are
# ignored, so computed costs err on the high side.
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


def cost_of(model: str, usage: Usage) -> float | None:
    """USD for one call's usage, or None when the model's price is not known."""
    price = price_for(model)
    if price is None:
        return None
    return (usage.prompt_tokens * price[0] + usage.completion_tokens * price[1]) / 1_000_000


def format_usd(amount: float | None) -> str:
    if amount is None:
        return "cost unknown"
    return f"${amount:.2f}" if amount >= 1 else f"${amount:.4f}"


def rough_prompt_tokens(request: ModelRequest, *, since: int = 0) -> int:
    """A tokenizer-free, deliberately high estimate of a request's prompt tokens.

    About three characters per token plus per-message overhead; the schema counts too,
    because servers add it to the prompt. With `since`, only messages from that index on
    are counted (the growth of a repair request over the original), without the schema.
    """
    messages = request.messages[since:]
    chars = sum(len(m.get("content", "")) for m in messages)
    if not since:
        chars += len(json.dumps(request.json_schema, separators=(",", ":")))
    return math.ceil(chars / 3) + 4 * len(messages)


class UsageMeter:
    """Sums calls, tokens and cost; refuses a call that could push spending past max_cost.

    Concurrency: meant for asyncio tasks on one thread. `check_budget` both checks and
    reserves the call's worst-case cost without awaiting, so concurrent calls cannot
    jointly overshoot the limit; `record` (or `release`, on failure) frees the reservation.
    Replayed responses (`from_cassette`) count in calls, tokens and cost, but not in the
    money actually spent in this run, which is what the limit applies to.
    """

    def __init__(self, model: str, max_cost: float | None = None) -> None:
        if max_cost is not None and price_for(model) is None:
            raise ConfigError(
                f"--max-cost cannot be enforced for model {model!r}: its price is not known "
                f"(known: {', '.join(sorted(PRICES))}); remove --max-cost or use a known model"
            )
        self.model = model
        self.max_cost = max_cost
        self._calls = 0
        self._usage = Usage()
        self._cost: float | None = 0.0
        self._spent = 0.0
        self._reserved = 0.0

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
    def usage(self) -> Usage:
        return self._usage

    @property
    def cost_usd(self) -> float | None:
        """Total cost of all recorded calls; None if any call's price is unknown."""
        return self._cost

    @property
    def spent_usd(self) -> float:
        """Cost of live (not replayed) calls with a known price: what the limit applies to."""
        return self._spent

    def _reported_price(self, response: ModelResponse) -> tuple[float, float] | None:
        # The cost shown is the price of the model that answered. An answer that names no
        # model is taken to come from the configured one; a named but unpriced model (a
        # local one, or a hand-written reference replayed from a cassette) stays unknown.
        if response.hand_written:
            return None
        return price_for(response.model or self.model)

    def _price(self, model: str) -> tuple[float, float] | None:
        # Servers answer with a dated snapshot or, on Azure, the model behind a deployment
        # name; fall back to the configured model when the answer's name is not priced.
        return price_for(model) or price_for(self.model)

    def check_budget(self, request: ModelRequest, prompt_tokens_estimate: int) -> float:
        """Reserve the worst-case cost of `request`; raise CostLimitError if it won't fit.

        Returns the reserved amount, to hand back through `record` or `release`.
        """
        if self.max_cost is None:
            return 0.0
        price = self._price(request.model)
        if price is None:
            raise CostLimitError(
                f"cannot estimate the cost of a call to {request.model!r} (price not known), "
                f"so --max-cost {format_usd(self.max_cost)} cannot be enforced; "
                "remove --max-cost or use a known model"
            )
        estimate = (
            prompt_tokens_estimate * price[0] + request.max_output_tokens * price[1]
        ) / 1_000_000
        committed = self._spent + self._reserved
        if committed + estimate > self.max_cost:
            in_flight = f" (+{format_usd(self._reserved)} in flight)" if self._reserved else ""
            raise CostLimitError(
                f"the next model call could cost up to {format_usd(estimate)} "
                f"(~{prompt_tokens_estimate:,} prompt + {request.max_output_tokens:,} output "
                f"tokens), and {format_usd(self._spent)} is spent so far{in_flight}: that "
                f"would exceed --max-cost {format_usd(self.max_cost)}; raise --max-cost "
                "or lower --max-output-tokens"
            )
        self._reserved += estimate
        return estimate

    def release(self, reserved: float) -> None:
        """Free a reservation whose call produced no response."""
        self._reserved = max(0.0, self._reserved - reserved)

    def record(self, response: ModelResponse, *, reserved: float = 0.0) -> None:
        self.release(reserved)
        self._calls += 1
        self._usage = self._usage + response.usage
        reported = self._reported_price(response)
        if reported is None:
            self._cost = None
        elif self._cost is not None:
            self._cost += self._cost_at(reported, response)
        # The --max-cost limit stays conservative: a live answer from an unpriced model
        # name is charged at the configured model's price, so the limit still holds.
        spend_price = self._price(response.model)
        if not response.from_cassette and spend_price is not None:
            self._spent += self._cost_at(spend_price, response)

    @staticmethod
    def _cost_at(price: tuple[float, float], response: ModelResponse) -> float:
        usage = response.usage
        return (usage.prompt_tokens * price[0] + usage.completion_tokens * price[1]) / 1_000_000

    def format_cost(self) -> str:
        return format_usd(self._cost)

    def summary(self) -> str:
        """One line for progress output: calls, tokens, cost."""
        return (
            f"{self._calls} call{'s' if self._calls != 1 else ''}, "
            f"{self.prompt_tokens:,} prompt + {self.completion_tokens:,} completion tokens, "
            f"{self.format_cost()}"
        )
