"""Labels printed beside brief items: a figure's unit after its value, a development's
place in brackets; each printed only when it adds something the text does not say."""

from __future__ import annotations

import pytest

from briefing.render.document import load_document
from briefing.render.environment import names_place, place_and_time, shown_unit
from briefing.render.formats import render
from briefing.schema import Development, Figure
from tests.render.test_render import SAMPLE_BRIEF


def figure(value: str, unit: str | None, counts: str = "delivered") -> Figure:
    return Figure(value=value, unit=unit, counts=counts, reported_by=None, evidence=["q"])


def printed(f: Figure) -> str:
    """The figure's bold part as the page prints it: value, then the unit if shown."""
    unit = shown_unit(f)
    return f"{f.value} {unit}" if unit else f.value


@pytest.mark.parametrize(
    ("value", "unit", "counts", "expected"),
    [
        # Real model output that printed the unit twice.
        ("520 tonnes", "tonnes", "of food aid delivered", "520 tonnes"),
        ("1,240 cases", "cases", "of cholera recorded", "1,240 cases"),
        ("31 trucks", "number", "crossed the border", "31 trucks"),
        # Singular and plural, case, currency symbols against codes, percent.
        ("1 tonne", "Tonnes", "delivered", "1 tonne"),
        ("12 Cities", "city", "affected", "12 Cities"),
        ("$10 million", "USD", "bounty", "$10 million"),
        ("10 million USD", "$", "bounty", "10 million USD"),
        ("€5m", "euros", "pledged", "€5m"),
        ("97%", "percent", "of wells contaminated", "97%"),
        ("23", "people", "people killed", "23"),
        # The unit is needed: the value is a bare number or a scale.
        ("520", "tonnes", "of food aid delivered", "520 tonnes"),
        ("1,240", "cases", "of cholera recorded", "1,240 cases"),
        ("2 million", "people", "displaced", "2 million people"),
        ("10 million", "USD", "bounty", "10 million USD"),
        ("about 8,500", "people", "displaced", "about 8,500 people"),
        ("40", "km", "of road cut", "40 km"),
        ("31", "number", "trucks crossed", "31"),  # "number" says nothing
        ("31 trucks", "people", "crossed", "31 trucks"),
        ("31 trucks", None, "crossed", "31 trucks"),
    ],
)
def test_a_unit_is_printed_only_when_the_value_lacks_it(
    value: str, unit: str | None, counts: str, expected: str
) -> None:
    assert printed(figure(value, unit, counts)) == expected


def test_pages_print_each_unit_once() -> None:
    doc = load_document(SAMPLE_BRIEF)
    brief = doc.brief.model_copy(deep=True)
    brief.humanitarian.figures[0] = figure("520 tonnes", "tonnes", "of food aid delivered")
    brief.humanitarian.figures[1] = figure("520", "tonnes", "of seed delivered")
    page_doc = doc.model_copy(update={"brief": brief})
    md = render(page_doc, "md").decode()
    html = render(page_doc, "html").decode()
    assert "**520 tonnes** of food aid delivered" in md and "tonnes tonnes" not in md
    assert "**520 tonnes** of seed delivered" in md
    assert '<b class="figure">520 tonnes</b> of food aid' in html and "tonnes tonnes" not in html


def development(what: str, where: str | None, when: str | None = None) -> Development:
    return Development(what=what, where=where, when=when, evidence=["q"])


@pytest.mark.parametrize(
    ("what", "where", "when", "expected"),
    [
        ("Rebels seized Aleppo.", "Aleppo", None, ""),
        ("Rebels seized ALEPPO.", "aleppo", "Friday", "Friday"),
        ("Shelling hit Alèp overnight.", "Alep", None, ""),  # accents ignored
        ("Shelling hit Alep overnight.", "Alèp", None, ""),
        ("Fighting spread across Aleppo province.", "Aleppo", None, ""),  # a longer name
        ("Aleppo’s airport closed.", "Aleppo", None, ""),
        ("The army pulled back east of Ostra.", "east of Ostra", None, ""),
        # Not named as a word of its own: the place is printed.
        ("Aid reached Halvirna.", "Halvi", None, "Halvi"),
        ("The army pulled back.", "Ostra", "1 October", "Ostra, 1 October"),
        ("Convoys stopped.", None, "Friday", "Friday"),
        ("Convoys stopped.", None, None, ""),
    ],
)
def test_a_place_the_text_names_is_not_repeated_in_brackets(
    what: str, where: str | None, when: str | None, expected: str
) -> None:
    assert place_and_time(development(what, where, when)) == expected


def test_place_matching_is_on_word_boundaries() -> None:
    assert names_place("Turkish forces advanced", "Turk") is False
    assert names_place("They reached São Tomé", "sao tome") is True


def test_pages_do_not_repeat_the_place() -> None:
    doc = load_document(SAMPLE_BRIEF)
    brief = doc.brief.model_copy(deep=True)
    brief.situation.key_developments[0] = development("Rebels entered Aleppo.", "Aleppo", "Friday")
    page_doc = doc.model_copy(update={"brief": brief})
    md = render(page_doc, "md").decode()
    html = render(page_doc, "html").decode()
    assert "Rebels entered Aleppo. (Friday)" in md and "(Aleppo" not in md
    assert 'Rebels entered Aleppo. <span class="when">(Friday)</span>' in html
