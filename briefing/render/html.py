"""The brief as a self-contained HTML page (inline CSS) that prints to one A4 page."""

from __future__ import annotations

import re

from briefing.budgets import BUDGETS, Budgets
from briefing.render.environment import template
from briefing.render.view import View, build_view
from briefing.schema import BriefDocument

# A browser's print cannot say whether full quotes fit one A4 page, so the page decides
# before printing, from how much text it holds. Evidence prints at about two thirds of
# the body's font size, so a character of a quote takes about 0.44 of a body character's
# area; a page holds about PRINT_ROOM body characters. Calibrated with Chromium's print
# of the shipped examples (references and offline briefs: those up to 4,250 weighted
# characters printed whole on one page, those from 4,880 did not); a test prints them.
QUOTE_AREA = 0.44
PRINT_ROOM = 4300


def render_html(
    doc: BriefDocument,
    budgets: Budgets = BUDGETS,
    quote_chars: int | None = None,
    layout: str = "",
) -> str:
    """The page. A browser's print of it shows quotes to `quote_chars` characters when
    given; else in full when the page has room for them, otherwise each quote cut to the
    longest length that leaves the page within its room (never below the budget's
    `quote_chars`)."""
    view = build_view(doc, budgets, None)
    if quote_chars is not None:
        return page_html(view.with_quote_chars(quote_chars), layout)
    whole = page_html(view, layout)  # also what the estimate reads: rendered once if it fits
    cap = print_quote_chars(view, budgets.quote_chars, whole)
    return whole if cap is None else page_html(view.with_quote_chars(cap), layout)


def print_quote_chars(view: View, floor: int, page: str | None = None) -> int | None:
    """The longest quote length (None: whole quotes) that a browser prints on one page,
    estimated from the page's body text (`page`, the view rendered with whole quotes);
    at least `floor`."""
    page = page if page is not None else page_html(view)
    body = _text_chars(page.split('<section class="evidence">', 1)[0])
    lengths = [len(r.display) for r in view.refs]
    room = (PRINT_ROOM - body) / QUOTE_AREA

    def printed(cap: int | None) -> int:
        return sum(n if cap is None else min(n, cap) for n in lengths)

    if printed(None) <= room:
        return None
    cap = max(lengths, default=floor)
    while cap > floor and printed(cap) > room:
        cap = int(cap * 0.9)
    return max(cap, floor)


def _text_chars(html: str) -> int:
    """Characters of text in a piece of the page (tags, styles and scripts left out)."""
    import html as entities

    html = re.sub(r"(?s)<(style|script)\b.*?</\1>", "", html)
    text = entities.unescape(re.sub(r"<[^>]+>", " ", html))
    return len(" ".join(text.split()))


def page_html(view: View, layout: str = "") -> str:
    """The page for `view`; `layout` is a print layout's body classes (see the PDF's)."""
    return template("brief.html").render(v=view, layout=layout)
