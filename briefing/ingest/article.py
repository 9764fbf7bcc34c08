"""Load an article from a file, stdin or URL; clean it; keep paragraphs with offsets.

A source is a path (.txt, .md, .html/.htm; other text files are read by their content),
"-" for standard input, or an http(s) URL; briefing.ingest.sources reads and decodes it,
briefing.ingest.cleaning reduces it to paragraphs (HTML with trafilatura; plain text and
Markdown by the whole-line chrome rules of briefing.ingest.chrome), and this module makes
the Article: paragraphs with offsets, metadata, and every removed line with its reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO

from briefing.config import DEFAULT_MAX_BYTES
from briefing.errors import InputError
from briefing.ingest.cleaning import Findings, RemovedLine, clean_html, clean_lines, sniff_format
from briefing.ingest.sources import read_source
from briefing.ingest.suspicious import screen_for_machines
from briefing.text.detect import Detection, detect_language

# RemovedLine lives with the cleaners that record it; it is part of this module's API as
# the type of Article.removed.
__all__ = ["Article", "Paragraph", "RemovedLine", "load_article", "make_article"]


@dataclass(frozen=True)
class Paragraph:
    text: str
    start: int  # character offset in Article.text
    end: int


@dataclass(frozen=True)
class Article:
    source: str  # path, "-" or URL as given; for a redirected URL, the URL finally read
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
    # The language the text is written in, as detected at ingestion (None: not detected,
    # for articles built by hand; read it through `language`).
    detected: Detection | None = None
    # Paragraphs (or the title) addressed to automated readers (`ingest.suspicious`):
    # removed from `text` and listed in `removed` too, unless `suspicious_kept`.
    suspicious: tuple[RemovedLine, ...] = field(default=())
    suspicious_kept: bool = False
    requested: str | None = None  # the URL given, when it redirected to `source`

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    @property
    def language(self) -> str:
        """ISO 639-1 code of the article's language; "und" when undetermined."""
        return self.detected.code if self.detected else "und"


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
    detected: Detection | None = None,
    detector: str = "builtin",
    suspicious: tuple[RemovedLine, ...] = (),
    suspicious_kept: bool = False,
    requested: str | None = None,
) -> Article:
    """Build an Article from cleaned paragraphs (joined by blank lines, offsets computed);
    its language is detected unless `detected` is given."""
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
        detected=detected or detect_language(joined, detector),
        suspicious=suspicious,
        suspicious_kept=suspicious_kept,
        requested=requested,
    )


_MIN_HTML_WORDS = 20


def load_article(
    source: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = 20.0,
    stdin: BinaryIO | None = None,
    detector: str = "builtin",
    keep_suspicious: bool = False,
) -> Article:
    """Read `source` (a path, "-" for stdin, or an http(s) URL) and return the clean article.

    Paragraphs addressed to automated readers ("ignore previous instructions", notes to
    AI summarisers) are removed and listed (`Article.suspicious`), unless
    `keep_suspicious`. `detector` names the article's language: "builtin" or "lingua"
    (see `briefing.text.detect`). Raises InputError, with one line that says how to fix
    it, for anything that is not a readable article.
    """
    raw = read_source(source, max_bytes=max_bytes, timeout=timeout, stdin=stdin)
    text, label = raw.text, raw.label
    fmt = raw.format_hint or sniff_format(text)
    found = Findings(notes=list(raw.notes))
    paragraphs = clean_html(text, found) if fmt == "html" else clean_lines(text, fmt, found)
    paragraphs, suspicious = screen_for_machines(paragraphs, found, keep=keep_suspicious)
    if found.title and found.title not in paragraphs[:1]:
        # Downstream code relies on the title being the first paragraph of the text: move
        # it there. Only its first copy moves; a body paragraph that repeats it stays.
        if found.title in paragraphs:
            paragraphs.remove(found.title)
        paragraphs = [found.title, *paragraphs]
    body_words = sum(len(p.split()) for p in paragraphs[found.title is not None :])
    # A page without an article still yields a few words of navigation from the extractor.
    if body_words < (_MIN_HTML_WORDS if fmt == "html" else 1):
        raise InputError(
            f"no article text {'could be extracted from' if fmt == 'html' else 'in'} {label} "
            "after removing page chrome; paste the article text into a .txt file and pass that"
        )
    return make_article(
        raw.redirected_to or source,
        paragraphs,
        title=found.title,
        format=fmt,
        published=found.published,
        retrieved=found.retrieved,
        author=found.author,
        removed=tuple(found.removed),
        notes=tuple(dict.fromkeys(found.notes)),  # e.g. many "3 hours ago" lines, one note
        detector=detector,
        suspicious=suspicious,
        suspicious_kept=keep_suspicious,
        requested=source if raw.redirected_to else None,
    )
