"""The result of a comparison: variants, runs, cells, aggregates; plain pydantic data.

Runs are aggregated per (article, variant) as mean and spread over repetitions, and per
variant over articles. The result serialises to JSON (`compare --json`) and feeds the
reports (`briefing.compare.report`) and the gate (`briefing.compare.gate`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from briefing.choices import Engine
from briefing.compare.gold import GOLD_METRICS, GoldScores
from briefing.compare.metrics import METRICS, BriefMetrics, MetricSpec
from briefing.schema import BriefDocument

EXTRACTIVE = "extractive"
RESULT_FORMAT = "briefing-comparison/1"

ALL_METRICS: tuple[MetricSpec, ...] = METRICS + GOLD_METRICS
METRIC_SPECS: dict[str, MetricSpec] = {spec.key: spec for spec in ALL_METRICS}


class Variant(BaseModel):
    """One column of the comparison."""

    label: str
    version: str  # a prompt version, or "extractive"
    model: str | None = None  # None: the extractive engine, or the configured model
    engine: Engine = Engine.LLM


class Stat(BaseModel):
    """Mean and spread of one metric. `stdev` is the sample standard deviation (0 for one
    value); for "all articles" it is the pooled spread over repetitions, and min/max
    range over the per-article means."""

    mean: float
    stdev: float
    min: float
    max: float
    n: int


class RunRecord(BaseModel):
    article: str
    variant: str
    repetition: int
    cassette: str | None = None
    metrics: BriefMetrics | None = None
    gold: GoldScores | None = None
    error: str | None = None
    error_type: str | None = None
    origin: str | None = None  # who wrote the brief (metadata.origin)
    # The model that answered (metadata.model): the one named in the cassette's answers
    # when replayed, None for the extractive engine.
    model: str | None = None

    def values(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        if self.metrics is not None:
            out |= self.metrics.values()
        if self.gold is not None:
            out |= self.gold.values()
        return out


class Cell(BaseModel):
    """One (article, variant): aggregated metrics, errors, and one brief to show."""

    article: str
    variant: str
    runs: int
    failed: int
    stats: dict[str, Stat] = Field(default_factory=dict)
    errors: list[str] = Field(default_factory=list)
    document: BriefDocument | None = None


class ArticleInfo(BaseModel):
    name: str  # the file stem; cassettes and gold files are named after it
    source: str
    title: str | None = None
    words: int | None = None
    gold: str | None = None  # the gold file used, if any
    gold_label: str | None = None
    error: str | None = None


class PromptDiff(BaseModel):
    a: str
    b: str
    diff: str


class GateCheck(BaseModel):
    """One gate rule checked on one variant's all-articles mean."""

    rule: str  # as written, spaces removed ("actor_recall<baseline-0.05")
    metric: str
    op: str
    variant: str
    value: float | None  # None: the variant has no value for the metric
    threshold: float | None  # what the value was compared with (None: no baseline value)
    baseline: str | None = None  # the baseline variant, for a relative rule
    baseline_value: float | None = None
    passed: bool
    message: str | None = None  # the violation, as the command prints it


class GateOutcome(BaseModel):
    """The regression gate's verdict on a comparison, rule by rule and variant by variant,
    kept with the result so that the reports can show it."""

    rules: str  # the --fail-on text
    baseline: str | None = None
    checks: list[GateCheck] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def violations(self) -> list[str]:
        return [c.message or c.rule for c in self.checks if not c.passed]


class ComparisonResult(BaseModel):
    format: str = RESULT_FORMAT
    created_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    variants: list[Variant]
    articles: list[ArticleInfo]
    repeat: int
    record_mode: str
    model: str
    cells: list[Cell]
    overall: dict[str, dict[str, Stat]]  # variant label -> metric key -> Stat
    runs: list[RunRecord]
    prompt_diffs: list[PromptDiff] = Field(default_factory=list)
    gate: GateOutcome | None = None  # set when the comparison ran with a gate (--fail-on)

    def cell(self, article: str, variant: str) -> Cell | None:
        return next((c for c in self.cells if c.article == article and c.variant == variant), None)

    def origins(self) -> dict[str, list[str]]:
        """Who wrote each variant's briefs (metadata.origin), so that a comparison of
        hand-written reference responses can never pass for one of model output."""
        found: dict[str, list[str]] = {}
        for run in self.runs:
            seen = found.setdefault(run.variant, [])
            if run.origin and run.origin not in seen:
                seen.append(run.origin)
        return found

    def models(self) -> dict[str, list[str]]:
        """The models that actually wrote each variant's briefs (from the briefs'
        metadata), which may differ from the configured `model`: a cassette replays the
        model it recorded, the extractive engine uses none."""
        found: dict[str, list[str]] = {v.label: [] for v in self.variants}
        for run in self.runs:
            seen = found.setdefault(run.variant, [])
            if run.model and run.model not in seen:
                seen.append(run.model)
        return found

    @property
    def failures(self) -> list[RunRecord]:
        return [r for r in self.runs if r.error is not None]

    def metric_keys(self) -> list[str]:
        """Metrics with at least one value, in `ALL_METRICS` order."""
        present = {key for stats in self.overall.values() for key in stats}
        return [spec.key for spec in ALL_METRICS if spec.key in present]


# --- aggregation ----------------------------------------------------------------------


def stat_of(values: Sequence[float]) -> Stat:
    n = len(values)
    mean = math.fsum(values) / n
    stdev = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return Stat(mean=mean, stdev=stdev, min=min(values), max=max(values), n=n)


def aggregate_runs(runs: Sequence[RunRecord]) -> dict[str, Stat]:
    collected: dict[str, list[float]] = {}
    for run in runs:
        for key, value in run.values().items():
            if value is not None:
                collected.setdefault(key, []).append(value)
    return {key: stat_of(values) for key, values in collected.items()}


def _pool(stats: Sequence[Stat]) -> Stat:
    means = [s.mean for s in stats]
    return Stat(
        mean=math.fsum(means) / len(means),
        stdev=math.sqrt(math.fsum(s.stdev**2 for s in stats) / len(stats)),
        min=min(means),
        max=max(means),
        n=len(stats),
    )


def aggregate_articles(cells: Sequence[Cell], labels: Sequence[str]) -> dict[str, dict[str, Stat]]:
    """Variant label -> metric -> Stat over articles, each article weighing the same.

    A metric is averaged over the articles where every variant has a value for it, so
    that a variant failing on a hard article is not flattered by skipping it (the
    failure shows in its cell and in `failed_runs`). When no article is common to all,
    each variant's own articles are used.
    """
    per: dict[str, dict[str, dict[str, Stat]]] = {label: {} for label in labels}
    for cell in cells:
        for key, stat in cell.stats.items():
            per[cell.variant].setdefault(key, {})[cell.article] = stat
    out: dict[str, dict[str, Stat]] = {label: {} for label in labels}
    keys = {key for by_key in per.values() for key in by_key}
    for key in keys:
        present = [set(per[label].get(key, {})) for label in labels]
        common = set.intersection(*present)
        for label in labels:
            stats = per[label].get(key, {})
            chosen = [stats[a] for a in sorted(common)] if common else list(stats.values())
            if chosen:
                out[label][key] = _pool(chosen)
    return out
