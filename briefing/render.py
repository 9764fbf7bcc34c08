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

import json
import os
import re
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from .budgets import BUDGETS, Budgets, enforce_budgets, shorten_chars
from .errors import BriefValidationError, InputError, OutputError
from .schema import SCHEMA_VERSION, Brief, BriefDocument, GroundingReport, QuoteCheck, iter_evidence

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


# --- Loading ------------------------------------------------------------------------------


def load_document(path: Path) -> BriefDocument:
    """Read a brief document (what `briefing generate -f json` writes).

    A bare `Brief` (no metadata) is rejected rather than wrapped: the header of every
    rendered brief states who wrote it and from what source, and inventing that would
    make an unattributed brief look attributed.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except UnicodeDecodeError:
        raise BriefValidationError(f"{path}: not UTF-8 text, so not a brief; {_FIX}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}); check the path") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BriefValidationError(
            f"{path}: invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); {_FIX}"
        ) from None
    if isinstance(data, dict) and "situation" in data and "metadata" not in data:
        raise BriefValidationError(
            f"{path}: a bare brief without metadata; wrap it as "
            '{"schema_version": "1", "metadata": {...}, "brief": ...} or regenerate it '
            f"(the schema is {_SCHEMA_FILE})"
        )
    if isinstance(data, dict) and data.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise BriefValidationError(
            f"{path}: schema_version {data['schema_version']!r} is not supported (this "
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
        raise BriefValidationError(f"{path}: {where}: {msg}{more}; {_FIX}") from None


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
    view = build_view(doc, budgets, quote_chars)
    return _template("brief.html").render(v=view, layout=layout)


def render_pdf(doc: BriefDocument, budgets: Budgets = BUDGETS) -> bytes:
    """One A4 page, with the most legible layout that fits (see `_FIT_STEPS`)."""
    html_class = _weasyprint_html()
    previous = ""
    for layout, quote_chars in _FIT_STEPS:
        html = render_html(doc, budgets, quote_chars, layout)
        if html == previous:  # no quote long enough for the shorter limit to matter
            continue
        previous = html
        document = html_class(string=html).render()
        if len(document.pages) == 1:
            break
    # Past the last step the brief is returned on more pages rather than not at all.
    pdf: bytes = document.write_pdf()
    return pdf


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

        from .resources import templates_dir

        _ENV = Environment(
            loader=FileSystemLoader(templates_dir()),
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


_MD_SPECIAL = re.compile(r"([\\`*_<>\[\]|])")


def _md_escape(text: str) -> str:
    # Backslash escapes keep "<script>" literal and stop text from forming links or footnotes.
    return _MD_SPECIAL.sub(r"\\\1", _tidy(text))


# --- The view the templates read ----------------------------------------------------------


@dataclass
class Ref:
    n: int
    quote: str  # whitespace-normalised, otherwise verbatim
    short: str  # its printed form: the verbatim start, "…" when cut
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
    quote_chars: int
    shortened: int  # quotes whose printed form is cut (HTML shows the full one on screen)

    def item(self, path: str) -> Item:
        return self.items[path]

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
    shortened = 0
    for path, quotes in iter_evidence(brief):
        item = Item(path=path)
        for i, quote in enumerate(quotes):
            key = _tidy(quote)
            if key not in numbers:
                numbers[key] = len(refs) + 1
                check = _check(by_path, by_quote, f"{path}.evidence[{i}]", key)
                short = shorten_chars(key, limit)
                shortened += short != key
                refs.append(Ref(numbers[key], key, short, check.status if check else None))
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
    return View(doc, brief, items, refs, notes, _grounding_line(grounding), label, limit, shortened)


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
