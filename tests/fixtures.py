"""Shared test fixtures: paths to the shipped files, briefs built in code (small ones
computed by hand, and the worst page), and message matching as the CLI prints it."""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import threading
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from briefing.budgets import BUDGETS
from briefing.cli.options import flag
from briefing.errors import BriefingError
from briefing.schema import (
    Actor,
    ActorKind,
    Brief,
    BriefDocument,
    Claim,
    Development,
    Figure,
    FigureCheck,
    GroundingReport,
    GroundingStatus,
    HumanitarianImpact,
    Outlook,
    QuoteCheck,
    Risk,
    Situation,
    iter_evidence,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SAMPLE = EXAMPLES / "aleppo-offensive.txt"
DATA = ROOT / "tests" / "data"
# Hand-written reference responses recorded over HTTP (tests/data/cassettes/
# record_reference.py): deterministic replays for pipeline, CLI and comparison tests.
CASSETTES = DATA / "cassettes"
# Recordings of a real model, shipped for the demo and the README comparison.
REAL_CASSETTES = ROOT / "cassettes"
# Fictional articles in other languages, one per language, with hand-written gold.
LANGUAGE_ARTICLES = DATA / "languages"


class NetworkAccessError(RuntimeError):
    """Raised by the autouse guard (conftest.py) when a test reaches past loopback."""


def with_grounding(
    doc: BriefDocument,
    statuses: dict[str, GroundingStatus],
    missing_figures: tuple[str, ...] = (),
) -> BriefDocument:
    """`doc` with a grounding report: every quote exact unless its item path is listed."""
    quotes = [
        QuoteCheck(
            path=f"{path}.evidence[{i}]",
            quote=quote,
            status=statuses.get(path, "exact"),
            score=100.0,
        )
        for path, evidence in iter_evidence(doc.brief)
        for i, quote in enumerate(evidence)
    ]
    figures = [
        FigureCheck(path=f"humanitarian.figures[{i}]", value=f.value, found=False)
        if f"humanitarian.figures[{i}]" in missing_figures
        else FigureCheck(path=f"humanitarian.figures[{i}]", value=f.value, found=True)
        for i, f in enumerate(doc.brief.humanitarian.figures)
    ]
    return doc.model_copy(update={"grounding": GroundingReport(quotes=quotes, figures=figures)})


def actor(name: str, aliases: list[str] | None = None, role: str = "Reports.") -> Actor:
    return Actor(name=name, kind=ActorKind.OTHER, role=role, aliases=aliases or [], evidence=["q"])


def tiny_brief(**changes: Any) -> Brief:
    """A small brief; keyword arguments replace top-level parts or situation fields."""
    situation = Situation(
        headline=changes.pop("headline", "Floods kill 23 in Kessara"),  # 5 words
        summary=changes.pop("summary", "Floods killed 23 people in Kessara."),  # 6
        evidence=["Floods in Kessara killed 23 people"],
        key_developments=[
            Development(what="8,500 people fled.", where="Kessara", when=None, evidence=["x"])
        ],  # 3 + 1
    )
    brief = Brief(
        situation=situation,
        actors=[
            # 4 + 1 + 4 = 9 words
            actor(
                "Velmar Disaster Management Authority", ["VDMA"], "Disaster agency reporting toll."
            ),
            actor("Red Cross Society", [], "Runs shelters."),  # 3 + 2 = 5
        ],
        humanitarian=HumanitarianImpact(
            summary="Thousands displaced.",  # 2
            evidence=[],
            figures=[
                # "23" + "people" + "killed" = 3; "8,500" + "people displaced" + "VDMA" = 4
                Figure(
                    value="23", unit=None, counts="people killed", reported_by=None, evidence=["a"]
                ),
                Figure(
                    value="8,500",
                    unit=None,
                    counts="people displaced",
                    reported_by="VDMA",
                    evidence=["b"],
                ),
            ],
            needs=[Claim(text="Clean water.", evidence=["c"])],  # 2
            access_constraints=[],
        ),
        outlook=Outlook(
            summary="More rain is forecast.",  # 4
            evidence=["d"],
            risks=[
                Risk(
                    description="Dam may overflow.", likelihood=None, timeframe=None, evidence=["e"]
                )
            ],  # 3
            indicators=[],
        ),
        gaps=["Missing people?"],  # 2
    )
    return brief.model_copy(update=changes)


# headline 5 + summary 6 + development 3 + where 1 + actors 9 + 5 + humanitarian 2
# + figures 3 + 4 + needs 2 + outlook 4 + risk 3 + gaps 2
TINY_WORDS = 49


def overlong_document(vocabulary: Sequence[str] = ()) -> BriefDocument:
    """Every list far over budget, every text over its word budget, long quotes, long
    header fields, a grounding report with marks and dropped items: the worst page.

    Texts cycle through `vocabulary`, by default the sample article's words."""
    if not vocabulary:
        article = SAMPLE.read_text(encoding="utf-8")
        # No sentence ends, so every text is cut at exactly its word budget.
        vocabulary = [w.strip('.!?”’"') for w in article.split() if len(w) < 14]
    stream = itertools.cycle([w for w in vocabulary if w])
    counter = itertools.count(1)
    b = BUDGETS

    def text(n: int) -> str:
        return " ".join(next(stream) for _ in range(n + 3))

    def evidence() -> list[str]:
        return [f"Q{next(counter)} " + text(40) for _ in range(3)]

    def claims(n: int) -> list[dict[str, Any]]:
        return [{"text": text(b.claim_words), "evidence": evidence()} for _ in range(n + 4)]

    def label(n: int = b.label_words) -> str:
        return text(n)

    brief = {
        "situation": {
            "headline": text(b.headline_words),
            "summary": text(b.situation_summary_words),
            "evidence": evidence(),
            "key_developments": [
                {
                    "what": text(b.development_words),
                    "where": label(),
                    "when": label(),
                    "evidence": evidence(),
                }
                for _ in range(b.key_developments + 4)
            ],
        },
        "actors": [
            {
                "name": label(b.actor_name_words),
                "kind": "international_organisation",
                "role": text(b.actor_role_words),
                "aliases": [label(b.alias_words) for _ in range(4)],
                "evidence": evidence(),
            }
            for _ in range(20)
        ],
        "humanitarian": {
            "summary": text(b.humanitarian_summary_words),
            "evidence": evidence(),
            "figures": [
                {
                    "value": label(),
                    "unit": label(),
                    "counts": text(b.figure_words),
                    "reported_by": label(),
                    "evidence": evidence(),
                }
                for _ in range(b.figures + 4)
            ],
            "needs": claims(b.needs),
            "access_constraints": claims(b.access_constraints),
        },
        "outlook": {
            "summary": text(b.outlook_summary_words),
            "evidence": evidence(),
            "risks": [
                {
                    "description": text(b.risk_words),
                    "likelihood": "medium",
                    "timeframe": label(),
                    "evidence": evidence(),
                }
                for _ in range(b.risks + 4)
            ],
            "indicators": claims(b.indicators),
        },
        "gaps": [text(b.gap_words) for _ in range(b.gaps + 4)],
    }
    doc = BriefDocument.model_validate(
        {
            "metadata": {
                "engine": "llm",
                "origin": "model output",
                "model": "gpt-4o-mini-2024-07-18",
                "prompt_version": "v12",
                "source": "https://www.example.org/news/2024/12/01/" + "a-long-address-" * 4,
                "title": text(20),
                "published": "2024-11-30",
                "retrieved": "2025-07-06",
            },
            "brief": brief,
        }
    )
    statuses: tuple[GroundingStatus, ...] = ("exact", "fuzzy", "not_found")
    quotes = [
        QuoteCheck(path=f"{path}.evidence[{i}]", quote=q, status=statuses[n % 3])
        for n, (path, i, q) in enumerate(
            (path, i, q) for path, ev in iter_evidence(doc.brief) for i, q in enumerate(ev)
        )
    ]
    figures = [FigureCheck(path="humanitarian.figures[0]", value="x", found=False)]
    report = GroundingReport(quotes=quotes, figures=figures, dropped=["actors[20]", "gaps[9]"])
    return doc.model_copy(update={"grounding": report})


@contextlib.contextmanager
def raises_saying(kind: type[BriefingError], pattern: str) -> Iterator[None]:
    """Like `pytest.raises(kind, match=pattern)`, matched against the message as the CLI
    prints it: options by their flags (`--max-cost`), not their setting names."""
    with pytest.raises(kind) as caught:
        yield
    shown = caught.value.render(flag)
    assert re.search(pattern, shown), f"{pattern!r} not found in {shown!r}"


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1") -> Iterator[str]:
    """An HTTP server on a free loopback port, its base URL yielded; stopped after."""
    httpd = ThreadingHTTPServer((host, 0), handler)
    httpd.daemon_threads = True
    # serve_forever checks for shutdown every poll_interval (0.5 s by default): every
    # teardown would wait that long.
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


# Device nodes (a private /dev/full, /dev/null) can only be made by root; CI runs as root.
ROOT_ONLY = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="creating device nodes needs root"
)


def chromium_path() -> str | None:
    """Debian's Chromium (`.ci/run` installs it), for the tests that open pages."""
    return shutil.which("chromium") or shutil.which("chromium-browser")
