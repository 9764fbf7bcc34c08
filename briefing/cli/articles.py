"""`briefing inspect` and `briefing chunk`: what cleaning and chunking make of an article."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from briefing.cli.console import notify, stdout
from briefing.cli.options import (
    ChunkTokensOpt,
    JsonOpt,
    KeepSuspiciousOpt,
    LanguageDetectorOpt,
    MaxBytesOpt,
    ModelOpt,
    OverlapOpt,
    SourceArg,
)

if TYPE_CHECKING:
    from briefing.config import Settings
    from briefing.ingest.article import Article


def resolve(**flags: Any) -> Settings:
    from briefing.config import resolve_settings

    return resolve_settings(flags)


def check_prompt(settings: Settings) -> None:
    """An unknown, malformed or edited-after-release prompt version fails before any work,
    whatever the engine: a typo in --prompt must not pass silently because the offline
    engine ignores it."""
    from briefing.prompts import usable_version

    usable_version(settings.prompt)


def load(source: str, settings: Settings, *, keep_suspicious: bool = False) -> Article:
    from briefing.ingest.article import load_article

    return load_article(
        source,
        max_bytes=settings.max_bytes,
        timeout=settings.fetch_timeout,
        detector=settings.language_detector,
        keep_suspicious=keep_suspicious,
    )


def inspect(
    source: SourceArg,
    max_bytes: MaxBytesOpt = None,
    language_detector: LanguageDetectorOpt = None,
    keep_suspicious: KeepSuspiciousOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Show what cleaning kept and removed from an article, and why, and its language."""
    from rich.table import Table

    settings = resolve(max_bytes=max_bytes, language_detector=language_detector)
    article = load(source, settings, keep_suspicious=keep_suspicious)
    if as_json:
        from briefing.cli.as_json import article_json, emit

        emit(article_json(article))
        return
    out = stdout()
    out.print(f"[bold]Title:[/bold] {article.title or '(none)'}")
    out.print(
        f"Source: {article.source}   format: {article.format}   sha256: {article.sha256[:16]}…"
    )
    out.print(
        f"Published: {article.published or 'not stated'}   Retrieved: {article.retrieved}"
        + (f"   Author: {article.author}" if article.author else "")
    )
    if article.detected:
        d = article.detected
        out.print(
            f"Language: {d.name} ({d.code}), {d.script} script, {d.direction}, confidence "
            f"{d.confidence:.2f} ({d.method} detector)",
            markup=False,
        )
    for note in article.notes:
        out.print(f"Note: {note}", markup=False)
    if article.suspicious:
        done = "kept (--keep-suspicious)" if article.suspicious_kept else "removed"
        out.print(
            f"[bold]Addressed to automated readers: {len(article.suspicious)} passage(s) "
            f"{done}[/bold]"
        )
        for line in article.suspicious:
            out.print(f"  {done}: {line.text[:120]!r} — {line.reason}", markup=False)
    removed = Table(title=f"Removed ({len(article.removed)} lines)", show_lines=False)
    removed.add_column("line", justify="right")
    removed.add_column("text")
    removed.add_column("why")
    for line in article.removed:
        removed.add_row(str(line.line_no or ""), line.text[:80], line.reason)
    out.print(removed)
    kept = Table(title=f"Kept ({len(article.paragraphs)} paragraphs, {article.word_count} words)")
    kept.add_column("#", justify="right")
    kept.add_column("span")
    kept.add_column("paragraph")
    for i, para in enumerate(article.paragraphs):
        text = para.text if len(para.text) <= 100 else para.text[:99] + "…"
        kept.add_row(str(i), f"{para.start}-{para.end}", text)
    out.print(kept)


def chunk(
    source: SourceArg,
    model: ModelOpt = None,
    chunk_tokens: ChunkTokensOpt = None,
    chunk_overlap: OverlapOpt = None,
    max_bytes: MaxBytesOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Split an article into token-budgeted chunks and print them as a table."""
    from rich.table import Table

    from briefing.ingest.chunking import chunk_text, tokenizer_for

    settings = resolve(
        model=model, chunk_tokens=chunk_tokens, chunk_overlap=chunk_overlap, max_bytes=max_bytes
    )
    article = load(source, settings)
    tokenizer = tokenizer_for(settings)
    if tokenizer.notice:
        notify(tokenizer.notice)
    chunks = chunk_text(
        article.text, tokenizer, max_tokens=settings.chunk_tokens, overlap=settings.chunk_overlap
    )
    if as_json:
        from briefing.cli.as_json import chunks_json, emit

        emit(chunks_json(source, tokenizer, chunks, settings.chunk_tokens, settings.chunk_overlap))
        return
    table = Table(
        title=f"{len(chunks)} chunk(s), max {settings.chunk_tokens} tokens, overlap "
        f"{settings.chunk_overlap}, encoding {tokenizer.encoding_name}"
    )
    table.add_column("index", justify="right")
    table.add_column("tokens", justify="right")
    table.add_column("span")
    table.add_column("first words")
    for c in chunks:
        table.add_row(str(c.index), str(c.tokens), f"{c.start}-{c.end}", c.first_words)
    stdout().print(table)
