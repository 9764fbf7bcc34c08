"""Rendering: the sample brief, numbered evidence, grounding marks, cut notes, one A4 page,
loading errors and atomic writes."""

from __future__ import annotations

import codecs
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import briefing.render.pdf
import briefing.render.view
from briefing.budgets import BUDGETS, enforce_budgets
from briefing.errors import BriefValidationError, InputError, OutputError
from briefing.files import write_atomically
from briefing.render.document import load_document
from briefing.render.formats import format_for_path, render
from briefing.render.pdf import CUT_STEPS
from briefing.render.view import HAND_WRITTEN_LABEL
from briefing.schema import (
    BriefDocument,
    iter_evidence,
)
from tests.fixtures import DATA, EXAMPLES, ROOT, SAMPLE, overlong_document, with_grounding

DATA = DATA / "render"
SAMPLE_BRIEF = EXAMPLES / "aleppo-offensive.brief.json"


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def sample() -> BriefDocument:
    return load_document(SAMPLE_BRIEF)


def html_of(doc: BriefDocument) -> str:
    return render(doc, "html").decode()


def md_of(doc: BriefDocument) -> str:
    return render(doc, "md").decode()


def item_html(html: str, text: str) -> str:
    """The <li> element of the page that contains `text`."""
    for match in re.finditer(r"<li\b.*?</li>", html, flags=re.S):
        if text in match.group(0):
            return match.group(0)
    raise AssertionError(f"no list item contains {text!r}")


# --- the sample brief -----------------------------------------------------------------------


def test_every_sample_quote_is_verbatim_in_the_article_file(sample: BriefDocument) -> None:
    article = squash(SAMPLE.read_text(encoding="utf-8"))
    missing = [
        (path, quote)
        for path, quotes in iter_evidence(sample.brief)
        for quote in quotes
        if squash(quote) not in article
    ]
    assert not missing
    assert sample.metadata.title and squash(sample.metadata.title) in article


def test_the_sample_is_a_labelled_hand_written_reference(sample: BriefDocument) -> None:
    meta = sample.metadata
    assert meta.engine == "hand-written" and "hand-written" in meta.origin
    assert meta.model is None and meta.prompt_version is None
    assert meta.source == "examples/aleppo-offensive.txt"
    assert meta.retrieved == "2025-07-06" and meta.published is None
    assert sample.grounding is None
    assert any("hand-written" in note.lower() for note in meta.notes)


def test_the_sample_fits_its_budgets_without_cuts(sample: BriefDocument) -> None:
    assert enforce_budgets(sample.brief)[1] == []


# --- formats --------------------------------------------------------------------------------


def test_json_is_the_document_itself(sample: BriefDocument) -> None:
    data = render(sample, "json")
    assert data.startswith(b'{\n  "schema_version": "1"')
    assert BriefDocument.model_validate_json(data) == sample


def test_markdown_mirrors_the_brief(sample: BriefDocument) -> None:
    md = md_of(sample)
    assert md.startswith(f"# {sample.brief.situation.headline}\n")
    assert HAND_WRITTEN_LABEL in md
    for heading in ("## Key developments", "## Actors", "## Humanitarian impact", "## Outlook"):
        assert heading in md
    assert "[^1]" in md and "\n[^1]: “" in md
    assert "Not shown" not in md


def test_html_is_self_contained(sample: BriefDocument) -> None:
    html = html_of(sample)
    assert "<style>" in html and "@page" in html and "size: A4" in html
    assert not re.search(r"<(script|link|img|iframe)\b", html, flags=re.I)
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", html, flags=re.I)
    assert "@import" not in html and "url(" not in html and "@font-face" not in html


