"""Read a source (a file, "-" for standard input, or an http(s) URL) and decode its text.

Everything before cleaning happens here: size caps, refusal of binary files (PDF, images,
archives...), byte-order marks, a charset declared by the server or by the page itself
(<meta charset>), and legacy encodings (Windows-1252, or charset_normalizer's guess). The
result is a RawSource: the decoded text with a format hint from the extension or content
type, and notes on how it was decoded.
httpx is imported only when a URL is fetched.
"""

from __future__ import annotations

import codecs
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from briefing.config import DEFAULT_MAX_BYTES
from briefing.errors import InputError
from briefing.files import STDIN_NAME, read_stream, split_byte_order_mark


@dataclass(frozen=True)
class RawSource:
    """A source read and decoded, before any cleaning."""

    label: str  # how messages name it: the source, or "standard input" for "-"
    text: str  # the bytes as read, decoded; never blank
    format_hint: str  # "text", "markdown" or "html" from the extension/content type; "" unknown
    notes: tuple[str, ...] = field(default=())  # e.g. "decoded as cp1252 (the text is not UTF-8)"
    # Where the text was read from when that differs from the source given: the final
    # URL after redirects. None otherwise.
    redirected_to: str | None = None


_SUFFIX_FORMATS = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown"}
_SUFFIX_FORMATS |= {".html": "html", ".htm": "html", ".xhtml": "html"}
_URL_FORMATS = {"text/html": "html", "application/xhtml+xml": "html", "text/plain": "text"}
_URL_FORMATS |= {"text/markdown": "markdown", "application/octet-stream": ""}  # "": unknown
_SUPPORTED = "supported: .txt, .md, .html/.htm or any UTF-8 text file"


# What counts as an article file when a folder is given (batch, compare).
ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")


def is_article_file(path: Path) -> bool:
    """A visible file with an article's suffix."""
    suffix_ok = path.suffix.lower() in ARTICLE_SUFFIXES
    return suffix_ok and path.is_file() and not path.name.startswith(".")


def article_files(folder: Path) -> list[Path]:
    """The article files of `folder`: not recursive, hidden files skipped, sorted."""
    return sorted(p for p in folder.iterdir() if is_article_file(p))


_MAGIC = {
    b"%PDF": "a PDF",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (.docx, .odt and .epub files are ZIP archives)",
    b"\xd0\xcf\x11\xe0": "a Microsoft Office document",
    b"\x1f\x8b": "a gzip archive",
    b"{\\rtf": "an RTF document",
}


def _too_big(label: str, size: int | None, cap: int) -> InputError:
    what = f"is {size:,} bytes" if size is not None else "is larger than that"
    return InputError(
        f"{label} {what}, over the {cap:,}-byte limit; "
        "raise the limit with ⟨max_bytes⟩ or BRIEFING_MAX_BYTES"
    )


def _read_file(source: str, max_bytes: int) -> bytes:
    path = Path(source)
    if not path.exists():
        raise InputError(f"{source}: no such file; check the path (or pass '-' to read stdin)")
    if path.is_dir():
        raise InputError(f"{source} is a directory; pass one article file ({_SUPPORTED})")
    if (size := path.stat().st_size) > max_bytes:
        raise _too_big(source, size, max_bytes)
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)  # +1: a file that grew meanwhile still trips the cap
    except OSError as exc:
        raise InputError(f"cannot read {source} ({exc.strerror}); check its permissions") from exc
    if len(data) > max_bytes:
        raise _too_big(source, None, max_bytes)
    return data


def _read_stdin(stream: BinaryIO, max_bytes: int) -> bytes:
    data = read_stream(stream, expecting="an article", max_bytes=max_bytes)
    if data is None:
        raise _too_big(STDIN_NAME, None, max_bytes)
    return data


def _detect_legacy(data: bytes) -> tuple[str, str] | None:
    """Decode non-UTF-8 bytes: Windows-1252 for Latin text, else charset_normalizer's pick."""
    from charset_normalizer import from_bytes

    guess: tuple[str, str] | None = None
    best = from_bytes(data).best()
    # On short Latin texts it picks among code pages (cp1250, cp1257...) nearly at
    # random, and it reads NUL-free bytes as UTF-16; Windows-1252 is the likely truth.
    if best is not None and not best.encoding.startswith(("utf_16", "utf_32")):
        guess = (str(best), best.encoding)
    if guess is None or all(
        unicodedata.name(c, "").startswith("LATIN") for c in guess[0] if c.isalpha()
    ):
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return guess


# Block-level tags that mark a bare fragment ("<p>...</p><p>...</p>") as HTML.
_HTML_BLOCK = re.compile(
    r"</?(?:p|div|article|section|main|header|footer|aside|nav|h[1-6]|ul|ol|li|table|tr|td"
    r"|blockquote|figure|figcaption|pre|br|hr)(?=[\s/>])"
)
# A charset the page declares in its first bytes: <meta charset="...">, <meta http-equiv=
# "Content-Type" content="text/html; charset=..."> or <?xml ... encoding="..."?>.
_PAGE_CHARSET = re.compile(
    rb"<meta\b[^<>]*?charset\s*=\s*[\"']?\s*([\w.:-]+)"
    rb"|<\?xml\b[^<>]*?encoding\s*=\s*[\"']([\w.:-]+)",
    re.IGNORECASE,
)
_PRESCAN_BYTES = 2048


