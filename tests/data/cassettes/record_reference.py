"""Record the shipped cassettes from hand-written reference responses.

No real model is reachable where these cassettes are made, so every response in them is
a hand-written reference brief (`examples/<stem>.brief.json`, written by people from the
article) served over real HTTP by the local stub server (`briefing.testing.StubServer`) and
recorded through the ordinary `record` path of `briefing generate`. Every entry's origin
says "hand-written reference response"; its usage numbers are token counts made by the
stub with the offline tokenizer, and its model is "hand-written-reference", so no cost
is ever estimated for it.

Run from the repository root after a prompt or schema change:

    .venv/bin/python tests/data/cassettes/record_reference.py
"""

from __future__ import annotations

from pathlib import Path

from briefing.config import resolve_settings
from briefing.engines.llm import HAND_WRITTEN_ORIGIN
from briefing.ingest.article import load_article
from briefing.ingest.chunking import resolve_tokenizer
from briefing.ingest.sources import ARTICLE_SUFFIXES
from briefing.pipeline import GenerateOptions, generate_brief
from briefing.schema import BriefDocument
from briefing.testing import RecordedRequest, Reply, StubServer

ROOT = Path(__file__).resolve().parents[3]

EXAMPLES = ROOT / "examples"
CASSETTES = Path(__file__).resolve().parent
REFERENCE_MODEL = "hand-written-reference"


def reference_replies(brief_json: str) -> StubServer:
    tokenizer = resolve_tokenizer("gpt-4o-mini")

    def answer(request: RecordedRequest) -> Reply:
        prompt = sum(tokenizer.count(m["content"]) + 4 for m in request.body["messages"])
        return Reply.chat(
            brief_json,
            prompt_tokens=prompt,
            completion_tokens=tokenizer.count(brief_json),
            model=REFERENCE_MODEL,
        )

    return StubServer(default=answer)


def main() -> None:
    versions = ["v1", "v2"]  # the released versions these fixtures were written for
    for reference in sorted(EXAMPLES.glob("*.brief.json")):
        stem = reference.name.removesuffix(".brief.json")
        candidates = [EXAMPLES / f"{stem}{suffix}" for suffix in ARTICLE_SUFFIXES]
        article_path = next((path for path in candidates if path.exists()), None)
        if article_path is None:
            continue
        brief = BriefDocument.model_validate_json(reference.read_text(encoding="utf-8")).brief
        article = load_article(str(article_path.relative_to(ROOT)))
        for version in versions:
            cassette = CASSETTES / f"{stem}.{version}.json"
            cassette.unlink(missing_ok=True)
            with reference_replies(brief.model_dump_json()) as stub:
                settings = resolve_settings({"base_url": stub.base_url}, env={})
                doc = generate_brief(
                    article,
                    settings,
                    GenerateOptions(
                        prompt_version=version,
                        engine="llm",
                        cassette=cassette,
                        record_mode="record",
                        cassette_origin=HAND_WRITTEN_ORIGIN,
                    ),
                )
            rate = doc.grounding.rate if doc.grounding else 0.0
            name = cassette.relative_to(ROOT)
            print(f"{name}: {doc.metadata.calls} call(s), grounding {rate:.0%}")


if __name__ == "__main__":
    main()
