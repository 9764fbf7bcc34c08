"""Every text pass is linear: time each on an article doubled four times (goal: at most
2.3x the time per doubling, fitted over the five sizes; a quadratic pass shows 4x).

The article is one line, the worst case for line-based passes: the Kessara wire's
sentences repeated (numbers varied per copy) to 256 KB, then 512 KB ... 4 MB. Passes:
loading (decoding, cleaning, screening for text addressed to machines), sentence
splitting, chunking (offline tokenizer), the extractive engine, and grounding the
extractive brief again. Each time is the least CPU time of `--runs`, to keep a shared
machine's noise out of the ratios.
"""

from __future__ import annotations

import argparse
import gc
import math
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _util import EXAMPLES

from briefing.engines.extractive import extract_brief
from briefing.grounding import ground_brief
from briefing.ingest.article import Article, load_article
from briefing.ingest.chunking import chunk_text, resolve_tokenizer
from briefing.text.sentences import split_sentences

GOAL = 2.3


def single_line(size: int) -> str:
    """About `size` characters of news prose on one line, numbers varied per copy."""
    source = load_article(str(EXAMPLES / "kessara-floods-wire.txt"))
    body = " ".join(p.text for p in source.paragraphs[1:])
    copies: list[str] = []
    total = 0
    while total < size:
        n = len(copies) + 1
        copies.append(re.sub(r"\d+", lambda m, n=n: str(int(m.group()) + n), body))
        total += len(copies[-1]) + 1
    return "Floods kill hundreds across the Kessara basin\n\n" + " ".join(copies)[:size]


def best(fn: Callable[[], object], runs: int) -> float:
    """The least CPU time of `runs` calls: CPU time, not wall time, so that other work on a
    shared machine does not pass for growth; the least, so that a noisy run does not."""
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def passes(path: Path) -> dict[str, Callable[[], object]]:
    article: Article = load_article(str(path), max_bytes=64 * 1024 * 1024)
    tokenizer = resolve_tokenizer("gpt-4o-mini", offline=True)
    brief = extract_brief(article)
    return {
        "load + clean + screen": lambda: load_article(str(path), max_bytes=64 * 1024 * 1024),
        "split sentences": lambda: split_sentences(article.text),
        "chunk (3,000 tokens)": lambda: chunk_text(
            article.text, tokenizer, max_tokens=3000, overlap=150
        ),
        "extractive engine": lambda: extract_brief(article),
        # Ten times, each on a fresh copy of the text (grounding caches per text): once
        # is too quick to time well at the smaller sizes.
        "grounding (x10)": lambda: [ground_brief(brief, "".join(article.text)) for _ in range(10)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start-kb", type=int, default=256)
    parser.add_argument("--doublings", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [args.start_kb * 1024 * 2**i for i in range(args.doublings + 1)]
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            path = Path(folder) / f"article-{size}.txt"
            path.write_text(single_line(size), encoding="utf-8")
            for name, fn in passes(path).items():
                results.setdefault(name, []).append(best(fn, args.runs))
    header = " ".join(f"{s // 1024:>7} KB" for s in sizes)
    print(f"{'pass':<24} {header}   each doubling; fitted (goal <= {GOAL}x)")
    worst = 0.0
    for name, times in results.items():
        ratios = [b / a for a, b in zip(times, times[1:], strict=False)]
        fitted = per_doubling(times)
        worst = max(worst, fitted)
        cells = " ".join(f"{t:>8.2f}s" for t in times)
        steps = " ".join(f"{r:.2f}x" for r in ratios)
        print(f"{name:<24} {cells}   {steps}; {fitted:.2f}x")
    print(f"worst fitted ratio {worst:.2f}x: {'within' if worst <= GOAL else 'OVER'} the goal")


def per_doubling(times: list[float]) -> float:
    """The growth per doubling that fits all the sizes at once: 2 to the slope of log
    time against log size (least squares). One step's ratio swings with a shared
    machine's load; the fit over five sizes does much less (linear: 2x, quadratic: 4x)."""
    xs = [float(i) for i in range(len(times))]  # log2 of size, up to a constant
    ys = [math.log2(max(t, 1e-6)) for t in times]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    return float(2**slope)


if __name__ == "__main__":
    main()
