"""Render a brief document to Markdown, HTML, PDF or JSON, and write it out atomically.

Page formats (md, html, pdf) show the brief within its budgets (`briefing.budgets`) and
print what was cut; JSON is the stored document itself, complete and unchanged.

Evidence becomes numbered references in reading order: an item carries [n] markers and
the quotes are listed at the end. A quote cited by several items keeps one number.
When the document has a grounding report, quotes that were not found in the article and
items whose every quote was not found are marked.

Jinja2 and WeasyPrint are imported inside the functions that need them, so importing
this module (and starting the CLI) stays cheap.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import sys
import tempfile
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from pydantic import ValidationError

from briefing.budgets import BUDGETS, Budgets, enforce_budgets, scale_budgets, shorten_chars
from briefing.errors import BriefValidationError, InputError, OutputError
from briefing.schema import (
    SCHEMA_VERSION,
    Brief,
    BriefDocument,
    GroundingReport,
    QuoteCheck,
    iter_evidence,
)

if TYPE_CHECKING:
    from jinja2 import Environment, Template

FORMATS = ("md", "html", "pdf", "json")
_SUFFIXES = {
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".json": "json",
}
_SCHEMA_FILE = f"schemas/brief-document.v{SCHEMA_VERSION}.json"
_FIX = f"regenerate it or fix the field; the schema is {_SCHEMA_FILE}"
HAND_WRITTEN_LABEL = "Hand-written reference brief — not model output"

# Print layouts tried in turn for a PDF, as (body classes, printed quote length): the
# first that fits one page wins. A brief with room to spare gets longer quotes in two
# columns; the budgets keep a maximal brief on one page with the default layout in
# Arial-like fonts; "tight" (closer lines, a narrow font where one is installed, shorter
# quotes in four columns) absorbs wider fonts and long unbreakable words, which word
# budgets cannot bound; "small" is the last resort for fonts as wide as DejaVu Sans.
_FIT_STEPS: tuple[tuple[str, int | None], ...] = (
    ("wide", 200),
    ("wide", 90),
    ("", None),
    ("tight", 30),
    ("tight small", 30),
)
# When no layout fits (words too long to fill lines well, fonts far wider than Arial),
# the brief is cut further in the last layout, with every budget (page cap, list
# lengths, text lengths) scaled by these factors in turn; the page notes the scale.
_CUT_STEPS = (0.85, 0.7, 0.55, 0.4, 0.25)


# --- Loading ------------------------------------------------------------------------------


def load_document(source: Path | str | BinaryIO) -> BriefDocument:
    """Read a brief document (what `briefing generate -f json` writes).

    `source` is a path, "-" for standard input, or an open binary stream. The bytes are
    UTF-8, or UTF-8/UTF-16/UTF-32 marked by a byte-order mark (what Windows tools such
    as PowerShell write).

    A bare `Brief` (no metadata) is rejected rather than wrapped: the header of every
    rendered brief states who wrote it and from what source, and inventing that would
    make an unattributed brief look attributed.
    """
    name, raw = _read_document_bytes(source)
    text = _decode_document(name, raw)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BriefValidationError(
            f"{name}: invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); {_FIX}"
        ) from None
    if isinstance(data, dict) and "situation" in data and "metadata" not in data:
        raise BriefValidationError(
            f"{name}: a bare brief without metadata; wrap it as "
            '{"schema_version": "1", "metadata": {...}, "brief": ...} or regenerate it '
            f"(the schema is {_SCHEMA_FILE})"
        )
    if isinstance(data, dict) and data.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise BriefValidationError(
            f"{name}: schema_version {data['schema_version']!r} is not supported (this "
            f"version reads {SCHEMA_VERSION!r}); regenerate it with this version"
        )
    try:
        return BriefDocument.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        where = ".".join(str(part) for part in first["loc"]) or "document"
        msg = first["msg"][:1].lower() + first["msg"][1:]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise BriefValidationError(f"{name}: {where}: {msg}{more}; {_FIX}") from None


_STDIN_NAME = "standard input"


def _read_document_bytes(source: Path | str | BinaryIO) -> tuple[str, bytes]:
    """(the name messages use, the bytes) of a path, "-" (stdin) or a binary stream."""
    if isinstance(source, (str, os.PathLike)):
        if os.fspath(source) != "-":
            path = Path(source)
            try:
                return str(path), path.read_bytes()
            except FileNotFoundError:
                raise InputError(
                    f"{path}: no such file; check the path (or pass '-' to read stdin)"
                ) from None
            except IsADirectoryError:
                raise InputError(f"{path} is a directory; pass one brief JSON file") from None
            except OSError as exc:
                raise InputError(f"{path}: cannot read ({exc.strerror}); check the path") from None
        source = sys.stdin.buffer
    # A stream opened from a file is named by it; stdin's name is "<stdin>".
    name = getattr(source, "name", None)
    if not isinstance(name, str) or name.startswith("<"):
        name = _STDIN_NAME
    if source.isatty():  # reading would wait for typing
        raise InputError(f"{name} is a terminal, not a brief; pipe a brief JSON file in")
    try:
        return name, source.read()
    except OSError as exc:
        raise InputError(f"cannot read {name} ({exc.strerror or exc})") from None


# Longest first: the UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _decode_document(name: str, raw: bytes) -> str:
    encoding = "utf-8"
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            raw, encoding = raw[len(bom) :], codec
            break
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        what = "UTF-8 text" if encoding == "utf-8" else f"valid {encoding.upper()} text"
        raise BriefValidationError(f"{name}: not {what}, so not a brief; {_FIX}") from None


# --- Formats and output -------------------------------------------------------------------


def format_for_path(path: Path, explicit: str | None) -> str:
    """The output format: `explicit` when given, else from the file suffix."""
    if explicit is not None:
        return _canonical(explicit)
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        suffixes = ", ".join(_SUFFIXES)
        raise OutputError(
            f"cannot tell the format of {path} from its suffix; use one of {suffixes} "
            f"or pass the format ({', '.join(FORMATS)})"
        )
    return fmt


def _canonical(fmt: str) -> str:
    """ "markdown", ".HTM" and the like, as one of FORMATS."""
    name = fmt.lower().lstrip(".")
    name = _SUFFIXES.get(f".{name}", name)
    if name not in FORMATS:
        raise OutputError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    return name


def write_output(data: bytes, path: Path) -> None:
    """Write `data` to `path` atomically: a reader sees the old file or the new, never half.

    The bytes go to a temporary file in the same directory (so `os.replace` is a rename
    on one file system), which is removed on any failure.
    """
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: directory {parent} does not exist; create it")
    try:
        fd, tmp_name = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(
            f"cannot write {path}: {exc.strerror}; check the directory's permissions"
        ) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates the file 0600; give it the mode a plain open() would have.
        os.chmod(tmp, _target_mode(path))
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(
                f"cannot write {path}: {exc.strerror or exc}; check the path and permissions"
            ) from None
        raise


def _target_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        # The umask can only be read by setting it; the CLI writes from one thread.
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


# --- Rendering ----------------------------------------------------------------------------


def render(doc: BriefDocument, fmt: str, budgets: Budgets = BUDGETS) -> bytes:
    """Render `doc` as `fmt` (one of FORMATS, or an alias such as "markdown")."""
    fmt = _canonical(fmt)
    if fmt == "json":
        return (doc.model_dump_json(indent=2) + "\n").encode()
    if fmt == "md":
        return _template("brief.md").render(v=build_view(doc, budgets)).encode()
    if fmt == "html":
        return render_html(doc, budgets).encode()
    return render_pdf(doc, budgets)


def render_html(
    doc: BriefDocument,
    budgets: Budgets = BUDGETS,
    quote_chars: int | None = None,
    layout: str = "",
) -> str:
    return _page_html(build_view(doc, budgets, quote_chars), layout)


def _page_html(view: View, layout: str = "") -> str:
    return _template("brief.html").render(v=view, layout=layout)


def render_pdf(doc: BriefDocument, budgets: Budgets = BUDGETS) -> bytes:
    """One A4 page, never more: the most legible layout that fits (see `_FIT_STEPS`);
    when none does, the brief is cut further (see `_CUT_STEPS`) and the page says so."""
    html_class = _weasyprint_html()

    def one_page(html: str) -> bytes | None:
        document = html_class(string=html).render()
        if len(document.pages) != 1:
            return None
        pdf: bytes = document.write_pdf()
        return pdf

    view = build_view(doc, budgets)  # budgeted once; the layouts only vary the quotes
    previous = ""
    for layout, quote_chars in _FIT_STEPS:
        html = _page_html(view.with_quote_chars(quote_chars), layout)
        if html == previous:  # no quote long enough for the shorter limit to matter
            continue
        previous = html
        if (pdf := one_page(html)) is not None:
            return pdf
    layout, quote_chars = _FIT_STEPS[-1]
    for factor in _CUT_STEPS:
        view = build_view(doc, scale_budgets(budgets, factor), quote_chars)
        view.notes.insert(0, f"to fit one A4 page, every budget cut to {factor:.0%}")
        if (pdf := one_page(_page_html(view, layout))) is not None:
            return pdf
    # What budgets do not bound is left: the header (source, model...) and the notes.
    raise OutputError(
        f"the brief does not fit one A4 page even with every budget cut to "
        f"{_CUT_STEPS[-1]:.0%}; shorten its metadata (source, title, model) in the JSON, "
        "or render it to md or html"
    )


def _weasyprint_html() -> Any:
    try:
        with warnings.catch_warnings():
            # Without libharfbuzz-subset0, WeasyPrint warns at import that a future release
            # will need it; today it subsets fonts with fontTools instead and the PDF is the
            # same. The notice is for whoever installs system packages, not for our users.
            warnings.filterwarnings(
                "ignore", message="HarfBuzz-Subset will be required", category=DeprecationWarning
            )
            from weasyprint import HTML
    except (ImportError, OSError) as exc:
        # OSError: WeasyPrint is installed but cannot load Pango through cffi.
        raise OutputError(
            f"PDF output needs WeasyPrint ({type(exc).__name__}: {_first_line(exc)}); "
            "install briefing[pdf] and the system packages "
            "(libpango-1.0-0 libpangoft2-1.0-0 on Debian/Ubuntu)"
        ) from None
    return HTML


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [""])[0]


_ENV: Environment | None = None


def _template(name: str) -> Template:
    global _ENV
    if _ENV is None:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

        from briefing.resources import templates_dir

        _ENV = Environment(
            loader=FileSystemLoader(templates_dir("render")),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        _ENV.filters["md"] = _md_escape
        _ENV.filters["tidy"] = _tidy
        _ENV.filters["clip"] = shorten_chars
        _ENV.filters["kind"] = _kind_label
    return _ENV.get_template(name)


def _tidy(text: str) -> str:
    """Model text may carry newlines; inside a bullet or table cell they break the layout."""
    return " ".join(str(text).split())


# Actor kinds as printed in the small tag; the long ones are shortened so that a tag
# seldom pushes an actor's role onto another line.
_KIND_LABELS = {"international_organisation": "int’l org", "ngo": "NGO"}


def _kind_label(kind: str) -> str:
    return _KIND_LABELS.get(kind, kind.replace("_", " "))


# Characters that form inline markup anywhere in a line: code, emphasis, HTML and
# autolinks, links and footnotes, tables, strikethrough; "#" also closes a heading
# ("# Title #").
_MD_SPECIAL = re.compile(r"([\\`*_<>\[\]|~#])")
# "&copy;", "&#169;": an entity reference would print as the character it names.
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# Block markers at the start of a line: lists ("- ", "+ ", "1. ", "2) "), rules and
# setext underlines ("---", "==="). Headings, quotes, fences and tables start with a
# character escaped everywhere; leading spaces, which would make code, are tidied away.
_MD_LINE_START = re.compile(r"^([-+=])")
_MD_LIST_NUMBER = re.compile(r"^(\d{1,9})([.)])")


def _md_escape(text: str) -> str:
    """`text` as Markdown that prints literally, wherever on a line the template puts it.

    Backslash escapes keep "<script>" and "&copy;" literal, stop text from forming
    links, footnotes or emphasis, and stop a text that opens a line or a list item from
    starting a list, heading, quote or rule of its own.
    """
    escaped = _MD_SPECIAL.sub(r"\\\1", _tidy(text))
    escaped = _MD_ENTITY.sub(r"\\&", escaped)
    escaped = _MD_LIST_NUMBER.sub(r"\1\\\2", escaped)
    return _MD_LINE_START.sub(r"\\\1", escaped)


# --- The view the templates read ----------------------------------------------------------


@dataclass
class Ref:
    n: int
    quote: str  # whitespace-normalised, otherwise verbatim
    status: str | None  # "exact" | "fuzzy" | "not_found"; None without grounding


@dataclass
class Item:
    """One brief item (a development, an actor, a figure...) with its references."""

    path: str
    obj: Any = None
    refs: list[Ref] = field(default_factory=list)
    # "unverified": every quote not found; "approximate": best match fuzzy;
    # "no evidence": no quote at all.
    mark: str | None = None
    figure_missing: bool = False  # the figure's number does not occur in the article


@dataclass
class View:
    doc: BriefDocument
    brief: Brief  # within budgets; `doc.brief` is the full one
    items: dict[str, Item]
    refs: list[Ref]
    notes: list[str]  # budget cuts, shown as "Not shown:" in every page format
    grounding_line: str | None
    origin_label: str | None  # set for hand-written briefs, shown in the header
    quote_chars: int  # printed length of a quote

    def item(self, path: str) -> Item:
        return self.items[path]

    def short(self, ref: Ref) -> str:
        """The printed form of a quote: its verbatim start, "…" when cut."""
        return shorten_chars(ref.quote, self.quote_chars)

    @property
    def shortened(self) -> int:
        """Quotes whose printed form is cut (HTML shows the full one on screen)."""
        return sum(self.short(r) != r.quote for r in self.refs)

    def with_quote_chars(self, quote_chars: int | None) -> View:
        """The same view with quotes printed to `quote_chars` (None: unchanged)."""
        return replace(self, quote_chars=quote_chars or self.quote_chars)

    def group(self, prefix: str) -> list[Item]:
        found = []
        i = 0
        while f"{prefix}[{i}]" in self.items:
            found.append(self.items[f"{prefix}[{i}]"])
            i += 1
        return found


def build_view(
    doc: BriefDocument, budgets: Budgets = BUDGETS, quote_chars: int | None = None
) -> View:
    """Budget the brief, number its evidence and attach grounding marks."""
    brief, notes = enforce_budgets(doc.brief, budgets)
    full = dict(iter_evidence(doc.brief))
    grounding = doc.grounding
    by_path, by_quote = _index_checks(grounding)
    limit = quote_chars or budgets.quote_chars
    numbers: dict[str, int] = {}
    refs: list[Ref] = []
    items: dict[str, Item] = {}
    for path, quotes in iter_evidence(brief):
        item = Item(path=path)
        for i, quote in enumerate(quotes):
            key = _tidy(quote)
            if key not in numbers:
                numbers[key] = len(refs) + 1
                check = _check(by_path, by_quote, f"{path}.evidence[{i}]", key)
                refs.append(Ref(numbers[key], key, check.status if check else None))
            item.refs.append(refs[numbers[key] - 1])
        item.mark = _mark(full.get(path, quotes), path, by_path, by_quote, grounding)
        items[path] = item
    _attach_objects(items, brief)
    if grounding is not None:
        for fc in grounding.figures:
            if not fc.found and fc.path in items:
                items[fc.path].figure_missing = True
        if grounding.dropped:
            notes.append(
                f"strict grounding removed {len(grounding.dropped)} unverified items "
                f"({', '.join(grounding.dropped)})"
            )
    meta = doc.metadata
    hand_written = meta.engine == "hand-written" or "hand-written" in meta.origin.lower()
    label = HAND_WRITTEN_LABEL if hand_written else None
    return View(doc, brief, items, refs, notes, _grounding_line(grounding), label, limit)


def _index_checks(
    grounding: GroundingReport | None,
) -> tuple[dict[str, QuoteCheck], dict[str, QuoteCheck]]:
    if grounding is None:
        return {}, {}
    by_path = {q.path: q for q in grounding.quotes}
    by_quote = {_tidy(q.quote): q for q in grounding.quotes}
    return by_path, by_quote


def _check(
    by_path: dict[str, QuoteCheck], by_quote: dict[str, QuoteCheck], path: str, quote: str
) -> QuoteCheck | None:
    # Paths are the primary key; the quote text covers a report made before items were
    # reordered or removed, where a path may point at a different quote.
    check = by_path.get(path)
    if check is not None and _tidy(check.quote) == quote:
        return check
    return by_quote.get(quote)


def _mark(
    quotes: list[str],
    path: str,
    by_path: dict[str, QuoteCheck],
    by_quote: dict[str, QuoteCheck],
    grounding: GroundingReport | None,
) -> str | None:
    if not quotes:
        return "no evidence"
    if grounding is None:
        return None
    checks = [
        _check(by_path, by_quote, f"{path}.evidence[{i}]", _tidy(q)) for i, q in enumerate(quotes)
    ]
    statuses = {c.status for c in checks if c is not None}
    if statuses == {"not_found"}:
        return "unverified"
    if statuses and "exact" not in statuses and "fuzzy" in statuses:
        return "approximate"
    return None


def _attach_objects(items: dict[str, Item], brief: Brief) -> None:
    s, h, o = brief.situation, brief.humanitarian, brief.outlook
    objects: list[tuple[str, Any]] = [("situation", s), ("humanitarian", h), ("outlook", o)]
    for prefix, values in (
        ("situation.key_developments", s.key_developments),
        ("actors", brief.actors),
        ("humanitarian.figures", h.figures),
        ("humanitarian.needs", h.needs),
        ("humanitarian.access_constraints", h.access_constraints),
        ("outlook.risks", o.risks),
        ("outlook.indicators", o.indicators),
    ):
        objects += [(f"{prefix}[{i}]", v) for i, v in enumerate(values)]
    for path, obj in objects:
        # A section with an empty summary makes no claim and has no evidence entry
        # (schema.iter_evidence), but the page still lays the section out.
        items.setdefault(path, Item(path=path)).obj = obj


def _grounding_line(grounding: GroundingReport | None) -> str | None:
    if grounding is None:
        return None
    total = len(grounding.quotes)
    line = f"Evidence check: {grounding.verified} of {total} quotes found in the article"
    line += f" ({grounding.rate:.0%})"
    fuzzy = sum(1 for q in grounding.quotes if q.status == "fuzzy")
    if fuzzy:
        line += f", {fuzzy} of them approximately"
    if grounding.figures:
        found = sum(1 for f in grounding.figures if f.found)
        line += f"; figures: {found} of {len(grounding.figures)} found"
    return line
