"""Load an article from a file, stdin or URL; clean it; keep paragraphs with offsets.

PLACEHOLDER IMPLEMENTATION: the dataclasses below are the stable interface; the loading
and cleaning internals are being written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .config import DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class Paragraph:
    text: str
    start: int  # character offset in Article.text
    end: int


@dataclass(frozen=True)
class RemovedLine:
    line_no: int  # 1-based line number in the decoded source (0 for HTML boilerplate)
    text: str
    reason: str  # e.g. "view counter", "reading time", "page chrome (trafilatura)"


@dataclass(frozen=True)
class Article:
    source: str  # path, "-" or URL as given
    title: str | None
    text: str  # cleaned text; the title is its first paragraph when present
    paragraphs: tuple[Paragraph, ...]
    sha256: str  # of `text` (UTF-8)
    format: str  # "text", "markdown" or "html"
    published: str | None = None  # ISO date/datetime from the page; never a "Today:" banner
    retrieved: str | None = None  # ISO date: a "Today: <date>" banner, else time of loading
    author: str | None = None
    removed: tuple[RemovedLine, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())  # e.g. "decoded as cp1252"

    @property
    def word_count(self) -> int:
        return len(self.text.split())


def make_article(
    source: str,
    paragraphs_text: list[str],
    *,
    title: str | None,
    format: str,
    published: str | None = None,
    retrieved: str | None = None,
    author: str | None = None,
    removed: tuple[RemovedLine, ...] = (),
    notes: tuple[str, ...] = (),
) -> Article:
    """Build an Article from cleaned paragraphs (joined by blank lines, offsets computed)."""
    paragraphs: list[Paragraph] = []
    pos = 0
    for text in paragraphs_text:
        paragraphs.append(Paragraph(text=text, start=pos, end=pos + len(text)))
        pos += len(text) + 2
    joined = "\n\n".join(paragraphs_text)
    return Article(
        source=source,
        title=title,
        text=joined,
        paragraphs=tuple(paragraphs),
        sha256=hashlib.sha256(joined.encode("utf-8")).hexdigest(),
        format=format,
        published=published,
        retrieved=retrieved or datetime.now(UTC).date().isoformat(),
        author=author,
        removed=removed,
        notes=notes,
    )


def load_article(source: str, *, max_bytes: int = DEFAULT_MAX_BYTES, timeout: float = 20.0) -> Article:
    """Placeholder: plain-text files only, no chrome removal."""
    with open(source, encoding="utf-8") as fh:
        raw = fh.read()
    paras = [p.strip() for p in raw.split("\n\n") if p.strip()]
    return make_article(source, paras, title=paras[0] if paras else None, format="text")
