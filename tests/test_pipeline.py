"""generate_brief() end to end through the real openai SDK against the local stub server.

The stub's answers here are built by hand in the tests (or copied from the hand-written
reference brief); none of it is model output.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from briefing.config import Settings, resolve_settings
from briefing.engines.llm import dedupe_actors
from briefing.errors import ConfigError, CostLimitError, ModelCallError
from briefing.ingest.article import Article, load_article, make_article
from briefing.ingest.chunking import chunk_text, resolve_tokenizer
from briefing.pipeline import GenerateOptions, choose_engine, generate_brief
from briefing.prompts import new_version
from briefing.render.formats import render
from briefing.schema import Actor, ActorKind, Brief, BriefDocument
from briefing.testing import (
    RecordedRequest,
    Reply,
    StubServer,
    minimal_brief_json,
    partial_brief_json,
)
from tests.fixtures import EXAMPLES, ROOT

REFERENCE = BriefDocument.model_validate_json(
    (EXAMPLES / "aleppo-offensive.brief.json").read_text(encoding="utf-8")
).brief


def _settings(stub: StubServer, **changes: Any) -> Settings:
    flags: dict[str, Any] = {
        "base_url": stub.base_url,
        "model": "gpt-4o-mini",
        "max_retries": 1,
        "timeout": 10.0,
    }
    flags.update(changes)
    return resolve_settings(flags, env={"HOME": "/nonexistent"})


def _user_text(request: RecordedRequest) -> str:
    return str(request.body["messages"][-1]["content"])


def _between_delimiters(content: str) -> str:
    parts = re.split(r"<<<ARTICLE-[0-9a-f]+>>>", content)
    assert len(parts) == 3, "the article must sit between exactly two delimiter lines"
    return parts[1].strip()


def _partial_for(request: RecordedRequest) -> Reply:
    """Stand-in extraction for one chunk: quotes its first sentence; names one actor twice
    over the run (by name in odd chunks, by alias in even ones) to exercise de-duplication."""
    chunk = _between_delimiters(_user_text(request))
    index = int(re.search(r"part (\d+) of", _user_text(request)).group(1))  # type: ignore[union-attr]
    return Reply.json(partial_brief_json(chunk, index), prompt_tokens=100, completion_tokens=50)


def _merge_reply(request: RecordedRequest) -> Reply:
    """Stand-in merge: concatenates the partials' actors and keeps the first situation."""
    partials = json.loads(_between_delimiters(_user_text(request)))
    # Partials arrive with empty fields left out; the answer must be a complete brief.
    quote = partials[0]["situation"]["evidence"][0]
    actors = [a for p in partials for a in p.get("actors", [])]
    for actor in actors:
        actor.setdefault("aliases", [])
    return Reply.json(
        minimal_brief_json(quote, actors=actors), prompt_tokens=100, completion_tokens=50
    )


def _route(request: RecordedRequest) -> Reply:
    return (
        _merge_reply(request) if "partial brief" in _user_text(request) else _partial_for(request)
    )


@pytest.fixture(scope="module")
def sample() -> Article:
    return load_article(str(EXAMPLES / "aleppo-offensive.txt"))


@pytest.fixture(scope="module")
def report() -> Article:
    return load_article(str(EXAMPLES / "dalmar-corridor-report.md"))


def test_one_chunk_article_takes_exactly_one_call(sample: Article) -> None:
    answer = Reply.json(
        REFERENCE.model_dump(mode="json"),
        prompt_tokens=1200,
        completion_tokens=900,
        model="gpt-4o-mini-2024-07-18",
    )
    with StubServer(default=answer) as stub:
        doc = generate_brief(
            sample, _settings(stub), GenerateOptions(prompt_version="v2", engine="llm")
        )
    assert len(stub.chat_bodies) == 1
    body = stub.chat_bodies[0]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    # The article is data in the user message, never in the system message.
    assert sample.paragraphs[2].text not in body["messages"][0]["content"]
    assert sample.text == _between_delimiters(body["messages"][1]["content"])
    meta = doc.metadata
    assert (meta.engine, meta.model, meta.prompt_version, meta.calls) == (
        "llm",
        "gpt-4o-mini",
        "v2",
        1,
    )
    assert (meta.prompt_tokens, meta.completion_tokens) == (1200, 900)
    assert meta.cost_usd == pytest.approx((1200 * 0.15 + 900 * 0.60) / 1_000_000)
    assert meta.source_sha256 == sample.sha256 and meta.prompt_hash
    assert meta.structured_fallback is False
    assert doc.grounding is not None and doc.grounding.rate == 1.0


