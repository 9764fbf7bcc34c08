"""Verbatim spans of a sentence: clauses, a span within a word limit, its display text.

The extractive engine quotes the article, so every text it shows must be a substring of
the article: these helpers cut a sentence at clause boundaries, grow or trim the piece
around a position to fit a word budget, tidy its edges (a hanging "of", an unbalanced
quote mark) without breaking that promise, and mark with an ellipsis where a shown text
was cut inside a clause. They need only the article text and its sentences; which
sentence and which position to quote is the engine's choice (`briefing.engines.extractive`).
"""

from __future__ import annotations

import re

from briefing.budgets import word_count
from briefing.text.lexicon import Lexicon, english
from briefing.text.sentences import Sentence

# Clause boundaries are the language's `clause_break` cue: punctuation, after "said", and
# before words that open a lower-case clause (never inside a name such as "Food and
# Agriculture Organization"); `hanging_words` cannot start or end a phrase cut short.
_WORD = re.compile(r"\S+")


def clause_bounds(text: str, s: Sentence, lex: Lexicon | None = None) -> list[tuple[int, int]]:
    """The [start, end) of each clause of sentence `s` of `text`."""
    lex = lex or english()
    breaks = lex.clause_break.finditer(text, s.start, s.end)
    # A clause after a comma starts after its conjunction ("..., but the road is cut"):
    # the conjunction is never shown, so it takes no room in a span either.
    ends = [m.end() for m in breaks]
    bounds = [s.start, *(_after_conjunction(text, a, s.end, lex) for a in ends), s.end]
    return [(a, z) for a, z in zip(bounds, bounds[1:], strict=False) if z > a]


def _after_conjunction(text: str, at: int, end: int, lex: Lexicon) -> int:
    found = lex.conjunction.match(text, at, end)
    return found.end() if found else at


def span_around(text: str, s: Sentence, lo: int, limit: int, lex: Lexicon | None = None) -> str:
    """A verbatim span of `s` containing position `lo`, within `limit` words, that starts
    where a reader can start: at the sentence's start, or at a clause that opens with a
    capital, a digit or a quote ("holding rural areas could..." is not such a start).

    The longest start of the sentence that reaches `lo` (the subject usually comes first);
    else the clause at `lo` grown by whole clauses to the right, run on word by word when
    much room is left, then grown to the left; else a window of words. When that span
    would open mid-sentence in lower case, a window from the sentence's start (or from
    the last capitalised clause before `lo`) is taken instead, if it still reaches `lo`.
    """
    lex = lex or english()
    span = _clause_span(text, s, lo, limit, lex)
    at = text.find(span, s.start)
    if not span or at <= s.start or not span[0].islower():
        return span
    starts = [s.start] + [
        a for a, _ in clause_bounds(text, s, lex)[1:] if a <= lo and _reads_as_start(text[a])
    ]
    # The window must hold the words at `lo` (the cue), not stop right on them.
    after = [w.end() for w in _WORD.finditer(text, lo, s.end)][:3]
    reach = after[-1] if after else lo
    for start in sorted(starts, reverse=True) if len(starts) > 1 else starts:
        words = list(_WORD.finditer(text, start, s.end))[:limit]
        if words and words[-1].end() >= reach:
            window = _drop_hanging_words(text[start : words[-1].end()], lex)
            if text.find(window, start) + len(window) > lo:
                return tidy_span(window)
    return span


def reported(text: str, s: Sentence, span: str, lex: Lexicon) -> bool:
    """Whether the span is what someone said or warned: it follows such a verb ("said
    the most likely outcome...", "warned that supplies..."), so it reads whole after an
    ellipsis."""
    at = text.find(span, s.start)
    before = text[s.start : at].rstrip()
    last = re.search(r"(\S+)(?:\s+that)?$", before)
    verb = last.group(1) if last else ""
    return bool(lex.reporting.fullmatch(verb) or lex.forward_strong.fullmatch(verb))


def opens_well(text: str, s: Sentence, span: str) -> bool:
    """Whether a reader can start at the span: the sentence's start, or a capital."""
    at = text.find(span, s.start)
    return bool(span) and (at <= s.start or _reads_as_start(span[0]))


def _reads_as_start(ch: str) -> bool:
    return ch.isupper() or ch in '"“‘«¿¡'


