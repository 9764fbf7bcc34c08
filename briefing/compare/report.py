"""Reports of a comparison: metric rows and values shared by every report, and the rich
table for the terminal (the HTML page is `briefing.compare.report_html`).

Reports mark the better value of each metric row (the direction comes from the metric's
`MetricSpec.better`; rows without a better direction, such as the number of actors, are
not marked).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from briefing.compare.metrics import MetricSpec
from briefing.compare.result import METRIC_SPECS, Cell, ComparisonResult, Stat
from briefing.model.usage import format_usd

# Shown per article and as charts; the full list is shown for "all articles".
KEY_METRICS = (
    "schema_valid",
    "grounding_rate",
    "unverified_claims",
    "support_rate",
    "unsupported_claims",
    "figures_found",
    "words",
    "budget_cuts",
    "entity_coverage",
    "entity_precision",
    "actor_recall",
    "actor_precision",
    "figure_recall",
    "key_fact_recall",
    "cost_usd",
)
CHART_METRICS = (
    "grounding_rate",
    "unverified_claims",
    "support_rate",
    "unsupported_claims",
    "entity_coverage",
    "entity_precision",
    "actor_recall",
    "figure_recall",
    "key_fact_recall",
    "words",
    "cost_usd",
    "wall_seconds",
    "model_seconds",
)
BEST_MARK = "★"
PARTIAL_MARK = "†"
PARTIAL_NOTE = (
    f"{PARTIAL_MARK} mean over fewer articles than compared (runs failed or gave no value)"
)


# --- values ---------------------------------------------------------------------------


def format_value(spec: MetricSpec, value: float) -> str:
    if spec.kind in ("rate", "bool"):
        return f"{value:.0%}" if spec.kind == "bool" else f"{value:.1%}"
    if spec.kind == "usd":
        return format_usd(value)
    if spec.kind == "seconds":
        return f"{value:.2f} s"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def format_spread(spec: MetricSpec, stdev: float) -> str:
    if spec.kind == "rate":
        return f"{stdev * 100:.1f} pp"  # percentage points
    if spec.kind == "bool":
        return f"{stdev * 100:.0f} pp"
    if spec.kind == "usd":
        # Two significant digits in fixed notation: "$0.000015", never "$1.5e-05".
        decimals = max(2, 1 - math.floor(math.log10(stdev)))
        return f"${stdev:.{decimals}f}"
    if spec.kind == "seconds":
        return f"{stdev:.2f} s"
    return f"{stdev:.1f}"


def format_stat(spec: MetricSpec, stat: Stat, *, spread: bool) -> str:
    if spec.kind == "bool" and stat.n == 1 and not spread:
        return "yes" if stat.mean >= 1 else "no"
    text = format_value(spec, stat.mean)
    if spread and stat.stdev > 0:
        return f"{text} ± {format_spread(spec, stat.stdev)}"
    return text


def best_of(spec: MetricSpec, values: Sequence[float | None]) -> set[int]:
    """Indexes of the better value(s); empty when the row has no direction or no contest."""
    present = [v for v in values if v is not None]
    if spec.better is None or len(present) < 2 or max(present) == min(present):
        return set()
    target = max(present) if spec.better == "higher" else min(present)
    return {i for i, v in enumerate(values) if v is not None and abs(v - target) < 1e-12}


@dataclass
class Row:
    key: str
    label: str
    definition: str
    better: str | None
    cells: list[str]
    best: set[int] = field(default_factory=set)
    values: list[float | None] = field(default_factory=list)  # the means shown, unformatted

    @property
    def same(self) -> bool:
        """Every variant shows the same value."""
        return len(set(self.cells)) <= 1


def metric_rows(
    stats: Sequence[dict[str, Stat]],
    keys: Sequence[str],
    *,
    spread: bool,
    articles: int | None = None,
) -> list[Row]:
    """One row per metric with a value; with `articles`, means over fewer are marked."""

    def text(spec: MetricSpec, stat: Stat | None) -> str:
        if stat is None:
            return "–"
        shown = format_stat(spec, stat, spread=spread)
        return f"{shown} {PARTIAL_MARK}" if articles and stat.n < articles else shown

    rows = []
    for key in keys:
        spec = METRIC_SPECS[key]
        found = [s.get(key) for s in stats]
        if all(s is None for s in found):
            continue
        rows.append(
            Row(
                key=key,
                label=spec.label,
                definition=spec.definition,
                better=spec.better,
                cells=[text(spec, s) for s in found],
                best=best_of(
                    spec, [None if s is None else shown_value(spec, s.mean) for s in found]
                ),
                values=[None if s is None else s.mean for s in found],
            )
        )
    return rows


def shown_value(spec: MetricSpec, value: float) -> float:
    # Compare values as displayed: 61.74% and 61.71% both read "61.7%", neither is better.
    places = {"rate": 3, "bool": 2, "usd": 4, "seconds": 2}.get(spec.kind, 1)
    return round(value, places)


def cell_error(cell: Cell | None) -> str | None:
    if cell is None or not cell.errors:
        return None
    failed = f"failed {cell.failed}/{cell.runs}: " if cell.runs else "failed: "
    return failed + "; ".join(cell.errors)


# --- terminal -------------------------------------------------------------------------


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _add_rows(table: Table, rows: list[Row]) -> None:
    for row in rows:
        arrow = {"higher": " ↑", "lower": " ↓"}.get(row.better or "", "")
        cells: list[Text] = []
        for i, value in enumerate(row.cells):
            if i in row.best:
                cells.append(Text(f"{value} {BEST_MARK}", style="bold green"))
            else:
                cells.append(Text(value))
        table.add_row(Text(row.label + arrow), *cells)


def _add_errors_row(table: Table, cells: Sequence[Cell | None]) -> None:
    """A red "errors" row for one article's cells, when any of them failed."""
    errors = [cell_error(c) for c in cells]
    if any(errors):
        table.add_row(
            Text("errors", style="red"),
            *(Text(_shorten(e or "", 70), style="red") for e in errors),
        )


