"""Messages about retries count the retries the SDK actually made."""

from __future__ import annotations

import asyncio

import pytest

from briefing.config import Settings
from briefing.errors import ModelCallError
from briefing.model.client import OpenAIChatClient
from briefing.model.exchange import ModelRequest
from briefing.testing import Reply, StubServer
from tests.fixtures import raises_saying

REQUEST = ModelRequest(
    model="gpt-4o-mini",
    messages=({"role": "user", "content": "Name a city."},),
    schema_name="City",
    json_schema={"type": "object"},
    max_output_tokens=50,
)


async def _call(stub: StubServer, max_retries: int) -> None:
    settings = Settings(base_url=stub.base_url, timeout=5.0, max_retries=max_retries, env={})
    async with OpenAIChatClient(settings) as client:
        await client.complete(REQUEST)


def test_rate_limit_asking_for_a_long_wait_says_it_was_not_retried() -> None:
    # A Retry-After beyond the SDK's ceiling (120 s in openai 3.x) makes it give up at once.
    with StubServer(default=Reply.rate_limited(retry_after_s=600)) as stub:
        with raises_saying(
            ModelCallError,
            r"rate limited by \S+ \(not retried: the server asked to wait 600 s\); "
            r"lower --concurrency or wait",
        ):
            asyncio.run(_call(stub, max_retries=3))
        assert len(stub.chat_bodies) == 1


def test_rate_limit_counts_the_retries_made() -> None:
    with StubServer(default=Reply.rate_limited()) as stub:
        with pytest.raises(ModelCallError, match=r"after 2 retries") as caught:
            asyncio.run(_call(stub, max_retries=2))
        assert len(stub.chat_bodies) == 3
    assert caught.value.attempts == 3
