"""The comparison as a self-contained HTML page to work in: the regression gate's
outcome, metric tables, a table of every (article, variant) to sort, filter and export
as CSV, inline SVG bar charts, prompt template diffs and the briefs side by side, section
by section (`briefing.compare.report_briefs`).

The page works from a file with no network: its CSS and script are inline, and the data
the script reads sits in a `<script type="application/json">` block. Brief text is
untrusted (it comes from an article and a model): the template escapes everything.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from typing import Any

from briefing.choices import Engine
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
    format_value,
    metric_rows,
    report_title,
    shown_value,
)
from briefing.compare.report_briefs import COMPARABLE, section_rows
from briefing.compare.report_briefs import word_diff as word_diff
from briefing.compare.result import (
    METRIC_SPECS,
    ArticleInfo,
    ComparisonResult,
    GateOutcome,
    Stat,
)
from briefing.grounding import WEAK_GROUNDING

# --- HTML: prompt diffs --------------------------------------------------------------


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


def variant_models(result: ComparisonResult) -> dict[str, str]:
    """Variant label -> the model that really wrote its briefs, as the page shows it.

    The configured model is not it: a cassette replays the model it recorded (a
    hand-written one names no real model), and the extractive engine uses none.
    """
    found = result.models()
    out: dict[str, str] = {}
    for v in result.variants:
        if v.engine == Engine.EXTRACTIVE:
            out[v.label] = "no model"
        elif found.get(v.label):
            out[v.label] = ", ".join(found[v.label])
        else:
            out[v.label] = f"none answered (configured: {v.model or result.model})"
    return out


def _cell_model(result: ComparisonResult, article: str, variant: str) -> str | None:
    models = {r.model for r in result.runs if r.article == article and r.variant == variant}
    return ", ".join(sorted(m for m in models if m)) or None


def gate_view(gate: GateOutcome | None) -> dict[str, Any] | None:
    """The gate's rules, one row per (rule, variant), values formatted as the tables
    format them."""
    if gate is None:
        return None

    def shown(metric: str, value: float | None) -> str:
        if value is None:
            return "–"
        spec = METRIC_SPECS.get(metric)
        return f"{value:g}" if spec is None else format_value(spec, value)

    return {
        "passed": gate.passed,
        "rules": gate.rules,
        "baseline": gate.baseline,
        "failed": sum(1 for c in gate.checks if not c.passed),
        "checks": [
            {
                "rule": c.rule,
                "variant": c.variant,
                "value": shown(c.metric, c.value),
                "condition": f"{c.op} {shown(c.metric, c.threshold)}",
                "baseline": None
                if c.baseline is None
                else f"{c.baseline} {shown(c.metric, c.baseline_value)}",
                "passed": c.passed,
                "message": c.message,
            }
            for c in gate.checks
        ],
    }


def _absolute_rules(gate: GateOutcome | None) -> list[dict[str, Any]]:
    """The gate's absolute rules, which the page also applies to each article's values
    (a relative rule needs the baseline's mean, which only the gate table has)."""
    if gate is None:
        return []
    rules = {}
    for c in gate.checks:
        if c.baseline is None and c.threshold is not None and c.metric in METRIC_SPECS:
            rules[c.rule] = {"rule": c.rule, "metric": c.metric, "op": c.op, "value": c.threshold}
    return list(rules.values())


def runs_table(result: ComparisonResult) -> dict[str, Any]:
    """One row per (article, variant) and one column per metric, for sorting, filtering
    and CSV export; `data` is what the page's script reads."""
    keys = result.metric_keys()
    specs = [METRIC_SPECS[k] for k in keys]
    spread = result.repeat > 1
    rows = []
    for info in result.articles:
        for v in result.variants:
            cell = result.cell(info.name, v.label)
            stats = cell.stats if cell else {}
            rows.append(
                {
                    "article": info.name,
                    "variant": v.label,
                    "model": _cell_model(result, info.name, v.label)
                    or ("no model" if v.engine == Engine.EXTRACTIVE else None),
                    "runs": cell.runs if cell else 0,
                    "failed": cell.failed if cell else 0,
                    "texts": [
                        format_stat(spec, stats[spec.key], spread=spread)
                        if spec.key in stats
                        else "–"
                        for spec in specs
                    ],
                    "values": [stats[k].mean if k in stats else None for k in keys],
                }
            )
    means = [
        {
            "variant": v.label,
            "values": [
                s.mean if (s := result.overall.get(v.label, {}).get(k)) else None for k in keys
            ],
        }
        for v in result.variants
    ]
    metrics = [{"key": s.key, "label": s.label, "kind": s.kind, "better": s.better} for s in specs]
    return {
        "metrics": metrics,
        "rows": rows,
        "data": {
            "metrics": metrics,
            "rows": [
                {k: r[k] for k in ("article", "variant", "model", "runs", "failed", "values")}
                for r in rows
            ],
            "means": means,
            "rules": _absolute_rules(result.gate),
            "low_rate": WEAK_GROUNDING,
        },
    }


def article_view(result: ComparisonResult, info: ArticleInfo, spread: bool) -> dict[str, Any]:
    labels = [v.label for v in result.variants]
    cells = [result.cell(info.name, label) for label in labels]
    docs = [c.document if c else None for c in cells]
    ref_label = next((label for label, d in zip(labels, docs, strict=True) if d), None)
    rows = metric_rows([c.stats if c else {} for c in cells], KEY_METRICS, spread=spread)
    sections = section_rows(docs)
    errors = [cell_error(c) for c in cells]
    return {
        "info": info,
        "rows": rows,
        "errors": errors,
        "ref_label": ref_label,
        "columns": [
            {
                "label": v.label,
                "model": _cell_model(result, info.name, v.label)
                or ("no model" if v.engine == Engine.EXTRACTIVE else "no brief"),
                "error": error,
                "is_ref": v.label == ref_label,
            }
            for v, error in zip(result.variants, errors, strict=True)
        ],
        "sections": sections,
        "failed": any(errors),
        "same": all(r.same for r in rows) and all(s["same"] for s in sections),
    }


def html_context(result: ComparisonResult) -> dict[str, Any]:
    labels = [v.label for v in result.variants]
    spread = result.repeat > 1
    overall = [result.overall.get(label, {}) for label in labels]
    keys = result.metric_keys()
    overall_rows = metric_rows(overall, keys, spread=spread, articles=len(result.articles))
    partial = any(PARTIAL_MARK in c for row in overall_rows for c in row.cells)
    return {
        "title": report_title(result),
        "result": result,
        "labels": labels,
        "models": variant_models(result),
        "spread": spread,
        "gate": gate_view(result.gate),
        "overall_rows": overall_rows,
        "partial_note": PARTIAL_NOTE if partial else "",
        "charts": [
            chart(METRIC_SPECS[k], labels, [s.get(k) for s in overall])
            for k in CHART_METRICS
            if k in keys
        ],
        "runs_table": runs_table(result),
        "articles": [article_view(result, info, spread) for info in result.articles],
        "failures": failure_groups(result),
        "prompt_diffs": [
            {"a": d.a, "b": d.b, "lines": diff_lines(d.diff)} for d in result.prompt_diffs
        ],
        "best_mark": BEST_MARK,
        "origins": result.origins(),
        "comparable": COMPARABLE,
    }


def page_script() -> tuple[str, str]:
    """The page's script and its CSP source ('sha256-...'): the page allows that one
    script and no other, so even markup that escaped escaping could not run code."""
    from briefing.resources import templates_dir

    script = (templates_dir("compare") / "compare.js").read_text(encoding="utf-8")
    if "</script" in script.lower():
        raise RuntimeError("compare.js must not contain a closing script tag")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return script, f"sha256-{digest}"


def render_html(result: ComparisonResult) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined
    from markupsafe import Markup

    from briefing.resources import templates_dir

    # Brief text is untrusted (it comes from an article and a model): escape everything;
    # the data the page's script reads goes through `tojson`, which escapes "<", ">",
    # "&" and "'" so that no text can close its <script> block.
    env = Environment(
        loader=FileSystemLoader(templates_dir("compare")),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    script, script_hash = page_script()
    return env.get_template("compare.html.j2").render(
        **html_context(result), script=Markup(script), script_hash=script_hash
    )
