"""Render a brief document to Markdown, HTML, PDF or JSON.

Page formats (md, html, pdf) show the brief within its budgets (`briefing.budgets`) and
print what was cut; JSON is the stored document itself, complete and unchanged.
"""

from __future__ import annotations

from pathlib import Path

from briefing.budgets import BUDGETS, Budgets
from briefing.choices import OutputFormat
from briefing.errors import OutputError
from briefing.render.environment import template
from briefing.render.html import render_html
from briefing.render.pdf import render_pdf
from briefing.render.view import build_view
from briefing.schema import BriefDocument

FORMATS = tuple(OutputFormat)
_SUFFIXES = {
    ".md": OutputFormat.MD,
    ".markdown": OutputFormat.MD,
    ".html": OutputFormat.HTML,
    ".htm": OutputFormat.HTML,
    ".pdf": OutputFormat.PDF,
    ".json": OutputFormat.JSON,
}


def format_for_path(path: Path, explicit: str | None) -> OutputFormat:
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


def _canonical(fmt: str) -> OutputFormat:
    """ "markdown", ".HTM" and the like, as one of FORMATS."""
    name = fmt.lower().lstrip(".")
    try:
        return _SUFFIXES.get(f".{name}") or OutputFormat(name)
    except ValueError:
        raise OutputError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}") from None


def render(doc: BriefDocument, fmt: str, budgets: Budgets = BUDGETS) -> bytes:
    """Render `doc` as `fmt` (one of FORMATS, or an alias such as "markdown")."""
    chosen = _canonical(fmt)
    if chosen == OutputFormat.JSON:
        return (doc.model_dump_json(indent=2) + "\n").encode()
    if chosen == OutputFormat.MD:
        return template("brief.md").render(v=build_view(doc, budgets)).encode()
    if chosen == OutputFormat.HTML:
        return render_html(doc, budgets).encode()
    return render_pdf(doc, budgets)
