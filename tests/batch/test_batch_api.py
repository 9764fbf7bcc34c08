"""Briefs through the provider's Batch API, against the stub on 127.0.0.1 that speaks
/v1/files, /v1/batches and /v1/files/{id}/content with realistic statuses."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from briefing.batch.batch_api import BatchApi
from briefing.batch.outcome import BatchOptions, Stage
from briefing.batch.run import arun_batch, run_batch
from briefing.choices import Via
from briefing.config import Settings, resolve_settings
from briefing.errors import ConfigError, CostLimitError, ModelAuthError
from briefing.model.exchange import ModelRequest
from briefing.model.usage import price_for
from briefing.testing import RecordedRequest, Reply, StubServer, answer_for
from briefing.testing.batch_stub import BatchStubServer
from tests.batch.test_run import town_of, write_articles

MODEL = "gpt-4o-mini"  # priced: the batch price can be checked


def settings_for(stub: StubServer, **changes: Any) -> Settings:
    flags: dict[str, Any] = {
        "base_url": stub.base_url,
        "model": MODEL,
        "max_retries": 0,
        "timeout": 10.0,
        "tokenizer": "offline",
        "prompt": "v2",  # the stand-in answers are written for v2
        "chunk_tokens": 300,
    }
    return resolve_settings({**flags, **changes}, env={"HOME": "/nonexistent"})


def answer(request: RecordedRequest) -> Reply:
    return Reply.json(
        answer_for(request.body), prompt_tokens=1000, completion_tokens=400, model=MODEL
    )


def options(**changes: Any) -> BatchOptions:
    return BatchOptions(via=Via.BATCH_API, poll_interval=0.01, **changes)


def jobs_of(stub: BatchStubServer) -> list[dict[str, Any]]:
    return list(stub.jobs.values())


async def stopped_once_running(
    stub: BatchStubServer, sources: list[str], out: Path, settings: Settings
) -> None:
    """Run a batch until its job is in progress at the provider, then stop it (Ctrl-C)."""
    task = asyncio.create_task(arun_batch(sources, out, settings, options()))
    for _ in range(3000):  # up to 30 s on a busy machine
        if any(job["status"] == "in_progress" for job in stub.jobs.values()):
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_extractions_then_merges_as_two_jobs_at_the_batch_price(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 3, long=1)  # town 0 has several chunks
    seen: list[tuple[str, str]] = []
    with BatchStubServer(default=answer) as stub:
        batch = run_batch(
            [str(tmp_path / "in")],
            tmp_path / "out",
            settings_for(stub),
            options(on_job=lambda job: seen.append((job.label, job.status))),
        )
        jobs = jobs_of(stub)
        lines = stub.batch_lines
        statuses = stub.seen_statuses
        direct = stub.chat_bodies
    assert [a.stage for a in batch.articles] == [Stage.DONE] * 3
    assert direct == []  # nothing went to /chat/completions
    assert len(jobs) == 2 and all(j["status"] == "completed" for j in jobs)
    extraction, merge = (j["request_counts"]["total"] for j in jobs)
    assert merge == 1 and extraction == len(lines) - 1 >= 4  # every chunk in the first job
    assert seen[0] == ("extraction", "validating") and ("merge", "completed") in seen
    assert list(statuses.values())[0] == ["in_progress", "finalizing", "completed"]
    # Each line is the chat request the client would send, keyed by its cassette key.
    line = lines[0]
    assert (line["method"], line["url"]) == ("POST", "/v1/chat/completions")
    assert line["body"]["response_format"]["type"] == "json_schema"
    assert line["body"]["response_format"]["json_schema"]["strict"] is True
    assert line["body"]["max_tokens"] == 4096 and len(line["custom_id"]) == 64
    assert len({line["custom_id"] for line in lines}) == len(lines)
    # Half the listed price: 1,000 + 400 tokens a call at $0.15 / $0.60 per million.
    per_call = (1000 * price_for(MODEL)[0] + 400 * price_for(MODEL)[1]) / 1e6  # type: ignore[index]
    assert batch.tally.calls == len(lines)
    assert batch.tally.cost_usd == pytest.approx(0.5 * per_call * len(lines))
    index = json.loads((tmp_path / "out" / "index.json").read_text(encoding="utf-8"))
    assert set(index["batch_api_jobs"].values()) == {"completed"}
    assert index["articles"][0]["cost_usd"] == pytest.approx(0.5 * per_call * (extraction - 1))
    # The answers are in the articles' cassettes, marked as batch answers.
    cassettes = list((tmp_path / "out" / ".briefing" / "cassettes").iterdir())
    entries = [e for c in cassettes for e in json.loads(c.read_text("utf-8"))["entries"]]
    assert len(entries) == len(lines) and all(e["response"]["batch"] for e in entries)


def test_a_second_run_sends_nothing(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 2)
    with BatchStubServer(default=answer) as stub:
        run_batch([str(tmp_path / "in")], tmp_path / "out", settings_for(stub), options())
        again = run_batch([str(tmp_path / "in")], tmp_path / "out", settings_for(stub), options())
        assert len(stub.jobs) == 1
    assert [a.stage for a in again.articles] == [Stage.UNCHANGED] * 2


def test_merge_direct_sends_the_merges_as_ordinary_calls(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 2, long=1)
    with BatchStubServer(default=answer) as stub:
        batch = run_batch(
            [str(tmp_path / "in")], tmp_path / "out", settings_for(stub), options(merge_direct=True)
        )
        direct = stub.chat_bodies
        assert len(stub.jobs) == 1
    assert batch.succeeded == 2
    assert len(direct) == 1 and "partial brief" in direct[0]["messages"][-1]["content"]


def test_expired_requests_fail_their_articles_and_go_in_a_new_job_next_time(
    tmp_path: Path,
) -> None:
    write_articles(tmp_path / "in", 4)
    with BatchStubServer(default=answer, outcome="expired", expire_after=2) as stub:
        first = run_batch([str(tmp_path / "in")], tmp_path / "out", settings_for(stub), options())
        first_lines = stub.batch_lines
    assert sorted(a.stage for a in first.articles) == [Stage.DONE] * 2 + [Stage.FAILED] * 2
    expired = [a for a in first.articles if a.stage == Stage.FAILED]
    assert all("expired before this request ran" in (a.reason or "") for a in expired)
    answered = {line["custom_id"] for line in first_lines[:2]}

    with BatchStubServer(default=answer) as stub:
        second = run_batch([str(tmp_path / "in")], tmp_path / "out", settings_for(stub), options())
        again = stub.batch_lines
    assert sorted(a.stage for a in second.articles) == [Stage.DONE] * 2 + [Stage.UNCHANGED] * 2
    assert len(again) == 2 and not answered & {line["custom_id"] for line in again}


def test_a_failed_line_fails_only_its_article(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 3)

    def reject_town_1(request: RecordedRequest) -> Reply:
        if town_of(request.body) == "1":
            return Reply.error(400, "Invalid 'messages': too long", code="context_length_exceeded")
        return answer(request)

    with BatchStubServer(default=reject_town_1) as stub:
        batch = run_batch([str(tmp_path / "in")], tmp_path / "out", settings_for(stub), options())
    assert [a.stage for a in batch.articles] == [Stage.DONE, Stage.FAILED, Stage.DONE]
    assert "the request failed (400: Invalid 'messages': too long)" in (
        batch.articles[1].reason or ""
    )


def test_a_job_that_fails_validation_fails_every_article_with_the_reason(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 2)
    with BatchStubServer(default=answer, outcome="failed", failure="Model not available") as stub:
        batch = run_batch([str(tmp_path / "in")], tmp_path / "out", settings_for(stub), options())
        assert stub.seen_statuses[next(iter(stub.jobs))] == ["failed"]
    assert batch.succeeded == 0
    assert all(
        "failed validation (Model not available)" in (a.reason or "") for a in batch.articles
    )


def test_a_job_still_running_when_stopped_is_picked_up_by_the_next_run(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 3)
    out = tmp_path / "out"
    with BatchStubServer(default=answer) as stub:
        stub.hold = True  # the provider is slow: the job stays in progress
        settings = settings_for(stub)

        asyncio.run(stopped_once_running(stub, [str(tmp_path / "in")], out, settings))
        [job_id] = stub.jobs
        assert stub.jobs[job_id]["status"] == "in_progress"
        index = json.loads((out / "index.json").read_text(encoding="utf-8"))
        assert index["batch_api_jobs"] == {job_id: "in_progress"}
        assert {a["status"] for a in index["articles"]} == {"interrupted"}

        stub.hold = False  # the job finishes while nobody watches
        batch = run_batch([str(tmp_path / "in")], out, settings, options())
        assert list(stub.jobs) == [job_id]  # no second job: the first one was adopted
    assert batch.succeeded == 3 and batch.jobs == {job_id: "completed"}


def test_resume_by_id_when_the_folder_forgot_the_job(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 2)
    out = tmp_path / "out"
    with BatchStubServer(default=answer) as stub:
        stub.hold = True

        asyncio.run(stopped_once_running(stub, [str(tmp_path / "in")], out, settings_for(stub)))
        [job_id] = stub.jobs
        (out / ".briefing" / "batch-api.json").unlink()
        stub.hold = False
        batch = run_batch(
            [str(tmp_path / "in")], out, settings_for(stub), options(resume_jobs=[job_id])
        )
        assert list(stub.jobs) == [job_id]
    assert batch.succeeded == 2
    with BatchStubServer(default=answer) as stub:
        unknown = run_batch(
            [str(tmp_path / "in")],
            tmp_path / "other",
            settings_for(stub),
            options(resume_jobs=["batch_nope"]),
        )
    assert isinstance(unknown.stopped, ModelAuthError)
    assert "check the id given to --resume" in unknown.stopped.render(lambda n: f"--{n}")


def test_a_server_without_the_batch_api_stops_the_batch_with_the_fix(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 3)
    with StubServer(default=answer) as stub:  # chat completions only, like a local server
        batch = run_batch([str(tmp_path / "in")], tmp_path / "out", settings_for(stub), options())
    assert batch.succeeded == 0 and isinstance(batch.stopped, ModelAuthError)
    assert "does not offer the Batch API" in str(batch.stopped)
    assert "via direct" in str(batch.stopped)


def test_the_spending_limit_applies_to_a_whole_job(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 3)
    with BatchStubServer(default=answer) as stub:
        batch = run_batch(
            [str(tmp_path / "in")], tmp_path / "out", settings_for(stub, max_cost=0.001), options()
        )
        assert stub.jobs == {}  # nothing was sent
    assert isinstance(batch.stopped, CostLimitError)
    assert "at the batch price" in str(batch.stopped)


def test_azure_lines_and_json_mode() -> None:
    azure = resolve_settings(
        {
            "base_url": "https://example-resource.openai.azure.com/openai/v1",
            "model": "gpt-4o-batch",
        },
        env={"HOME": "/nonexistent"},
    )
    api = BatchApi(azure)
    request = ModelRequest(
        model="gpt-4o-batch",
        messages=({"role": "user", "content": "x"},),
        schema_name="brief",
        json_schema={"type": "object"},
        sampling={"temperature": 0.2},
        max_output_tokens=900,
    )
    line = api.line(request)
    asyncio.run(api.aclose())
    assert line["url"] == api.endpoint == "/chat/completions"
    assert line["body"]["max_completion_tokens"] == 900 and line["body"]["temperature"] == 0.2
    assert line["custom_id"] == request.key
    with pytest.raises(ConfigError, match="JSON-schema structured output"):
        BatchApi(
            resolve_settings(
                {"base_url": "http://127.0.0.1:1/v1", "structured_mode": "json_object"},
                env={"HOME": "/nonexistent"},
            )
        )
