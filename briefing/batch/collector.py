"""Model calls as Batch API jobs, under the unchanged pipeline.

`BatchApiTransport` is a `ChatTransport`: each article's pipeline asks it for answers as
it would ask the model, and waits. When every article still at work is waiting on it
(its extraction calls, or later its merge calls), the requests gathered so far become
one job. Results come back by request key and answer the waiting calls, whose cassettes
record them as usual; the pipelines go on (merging, grounding, writing), and their next
calls make the next job. With `direct`, calls after the first job (merges, repairs) are
sent straight to the model instead.

The jobs are noted in OUTDIR/.briefing/batch-api.json as they are created. A later run
(after Ctrl-C, a crash, or simply the next morning) first looks there, and at any job
id it is given, for a job whose input holds the requests it needs, and waits for that
job instead of paying for a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from briefing.batch.batch_api import BatchApi, BatchJob
from briefing.errors import BriefingError, CostLimitError, ModelCallError
from briefing.files import write_atomically
from briefing.model.exchange import ChatTransport, ModelRequest, ModelResponse
from briefing.model.usage import BATCH_PRICE_FACTOR, UsageMeter, format_usd, price_for
from briefing.model.usage import rough_prompt_tokens as estimate_tokens

# The article (its position in the batch) a pipeline call belongs to; set per article.
CURRENT_ARTICLE: ContextVar[int | None] = ContextVar("briefing_batch_article", default=None)
# How long the gathering must stay unchanged before a job is made of it: long enough for
# every chunk of an article to reach here, short beside a job's minutes or hours.
SETTLE_S = 0.05


class JobBook:
    """The jobs a batch folder has created: OUTDIR/.briefing/batch-api.json."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.jobs: list[dict[str, Any]] = list(json.loads(path.read_text("utf-8"))["jobs"])
        except (OSError, ValueError, KeyError, TypeError):
            self.jobs = []

    def open_ids(self) -> list[str]:
        """Jobs whose results were not applied yet, newest first."""
        return [job["id"] for job in reversed(self.jobs) if not job.get("collected")]

    def add(self, job: BatchJob, label: str) -> None:
        created = datetime.now(UTC).isoformat(timespec="seconds")
        self.jobs.append({"id": job.id, "label": label, "created_at": created, "collected": False})
        self._save()

    def collected(self, job_id: str) -> None:
        for job in self.jobs:
            if job["id"] == job_id:
                job["collected"] = True
        self._save()

    def _save(self) -> None:
        text = json.dumps({"jobs": self.jobs}, indent=1)
        write_atomically(self.path, text.encode("utf-8"))


@dataclass
class _Waiting:
    request: ModelRequest
    future: asyncio.Future[ModelResponse]
    articles: set[int] = field(default_factory=set)


