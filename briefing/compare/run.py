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
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefing.choices import Engine, RecordMode, parse_choice
from briefing.compare.gold import GoldFacts, gold_path, load_gold, score_against_gold
from briefing.compare.metrics import compute_metrics, invalid_metrics
from briefing.compare.result import (
    EXTRACTIVE,
    ArticleInfo,
    Cell,
    ComparisonResult,
    PromptDiff,
    RunRecord,
    Variant,
    aggregate_articles,
    aggregate_runs,
)
from briefing.config import Settings, with_overrides
from briefing.errors import BriefingError, ConfigError, EveryRunFailed, InputError, ModelOutputError
from briefing.ingest.article import Article, load_article
from briefing.ingest.sources import ARTICLE_SUFFIXES, article_files
from briefing.pipeline import GenerateFunction, GenerateOptions
from briefing.schema import BriefDocument


@dataclass(frozen=True)
class RunEvent:
    """A change in one run, for progress displays: every run is announced `queued`, then
    `running` (again as its model calls finish, with `calls`), then `done` or `failed`
    with its record."""

    article: str
    variant: str
    repetition: int
    state: str  # "queued", "running", "done" or "failed"
    calls: tuple[int, int] | None = None  # model calls finished, planned
    record: RunRecord | None = None
    seconds: float = 0.0


RunEventCallback = Callable[[RunEvent], None]


@dataclass(frozen=True)
class CompareOptions:
    """How a comparison runs, beyond the articles, the versions and the settings."""

    models: Sequence[str] | None = None  # None: the `model` setting
    cassette_dir: Path | None = None  # one cassette per article and variant
    record_mode: RecordMode = RecordMode.REPLAY
    repeat: int = 1  # runs per article and variant
    gold_dir: Path | None = None  # <article>.gold.json references
    generate: GenerateFunction | None = None  # a stand-in for `agenerate_brief`
    on_event: RunEventCallback | None = None  # progress of each run (see `RunEvent`)

    def __post_init__(self) -> None:
        mode = parse_choice(RecordMode, self.record_mode, "record_mode")
        object.__setattr__(self, "record_mode", mode)


# --- inputs ---------------------------------------------------------------------------


def expand_sources(sources: Sequence[Path]) -> list[Path]:
    """Files as given; directories contribute their article files (not recursive, sorted)."""
    out: list[Path] = []
    for source in sources:
        if source.is_dir():
            found = article_files(source)
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
        raise ConfigError("compare needs at least one ⟨prompt⟩ VERSION (or 'extractive')")
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
            engine = Engine.EXTRACTIVE if version == EXTRACTIVE else Engine.LLM
            variants.append(Variant(label=label, version=version, model=model, engine=engine))
    return variants


def check_versions(versions: Sequence[str]) -> None:
    """Fail before running anything when a prompt version is unknown, malformed, or
    changed after release."""
    from briefing.prompts import usable_version

    for version in dict.fromkeys(versions):
        if version != EXTRACTIVE:
            usable_version(version)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def cassette_name(article: str, variant: Variant) -> str:
    """`<article>.<version>[.<model>][.<n>].json`, readable and safe as a file name."""
    parts = [article, variant.version]
    if variant.model is not None:
        parts.append(_UNSAFE.sub("-", variant.model).strip("-"))
    if "#" in variant.label:
        parts.append(variant.label.rsplit("#", 1)[1])
    return ".".join(parts) + ".json"


# --- running --------------------------------------------------------------------------


def _default_generate() -> GenerateFunction:
    from briefing.pipeline import agenerate_brief

    return agenerate_brief


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
            article = load_article(
                str(path), max_bytes=settings.max_bytes, detector=settings.language_detector
            )
        except BriefingError as exc:
            info.error = f"{type(exc).__name__}: {exc}"
            loaded[path.stem] = exc
        else:
            loaded[path.stem] = article
            info.title, info.words = article.title, article.word_count
        infos.append(info)
    if not any(isinstance(a, Article) for a in loaded.values()):
        first = next(e for e in loaded.values() if isinstance(e, BriefingError))
        raise EveryRunFailed(
            f"no article could be read ({len(infos)} given); first, {infos[0].source}: "
            f"{infos[0].error}",
            first=first,
        )
    return infos, loaded, golds