def test_multi_chunk_map_reduce_dedupes_actors_and_bounds_concurrency(report: Article) -> None:
    with StubServer(default=_route, latency_s=0.05) as stub:
        settings = _settings(stub, chunk_tokens=700, chunk_overlap=0, concurrency=2)
        doc = generate_brief(report, settings, GenerateOptions(prompt_version="v1", engine="llm"))
    bodies = stub.chat_bodies
    extraction = [b for b in bodies if "partial brief" not in b["messages"][-1]["content"]]
    merges = [b for b in bodies if "partial brief" in b["messages"][-1]["content"]]
    assert len(extraction) >= 3 and len(merges) == 1
    assert stub.max_in_flight <= 2
    # The merge call sees partial extractions, not the raw article.
    assert report.paragraphs[3].text not in merges[0]["messages"][-1]["content"]
    assert [a.name for a in doc.brief.actors] == ["Northern Liberation Front"]
    assert doc.metadata.calls == len(bodies)
    assert doc.metadata.prompt_tokens == 100 * len(bodies)


def test_hierarchical_merge_when_partials_exceed_the_budget(report: Article) -> None:
    with StubServer(default=_route, latency_s=0.02) as stub:
        settings = _settings(
            stub, chunk_tokens=200, chunk_overlap=0, concurrency=2, merge_tokens=300
        )
        generate_brief(report, settings, GenerateOptions(prompt_version="v2", engine="llm"))
    merges = [b for b in stub.chat_bodies if "partial brief" in b["messages"][-1]["content"]]
    assert len(merges) >= 3  # groups first, then the final merge
    assert stub.max_in_flight <= 2  # group merges respect --concurrency too


def test_falls_back_to_json_object_once_per_endpoint(sample: Article) -> None:
    notices: list[str] = []
    answer = Reply.json(REFERENCE.model_dump(mode="json"))
    with StubServer(default=answer, reject_json_schema=True) as stub:
        doc = generate_brief(
            sample,
            _settings(stub),
            GenerateOptions(prompt_version="v1", engine="llm", notify=notices.append),
        )
    assert doc.metadata.structured_fallback is True
    assert [b["response_format"]["type"] for b in stub.chat_bodies] == [
        "json_schema",
        "json_object",
    ]
    # The schema goes beside JSON mode (a grammar for the llama.cpp family), not into
    # the prompt, which keeps the prompt short.
    assert "additionalProperties" in stub.chat_bodies[1]["response_format"]["schema"]
    assert '"additionalProperties"' not in stub.chat_bodies[1]["messages"][-1]["content"]
    assert sum("json_object" in n for n in notices) == 1


def test_max_cost_stops_before_the_call(sample: Article) -> None:
    with StubServer(default=Reply.json(REFERENCE.model_dump(mode="json"))) as stub:
        with pytest.raises(CostLimitError):
            generate_brief(
                sample,
                _settings(stub, max_cost=0.0001),
                GenerateOptions(prompt_version="v2", engine="llm"),
            )
    assert stub.chat_bodies == []


def test_no_model_configured_says_how(sample: Article) -> None:
    settings = resolve_settings({}, env={"HOME": "/nonexistent"})
    assert choose_engine(settings, cassette=None) == "extractive"
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        generate_brief(sample, settings, GenerateOptions(prompt_version="v2", engine="llm"))


def test_server_errors_surface_as_one_clear_error(sample: Article) -> None:
    with StubServer(default=Reply.server_error(500)) as stub:
        with pytest.raises(ModelCallError, match="500"):
            generate_brief(
                sample, _settings(stub), GenerateOptions(prompt_version="v2", engine="llm")
            )


