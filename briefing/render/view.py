"""The view the page templates read: the brief within its budgets, evidence numbered
in reading order, grounding marks attached.

An item carries [n] markers and the quotes are listed at the end; a quote cited by
several items keeps one number. When the document has a grounding report, quotes that
were not found in the article and items whose every quote was not found are marked, and
so are items that their own quotes support only in part or not at all (the support
check), a mark distinct from "quote not found".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from briefing.budgets import BUDGETS, Budgets, enforce_budgets, shorten_chars
from briefing.render.environment import tidy as _tidy
from briefing.schema import (
    Brief,
    BriefDocument,
    GroundingReport,
    QuoteCheck,
    SupportCheck,
    iter_evidence,
)

HAND_WRITTEN_LABEL = "Hand-written reference brief — not model output"


@dataclass
class Ref:
    n: int
    quote: str  # whitespace-normalised, otherwise verbatim
    status: str | None  # "exact" | "fuzzy" | "not_found"; None without grounding


@dataclass
class Item:
    """One brief item (a development, an actor, a figure...) with its references."""

    path: str
    obj: Any = None
    refs: list[Ref] = field(default_factory=list)
    # "unverified": every quote not found; "approximate": best match fuzzy;
    # "no evidence": no quote at all.
    mark: str | None = None
    figure_missing: bool = False  # the figure's number does not occur in the article
    support: SupportCheck | None = None  # how its own quotes support it, when checked

    @property
    def support_mark(self) -> str | None:
        """ "partly" or "unsupported" when the item's quotes were found but do not back all
        of it; None otherwise (a quote not found is marked as such instead)."""
        if self.support is None or self.mark in ("unverified", "no evidence"):
            return None
        return None if self.support.status == "supported" else self.support.status

    @property
    def support_detail(self) -> str:
        """What its quotes do not state, shortly: "8,500; VDMA" (at most three)."""
        missing = self.support.missing if self.support is not None else []
        shown = "; ".join(missing[:3])
        return shown + (f" (+{len(missing) - 3})" if len(missing) > 3 else "")

    @property
    def support_notes(self) -> str:
        return "; ".join(self.support.notes) if self.support is not None else ""


@dataclass
class View:
    doc: BriefDocument
    brief: Brief  # within budgets; `doc.brief` is the full one
    items: dict[str, Item]
    refs: list[Ref]
    notes: list[str]  # budget cuts, shown as "Not shown:" in every page format
    grounding_line: str | None
    origin_label: str | None  # set for hand-written briefs, shown in the header
    quote_chars: int  # printed length of a quote

    def item(self, path: str) -> Item:
        return self.items[path]

    def short(self, ref: Ref) -> str:
        """The printed form of a quote: its verbatim start, "…" when cut."""
        return shorten_chars(ref.quote, self.quote_chars)

    @property
    def shortened(self) -> int:
        """Quotes whose printed form is cut (HTML shows the full one on screen)."""
        return sum(self.short(r) != r.quote for r in self.refs)

    def with_quote_chars(self, quote_chars: int | None) -> View:
        """The same view with quotes printed to `quote_chars` (None: unchanged)."""
        return replace(self, quote_chars=quote_chars or self.quote_chars)

    def group(self, prefix: str) -> list[Item]:
        found = []
        i = 0
        while f"{prefix}[{i}]" in self.items:
            found.append(self.items[f"{prefix}[{i}]"])
            i += 1
        return found


def build_view(
    doc: BriefDocument, budgets: Budgets = BUDGETS, quote_chars: int | None = None
) -> View:
    """Budget the brief, number its evidence and attach grounding marks."""
    brief, notes = enforce_budgets(doc.brief, budgets)
    full = dict(iter_evidence(doc.brief))
    grounding = doc.grounding
    by_path, by_quote = _index_checks(grounding)
    limit = quote_chars or budgets.quote_chars
    numbers: dict[str, int] = {}
    refs: list[Ref] = []
    items: dict[str, Item] = {}
    for path, quotes in iter_evidence(brief):
        item = Item(path=path)
        for i, quote in enumerate(quotes):
            key = _tidy(quote)
            if key not in numbers:
                numbers[key] = len(refs) + 1
                check = _check(by_path, by_quote, f"{path}.evidence[{i}]", key)
                refs.append(Ref(numbers[key], key, check.status if check else None))
            item.refs.append(refs[numbers[key] - 1])
        item.mark = _mark(full.get(path, quotes), path, by_path, by_quote, grounding)
        items[path] = item
    _attach_objects(items, brief)
    if grounding is not None:
        for fc in grounding.figures:
            if not fc.found and fc.path in items:
                items[fc.path].figure_missing = True
        for claim in grounding.claims or ():
            if claim.path in items:
                items[claim.path].support = claim
        if grounding.dropped:
            notes.append(
                f"strict grounding removed {len(grounding.dropped)} unverified or unsupported "
                f"items ({', '.join(grounding.dropped)})"
            )
    meta = doc.metadata
    hand_written = meta.engine == "hand-written" or "hand-written" in meta.origin.lower()
    label = HAND_WRITTEN_LABEL if hand_written else None
    return View(doc, brief, items, refs, notes, _grounding_line(grounding), label, limit)


def _index_checks(
    grounding: GroundingReport | None,
) -> tuple[dict[str, QuoteCheck], dict[str, QuoteCheck]]:
    if grounding is None:
        return {}, {}
    by_path = {q.path: q for q in grounding.quotes}
    by_quote = {_tidy(q.quote): q for q in grounding.quotes}
    return by_path, by_quote


def _check(
    by_path: dict[str, QuoteCheck], by_quote: dict[str, QuoteCheck], path: str, quote: str
) -> QuoteCheck | None:
    # Paths are the primary key; the quote text covers a report made before items were
    # reordered or removed, where a path may point at a different quote.
    check = by_path.get(path)
    if check is not None and _tidy(check.quote) == quote:
        return check
    return by_quote.get(quote)


def _mark(
    quotes: list[str],
    path: str,
    by_path: dict[str, QuoteCheck],
    by_quote: dict[str, QuoteCheck],
    grounding: GroundingReport | None,
) -> str | None:
    if not quotes:
        return "no evidence"
    if grounding is None:
        return None
    checks = [
        _check(by_path, by_quote, f"{path}.evidence[{i}]", _tidy(q)) for i, q in enumerate(quotes)
    ]
    statuses = {c.status for c in checks if c is not None}
    if statuses == {"not_found"}:
        return "unverified"
    if statuses and "exact" not in statuses and "fuzzy" in statuses:
        return "approximate"
    return None


def _attach_objects(items: dict[str, Item], brief: Brief) -> None:
    s, h, o = brief.situation, brief.humanitarian, brief.outlook
    objects: list[tuple[str, Any]] = [("situation", s), ("humanitarian", h), ("outlook", o)]
    for prefix, values in (
        ("situation.key_developments", s.key_developments),
        ("actors", brief.actors),
        ("humanitarian.figures", h.figures),
        ("humanitarian.needs", h.needs),
        ("humanitarian.access_constraints", h.access_constraints),
        ("outlook.risks", o.risks),
        ("outlook.indicators", o.indicators),
    ):
        objects += [(f"{prefix}[{i}]", v) for i, v in enumerate(values)]
    for path, obj in objects:
        # A section with an empty summary makes no claim and has no evidence entry
        # (schema.iter_evidence), but the page still lays the section out.
        items.setdefault(path, Item(path=path)).obj = obj


def _grounding_line(grounding: GroundingReport | None) -> str | None:
    """E.g. "Evidence check: quotes found 27/27 (100%) · claims supported 21/27 (78%) ·
    figures found 3/3": both rates, so a reader never takes found quotes for support."""
    if grounding is None:
        return None
    total = len(grounding.quotes)
    parts = [f"quotes found {grounding.verified}/{total} ({grounding.rate:.0%})"]
    fuzzy = sum(1 for q in grounding.quotes if q.status == "fuzzy")
    if fuzzy:
        parts[-1] += f", {fuzzy} approximately"
    if grounding.claims is not None and grounding.support_rate is not None:
        rate = grounding.support_rate
        parts.append(f"claims supported {grounding.supported}/{len(grounding.claims)} ({rate:.0%})")
    if grounding.figures:
        found = sum(1 for f in grounding.figures if f.found)
        parts.append(f"figures found {found}/{len(grounding.figures)}")
    return "Evidence check: " + " · ".join(parts)