def compare_prompts(
    sources: Sequence[Path],
    versions: Sequence[str],
    settings: Settings,
    options: CompareOptions | None = None,
) -> ComparisonResult:
    """Compare prompt versions (and `extractive`) on the same articles (see
    `acompare_prompts`)."""
    return asyncio.run(acompare_prompts(sources, versions, settings, options))


async def acompare_prompts(
    sources: Sequence[Path],
    versions: Sequence[str],
    settings: Settings,
    options: CompareOptions | None = None,
) -> ComparisonResult:
    """Run every article with every variant and repetition, concurrently up to the
    `concurrency` setting, and aggregate their metrics."""
    options = options or CompareOptions()
    record_mode, repeat, gold_dir = options.record_mode, options.repeat, options.gold_dir
    cassette_dir = options.cassette_dir
    if repeat < 1:
        raise ConfigError(f"⟨repeat⟩ must be at least 1, not {repeat}")
    if gold_dir is not None and not gold_dir.is_dir():
        raise InputError(f"gold directory {gold_dir} does not exist; check ⟨gold⟩")
    variants = build_variants(versions, options.models)
    check_versions(versions)
    paths = expand_sources(sources)
    generate = options.generate or _default_generate()
    infos, articles, golds = _load_articles(paths, settings, gold_dir)

    def cassette(article: str, variant: Variant) -> Path | None:
        if cassette_dir is None or variant.engine == Engine.EXTRACTIVE:
            return None
        if record_mode == RecordMode.OFF:
            return None
        return cassette_dir / cassette_name(article, variant)

    def tell(event: RunEvent) -> None:
        if options.on_event is not None:
            options.on_event(event)

    limit = asyncio.Semaphore(settings.concurrency)
    # Repetitions of one pair share a cassette file; recording them concurrently would
    # let the last writer drop the others' entries.
    writing = record_mode in (RecordMode.RECORD, RecordMode.ONCE)
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
        started = 0.0

        def calls(event: Any) -> None:
            done, total = getattr(event, "done", None), getattr(event, "total", None)
            if done is not None and total is not None:
                tell(RunEvent(name, variant.label, repetition, "running", calls=(done, total)))

        try:
            async with lock or contextlib.nullcontext(), limit:
                started = time.perf_counter()
                tell(RunEvent(name, variant.label, repetition, "running"))
                doc = await generate(
                    article,
                    with_overrides(settings, model=variant.model) if variant.model else settings,
                    GenerateOptions(
                        prompt_version=None if variant.engine == EXTRACTIVE else variant.version,
                        engine=variant.engine,
                        cassette=path,
                        record_mode=record_mode if path else RecordMode.OFF,
                        repetition=repetition,
                        progress=calls if options.on_event else None,
                        token_progress=False,
                    ),
                )
        except BriefingError as exc:
            record.error, record.error_type = str(exc), type(exc).__name__
            if isinstance(exc, ModelOutputError):
                record.metrics = invalid_metrics()
            seconds = time.perf_counter() - started if started else 0.0
            tell(
                RunEvent(name, variant.label, repetition, "failed", record=record, seconds=seconds)
            )
            return record, exc
        record.origin = doc.metadata.origin
        record.model = doc.metadata.model
        record.metrics = compute_metrics(doc, article.text)
        if name in golds:
            record.gold = score_against_gold(doc.brief, golds[name])
        seconds = time.perf_counter() - started
        tell(RunEvent(name, variant.label, repetition, "done", record=record, seconds=seconds))
        return record, doc

    for info in infos:
        for variant in variants:
            for rep in range(repeat):
                tell(RunEvent(info.name, variant.label, rep, "queued"))

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


def _all_failed(runs: list[RunRecord], first: BriefingError) -> EveryRunFailed:
    """Nothing to compare: one error that stands for the first failure."""
    kinds = ", ".join(sorted({r.error_type or "" for r in runs}))
    head = runs[0]
    return EveryRunFailed(
        f"every run failed ({len(runs)} runs: {kinds}); first, {head.article} × "
        f"{head.variant}: {head.error}",
        first=first,
    )


def _assemble(
    infos: list[ArticleInfo],
    variants: list[Variant],
    runs: list[RunRecord],
    shown: dict[tuple[str, str], BriefDocument],
    repeat: int,
    record_mode: RecordMode,
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

    versions = list(dict.fromkeys(v.version for v in variants if v.engine == Engine.LLM))
    if len(versions) < 2:
        return []
    first = versions[0]
    return [PromptDiff(a=first, b=v, diff=diff_versions(first, v)) for v in versions[1:]]
