"""Compare prompt versions (and models) on the same articles.

Every (article, variant, repetition) runs through the same pipeline as `briefing
generate`, concurrently up to `settings.concurrency`. A variant is a prompt version,
optionally with a model, or `extractive` (the offline engine). Each run yields
`BriefMetrics` (and `GoldScores` when a gold file exists); runs are aggregated per
(article, variant) as mean and spread over repetitions, and per variant over articles.

A failing run (unreadable article, cassette miss, unusable model answer...) is recorded
with its message in its cell; the others go on (an unusable model answer also counts as
a brief that is not schema-valid). An article that cannot be read fails every run it
would have had, one per variant and repetition, so the gate's `failed_runs` sees it.
Problems that would make every run fail the same way (an unknown prompt version, a bad
option, an invalid gold file, no readable article at all) stop the comparison before
anything runs; when every run fails anyway there is nothing to compare, and the error
raised keeps the first failure's exit code.

The regression gate lives in `briefing.compare.gate`; reports in `briefing.compare.report`.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from briefing.compare.gold import (
    GOLD_METRICS,
    GoldFacts,
    GoldScores,
    gold_path,
    load_gold,
    score_against_gold,
)
from briefing.compare.metrics import (
    METRICS,
    BriefMetrics,
    MetricSpec,
    compute_metrics,
    invalid_metrics,
)
from briefing.config import Settings, with_overrides
from briefing.errors import BriefingError, ConfigError, InputError, ModelOutputError
from briefing.ingest.article import Article, load_article
from briefing.model.cassette import RECORD_MODES
from briefing.schema import BriefDocument

EXTRACTIVE = "extractive"
ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm")
RESULT_FORMAT = "briefing-comparison/1"

ALL_METRICS: tuple[MetricSpec, ...] = METRICS + GOLD_METRICS
METRIC_SPECS: dict[str, MetricSpec] = {spec.key: spec for spec in ALL_METRICS}

# The pipeline's call shape; tests and library callers may pass their own.
Generate = Callable[..., Awaitable[BriefDocument]]


class Variant(BaseModel):
    """One column of the comparison."""

    label: str
    version: str  # a prompt version, or "extractive"
    model: str | None = None  # None: the extractive engine, or the configured model
    engine: Literal["llm", "extractive"] = "llm"


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

    @property
    def failures(self) -> list[RunRecord]:
        return [r for r in self.runs if r.error is not None]

    def metric_keys(self) -> list[str]:
        """Metrics with at least one value, in `ALL_METRICS` order."""
        present = {key for stats in self.overall.values() for key in stats}
        return [spec.key for spec in ALL_METRICS if spec.key in present]


# --- inputs ---------------------------------------------------------------------------


def expand_sources(sources: Sequence[Path]) -> list[Path]:
    """Files as given; directories contribute their article files (not recursive, sorted)."""
    out: list[Path] = []
    for source in sources:
        if source.is_dir():
            found = sorted(
                p
                for p in source.iterdir()
                if p.is_file()
                and p.suffix.lower() in ARTICLE_SUFFIXES
                and not p.name.startswith(".")
            )
            if not found:
                raise InputError(
                    f"{source} holds no articles ({', '.join(ARTICLE_SUFFIXES)} files); "
                    "pass article files or another directory"
                )
            out += found
        elif source.is_file():
            out.append(source)
        else:
            raise InputError(f"article {source} does not exist; check the path")
    stems: dict[str, Path] = {}
    for path in out:
        if path.stem in stems and stems[path.stem].resolve() != path.resolve():
            raise InputError(
                f"{stems[path.stem]} and {path} share the name {path.stem!r}; cassettes and "
                "gold files are named after it, so rename one"
            )
        stems[path.stem] = path
    return list(dict.fromkeys(stems.values()))


def build_variants(versions: Sequence[str], models: Sequence[str] | None) -> list[Variant]:
    """Versions × models; `extractive` once (it uses no model). Repeats get "#2", "#3"."""
    if not versions:
        raise ConfigError("compare needs at least one --prompt VERSION (or 'extractive')")
    many_models = models is not None and len(models) > 1
    variants: list[Variant] = []
    seen: dict[str, int] = {}
    for version in versions:
        if version == EXTRACTIVE:
            combos: list[tuple[str | None, str]] = [(None, EXTRACTIVE)]
        elif models:
            combos = [(m, f"{version}@{m}" if many_models else version) for m in models]
        else:
            combos = [(None, version)]
        for model, label in combos:
            seen[label] = seen.get(label, 0) + 1
            if seen[label] > 1:
                # The same variant twice is an A/A run: it measures run-to-run noise.
                label = f"{label}#{seen[label]}"
            engine: Literal["llm", "extractive"] = "extractive" if version == EXTRACTIVE else "llm"
            variants.append(Variant(label=label, version=version, model=model, engine=engine))
    return variants


def check_versions(versions: Sequence[str]) -> None:
    """Fail before running anything when a prompt version is unknown or malformed."""
    from briefing.prompts import load_version

    for version in dict.fromkeys(versions):
        if version != EXTRACTIVE:
            load_version(version)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def cassette_name(article: str, variant: Variant) -> str:
    """`<article>.<version>[.<model>][.<n>].json`, readable and safe as a file name."""
    parts = [article, variant.version]
    if variant.model is not None:
        parts.append(_UNSAFE.sub("-", variant.model).strip("-"))
    if "#" in variant.label:
        parts.append(variant.label.rsplit("#", 1)[1])
    return ".".join(parts) + ".json"


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


# --- running --------------------------------------------------------------------------


def _default_generate() -> Generate:
    from briefing.pipeline import agenerate_document

    return agenerate_document


def _load_articles(
    paths: Sequence[Path], settings: Settings, gold_dir: Path | None
) -> tuple[list[ArticleInfo], dict[str, Article | BriefingError], dict[str, GoldFacts]]:
    """Article infos, each article (or the error that kept it from loading), gold facts.

    Raises when no article at all can be read: there would be nothing to compare.
    """
    infos: list[ArticleInfo] = []
    loaded: dict[str, Article | BriefingError] = {}
    golds: dict[str, GoldFacts] = {}
    for path in paths:
        info = ArticleInfo(name=path.stem, source=str(path))
        # Gold files are checked first and strictly: a typo in one should stop the run
        # before any model is called, not surface as a silently missing score.
        if gold_dir is not None:
            gpath = gold_path(gold_dir, path)
            if gpath.is_file():
                golds[path.stem] = load_gold(gpath)
                info.gold, info.gold_label = str(gpath), golds[path.stem].label
        try:
            article = load_article(str(path), max_bytes=settings.max_bytes)
        except BriefingError as exc:
            info.error = f"{type(exc).__name__}: {exc}"
            loaded[path.stem] = exc
        else:
            loaded[path.stem] = article
            info.title, info.words = article.title, article.word_count
        infos.append(info)
    if not any(isinstance(a, Article) for a in loaded.values()):
        first = next(e for e in loaded.values() if isinstance(e, BriefingError))
        error = BriefingError(
            f"no article could be read ({len(infos)} given); first, {infos[0].source}: "
            f"{infos[0].error}"
        )
        error.exit_code = first.exit_code
        raise error
    return infos, loaded, golds


async def acompare(
    sources: Sequence[Path],
    versions: Sequence[str],
    settings: Settings,
    *,
    models: Sequence[str] | None = None,
    cassette_dir: Path | None = None,
    record_mode: str = "replay",
    repeat: int = 1,
    gold_dir: Path | None = None,
    generate: Generate | None = None,
) -> ComparisonResult:
    if record_mode not in RECORD_MODES:
        raise ConfigError(
            f"unknown record mode {record_mode!r}; use one of {', '.join(RECORD_MODES)}"
        )
    if repeat < 1:
        raise ConfigError(f"--repeat must be at least 1, not {repeat}")
    if gold_dir is not None and not gold_dir.is_dir():
        raise InputError(f"gold directory {gold_dir} does not exist; check --gold")
    variants = build_variants(versions, models)
    check_versions(versions)
    paths = expand_sources(sources)
    generate = generate or _default_generate()
    infos, articles, golds = _load_articles(paths, settings, gold_dir)

    def cassette(article: str, variant: Variant) -> Path | None:
        if cassette_dir is None or variant.engine == EXTRACTIVE or record_mode == "off":
            return None
        return cassette_dir / cassette_name(article, variant)

    limit = asyncio.Semaphore(settings.concurrency)
    # Repetitions of one pair share a cassette file; recording them concurrently would
    # let the last writer drop the others' entries.
    writing = record_mode in ("record", "once")
    locks: dict[Path, asyncio.Lock] = {}

    async def run(
        name: str, variant: Variant, repetition: int
    ) -> tuple[RunRecord, BriefDocument | BriefingError]:
        article = articles[name]
        if isinstance(article, BriefingError):
            # An unreadable article fails each run it would have had.
            failed = RunRecord(article=name, variant=variant.label, repetition=repetition)
            failed.error, failed.error_type = str(article), type(article).__name__
            return failed, article
        path = cassette(name, variant)
        record = RunRecord(
            article=name,
            variant=variant.label,
            repetition=repetition,
            cassette=str(path) if path else None,
        )
        lock = locks.setdefault(path, asyncio.Lock()) if writing and path else None
        try:
            async with lock or contextlib.nullcontext(), limit:
                doc = await generate(
                    article,
                    with_overrides(settings, model=variant.model) if variant.model else settings,
                    prompt_version=None if variant.engine == EXTRACTIVE else variant.version,
                    engine=variant.engine,
                    cassette_path=path,
                    record_mode=record_mode if path else "off",
                    repetition=repetition,
                )
        except BriefingError as exc:
            record.error, record.error_type = str(exc), type(exc).__name__
            if isinstance(exc, ModelOutputError):
                record.metrics = invalid_metrics()
            return record, exc
        record.origin = doc.metadata.origin
        record.metrics = compute_metrics(doc, article.text)
        if name in golds:
            record.gold = score_against_gold(doc.brief, golds[name])
        return record, doc

    outcomes = await asyncio.gather(
        *(
            run(info.name, variant, rep)
            for info in infos
            for variant in variants
            for rep in range(repeat)
        )
    )
    runs = [record for record, _ in outcomes]
    errors = [outcome for _, outcome in outcomes if isinstance(outcome, BriefingError)]
    if errors and len(errors) == len(runs):
        raise _all_failed(runs, errors[0])
    # One brief per cell for the side-by-side view: the first repetition that succeeded.
    shown: dict[tuple[str, str], BriefDocument] = {}
    for record, outcome in sorted(outcomes, key=lambda o: o[0].repetition):
        if isinstance(outcome, BriefDocument):
            shown.setdefault((record.article, record.variant), outcome)
    return _assemble(infos, variants, runs, shown, repeat, record_mode, settings)


def _all_failed(runs: list[RunRecord], first: BriefingError) -> BriefingError:
    """Nothing to compare: one error that keeps the first failure's exit code."""
    kinds = ", ".join(sorted({r.error_type or "" for r in runs}))
    head = runs[0]
    error = BriefingError(
        f"every run failed ({len(runs)} runs: {kinds}); first, {head.article} × "
        f"{head.variant}: {head.error}"
    )
    error.exit_code = first.exit_code
    return error


