"""The shipped recordings of a real model replay through the whole pipeline, every entry
is used, none is stale, and each one says exactly which model made it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefing.compare.run import ARTICLE_SUFFIXES
from briefing.config import resolve_settings
from briefing.engines.llm import request_schemas
from briefing.ingest.article import load_article
from briefing.model.cassette import Cassette, CassetteTransport, stale_entries
from briefing.pipeline import GenerateOptions, generate_brief
from briefing.prompts import list_versions, load_version, rendering_fingerprint
from briefing.schema import BriefDocument
from tests.fixtures import EXAMPLES, LANGUAGE_ARTICLES, REAL_CASSETTES

RECORDINGS = sorted(REAL_CASSETTES.glob("*.json"))
# What every entry's origin must name: the file, its hash, quantisation, runtime.
PROVENANCE = re.compile(
    r"^recorded from (?P<file>\S+\.gguf) \(sha256 [0-9a-f]{12}…, (?P<quant>[A-Z0-9_]+)\) "
    r"with (?P<runtime>\S+ \d+\.\d+\.\d+.*), "
)


def split_name(path: Path) -> tuple[str, str, str, str | None]:
    """`<article>.<version>.<model>[.brief-<lang>].json` -> (article, version, model, lang)."""
    name, _, language = path.name.removesuffix(".json").partition(".brief-")
    for version in sorted(list_versions(), key=len, reverse=True):
        marker = f".{version}."
        if marker in name:
            article, _, model = name.partition(marker)
            return article, version, model, language or None
    raise AssertionError(f"{path.name} is not named <article>.<version>.<model>.json")


def replay(path: Path, home: Path) -> tuple[Cassette, BriefDocument]:
    article, version, model, language = split_name(path)
    sources = [*EXAMPLES.glob(f"{article}.*"), *LANGUAGE_ARTICLES.glob(f"{article}.*")]
    source = next(p for p in sources if p.suffix in ARTICLE_SUFFIXES)
    cassette = Cassette.load(path, must_exist=True)
    flags = {"model": model, "brief_language": language}
    doc = generate_brief(
        load_article(str(source)),
        resolve_settings(flags, env={"HOME": str(home)}),
        GenerateOptions(
            prompt_version=version,
            engine="llm",
            transport=CassetteTransport(cassette, "replay", None),
        ),
    )
    return cassette, doc


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.name)
def test_a_recording_replays_whole_and_names_its_model(path: Path, tmp_path: Path) -> None:
    before = path.read_bytes()
    cassette, doc = replay(path, tmp_path)
    assert cassette.entries and cassette.used == set(cassette.entries)
    assert path.read_bytes() == before
    for entry in cassette.entries.values():
        found = PROVENANCE.match(entry["origin"])
        assert found, entry["origin"]
        assert "hand-written" not in entry["origin"]
        assert entry["response"]["seconds"] and entry["response"]["seconds"] > 0
    assert doc.metadata.origin == "model output"
    assert doc.metadata.model_seconds


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.name)
def test_no_recorded_entry_is_stale(path: Path) -> None:
    versions = [load_version(v) for v in list_versions()]
    hashes = {v.id: rendering_fingerprint(v) for v in versions}
    stale = stale_entries(Cassette.load(path, must_exist=True), hashes, request_schemas(versions))
    assert stale == [], f"{path.name}: re-record with cassettes/record_real.py"