def test_html_numbers_the_evidence_in_reading_order(sample: BriefDocument) -> None:
    html = html_of(sample)
    numbers = [int(n) for n in re.findall(r'<li id="ev(\d+)"', html)]
    unique = {squash(q) for _, quotes in iter_evidence(sample.brief) for q in quotes}
    assert numbers == list(range(1, len(unique) + 1))
    first_quote = squash(sample.brief.situation.evidence[0])
    first_item = html.split('<li id="ev1"', 1)[1].split("</li>", 1)[0]
    assert first_quote in first_item
    assert '<sup class="refs">[<a href="#ev1">1</a>,<a href="#ev2">2</a>]</sup>' in html


def test_a_quote_cited_by_two_items_keeps_one_number(sample: BriefDocument) -> None:
    html = html_of(sample)
    airport = item_html(html, "Aleppo’s civilian airport is closed.")
    withdrew = item_html(html, "Government forces withdrew")
    [n] = re.findall(r'href="#ev(\d+)"', airport)
    assert f'href="#ev{n}"' in withdrew
    assert html.count(f'id="ev{n}"') == 1


def test_brief_text_is_escaped(sample: BriefDocument) -> None:
    brief = sample.brief.model_copy(deep=True)
    brief.situation.headline = "<script>alert(1)</script> & more"
    brief.actors[0].name = '<img src="http://example.org/x.png">'
    doc = sample.model_copy(update={"brief": brief})
    html = html_of(doc)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    md = md_of(doc)
    assert "\\<script\\>alert(1)\\</script\\>" in md


# Brief texts that are Markdown syntax when they open a line (or a list item).
MARKUP_TEXTS = {
    "headline": "Floods in Kessara #",  # "#" at the end closes an ATX heading
    "summary": "1. The river rose overnight.",
    "development": "# Dam breached",
    "actor role": "- Runs the shelters",
    "figure counts": "+ people displaced",
    "need": "=== clean water",
    "risk": "> Disease may spread &copy; 2024",
    "indicator": "2) Water levels &#169; upstream",
    "gap": "~~~",
    "outlook": "---",
    "humanitarian": "* * *",
}


def markup_document(sample: BriefDocument) -> BriefDocument:
    t = MARKUP_TEXTS
    brief = sample.brief.model_copy(deep=True)
    brief.situation.headline = t["headline"]
    brief.situation.summary = t["summary"]
    brief.situation.key_developments[0].what = t["development"]
    brief.actors[0].role = t["actor role"]
    brief.humanitarian.summary = t["humanitarian"]
    brief.humanitarian.figures[0].counts = t["figure counts"]
    brief.humanitarian.needs[0].text = t["need"]
    brief.outlook.summary = t["outlook"]
    brief.outlook.risks[0].description = t["risk"]
    brief.outlook.indicators[0].text = t["indicator"]
    brief.gaps = [t["gap"]]
    # Model output: no hand-written label, whose blockquote is the template's own.
    meta = sample.metadata.model_copy(update={"engine": "llm", "origin": "model output"})
    return sample.model_copy(update={"brief": brief, "metadata": meta})


def test_brief_text_cannot_form_markdown_blocks_or_entities(sample: BriefDocument) -> None:
    from html import unescape

    import markdown_it

    md = md_of(markup_document(sample))
    html = markdown_it.MarkdownIt("commonmark").render(md)
    # The template writes one <h1>, bullet lists and code spans for kinds and likelihoods.
    assert html.count("<h1>") == 1
    assert not re.search(r"<(ol|blockquote|hr|pre|h[4-6])\b", html)
    spans = set(re.findall(r"<code>(.*?)</code>", html))
    assert spans and all(re.fullmatch(r"[a-z’ ]+|(low|medium|high) likelihood", c) for c in spans)
    assert "<h2>" not in unescape(html.split("<h1>")[1].split("</h1>")[0])
    assert not re.search(r"<li>\s*<(ul|h\d|p)\b", html), "a list item that opens a block"
    assert "©" not in html
    text = unescape(re.sub(r"<[^>]+>", "", html))
    for value in MARKUP_TEXTS.values():
        assert value in text, value


