"""The brief as a self-contained HTML page (inline CSS) that prints to one A4 page."""

from __future__ import annotations

from briefing.budgets import BUDGETS, Budgets
from briefing.render.environment import template
from briefing.render.view import View, build_view
from briefing.schema import BriefDocument


def render_html(
    doc: BriefDocument,
    budgets: Budgets = BUDGETS,
    quote_chars: int | None = None,
    layout: str = "",
) -> str:
    """The page; a browser's print of it shows quotes to `quote_chars` characters (the
    budget's by default), as a browser cannot say whether full ones fit one page."""
    return page_html(build_view(doc, budgets, quote_chars or budgets.quote_chars), layout)


def page_html(view: View, layout: str = "") -> str:
    """The page for `view`; `layout` is a print layout's body classes (see the PDF's)."""
    return template("brief.html").render(v=view, layout=layout)
