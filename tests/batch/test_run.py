"""run_batch(): many articles through the real pipeline and SDK against the stub server:
one shared concurrency limit, failures that stay per article, resume without repeating a
call, and an index of everything."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from briefing.batch.outcome import BatchOptions, Stage
from briefing.batch.run import run_batch
from briefing.choices import Engine, OutputFormat
from briefing.config import Settings, resolve_settings
from briefing.errors import CostLimitError, ModelAuthError
from briefing.testing import RecordedRequest, Reply, StubServer, answer_for
from tests.fixtures import EXAMPLES, serving


def settings_for(stub: StubServer, **changes: Any) -> Settings:
    flags: dict[str, Any] = {
        "base_url": stub.base_url,
        "model": "gpt-4o-mini",
        "max_retries": 0,
        "timeout": 10.0,
        "tokenizer": "offline",
        "prompt": "v2",  # the stand-in answers are written for v2
    }
    return resolve_settings({**flags, **changes}, env={"HOME": "/nonexistent"})


def write_articles(folder: Path, count: int, *, long: int = 0) -> list[Path]:
    """`count` short articles; the first `long` of them long enough for several chunks."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        body = (
            f"Floods in Town {i} killed {i + 3} people on Monday, officials said. "
            f"Rescue teams searched for {i + 10} missing residents in the valley."
        )
        paragraphs = [f"Floods hit Town {i}", body]
        if i < long:
            paragraphs += [
                f"Update {n}: water rose again in district {n} of Town {i}." for n in range(60)
            ]
        path = folder / f"town-{i:02d}.txt"
        path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def answer(request: RecordedRequest) -> Reply:
    return Reply.json(answer_for(request.body), prompt_tokens=200, completion_tokens=80)


def chat(stub: StubServer) -> list[dict[str, Any]]:
    return stub.chat_bodies


def town_of(body: dict[str, Any]) -> str:
    text = body["messages"][-1]["content"]
    return text.split("Floods in Town ", 1)[1].split(" ", 1)[0] if "Floods in Town" in text else ""


def test_every_article_is_briefed_under_one_shared_limit(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 6)
    events: list[str] = []
    with StubServer(default=answer, latency_s=0.2) as stub:  # long enough to overlap
        batch = run_batch(
            [str(tmp_path / "in")],
            tmp_path / "out",
            settings_for(stub, concurrency=2),
            BatchOptions(on_change=lambda b: events.append(b.articles[0].stage)),
        )
        assert len(chat(stub)) == 6
        assert stub.max_in_flight == 2  # six articles in flight, two calls at a time
    assert [a.stage for a in batch.articles] == [Stage.DONE] * 6
    assert {"cleaning", "calling", "writing", "done"} <= set(events)
    names = [a.name for a in batch.articles]
    assert names == [f"floods-hit-town-{i}" for i in range(6)]
    for name in names:
        assert (tmp_path / "out" / f"{name}.html").is_file()
        doc = json.loads((tmp_path / "out" / f"{name}.json").read_text(encoding="utf-8"))
        assert doc["metadata"]["calls"] == 1 and doc["grounding"]["quotes"]
    index = json.loads((tmp_path / "out" / "index.json").read_text(encoding="utf-8"))
    assert index["counts"] == {"articles": 6, "done": 6}
    assert index["this_run"]["calls"] == 6 and index["this_run"]["prompt_tokens"] == 1200
    assert index["articles"][0]["grounding_rate"] == 1.0
    assert index["articles"][0]["outputs"] == {
        "html": f"{names[0]}.html",
        "json": f"{names[0]}.json",
    }
    assert "floods-hit-town-0.html" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


def test_a_failed_article_never_stops_the_others(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "in", 4)

    def refuse_town_2(request: RecordedRequest) -> Reply:
        return (
            Reply.refusal("I cannot help with that.")
            if town_of(request.body) == "2"
            else answer(request)
        )

    with StubServer(default=refuse_town_2) as stub:
        batch = run_batch(
            [*map(str, paths), str(tmp_path / "missing.txt")],
            tmp_path / "out",
            settings_for(stub),
        )
    stages = [a.stage for a in batch.articles]
    assert stages == [Stage.DONE, Stage.DONE, Stage.FAILED, Stage.DONE, Stage.FAILED]
    assert "the model refused" in (batch.articles[2].reason or "")
    assert "no such file" in (batch.articles[4].reason or "")
    index = json.loads((tmp_path / "out" / "index.json").read_text(encoding="utf-8"))
    assert index["counts"] == {"articles": 5, "done": 3, "failed": 2}
    assert index["articles"][4]["status"] == "failed" and index["articles"][4]["outputs"] == {}