def test_the_hand_written_label_is_shown_only_for_hand_written_briefs(
    sample: BriefDocument,
) -> None:
    assert HAND_WRITTEN_LABEL in html_of(sample)
    meta = sample.metadata.model_copy(update={"engine": "llm", "origin": "model output"})
    model_doc = sample.model_copy(update={"metadata": meta})
    assert HAND_WRITTEN_LABEL not in html_of(model_doc)
    assert HAND_WRITTEN_LABEL not in md_of(model_doc)


# --- grounding marks ------------------------------------------------------------------------


def test_items_without_found_evidence_are_marked_unverified(sample: BriefDocument) -> None:
    actors = [a.name for a in sample.brief.actors]
    turkish, iran = actors.index("Turkish-backed Syrian rebels"), actors.index("Iran")
    doc = with_grounding(
        sample,
        {f"actors[{turkish}]": "not_found", f"actors[{iran}]": "fuzzy"},
        missing_figures=("humanitarian.figures[1]",),
    )
    html = html_of(doc)
    assert "⚠ unverified" in item_html(html, "Turkish-backed Syrian rebels")
    assert 'class="unverified"' in item_html(html, "Turkish-backed Syrian rebels")
    assert "≈ approximate" in item_html(html, "Foreign Minister Araghchi")
    assert "number not in article" in item_html(html, "U.S. bounty on Jolani")
    assert "unverified" not in item_html(html, "Hayat Tahrir al-Sham")
    total = len(doc.grounding.quotes) if doc.grounding else 0
    assert f"quotes found {total - 1}/{total} (" in html
    assert "claims supported" not in html  # no support check in this report
    md = md_of(doc)
    assert "Turkish-backed Syrian rebels" in md and "**⚠ unverified**" in md
    assert "**⚠ not found in the article**" in md


def test_without_grounding_there_are_no_marks(sample: BriefDocument) -> None:
    html = html_of(sample)
    assert "⚠" not in html and 'class="unverified"' not in html
    assert "quotes found" not in html
    assert "evidence not checked against the article" in html


# --- budgets on the page --------------------------------------------------------------------


def test_an_overlong_brief_is_cut_and_the_page_says_what_was_cut() -> None:
    doc = overlong_document()
    html, md = html_of(doc), md_of(doc)
    for page in (html, md):
        assert "Not shown:" in page
        assert f"actors: {20 - BUDGETS.actors} of 20 not shown (budget {BUDGETS.actors})" in page
        assert "strict grounding removed 2 unverified or unsupported items" in page
    shown = len(enforce_budgets(doc.brief)[0].actors)
    assert 2 <= shown <= BUDGETS.actors
    assert html.count('<span class="tag">int’l org</span>') == shown
    assert md.count("`int’l org`") == shown


def test_long_quotes_print_short_but_show_in_full_on_screen() -> None:
    doc = overlong_document()
    html = html_of(doc)
    quote = squash(doc.brief.situation.evidence[0])
    assert f'<span class="screen-only">{quote}</span>' in html
    [short] = re.findall(r'<span class="print-only">(Q1 [^<]*)</span>', html)
    assert short.endswith("…") and len(short) <= BUDGETS.quote_chars
    assert quote.startswith(short.removesuffix("…"))
    assert "quotes printed to their first" in html


# --- formats, loading and writing -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "explicit", "expected"),
    [
        ("brief.md", None, "md"),
        ("brief.markdown", None, "md"),
        ("brief.HTML", None, "html"),
        ("brief.htm", None, "html"),
        ("brief.pdf", None, "pdf"),
        ("brief.json", None, "json"),
        ("brief.txt", "pdf", "pdf"),
        ("brief", "markdown", "md"),
    ],
)
def test_format_for_path(name: str, explicit: str | None, expected: str) -> None:
    assert format_for_path(Path(name), explicit) == expected


