"""The live transport a batch shares between its articles.

One model client (one connection pool), behind one concurrency limit for every call of
every article, one spending limit for the whole batch, and one tally of what the calls
cost, for the overall progress line. Each article's pipeline puts its own cassette in
front, so a call it already made is replayed and never reaches any of this.
"""

from __future__ import annotations

import asyncio

from briefing.model.exchange import ChatTransport, ModelRequest, ModelResponse
from briefing.model.usage import UsageMeter


class SharedLimit:
    """At most `limit.value` calls in flight through this transport, across articles."""

    def __init__(self, inner: ChatTransport, limit: asyncio.Semaphore) -> None:
        self.inner = inner
        self.limit = limit

    async def complete(self, request: ModelRequest) -> ModelResponse:
        async with self.limit:
            return await self.inner.complete(request)


class LiveTally:
    """Counts every live answer (calls, tokens, cost at list price) in `meter`."""

    def __init__(self, inner: ChatTransport, meter: UsageMeter) -> None:
        self.inner = inner
        self.meter = meter

    async def complete(self, request: ModelRequest) -> ModelResponse:
        response = await self.inner.complete(request)
        self.meter.record(response)
        return response