def test_strict_grounding_drops_invented_items(sample: Article) -> None:
    brief = REFERENCE.model_dump(mode="json")
    brief["actors"].append(
        {
            "name": "Invented Brigade",
            "kind": "armed_group",
            "role": "x",
            "aliases": [],
            "evidence": ["The Invented Brigade shelled the northern suburbs at dawn on Friday."],
        }
    )
    with StubServer(default=Reply.json(brief)) as stub:
        lenient = generate_brief(
            sample, _settings(stub), GenerateOptions(prompt_version="v2", engine="llm")
        )
        assert lenient.grounding is not None and lenient.grounding.rate < 1.0
        # Strict grounding is a result, not an exception: the document lists what it dropped.
        kept = generate_brief(
            sample,
            _settings(stub),
            GenerateOptions(prompt_version="v2", engine="llm", strict_grounding=True),
        )
    assert "Invented Brigade" not in [a.name for a in kept.brief.actors]
    assert len(kept.brief.actors) == len(REFERENCE.actors)
    assert kept.grounding is not None and kept.grounding.rate == 1.0
    assert any("Invented Brigade" in d for d in kept.grounding.dropped)


def test_extractive_engine_needs_nothing(sample: Article) -> None:
    settings = resolve_settings({}, env={"HOME": "/nonexistent"})
    doc = generate_brief(sample, settings)
    assert doc.metadata.engine == "extractive" and doc.metadata.calls == 0
    assert doc.grounding is not None and doc.grounding.rate == 1.0


def test_dedupe_actors_joins_names_and_aliases() -> None:
    def actor(name: str, aliases: list[str], quote: str) -> Actor:
        return Actor(
            name=name, kind=ActorKind.ARMED_GROUP, role="r", aliases=aliases, evidence=[quote]
        )

    brief = Brief.model_validate(minimal_brief_json("q"))
    brief = brief.model_copy(
        update={
            "actors": [
                actor("Hayat Tahrir al-Sham", ["HTS"], "a"),
                actor("hts", [], "b"),
                actor("ICG", [], "c"),
            ]
        }
    )
    merged = dedupe_actors(brief).actors
    assert [a.name for a in merged] == ["Hayat Tahrir al-Sham", "ICG"]
    assert merged[0].evidence == ["a", "b"]
    assert merged[0].aliases == ["HTS"]


def test_article_built_in_code_works_too() -> None:
    article = make_article(
        "inline",
        ["Title line", "Rebels seized the town of Halvi on Tuesday."],
        title="Title line",
        format="text",
    )
    with StubServer(
        default=Reply.json(minimal_brief_json("Rebels seized the town of Halvi on Tuesday."))
    ) as stub:
        doc = generate_brief(
            article, _settings(stub), GenerateOptions(prompt_version="v1", engine="llm")
        )
    assert doc.grounding is not None and doc.grounding.rate == 1.0


def test_interrupted_run_resumes_from_cassette_without_repeating_calls(
    report: Article, tmp_path: Path
) -> None:
    cassette = tmp_path / "run.json"
    failures = {"left": 1}

    def flaky(request: RecordedRequest) -> Reply:
        # The merge fails once (as if the run were interrupted there).
        if "partial brief" in _user_text(request) and failures["left"]:
            failures["left"] -= 1
            return Reply.error(400, "simulated failure")
        return _route(request)

    with StubServer(default=flaky) as stub:
        live = _settings(stub, chunk_tokens=700, chunk_overlap=0, concurrency=1)
        with pytest.raises(ModelCallError):
            generate_brief(
                report,
                live,
                GenerateOptions(
                    prompt_version="v2", engine="llm", cassette=cassette, record_mode="once"
                ),
            )
        first_run = len(stub.chat_bodies)
        doc = generate_brief(
            report,
            live,
            GenerateOptions(
                prompt_version="v2", engine="llm", cassette=cassette, record_mode="once"
            ),
        )
        second_run = len(stub.chat_bodies) - first_run
    assert second_run == 1  # only the merge is asked again
    assert doc.metadata.calls == first_run  # every extraction replayed + the merge


def test_a_failing_chunk_cancels_the_others(report: Article) -> None:
    def second_chunk_fails(request: RecordedRequest) -> Reply:
        if "part 2 of" in _user_text(request):
            return Reply.error(400, "this chunk cannot be processed")
        reply = _route(request)
        return Reply(status=reply.status, body=reply.body, headers=reply.headers, latency_s=0.3)

    with StubServer(default=second_chunk_fails) as stub:
        settings = _settings(stub, chunk_tokens=300, chunk_overlap=0, concurrency=2)
        with pytest.raises(ModelCallError, match="cannot be processed"):
            generate_brief(report, settings, GenerateOptions(prompt_version="v2", engine="llm"))
        chunks = len(chunk_text(report.text, resolve_tokenizer("gpt-4o-mini"), max_tokens=300))
        # Only the calls in flight when chunk 2 failed were sent; the rest were cancelled.
        assert chunks >= 5 and len(stub.chat_bodies) <= 3