def test_a_second_run_skips_what_is_done_and_repeats_no_successful_call(tmp_path: Path) -> None:
    """The first run loses the merge of a multi-chunk article and all of one article; the
    second run asks only for those."""
    write_articles(tmp_path / "in", 3, long=1)

    def flaky(request: RecordedRequest) -> Reply:
        text = request.body["messages"][-1]["content"]
        if "partial brief" in text or town_of(request.body) == "2":
            return Reply.server_error(500, retry_after_s=None)
        return answer(request)

    options = BatchOptions(formats=(OutputFormat.JSON,))
    with StubServer(default=flaky) as stub:
        first = run_batch(
            [str(tmp_path / "in")], tmp_path / "out", settings_for(stub, chunk_tokens=300), options
        )
        first_bodies = chat(stub)
    assert [a.stage for a in first.articles] == [Stage.FAILED, Stage.DONE, Stage.FAILED]
    chunk_calls = len(first_bodies) - 2  # all but the failed merge and town 2
    assert chunk_calls >= 2

    with StubServer(default=answer) as stub:
        second = run_batch(
            [str(tmp_path / "in")], tmp_path / "out", settings_for(stub, chunk_tokens=300), options
        )
        again = chat(stub)
    assert [a.stage for a in second.articles] == [Stage.DONE, Stage.UNCHANGED, Stage.DONE]
    # Only the merge of town 0 and town 2's call: no chunk extraction, no town 1.
    assert len(again) == 2
    assert sum("partial brief" in b["messages"][-1]["content"] for b in again) == 1
    failed_before = [
        b
        for b in first_bodies
        if "partial brief" in b["messages"][-1]["content"] or town_of(b) == "2"
    ]
    assert all(b in failed_before for b in again)  # what succeeded is never asked again
    assert second.tally.calls == 2


def test_changed_inputs_force_and_new_formats(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "in", 2)
    out = tmp_path / "out"
    with StubServer(default=answer) as stub:
        run_batch(
            [str(tmp_path / "in")],
            out,
            settings_for(stub),
            BatchOptions(formats=(OutputFormat.JSON,)),
        )
        assert len(chat(stub)) == 2
        # Another format: rendered from the kept document, no call.
        more = run_batch(
            [str(tmp_path / "in")],
            out,
            settings_for(stub),
            BatchOptions(formats=(OutputFormat.MD,)),
        )
        assert len(chat(stub)) == 2
        assert [a.stage for a in more.articles] == [Stage.UNCHANGED] * 2
        assert (out / "floods-hit-town-0.md").is_file()
        # The article changed: briefed again; the other one is not.
        paths[0].write_text(
            paths[0].read_text(encoding="utf-8") + "\nMore rain fell.\n", encoding="utf-8"
        )
        changed = run_batch([str(tmp_path / "in")], out, settings_for(stub), BatchOptions())
        assert [a.stage for a in changed.articles] == [Stage.DONE, Stage.UNCHANGED]
        assert len(chat(stub)) == 3
        # Another prompt version: everything again (new requests, new calls).
        other = run_batch(
            [str(tmp_path / "in")], out, settings_for(stub), BatchOptions(prompt_version="v1")
        )
        assert [a.stage for a in other.articles] == [Stage.DONE, Stage.DONE]
        assert len(chat(stub)) == 5
        # --force: everything again, the calls too.
        forced = run_batch(
            [str(tmp_path / "in")],
            out,
            settings_for(stub),
            BatchOptions(prompt_version="v1", force=True),
        )
        assert [a.stage for a in forced.articles] == [Stage.DONE, Stage.DONE]
        assert len(chat(stub)) == 7
    assert [a.name for a in forced.articles] == ["floods-hit-town-0", "floods-hit-town-1"]