def render_terminal(result: ComparisonResult, console: Console) -> None:
    """One table: variants as columns; a section per article (key metrics and errors) when
    there are several, then every metric's mean over all articles."""
    labels = [v.label for v in result.variants]
    spread = result.repeat > 1
    origins = "; ".join(
        f"{label}: {', '.join(texts)}" for label, texts in result.origins().items() if texts
    )
    table = Table(
        title=report_title(result),
        caption=f"{BEST_MARK} better value (↑ higher is better, ↓ lower)"
        + (f"; ± sample standard deviation over {result.repeat} repeats" if spread else "")
        + (f"\nwho wrote the briefs: {origins}" if origins else ""),
        header_style="bold",
        show_lines=False,
    )
    table.add_column("metric", style="dim", no_wrap=True)
    for label in labels:
        table.add_column(label, justify="right")
    several = len(result.articles) > 1
    if several:
        for info in result.articles:
            cells = [result.cell(info.name, label) for label in labels]
            table.add_row(Text(info.name, style="bold cyan"), *([""] * len(labels)))
            stats = [c.stats if c else {} for c in cells]
            _add_rows(table, metric_rows(stats, KEY_METRICS, spread=spread))
            _add_errors_row(table, cells)
            table.add_section()
        table.add_row(Text("all articles (mean)", style="bold cyan"), *([""] * len(labels)))
    else:
        _add_errors_row(table, [result.cell(result.articles[0].name, lb) for lb in labels])
    overall = [result.overall.get(label, {}) for label in labels]
    rows = metric_rows(overall, result.metric_keys(), spread=spread, articles=len(result.articles))
    _add_rows(table, rows)
    if any(PARTIAL_MARK in c for row in rows for c in row.cells):
        table.caption = f"{table.caption}\n{PARTIAL_NOTE}"
    console.print(table)
    # The table shortens errors to fit; the full messages say how to fix them.
    for line in failure_lines(result):
        console.print(Text(line, style="red"))


def failure_groups(result: ComparisonResult) -> list[dict[str, Any]]:
    """Failed runs, repeats of the same failure counted once: article, variant, type,
    error, runs."""
    groups: dict[tuple[str, str, str | None, str | None], dict[str, Any]] = {}
    for run in result.failures:
        key = (run.article, run.variant, run.error_type, run.error)
        group = groups.setdefault(
            key,
            {"article": key[0], "variant": key[1], "type": key[2], "error": key[3], "runs": 0},
        )
        group["runs"] += 1
    return list(groups.values())


def failure_lines(result: ComparisonResult) -> list[str]:
    """One line per distinct failure: "article × variant [(n runs)]: ErrorType: message"."""
    lines = []
    for g in failure_groups(result):
        runs = f" ({g['runs']} runs)" if g["runs"] > 1 else ""
        lines.append(f"{g['article']} × {g['variant']}{runs}: {g['type']}: {g['error']}")
    return lines


def report_title(result: ComparisonResult) -> str:
    count = len(result.articles)
    noun = "article" if count == 1 else "articles"
    repeat = f", {result.repeat} repeats" if result.repeat > 1 else ""
    return f"Comparison of {', '.join(v.label for v in result.variants)} on {count} {noun}{repeat}"