# --- --max-cost: only live calls count, waits under concurrency, unknown usage ----------


def test_replayed_cassette_answers_are_not_checked_against_max_cost(sample: Article) -> None:
    from tests.fixtures import CASSETTES

    settings = resolve_settings({"max_cost": 0.001}, env={"HOME": "/nonexistent"})
    doc = generate_brief(
        sample,
        settings,
        GenerateOptions(
            prompt_version="v2",
            engine="llm",
            cassette=CASSETTES / "aleppo-offensive.v2.json",
            record_mode="replay",
        ),
    )
    assert doc.metadata.calls == 1


def test_max_cost_still_holds_for_what_a_cassette_records(sample: Article, tmp_path: Path) -> None:
    with StubServer(default=Reply.json(REFERENCE.model_dump(mode="json"))) as stub:
        with pytest.raises(CostLimitError):
            generate_brief(
                sample,
                _settings(stub, max_cost=0.0001),
                GenerateOptions(
                    prompt_version="v2",
                    engine="llm",
                    cassette=tmp_path / "new.json",
                    record_mode="once",
                ),
            )
    assert stub.chat_bodies == []


def test_max_cost_guards_a_transport_the_caller_passes(sample: Article) -> None:
    from briefing.model.cassette import Cassette, CassetteTransport
    from tests.fixtures import CASSETTES

    class Model:
        calls = 0

        async def complete(self, request: Any) -> Any:
            Model.calls += 1
            raise AssertionError("the limit should have stopped this call")

    settings = resolve_settings({"max_cost": 0.0001}, env={"HOME": "/nonexistent"})
    with pytest.raises(CostLimitError):
        generate_brief(
            sample, settings, GenerateOptions(prompt_version="v2", engine="llm", transport=Model())
        )
    assert Model.calls == 0
    # A caller's cassette still replays for free under the same limit.
    cassette = Cassette.load(CASSETTES / "aleppo-offensive.v2.json", must_exist=True)
    replayer = CassetteTransport(cassette, "replay", None)
    doc = generate_brief(
        sample, settings, GenerateOptions(prompt_version="v2", engine="llm", transport=replayer)
    )
    assert doc.metadata.calls == 1 and cassette.used == set(cassette.entries)


def test_concurrent_calls_wait_for_room_under_max_cost(report: Article) -> None:
    # Each call may cost up to ~$0.003 (its prompt plus 4,096 output tokens) but costs
    # ~$0.00005: $0.008 fits every actual cost, not four worst cases reserved at once.
    with StubServer(default=_route, latency_s=0.05) as stub:
        settings = _settings(stub, chunk_tokens=700, chunk_overlap=0, concurrency=4, max_cost=0.008)
        doc = generate_brief(report, settings, GenerateOptions(prompt_version="v2", engine="llm"))
    assert doc.metadata.calls == len(stub.chat_bodies) >= 4
    assert stub.max_in_flight >= 2


def test_an_answer_without_usage_has_unknown_cost_not_zero(sample: Article) -> None:
    answer = Reply.json(REFERENCE.model_dump(mode="json"), prompt_tokens=None, model="gpt-4o-mini")
    with StubServer(default=answer) as stub:
        doc = generate_brief(
            sample, _settings(stub), GenerateOptions(prompt_version="v2", engine="llm")
        )
    assert doc.metadata.cost_usd is None and doc.metadata.calls == 1


def test_slips_are_repaired_in_code_and_said_on_the_page(sample: Article) -> None:
    answer = REFERENCE.model_dump(mode="json")
    answer["actors"][0]["kind"] = "Armed Group"
    answer["actors"][0]["confidence"] = "high"
    answer["gaps"] = [{"question": g} for g in answer["gaps"]]
    with StubServer(default=Reply.json(answer)) as stub:
        doc = generate_brief(
            sample, _settings(stub), GenerateOptions(prompt_version="v2", engine="llm")
        )
    assert len(stub.chat_bodies) == 1  # no re-ask for what code can fix
    assert doc.brief.actors[0].kind == "armed_group"
    assert "actors[0].kind: 'Armed Group' read as 'armed_group'" in doc.metadata.salvaged
    assert doc.metadata.discarded == []
    page = render(doc, "md").decode()
    assert "slip(s) repaired in code" in page