def test_the_spending_limit_holds_for_the_whole_batch(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 12)  # more than are ever in flight: some never start

    # gpt-4o-mini: $0.15 / $0.60 per 1M tokens. Each answer costs $0.0006; a call's worst
    # case (its prompt and schema, + 4,096 output tokens) about $0.003. With $0.004, the
    # third call would risk more than is left.
    def priced(request: RecordedRequest) -> Reply:
        return Reply.json(answer_for(request.body), prompt_tokens=2000, completion_tokens=500)

    with StubServer(default=priced) as stub:
        batch = run_batch(
            [str(tmp_path / "in")],
            tmp_path / "out",
            settings_for(stub, concurrency=1, max_cost=0.004),
        )
        calls = len(chat(stub))
    assert isinstance(batch.stopped, CostLimitError)
    assert calls == 2 and batch.tally.calls == 2
    assert batch.count(Stage.NOT_STARTED) >= 1
    assert batch.succeeded == calls
    not_started = next(a for a in batch.articles if a.stage == Stage.NOT_STARTED)
    assert "the batch stopped" in (not_started.reason or "")


def test_a_rejected_key_stops_the_batch_at_once(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 12)
    with StubServer(default=Reply.error(401, "Incorrect API key provided")) as stub:
        batch = run_batch(
            [str(tmp_path / "in")], tmp_path / "out", settings_for(stub, concurrency=1)
        )
        calls = len(chat(stub))
    assert isinstance(batch.stopped, ModelAuthError)
    assert calls < 12  # the articles still queued were never sent
    assert batch.count(Stage.NOT_STARTED) == 12 - batch.count(Stage.FAILED)


def test_extractive_batch_needs_no_model(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 3)
    batch = run_batch(
        [str(tmp_path / "in")],
        tmp_path / "out",
        resolve_settings({}, env={"HOME": "/nonexistent"}),
        BatchOptions(engine=Engine.EXTRACTIVE),
    )
    assert batch.succeeded == 3 and batch.tally.calls == 0
    assert not any((tmp_path / "out" / ".briefing" / "cassettes").iterdir())


def test_an_unreadable_cassette_costs_its_calls_not_the_batch(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "in", 2)
    notes: list[str] = []
    with StubServer(default=answer) as stub:
        run_batch([str(tmp_path / "in")], tmp_path / "out", settings_for(stub))
        for cassette in (tmp_path / "out" / ".briefing" / "cassettes").iterdir():
            cassette.write_text("{ cut short", encoding="utf-8")
        paths[0].write_text(paths[0].read_text("utf-8") + "\nMore rain fell.\n", "utf-8")
        again = run_batch(
            [str(tmp_path / "in")],
            tmp_path / "out",
            settings_for(stub),
            BatchOptions(notify=notes.append),
        )
        assert len(chat(stub)) == 3
    assert [a.stage for a in again.articles] == [Stage.DONE, Stage.UNCHANGED]
    assert any("was unreadable; its calls are made again" in n for n in notes)


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path == "/news/tarsin-truce":
            body, status = (EXAMPLES / "tarsin-ceasefire.html").read_bytes(), 200
        else:
            body, status = b"<h1>Not found</h1>", 404
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def news_site() -> Iterator[str]:
    with serving(_Pages) as url:
        yield url


def test_urls_are_fetched_cleaned_and_named_from_their_title(
    tmp_path: Path, news_site: str
) -> None:
    write_articles(tmp_path / "in", 1)
    batch = run_batch(
        [f"{news_site}/news/tarsin-truce", f"{news_site}/news/gone", str(tmp_path / "in")],
        tmp_path / "out",
        resolve_settings({}, env={"HOME": "/nonexistent"}),
        BatchOptions(engine=Engine.EXTRACTIVE),
    )
    url, gone, local = batch.articles
    assert url.stage == Stage.DONE and url.name == "tarsin-truce-holds-for-a-third-day-as-prisoners"
    assert gone.stage == Stage.FAILED and "404" in (gone.reason or "")
    assert local.stage == Stage.DONE
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert f'href="{news_site}/news/tarsin-truce"' in page
