"""The hand-written reference briefs in examples/*.brief.json.

They stand in for model output in recorded fixtures (always labelled as hand-written) and
set the quality bar for the tool, so each must validate as a BriefDocument, say that it
is hand-written, quote its article verbatim (checked against the article as the loader
cleans it) and keep within the page budgets.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from briefing.budgets import BUDGETS
from briefing.ingest.article import load_article
from briefing.schema import BriefDocument, iter_evidence
from tests.fixtures import EXAMPLES

BRIEFS = sorted(EXAMPLES.glob("*.brief.json"))
EXPECTED = {"kessara-floods-wire", "dalmar-corridor-report", "tarsin-ceasefire"}
_SUFFIX = ".brief.json"
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _stem(path: Path) -> str:
    return path.name.removesuffix(_SUFFIX)


def _squash(text: str) -> str:
    return " ".join(text.split())


@cache
def _doc(path: Path) -> BriefDocument:
    return BriefDocument.model_validate_json(path.read_text(encoding="utf-8"))


@cache
def _article_text(path: Path) -> str:
    """The cleaned article text of the brief's source, whitespace runs collapsed."""
    source = _doc(path).metadata.source
    return _squash(load_article(str(EXAMPLES.parent / source)).text)


per_brief = pytest.mark.parametrize("path", BRIEFS, ids=[_stem(p) for p in BRIEFS])


def test_the_reference_briefs_are_present() -> None:
    assert EXPECTED <= {_stem(p) for p in BRIEFS}


@per_brief
def test_is_a_labelled_hand_written_document(path: Path) -> None:
    meta = _doc(path).metadata
    assert meta.engine == "hand-written"
    assert "hand-written" in meta.origin
    assert meta.model is None and meta.prompt_version is None
    # The source is the article next to the brief, e.g. examples/<stem>.txt.
    source = Path(meta.source)
    assert source.parent == Path("examples") and source.stem == _stem(path)
    assert (EXAMPLES / source.name).is_file()


@per_brief
def test_title_and_every_quote_occur_in_the_cleaned_article(path: Path) -> None:
    doc, text = _doc(path), _article_text(path)
    assert doc.metadata.title and _squash(doc.metadata.title) in text
    missing = [
        (item, quote)
        for item, quotes in iter_evidence(doc.brief)
        for quote in quotes
        if _squash(quote) not in text
    ]
    assert not missing, f"quotes not verbatim in {doc.metadata.source}: {missing}"


@per_brief
def test_every_item_has_one_or_two_quotes(path: Path) -> None:
    wrong = [
        (item, len(quotes))
        for item, quotes in iter_evidence(_doc(path).brief)
        if not 1 <= len(quotes) <= BUDGETS.evidence_per_item
    ]
    assert not wrong


@per_brief
def test_every_figure_is_in_its_own_evidence(path: Path) -> None:
    for i, fig in enumerate(_doc(path).brief.humanitarian.figures):
        evidence = " ".join(fig.evidence)
        numbers = _NUMBER.findall(fig.value)
        if numbers:  # "about 8,500" -> "8,500", matched as a whole number in the quotes
            assert set(numbers) <= set(_NUMBER.findall(evidence)), (i, fig.value, evidence)
        else:  # a vague amount such as "Thousands"
            assert fig.value.casefold() in evidence.casefold(), (i, fig.value, evidence)


@per_brief
def test_item_counts_are_within_budgets(path: Path) -> None:
    b, bg = _doc(path).brief, BUDGETS
    h, o = b.humanitarian, b.outlook
    counts = {
        "key developments": (len(b.situation.key_developments), bg.key_developments),
        "actors": (len(b.actors), bg.actors),
        "aliases per actor": (max((len(a.aliases) for a in b.actors), default=0), bg.actor_aliases),
        "figures": (len(h.figures), bg.figures),
        "needs": (len(h.needs), bg.needs),
        "access constraints": (len(h.access_constraints), bg.access_constraints),
        "risks": (len(o.risks), bg.risks),
        "indicators": (len(o.indicators), bg.indicators),
        "gaps": (len(b.gaps), bg.gaps),
    }
    over = {name: n for name, n in counts.items() if n[0] > n[1]}
    assert not over, f"(count, budget) over budget: {over}"