def looks_like_html(text: str) -> bool:
    """A whole page (<!doctype>, <html>, <head>, <body>) or a fragment that starts with a
    tag and has block-level tags, such as "<p>...</p><p>...</p>"."""
    head = text.lstrip()[:2000].lower()
    if head.startswith(("<!doctype html", "<html")) or "<body" in head or "<head" in head:
        return True
    return re.match(r"<[a-z!?]", head) is not None and _HTML_BLOCK.search(head) is not None


def _page_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in its first bytes, if any."""
    if found := _PAGE_CHARSET.search(data[:_PRESCAN_BYTES]):
        return (found.group(1) or found.group(2)).decode("ascii")
    return None


def _codec(charset: str | None) -> str | None:
    """The declared charset if it names a legacy codec Python has; None for UTF-8/16/32,
    ASCII (UTF-8 reads it) and unknown names. ISO-8859-1 means Windows-1252, as in
    browsers: pages that say Latin-1 use cp1252's curly quotes and dashes."""
    try:
        name = codecs.lookup(charset or "").name
    except LookupError:
        return None
    if name.startswith(("utf-8", "utf-16", "utf-32")) or name == "ascii":
        return None
    return "cp1252" if name == "iso8859-1" else (charset or "").strip().lower()


def _decode_declared(data: bytes, charset: str | None, by: str) -> tuple[str, list[str]] | None:
    """`data` decoded with a declared charset: usually right, but a wrong one must not stop
    us, so it gives None when the bytes do not decode."""
    if (codec := _codec(charset)) is None:
        return None
    try:
        return data.decode(codec), [f"decoded as {codec} (declared by the {by})"]
    except (LookupError, UnicodeDecodeError):  # LookupError: not a text codec ("rot13")
        return None


def _decode(
    data: bytes, label: str, declared: str | None, page_declared: str | None = None
) -> tuple[str, list[str]]:
    """Decode `data`: byte-order mark, then the server's charset (`declared`), UTF-8, the
    page's own <meta> charset (`page_declared`), and legacy detection. Valid UTF-8 beats a
    page's declaration: pages converted to UTF-8 often keep a stale <meta charset>."""
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            raise InputError(f"{label} looks like {kind}, not text; convert it to text first "
                             f"({_SUPPORTED})")  # fmt: skip
    unmarked, codec = split_byte_order_mark(data)
    if codec is not None:
        family = codec.removesuffix("-le").removesuffix("-be")  # "utf-16", as people say it
        note = [] if codec == "utf-8" else [f"decoded as {family} (byte-order mark)"]
        try:
            return unmarked.decode(codec), note
        except UnicodeDecodeError as exc:
            raise InputError(f"{label} is not valid {family}; re-save it as UTF-8") from exc
    if b"\x00" in data:
        raise InputError(
            f"{label} contains NUL bytes: binary data, or UTF-16 without a byte-order mark; "
            f"convert it to UTF-8 text first (e.g. `iconv -f utf-16 -t utf-8 {label}`)"
        )
    if by_server := _decode_declared(data, declared, "server"):
        return by_server
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        error = exc
    if by_page := _decode_declared(data, page_declared, "page"):
        return by_page
    if detected := _detect_legacy(data):
        return detected[0], [f"decoded as {detected[1]} (the text is not UTF-8)"]
    raise InputError(
        f"{label} is neither UTF-8 (bad byte 0x{data[error.start]:02x} at offset {error.start}) "
        f"nor Windows-1252; convert it: `iconv -f <its encoding> -t utf-8 {label} > article.txt`"
    )


def read_source(
    source: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = 20.0,
    stdin: BinaryIO | None = None,
) -> RawSource:
    """Read `source` (a path, "-" for stdin, or an http(s) URL) and decode it to text.

    `stdin` replaces sys.stdin.buffer for "-". Raises InputError, with one line that says how
    to fix it, for a missing, oversized, binary, undecodable or empty source.
    """
    label = STDIN_NAME if source == "-" else source
    fmt, notes = "", list[str]()
    declared: str | None = None  # the charset a web server announced
    redirected_to: str | None = None
    if source == "-":
        data = _read_stdin(stdin if stdin is not None else sys.stdin.buffer, max_bytes)
    elif re.match(r"https?://", source, re.IGNORECASE):
        from briefing.ingest.fetch import fetch

        fetched = fetch(
            source, max_bytes=max_bytes, timeout=timeout, accepts=_URL_FORMATS, too_big=_too_big
        )
        data, declared = fetched.body, fetched.charset
        fmt = _URL_FORMATS.get(fetched.mime, "")
        if fetched.url != source:
            redirected_to = fetched.url
            notes.append(f"{source} redirected to {fetched.url}; the brief is of the latter")
    else:
        data = _read_file(source, max_bytes)
        suffix = Path(source).suffix.lower()
        fmt = _SUFFIX_FORMATS.get(suffix, "")
        if suffix and not fmt:
            notes.append(f"unknown extension {suffix}: format chosen from the content")
    head = data[:_PRESCAN_BYTES].decode("latin-1")  # enough to find tags in any ASCII superset
    is_html = fmt == "html" or (not fmt and looks_like_html(head))
    text, decode_notes = _decode(data, label, declared, _page_charset(data) if is_html else None)
    if not text.strip():
        raise InputError(f"{label} is empty; pass a file that contains the article text")
    return RawSource(
        label=label,
        text=text,
        format_hint=fmt,
        notes=tuple(notes + decode_notes),
        redirected_to=redirected_to,
    )
