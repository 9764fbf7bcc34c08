"""PDF output: one A4 page, never more, rendered with WeasyPrint.

WeasyPrint is imported on first use; without it (or without Pango) PDF output fails with
one line naming what to install.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from briefing.budgets import BUDGETS, Budgets, scale_budgets
from briefing.errors import OutputError
from briefing.render.html import page_html
from briefing.render.view import View, build_view
from briefing.schema import BriefDocument

# Print layouts from the most legible to the most compact: "wide" lists the evidence in
# two columns, the default in three; "tight" (closer lines, a narrow font where one is
# installed, four evidence columns) absorbs wider fonts and long unbreakable words, which
# word budgets cannot bound; "tight small" is the last resort for fonts as wide as DejaVu
# Sans.
LAYOUTS = ("wide", "", "tight", "tight small")
# Quotes are shortened only when full ones do not fit, and then only the longest: each
# step lowers the printed length by this factor (a "waterline": quotes under it stay
# whole), down to the budget's `quote_chars`; tight layouts go down to TIGHT_QUOTE_CHARS.
QUOTE_STEP = 0.8
TIGHT_QUOTE_CHARS = 30
# When no layout fits (words too long to fill lines well, fonts far wider than Arial),
# the brief is cut further in the last layout, with every budget (page cap, list
# lengths, text lengths) scaled by these factors in turn; the page notes the scale.
CUT_STEPS = (0.85, 0.7, 0.55, 0.4, 0.25)


def fit_steps(view: View, quote_chars: int) -> list[tuple[str, int | None]]:
    """(layout, printed quote length or None for full quotes), from the most generous
    page to the most compact: full quotes in two evidence columns, then in three, then
    ever shorter quotes (only the longest are cut at each step), then tighter layouts."""
    longest = max((len(r.display) for r in view.refs), default=0)
    caps: list[int] = []
    cap = longest
    while (cap := int(cap * QUOTE_STEP)) > quote_chars:
        caps.append(cap)
    steps: list[tuple[str, int | None]] = [("wide", None), ("", None)]
    steps += [("", c) for c in caps] + [("", quote_chars)]
    floor = min(TIGHT_QUOTE_CHARS, quote_chars)
    steps += [("tight", quote_chars), ("tight", floor), ("tight small", floor)]
    return steps


# Evidence columns of the layouts whose lines `_predict` estimates (same font size).
_EVIDENCE_COLUMNS = {"wide": 2, "": 3}


def render_pdf(doc: BriefDocument, budgets: Budgets = BUDGETS) -> bytes:
    """One A4 page, never more, filled before anything is cut: the most generous step
    of `fit_steps` that fits (the step before it does not); when none fits, the brief is
    cut further (see `CUT_STEPS`) and the page says so."""
    html_class = _weasyprint_html()
    renders: dict[int, Any] = {}  # step -> its document (rendered once)

    def fits(step: int) -> bool:
        if step not in renders:
            renders[step] = html_class(string=pages[step]).render()
        return len(renders[step].pages) == 1

    view = build_view(doc, budgets)  # budgeted once; the steps vary layout and quotes
    steps: list[tuple[str, int | None]] = []
    pages: list[str] = []  # the HTML of each step, without repeats
    for layout, quote_chars in fit_steps(view, budgets.quote_chars):
        html = page_html(view.with_quote_chars(quote_chars), layout)
        if html not in pages:  # a quote length above every quote changes nothing
            steps.append((layout, quote_chars))
            pages.append(html)
    if fits(0):  # most briefs: full quotes, two evidence columns
        return _pdf(renders[0])
    # The first page's overflow says which step should fit. Steps are probed outward
    # from that guess at distances 1, 2, 4... until one fits and one does not, then the
    # bracket is halved: a good guess costs two renders, a poor one a few more.
    last = len(pages) - 1
    guess = _predict(renders[0], view, steps) or last
    low, high = 0, last  # steps[low] does not fit; the answer is at most high
    if fits(guess):
        high, distance = guess, 1
        while high - distance > low and fits(high - distance):
            high, distance = high - distance, distance * 2
        low = max(low, high - distance)
    else:
        low, distance = guess, 1
        while low + distance < last and not fits(low + distance):
            low, distance = low + distance, distance * 2
        high = min(last, low + distance)
    if fits(high):
        while high - low > 1:
            middle = (low + high) // 2
            if fits(middle):
                high = middle
            else:
                low = middle
        return _pdf(renders[high])
    # No step fits: cut the brief itself, in the most compact layout.
    layout, quote_chars = steps[-1]
    for factor in CUT_STEPS:
        view = build_view(doc, scale_budgets(budgets, factor), quote_chars)
        view.notes.insert(0, f"to fit one A4 page, every budget cut to {factor:.0%}")
        document = html_class(string=page_html(view, layout)).render()
        if len(document.pages) == 1:
            return _pdf(document)
    # What budgets do not bound is left: the header (source, model...) and the notes.
    raise OutputError(
        f"the brief does not fit one A4 page even with every budget cut to "
        f"{CUT_STEPS[-1]:.0%}; shorten its metadata (source, title, model) in the JSON, "
        "or render it to md or html"
    )


def _predict(document: Any, view: View, steps: list[tuple[str, int | None]]) -> int | None:
    """The first step predicted to fit one page, from the first step's layout: where the
    evidence list starts, how wide its columns are, how wide a character is and how
    many lines the quotes took. None when the evidence list does not start on the
    first page (the body itself overflows)."""
    measured = _evidence_layout(document)
    if measured is None:
        return None
    rows, column, pitch, char_width, taken = measured
    columns = _EVIDENCE_COLUMNS.get(steps[0][0], 2)
    gap = pitch - column
    width = columns * column + (columns - 1) * gap

    def lines(cap: int | None, n: int, fill: float) -> list[int]:
        chars = fill * (width - (n - 1) * gap) / n / char_width
        shown = view.with_quote_chars(cap)
        return [max(1, math.ceil((len(shown.short(r)) + 2) / chars)) for r in view.refs]

    # Lines break between words, so a line holds less than its width would: the share
    # that reproduces the lines the first layout took.
    fill = max((f / 100 for f in range(70, 101)), key=lambda f: (
        -abs(sum(lines(steps[0][1], columns, f)) - taken), -f
    ))  # fmt: skip
    for index, (layout, cap) in enumerate(steps[1:], start=1):
        if layout not in _EVIDENCE_COLUMNS:
            break
        n = _EVIDENCE_COLUMNS[layout]
        counts = lines(cap, n, fill)
        # Quotes are never split across columns, so each column but the last may end
        # short by about half a quote; a note on shortened quotes takes two rows.
        waste = (n - 1) * (sum(counts) / max(len(counts), 1) - 1) / 2
        shortened = view.with_quote_chars(cap).shortened
        if sum(counts) + waste <= (rows - (2 if shortened else 0)) * n:
            return index
    return None


def _evidence_layout(document: Any) -> tuple[int, float, float, float, int] | None:
    """(rows the first page leaves for the evidence list, column width, distance between
    columns, average width of a character, lines the quotes take in all) of the evidence
    list as laid out in `document`."""
    top: float | None = None
    line = column = text_width = 0.0
    characters = 0
    xs: set[float] = set()
    items: list[tuple[str, Any]] = []  # (id, outer box) of each item on each page
    for number, page_box in enumerate(document.pages):
        seen: set[str] = set()
        for box in _boxes(page_box._page_box):
            ident = box.element.get("id", "") if box.element is not None else ""
            if box.element_tag != "li" or not ident.startswith("ev"):
                continue
            kind = type(box).__name__
            if kind == "LineBox":
                line = line or box.height
            elif kind == "TextBox":
                text_width += box.width
                characters += len(box.text)
            elif ident not in seen:  # the outer box of the item: the first met
                seen.add(ident)
                items.append((ident, box))
                if number == 0:
                    top = box.position_y if top is None else min(top, box.position_y)
                    xs.add(box.position_x)
                    column = column or box.width
    if top is None or not line or len(xs) < 2 or not characters:
        return None
    page = document.pages[0]._page_box
    bottom = page.content_box_y() + page.height
    ordered = sorted(xs)
    taken = sum(max(1, round(box.margin_height() / line)) for _, box in items)
    rows = int((bottom - top) // line)
    return rows, column, ordered[1] - ordered[0], text_width / characters, taken


def _boxes(box: Any) -> Any:
    yield box
    for child in getattr(box, "children", None) or ():
        yield from _boxes(child)


def _pdf(document: Any) -> bytes:
    data: bytes = document.write_pdf()
    return data


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
