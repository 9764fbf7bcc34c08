"""The extractive engine on a ~5,000-word article (target: under 1 s).

The article is the Dalmar report's paragraphs repeated with their numbers varied, so
that names, figures and sentences keep their real shape at five times the length.
"""

from __future__ import annotations

import argparse
import re
from functools import partial

from _util import EXAMPLES, timed

from briefing.engines.extractive import extract_brief
from briefing.ingest.article import Article, load_article, make_article

TARGET_WORDS = 5_000


def long_article(words: int = TARGET_WORDS) -> Article:
    source = load_article(str(EXAMPLES / "dalmar-corridor-report.md"))
    title, *body = [p.text for p in source.paragraphs]
    paragraphs: list[str] = [title]
    copy = 0
    while sum(len(p.split()) for p in paragraphs) < words:
        copy += 1
        # Vary every number so that figures and dates differ between the copies.
        paragraphs += [re.sub(r"\d+", partial(_shift, by=copy), text) for text in body]
    return make_article("bench.md", paragraphs, title=title, format="markdown")


def _shift(match: re.Match[str], by: int) -> str:
    return str(int(match.group()) + by)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    article = long_article()
    median, worst = timed(lambda: extract_brief(article), args.runs)
    print(f"extract_brief: {article.word_count} words, {args.runs} runs")
    print(f"  median {median:.3f} s, max {worst:.3f} s (target < 1 s)")


if __name__ == "__main__":
    main()
