"""The deterministic support check, per brief, on every example brief.

For each example article: the hand-written reference brief and the extractive engine's
brief are grounded once, then `check_support` runs RUNS times. Prints, per brief, the
first run's processor time (word lists and the article's sentences are read then) and
the median of the others, in wall time and processor time (on a shared machine the
processor time says what the check costs), with the support rate. Then the reference
brief of the longest article checked against that article repeated ten times.

Target: under 50 ms per brief (the median). Exits 1 when a median is missed.
"""

from __future__ import annotations

import statistics
import sys
import time

from _util import EXAMPLES

from briefing.engines.extractive import extract_brief
from briefing.grounding import ground_brief
from briefing.ingest.article import load_article
from briefing.schema import Brief, BriefDocument
from briefing.support import check_support

RUNS = 20
TARGET_S = 0.050


def measure(brief: Brief, text: str) -> tuple[float, float, float, float]:
    """(first run's cpu, median wall, median cpu, support rate)."""
    report = ground_brief(brief, text)
    walls, cpus = [], []
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        result = check_support(brief, text, report)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    supported = sum(c.status == "supported" for c in result.checks) / len(result.checks)
    return cpus[0], statistics.median(walls[1:]), statistics.median(cpus[1:]), supported


def main() -> None:
    missed = False
    articles = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".txt", ".md", ".html"))
    for path in articles:
        article = load_article(str(path))
        reference = EXAMPLES / f"{path.stem}.brief.json"
        briefs = [("extractive", extract_brief(article))]
        if reference.exists():
            doc = BriefDocument.model_validate_json(reference.read_text(encoding="utf-8"))
            briefs.insert(0, ("hand-written", doc.brief))
        for label, brief in briefs:
            first, wall, cpu, rate = measure(brief, article.text)
            missed |= wall >= TARGET_S
            print(
                f"{path.name:28} {label:12} first {first * 1000:6.1f} ms cpu, median "
                f"{wall * 1000:5.1f} ms wall / {cpu * 1000:5.1f} ms cpu; supported {rate:.0%}"
            )
    # A long article: the check reads only the quotes and the sentences around them.
    article = load_article(str(EXAMPLES / "dalmar-corridor-report.md"))
    long_text = "\n\n".join([article.text] * 10)
    doc = BriefDocument.model_validate_json(
        (EXAMPLES / "dalmar-corridor-report.brief.json").read_text(encoding="utf-8")
    )
    first, wall, cpu, _ = measure(doc.brief, long_text)
    print(
        f"dalmar x10 ({len(long_text.split())} words) hand-written: first "
        f"{first * 1000:.1f} ms cpu, median {wall * 1000:.1f} ms wall / {cpu * 1000:.1f} ms cpu"
    )
    print(f"target: median under {TARGET_S * 1000:.0f} ms per brief")
    if missed:
        print("MISSED: a brief's median check took longer than the target")
        sys.exit(1)


if __name__ == "__main__":
    main()