def test_unknown_formats_are_refused_with_the_choices(sample: BriefDocument) -> None:
    with pytest.raises(OutputError, match=r"\.md, .*\.pdf"):
        format_for_path(Path("brief.docx"), None)
    with pytest.raises(OutputError, match="md, html, pdf, json"):
        format_for_path(Path("brief.md"), "docx")
    with pytest.raises(OutputError, match="md, html, pdf, json"):
        render(sample, "docx")


def one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_invalid_json_names_the_file_and_the_position() -> None:
    path = DATA / "invalid-json.brief.json"
    with pytest.raises(BriefValidationError) as exc:
        load_document(path)
    message = one_line(exc)
    assert str(path) in message and "line 4 column" in message
    assert "schemas/brief-document.v1.json" in message


def test_a_schema_violation_names_the_field() -> None:
    path = DATA / "wrong-kind.brief.json"
    with pytest.raises(BriefValidationError) as exc:
        load_document(path)
    message = one_line(exc)
    assert f"{path}: brief.actors.0.kind: input should be 'government'" in message
    assert "regenerate it or fix the field" in message


def test_a_bare_brief_is_refused_with_the_fix() -> None:
    with pytest.raises(BriefValidationError, match="bare brief without metadata"):
        load_document(DATA / "bare-brief.json")


def test_other_unreadable_documents(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_document(tmp_path / "missing.json")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\x80\x81garbage\xff")
    with pytest.raises(BriefValidationError, match="not UTF-8"):
        load_document(binary)
    odd = tmp_path / "odd.json"
    odd.write_bytes(codecs.BOM_UTF16_LE + b"{\x00\x00\xd8")  # a lone surrogate
    with pytest.raises(BriefValidationError, match="not valid UTF-16-LE text"):
        load_document(odd)
    future = tmp_path / "future.json"
    future.write_text('{"schema_version": "2", "metadata": {}, "brief": {}}', encoding="utf-8")
    with pytest.raises(BriefValidationError, match="schema_version '2' is not supported"):
        load_document(future)


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8"),  # Notepad, PowerShell 5 "Out-File -Encoding utf8"
        (codecs.BOM_UTF16_LE, "utf-16-le"),  # PowerShell 5 "> brief.json"
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_a_document_marked_by_a_byte_order_mark_is_read(
    sample: BriefDocument, tmp_path: Path, bom: bytes, encoding: str
) -> None:
    path = tmp_path / "brief.json"
    path.write_bytes(bom + SAMPLE_BRIEF.read_text(encoding="utf-8").encode(encoding))
    assert load_document(path) == sample


def test_standard_input_and_streams_are_read(
    sample: BriefDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = SAMPLE_BRIEF.read_bytes()
    assert load_document(io.BytesIO(data)) == sample
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(data)))
    assert load_document(Path("-")) == sample
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(b"{")))
    with pytest.raises(BriefValidationError, match="^standard input: invalid JSON"):
        load_document("-")


def test_a_terminal_is_not_read_as_a_brief(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.BytesIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=Terminal()))
    with pytest.raises(InputError, match="standard input is a terminal"):
        load_document(Path("-"))


def test_render_reads_the_brief_from_standard_input(sample: BriefDocument) -> None:
    from typer.testing import CliRunner

    from briefing.cli.app import app

    data = codecs.BOM_UTF16_LE + SAMPLE_BRIEF.read_text(encoding="utf-8").encode("utf-16-le")
    result = CliRunner().invoke(app, ["render", "-", "-f", "md"], input=data)
    assert result.exit_code == 0, result.output
    assert result.stdout == md_of(sample)


def test_write_output_writes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "brief.md"
    write_atomically(target, b"first")
    write_atomically(target, b"second")
    assert target.read_bytes() == b"second"
    assert os.listdir(tmp_path) == ["brief.md"]


