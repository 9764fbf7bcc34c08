"""`check_support` = model: one short question per item to the configured model, batched,
through the run's transport chain (cassettes record and replay it), against the stub
OpenAI-compatible server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from briefing.config import Settings, resolve_settings
from briefing.engines.llm import request_schemas
from briefing.errors import ConfigError
from briefing.ingest.article import Article, load_article
from briefing.model.cassette import Cassette, stale_entries
from briefing.pipeline import GenerateOptions, generate_brief
from briefing.prompts import load_version, rendering_fingerprint
from briefing.schema import BriefDocument
from briefing.support.model import SCHEMA_NAME, SUPPORT_PROMPT, Verdicts, prompt_hash
from briefing.testing import RecordedRequest, Reply, StubServer
from tests.fixtures import EXAMPLES

STEM = "kessara-floods-wire"


def _article() -> Article:
    return load_article(str(EXAMPLES / f"{STEM}.txt"))


def _reference() -> dict[str, Any]:
    doc = BriefDocument.model_validate_json((EXAMPLES / f"{STEM}.brief.json").read_text("utf-8"))
    return doc.brief.model_dump(mode="json")


def _is_support(request: RecordedRequest) -> bool:
    return request.body["response_format"]["json_schema"]["name"] == SCHEMA_NAME


def _claims(request: RecordedRequest) -> list[str]:
    """The claims of one support question, in order."""
    user = request.body["messages"][-1]["content"]
    return re.findall(r"^\d+\. Claim: (.*)$", user, flags=re.MULTILINE)


def _server(no_for: str = "Old Market", drop_last: bool = False) -> StubServer:
    """Answers the brief with the hand-written reference, and each support question
    "no" for claims mentioning `no_for`, "yes" otherwise."""

    def answer(request: RecordedRequest) -> Reply:
        if not _is_support(request):
            return Reply.json(_reference())
        claims = _claims(request)
        verdicts = [
            {"id": n, "verdict": "no" if no_for in claim else "yes"}
            for n, claim in enumerate(claims, start=1)
        ]
        return Reply.json({"verdicts": verdicts[:-1] if drop_last else verdicts})

    return StubServer(default=answer)


def _settings(stub: StubServer | None, **flags: Any) -> Settings:
    base = {"model": "gpt-4o-mini", "check_support": "model", "tokenizer": "offline"}
    if stub is not None:
        base["base_url"] = stub.base_url
    return resolve_settings({**base, **flags}, env={"HOME": "/nonexistent"})


def test_the_model_is_asked_about_every_item_in_one_call() -> None:
    with _server() as stub:
        doc = generate_brief(_article(), _settings(stub), GenerateOptions(engine="llm"))
    support_calls = [r for r in stub.requests if r.method == "POST" and _is_support(r)]
    assert len(support_calls) == 1
    report = doc.grounding
    assert report is not None and report.claims is not None and report.support_model is not None
    assert len(_claims(support_calls[0])) == len(report.claims)
    assert report.support_model.calls == 1 and report.support_model.unanswered == []
    by_path = {c.path: c for c in report.claims}
    # The model said "no" to the access constraint about the Old Market: the worse of
    # the two verdicts stands, and the note says who said it.
    access = by_path["humanitarian.access_constraints[0]"]
    assert (access.model_verdict, access.status) == ("no", "unsupported")
    assert "model: no" in access.notes
    assert by_path["actors[0]"].model_verdict == "yes"
    # The generation's own metadata is not charged for the support calls.
    assert doc.metadata.calls == 1


def test_questions_are_batched_within_the_input_budget() -> None:
    with _server() as stub:
        doc = generate_brief(
            _article(), _settings(stub, chunk_tokens=400), GenerateOptions(engine="llm")
        )
    support_calls = [r for r in stub.requests if r.method == "POST" and _is_support(r)]
    assert len(support_calls) > 1
    assert doc.grounding is not None and doc.grounding.claims is not None
    asked = sum(len(_claims(r)) for r in support_calls)
    assert asked == len(doc.grounding.claims)
    assert all(c.model_verdict is not None for c in doc.grounding.claims)


def test_items_the_model_leaves_out_are_listed_and_keep_the_rules_status() -> None:
    with _server(drop_last=True) as stub:
        doc = generate_brief(_article(), _settings(stub), GenerateOptions(engine="llm"))
    report = doc.grounding
    assert report is not None and report.support_model is not None and report.claims
    assert report.support_model.unanswered == [report.claims[-1].path]
    assert report.claims[-1].model_verdict is None


def test_support_questions_are_recorded_and_replayed_from_the_cassette(tmp_path: Path) -> None:
    cassette = tmp_path / "run.json"
    with _server() as stub:
        first = generate_brief(
            _article(),
            _settings(stub),
            GenerateOptions(engine="llm", cassette=cassette, record_mode="once"),
        )
    # Replayed with no server at all: the same verdicts.
    again = generate_brief(
        _article(),
        _settings(None),
        GenerateOptions(engine="llm", cassette=cassette, record_mode="replay"),
    )
    assert first.grounding is not None and again.grounding is not None
    assert again.grounding.claims == first.grounding.claims
    loaded = Cassette.load(cassette, must_exist=True)
    purposes = sorted(e["purpose"] for e in loaded.entries.values())
    assert purposes == ["extract", "support check 1/1"]
    # `cassettes check` holds the entry to the support prompt and schema, not the brief's.
    version = first.metadata.prompt_version
    assert version is not None
    hashes = {SUPPORT_PROMPT: prompt_hash(), version: rendering_fingerprint(load_version(version))}
    schemas = [*request_schemas([load_version(version)]), Verdicts.model_json_schema()]
    assert stale_entries(loaded, hashes, schemas) == []
    # ...and a changed support prompt or verdict schema makes it stale.
    [(stale, why)] = stale_entries(loaded, {**hashes, SUPPORT_PROMPT: "changed"}, schemas)
    assert stale["purpose"] == "support check 1/1" and "changed" in why
    [(stale, why)] = stale_entries(loaded, hashes, schemas[:-1])
    assert stale["purpose"] == "support check 1/1" and "schema" in why


def test_the_model_check_needs_a_model() -> None:
    with pytest.raises(ConfigError, match="check_support"):
        generate_brief(_article(), _settings(None), GenerateOptions(engine="extractive"))
