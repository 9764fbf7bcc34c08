"""The briefs of one article side by side, section by section, for the HTML report.

Each variant's brief becomes one column of cells, one cell per section (every section of
the schema: headline, situation and its key developments, actors, humanitarian summary,
figures, needs and access constraints, outlook, risks and indicators, gaps), with each
item's evidence quotes and what the grounding and support checks found about them. A
column is marked against a reference column (the first variant with a brief): words
added and removed where two texts are close enough for a word diff to read as an edit,
items only in one of them, actors and figures only in the reference.

Everything here is plain data for the template, which escapes it: brief text comes from
an article and a model and is untrusted.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import Any

from briefing.compare.gold import actor_keys, figure_recalled, pair_actors
from briefing.schema import Brief, BriefDocument, Claim, SupportCheck

# Two texts are compared word by word only when at least half of their words line up
# (difflib's ratio), or when one of them is nearly all inside the other (the diff then
# reads as an addition or a cut): otherwise a word diff is mostly red and green and
# reads worse than the two texts.
COMPARABLE = 0.5
CONTAINED = 0.8

# (key, title) of every section, in the order of the brief.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("headline", "Headline"),
    ("situation", "Situation"),
    ("developments", "Key developments"),
    ("actors", "Actors"),
    ("humanitarian", "Humanitarian impact"),
    ("figures", "Figures"),
    ("needs", "Needs"),
    ("access", "Access constraints"),
    ("outlook", "Outlook"),
    ("risks", "Risks"),
    ("indicators", "Indicators to watch"),
    ("gaps", "Gaps"),
)

Segments = list[tuple[str, str]]


def word_diff(old: str, new: str) -> Segments:
    """Segments ("eq" | "del" | "ins", text) turning `old` into `new`, word by word."""
    a, b = old.split(), new.split()
    out: Segments = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("eq", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("del", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("ins", " ".join(b[j1:j2])))
    return out


def similarity(a: str, b: str) -> float:
    """Share of words two texts have in common, in order (difflib's ratio over words,
    case ignored): 1.0 for the same words, 0.0 for none in common."""
    x, y = a.casefold().split(), b.casefold().split()
    if not x and not y:
        return 1.0
    return difflib.SequenceMatcher(None, x, y, autojunk=False).ratio()


def comparable(a: str, b: str) -> bool:
    """Whether a word diff of `a` and `b` reads as an edit (see COMPARABLE)."""
    x, y = a.casefold().split(), b.casefold().split()
    matcher = difflib.SequenceMatcher(None, x, y, autojunk=False)
    if matcher.ratio() >= COMPARABLE:
        return True
    shorter = min(len(x), len(y))
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return shorter > 0 and matched / shorter >= CONTAINED


def text_view(mine: str, theirs: str | None) -> dict[str, Any]:
    """`mine`, word-diffed against `theirs` when the two are comparable; otherwise shown
    plainly and flagged `rewritten` (when there was something to compare with)."""
    if theirs is None or mine == theirs:
        return {"parts": [("eq", mine)], "rewritten": False}
    if comparable(mine, theirs):
        return {"parts": word_diff(theirs, mine), "rewritten": False}
    return {"parts": [("eq", mine)], "rewritten": True}


def list_item(text: str, ref_items: Sequence[str] | None) -> dict[str, Any]:
    """A list item (development, need, risk...): word-diffed against the closest
    reference item when one is comparable (lists are reordered and reworded between
    versions), else marked new."""
    if ref_items is None:
        return {"text": text_view(text, None), "new": False}
    best = max(ref_items, key=lambda o: similarity(text, o), default=None)
    if best is None or similarity(text, best) < COMPARABLE:
        return {"text": text_view(text, None), "new": True}
    return {"text": text_view(text, best), "new": False}


class _Checks:
    """What grounding and the support check found about one brief, by item path."""

    def __init__(self, doc: BriefDocument) -> None:
        grounding = doc.grounding
        self.quotes = {q.path: q.status for q in grounding.quotes} if grounding else {}
        self.claims: dict[str, SupportCheck] = {
            c.path: c for c in (grounding.claims or [] if grounding else [])
        }

    def evidence(self, path: str, quotes: Sequence[str]) -> list[dict[str, Any]]:
        return [
            {"text": q, "status": self.quotes.get(f"{path}.evidence[{j}]")}
            for j, q in enumerate(quotes)
        ]

    def mark(self, path: str) -> dict[str, str] | None:
        """◐ or ✗ for an item its own quotes support only in part, or not at all."""
        check = self.claims.get(path)
        if check is None or check.status == "supported":
            return None
        missing = f": {', '.join(check.missing)}" if check.missing else ""
        if check.status == "partly":
            return {"symbol": "◐", "title": f"supported only in part{missing}"}
        return {"symbol": "✗", "title": f"not supported by its quotes{missing}"}


def _item(
    checks: _Checks,
    path: str,
    quotes: Sequence[str],
    base: dict[str, Any],
    meta: Sequence[str | None] = (),
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return base | {
        "meta": [m for m in meta if m],
        "detail": detail,
        "quotes": checks.evidence(path, quotes),
        "mark": checks.mark(path),
    }


def _summary(
    checks: _Checks, path: str, text: str, ref_text: str | None, quotes: Sequence[str]
) -> dict[str, Any]:
    return {
        "summary": text_view(text, ref_text),
        "quotes": checks.evidence(path, quotes),
        "mark": checks.mark(path),
        "items": [],
        "missing": [],
    }


def _items(items: list[dict[str, Any]], missing: Sequence[str] = ()) -> dict[str, Any]:
    return {"summary": None, "quotes": [], "mark": None, "items": items, "missing": list(missing)}


def _claims(
    checks: _Checks, path: str, claims: Sequence[Claim], ref: Sequence[Claim] | None
) -> dict[str, Any]:
    ref_texts = None if ref is None else [c.text for c in ref]
    return _items(
        [
            _item(checks, f"{path}[{i}]", c.evidence, list_item(c.text, ref_texts))
            for i, c in enumerate(claims)
        ]
    )


def _figure_text(value: str, unit: str | None, counts: str) -> str:
    return " ".join(x for x in (value, unit, counts) if x)


def brief_cells(doc: BriefDocument, ref: Brief | None) -> dict[str, dict[str, Any]]:
    """Section key -> the cell showing that section of `doc`, marked against `ref`."""
    brief, checks = doc.brief, _Checks(doc)
    s, h, o = brief.situation, brief.humanitarian, brief.outlook
    rs = ref.situation if ref else None
    rh = ref.humanitarian if ref else None
    ro = ref.outlook if ref else None

    # Actors are paired one to one, by the rules of gold scoring (`briefing.compare.gold`).
    ref_actors = list(ref.actors) if ref else []
    pairs = pair_actors([actor_keys(a) for a in brief.actors], [actor_keys(a) for a in ref_actors])
    actors = [
        _item(
            checks,
            f"actors[{i}]",
            a.evidence,
            {"text": text_view(a.name, None), "new": ref is not None and i not in pairs},
            meta=[a.kind.value.replace("_", " "), ", ".join(a.aliases)],
            detail=text_view(a.role, ref_actors[pairs[i]].role if i in pairs else None),
        )
        for i, a in enumerate(brief.actors)
    ]
    paired = set(pairs.values())
    ref_values = [f.value for f in rh.figures] if rh else []
    mine_values = [f.value for f in h.figures]
    figures = [
        _item(
            checks,
            f"humanitarian.figures[{i}]",
            f.evidence,
            {
                "text": text_view(_figure_text(f.value, f.unit, f.counts), None),
                "new": ref is not None and not figure_recalled(f.value, ref_values),
            },
            meta=[f"reported by {f.reported_by}" if f.reported_by else None],
        )
        for i, f in enumerate(h.figures)
    ]
    ref_devs = [d.what for d in rs.key_developments] if rs else None
    ref_risks = [r.description for r in ro.risks] if ro else None
    ref_gaps = list(ref.gaps) if ref else None
    return {
        "headline": _items([]) | {"summary": text_view(s.headline, rs.headline if rs else None)},
        "situation": _summary(
            checks, "situation", s.summary, rs.summary if rs else None, s.evidence
        ),
        "developments": _items(
            [
                _item(
                    checks,
                    f"situation.key_developments[{i}]",
                    d.evidence,
                    list_item(d.what, ref_devs),
                    meta=[d.where, d.when],
                )
                for i, d in enumerate(s.key_developments)
            ]
        ),
        "actors": _items(actors, [a.name for j, a in enumerate(ref_actors) if j not in paired]),
        "humanitarian": _summary(
            checks, "humanitarian", h.summary, rh.summary if rh else None, h.evidence
        ),
        "figures": _items(
            figures,
            [
                _figure_text(f.value, f.unit, f.counts)
                for f in (rh.figures if rh else [])
                if not figure_recalled(f.value, mine_values)
            ],
        ),
        "needs": _claims(checks, "humanitarian.needs", h.needs, rh.needs if rh else None),
        "access": _claims(
            checks,
            "humanitarian.access_constraints",
            h.access_constraints,
            rh.access_constraints if rh else None,
        ),
        "outlook": _summary(checks, "outlook", o.summary, ro.summary if ro else None, o.evidence),
        "risks": _items(
            [
                _item(
                    checks,
                    f"outlook.risks[{i}]",
                    r.evidence,
                    list_item(r.description, ref_risks),
                    meta=[
                        f"likelihood {r.likelihood.value}" if r.likelihood else None,
                        r.timeframe,
                    ],
                )
                for i, r in enumerate(o.risks)
            ]
        ),
        "indicators": _claims(
            checks, "outlook.indicators", o.indicators, ro.indicators if ro else None
        ),
        "gaps": _items([list_item(g, ref_gaps) | _no_checks() for g in brief.gaps]),
    }


def _no_checks() -> dict[str, Any]:
    """Gaps carry no evidence: nothing to check."""
    return {"meta": [], "detail": None, "quotes": [], "mark": None}


# What each section holds, for telling whether the variants wrote the same thing there.
_SECTION_DATA: dict[str, Callable[[Brief], Any]] = {
    "headline": lambda b: b.situation.headline,
    "situation": lambda b: (b.situation.summary, b.situation.evidence),
    "developments": lambda b: b.situation.key_developments,
    "actors": lambda b: b.actors,
    "humanitarian": lambda b: (b.humanitarian.summary, b.humanitarian.evidence),
    "figures": lambda b: b.humanitarian.figures,
    "needs": lambda b: b.humanitarian.needs,
    "access": lambda b: b.humanitarian.access_constraints,
    "outlook": lambda b: (b.outlook.summary, b.outlook.evidence),
    "risks": lambda b: b.outlook.risks,
    "indicators": lambda b: b.outlook.indicators,
    "gaps": lambda b: b.gaps,
}


def section_rows(docs: Sequence[BriefDocument | None]) -> list[dict[str, Any]]:
    """One row per section: its title, whether every variant wrote the same there, and
    one cell per variant (None where the variant has no brief), each marked against the
    first brief."""
    ref_doc = next((d for d in docs if d is not None), None)
    ref = ref_doc.brief if ref_doc else None
    columns = [
        None if doc is None else brief_cells(doc, None if doc is ref_doc else ref) for doc in docs
    ]
    rows = []
    for key, title in SECTIONS:
        contents = [None if doc is None else _SECTION_DATA[key](doc.brief) for doc in docs]
        same = all(c is not None for c in contents) and all(c == contents[0] for c in contents)
        cells = [None if col is None else col[key] for col in columns]
        rows.append({"key": key, "title": title, "same": same, "cells": cells})
    return rows
