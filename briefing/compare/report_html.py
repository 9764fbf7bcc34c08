"""The comparison as a self-contained HTML page: metric tables, inline SVG bar charts,
prompt template diffs and the briefs side by side, each compared with the first variant.

Brief text is untrusted (it comes from an article and a model): the template escapes
everything.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from briefing.compare.gold import actor_keys, figure_recalled, pair_actors
from briefing.compare.metrics import MetricSpec
from briefing.compare.report import (
    BEST_MARK,
    CHART_METRICS,
    KEY_METRICS,
    PARTIAL_MARK,
    PARTIAL_NOTE,
    best_of,
    cell_error,
    failure_groups,
    format_stat,
    metric_rows,
    report_title,
    shown_value,
)
from briefing.compare.result import METRIC_SPECS, ComparisonResult, Stat
from briefing.schema import Brief

# --- HTML: diffs ----------------------------------------------------------------------


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Segments ("eq" | "del" | "ins", text) turning `old` into `new`, word by word."""
    a, b = old.split(), new.split()
    out: list[tuple[str, str]] = []
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


def list_item(text: str, ref_items: Sequence[str] | None) -> dict[str, Any]:
    """A development or risk: word-diffed against the closest reference item when one is
    close (similarity >= 0.6, as lists are reordered and reworded between versions), else
    marked new."""
    if ref_items is None:
        return {"parts": [("eq", text)], "new": False}
    scored = [
        (difflib.SequenceMatcher(None, text.casefold(), o.casefold()).ratio(), o) for o in ref_items
    ]
    best = max(scored, default=(0.0, ""))
    if best[0] < 0.6:
        return {"parts": [("eq", text)], "new": True}
    return {"parts": word_diff(best[1], text), "new": False}


def brief_view(brief: Brief, ref: Brief | None) -> dict[str, Any]:
    """One column of the side-by-side view; with `ref`, marked against it."""
    s, h, o = brief.situation, brief.humanitarian, brief.outlook

    def diff(mine: str, theirs: str | None) -> list[tuple[str, str]]:
        return [("eq", mine)] if theirs is None else word_diff(theirs, mine)

    # Actors are paired one to one, by the rules of gold scoring (`briefing.compare.gold`).
    ref_actors = list(ref.actors) if ref else []
    pairs = pair_actors([actor_keys(a) for a in brief.actors], [actor_keys(a) for a in ref_actors])
    paired_ref = set(pairs.values())
    actors = [
        {
            "name": a.name,
            "aliases": ", ".join(a.aliases),
            "kind": a.kind.value.replace("_", " "),
            "new": ref is not None and i not in pairs,
        }
        for i, a in enumerate(brief.actors)
    ]
    missing = [a.name for j, a in enumerate(ref_actors) if j not in paired_ref]
    ref_values = [f.value for f in ref.humanitarian.figures] if ref else []
    figures = [
        {
            "text": " ".join(x for x in (f.value, f.unit, f.counts) if x),
            "by": f.reported_by,
            "new": ref is not None and not figure_recalled(f.value, ref_values),
        }
        for f in h.figures
    ]
    mine_values = [f.value for f in h.figures]
    missing_figures = [
        " ".join(x for x in (f.value, f.unit, f.counts) if x)
        for f in (ref.humanitarian.figures if ref else [])
        if not figure_recalled(f.value, mine_values)
    ]
    ref_devs = [d.what for d in ref.situation.key_developments] if ref else None
    ref_risks = [r.description for r in ref.outlook.risks] if ref else None
    return {
        "headline": diff(s.headline, ref.situation.headline if ref else None),
        "summary": diff(s.summary, ref.situation.summary if ref else None),
        "developments": [list_item(d.what, ref_devs) for d in s.key_developments],
        "actors": actors,
        "missing_actors": missing,
        "humanitarian": diff(h.summary, ref.humanitarian.summary if ref else None),
        "figures": figures,
        "missing_figures": missing_figures,
        "outlook": diff(o.summary, ref.outlook.summary if ref else None),
        "risks": [
            list_item(r.description, ref_risks)
            | {"likelihood": r.likelihood.value if r.likelihood else None}
            for r in o.risks
        ],
    }


