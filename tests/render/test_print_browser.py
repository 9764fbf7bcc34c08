"""A browser's print of the HTML page: one A4 page, quotes whole when they fit.

Chromium (Debian's `chromium`, which `.ci/run` installs) prints each brief's page to PDF
through Playwright; the page count comes from the PDF itself.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from briefing.budgets import BUDGETS
from briefing.config import resolve_settings
from briefing.ingest.article import load_article
from briefing.pipeline import GenerateOptions, generate_brief
from briefing.render.html import page_html, print_quote_chars, render_html
from briefing.render.view import build_view
from briefing.schema import BriefDocument
from tests.fixtures import EXAMPLES, chromium_path

pytestmark = pytest.mark.browser

STEMS = ("aleppo-offensive", "dalmar-corridor-report", "kessara-floods-wire", "tarsin-ceasefire")


def _briefs() -> dict[str, BriefDocument]:
    """The hand-written references and the offline engine's briefs of the examples."""
    settings = resolve_settings({"tokenizer": "offline"}, env={"HOME": "/nonexistent"})
    docs = {}
    for stem in STEMS:
        docs[f"{stem} reference"] = BriefDocument.model_validate_json(
            (EXAMPLES / f"{stem}.brief.json").read_text(encoding="utf-8")
        )
        article = next(
            p for p in EXAMPLES.glob(f"{stem}.*") if p.suffix in (".txt", ".md", ".html")
        )
        docs[f"{stem} extractive"] = generate_brief(
            load_article(str(article)), settings, GenerateOptions(engine="extractive")
        )
    return docs


BRIEFS = _briefs()


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium; .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is in the dev extra")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def _printed_pages(page: Any, html: str) -> int:
    from pypdf import PdfReader

    page.set_content(html)
    return len(PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True))).pages)


@pytest.mark.parametrize("name", list(BRIEFS))
def test_every_example_prints_on_one_page(page: Any, name: str) -> None:
    assert _printed_pages(page, render_html(BRIEFS[name])) == 1


def test_quotes_print_whole_when_they_fit_and_are_cut_only_as_far_as_needed(page: Any) -> None:
    whole = [n for n, d in BRIEFS.items() if print_quote_chars(_view(d), 46) is None]
    cut = {n: print_quote_chars(_view(d), 46) for n, d in BRIEFS.items() if n not in whole}
    # Most examples have room for every quote: none is shortened, and the note is absent.
    assert len(whole) >= 5
    for name in whole:
        assert "printed to their first" not in render_html(BRIEFS[name])
    # A brief that must be cut prints in two pages whole, on one page at its cut.
    for name, cap in cut.items():
        view = _view(BRIEFS[name])
        assert cap is not None and cap >= BUDGETS.quote_chars
        assert _printed_pages(page, page_html(view)) == 2
        assert f"printed to their first {cap} characters" in render_html(BRIEFS[name])
    # The fixed cut the page used before (46 characters for every brief) is no longer
    # applied where there is room: at least one cut brief keeps longer quotes.
    assert any(cap is not None and cap > BUDGETS.quote_chars for cap in cut.values())


def _view(doc: BriefDocument) -> Any:
    return build_view(doc, BUDGETS, None)
