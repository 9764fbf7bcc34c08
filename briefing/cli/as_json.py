"""`--json` output of the commands that list or inspect: one shape per command, stable.

Each shape is documented in the README ("JSON output"). Fields are only ever added, never
renamed or removed, so scripts written against a shape keep working; a field that does
not apply is `null`, never missing. Text is written as UTF-8, not escaped.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from pathlib import Path

    from briefing.ingest.article import Article
    from briefing.ingest.chunking import Chunk, Tokenizer
    from briefing.model.cassette import Cassette
    from briefing.prompts import PromptVersion


def emit(data: Any) -> None:
    """`data` as indented JSON on stdout, followed by a newline."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def article_json(article: Article) -> dict[str, Any]:
    """`briefing inspect --json`."""
    detected = article.detected
    return {
        "source": article.source,
        "format": article.format,
        "title": article.title,
        "author": article.author,
        "published": article.published,
        "retrieved": article.retrieved,
        "sha256": article.sha256,
        "words": article.word_count,
        "language": None
        if detected is None
        else {
            "code": detected.code,
            "name": detected.name,
            "script": detected.script,
            "direction": detected.direction,
            "confidence": round(detected.confidence, 4),
            "detector": detected.method,
        },
        "notes": list(article.notes),
        "removed": [
            {"line": line.line_no or None, "text": line.text, "reason": line.reason}
            for line in article.removed
        ],
        # Text addressed to automated readers (also in `removed` unless it was kept).
        "suspicious": [{"text": line.text, "reason": line.reason} for line in article.suspicious],
        "suspicious_kept": article.suspicious_kept,
        "paragraphs": [
            {"index": i, "start": p.start, "end": p.end, "text": p.text}
            for i, p in enumerate(article.paragraphs)
        ],
    }


def chunks_json(
    source: str, tokenizer: Tokenizer, chunks: list[Chunk], max_tokens: int, overlap: int
) -> dict[str, Any]:
    """`briefing chunk --json`."""
    return {
        "source": source,
        "encoding": tokenizer.encoding_name,
        "approximate": tokenizer.approximate,
        "max_tokens": max_tokens,
        "overlap": overlap,
        "chunks": [
            {"index": c.index, "tokens": c.tokens, "start": c.start, "end": c.end, "text": c.text}
            for c in chunks
        ],
    }


def prompt_json(version: PromptVersion, status: str) -> dict[str, Any]:
    """One entry of `briefing prompts list --json`."""
    return {
        "version": version.id,
        "date": version.date,
        "status": status,
        "sha256": version.sha256,
        "description": version.description,
        "evidence": version.evidence,
        "calls": version.calls,
        "max_output_tokens": version.max_output_tokens,
        "path": str(version.path),
    }


def cassette_json(path: Path, cassette: Cassette) -> dict[str, Any]:
    """`briefing cassettes list --json`: every entry without its request and answer
    (`briefing cassettes show FILE KEY` prints one whole)."""
    entries = []
    for e in cassette.entries.values():
        response = e.get("response") or {}
        usage = response.get("usage") or {}
        entries.append(
            {
                "key": e["key"],
                "purpose": e.get("purpose"),
                "prompt_version": e.get("prompt_version"),
                "model": response.get("model"),
                "finish_reason": response.get("finish_reason"),
                "prompt_tokens": usage.get("prompt_tokens"),
                "completion_tokens": usage.get("completion_tokens"),
                "recorded_at": e.get("recorded_at"),
                "origin": e.get("origin"),
            }
        )
    return {"path": str(path), "entries": entries}
