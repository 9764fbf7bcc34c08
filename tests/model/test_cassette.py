"""Cassettes: semantic keys, modes, miss messages, staleness, no credentials stored."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from briefing.cli.options import flag
from briefing.errors import CassetteMissError, ConfigError
from briefing.model.cassette import Cassette, CassetteTransport, stale_entries
from briefing.model.exchange import ModelRequest, ModelResponse, Usage


def _request(text: str = "hello", **changes: object) -> ModelRequest:
    base = {
        "model": "m",
        "messages": ({"role": "system", "content": "sys"}, {"role": "user", "content": text}),
        "schema_name": "brief",
        "json_schema": {"type": "object"},
        "sampling": {"temperature": 0.0},
        "purpose": "extract",
        "prompt_version": "v1",
        "prompt_hash": "abc",
    }
    base.update(changes)
    return ModelRequest(**base)  # type: ignore[arg-type]


class FakeModel:
    """Counts calls; answers with the user message echoed as JSON."""

    def __init__(self) -> None:
        self.calls = 0

    async def complete(self, request: ModelRequest) -> ModelResponse:
        self.calls += 1
        return ModelResponse(
            content=json.dumps({"echo": request.messages[-1]["content"]}),
            finish_reason="stop",
            usage=Usage(10, 5),
            model="m-2025",
        )


def test_key_ignores_labels_but_not_semantics() -> None:
    assert _request(purpose="a").key == _request(purpose="b", prompt_hash="zzz").key
    assert _request("hello").key != _request("hello!").key
    assert (
        _request(sampling={"temperature": 0.0}).key != _request(sampling={"temperature": 0.2}).key
    )
    assert (
        _request(json_schema={"type": "object"}).key != _request(json_schema={"type": "array"}).key
    )
    assert _request(repetition=1).key != _request().key


def test_record_then_replay_without_calling_the_model(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    model = FakeModel()
    recorder = CassetteTransport(
        Cassette.load(path, must_exist=False), "record", model, origin="test origin"
    )
    first = asyncio.run(recorder.complete(_request()))
    assert model.calls == 1 and not first.from_cassette

    stored = json.loads(path.read_text(encoding="utf-8"))
    entry = stored["entries"][0]
    assert entry["origin"] == "test origin"
    assert entry["request"]["messages"][1]["content"] == "hello"
    assert entry["response"]["usage"] == {"prompt_tokens": 10, "completion_tokens": 5}
    text = path.read_text(encoding="utf-8")
    for secret in ("api_key", "Authorization", "base_url", "http"):
        assert secret not in text

    player = CassetteTransport(Cassette.load(path, must_exist=True), "replay", None)
    again = asyncio.run(player.complete(_request()))
    assert again.from_cassette and again.content == first.content and again.usage == Usage(10, 5)


def test_replay_miss_names_request_and_shows_difference(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    recorder = CassetteTransport(Cassette.load(path, must_exist=False), "record", FakeModel())
    asyncio.run(recorder.complete(_request("the original article")))
    player = CassetteTransport(Cassette.load(path, must_exist=True), "replay", None)
    with pytest.raises(CassetteMissError) as caught:
        asyncio.run(player.complete(_request("the edited article", purpose="extract chunk 2/3")))
    message = caught.value.render(flag)
    assert "extract chunk 2/3" in message
    assert "the original article" in message and "the edited article" in message
    assert "--record-mode once" in message
    assert "\n" not in message


def test_replay_of_missing_cassette_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CassetteMissError, match="does not exist"):
        Cassette.load(tmp_path / "nope.json", must_exist=True)


def test_once_replays_hits_and_records_misses(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    model = FakeModel()
    once = CassetteTransport(Cassette.load(path, must_exist=False), "once", model)
    asyncio.run(once.complete(_request("a")))
    asyncio.run(once.complete(_request("a")))
    asyncio.run(once.complete(_request("b")))
    assert model.calls == 2
    assert len(json.loads(path.read_text(encoding="utf-8"))["entries"]) == 2


def test_once_without_a_model_explains_how_to_configure(tmp_path: Path) -> None:
    once = CassetteTransport(Cassette.load(tmp_path / "c.json", must_exist=False), "once", None)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        asyncio.run(once.complete(_request()))


def test_unreadable_cassette(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="unreadable"):
        Cassette.load(path, must_exist=True)


def test_stale_entries_by_prompt_hash(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    recorder = CassetteTransport(Cassette.load(path, must_exist=False), "record", FakeModel())
    asyncio.run(recorder.complete(_request("x", prompt_version="v1", prompt_hash="old")))
    asyncio.run(recorder.complete(_request("y", prompt_version="v2", prompt_hash="h2")))
    asyncio.run(recorder.complete(_request("z", prompt_version="v0", prompt_hash="h0")))
    stale = stale_entries(Cassette.load(path, must_exist=True), {"v1": "new", "v2": "h2"})
    reasons = sorted(why for _, why in stale)
    assert reasons == [
        "prompt v1 or the page budgets changed since this was recorded",
        "prompt version v0 no longer exists",
    ]


def test_stale_entries_by_schema(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    recorder = CassetteTransport(Cassette.load(path, must_exist=False), "record", FakeModel())
    asyncio.run(recorder.complete(_request("x", json_schema={"type": "object", "v": 1})))
    cassette = Cassette.load(path, must_exist=True)
    assert stale_entries(cassette, {"v1": "abc"}, [{"type": "object", "v": 1}]) == []
    [(_, why)] = stale_entries(cassette, {"v1": "abc"}, [{"type": "object", "v": 2}])
    assert why == "the brief schema changed since this was recorded"


def test_integer_and_float_sampling_values_share_a_key() -> None:
    assert _request(sampling={"temperature": 0}).key == _request(sampling={"temperature": 0.0}).key
    assert _request(sampling={"seed": 1}).key == _request(sampling={"seed": 1.0}).key


def test_recording_through_the_real_client_stores_no_credentials(tmp_path: Path) -> None:
    """The fake model above has no key or URL to leak; the real client against the stub has."""
    import re

    from briefing.config import resolve_settings
    from briefing.model.client import OpenAIChatClient
    from briefing.testing import Reply, StubServer

    path = tmp_path / "c.json"
    with StubServer(default=Reply.json({"echo": "hello"})) as stub:
        settings = resolve_settings(
            {"base_url": stub.base_url}, env={"OPENAI_API_KEY": "sk-test-SECRET"}
        )

        async def record() -> ModelResponse:
            async with OpenAIChatClient(settings) as client:
                recorder = CassetteTransport(
                    Cassette.load(path, must_exist=False), "record", client
                )
                return await recorder.complete(_request())

        assert asyncio.run(record()).content == '{"echo": "hello"}'
        assert stub.requests[0].headers["authorization"] == "Bearer sk-test-SECRET"
        base_url, port = stub.base_url, stub.port
    text = path.read_text(encoding="utf-8")
    (entry,) = json.loads(text)["entries"]
    without_key = text.replace(entry["key"], "")  # a hex digest could spell out the port
    for secret in (
        "sk-test-SECRET",
        "SECRET",
        "Authorization",
        "Bearer",
        base_url,
        "127.0.0.1",
    ):
        assert secret.lower() not in text.lower(), secret
    assert not re.search(rf"(?<!\d){port}(?!\d)", without_key)
