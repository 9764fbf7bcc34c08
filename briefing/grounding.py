"""Ground a brief in its article: every evidence quote and humanitarian figure checked.

Quotes are located by `briefing.text.quotes` (exact, across ellipses, ignoring case, or
fuzzy; offsets index the original text). An item with no evidence is reported as one
not_found check with path "<item>.evidence" and quote "", so an evidence-free claim
always lowers the rate.

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

What cannot be verified can then be dropped (`drop_unverified`, `strict_grounding`), and
`grounding_summary` says in one line how the brief fared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Protocol, TypeVar

from briefing.schema import Brief, FigureCheck, GroundingReport, QuoteCheck, iter_evidence
from briefing.text.numbers import Mention, mentions
from briefing.text.quotes import DEFAULT_FUZZY_THRESHOLD, check_fuzzy_threshold, locate_quote

# locate_quote lives with the other quote rules; it stays part of this module's API.
__all__ = [
    "DEFAULT_FUZZY_THRESHOLD",
    "drop_unverified",
    "ground_brief",
    "grounding_summary",
    "locate_figure",
    "locate_quote",
    "strict_grounding",
    "WEAK_GROUNDING",
    "weakest_rate",
    "weak_grounding_warning",
    "below_minimum",
]


@lru_cache(maxsize=32)
def _numbers_in(text: str, language: str | None) -> list[Mention]:
    """The numbers of one article, read once for all its figures and re-groundings."""
    return mentions(text, language)


# --- figures --------------------------------------------------------------------------


def _check_figure(
    text: str,
    path: str,
    value: str,
    unit: str | None,
    spans: Iterable[tuple[int, int]],
    language: str | None = None,
) -> FigureCheck:
    # The value is read with the article's language too: a brief may copy "4 000" or
    # "vingt-trois" as written.
    wanted = mentions(value, language)
    if not wanted:
        return FigureCheck(path=path, value=value, found=False, matched=None)
    percent_unit = bool(unit) and re.search(r"%|per\s?cent", unit or "", re.I) is not None
    spans = list(spans)
    in_article = _numbers_in(text, language)
    chosen: list[Mention] = []
    for w in wanted:
        percent = w.percent or percent_unit
        hits = [
            m
            for m in in_article
            if w.matches(m)
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
        matched = text[lo:hi]
    else:
        matched = " … ".join(text[m.start : m.end] for m in chosen)
    return FigureCheck(path=path, value=value, found=True, matched=matched)


def locate_figure(
    value: str,
    text: str,
    *,
    unit: str | None = None,
    spans: Sequence[tuple[int, int]] = (),
    language: str | None = None,
) -> FigureCheck:
    """Whether every number in `value` appears in `text`, preferring `spans` (offsets);
    `language` is the text's (its number words and decimal mark)."""
    return _check_figure(text, "", value, unit, spans, language)


# --- the brief ------------------------------------------------------------------------


def ground_brief(
    brief: Brief,
    text: str,
    *,
    fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD,
    language: str | None = None,
) -> GroundingReport:
    """Check every evidence quote and every humanitarian figure of `brief` against `text`.

    The normalised article, its numbers and each quote's result are cached per text, so
    grounding the same brief again (after `drop_unverified`) costs almost nothing.
    """
    check_fuzzy_threshold(fuzzy_threshold)
    quotes: list[QuoteCheck] = []
    for item, evidence in iter_evidence(brief):
        if not evidence:
            quotes.append(QuoteCheck(path=f"{item}.evidence", quote="", status="not_found"))
        for i, quote in enumerate(evidence):
            path = f"{item}.evidence[{i}]"
            quotes.append(locate_quote(quote, text, fuzzy_threshold=fuzzy_threshold, path=path))
    figures: list[FigureCheck] = []
    for i, fig in enumerate(brief.humanitarian.figures):
        path = f"humanitarian.figures[{i}]"
        spans = [
            (q.start, q.end)
            for q in quotes
            if q.path.startswith(f"{path}.evidence[") and q.start is not None and q.end is not None
        ]
        figures.append(_check_figure(text, path, fig.value, fig.unit, spans, language))
    return GroundingReport(quotes=quotes, figures=figures)


class _HasEvidence(Protocol):
    evidence: list[str]


_T = TypeVar("_T", bound=_HasEvidence)


