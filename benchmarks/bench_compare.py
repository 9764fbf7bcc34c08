"""Comparing 2 variants on 10 articles end to end (target: under 3 s).

End to end means: load the articles, run every (article, variant) through the pipeline,
compute metrics, then render the terminal table, the HTML report and the JSON result.

- `extractive` twice (an A/A run) needs no cassette and is the floor of the real path.
- With `--cassette-dir DIR` holding `<article>.<version>.json` recordings of the example
  articles, `v1` against `v2` is replayed from them as well.
"""

from __future__ import annotations

import argparse
import io
import shutil
import tempfile
from pathlib import Path

from _util import EXAMPLES, timed
from rich.console import Console

from briefing.compare import run_comparison
from briefing.compare_report import render_html, render_terminal
from briefing.config import Settings

ARTICLE_COUNT = 10


def ten_articles(folder: Path) -> Path:
    """The example articles, copied round-robin under distinct names, ten in all."""
    sources = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".txt", ".md", ".html"))
    for i in range(ARTICLE_COUNT):
        src = sources[i % len(sources)]
        shutil.copy(src, folder / f"{i:02d}-{src.name}")
    return folder


def end_to_end(
    articles: Path, gold: Path, versions: list[str], cassettes: Path | None
) -> tuple[int, int]:
    result = run_comparison(
        [articles],
        versions,
        Settings(),
        cassette_dir=cassettes,
        record_mode="replay",
        gold_dir=gold,
    )
    render_terminal(result, Console(file=io.StringIO(), width=140))
    html = render_html(result)
    result.model_dump_json()
    return len(result.runs), len(html)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cassette-dir", type=Path, help="recordings of the example articles")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        articles = ten_articles(folder)
        # Gold files are named after the article stem; give each copy its example's gold.
        gold = Path(tmp) / "gold"
        gold.mkdir()
        for copy in articles.iterdir():
            original = EXAMPLES / "gold" / f"{copy.stem[3:]}.gold.json"
            if original.is_file():
                shutil.copy(original, gold / f"{copy.stem}.gold.json")
        cases: list[tuple[str, list[str], Path | None]] = [
            ("extractive vs extractive", ["extractive", "extractive"], None)
        ]
        if args.cassette_dir:
            replay = Path(tmp) / "cassettes"
            replay.mkdir()
            for copy in articles.iterdir():
                for version in ("v1", "v2"):
                    recorded = args.cassette_dir / f"{copy.stem[3:]}.{version}.json"
                    if recorded.is_file():
                        shutil.copy(recorded, replay / f"{copy.stem}.{version}.json")
            cases.append(("v1 vs v2 from cassettes", ["v1", "v2"], replay))
        for label, versions, cassettes in cases:
            runs, size = end_to_end(articles, gold, versions, cassettes)
            median, worst = timed(
                lambda v=versions, c=cassettes: end_to_end(articles, gold, v, c), args.runs
            )
            print(
                f"{label}: {ARTICLE_COUNT} articles, {runs} runs, HTML {size // 1024} KiB; "
                f"median {median:.2f} s, max {worst:.2f} s over {args.runs} runs (target < 3 s)"
            )


if __name__ == "__main__":
    main()