def _clause_span(text: str, s: Sentence, lo: int, limit: int, lex: Lexicon) -> str:
    """`span_around` without the check of where it starts."""
    if word_count(s.text) <= limit:
        return tidy_span(s.text)
    segs = clause_bounds(text, s, lex)
    i = next((k for k, (_, z) in enumerate(segs) if lo < z), len(segs) - 1)
    j = i
    if word_count(text[s.start : segs[j][1]]) <= limit:
        i = 0
    if word_count(text[segs[i][0] : segs[j][1]]) <= limit:
        while j + 1 < len(segs) and word_count(text[segs[i][0] : segs[j + 1][1]]) <= limit:
            j += 1
        start, end = segs[i][0], segs[j][1]
        room = limit - word_count(text[start:end])
        # Much room left, or a bare "X said": run on word by word into the next clause (the
        # shown text marks the cut).
        said = re.search(r"\b(?:said|says|told)\s*$", text[start:end]) and room >= 2
        if j + 1 < len(segs) and (room > 0.4 * limit or said):
            more = list(_WORD.finditer(text, end, segs[j + 1][1]))
            return tidy_span(
                _drop_hanging_words(text[start : more[min(room, len(more)) - 1].end()], lex)
            )
        while i > 0 and word_count(text[segs[i - 1][0] : end]) <= limit:
            i -= 1
        return tidy_span(_drop_hanging_words(text[segs[i][0] : end], lex))
    # The anchor's clause alone is too long: `limit` of its words around the anchor.
    words = list(_WORD.finditer(text, segs[i][0], segs[i][1]))
    at = next((k for k, w in enumerate(words) if w.end() > lo), 0)
    first = 0 if at < limit - 2 else max(0, min(at + 3, len(words)) - limit)
    while 0 < first and words[first].group()[0].isupper() and words[first - 1].group()[0].isupper():
        first -= 1  # never start inside a name ("…Today shows")
    last = min(first + limit, len(words)) - 1
    return tidy_span(_drop_hanging_words(text[words[first].start() : words[last].end()], lex))


def _drop_hanging_words(span: str, lex: Lexicon) -> str:
    """Drop words that cannot start or end a phrase cut short ("of", "in an", "said")."""
    hanging = lex.hanging_words
    span = span.strip()
    while (m := re.search(r"\s+(\S+)$", span)) and m.group(1).strip(",;:").lower() in hanging:
        span = span[: m.start()]
    while (m := re.match(r"(\S+)\s+", span)) and m.group(1) in hanging - {"a", "an", "the"}:
        span = span[m.end() :]
    return span


def tidy_span(span: str) -> str:
    """Trim separators, a leading conjunction and unbalanced quotes (still a substring)."""
    span = re.sub(
        r"^(?:and|but|or|while|whereas)\s+", "", span.strip(" \n,;:—–(").rstrip(" ,;:—–(")
    )
    for left, right in (("“", "”"), ("‘", "’")):
        if span.startswith(left) and right not in span:
            span = span[1:]
        if span.endswith(right) and left not in span:
            span = span[:-1].rstrip(" ,;:")
    if span.count('"') % 2:
        span = span[1:] if span.startswith('"') else span.rstrip('"').rstrip(" ,;:")
    return span.strip()


def display_text(text: str, s: Sentence, span: str, lex: Lexicon | None = None) -> str:
    """Display text for a span: an ellipsis marks a cut inside a clause."""
    end = text.find(span, s.start) + len(span)
    rest = text[end : s.end].strip()
    if not rest or span.endswith((".", "!", "?")) or rest[0] in ',;:—–)”"’.':
        return span
    return span if (lex or english()).clause_break.match(text, end) else span + "…"


def cue_position(text: str, s: Sentence, cue: re.Pattern[str], lex: Lexicon | None = None) -> int:
    """Where the cue sits in the clause of `s` with the most cue words (first of equals)."""
    best: tuple[int, int] | None = None
    for a, z in clause_bounds(text, s, lex):
        hits = [m.start() for m in cue.finditer(text, a, z)]
        if hits and (best is None or len(hits) > best[0]):
            best = (len(hits), hits[0])
    return best[1] if best else s.start


def pick_sentences(
    text: str, ranked: list[Sentence], limit: int, most: int, lex: Lexicon | None = None
) -> list[str]:
    """The best whole sentences that fit `limit` words together, in reading order; only a
    best sentence too long on its own is cut to its first clauses."""
    if ranked and word_count(ranked[0].text) > limit:
        return [span_around(text, ranked[0], ranked[0].start, limit, lex)]
    chosen: list[Sentence] = []
    for s in ranked:
        if len(chosen) < most and sum(map(word_count, (c.text for c in chosen + [s]))) <= limit:
            chosen.append(s)
    return [tidy_span(s.text) for s in sorted(chosen, key=lambda s: s.start)]


def summary_quotes(text: str, parts: list[str], limit: int) -> list[str]:
    """At most `limit` quotes that hold the summary's parts: parts that follow each other
    in one paragraph become one quote, so a three-sentence summary fits two quotes."""
    quotes: list[str] = []
    end = -1  # where the previous quote ends in the text
    for part in parts:
        at = text.find(part)
        if quotes and end >= 0 and at >= end and text[end:at].strip(" ") == "":
            quotes[-1] = text[text.find(quotes[-1]) : at + len(part)]
        else:
            quotes.append(part)
        end = at + len(part) if at >= 0 else -1
    return quotes[:limit]


def join_summary(text: str, parts: list[str]) -> str:
    """Parts joined; one cut short ends in an ellipsis, a whole list item in a full stop."""
    ends = (text[text.find(p) + len(p) :][:1] for p in parts)
    return " ".join(
        p if p.endswith((".", "!", "?", "”", '"', "’")) else p + ("." if e in "\n" else "…")
        for p, e in zip(parts, ends, strict=True)
    )
