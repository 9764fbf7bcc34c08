"""What a batch shares between its articles, around the model client and the disk.

One model client (one connection pool), behind one concurrency limit for every call of
every article, one spending limit for the whole batch, and one tally of what the calls
cost, for the overall progress line. Each article's pipeline puts its own cassette in
front, so a call it already made is replayed and never reaches any of this; the
cassettes are written by one writer thread, so no article's calls wait for the disk.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefing.files import write_atomically
from briefing.model.cassette import CASSETTE_FORMAT, Cassette
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


class CassetteWriter:
    """One thread that writes cassettes in the order they were saved. A write costs a
    file sync (milliseconds); on the event loop it would hold up every article's calls."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cassettes")
        self._writes: list[Future[None]] = []

    def submit(self, path: Path, entries: list[dict[str, Any]]) -> None:
        self._writes = [w for w in self._writes if not w.done() or w.exception()]
        self._writes.append(self._pool.submit(_write, path, entries))

    def close(self) -> list[str]:
        """Wait for every write; the problems of those that failed, one line each."""
        self._pool.shutdown(wait=True)
        return [str(w.exception()) for w in self._writes if w.exception() is not None]


def _write(path: Path, entries: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"format": CASSETTE_FORMAT, "entries": entries}, indent=2, ensure_ascii=False)
    write_atomically(path, (text + "\n").encode("utf-8"))


@dataclass
class WrittenBehind(Cassette):
    """A cassette saved through a `CassetteWriter` (same file, same format)."""

    writer: CassetteWriter | None = field(default=None, repr=False)

    @classmethod
    def open(cls, path: Path, writer: CassetteWriter) -> WrittenBehind:
        loaded = Cassette.load(path, must_exist=False)
        return cls(path, loaded.entries, writer=writer)

    def save(self) -> None:
        if self.writer is None:
            super().save()
            return
        # A snapshot: an entry is never changed once put, so the list is enough.
        self.writer.submit(self.path, list(self.entries.values()))
