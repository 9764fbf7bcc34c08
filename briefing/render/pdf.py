"""PDF output: one A4 page, never more, rendered with WeasyPrint.

WeasyPrint is imported on first use; without it (or without Pango) PDF output fails with
one line naming what to install.
"""

from __future__ import annotations

import warnings
from typing import Any

from briefing.budgets import BUDGETS, Budgets, scale_budgets
from briefing.errors import OutputError
from briefing.render.html import page_html
from briefing.render.view import build_view
from briefing.schema import BriefDocument

# Print layouts tried in turn for a PDF, as (body classes, printed quote length): the
# first that fits one page wins. A brief with room to spare gets longer quotes in two
# columns; the budgets keep a maximal brief on one page with the default layout in
# Arial-like fonts; "tight" (closer lines, a narrow font where one is installed, shorter
# quotes in four columns) absorbs wider fonts and long unbreakable words, which word
# budgets cannot bound; "small" is the last resort for fonts as wide as DejaVu Sans.
FIT_STEPS: tuple[tuple[str, int | None], ...] = (
    ("wide", 200),
    ("wide", 90),
    ("", None),
    ("tight", 30),
    ("tight small", 30),
)
# When no layout fits (words too long to fill lines well, fonts far wider than Arial),
# the brief is cut further in the last layout, with every budget (page cap, list
# lengths, text lengths) scaled by these factors in turn; the page notes the scale.
CUT_STEPS = (0.85, 0.7, 0.55, 0.4, 0.25)


def render_pdf(doc: BriefDocument, budgets: Budgets = BUDGETS) -> bytes:
    """One A4 page, never more: the most legible layout that fits (see `FIT_STEPS`);
    when none does, the brief is cut further (see `CUT_STEPS`) and the page says so."""
    html_class = _weasyprint_html()

    def one_page(html: str) -> bytes | None:
        document = html_class(string=html).render()
        if len(document.pages) != 1:
            return None
        pdf: bytes = document.write_pdf()
        return pdf

    view = build_view(doc, budgets)  # budgeted once; the layouts only vary the quotes
    pages: list[tuple[str, str]] = []  # (layout, html), without repeats
    for layout, quote_chars in FIT_STEPS:
        html = page_html(view.with_quote_chars(quote_chars), layout)
        if not pages or html != pages[-1][1]:  # a shorter quote limit may change nothing
            pages.append((layout, html))
    # Layouts go from the most legible to the most compact, so when the first does not
    # fit, the most compact one says whether any will: a brief that needs cutting is
    # rendered twice before the cuts, not once per layout.
    if (pdf := one_page(pages[0][1])) is not None:
        return pdf
    if len(pages) > 1 and (compact := one_page(pages[-1][1])) is not None:
        for _, html in pages[1:-1]:
            if (pdf := one_page(html)) is not None:
                return pdf
        return compact
    layout, quote_chars = FIT_STEPS[-1]
    for factor in CUT_STEPS:
        view = build_view(doc, scale_budgets(budgets, factor), quote_chars)
        view.notes.insert(0, f"to fit one A4 page, every budget cut to {factor:.0%}")
        if (pdf := one_page(page_html(view, layout))) is not None:
            return pdf
    # What budgets do not bound is left: the header (source, model...) and the notes.
    raise OutputError(
        f"the brief does not fit one A4 page even with every budget cut to "
        f"{CUT_STEPS[-1]:.0%}; shorten its metadata (source, title, model) in the JSON, "
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