def test_a_part_that_stays_invalid_is_left_out_not_the_whole_brief(sample: Article) -> None:
    answer = REFERENCE.model_dump(mode="json")
    answer["actors"][1]["role"] = {"stance": "hostile", "since": 2011}
    notices: list[str] = []
    with StubServer(default=Reply.json(answer)) as stub:
        doc = generate_brief(
            sample,
            _settings(stub),
            GenerateOptions(prompt_version="v2", engine="llm", notify=notices.append),
        )
    assert len(stub.chat_bodies) == 2  # one re-ask, which slipped the same way
    assert doc.metadata.discarded == ["actors[1]"]
    assert len(doc.brief.actors) == len(REFERENCE.actors) - 1
    assert any("left out after repairs (actors[1])" in n for n in notices)


def test_one_call_per_section_asks_four_small_questions(
    sample: Article, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A draft with calls = "per-section" (released versions cannot be edited): its
    # template sees `section`.
    folder = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", folder)
    version = new_version("v9", "v3", root=folder).path
    toml = (version / "prompt.toml").read_text(encoding="utf-8")
    toml = toml.replace('evidence = "reference"', 'evidence = "reference"\ncalls = "per-section"')
    (version / "prompt.toml").write_text(toml, encoding="utf-8")
    extract = (version / "extract.j2").read_text(encoding="utf-8")
    (version / "extract.j2").write_text(f"Section: {{{{ section }}}}\n{extract}", encoding="utf-8")
    monkeypatch.setattr("briefing.prompts.prompts_root", lambda root=None: root or folder)
    whole = minimal_brief_json("S2", actors=[])

    def answer(request: RecordedRequest) -> Reply:
        section = re.search(r"Section: (\w+)", _user_text(request)).group(1)  # type: ignore[union-attr]
        properties = set(request.body["response_format"]["json_schema"]["schema"]["properties"])
        part = {"outlook": {"outlook": whole["outlook"], "gaps": ["Who?"]}}.get(
            section, {section: whole.get(section, [])}
        )
        assert set(part) == properties, (section, properties)
        return Reply.json(part)

    with StubServer(default=answer) as stub:
        doc = generate_brief(
            sample, _settings(stub), GenerateOptions(prompt_version="v9", engine="llm")
        )
        sections = sorted(
            re.search(r"Section: (\w+)", _user_text(r)).group(1)  # type: ignore[union-attr]
            for r in stub.requests
            if r.path.endswith("/chat/completions")
        )
    assert sections == ["actors", "humanitarian", "outlook", "situation"]
    assert doc.metadata.calls == 4 and doc.brief.gaps == ["Who?"]
    # Evidence by reference: "S2" was turned into the article's second sentence.
    assert doc.brief.situation.evidence[0] in sample.text


def test_an_answer_cut_off_at_the_output_limit_keeps_what_is_complete(sample: Article) -> None:
    full = json.dumps(REFERENCE.model_dump(mode="json"))
    cut = full[: full.index('"outlook"') + 40]  # ends inside the outlook section
    notices: list[str] = []
    with StubServer(default=Reply.chat(cut, finish_reason="length")) as stub:
        doc = generate_brief(
            sample,
            _settings(stub),
            GenerateOptions(prompt_version="v2", engine="llm", notify=notices.append),
        )
    assert len(stub.chat_bodies) == 1  # asking again would only run out again
    assert doc.brief.actors == REFERENCE.actors  # everything before the cut is kept
    assert doc.brief.outlook.risks == [] and doc.brief.gaps == []
    assert doc.metadata.discarded[0] == "the end of the answer (cut off at the output limit)"
    assert any("left out" in n for n in notices)


def test_progress_says_the_planned_calls_before_the_first_answer(sample: Article) -> None:
    events: list[Any] = []
    with StubServer(default=Reply.json(REFERENCE.model_dump(mode="json"))) as stub:
        generate_brief(
            sample,
            _settings(stub),
            GenerateOptions(prompt_version="v2", engine="llm", progress=events.append),
        )
    finished = [(e.done, e.total) for e in events if hasattr(e, "done")]
    assert finished == [(0, 1), (1, 1)]  # "0 of 1" while the model works, then done
