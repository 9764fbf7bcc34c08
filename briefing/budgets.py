"""Section budgets for a one-page brief: the single place they live, and their enforcement.

With every section at its maximum the body would hold 695 words, more than one A4 page
at 10 pt holds beside the numbered evidence list and the notes on what was cut; the
`total_words` cap (480) then drops items from the least important lists until the body
fits. The budgets are enforced after parsing (never in the JSON Schema, which strict
structured outputs forbid). Nothing is cut silently: `enforce_budgets` returns a note for
every cut and the renderer prints those notes on the page.

The values are tuned against a maximal brief (every list over its budget, every text at
its word budget, long quotes): it must still print to one A4 page, reference list and
notes included (tests/test_render.py). What words cannot bound (very long words, very
wide fonts) the PDF renderer absorbs with tighter layouts and, as a last resort, with
scaled-down budgets (`scale_budgets`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar

from briefing.schema import Brief, brief_text_fields, iter_evidence

_T = TypeVar("_T")


@dataclass(frozen=True)
class Budgets:
    headline_words: int = 14
    situation_summary_words: int = 55
    key_developments: int = 5
    development_words: int = 18
    actors: int = 6
    actor_name_words: int = 8  # "Office for the Coordination of Humanitarian Affairs"
    actor_role_words: int = 12
    actor_aliases: int = 1
    alias_words: int = 4  # aliases are short forms and acronyms
    humanitarian_summary_words: int = 40
    figures: int = 4
    figure_words: int = 8  # what a figure counts
    needs: int = 3
    access_constraints: int = 2
    claim_words: int = 12  # needs, access constraints, indicators
    outlook_summary_words: int = 40
    risks: int = 3
    risk_words: int = 16
    indicators: int = 3
    gaps: int = 3
    gap_words: int = 12
    # Places, dates, timeframes, figure values, units and sources: labels by nature, so
    # a long one is almost certainly prose in the wrong field.
    label_words: int = 4
    # Every item keeps its first quote; second quotes are listed while the total allows.
    evidence_per_item: int = 2
    evidence_total: int = 30
    # Printed length of a quote in the evidence list; the document keeps the full quote.
    quote_chars: int = 46
    # The whole page: section budgets can add up to more than one page holds, so after
    # they are applied, items are dropped from the least important lists until the body
    # text fits this many words.
    total_words: int = 480


BUDGETS = Budgets()


def item_limits(budgets: Budgets = BUDGETS) -> dict[str, int]:
    """The most items each list of the brief may hold on the page, by property name.

    Sent as `maxItems` to servers that decode by a grammar (the llama.cpp family), so a
    small model stops where the page would cut anyway instead of listing every sentence;
    strict OpenAI-style schemas do not take the keyword and get it stripped."""
    return {
        "key_developments": budgets.key_developments,
        "actors": budgets.actors,
        "aliases": max(budgets.actor_aliases, 3),
        "figures": budgets.figures,
        "needs": budgets.needs,
        "access_constraints": budgets.access_constraints,
        "risks": budgets.risks,
        "indicators": budgets.indicators,
        "gaps": budgets.gaps,
        "evidence": budgets.evidence_per_item,
    }


def scale_budgets(budgets: Budgets, factor: float) -> Budgets:
    """`budgets` with every count and word budget scaled by `factor` (at least 1 each).

    For a page that does not fit even so (see `briefing.render.render_pdf`). The printed
    quote length is a matter of layout and stays.
    """
    scaled = {
        f.name: max(1, int(getattr(budgets, f.name) * factor))
        for f in fields(budgets)
        if f.name != "quote_chars"
    }
    return replace(budgets, **scaled)


# A sentence ends at . ! or ? (plus closing quotes/brackets) before whitespace; a
# lower-case word after it means an abbreviation instead ("a $10 million U.S. bounty").
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s)")
_WORD = re.compile(r"\S+")
_TRAILING_PUNCT = ",;:–—-([\"“‘'"


def word_count(text: str) -> int:
    return len(text.split())


def trim_words(text: str, limit: int) -> str:
    """Shorten `text` to at most `limit` words.

    Cuts at the last sentence boundary within the limit when that keeps at least half
    of the budget (a one-line stub would lose more than it saves); otherwise cuts at a
    word boundary and appends "…".
    """
    limit = max(limit, 1)
    if word_count(text) <= limit:
        return text
    best: str | None = None
    for match in _SENTENCE_END.finditer(text):
        if text[match.end() :].lstrip()[:1].islower():
            continue
        head = text[: match.end()]
        if word_count(head) > limit:
            break
        best = head
    if best is not None and 2 * word_count(best) >= limit:
        return best.strip()
    words = list(_WORD.finditer(text))
    head = text[: words[limit - 1].end()].strip().rstrip(_TRAILING_PUNCT).rstrip()
    return head + "…"


def shorten_chars(text: str, limit: int) -> str:
    """Keep the verbatim start of `text` within `limit` characters, cut at a word, plus "…"."""
    if len(text) <= limit:
        return text
    head = text[: max(limit - 1, 1)]
    if " " in head and not text[len(head)].isspace():
        head = head.rsplit(" ", 1)[0]
    return head.rstrip().rstrip(_TRAILING_PUNCT).rstrip() + "…"


class _Cuts:
    """Collects what was cut; cuts of one kind of item share one short note."""

    def __init__(self) -> None:
        # label -> parts of its note, e.g. "actors" -> ["3 of 10 not shown (budget 7)"]
        self.parts: dict[str, list[str]] = {}
        self.shortened: Counter[str] = Counter()
        self.budget_of: dict[str, int] = {}
        self.labels_cut: list[int] = []

    def items(self, label: str, items: list[_T], budget: int) -> list[_T]:
        self.parts.setdefault(label, [])
        if len(items) > budget:
            extra = len(items) - budget
            self.parts[label].append(f"{extra} of {len(items)} not shown (budget {budget})")
        return items[:budget]

    def text(self, label: str, text: str, budget: int) -> str:
        """A single field: its note names the exact word counts."""
        short = trim_words(text, budget)
        if short != text:
            self.parts.setdefault(label, []).append(
                f"shortened from {word_count(text)} to {word_count(short)} words"
            )
        return short

    def each(self, label: str, text: str, budget: int) -> str:
        """A field repeated across list items: counted, reported once."""
        short = trim_words(text, budget)
        if short != text:
            self.shortened[label] += 1
            self.budget_of[label] = budget
        return short

    def label(self, text: str, budget: int) -> str:
        """Names, places, dates, units, sources: rarely cut, so they share one note."""
        short = trim_words(text, budget)
        if short != text:
            self.labels_cut.append(budget)
        return short

    def opt_label(self, text: str | None, budget: int) -> str | None:
        return None if text is None else self.label(text, budget)

    def finish(self) -> list[str]:
        for label, n in self.shortened.items():
            self.parts.setdefault(label, []).append(
                f"{n} shortened to {self.budget_of[label]} words"
            )
        if self.labels_cut:
            low, high = min(self.labels_cut), max(self.labels_cut)
            span = f"{low}" if low == high else f"{low}-{high}"
            self.parts["names and labels"] = [f"{len(self.labels_cut)} shortened to {span} words"]
        notes: list[str] = []
        for label, parts in self.parts.items():
            if parts and parts[0].startswith("shortened from"):
                notes.append(f"{label} {', '.join(parts)}")
            elif parts:
                notes.append(f"{label}: {', '.join(parts)}")
        return notes


def enforce_budgets(brief: Brief, budgets: Budgets = BUDGETS) -> tuple[Brief, list[str]]:
    """Return a copy of `brief` within `budgets` and one human-readable note per cut.

    Lists are cut from the end, so the paths of kept items ("actors[2]",
    "actors[2].evidence[0]") still match a grounding report made for the full brief.
    Applying it twice changes nothing the second time.
    """
    b = brief.model_copy(deep=True)
    cut = _Cuts()
    bg = budgets
    labels = bg.label_words

    s = b.situation
    s.headline = cut.text("headline", s.headline, bg.headline_words)
    s.summary = cut.text("situation summary", s.summary, bg.situation_summary_words)
    s.key_developments = cut.items("key developments", s.key_developments, bg.key_developments)
    for d in s.key_developments:
        d.what = cut.each("key developments", d.what, bg.development_words)
        d.where = cut.opt_label(d.where, labels)
        d.when = cut.opt_label(d.when, labels)

    b.actors = cut.items("actors", b.actors, bg.actors)
    alias_cut = 0
    for a in b.actors:
        a.name = cut.label(a.name, bg.actor_name_words)
        a.role = cut.each("actors", a.role, bg.actor_role_words)
        alias_cut += max(len(a.aliases) - bg.actor_aliases, 0)
        a.aliases = [cut.label(x, bg.alias_words) for x in a.aliases[: bg.actor_aliases]]
    if alias_cut:
        cut.parts["actors"].append(
            f"{alias_cut} aliases not shown (at most {bg.actor_aliases} per actor)"
        )

    h = b.humanitarian
    h.summary = cut.text("humanitarian summary", h.summary, bg.humanitarian_summary_words)
    h.figures = cut.items("figures", h.figures, bg.figures)
    for f in h.figures:
        f.value = cut.label(f.value, labels)
        f.unit = cut.opt_label(f.unit, labels)
        f.counts = cut.each("figures", f.counts, bg.figure_words)
        f.reported_by = cut.opt_label(f.reported_by, labels)
    h.needs = cut.items("needs", h.needs, bg.needs)
    for c in h.needs:
        c.text = cut.each("needs", c.text, bg.claim_words)
    h.access_constraints = cut.items(
        "access constraints", h.access_constraints, bg.access_constraints
    )
    for c in h.access_constraints:
        c.text = cut.each("access constraints", c.text, bg.claim_words)

    o = b.outlook
    o.summary = cut.text("outlook summary", o.summary, bg.outlook_summary_words)
    o.risks = cut.items("risks", o.risks, bg.risks)
    for r in o.risks:
        r.description = cut.each("risks", r.description, bg.risk_words)
        r.timeframe = cut.opt_label(r.timeframe, labels)
    o.indicators = cut.items("indicators", o.indicators, bg.indicators)
    for c in o.indicators:
        c.text = cut.each("indicators", c.text, bg.claim_words)

    b.gaps = cut.items("gaps", b.gaps, bg.gaps)
    b.gaps = [cut.each("gaps", g, bg.gap_words) for g in b.gaps]

    notes = cut.finish()
    page_cuts = _fit_page(b, bg.total_words)
    if page_cuts:
        shown = ", ".join(f"{n} {label}" for label, n in page_cuts.items())
        notes.append(f"to fit one page ({bg.total_words} words): {shown} not shown")
    hidden, on_items = _cut_evidence(b, bg)
    if hidden:
        notes.append(
            f"evidence: {hidden} further quotes on {on_items} items not listed (at most "
            f"{bg.evidence_per_item} per item, {bg.evidence_total} in all)"
        )
    return b, notes


def body_words(brief: Brief) -> int:
    """Words of body text: every field a reader sees except the evidence quotes."""
    return sum(word_count(field) for field in brief_text_fields(brief))


def _fit_page(brief: Brief, total_words: int) -> Counter[str]:
    """Drop items until the body fits `total_words`, one per list per round.

    Rounds go through the lists from least to most important (gaps, indicators, access
    constraints, needs, risks, figures, developments, actors) so that no section is
    emptied while another stays full; every list keeps at least one item (actors two).
    Items go from the end of a list, so grounding paths of kept items stay valid.
    """
    h, o, s = brief.humanitarian, brief.outlook, brief.situation
    order: list[tuple[str, list[Any], int]] = [
        ("gaps", brief.gaps, 1),
        ("indicators", o.indicators, 1),
        ("access constraints", h.access_constraints, 1),
        ("needs", h.needs, 1),
        ("risks", o.risks, 1),
        ("figures", h.figures, 1),
        ("key developments", s.key_developments, 1),
        ("actors", brief.actors, 2),
    ]
    dropped: Counter[str] = Counter()
    while body_words(brief) > total_words:
        progressed = False
        for label, items, keep in order:
            if len(items) > keep and body_words(brief) > total_words:
                items.pop()
                dropped[label] += 1
                progressed = True
        if not progressed:
            break
    return dropped


def _cut_evidence(brief: Brief, bg: Budgets) -> tuple[int, int]:
    """Trim evidence lists in place; return (quotes hidden, items affected).

    Every item keeps its first quote, whatever the total, so no item looks unsourced;
    further quotes (up to `evidence_per_item`) go to items in reading order while
    `evidence_total` allows.
    """
    lists = [quotes for _, quotes in iter_evidence(brief)]
    room = bg.evidence_total - sum(min(len(q), 1) for q in lists)
    hidden = on_items = 0
    for quotes in lists:
        keep = min(len(quotes), 1)
        extra = max(min(len(quotes), bg.evidence_per_item) - keep, 0)
        extra = min(extra, max(room, 0))
        room -= extra
        keep += extra
        if len(quotes) > keep:
            hidden += len(quotes) - keep
            on_items += 1
            del quotes[keep:]
    return hidden, on_items
