"""Grounding 60 quotes (exact, fuzzy and invented) against a 10,000-word article.

Target: well under 0.5 s for the first (uncached) run.
"""

from __future__ import annotations

import time

from _util import EXAMPLES

from briefing.grounding import ground_brief
from briefing.schema import Actor, ActorKind, Brief, HumanitarianImpact, Outlook, Situation


def build() -> tuple[Brief, str]:
    raw = (EXAMPLES / "aleppo-offensive.txt").read_text(encoding="utf-8").split("Leave a Reply")[0]
    paragraphs = [p for p in raw.split("\n\n") if len(p.split()) > 12]
    text = "\n\n".join(f"Dispatch {i}. {p}" for i in range(25) for p in paragraphs)
    quotes = []
    for i, paragraph in enumerate(paragraphs * 5):
        words = paragraph.split()
        quote = " ".join(words[2:14])
        if i % 3 == 1:
            quote = quote.replace(words[6], "banana", 1)  # forces the fuzzy path
        elif i % 3 == 2:
            quote = f"an invented sentence number {i} about nothing in particular at all"
        quotes.append(quote)
    actors = [
        Actor(name=f"A{i}", kind=ActorKind.OTHER, role="r", aliases=[], evidence=[q])
        for i, q in enumerate(quotes[:60])
    ]
    brief = Brief(
        situation=Situation(headline="h", summary="s", evidence=[], key_developments=[]),
        actors=actors,
        humanitarian=HumanitarianImpact(
            summary="s", evidence=[], figures=[], needs=[], access_constraints=[]
        ),
        outlook=Outlook(summary="s", evidence=[], risks=[], indicators=[]),
        gaps=[],
    )
    return brief, text


if __name__ == "__main__":
    brief, text = build()
    runs = []
    for i in range(5):
        fresh = text + " " * (i + 1)  # a new text each run: no cached normalisation
        start = time.perf_counter()
        report = ground_brief(brief, fresh)
        runs.append(time.perf_counter() - start)
    print(
        f"{len(text.split())} words, {len(report.quotes)} quote checks: "
        f"first {runs[0]:.3f} s, max {max(runs):.3f} s over 5 uncached runs (target < 0.5 s)"
    )