def diff_lines(diff: str) -> list[tuple[str, str]]:
    """(css class, line) for a unified diff."""
    out = []
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            cls = "file"
        elif line.startswith("@@"):
            cls = "hunk"
        elif line.startswith("+"):
            cls = "add"
        elif line.startswith("-"):
            cls = "rem"
        else:
            cls = "ctx"
        out.append((cls, line))
    return out


# --- HTML: charts ---------------------------------------------------------------------


def chart(spec: MetricSpec, labels: Sequence[str], stats: Sequence[Stat | None]) -> dict[str, Any]:
    values = [None if s is None else s.mean for s in stats]
    present = [v for v in values if v is not None]
    # Rates share a fixed 0-100 % axis so charts can be compared at a glance.
    top = 1.0 if spec.kind in ("rate", "bool") else max(present or [0.0]) or 1.0
    best = best_of(spec, [None if v is None else shown_value(spec, v) for v in values])
    bars = []
    for i, (label, stat) in enumerate(zip(labels, stats, strict=True)):
        value = None if stat is None else stat.mean
        bars.append(
            {
                "label": label,
                "text": "–" if stat is None else format_stat(spec, stat, spread=False),
                "fraction": 0.0 if value is None else max(min(value / top, 1.0), 0.0),
                "best": i in best,
            }
        )
    return {"key": spec.key, "title": spec.label, "better": spec.better, "bars": bars}


# --- HTML: page -----------------------------------------------------------------------


def html_context(result: ComparisonResult) -> dict[str, Any]:
    labels = [v.label for v in result.variants]
    spread = result.repeat > 1
    overall = [result.overall.get(label, {}) for label in labels]
    articles = []
    for info in result.articles:
        cells = [result.cell(info.name, label) for label in labels]
        ref_doc = next((c.document for c in cells if c and c.document), None)
        ref = ref_doc.brief if ref_doc else None
        columns = []
        for label, cell in zip(labels, cells, strict=True):
            doc = cell.document if cell else None
            columns.append(
                {
                    "label": label,
                    "error": cell_error(cell),
                    "is_ref": doc is not None and doc is ref_doc,
                    "view": None
                    if doc is None
                    else brief_view(doc.brief, None if doc is ref_doc else ref),
                }
            )
        articles.append(
            {
                "info": info,
                "rows": metric_rows(
                    [c.stats if c else {} for c in cells], KEY_METRICS, spread=spread
                ),
                "errors": [cell_error(c) for c in cells],
                "ref_label": next((c["label"] for c in columns if c["is_ref"]), None),
                "columns": columns,
            }
        )
    keys = result.metric_keys()
    overall_rows = metric_rows(overall, keys, spread=spread, articles=len(result.articles))
    partial = any(PARTIAL_MARK in c for row in overall_rows for c in row.cells)
    return {
        "title": report_title(result),
        "result": result,
        "labels": labels,
        "spread": spread,
        "overall_rows": overall_rows,
        "partial_note": PARTIAL_NOTE if partial else "",
        "charts": [
            chart(METRIC_SPECS[k], labels, [s.get(k) for s in overall])
            for k in CHART_METRICS
            if k in keys
        ],
        "articles": articles,
        "failures": failure_groups(result),
        "prompt_diffs": [
            {"a": d.a, "b": d.b, "lines": diff_lines(d.diff)} for d in result.prompt_diffs
        ],
        "best_mark": BEST_MARK,
        "origins": result.origins(),
    }


def render_html(result: ComparisonResult) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from briefing.resources import templates_dir

    # Brief text is untrusted (it comes from an article and a model): escape everything.
    env = Environment(
        loader=FileSystemLoader(templates_dir("compare")),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("compare.html.j2").render(**html_context(result))
