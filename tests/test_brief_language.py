"""--brief-language: setting, prompt variable, metadata; the page's languages."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from briefing import prompts
from briefing.config import resolve_settings
from briefing.errors import ConfigError
from briefing.ingest.article import load_article
from briefing.pipeline import GenerateOptions, generate_brief
from briefing.render.html import render_html
from briefing.render.view import Ref, build_view
from briefing.resources import data_dir
from briefing.schema import BriefDocument
from tests.fixtures import CASSETTES, LANGUAGE_ARTICLES, SAMPLE, tiny_brief

ARABIC = LANGUAGE_ARTICLES / "ar-wadi-floods.txt"


def test_brief_language_resolves_from_flag_environment_and_config(tmp_path: Path) -> None:
    assert resolve_settings(env={}).brief_language == "English"
    assert resolve_settings(env={"BRIEFING_BRIEF_LANGUAGE": "fr"}).brief_language == "fr"
    config = tmp_path / "c.toml"
    config.write_text('brief_language = "Spanish"\nlanguage_detector = "lingua"\n')
    settings = resolve_settings(env={"BRIEFING_CONFIG": str(config)})
    assert (settings.brief_language, settings.language_detector) == ("Spanish", "lingua")
    flagged = resolve_settings({"brief_language": "ar"}, env={"BRIEFING_CONFIG": str(config)})
    assert flagged.brief_language == "ar"
    with pytest.raises(ConfigError, match="brief_language"):
        resolve_settings({"brief_language": "fr; rm -rf /"}, env={})


def test_templates_get_brief_language_and_those_without_it_render_as_before(
    tmp_path: Path,
) -> None:
    v2 = prompts.load_version("v2")
    args = {"title": "t", "text": "x", "chunk_index": 0, "chunk_count": 1}
    assert prompts.extraction_messages(v2, **args) == prompts.extraction_messages(
        v2, **args, brief_language="French"
    )
    assert not prompts.uses_variable(v2, "brief_language")
    root = tmp_path / "prompts"
    shutil.copytree(data_dir("prompts"), root)
    draft = prompts.new_version("v9", "v2", root)
    (draft.path / "system.j2").write_text(
        "Write the brief in {{ brief_language }}; quote the article verbatim.\n", encoding="utf-8"
    )
    draft = prompts.load_version("v9", root)
    assert prompts.uses_variable(draft, "brief_language")
    system, _ = prompts.extraction_messages(draft, **args, brief_language="French")
    assert system["content"].startswith("Write the brief in French;")
    system, _ = prompts.merge_messages(draft, title="t", partials=[], brief_language="Arabic")
    assert "in Arabic;" in system["content"]


def test_a_prompt_without_brief_language_says_the_brief_stays_english() -> None:
    notices: list[str] = []
    settings = resolve_settings({"brief_language": "fr"}, env={})
    doc = generate_brief(
        load_article(str(SAMPLE)),
        settings,
        GenerateOptions(
            engine="llm",
            prompt_version="v2",
            cassette=CASSETTES / "aleppo-offensive.v2.json",
            record_mode="replay",
            notify=notices.append,
        ),
    )
    assert any("does not take a brief language" in n and "French" in n for n in notices)
    assert (doc.metadata.brief_language, doc.metadata.language) == ("en", "en")


def test_the_extractive_engine_says_it_quotes_the_article_in_its_language() -> None:
    notices: list[str] = []
    settings = resolve_settings({"brief_language": "en"}, env={})
    doc = generate_brief(
        load_article(str(LANGUAGE_ARTICLES / "fr-kivane-cholera.txt")),
        settings,
        GenerateOptions(engine="extractive", notify=notices.append),
    )
    assert doc.metadata.brief_language == "fr" and doc.metadata.language_detector == "builtin"
    settings = resolve_settings({"brief_language": "es"}, env={})
    generate_brief(
        load_article(str(LANGUAGE_ARTICLES / "fr-kivane-cholera.txt")),
        settings,
        GenerateOptions(engine="extractive", notify=notices.append),
    )
    assert any("its brief is in French, not Spanish" in n for n in notices)


# --- the page --------------------------------------------------------------------------


def _arabic_doc() -> BriefDocument:
    return generate_brief(load_article(str(ARABIC)), options=GenerateOptions(engine="extractive"))


def test_an_arabic_brief_is_a_right_to_left_page_with_arabic_quote_marks() -> None:
    html = render_html(_arabic_doc())
    assert '<html lang="ar" dir="rtl">' in html
    assert re.search(r"<li id=\"ev1\" value=\"1\"[^>]*>«", html)
    assert "“" not in html.split('class="evidence"')[1]


def test_an_english_brief_of_an_arabic_article_marks_its_quotes_arabic() -> None:
    doc = _arabic_doc()
    doc.metadata.brief_language = "en"
    html = render_html(doc)
    assert '<html lang="en" dir="ltr">' in html
    assert '<li id="ev1" value="1" lang="ar" dir="rtl"' in html
    assert "verbatim from the article, in Arabic" in html and "Quotes in Arabic" in html


def test_quote_marks_of_a_quoted_quote_are_not_doubled() -> None:
    assert Ref(1, "“Our teams cannot reach the south.”", None).display == (
        "Our teams cannot reach the south."
    )
    assert Ref(1, "He said “no” twice", None).display == "He said “no” twice"
    doc = BriefDocument.model_validate(
        {"metadata": {"engine": "extractive", "origin": "test"}, "brief": tiny_brief().model_dump()}
    )
    assert build_view(doc).languages.open_quote == "“"


@pytest.mark.pdf
def test_the_arabic_pdf_is_one_page_with_its_text_in_reading_order() -> None:
    pytest.importorskip("weasyprint", reason="PDF output needs WeasyPrint (.ci/run installs it)")
    import io

    from pypdf import PdfReader

    from briefing.render.pdf import render_pdf

    reader = PdfReader(io.BytesIO(render_pdf(_arabic_doc())))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    # Logical order survives: the headline's words come in the order they are written.
    assert "فيضانات في وادي السدر" in text
    assert "الهلال الأحمر" in text
