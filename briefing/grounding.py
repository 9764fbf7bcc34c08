"""Locate every evidence quote and every humanitarian figure of a brief in the article.

Quotes. Article and quote are normalised alike: Unicode NFC (so "o" + combining acute
and "ó" are one letter); whitespace runs become one space; curly, low and prime quote
marks become ' or "; dashes (and "--") become "-" and lose the spaces around them; "…"
becomes "..."; zero-width characters and soft hyphens vanish; case is kept. The quote's
edges lose spaces, quote marks and . , ; : (copied punctuation is noise). Every match
must sit on word boundaries: where the quote begins (ends) with a letter or digit, the
article char before (after) the match must not be one, so "Turk" is not found in
"Turkish" (a quote beginning or ending with punctuation is bounded by that punctuation).
A quote is "short" when it has under 12 characters or under 3 words: short strings score
high almost anywhere, so a short quote or part must match exactly. First match wins:

1. exact: the quote occurs in the article (case-sensitive), score 100;
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

Anything else, and an empty quote, is not_found. An item with no evidence is reported as
one not_found check with path "<item>.evidence" and quote "", so an evidence-free claim
always lowers the rate. Offsets index the original, un-normalised text.

Figures. Every number in a figure's value (as `briefing.text.numbers` reads them: digits,
number words, "$10m", "2bn", vague amounts such as "thousands", "tens of thousands") must
appear in the article as a number of equal value. A percentage (in the value or unit)
must match a percentage; currency and qualifiers ("about", "at least") are not
compared. Two article forms do not count: the word "one" on its own ("no one", "one
of", "one day" are rarely the number 1; "one million", "one percent", "twenty-one" and
the digit "1" still count), and, for a value written with a thousands separator
("2,016"), a four-digit year (1800-2100) in a date context ("in 2016", "March 2016",
"2015-16", "2016's"); "8,500" still matches "8500". A match inside the figure's own
located evidence is preferred for `matched`.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol, TypeVar

from rapidfuzz import fuzz

from briefing.schema import (
    Brief,
    FigureCheck,
    GroundingReport,
    GroundingStatus,
    QuoteCheck,
    iter_evidence,
)
from briefing.text.numbers import Mention, mentions

DEFAULT_FUZZY_THRESHOLD = 90.0
MIN_FUZZY_CHARS = 12
MIN_FUZZY_WORDS = 3
CASE_INSENSITIVE_SCORE = 99.0
MAX_ELLIPSIS_GAP = 300

_CHAR_MAP = {
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2039\u203a`\u00b4", "'"),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    "\u2026": "...",
}
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_EDGE = " \"'.,;:"
_Found = tuple[GroundingStatus, int | None, int | None, float]  # status, start, end, score
_NOT_FOUND: _Found = ("not_found", None, None, 0.0)
_ELLIPSIS = re.compile(r"\s*(?:\[\s*\.\.\.\s*\]|\(\s*\.\.\.\s*\)|\.\.\.)\s*")


def _nfc(s: str) -> tuple[str, Sequence[int], Sequence[int]]:
    """NFC-composed text plus, per char, the [start, end) it came from in `s`.

    Composition only joins a char with the marks (and Hangul vowel/final jamo) after it,
    so each such cluster is composed alone and all its output chars map to the cluster.
    """
    if unicodedata.is_normalized("NFC", s):
        return s, range(len(s)), range(1, len(s) + 1)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(s)
    while i < n:
        j = i + 1
        while j < n and (unicodedata.category(s[j])[0] == "M" or "\u1160" <= s[j] <= "\u11ff"):
            j += 1
        piece = unicodedata.normalize("NFC", s[i:j])
        out.append(piece)
        starts += [i] * len(piece)
        ends += [j] * len(piece)
        i = j
    return "".join(out), starts, ends


# What _normalise may change: whitespace (but a lone " " between ordinary chars, by far
# the most common, which stays as it is), invisible and mapped chars, "-" (for "--"). \Z
# flushes the last run of ordinary text.
_CHANGED = re.escape("".join(sorted(_INVISIBLE | set(_CHAR_MAP) | {"-"})))
_SPECIAL = re.compile(
    rf"\s{{2,}}|[^\S ]|\A | (?=[{_CHANGED}])|(?<=[{_CHANGED}]) | \Z|[{_CHANGED}]|\Z"
)


def _normalise(s: str) -> tuple[str, list[int], list[int]]:
    """Normalised text plus, per normalised char, its original [start, end) offsets."""
    t, t_starts, t_ends = _nfc(s)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last = ""  # the last normalised char
    space_from: int | None = None  # start of a whitespace run not yet emitted
    space_to = 0
    pos = 0
    for m in _SPECIAL.finditer(t):
        a, b = m.span()
        if pos < a:  # t[pos:a] is kept as it is
            if space_from is not None and last and last != "-":
                out.append(" ")
                starts.append(space_from)
                ends.append(space_to)
            space_from = None
            out.append(t[pos:a])
            starts += t_starts[pos:a]
            ends += t_ends[pos:a]
            last = t[a - 1]
        pos = b
        if a == len(t):
            break
        ch = t[a]
        if ch.isspace():
            if space_from is None:
                space_from = t_starts[a]
            space_to = t_ends[b - 1]
            continue
        if ch in _INVISIBLE:
            continue
        rep = _CHAR_MAP.get(ch, ch)
        if rep == "-" and last == "-":  # "--" typed for a dash
            space_from = None
            continue
        if space_from is not None and rep != "-" and last and last != "-":
            out.append(" ")
            starts.append(space_from)
            ends.append(space_to)
        space_from = None
        out.append(rep)  # "…" expands to three chars that all map back to it
        starts += [t_starts[a]] * len(rep)
        ends += [t_ends[a]] * len(rep)
        last = rep[-1]
    return "".join(out), starts, ends


def _lower(s: str) -> str:
    """Lower case, char for char (a char whose lower case is longer is kept as is)."""
    low = s.lower()
    if len(low) == len(s):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in s)


@dataclass(eq=False)
class _Prepared:
    """One article, normalised once; reused by every quote, figure and re-grounding."""

    text: str
    norm: str
    starts: list[int]
    ends: list[int]
    low: str  # norm in lower case, char for char
    paragraphs: list[int]  # normalised index of each paragraph's start but the first
    mentions: list[Mention]
    memo: dict[tuple[str, float], _Found] = field(default_factory=dict)


_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")


@lru_cache(maxsize=32)
def _prepare(text: str) -> _Prepared:
    norm, starts, ends = _normalise(text)
    breaks = sorted({bisect.bisect_left(starts, m.end()) for m in _PARAGRAPH_BREAK.finditer(text)})
    paragraphs = [b for b in breaks if 0 < b < len(norm)]
    return _Prepared(text, norm, starts, ends, _lower(norm), paragraphs, mentions(text))


# --- quotes ---------------------------------------------------------------------------

_Hit = tuple[int, int, float]  # [start, end) in the normalised text, score


def _is_word(ch: str) -> bool:
    return ch.isalnum() or unicodedata.category(ch)[0] == "M"


def _bounded(hay: str, needle: str, lo: int, hi: int) -> Iterator[int]:
    """Starts of `needle` in hay[lo:hi] that do not begin or end inside a word.

    An edge is checked only where the needle's own first or last char is a word char, so
    a quote that starts or ends with punctuation still matches where that char stands.
    """
    n = len(needle)
    head, tail = _is_word(needle[0]), _is_word(needle[-1])
    i = hay.find(needle, lo, hi)
    while i >= 0:
        j = i + n
        if not (head and i > 0 and _is_word(hay[i - 1])) and not (
            tail and j < len(hay) and _is_word(hay[j])
        ):
            yield i
        i = hay.find(needle, i + 1, hi)


def _is_short(part: str) -> bool:
    return len(part) < MIN_FUZZY_CHARS or len(part.split()) < MIN_FUZZY_WORDS


def _candidates(
    p: _Prepared, part: str, lo: int, hi: int, *, loose: bool, threshold: float
) -> Iterator[_Hit]:
    """Where `part` may lie in norm[lo:hi], best tier first: exact, case-insensitive, fuzzy."""
    n = len(part)
    for i in _bounded(p.norm, part, lo, hi):
        yield i, i + n, 100.0
    if not loose or _is_short(part):
        return
    low = _lower(part)
    for i in _bounded(p.low, low, lo, hi):
        if p.norm[i : i + n] != part:  # exact occurrences were offered above
            yield i, i + n, CASE_INSENSITIVE_SCORE
    if n > hi - lo:
        return
    hit = fuzz.partial_ratio_alignment(part, p.norm[lo:hi], score_cutoff=threshold)
    if hit is None:
        return
    s, e = _snap(p.norm, part, lo + hit.dest_start, lo + hit.dest_end, lo)
    score = hit.score
    if score >= 100.0:  # verbatim, but only inside longer words: judge the whole words
        score = min(fuzz.ratio(part, p.norm[s:e]), 99.0)
        if score < threshold:
            return
    yield s, e, score


def _snap(norm: str, part: str, s: int, e: int, lo: int) -> tuple[int, int]:
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
    while a < b - 1 and norm[a] in _EDGE:
        a += 1
    while b > a + 1 and norm[b - 1] in _EDGE:
        b -= 1
    return a, b


def _locate(p: _Prepared, quote: str, threshold: float) -> _Found:
    q = _normalise(quote)[0].strip(_EDGE)
    if not q:
        return _NOT_FOUND
    for i in _bounded(p.norm, q, 0, len(p.norm)):
        return "exact", *_original_span(p, i, i + len(q)), 100.0
    parts = [x for x in (s.strip(_EDGE) for s in _ELLIPSIS.split(q)) if x]
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
    for s, e, score in _candidates(p, q, 0, len(p.norm), loose=True, threshold=threshold):
        return "fuzzy", *_original_span(p, s, e), score
    return _NOT_FOUND


def _match_parts(
    p: _Prepared, parts: list[str], *, loose: bool, threshold: float
) -> list[_Hit] | None:
    """One hit per part, in order, each gap inside one paragraph and <= MAX_ELLIPSIS_GAP.

    Backtracks over every candidate of every part (memoised by part and position), as
    the first occurrence of a part is not always the one its neighbours are close to.
    """
    memo: dict[tuple[int, int], list[_Hit] | None] = {}

    def rest(k: int, prev_end: int) -> list[_Hit] | None:
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
        for hit in _candidates(p, parts[k], lo, hi, loose=loose, threshold=threshold):
            if k and not _close(p, prev_end, hit[0]):
                continue
            tail = rest(k + 1, hit[1])
            if tail is not None:
                found = [hit, *tail]
                break
        memo[(k, prev_end)] = found
        return found

    return rest(0, 0)


def _paragraph_end(p: _Prepared, end: int) -> int:
    """Normalised index where the paragraph holding norm[end - 1] ends."""
    k = bisect.bisect_right(p.paragraphs, end - 1)
    return p.paragraphs[k] if k < len(p.paragraphs) else len(p.norm)


def _close(p: _Prepared, end: int, start: int) -> bool:
    """Whether a part starting at `start` may follow one ending at `end`."""
    return 0 <= start - end <= MAX_ELLIPSIS_GAP and start < _paragraph_end(p, end)


def _original_span(p: _Prepared, start: int, end: int) -> tuple[int, int]:
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
    """Find one quote in `text`; see the module docstring for the rules."""
    _check_threshold(fuzzy_threshold)
    return _quote_check(_prepare(text), path, quote, fuzzy_threshold)


def _quote_check(p: _Prepared, path: str, quote: str, threshold: float) -> QuoteCheck:
    key = (quote, threshold)
    if key not in p.memo:
        p.memo[key] = _locate(p, quote, threshold)
    status, start, end, score = p.memo[key]
    return QuoteCheck(path=path, quote=quote, status=status, start=start, end=end, score=score)


def _check_threshold(threshold: float) -> None:
    if not 0.0 < threshold <= 100.0:
        raise ValueError(f"fuzzy_threshold must be in (0, 100], got {threshold}")


# --- figures --------------------------------------------------------------------------


def _check_figure(
    p: _Prepared, path: str, value: str, unit: str | None, spans: Iterable[tuple[int, int]]
) -> FigureCheck:
    wanted = mentions(value)
    if not wanted:
        return FigureCheck(path=path, value=value, found=False, matched=None)
    percent_unit = bool(unit) and re.search(r"%|per\s?cent", unit or "", re.I) is not None
    spans = list(spans)
    chosen: list[Mention] = []
    for w in wanted:
        percent = w.percent or percent_unit
        hits = [
            m
            for m in p.mentions
            if w.key == m.key
            and (m.percent or not percent)
            and not m.bare_one
            and not (w.grouped and m.year)
        ]
        if not hits:
            return FigureCheck(path=path, value=value, found=False, matched=None)
        inside = [m for m in hits if any(s <= m.start and m.end <= e for s, e in spans)]
        chosen.append((inside or hits)[0])
    lo, hi = min(m.start for m in chosen), max(m.end for m in chosen)
    if hi - lo <= 60:  # "between 6,000 and 8,000": show the phrase, not two fragments
        matched = p.text[lo:hi]
    else:
        matched = " … ".join(p.text[m.start : m.end] for m in chosen)
    return FigureCheck(path=path, value=value, found=True, matched=matched)


def locate_figure(
    value: str, text: str, *, unit: str | None = None, spans: Sequence[tuple[int, int]] = ()
) -> FigureCheck:
    """Whether every number in `value` appears in `text`, preferring `spans` (offsets)."""
    return _check_figure(_prepare(text), "", value, unit, spans)


# --- the brief ------------------------------------------------------------------------


def ground_brief(
    brief: Brief, text: str, *, fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD
) -> GroundingReport:
    """Check every evidence quote and every humanitarian figure of `brief` against `text`.

    The normalised article and each quote's result are cached per text, so grounding
    the same brief again (after `drop_unverified`) costs almost nothing.
    """
    _check_threshold(fuzzy_threshold)
    p = _prepare(text)
    quotes: list[QuoteCheck] = []
    for item, evidence in iter_evidence(brief):
        if not evidence:
            quotes.append(QuoteCheck(path=f"{item}.evidence", quote="", status="not_found"))
        for i, quote in enumerate(evidence):
            quotes.append(_quote_check(p, f"{item}.evidence[{i}]", quote, fuzzy_threshold))
    figures: list[FigureCheck] = []
    for i, fig in enumerate(brief.humanitarian.figures):
        path = f"humanitarian.figures[{i}]"
        spans = [
            (q.start, q.end)
            for q in quotes
            if q.path.startswith(f"{path}.evidence[") and q.start is not None and q.end is not None
        ]
        figures.append(_check_figure(p, path, fig.value, fig.unit, spans))
    return GroundingReport(quotes=quotes, figures=figures)


class _HasEvidence(Protocol):
    evidence: list[str]


_T = TypeVar("_T", bound=_HasEvidence)


class _Dropper:
    """Applies one grounding report to a copy of its brief, noting every removal."""

    def __init__(self, report: GroundingReport) -> None:
        self.verified: dict[str, bool] = {}
        self.bad: dict[str, set[int]] = {}
        for q in report.quotes:
            item, _, index = q.path.rpartition(".evidence")
            self.verified[item] = self.verified.get(item, False) or q.status != "not_found"
            if q.status == "not_found" and index:  # index is "[i]", or "" for no evidence
                self.bad.setdefault(item, set()).add(int(index[1:-1]))
        self.no_number = {f.path for f in report.figures if not f.found}
        self.dropped: list[str] = []

    def quotes(self, path: str, evidence: list[str]) -> None:
        bad = sorted(i for i in self.bad.get(path, ()) if i < len(evidence))
        self.dropped += [
            f"{path}.evidence[{i}] ({_short(evidence[i])}): quote not found" for i in bad
        ]
        evidence[:] = [q for i, q in enumerate(evidence) if i not in bad]

    def items(self, prefix: str, items: list[_T], label: Callable[[_T], str]) -> list[_T]:
        kept: list[_T] = []
        for i, item in enumerate(items):
            path = f"{prefix}[{i}]"
            if path in self.no_number:
                self.dropped.append(
                    f"{path} ({_short(label(item))}): number not found in the article"
                )
            elif not self.verified.get(path, True):
                self.dropped.append(f"{path} ({_short(label(item))}): no evidence found")
            else:
                self.quotes(path, item.evidence)
                kept.append(item)
        return kept


def drop_unverified(brief: Brief, report: GroundingReport) -> tuple[Brief, list[str]]:
    """Remove what the report could not verify; return the new brief and what was dropped.

    List items (developments, actors, figures, needs, access constraints, risks,
    indicators) go when none of their quotes was found; figures also go when their number
    is not in the article. Kept items and the three section summaries lose only their
    unverified quotes (a section cannot be removed; a section left without evidence shows
    up as "<section>.evidence" not_found when grounded again). Entries name paths in the
    brief as passed in, e.g. "actors[3] (Foo Bar): no evidence found"; ground the returned
    brief again (cheap: results are cached per text) for a report whose paths match it.
    """
    new = brief.model_copy(deep=True)
    d = _Dropper(report)
    s, h, o = new.situation, new.humanitarian, new.outlook
    d.quotes("situation", s.evidence)
    s.key_developments = d.items("situation.key_developments", s.key_developments, lambda x: x.what)
    new.actors = d.items("actors", new.actors, lambda x: x.name)
    d.quotes("humanitarian", h.evidence)
    h.figures = d.items("humanitarian.figures", h.figures, lambda x: f"{x.value} {x.counts}")
    h.needs = d.items("humanitarian.needs", h.needs, lambda x: x.text)
    h.access_constraints = d.items(
        "humanitarian.access_constraints", h.access_constraints, lambda x: x.text
    )
    d.quotes("outlook", o.evidence)
    o.risks = d.items("outlook.risks", o.risks, lambda x: x.description)
    o.indicators = d.items("outlook.indicators", o.indicators, lambda x: x.text)
    return new, d.dropped


def strict_grounding(
    brief: Brief, text: str, *, fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD
) -> tuple[Brief, GroundingReport]:
    """Ground, drop what is unverified, ground again: the strict-grounding pipeline step.

    The returned report describes the returned brief, with `dropped` filled in.
    """
    report = ground_brief(brief, text, fuzzy_threshold=fuzzy_threshold)
    kept, dropped = drop_unverified(brief, report)
    final = ground_brief(kept, text, fuzzy_threshold=fuzzy_threshold)
    final.dropped = dropped
    return kept, final


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def grounding_summary(report: GroundingReport) -> str:
    """One line, e.g. "grounding: 41/43 quotes verified (95.3%), 2 fuzzy, 2 not found; ..."."""
    total = len(report.quotes)
    fuzzy = sum(1 for q in report.quotes if q.status == "fuzzy")
    missing = total - report.verified
    empty = sum(1 for q in report.quotes if q.path.endswith(".evidence"))
    line = (
        f"grounding: {report.verified}/{total} quotes verified ({report.rate:.1%}), "
        f"{fuzzy} fuzzy, {missing} not found"
    )
    if empty:
        line += f" ({empty} item{'s' if empty != 1 else ''} without evidence)"
    found = sum(1 for f in report.figures if f.found)
    line += f"; figures {found}/{len(report.figures)} found"
    if report.dropped:
        line += f"; {len(report.dropped)} dropped"
    return line
