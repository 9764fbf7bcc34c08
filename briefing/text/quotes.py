"""Where a quote lies in a text: exact, across ellipses, ignoring case, or fuzzy.

Text and quote are normalised alike (`briefing.text.normalise`: NFC, one space, plain
quote marks and dashes...). The quote's edges lose spaces, quote marks and . , ; :
(copied punctuation is noise). Every match must sit on word boundaries: where the quote
begins (ends) with a letter or digit, the text char before (after) the match must not be
one, so "Turk" is not found in "Turkish" (a quote beginning or ending with punctuation is
bounded by that punctuation). A quote is "short" when it has under 12 characters or under
3 words: short strings score high almost anywhere, so a short quote or part must match
exactly. First match wins:

1. exact: the quote occurs in the text (case-sensitive), score 100;
2. ellipsis: a quote joining parts with "...", "[...]" or "(...)" matches when every
   part is found in order, each starting at most 300 (normalised) characters after the
   previous part ends and in the same paragraph (no blank line between them). Each part
   is matched like a whole quote (exact, case-insensitive, fuzzy), short parts only
   exactly; a quote whose parts are all short carries no verifiable text and is
   not_found unless it occurs verbatim, ellipsis included. Exact when every part is
   exact, else fuzzy with the lowest part score; the span runs from the first part's
   start to the last part's end;
3. fuzzy, case-insensitive: the quote (not short) occurs ignoring case, score 99;
4. fuzzy: rapidfuzz partial-ratio alignment, widened to whole words, accepted at >= the
   threshold (default 90); a verbatim alignment that starts or ends inside a word is
   scored by its whole words instead (at most 99).

Anything else, and an empty quote, is not_found. Offsets index the original,
un-normalised text.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from briefing.schema import GroundingStatus, QuoteCheck
from briefing.text.normalise import lower_same_length, normalise_with_offsets

DEFAULT_FUZZY_THRESHOLD = 90.0
MIN_FUZZY_CHARS = 12
MIN_FUZZY_WORDS = 3
CASE_INSENSITIVE_SCORE = 99.0
MAX_ELLIPSIS_GAP = 300

_EDGE_CHARS = " \"'.,;:"
_Location = tuple[GroundingStatus, int | None, int | None, float]  # status, start, end, score
_NOT_FOUND: _Location = ("not_found", None, None, 0.0)
_ELLIPSIS = re.compile(r"\s*(?:\[\s*\.\.\.\s*\]|\(\s*\.\.\.\s*\)|\.\.\.)\s*")


@dataclass(eq=False)
class _NormalisedText:
    """One text, normalised once; reused by every quote and every re-grounding."""

    text: str
    norm: str
    starts: list[int]
    ends: list[int]
    low: str  # norm in lower case, char for char
    paragraphs: list[int]  # normalised index of each paragraph's start but the first
    memo: dict[tuple[str, float], _Location] = field(default_factory=dict)


_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")


@lru_cache(maxsize=32)
def _normalised_text(text: str) -> _NormalisedText:
    norm, starts, ends = normalise_with_offsets(text)
    breaks = sorted({bisect.bisect_left(starts, m.end()) for m in _PARAGRAPH_BREAK.finditer(text)})
    paragraphs = [b for b in breaks if 0 < b < len(norm)]
    return _NormalisedText(text, norm, starts, ends, lower_same_length(norm), paragraphs)


_Hit = tuple[int, int, float]  # [start, end) in the normalised text, score


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or unicodedata.category(ch)[0] == "M"


def _find_bounded(hay: str, needle: str, lo: int, hi: int) -> Iterator[int]:
    """Starts of `needle` in hay[lo:hi] that do not begin or end inside a word.

    An edge is checked only where the needle's own first or last char is a word char, so
    a quote that starts or ends with punctuation still matches where that char stands.
    """
    n = len(needle)
    head, tail = _is_word_char(needle[0]), _is_word_char(needle[-1])
    i = hay.find(needle, lo, hi)
    while i >= 0:
        j = i + n
        if not (head and i > 0 and _is_word_char(hay[i - 1])) and not (
            tail and j < len(hay) and _is_word_char(hay[j])
        ):
            yield i
        i = hay.find(needle, i + 1, hi)


def _is_short(part: str) -> bool:
    return len(part) < MIN_FUZZY_CHARS or len(part.split()) < MIN_FUZZY_WORDS


def _candidate_spans(
    p: _NormalisedText, part: str, lo: int, hi: int, *, loose: bool, threshold: float
) -> Iterator[_Hit]:
    """Where `part` may lie in norm[lo:hi], best tier first: exact, case-insensitive, fuzzy."""
    n = len(part)
    for i in _find_bounded(p.norm, part, lo, hi):
        yield i, i + n, 100.0
    if not loose or _is_short(part):
        return
    low = lower_same_length(part)
    for i in _find_bounded(p.low, low, lo, hi):
        if p.norm[i : i + n] != part:  # exact occurrences were offered above
            yield i, i + n, CASE_INSENSITIVE_SCORE
    if n > hi - lo:
        return
    hit = fuzz.partial_ratio_alignment(part, p.norm[lo:hi], score_cutoff=threshold)
    if hit is None:
        return
    s, e = _widen_to_words(p.norm, part, lo + hit.dest_start, lo + hit.dest_end, lo)
    score = hit.score
    if score >= 100.0:  # verbatim, but only inside longer words: judge the whole words
        score = min(fuzz.ratio(part, p.norm[s:e]), 99.0)
        if score < threshold:
            return
    yield s, e, score


def _widen_to_words(norm: str, part: str, s: int, e: int, lo: int) -> tuple[int, int]:
    """Widen a fuzzy alignment to whole words, trying one word more or fewer at each end.

    The alignment window has the quote's length, so it often cuts a word in half or
    misses a word the quote changed; the span is for readers, so give them whole words.
    """

    def word_start(i: int) -> int:  # start of the word holding norm[i]
        return max(norm.rfind(" ", lo, i + 1) + 1, lo)

    def word_end(i: int) -> int:  # end of the word holding norm[i]
        j = norm.find(" ", i)
        return len(norm) if j < 0 else j

    s0, e0 = word_start(s), word_end(e - 1)
    starts = {s0, word_start(s0 - 2) if s0 - 2 >= lo else s0, min(word_end(s0) + 1, e0 - 1)}
    ends = {e0, word_end(e0 + 1) if e0 < len(norm) else e0, max(word_start(e0 - 1) - 1, s0 + 1)}
    best = max(
        ((a, b) for a in starts for b in ends if a < b),
        key=lambda ab: (fuzz.ratio(part, norm[ab[0] : ab[1]]), -abs(ab[1] - ab[0] - len(part))),
    )
    a, b = best
    while a < b - 1 and norm[a] in _EDGE_CHARS:
        a += 1
    while b > a + 1 and norm[b - 1] in _EDGE_CHARS:
        b -= 1
    return a, b


def _find_quote(p: _NormalisedText, quote: str, threshold: float) -> _Location:
    q = normalise_with_offsets(quote)[0].strip(_EDGE_CHARS)
    if not q:
        return _NOT_FOUND
    for i in _find_bounded(p.norm, q, 0, len(p.norm)):
        return "exact", *_original_span(p, i, i + len(q)), 100.0
    parts = [x for x in (s.strip(_EDGE_CHARS) for s in _ELLIPSIS.split(q)) if x]
    if len(parts) > 1:
        if all(_is_short(part) for part in parts):  # no part can vouch for the quote
            return _NOT_FOUND
        hits = _match_parts(p, parts, loose=False, threshold=threshold) or _match_parts(
            p, parts, loose=True, threshold=threshold
        )
        if hits is None:
            return _NOT_FOUND
        score = min(h[2] for h in hits)
        status: GroundingStatus = "exact" if score == 100.0 else "fuzzy"
        return status, *_original_span(p, hits[0][0], hits[-1][1]), score
    for s, e, score in _candidate_spans(p, q, 0, len(p.norm), loose=True, threshold=threshold):
        return "fuzzy", *_original_span(p, s, e), score
    return _NOT_FOUND


def _match_parts(
    p: _NormalisedText, parts: list[str], *, loose: bool, threshold: float
) -> list[_Hit] | None:
    """One hit per part, in order, each gap inside one paragraph and <= MAX_ELLIPSIS_GAP.

    Backtracks over every candidate of every part (memoised by part and position), as
    the first occurrence of a part is not always the one its neighbours are close to.
    """
    memo: dict[tuple[int, int], list[_Hit] | None] = {}

    def match_from(k: int, prev_end: int) -> list[_Hit] | None:
        if k == len(parts):
            return []
        if (k, prev_end) in memo:
            return memo[(k, prev_end)]
        if k == 0:
            lo, hi = 0, len(p.norm)
        else:
            lo = prev_end
            hi = min(_paragraph_end(p, prev_end), prev_end + MAX_ELLIPSIS_GAP + 1 + len(parts[k]))
        found: list[_Hit] | None = None
        for hit in _candidate_spans(p, parts[k], lo, hi, loose=loose, threshold=threshold):
            if k and not _may_follow(p, prev_end, hit[0]):
                continue
            tail = match_from(k + 1, hit[1])
            if tail is not None:
                found = [hit, *tail]
                break
        memo[(k, prev_end)] = found
        return found

    return match_from(0, 0)


def _paragraph_end(p: _NormalisedText, end: int) -> int:
    """Normalised index where the paragraph holding norm[end - 1] ends."""
    k = bisect.bisect_right(p.paragraphs, end - 1)
    return p.paragraphs[k] if k < len(p.paragraphs) else len(p.norm)


def _may_follow(p: _NormalisedText, end: int, start: int) -> bool:
    """Whether a part starting at `start` may follow one ending at `end`."""
    return 0 <= start - end <= MAX_ELLIPSIS_GAP and start < _paragraph_end(p, end)


def _original_span(p: _NormalisedText, start: int, end: int) -> tuple[int, int]:
    s, e = p.starts[start], p.ends[end - 1]
    # A fuzzy alignment may begin or end on a collapsed space; keep only the words.
    while s < e and p.text[s].isspace():
        s += 1
    while e > s and p.text[e - 1].isspace():
        e -= 1
    return s, e


def locate_quote(
    quote: str, text: str, *, fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD, path: str = ""
) -> QuoteCheck:
    """Find one quote in `text`; see the module docstring for the rules.

    The normalised text and each quote's result are cached per text, so locating the
    quotes of a brief again (after dropping the unverified ones) costs almost nothing.
    """
    check_fuzzy_threshold(fuzzy_threshold)
    p = _normalised_text(text)
    key = (quote, fuzzy_threshold)
    if key not in p.memo:
        p.memo[key] = _find_quote(p, quote, fuzzy_threshold)
    status, start, end, score = p.memo[key]
    return QuoteCheck(path=path, quote=quote, status=status, start=start, end=end, score=score)


def check_fuzzy_threshold(threshold: float) -> None:
    if not 0.0 < threshold <= 100.0:
        raise ValueError(f"fuzzy_threshold must be in (0, 100], got {threshold}")
