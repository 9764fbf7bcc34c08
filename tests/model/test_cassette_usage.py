"""The shipped cassettes: every entry is used, none is stale, none pretends to be a model.

Each `cassettes/<stem>.<version>.json` is replayed for `examples/<stem>.*` and prompt
`<version>` through the real pipeline, with a `CassetteTransport` of our own so that the
entries actually requested can be seen (`Cassette.unused()`). An entry nothing requests
is dead weight that hides what a run really uses; a stale one (its prompt version or the
brief schema changed since it was made) would only replay by accident.

The shipped cassettes hold hand-written reference responses (`cassettes/record_reference.py`),
not model output, and must say so in every entry.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefing.compare.run import ARTICLE_SUFFIXES
from briefing.config import Settings, resolve_settings, with_overrides
from briefing.engines.llm import request_schemas
from briefing.ingest.article import load_article
from briefing.model.cassette import Cassette, CassetteTransport, stale_entries
from briefing.pipeline import GenerateOptions, generate_brief
from briefing.prompts import list_versions, load_version, rendering_fingerprint
from briefing.schema import BriefDocument
from tests.fixtures import CASSETTES, EXAMPLES

HAND_WRITTEN_ORIGIN = "hand-written reference response"
REFERENCE_MODEL = "hand-written-reference"
SHIPPED = sorted(CASSETTES.glob("*.json"))


def split_name(cassette: Path) -> tuple[str, str]:
    """`<stem>.<version>.json` -> (stem, version)."""
    stem, dot, version = cassette.name.removesuffix(".json").rpartition(".")
    assert dot and stem and version, f"{cassette.name} is not named <article>.<version>.json"
    return stem, version


def article_for(stem: str) -> Path:
    found = [p for p in EXAMPLES.glob(f"{stem}.*") if p.suffix in ARTICLE_SUFFIXES]
    assert len(found) == 1, f"expected one article examples/{stem}.* for the cassette: {found}"
    return found[0]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return resolve_settings({}, env={"HOME": str(tmp_path)})


def replay(cassette_path: Path, settings: Settings) -> tuple[Cassette, BriefDocument]:
    """Generate the brief from the cassette alone; return the cassette to see what was used.

    The transport is handed over without `cassette_path`: with both, the pipeline would
    load a cassette of its own and only fall back to ours for misses.
    """
    stem, version = split_name(cassette_path)
    article = load_article(str(article_for(stem)))
    cassette = Cassette.load(cassette_path, must_exist=True)
    doc = generate_brief(
        article,
        settings,
        GenerateOptions(
            prompt_version=version,
            engine="llm",
            transport=CassetteTransport(cassette, "replay", None),
        ),
    )
    return cassette, doc


def test_the_defaults_these_cassettes_are_keyed_on(settings: Settings) -> None:
    # Requests carry the model name: the cassettes replay for the default model only.
    assert settings.model == "gpt-4o-mini"
    assert settings.prompt == "v3"  # the default; the tests here ask for v1 and v2 by name
    assert not settings.model_configured  # so nothing could ever be recorded here


def test_every_example_article_has_a_cassette_for_v1_and_v2() -> None:
    # The hand-written fixtures cover the first two versions; later ones are recorded
    # from a real model (cassettes/, tests/model/test_real_recordings.py).
    released = ["v1", "v2"]
    articles = sorted(p.stem for p in EXAMPLES.iterdir() if p.suffix in ARTICLE_SUFFIXES)
    assert len(articles) == 4
    expected = {f"{stem}.{version}.json" for stem in articles for version in released}
    assert {p.name for p in SHIPPED} == expected


@pytest.mark.parametrize("cassette_path", SHIPPED, ids=lambda p: p.name)
def test_every_entry_is_used(cassette_path: Path, settings: Settings) -> None:
    before = cassette_path.read_bytes()
    cassette, doc = replay(cassette_path, settings)
    assert cassette.entries, f"{cassette_path.name} is empty"
    unused = [f"{e['key'][:12]} ({e.get('purpose')})" for e in cassette.unused()]
    assert unused == [], f"{cassette_path.name}: entries nothing requests: {unused}"
    assert cassette.used == set(cassette.entries)
    _, version = split_name(cassette_path)
    assert doc.metadata.prompt_version == version
    assert doc.metadata.calls == len(cassette.entries)
    assert cassette_path.read_bytes() == before  # replay never writes


def test_the_check_notices_an_entry_nothing_uses(tmp_path: Path, settings: Settings) -> None:
    """The v1 entry smuggled into a v2 cassette is never requested: unused() names it."""
    v2 = json.loads((CASSETTES / "aleppo-offensive.v2.json").read_text(encoding="utf-8"))
    v1 = json.loads((CASSETTES / "aleppo-offensive.v1.json").read_text(encoding="utf-8"))
    v2["entries"] += v1["entries"]
    padded = tmp_path / "aleppo-offensive.v2.json"
    padded.write_text(json.dumps(v2), encoding="utf-8")
    cassette, _ = replay(padded, settings)
    assert [e["key"] for e in cassette.unused()] == [e["key"] for e in v1["entries"]]


@pytest.mark.parametrize("cassette_path", SHIPPED, ids=lambda p: p.name)
def test_no_entry_is_stale(cassette_path: Path) -> None:
    hashes = {v: rendering_fingerprint(load_version(v)) for v in list_versions()}
    cassette = Cassette.load(cassette_path, must_exist=True)
    stale = [
        f"{entry['key'][:12]} ({entry.get('purpose')}): {why}"
        for entry, why in stale_entries(
            cassette, hashes, request_schemas([load_version(v) for v in list_versions()])
        )
    ]
    assert stale == [], (
        f"{cassette_path.name}: re-record with tests/data/cassettes/record_reference.py"
    )
    _, version = split_name(cassette_path)
    for entry in cassette.entries.values():
        assert entry["prompt_version"] == version
        assert entry["prompt_hash"] == hashes[version]


@pytest.mark.parametrize("cassette_path", SHIPPED, ids=lambda p: p.name)
def test_entries_say_they_are_hand_written(cassette_path: Path) -> None:
    cassette = Cassette.load(cassette_path, must_exist=True)
    for entry in cassette.entries.values():
        assert entry["origin"] == HAND_WRITTEN_ORIGIN, entry["key"][:12]
        assert entry["response"]["model"] == REFERENCE_MODEL, entry["key"][:12]


@pytest.mark.parametrize("cassette_path", SHIPPED, ids=lambda p: p.name)
def test_replay_gives_the_hand_written_reference_brief(
    cassette_path: Path, settings: Settings
) -> None:
    """The cassettes were made from examples/<stem>.brief.json; replay must give it back
    (with the support check off: it clears a place, date or likelihood the quotes do not
    state, and two of the references have one)."""
    stem, _ = split_name(cassette_path)
    reference = BriefDocument.model_validate_json(
        (EXAMPLES / f"{stem}.brief.json").read_text(encoding="utf-8")
    )
    _, doc = replay(cassette_path, with_overrides(settings, check_support="off"))
    assert doc.brief == reference.brief


# A brief replayed from a hand-written reference cassette must say so, and carry no cost.


def test_a_replayed_reference_brief_is_not_labelled_model_output(settings: Settings) -> None:
    _, doc = replay(CASSETTES / "aleppo-offensive.v2.json", settings)
    assert doc.metadata.origin.startswith("hand-written reference response")
    assert "not model output" in doc.metadata.origin
    assert doc.metadata.model == "hand-written-reference"


def test_a_replayed_reference_brief_has_no_cost(settings: Settings) -> None:
    _, doc = replay(CASSETTES / "aleppo-offensive.v2.json", settings)
    assert doc.metadata.cost_usd is None