def test_write_output_refuses_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist") as exc:
        write_atomically(tmp_path / "nowhere" / "brief.pdf", b"data")
    one_line(exc)
    assert os.listdir(tmp_path) == []


def test_a_failed_write_leaves_neither_a_partial_file_nor_a_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "brief.pdf"
    target.write_bytes(b"old")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OutputError, match="No space left on device"):
        write_atomically(target, b"new")
    assert os.listdir(tmp_path) == ["brief.pdf"]
    assert target.read_bytes() == b"old"


def test_a_directory_as_target_is_refused(tmp_path: Path) -> None:
    # The temporary file goes next to the target, into its parent, and must not stay.
    target = tmp_path / "brief.pdf"
    target.mkdir()
    with pytest.raises(OutputError, match="cannot write"):
        write_atomically(target, b"data")
    assert os.listdir(target.parent) == ["brief.pdf"]
    assert os.listdir(target) == []


def test_pdf_without_weasyprint_says_what_to_install(
    sample: BriefDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # makes the import fail
    with pytest.raises(OutputError) as exc:
        render(sample, "pdf")
    message = one_line(exc)
    assert "briefing[pdf]" in message and "libpango-1.0-0 libpangoft2-1.0-0" in message


@pytest.mark.slow
def test_importing_the_renderer_loads_neither_jinja_nor_weasyprint() -> None:
    code = (
        "import sys, briefing.render.formats; "
        "print(sorted(m for m in ('jinja2', 'weasyprint') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


# --- PDF: exactly one A4 page ---------------------------------------------------------------


def pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return [page.extract_text() for page in reader.pages]


def a4(data: bytes) -> bool:
    from pypdf import PdfReader

    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    return abs(float(box.width) - 595.3) < 1 and abs(float(box.height) - 841.9) < 1


@pytest.mark.pdf
def test_the_sample_prints_to_one_a4_page(sample: BriefDocument) -> None:
    data = render(sample, "pdf")
    assert data.startswith(b"%PDF-")
    pages = pdf_pages(data)
    assert len(pages) == 1 and a4(data)
    text = squash(pages[0])
    assert HAND_WRITTEN_LABEL in text
    assert "amid celebratory gunfire" in text  # room to spare: quotes print in full


@pytest.mark.pdf
def test_an_overlong_brief_prints_to_one_a4_page_with_its_cut_notes() -> None:
    data = render(overlong_document(), "pdf")
    pages = pdf_pages(data)
    assert len(pages) == 1 and a4(data)
    text = squash(pages[0])
    assert "Not shown:" in text and f"actors: {20 - BUDGETS.actors} of 20 not shown" in text


@pytest.mark.pdf
def test_a_grounded_brief_prints_to_one_page_with_its_marks(sample: BriefDocument) -> None:
    doc = with_grounding(sample, {"actors[3]": "not_found"})
    pages = pdf_pages(render(doc, "pdf"))
    assert len(pages) == 1
    assert "unverified" in pages[0] and "quotes found" in squash(pages[0])


# The words German writes as one: budget-sized texts of them cannot fill lines well, so
# no layout fits them on one page.
COMPOUNDS = [
    "Flüchtlingsunterkünfte",
    "Waffenstillstandsabkommen",
    "Versorgungsengpässe",
    "Hilfsorganisationen",
    "Regierungstruppen",
    "Evakuierungskorridor",
]


@pytest.mark.pdf
def test_a_brief_no_layout_fits_is_cut_further_to_one_page() -> None:
    data = render(overlong_document(COMPOUNDS), "pdf")
    pages = pdf_pages(data)
    assert len(pages) == 1 and a4(data)
    text = squash(pages[0])
    assert re.search(r"Not shown: to fit one A4 page, every budget cut to \d+%", text)


class FakeHTML:
    """Stands in for weasyprint.HTML: records the pages asked for; `fits` says which
    HTML fits one page."""

    seen: list[str] = []
    fits: Any = staticmethod(lambda html: False)

    def __init__(self, string: str) -> None:
        self.html = string
        FakeHTML.seen.append(string)

    def render(self) -> SimpleNamespace:
        # Pages without boxes: nothing to measure, so no step is predicted to fit.
        page = SimpleNamespace(_page_box=SimpleNamespace(element=None, element_tag=None))
        pages = [page] if FakeHTML.fits(self.html) else [page, page]
        return SimpleNamespace(pages=pages, write_pdf=lambda: f"%PDF {self.html}".encode())


@pytest.fixture
def fake_weasyprint(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """FakeHTML in place of WeasyPrint; the list counts the briefs budgeted."""
    budgeted: list[int] = []

    def counting(*args: Any) -> Any:
        budgeted.append(1)
        return enforce_budgets(*args)

    FakeHTML.seen = []
    monkeypatch.setattr(briefing.render.pdf, "_weasyprint_html", lambda: FakeHTML)
    monkeypatch.setattr(briefing.render.view, "enforce_budgets", counting)
    return budgeted


def test_a_pdf_that_never_fits_is_refused_not_returned_on_two_pages(
    fake_weasyprint: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FakeHTML, "fits", staticmethod(lambda html: False))
    with pytest.raises(OutputError, match="does not fit one A4 page") as exc:
        render(overlong_document(), "pdf")
    one_line(exc)
    # The most legible and the most compact layout were tried from one budgeted view
    # (neither fits, so none between them can), then every cut.
    assert len(FakeHTML.seen) == 2 + len(CUT_STEPS)
    assert len(fake_weasyprint) == 1 + len(CUT_STEPS)


def test_a_pdf_is_cut_in_steps_until_it_fits_and_says_so(
    fake_weasyprint: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    second = f"every budget cut to {CUT_STEPS[1]:.0%}"
    monkeypatch.setattr(FakeHTML, "fits", staticmethod(lambda html: second in html))
    data = render(overlong_document(), "pdf").decode()
    assert f"<b>Not shown:</b> to fit one A4 page, {second}; " in data
    actors = int(BUDGETS.actors * CUT_STEPS[1])
    assert f"actors: {20 - actors} of 20 not shown (budget {actors})" in data
    assert len(FakeHTML.seen) == 2 + 2
    assert len(fake_weasyprint) == 1 + 2


def test_a_pdf_that_fits_is_budgeted_once(
    sample: BriefDocument, fake_weasyprint: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The default layout and the more compact ones fit, the wide ones do not: the most
    # legible that fits is chosen, every layout from the same view.
    monkeypatch.setattr(
        FakeHTML, "fits", staticmethod(lambda html: 'class="wide' not in html.split("<body")[1])
    )
    data = render(sample, "pdf").decode()
    assert "<body>" in data and "every budget cut" not in data
    assert len(FakeHTML.seen) >= 2 and len(fake_weasyprint) == 1


# --- the header's status line ---------------------------------------------------------------


def as_model_output(
    doc: BriefDocument, origin: str = "model output", engine: str = "llm"
) -> BriefDocument:
    meta = doc.metadata.model_copy(
        update={"engine": engine, "origin": origin, "model": "qwen-1.5b", "prompt_version": "v2"}
    )
    return doc.model_copy(update={"metadata": meta})


def status_of(page: str) -> str:
    """The status line of a Markdown or HTML page, tags and escapes removed."""
    from html import unescape

    [line] = [squash(x) for x in page.splitlines() if "Status:" in x]
    return unescape(re.sub(r"<[^>]+>|\*\*|\\", "", line))


def test_the_status_line_names_engine_model_prompt_and_both_rates(sample: BriefDocument) -> None:
    doc = with_grounding(as_model_output(sample), {"actors[3]": "fuzzy"})
    assert doc.grounding is not None
    total, figures = len(doc.grounding.quotes), len(doc.grounding.figures)
    expected = (
        f"Status: LLM engine · model qwen-1.5b · prompt v2 · quotes found {total}/{total} "
        f"(100%), 1 approximately · figures found {figures}/{figures}"
    )
    assert status_of(md_of(doc)) == expected
    assert status_of(html_of(doc)) == expected
    assert "Engine:" not in html_of(doc) and "Evidence check" not in md_of(doc)


def test_the_status_line_says_who_wrote_a_brief_that_no_model_wrote(
    sample: BriefDocument,
) -> None:
    assert status_of(md_of(sample)) == (
        "Status: hand-written reference · evidence not checked against the article"
    )
    extractive = as_model_output(sample, "extractive engine", engine="extractive")
    extractive.metadata.model = extractive.metadata.prompt_version = None
    assert status_of(html_of(extractive)).startswith("Status: offline extractive engine · ")
    replayed = as_model_output(
        sample, "hand-written reference response replayed from a cassette (not model output)"
    )
    assert status_of(md_of(replayed)).startswith(
        "Status: LLM engine · hand-written reference · prompt v2 · "
    )
    assert "qwen-1.5b" not in status_of(md_of(replayed))


@pytest.mark.pdf
def test_the_pdf_shows_the_status_line_and_the_weak_grounding_banner(
    sample: BriefDocument,
) -> None:
    # Every quote of the actors not found: grounding below the weak threshold.
    doc = with_grounding(
        as_model_output(sample),
        {path: "not_found" for path, _ in iter_evidence(sample.brief) if path != "situation"},
    )
    text = squash(pdf_pages(render(doc, "pdf"))[0])
    found = len(sample.brief.situation.evidence)
    assert f"Status: LLM engine · model qwen-1.5b · prompt v2 · quotes found {found}/" in text
    assert "Weak grounding:" in text
    # The banner comes before the brief's own text, right under the header.
    assert text.index("Weak grounding:") < text.index(squash(sample.brief.situation.summary)[:40])


# --- PDF: the page is filled before anything is cut -----------------------------------------


def weasy_pages(html: str) -> Any:
    from weasyprint import HTML

    return HTML(string=html).render().pages


def used_share(page: Any) -> float:
    """How much of the page's content height its boxes reach down to."""
    from briefing.render.pdf import _boxes

    box = page._page_box
    top = box.content_box_y()
    bottom = max(b.position_y + b.margin_height() for b in _boxes(box) if b is not box)
    return (bottom - top) / box.height


@pytest.mark.pdf
def test_a_brief_with_room_prints_every_quote_in_full() -> None:
    # Its two longest quotes were printed to 200 characters on a page a third empty.
    doc = load_document(EXAMPLES / "kessara-floods-wire.brief.json")
    view = briefing.render.view.build_view(doc)
    assert max(len(r.display) for r in view.refs) > 200
    text = squash(pdf_pages(render(doc, "pdf"))[0])
    assert "printed to their first" not in text
    for ref in view.refs:
        assert squash(ref.display) in text, ref.display


@pytest.mark.pdf
def test_quotes_are_shortened_only_as_far_as_the_page_needs() -> None:
    from briefing.render.html import page_html
    from briefing.render.pdf import fit_steps

    # 26 quotes beside a full body: printed to 46 characters with a quarter of the page
    # empty before the page was filled by measure.
    doc = load_document(EXAMPLES / "dalmar-corridor-report.brief.json")
    view = briefing.render.view.build_view(doc)
    text = squash(pdf_pages(render(doc, "pdf"))[0])
    [(count, chars)] = re.findall(r"(\d+) quotes printed to their first (\d+) characters", text)
    cap = int(chars)
    assert cap > 2 * BUDGETS.quote_chars
    # The note counts exactly the quotes cut; every other quote is printed whole.
    longer = [r for r in view.refs if len(r.display) > cap]
    assert int(count) == len(longer) > 0
    for ref in view.refs:
        if len(ref.display) <= cap:
            assert squash(ref.display) in text
    # The chosen page fills its sheet, and the next more generous step would not fit.
    steps = fit_steps(view, BUDGETS.quote_chars)
    chosen = next(i for i, (layout, c) in enumerate(steps) if c == cap)
    assert len(weasy_pages(page_html(view.with_quote_chars(cap), steps[chosen][0]))) == 1
    layout, before = steps[chosen - 1]
    assert len(weasy_pages(page_html(view.with_quote_chars(before), layout))) == 2
    [page] = weasy_pages(page_html(view.with_quote_chars(cap), steps[chosen][0]))
    assert used_share(page) > 0.9


def test_markdown_prints_every_quote_in_full() -> None:
    doc = overlong_document()
    md = md_of(doc)
    view = briefing.render.view.build_view(doc)
    assert any(len(r.display) > 2 * BUDGETS.quote_chars for r in view.refs)
    for ref in view.refs:
        assert f"“{ref.display}”" in md
    assert "printed to their first" not in md


# --- PDF: sections do not split badly across columns ----------------------------------------


def laid_out(doc: BriefDocument, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The WeasyPrint document of `doc`'s PDF as printed (the step the fit chose)."""
    chosen: list[Any] = []

    def keep(document: Any) -> bytes:
        chosen.append(document)
        return b"%PDF"

    monkeypatch.setattr(briefing.render.pdf, "_pdf", keep)
    render(doc, "pdf")
    return chosen[-1]


def heading_and_first_item(document: Any) -> list[tuple[str, Any, Any, int, int]]:
    """(heading text, heading box, first box after it, their pages) for every heading
    of the body, where the first box after it is its first list item or paragraph."""
    from briefing.render.pdf import _boxes

    found = []
    flat = [
        (number, box)
        for number, page in enumerate(document.pages)
        for box in _boxes(page._page_box)
        if type(box).__name__ in ("BlockBox", "ListItemBox") and box.element is not None
    ]
    for i, (page, box) in enumerate(flat):
        if box.element_tag not in ("h2", "h3"):
            continue
        text = "".join(box.element.itertext()).strip()
        if text.startswith("Evidence") or any(h[0] == text for h in found):
            continue  # the evidence list's heading spans the page; a heading's inner boxes
        after = next(
            (p, b)
            for p, b in flat[i + 1 :]
            if b.element_tag in ("li", "p") and b.element is not box.element
        )
        found.append((text, box, after[1], page, after[0]))
    return found


@pytest.mark.pdf
@pytest.mark.parametrize(
    "name",
    [
        "aleppo-offensive.brief.json",
        "dalmar-corridor-report.brief.json",
        "kessara-floods-wire.brief.json",
        "tarsin-ceasefire.brief.json",
    ],
)
def test_no_heading_is_left_at_the_foot_of_a_column(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = laid_out(load_document(EXAMPLES / name), monkeypatch)
    pairs = heading_and_first_item(document)
    assert {"Key developments", "Actors", "Outlook"} <= {p[0] for p in pairs}
    for text, heading, first, heading_page, first_page in pairs:
        # Same page, same column (boxes in one column share its left edge, list items
        # sit indented within it), the item right below the heading.
        assert heading_page == first_page, text
        assert 0 <= first.position_x - heading.position_x < 20, text
        assert first.position_y >= heading.position_y + heading.height - 1, text
    # The figures print whole, in the column of their section's heading.
    from briefing.render.pdf import _boxes

    [(page, x)] = {
        (n, round(box.position_x))
        for n, page_box in enumerate(document.pages)
        for box in _boxes(page_box._page_box)
        if box.element_tag == "ul" and box.element.get("class") == "figures"
    }
    [(_, heading, _, heading_page, _)] = [p for p in pairs if p[0] == "Humanitarian impact"]
    assert (page, x) == (heading_page, round(heading.position_x))
