"""Rendering: the sample brief, numbered evidence, grounding marks, cut notes, one A4 page,
loading errors and atomic writes."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from briefing.budgets import BUDGETS, enforce_budgets
from briefing.errors import BriefValidationError, InputError, OutputError
from briefing.render import (
    HAND_WRITTEN_LABEL,
    format_for_path,
    load_document,
    render,
    write_output,
)
from briefing.schema import (
    BriefDocument,
    iter_evidence,
)
from tests.builders import overlong_document, with_grounding
from tests.conftest import EXAMPLES, ROOT, SAMPLE

DATA = Path(__file__).parent / "data" / "render"
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
    assert f'<span class="screen-only">{first_quote}</span>' in html
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
    assert f"Evidence check: {total - 1} of {total} quotes found in the article" in html
    md = md_of(doc)
    assert "Turkish-backed Syrian rebels" in md and "**⚠ unverified**" in md
    assert "**⚠ not found in the article**" in md


def test_without_grounding_there_are_no_marks(sample: BriefDocument) -> None:
    html = html_of(sample)
    assert "⚠" not in html and 'class="unverified"' not in html
    assert "Evidence check" not in html


# --- budgets on the page --------------------------------------------------------------------


def test_an_overlong_brief_is_cut_and_the_page_says_what_was_cut() -> None:
    doc = overlong_document()
    html, md = html_of(doc), md_of(doc)
    for page in (html, md):
        assert "Not shown:" in page
        assert f"actors: {20 - BUDGETS.actors} of 20 not shown (budget {BUDGETS.actors})" in page
        assert "strict grounding removed 2 unverified items" in page
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
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(BriefValidationError, match="not UTF-8"):
        load_document(binary)
    future = tmp_path / "future.json"
    future.write_text('{"schema_version": "2", "metadata": {}, "brief": {}}', encoding="utf-8")
    with pytest.raises(BriefValidationError, match="schema_version '2' is not supported"):
        load_document(future)


def test_write_output_writes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "brief.md"
    write_output(b"first", target)
    write_output(b"second", target)
    assert target.read_bytes() == b"second"
    assert os.listdir(tmp_path) == ["brief.md"]


def test_write_output_refuses_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist") as exc:
        write_output(b"data", tmp_path / "nowhere" / "brief.pdf")
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
        write_output(b"new", target)
    assert os.listdir(tmp_path) == ["brief.pdf"]
    assert target.read_bytes() == b"old"


def test_a_directory_as_target_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="cannot write"):
        write_output(b"data", tmp_path)
    assert os.listdir(tmp_path) == []


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
        "import sys, briefing.render; "
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
    assert "unverified" in pages[0] and "Evidence check" in squash(pages[0])
