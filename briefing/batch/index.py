"""OUTDIR/index.json and OUTDIR/index.html: every article of a batch, as it ended.

The index lists each article in the order given: its title and source, status (with the
reason when it failed), grounding rate, the figures its brief reports (marked when their
number is not in the article), and links to its brief in every format written. Article
and model text is untrusted: the page escapes all of it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from briefing.files import write_atomically
from briefing.schema import BriefDocument

if TYPE_CHECKING:
    from briefing.batch.outcome import ArticleRun, Batch

INDEX_FORMAT = "briefing-batch-index/1"
SHOWN_FIGURES = 4


@dataclass(frozen=True)
class ArticleSummary:
    """What the index says about a brief, taken from its document."""

    headline: str
    origin: str
    engine: str
    model: str | None
    prompt_version: str | None
    grounding_rate: float | None
    quotes: int
    verified: int
    dropped: int
    figures: list[dict[str, Any]] = field(default_factory=list)  # value, unit, counts, found
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    published: str | None = None


def summarize(doc: BriefDocument) -> ArticleSummary:
    report = doc.grounding
    found = {check.path: check.found for check in report.figures} if report else {}
    figures = [
        {
            "value": figure.value,
            "unit": figure.unit,
            "counts": figure.counts,
            "found": found.get(f"humanitarian.figures[{i}]"),
        }
        for i, figure in enumerate(doc.brief.humanitarian.figures)
    ]
    meta = doc.metadata
    return ArticleSummary(
        headline=doc.brief.situation.headline,
        origin=meta.origin,
        engine=meta.engine,
        model=meta.model,
        prompt_version=meta.prompt_version,
        grounding_rate=report.rate if report else None,
        quotes=len(report.quotes) if report else 0,
        verified=report.verified if report else 0,
        dropped=len(report.dropped) if report else 0,
        figures=figures,
        calls=meta.calls,
        prompt_tokens=meta.prompt_tokens,
        completion_tokens=meta.completion_tokens,
        cost_usd=meta.cost_usd,
        published=meta.published,
    )


def index_data(batch: Batch) -> dict[str, Any]:
    """The index as plain data: what index.json holds and index.html shows."""
    articles = [_article(a) for a in batch.articles]
    counts: dict[str, int] = {}
    for article in batch.articles:
        counts[str(article.stage)] = counts.get(str(article.stage), 0) + 1
    briefs = [a.summary for a in batch.articles if a.summary is not None]
    costs = [s.cost_usd for s in briefs if s.calls]
    tally = batch.tally
    return {
        "format": INDEX_FORMAT,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": str(batch.engine),
        "model": batch.model,
        "prompt_version": batch.prompt_version,
        "counts": {"articles": len(batch.articles), **counts},
        # What this run spent (live calls) and what the briefs cost in all (replays too).
        "this_run": {
            "calls": tally.calls,
            "prompt_tokens": tally.prompt_tokens,
            "completion_tokens": tally.completion_tokens,
            "cost_usd": tally.cost_usd if tally.calls else 0.0,
        },
        "briefs": {
            "calls": sum(s.calls for s in briefs),
            "cost_usd": None if None in costs else round(sum(c or 0.0 for c in costs), 6),
        },
        "stopped": str(batch.stopped) if batch.stopped else None,
        "batch_api_jobs": dict(batch.jobs),
        "articles": articles,
    }


def _article(article: ArticleRun) -> dict[str, Any]:
    data: dict[str, Any] = {
        "position": article.position + 1,
        "name": article.name,
        "title": article.title,
        "source": article.source.text,
        "status": str(article.stage),
        "reason": article.reason,
        "outputs": article.outputs,
        "seconds": article.seconds,
    }
    if article.summary is not None:
        data |= asdict(article.summary)
    return data


def write_index(batch: Batch) -> None:
    data = index_data(batch)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    write_atomically(batch.outdir / "index.json", text.encode("utf-8"))
    write_atomically(batch.outdir / "index.html", render_index(data).encode("utf-8"))


def render_index(data: dict[str, Any]) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from briefing.resources import templates_dir

    env = Environment(
        loader=FileSystemLoader(templates_dir("batch")),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = lambda rate: "–" if rate is None else f"{rate:.0%}"
    env.filters["usd"] = _usd
    env.filters["local_time"] = _local_time
    return env.get_template("index.html.j2").render(
        d=data, shown_figures=SHOWN_FIGURES, page=_page_labels(data)
    )


def _usd(amount: float | None) -> str:
    if amount is None:
        return "unknown"
    return f"${amount:.2f}" if amount >= 1 else f"${amount:.4f}"


def _local_time(stamp: str) -> str:
    return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")


def _page_labels(data: dict[str, Any]) -> dict[str, str]:
    counts = data["counts"]
    parts = [f"{counts['articles']} article{'s' if counts['articles'] != 1 else ''}"]
    for status in ("done", "unchanged", "failed", "not started", "interrupted"):
        if counts.get(status):
            parts.append(f"{counts[status]} {status}")
    made_by = "offline extractive engine"
    if data["engine"] == "llm":
        made_by = f"{data['model']}, prompt {data['prompt_version']}"
    return {"counts": " · ".join(parts), "made_by": made_by}
