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
    PARTIAL_ANALYSIS,
    Brief,
    BriefDocument,
    GroundingReport,
    QuoteCheck,
    SupportCheck,
    iter_evidence,
)

HAND_WRITTEN_LABEL = "Hand-written reference brief — not model output"


_OPENING_MARKS = '“"‘«„‹「'
_CLOSING_MARKS = '”"’»“›」'


@dataclass
class Ref:
    n: int
    quote: str  # whitespace-normalised, otherwise verbatim
    status: str | None  # "exact" | "fuzzy" | "not_found"; None without grounding

    @property
    def display(self) -> str:
        """The quote as printed inside the page's own quote marks: marks that open or
        close the quote itself go, so a quote of a quote is not marked twice."""
        text = self.quote
        if len(text) > 1 and text[0] in _OPENING_MARKS:
            text = text[1:].lstrip()
        if len(text) > 1 and text[-1] in _CLOSING_MARKS and text.count(text[-1]) % 2:
            text = text[:-1].rstrip()
        return text


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


@dataclass(frozen=True)
class Languages:
    """How the page is written: its own language and direction, and the article's, in
    which the evidence quotes stay verbatim, with that language's quote marks."""

    page: str  # lang attribute of the page: the brief's language
    page_dir: str  # "ltr" or "rtl"
    quotes: str  # lang of the evidence quotes: the article's language
    quotes_dir: str
    quotes_name: str | None  # "French", shown when it is not the page's language
    open_quote: str
    close_quote: str

    @property
    def mixed(self) -> bool:
        return self.quotes != self.page


def page_languages(doc: BriefDocument) -> Languages:
    """The languages of a brief document's page (English when its metadata says none)."""
    from briefing.text.language import UNDETERMINED, direction_of, language_data, language_name

    meta = doc.metadata
    article = meta.language if meta.language and meta.language != UNDETERMINED else None
    brief = meta.brief_language if meta.brief_language not in (None, UNDETERMINED) else None
    page = brief or article or "en"
    quotes = article or page
    data = language_data(quotes)
    opening, closing = data.quotes if data else ("“", "”")
    return Languages(
        page=page,
        page_dir=direction_of(page),
        quotes=quotes,
        quotes_dir=direction_of(quotes),
        quotes_name=language_name(quotes) if quotes != page else None,
        open_quote=opening,
        close_quote=closing,
    )


@dataclass
class View:
    doc: BriefDocument
    brief: Brief  # within budgets; `doc.brief` is the full one
    items: dict[str, Item]
    refs: list[Ref]
    notes: list[str]  # budget cuts, shown as "Not shown:" in every page format
    status_line: str  # who wrote the brief and how well its evidence checks out
    origin_label: str | None  # set for hand-written briefs, shown in the header
    quote_chars: int | None  # printed length of a quote in print; None: in full
    languages: Languages
    # Shown as a banner at the top of every page format: weak grounding, text addressed
    # to automated readers removed from the article.
    warnings: list[str]

    @property
    def notices(self) -> list[str]:
        """Notes a reader must see on the page: the offline engine's partial analysis."""
        return [n for n in self.doc.metadata.notes if n.startswith(PARTIAL_ANALYSIS)]

    @property
    def repair_line(self) -> str | None:
        """What code changed in the model's answers, in small print (the JSON has all)."""
        meta = self.doc.metadata
        parts = []
        if meta.salvaged:
            shown = "; ".join(meta.salvaged[:3])
            more = f"; and {len(meta.salvaged) - 3} more" if len(meta.salvaged) > 3 else ""
            parts.append(f"{len(meta.salvaged)} slip(s) repaired in code ({shown}{more})")
        if meta.discarded:
            parts.append(f"left out as invalid: {', '.join(meta.discarded)}")
        return "Model answer: " + "; ".join(parts) if parts else None

    def item(self, path: str) -> Item:
        return self.items[path]

    def short(self, ref: Ref) -> str:
        """The printed form of a quote: its verbatim start, "…" when cut."""
        if self.quote_chars is None:
            return ref.display
        return shorten_chars(ref.display, self.quote_chars)

    @property
    def shortened(self) -> int:
        """Quotes whose printed form is cut (HTML shows the full one on screen)."""
        return sum(self.short(r) != r.display for r in self.refs)

    def with_quote_chars(self, quote_chars: int | None) -> View:
        """The same view with quotes printed to `quote_chars` (None: in full)."""
        return replace(self, quote_chars=quote_chars)

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
    """Budget the brief, number its evidence and attach grounding marks.

    Quotes print in full unless `quote_chars` is given: only a page layout knows whether
    they fit (see `briefing.render.pdf`)."""
    brief, notes = enforce_budgets(doc.brief, budgets)
    full = dict(iter_evidence(doc.brief))
    grounding = doc.grounding
    by_path, by_quote = _index_checks(grounding)
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
    return View(
        doc,
        brief,
        items,
        refs,
        notes,
        status_line(doc),
        label,
        quote_chars,
        page_languages(doc),
        page_warnings(doc),
    )


def page_warnings(doc: BriefDocument) -> list[str]:
    """What a reader must know before trusting the page, one line each."""
    from briefing.grounding import weak_grounding_warning

    warnings = []
    if doc.grounding is not None and (weak := weak_grounding_warning(doc.grounding)):
        warnings.append(weak)
    removed = doc.metadata.suspicious_removed
    if removed:
        warnings.append(
            f"{len(removed)} passage{'s' if len(removed) != 1 else ''} of the article "
            f"addressed to automated readers (AI systems) {'were' if len(removed) != 1 else 'was'}"
            " removed before analysis (listed in the brief's metadata and by briefing inspect)"
        )
    return warnings


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


def status_line(doc: BriefDocument) -> str:
    """The page header's status: who wrote the brief (engine and model, the offline
    engine, or a hand-written reference), the prompt version and the evidence check, e.g.
    "LLM engine · model qwen2.5-1.5b · prompt v2 · quotes found 15/20 (75%), 2
    approximately · claims supported 3/17 (18%) · figures found 1/1"."""
    meta = doc.metadata
    parts = [_author(meta.engine, meta.origin, meta.model)]
    if meta.prompt_version:
        parts.append(f"prompt {meta.prompt_version}")
    parts += _grounding_parts(doc.grounding) or ["evidence not checked against the article"]
    return " · ".join(parts)


def _author(engine: str, origin: str, model: str | None) -> str:
    if engine == "hand-written":
        return "hand-written reference"
    if engine == "extractive":
        return "offline extractive engine"
    origin = origin.lower()
    if "hand-written" in origin and "mixed" not in origin:
        # Replayed hand-written responses: the model named in the request wrote nothing.
        return "LLM engine · hand-written reference"
    named = f"LLM engine · model {model}" if model else "LLM engine"
    return named + (" (mixed with hand-written reference responses)" if "mixed" in origin else "")


def _grounding_parts(grounding: GroundingReport | None) -> list[str]:
    """E.g. ["quotes found 27/27 (100%)", "claims supported 21/27 (78%)", "figures found
    3/3"]: both rates, so a reader never takes found quotes for support."""
    if grounding is None:
        return []
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
    return parts