class _UnverifiedDropper:
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

    def drop_quotes(self, path: str, evidence: list[str]) -> None:
        bad = sorted(i for i in self.bad.get(path, ()) if i < len(evidence))
        self.dropped += [
            f"{path}.evidence[{i}] ({_abbreviate(evidence[i])}): quote not found" for i in bad
        ]
        evidence[:] = [q for i, q in enumerate(evidence) if i not in bad]

    def drop_items(self, prefix: str, items: list[_T], label: Callable[[_T], str]) -> list[_T]:
        kept: list[_T] = []
        for i, item in enumerate(items):
            path = f"{prefix}[{i}]"
            if path in self.no_number:
                self.dropped.append(
                    f"{path} ({_abbreviate(label(item))}): number not found in the article"
                )
            elif not self.verified.get(path, True):
                self.dropped.append(f"{path} ({_abbreviate(label(item))}): no evidence found")
            else:
                self.drop_quotes(path, item.evidence)
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
    dropper = _UnverifiedDropper(report)
    s, h, o = new.situation, new.humanitarian, new.outlook
    dropper.drop_quotes("situation", s.evidence)
    s.key_developments = dropper.drop_items(
        "situation.key_developments", s.key_developments, lambda x: x.what
    )
    new.actors = dropper.drop_items("actors", new.actors, lambda x: x.name)
    dropper.drop_quotes("humanitarian", h.evidence)
    h.figures = dropper.drop_items(
        "humanitarian.figures", h.figures, lambda x: f"{x.value} {x.counts}"
    )
    h.needs = dropper.drop_items("humanitarian.needs", h.needs, lambda x: x.text)
    h.access_constraints = dropper.drop_items(
        "humanitarian.access_constraints", h.access_constraints, lambda x: x.text
    )
    dropper.drop_quotes("outlook", o.evidence)
    o.risks = dropper.drop_items("outlook.risks", o.risks, lambda x: x.description)
    o.indicators = dropper.drop_items("outlook.indicators", o.indicators, lambda x: x.text)
    return new, dropper.dropped


def strict_grounding(
    brief: Brief,
    text: str,
    *,
    fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD,
    language: str | None = None,
) -> tuple[Brief, GroundingReport]:
    """Ground, drop what is unverified, ground again: the strict-grounding pipeline step.

    The returned report describes the returned brief, with `dropped` filled in.
    """
    report = ground_brief(brief, text, fuzzy_threshold=fuzzy_threshold, language=language)
    kept, dropped = drop_unverified(brief, report)
    final = ground_brief(kept, text, fuzzy_threshold=fuzzy_threshold, language=language)
    final.dropped = dropped
    return kept, final


def _abbreviate(text: str, limit: int = 60) -> str:
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


# --- weak briefs ----------------------------------------------------------------------

# Below this share of located quotes a brief is flagged as weakly grounded on the page and
# on stderr, whatever the settings: at a glance it would look like any other brief.
WEAK_GROUNDING = 0.8


def weakest_rate(report: GroundingReport) -> float:
    """The rate the weak-grounding rules judge a brief by: the lower of the share of
    evidence quotes located in the article and the share of claims their own quotes
    support (when the support check ran)."""
    return report.weakest_rate


def _found(report: GroundingReport) -> str:
    found = f"{report.verified} of {len(report.quotes)} evidence quotes found in the article"
    if report.claims is None:
        return found
    return f"{found}, {report.supported} of {len(report.claims)} claims supported by their quotes"


def weak_grounding_warning(report: GroundingReport) -> str | None:
    """One line for the page and stderr when the brief is weakly grounded, else None."""
    rate = weakest_rate(report)
    if rate >= WEAK_GROUNDING:
        return None
    return (
        f"Weak grounding: {rate:.0%} ({_found(report)}); check every claim against the "
        "source before relying on this brief"
    )


def below_minimum(report: GroundingReport, minimum: float) -> str | None:
    """Why the brief fails a minimum grounding rate (`min_grounding`), or None."""
    rate = weakest_rate(report)
    if rate >= minimum:
        return None
    return (
        f"grounding {rate:.1%} is below ⟨min_grounding⟩ {minimum:g} ({_found(report)}); the "
        "brief was written — check it against the source, or lower ⟨min_grounding⟩"
    )