class BatchApiTransport:
    """Gathers requests into Batch API jobs; see the module's description."""

    def __init__(
        self,
        api: BatchApi,
        book: JobBook,
        *,
        in_flight: Callable[[], set[int]],
        on_wait: Callable[[int, bool], None],
        on_job: Callable[[BatchJob], None],
        tally: UsageMeter,
        max_cost: float | None = None,
        direct: ChatTransport | None = None,
        poll_interval: float = 30.0,
        adopt: Sequence[str] = (),
    ) -> None:
        self.api = api
        self.book = book
        self.in_flight = in_flight
        self.on_wait = on_wait
        self.on_job = on_job
        self.tally = tally
        self.max_cost = max_cost
        self.direct = direct
        self.poll_interval = poll_interval
        self.adopt = list(adopt)
        self._labels: dict[str, str] = {}
        self._waiting: dict[str, _Waiting] = {}
        self._sent: set[str] = set()
        self._changed = asyncio.Event()

    # --- the pipeline's side --------------------------------------------------------------

    async def complete(self, request: ModelRequest) -> ModelResponse:
        if self.direct is not None and not request.purpose.startswith("extract"):
            return await self.direct.complete(request)  # merges and repairs, with merge-direct
        article = CURRENT_ARTICLE.get()
        waiting = self._waiting.get(request.key)
        if waiting is None:
            future: asyncio.Future[ModelResponse] = asyncio.get_running_loop().create_future()
            waiting = self._waiting[request.key] = _Waiting(request, future)
        if article is not None:
            waiting.articles.add(article)
            self.on_wait(article, True)
        self.poke()
        try:
            # Shielded: two articles with the same request share one answer.
            return await asyncio.shield(waiting.future)
        finally:
            if article is not None:
                self.on_wait(article, False)

    def poke(self) -> None:
        """Something changed (a request, an article's stage): look again."""
        self._changed.set()

    # --- the driver -----------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        driver = asyncio.create_task(self._drive())
        try:
            yield
        finally:
            driver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await driver
            await self.api.aclose()

    async def _drive(self) -> None:
        while True:
            keys = await self._next_round()
            try:
                await self._round(keys)
            except BriefingError as exc:
                self._fail(keys, exc)
            except Exception as exc:  # a bug here must fail the calls, not hang them
                self._fail(
                    keys, ModelCallError(f"Batch API: unexpected {type(exc).__name__}: {exc}")
                )

    async def _next_round(self) -> list[str]:
        """Wait until every article still at work waits here, with requests not yet sent."""
        while True:
            await self._changed.wait()
            self._changed.clear()
            await asyncio.sleep(SETTLE_S)
            if self._changed.is_set():
                continue  # still arriving
            fresh = [k for k in self._waiting if k not in self._sent]
            waiting = {a for w in self._waiting.values() for a in w.articles}
            if fresh and self.in_flight() <= waiting:
                return fresh

    async def _round(self, keys: list[str]) -> None:
        self._sent.update(keys)
        requests = [self._waiting[k].request for k in keys]
        self._check_budget(requests)
        remaining = set(keys)
        followed: list[tuple[BatchJob, set[str]]] = []
        for job_id in dict.fromkeys([*self.adopt, *self.book.open_ids()]):
            try:
                job = await self.api.retrieve(job_id)
                covered = remaining & await self.api.request_keys(job)
            except BriefingError:
                if job_id in self.adopt:
                    raise  # the id the user gave: say what is wrong with it
                self.book.collected(job_id)  # gone, or from another provider: forget it
                continue
            if job.status in ("failed", "cancelled", "cancelling"):
                self.book.collected(job.id)
            elif covered:
                self._labels[job.id] = "resumed"
                self._report(job)
                followed.append((job, covered))
                remaining -= covered
        if remaining:
            sending = [r for r in requests if r.key in remaining]
            label = _label(sending)
            job = await self.api.submit(sending, label)
            self.book.add(job, label)
            self._labels[job.id] = label
            self._report(job)
            followed.append((job, remaining))
        await asyncio.gather(*(self._follow(job, covered) for job, covered in followed))

    async def _follow(self, job: BatchJob, keys: set[str]) -> None:
        """Poll `job` until it ends, then answer its requests (or fail them, each)."""
        while not job.done:
            await asyncio.sleep(self.poll_interval)
            job = await self.api.retrieve(job.id)
            self._report(job)
        results = await self.api.results(job) if job.output_file_id or job.error_file_id else {}
        for key in keys:
            result = results.get(key)
            if result is None:
                result = ModelCallError(_missing(job))
            if isinstance(result, ModelResponse):
                self.tally.record(result)
                self._resolve(key, result)
            else:
                self._fail([key], result)
        self.book.collected(job.id)

    def _report(self, job: BatchJob) -> None:
        self.on_job(replace(job, label=self._labels.get(job.id, "")))

    def _resolve(self, key: str, response: ModelResponse) -> None:
        waiting = self._waiting.pop(key, None)
        self._sent.discard(key)
        if waiting is not None and not waiting.future.done():
            waiting.future.set_result(response)

    def _fail(self, keys: Sequence[str], error: BaseException) -> None:
        for key in keys:
            waiting = self._waiting.pop(key, None)
            self._sent.discard(key)
            if waiting is not None and not waiting.future.done():
                waiting.future.set_exception(error)

    def _check_budget(self, requests: list[ModelRequest]) -> None:
        """A job cannot be stopped halfway: its worst case must fit `max_cost` whole."""
        if self.max_cost is None:
            return
        worst = 0.0
        for request in requests:
            price = price_for(request.model) or (0.0, 0.0)
            tokens = estimate_tokens(request) * price[0] + request.max_output_tokens * price[1]
            worst += BATCH_PRICE_FACTOR * tokens / 1_000_000
        spent = self.tally.cost_usd or 0.0
        if spent + worst > self.max_cost:
            raise CostLimitError(
                f"a Batch API job of {len(requests)} requests could cost up to "
                f"{format_usd(worst)} at the batch price, and {format_usd(spent)} is spent: that "
                f"would exceed ⟨max_cost⟩ {format_usd(self.max_cost)}; raise ⟨max_cost⟩ or "
                "brief fewer articles at once",
                limit=self.max_cost,
                spent=spent,
            )


def _label(requests: list[ModelRequest]) -> str:
    kinds = {r.purpose.split(" ", 1)[0] for r in requests}
    return "extraction" if kinds == {"extract"} else "merge" if kinds == {"merge"} else "calls"


def _missing(job: BatchJob) -> str:
    if job.status == "failed":
        why = "; ".join(job.errors[:2]) or "no reason given"
        return f"Batch API job {job.id} failed validation ({why}); fix it and run the batch again"
    if job.status in ("cancelled", "cancelling"):
        return f"Batch API job {job.id} was cancelled; run the batch again to send a new job"
    if job.status == "expired":
        return (
            f"Batch API job {job.id} expired before this request ran; run the batch again to "
            "send it in a new job"
        )
    return f"Batch API job {job.id} ({job.status}) returned no result for this request; run again"
