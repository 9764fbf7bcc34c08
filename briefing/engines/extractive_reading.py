"""The article as the extractive engine reads it: body sentences and who is named where.

Read once per brief and shared by every section: the sentences of the body (headings
left out, datelines cut off, run-on sentences cut into pieces of bounded length), the
entities and places `briefing.text.entities` found, and an index of every mention by
position, so a section can ask which sentence holds a position, which names a span
mentions, and which sentences carry a cue best.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from briefing.budgets import word_count
from briefing.ingest.article import Article
from briefing.text.entities import DATELINE, Analysis, Entity, analyse
from briefing.text.lexicon import Lexicon, reading_lexicon
from briefing.text.sentences import Sentence

OPENING_QUOTES = ("“", '"', "‘")


@dataclass(frozen=True)
class ArticleReading:
    """One article, read once and shared by every section of its brief."""

    text: str
    body: list[Sentence]  # body sentences, datelines cut off
    analysis: Analysis
    order: dict[int, int]  # sentence start -> index in body
    starts: list[int]
    mentions: list[tuple[int, Entity]]  # (start, entity) for every mention, by start
    lex: Lexicon  # the cues of the article's language (neutral ones when it has none)

    def sentence_at(self, pos: int) -> Sentence | None:
        i = bisect_right(self.starts, pos) - 1
        return self.body[i] if i >= 0 and pos < self.body[i].end else None

    def names_in(self, lo: int, hi: int) -> list[tuple[int, Entity]]:
        i, j = (bisect_left(self.mentions, x, key=_mention_start) for x in (lo, hi))
        return self.mentions[i:j]


def article_language(article: Article) -> str:
    """The language to read the article in. An article built without detection (by hand,
    in code) is read as English, as it always was."""
    return article.detected.code if article.detected else "en"


def read_article(article: Article) -> ArticleReading:
    """Split, analyse and index the article's body for the sections."""
    language = article_language(article)
    lex = reading_lexicon(language)
    analysis = analyse(article.text, language=language)
    if all(s.heading for s in analysis.sentences):
        # Nothing but heading-like lines (a one-line flash without a full stop): they
        # are the article, so read them as body text.
        analysis = analyse(article.text, skip_headings=False, language=language)
    body: list[Sentence] = []
    for s in (s for s in analysis.sentences if not s.heading):
        date = DATELINE.match(s.text)
        if date and (not body or body[-1].block != s.block) and date.end() < len(s.text):
            s = Sentence(s.text[date.end() :], s.start + date.end(), s.end, s.block, False)
        body += _split_run_on(article.text, s, lex)
    mentions = sorted(
        ((m.start, e) for e in analysis.entities for m in e.mentions), key=_mention_start
    )
    order = {s.start: n for n, s in enumerate(body)}
    starts = [s.start for s in body]
    return ArticleReading(article.text, body, analysis, order, starts, mentions, lex)


def _split_run_on(text: str, s: Sentence, lex: Lexicon, most: int = 80) -> list[Sentence]:
    """A run-on "sentence" (a transcript, a text without full stops) cut at clauses, or at
    every `most`th word, into pieces of at most `most` words: work per sentence stays bounded."""
    if word_count(s.text) <= most:
        return [s]
    words = [s.start + m.end() for m in re.finditer(r"\S+\s+", s.text)][most - 1 :: most]
    breaks = lex.clause_break.finditer(text, s.start, s.end)
    cuts = sorted({*(m.end() for m in breaks), *words, s.end})
    out: list[Sentence] = []
    start = prev = s.start
    for cut in cuts:
        if word_count(text[start:cut]) > most or cut == s.end:
            end = cut if cut == s.end and word_count(text[start:cut]) <= most else prev
            piece = text[start:end].rstrip()
            out.append(Sentence(piece, start, start + len(piece), s.block, False))
            start = end
        prev = cut
    if start < s.end:
        out.append(Sentence(text[start : s.end], start, s.end, s.block, False))
    return [p for p in out if p.text.strip()]


def _mention_start(mention: tuple[int, Entity]) -> int:
    return mention[0]


def rank_by_cue(
    reading: ArticleReading,
    cue: re.Pattern[str],
    skip: set[int],
    extra: Callable[[Sentence], float] | None = None,
) -> list[Sentence]:
    """Sentences with the cue, best first: cue words, named actors, early position; quotes
    count a little less."""

    def score(s: Sentence) -> float:
        names = min(len(reading.names_in(s.start, s.end)), 2)
        early = 1 - reading.order[s.start] / len(reading.body)
        quote = 0.5 * s.text.startswith(OPENING_QUOTES)
        return (
            2 * len(cue.findall(s.text)) + 0.5 * names + early - quote + (extra(s) if extra else 0)
        )

    hits = [s for s in reading.body if s.start not in skip and cue.search(s.text)]
    return sorted(hits, key=lambda s: (-score(s), s.start))