def _assemble(
    infos: list[ArticleInfo],
    variants: list[Variant],
    runs: list[RunRecord],
    shown: dict[tuple[str, str], BriefDocument],
    repeat: int,
    record_mode: str,
    settings: Settings,
) -> ComparisonResult:
    cells: list[Cell] = []
    for info in infos:
        for variant in variants:
            mine = [r for r in runs if r.article == info.name and r.variant == variant.label]
            cells.append(
                Cell(
                    article=info.name,
                    variant=variant.label,
                    runs=len(mine),
                    failed=sum(1 for r in mine if r.error is not None),
                    stats=aggregate_runs(mine),
                    errors=list(dict.fromkeys(r.error for r in mine if r.error)),
                    document=shown.get((info.name, variant.label)),
                )
            )
    overall = aggregate_articles(cells, [v.label for v in variants])
    return ComparisonResult(
        variants=variants,
        articles=infos,
        repeat=repeat,
        record_mode=record_mode,
        model=settings.model,
        cells=cells,
        overall=overall,
        runs=runs,
        prompt_diffs=prompt_diffs(variants),
    )


def prompt_diffs(variants: Sequence[Variant]) -> list[PromptDiff]:
    """The template diff of each prompt version against the first one compared."""
    from briefing.prompts import diff_versions

    versions = list(dict.fromkeys(v.version for v in variants if v.engine == "llm"))
    if len(versions) < 2:
        return []
    first = versions[0]
    return [PromptDiff(a=first, b=v, diff=diff_versions(first, v)) for v in versions[1:]]


def run_comparison(
    sources: Sequence[Path],
    versions: Sequence[str],
    settings: Settings,
    *,
    models: Sequence[str] | None = None,
    cassette_dir: Path | None = None,
    record_mode: str = "replay",
    repeat: int = 1,
    gold_dir: Path | None = None,
    generate: Generate | None = None,
) -> ComparisonResult:
    """Synchronous entry point (the CLI's): see `acompare`."""
    return asyncio.run(
        acompare(
            sources,
            versions,
            settings,
            models=models,
            cassette_dir=cassette_dir,
            record_mode=record_mode,
            repeat=repeat,
            gold_dir=gold_dir,
            generate=generate,
        )
    )
