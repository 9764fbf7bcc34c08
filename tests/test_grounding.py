"""Grounding: quotes and figures located in the article, offsets, dropping, summary."""

from __future__ import annotations

from typing import Any

import pytest

from briefing.grounding import (
    drop_unverified,
    ground_brief,
    grounding_summary,
    locate_figure,
    locate_quote,
    strict_grounding,
)
from briefing.schema import (
    Actor,
    ActorKind,
    Brief,
    Claim,
    Development,
    Figure,
    FigureCheck,
    GroundingReport,
    HumanitarianImpact,
    Outlook,
    QuoteCheck,
    Risk,
    Situation,
)
from tests.fixtures import EXAMPLES


@pytest.fixture(scope="module")
def aleppo() -> str:
    # The raw file: curly quotes and apostrophes, blank lines, page chrome and all.
    return (EXAMPLES / "aleppo-offensive.txt").read_text(encoding="utf-8")


def make_brief(**overrides: Any) -> Brief:
    fields: dict[str, Any] = {
        "situation_evidence": ["Islamist rebels, long confined to a mountainous stronghold"],
        "developments": [],
        "actors": [],
        "humanitarian_evidence": ["The offensive has further strained Syria's humanitarian crisis"],
        "figures": [],
        "needs": [],
        "access": [],
        "outlook_evidence": ["the events in Aleppo signal a potential turning point"],
        "risks": [],
        "indicators": [],
    }
    fields.update(overrides)
    return Brief(
        situation=Situation(
            headline="Rebels take Aleppo",
            summary="HTS rebels took Aleppo.",
            evidence=fields["situation_evidence"],
            key_developments=fields["developments"],
        ),
        actors=fields["actors"],
        humanitarian=HumanitarianImpact(
            summary="Families lack shelter.",
            evidence=fields["humanitarian_evidence"],
            figures=fields["figures"],
            needs=fields["needs"],
            access_constraints=fields["access"],
        ),
        outlook=Outlook(
            summary="Could spread.",
            evidence=fields["outlook_evidence"],
            risks=fields["risks"],
            indicators=fields["indicators"],
        ),
        gaps=["Casualty numbers"],
    )


def actor(name: str, *evidence: str) -> Actor:
    return Actor(
        name=name, kind=ActorKind.ARMED_GROUP, role="r", aliases=[], evidence=list(evidence)
    )


def figure(value: str, *evidence: str, unit: str | None = None) -> Figure:
    return Figure(value=value, unit=unit, counts="c", reported_by=None, evidence=list(evidence))


# --- quotes: exact after normalisation, offsets into the original ----------------------


def test_straight_apostrophe_matches_curly_and_offsets_point_at_original(aleppo: str) -> None:
    check = locate_quote("Shaking Assad's Grip on Power", aleppo)
    assert check.status == "exact"
    assert check.score == 100.0
    assert check.start == aleppo.index("Shaking Assad\u2019s Grip")
    assert aleppo[check.start : check.end] == "Shaking Assad\u2019s Grip on Power"


def test_straight_double_quotes_match_curly(aleppo: str) -> None:
    check = locate_quote('retreat as a "redeployment operation" aimed at preserving lives', aleppo)
    assert check.status == "exact"
    assert check.start is not None and check.end is not None
    assert aleppo[check.start : check.end] == (
        "retreat as a \u201credeployment operation\u201d aimed at preserving lives"
    )


def test_curly_quote_in_quote_matches_straight_text() -> None:
    text = 'He said "we will stay here" and left.'
    check = locate_quote("said \u201cwe will stay here\u201d and left", text)
    assert (check.status, check.start, check.end) == ("exact", 3, 36)


def test_dashes_and_spaces_around_them_are_typographic() -> None:
    text = "The corridor \u2014 a strip of farmland \u2013 links the port."
    check = locate_quote("The corridor - a strip of farmland-links the port", text)
    assert check.status == "exact"
    assert (check.start, check.end) == (0, len(text) - 1)


def test_double_hyphen_matches_a_dash() -> None:
    text = "The town fell \u2014 again \u2014 on Sunday."
    check = locate_quote("The town fell -- again -- on Sunday", text)
    assert (check.status, check.start, check.end) == ("exact", 0, len(text) - 1)


def test_whitespace_and_newlines_collapse(aleppo: str) -> None:
    check = locate_quote("Syrian   forces\nwithdrew from\tseveral key positions", aleppo)
    assert check.status == "exact"
    assert check.start is not None and check.end is not None
    assert aleppo[check.start : check.end] == "Syrian forces withdrew from several key positions"


def test_original_offsets_survive_nbsp_and_line_breaks() -> None:
    text = "Intro.\n\nAid  agencies\u00a0said\nwater is\u2026 running out."
    check = locate_quote("agencies said water is... running out", text)
    assert check.status == "exact"
    assert check.start == text.index("agencies")
    assert text[check.start : check.end] == "agencies\u00a0said\nwater is\u2026 running out"


def test_quote_with_surrounding_marks_and_final_period_is_exact(aleppo: str) -> None:
    check = locate_quote("\u201cNo one expected Aleppo to fall this quickly.\u201d", aleppo)
    assert check.status == "exact"
    assert check.start is not None and check.end is not None
    assert aleppo[check.start : check.end] == "No one expected Aleppo to fall this quickly"


def test_exact_matches_sit_on_word_boundaries(aleppo: str) -> None:
    # Regression: substrings of longer words ("Turkish", "rebels") used to be exact.
    assert locate_quote("Turk", aleppo).status == "not_found"
    assert locate_quote("ebels", aleppo).status == "not_found"
    assert locate_quote("Iran", aleppo).status == "exact"  # "Iran\u2019s": a whole word
    check = locate_quote("Turkish", aleppo)
    assert check.status == "exact"
    assert check.start is not None and aleppo[check.start : check.end] == "Turkish"
    text = "In 2016 the army left; the 20 trucks came later."
    check = locate_quote("20", text)
    assert (check.status, check.start) == ("exact", text.index("20 trucks"))


def test_word_boundaries_apply_only_at_letter_or_digit_edges() -> None:
    text = "Hayat Tahrir al-Sham (HTS)-led forces began a so-called redeployment operation."
    assert locate_quote("Tahrir al-Sham (HT", text).status == "not_found"  # ends mid-word
    # A quote ending with ")" or starting with "-" is bounded by that punctuation.
    check = locate_quote("Tahrir al-Sham (HTS)", text)
    assert (check.status, check.end) == ("exact", text.index("-led"))
    check = locate_quote("-called redeployment operation", text)
    assert (check.status, check.start) == ("exact", text.index("-called"))


def test_a_long_quote_cut_mid_word_is_fuzzy_over_whole_words(aleppo: str) -> None:
    check = locate_quote("slamist rebels, long confined to a mountainous stronghold", aleppo)
    assert check.status == "fuzzy"
    assert 90.0 <= check.score < 100.0
    assert check.start is not None and check.end is not None
    assert aleppo[check.start : check.end] == (
        "Islamist rebels, long confined to a mountainous stronghold"
    )


def test_unicode_composed_and_decomposed_forms_match() -> None:
    nfd = "Mayor Jose\u0301 Lo\u0301pez said the bridge at Gu\u0308ney was shelled."
    check = locate_quote("L\u00f3pez", nfd)  # composed quote, decomposed article
    assert check.status == "exact"
    assert (check.start, check.end) == (nfd.index("Lo"), nfd.index(" said"))
    check = locate_quote("Jos\u00e9 L\u00f3pez said the bridge at G\u00fcney", nfd)
    assert check.status == "exact"
    assert check.start is not None and nfd[check.start : check.end] == nfd[6:-13]
    nfc = "Mayor Jos\u00e9 L\u00f3pez said the bridge was shelled."
    check = locate_quote("Lo\u0301pez said", nfc)  # decomposed quote, composed article
    assert (check.status, check.start, check.end) == ("exact", 11, 21)
    assert locate_quote("Jos", nfd).status == "not_found"  # "Jose\u0301" is one word


# --- quotes: fuzzy and not found -------------------------------------------------------


def test_one_changed_word_is_fuzzy(aleppo: str) -> None:
    check = locate_quote(
        "Rebels also seized a critical military base to the north and the strategic town",
        aleppo,
    )
    assert check.status == "fuzzy"
    assert 90.0 <= check.score < 100.0
    assert check.start is not None and check.end is not None
    assert aleppo[check.start : check.end] == (
        "Rebels also seized a critical military base to the south and the strategic town"
    )


def test_case_only_difference_is_fuzzy_not_exact(aleppo: str) -> None:
    check = locate_quote("no one expected aleppo to fall this quickly", aleppo)
    assert check.status == "fuzzy"
    assert check.score == 99.0
    assert check.start is not None and check.end is not None
    assert aleppo[check.start : check.end] == "No one expected Aleppo to fall this quickly"


def test_all_capitals_quote_is_a_case_insensitive_match() -> None:
    # Regression: rapidfuzz compares case-sensitively, so this was not_found.
    text = "Officials said on Sunday that the army withdrew from the city overnight."
    check = locate_quote("THE ARMY WITHDREW FROM THE CITY", text)
    assert (check.status, check.score) == ("fuzzy", 99.0)
    assert check.start is not None and check.end is not None
    assert text[check.start : check.end] == "the army withdrew from the city"
    # Short quotes still need the exact case; word boundaries still apply.
    assert locate_quote("THE ARMY LEFT", text).status == "not_found"
    assert locate_quote("ARMY WITHDREW", text).status == "not_found"
    # Cut mid-word: no word-bounded match ignoring case, and fuzzy matching keeps case.
    assert locate_quote("HE ARMY WITHDREW FROM THE CIT", text).status == "not_found"


def test_threshold_is_respected(aleppo: str) -> None:
    quote = "Rebels also seized a critical military base to the north and the strategic town"
    assert locate_quote(quote, aleppo, fuzzy_threshold=99.0).status == "not_found"
    with pytest.raises(ValueError, match="fuzzy_threshold"):
        locate_quote(quote, aleppo, fuzzy_threshold=0)


def test_invented_sentence_is_not_found(aleppo: str) -> None:
    check = locate_quote(
        "Government troops recaptured the citadel after a night of fighting", aleppo
    )
    assert (check.status, check.start, check.end, check.score) == ("not_found", None, None, 0.0)


def test_short_quotes_need_an_exact_match(aleppo: str) -> None:
    # Each is one edit away from text in the article; short strings must not fuzzy-match.
    assert locate_quote("Assad fled", aleppo).status == "not_found"
    assert locate_quote("Aleppo Todays", aleppo).status == "not_found"
    assert locate_quote("aleppo today", aleppo).status == "not_found"
    assert locate_quote("Aleppo Today", aleppo).status == "exact"


def test_empty_and_punctuation_only_quotes_are_not_found(aleppo: str) -> None:
    assert locate_quote("", aleppo).status == "not_found"
    assert locate_quote("  \u201c\u201d ... ", aleppo).status == "not_found"


# --- quotes: ellipsis-joined ----------------------------------------------------------


def test_ellipsis_joined_parts_are_exact_and_span_both(aleppo: str) -> None:
    check = locate_quote("Islamist rebels \u2026 have stormed into Aleppo", aleppo)
    assert check.status == "exact"
    assert check.start is not None and check.end is not None
    assert aleppo[check.start : check.end] == (
        "Islamist rebels, long confined to a mountainous stronghold in Syria, "
        "have stormed into Aleppo"
    )


def test_ellipsis_brackets_and_fuzzy_part(aleppo: str) -> None:
    check = locate_quote(
        "Thousands of families in Idlib face freezing wintry conditions [...] said Sudipta Kumar",
        aleppo,
    )
    assert check.status == "fuzzy"
    assert 90.0 <= check.score < 100.0
    assert check.start == aleppo.index("Thousands of families")
    assert check.end == aleppo.index(" of ActionAid")


def test_ellipsis_parts_out_of_order_or_invented_are_not_found(aleppo: str) -> None:
    assert locate_quote("have stormed into Aleppo ... Islamist rebels", aleppo).status == (
        "not_found"
    )
    assert locate_quote("Islamist rebels ... were pushed back from Hama", aleppo).status == (
        "not_found"
    )


def test_ellipsis_in_the_article_itself_matches_whole_quote() -> None:
    text = "She paused. 'We waited... and waited for the trucks,' she said."
    check = locate_quote("We waited... and waited for the trucks", text)
    assert (check.status, check.start) == ("exact", text.index("We waited"))
    assert check.end == text.index(",'")


FILLER = " ".join(f"Sentence {i} says nothing about the convoy." for i in range(12))  # ~480


def test_ellipsis_parts_must_be_close(aleppo: str) -> None:
    # Regression: parts 3,460 characters apart (first and last paragraph) were exact.
    far = "The swift offensive, which began only days ago ... inspire broader resistance"
    assert locate_quote(far, aleppo).status == "not_found"
    text = f"Aid convoys reached the northern district on Monday. {FILLER} The road closed."
    quote = "Aid convoys reached the northern district ... The road closed"
    assert locate_quote(quote, text).status == "not_found"  # same paragraph, 480 apart
    text = f"Aid convoys reached the northern district on Monday. {FILLER[:280]} The road closed."
    check = locate_quote(quote, text)
    assert (check.status, check.start, check.end) == ("exact", 0, len(text) - 1)


def test_ellipsis_parts_must_be_in_one_paragraph() -> None:
    text = "Aid convoys reached the northern district on Monday.\n\nThe road was then closed."
    quote = "Aid convoys reached the northern district ... The road was then closed"
    assert locate_quote(quote, text).status == "not_found"
    check = locate_quote(quote, text.replace("\n\n", "\n"))  # one paragraph, two lines
    assert (check.status, check.start) == ("exact", 0)


def test_ellipsis_tries_every_occurrence_of_a_part() -> None:
    # The first "Aid convoys reached the district" is too far from the second part.
    text = (
        f"Aid convoys reached the district in May. {FILLER} "
        "Aid convoys reached the district again. Then the road was closed by the army."
    )
    check = locate_quote("Aid convoys reached the district ... the road was closed", text)
    assert check.status == "exact"
    assert (check.start, check.end) == (text.rindex("Aid convoys"), text.index(" by the army"))


def test_ellipsis_short_parts(aleppo: str) -> None:
    # Regression: two short fragments from the first and last paragraphs were exact.
    assert locate_quote("The swift ... in sight", aleppo).status == "not_found"
    # All parts short: nothing to vouch for the quote, even when the parts are adjacent.
    assert locate_quote("Islamist rebels ... long confined", aleppo).status == "not_found"
    # One full-size part anchors a short one, which must match exactly and nearby.
    check = locate_quote("Islamist rebels ... have stormed into Aleppo", aleppo)
    assert (check.status, check.start) == ("exact", aleppo.index("Islamist rebels"))
    assert locate_quote("islamist rebels ... have stormed into Aleppo", aleppo).status == (
        "not_found"
    )
    check = locate_quote("ISLAMIST REBELS, LONG CONFINED ... have stormed into Aleppo", aleppo)
    assert (check.status, check.score) == ("fuzzy", 99.0)
    assert locate_quote("Islamist ... rebels", aleppo).status == "not_found"


# --- the brief -------------------------------------------------------------------------


def test_ground_brief_paths_and_empty_evidence(aleppo: str) -> None:
    brief = make_brief(
        actors=[
            actor("HTS", "Hayat Tahrir al-Sham (HTS)", "They stormed the Kremlin at dawn"),
            actor("Nobody"),
        ],
        figures=[figure("$10 million", "Jolani, who carries a $10 million U.S. bounty")],
    )
    report = ground_brief(brief, aleppo)
    by_path = {q.path: q for q in report.quotes}
    assert list(by_path) == [
        "situation.evidence[0]",
        "actors[0].evidence[0]",
        "actors[0].evidence[1]",
        "actors[1].evidence",
        "humanitarian.evidence[0]",
        "humanitarian.figures[0].evidence[0]",
        "outlook.evidence[0]",
    ]
    assert by_path["actors[0].evidence[1]"].status == "not_found"
    assert by_path["actors[1].evidence"] == QuoteCheck(
        path="actors[1].evidence", quote="", status="not_found"
    )
    assert by_path["humanitarian.evidence[0]"].status == "exact"  # ' vs ’
    assert report.verified == 5
    assert report.rate == pytest.approx(5 / 7)
    assert report.figures == [
        FigureCheck(
            path="humanitarian.figures[0]", value="$10 million", found=True, matched="$10 million"
        )
    ]


def test_rate_arithmetic() -> None:
    def q(status: str) -> QuoteCheck:
        return QuoteCheck.model_validate({"path": "p", "quote": "x", "status": status})

    report = GroundingReport(quotes=[q("exact")] * 6 + [q("fuzzy")] * 2 + [q("not_found")] * 2)
    assert report.verified == 8
    assert report.rate == 0.8
    assert GroundingReport().rate == 1.0


def test_summary_line(aleppo: str) -> None:
    brief = make_brief(
        actors=[actor("HTS", "Hayat Tahrir al-Sham (HTS)"), actor("Nobody")],
        developments=[
            Development(
                what="w",
                where=None,
                when=None,
                evidence=["Rebels also seized a critical military base to the north"],
            )
        ],
        figures=[figure("$10 million", "$10 million U.S. bounty"), figure("4,000")],
    )
    report = ground_brief(brief, aleppo)
    assert grounding_summary(report) == (
        "grounding: 6/8 quotes verified (75.0%), 1 fuzzy, 2 not found "
        "(2 items without evidence); figures 1/2 found"
    )


# --- figures ---------------------------------------------------------------------------

FLOOD = (
    "Floods killed 23 people and forced about 8500 residents from their homes. "
    "Thousands of families slept outside. The dam is at 97% of capacity, and donors "
    "pledged 96 million US dollars; the governor asked for 1.5 billion. Some 3 200 "
    "people are in shelters, forty-one are missing, and tens of thousands lack water."
)


@pytest.mark.parametrize(
    ("value", "matched"),
    [
        ("8,500", "8500"),
        ("about 8,500", "8500"),
        ("thousands", "Thousands"),
        ("97 percent", "97%"),
        ("97%", "97%"),
        ("$96 million", "96 million"),
        ("US$1.5bn", "1.5 billion"),
        ("3,200", "3 200"),
        ("41", "forty-one"),
        ("twenty-three", "23"),
        ("tens of thousands", "tens of thousands"),
    ],
)
def test_figure_forms_match(value: str, matched: str) -> None:
    assert locate_figure(value, FLOOD) == FigureCheck(
        path="", value=value, found=True, matched=matched
    )


@pytest.mark.parametrize(
    "value",
    [
        "8,600",  # a number not in the text
        "850",  # a prefix of 8500 is not 8500
        "2",  # neither is a digit of 23
        "hundreds",  # a different vague amount
        "23 percent",  # the text has 23 people, not 23%
        "several",  # no number at all
    ],
)
def test_figure_not_found(value: str) -> None:
    assert locate_figure(value, FLOOD) == FigureCheck(
        path="", value=value, found=False, matched=None
    )


def test_figure_percent_unit_and_ranges() -> None:
    assert locate_figure("23", FLOOD, unit="percent").found is False
    assert locate_figure("97", FLOOD, unit="%").matched == "97%"
    text = "The group fields between 6,000 and 8,000 fighters."
    assert locate_figure("6,000-8,000", text).matched == "6,000 and 8,000"
    assert locate_figure("6,000-9,000", text).found is False


def test_figure_prefers_a_mention_inside_its_evidence() -> None:
    text = "In March 8,500 people fled. By May another 8500 had arrived at the camp."
    second = text.index("another")
    assert locate_figure("8500", text).matched == "8,500"
    assert locate_figure("8500", text, spans=[(second, second + 20)]).matched == "8500"


def test_figures_in_the_aleppo_article(aleppo: str) -> None:
    assert locate_figure("thousands", aleppo).matched == "Thousands"
    assert locate_figure("$10 million", aleppo).matched == "$10 million"
    assert locate_figure("10 million dollars", aleppo).matched == "$10 million"
    assert locate_figure("2016", aleppo).matched == "2016"
    assert locate_figure("hundreds", aleppo).found is False


def test_the_word_one_alone_is_not_the_number_one(aleppo: str) -> None:
    # Regression: "1" matched "one" in "No one expected Aleppo to fall".
    assert locate_figure("1", aleppo).found is False
    text = "One of the shelters and someone's house burned; no one was hurt."
    assert locate_figure("1", text).found is False
    assert locate_figure("one", text).found is False
    text = "One million people fled, one percent returned, 21 (twenty-one) died, 1 is missing."
    assert locate_figure("1 million", text).matched == "One million"
    assert locate_figure("1%", text).matched == "one percent"
    assert locate_figure("twenty-one", text).matched == "21"
    assert locate_figure("21", text).matched == "21"
    assert locate_figure("one", "Four died and 1 is missing.").matched == "1"  # value side


def test_a_grouped_figure_does_not_match_a_year(aleppo: str) -> None:
    # Regression: "2,016" matched the year in "seized Aleppo in 2016".
    assert locate_figure("2,016", aleppo).found is False
    assert locate_figure("2016", aleppo).matched == "2016"  # written alike: may be a year
    for year in (
        "in 2016",
        "since early 2016",
        "on 5 March 2016",
        "March 5, 2016",
        "mid-2016",
        "the 2016-17 winter",
        "2015-2016",
        "2016's siege",
    ):
        assert locate_figure("2,016", f"Homes were lost {year}.").found is False, year
    # Not a date context, or not year-like: thousands separators are optional.
    assert locate_figure("2,016", "Some 2016 people fled.").matched == "2016"
    assert locate_figure("2,000", "A total of 2000 people fled.").matched == "2000"
    assert locate_figure("8,500", "In 8500 homes the water was cut.").matched == "8500"
    assert locate_figure("2,000-3,000", "Some 2000-3000 fled.").matched == "2000-3000"
    assert locate_figure("8500", FLOOD).matched == "8500"


# --- dropping --------------------------------------------------------------------------


def test_drop_unverified_removes_exactly_the_unverified(aleppo: str) -> None:
    brief = make_brief(
        situation_evidence=[
            "Islamist rebels, long confined",
            "Assad fled to Moscow on Sunday night",
        ],
        developments=[
            Development(
                what="Airport closed",
                where=None,
                when=None,
                evidence=["Aleppo\u2019s civilian airport, which was subsequently closed"],
            ),
            Development(
                what="Homs fell",
                where=None,
                when=None,
                evidence=["Rebels captured Homs after a short battle"],
            ),
        ],
        actors=[
            actor("HTS", "Hayat Tahrir al-Sham (HTS)", "HTS executed prisoners in the main square"),
            actor("Foo Bar", "Foo Bar commands the northern front"),
            actor("No evidence"),
            actor("Sam Heller", "Sam Heller of the Century Foundation"),
        ],
        figures=[
            figure("$10 million", "who carries a $10 million U.S. bounty"),
            figure("4,000", "who carries a $10 million U.S. bounty"),
        ],
        needs=[Claim(text="Shelter", evidence=["face freezing winter conditions without shelter"])],
        access=[Claim(text="Roads cut", evidence=["All roads into Idlib were closed by the army"])],
        outlook_evidence=["Turkey will invade next week, officials said"],
        risks=[
            Risk(
                description="Airstrikes",
                likelihood=None,
                timeframe=None,
                evidence=["if Damascus and its allies launch heavy airstrikes"],
            )
        ],
        indicators=[
            Claim(text="Uprisings", evidence=["could inspire renewed uprisings across Syria"])
        ],
    )
    report = ground_brief(brief, aleppo)
    kept, dropped = drop_unverified(brief, report)

    assert dropped == [
        "situation.evidence[1] (Assad fled to Moscow on Sunday night): quote not found",
        "situation.key_developments[1] (Homs fell): no evidence found",
        "actors[0].evidence[1] (HTS executed prisoners in the main square): quote not found",
        "actors[1] (Foo Bar): no evidence found",
        "actors[2] (No evidence): no evidence found",
        "humanitarian.figures[1] (4,000 c): number not found in the article",
        "humanitarian.access_constraints[0] (Roads cut): no evidence found",
        "outlook.evidence[0] (Turkey will invade next week, officials said): quote not found",
    ]
    assert kept.situation.evidence == ["Islamist rebels, long confined"]
    assert [d.what for d in kept.situation.key_developments] == ["Airport closed"]
    assert [a.name for a in kept.actors] == ["HTS", "Sam Heller"]
    assert kept.actors[0].evidence == ["Hayat Tahrir al-Sham (HTS)"]
    assert [f.value for f in kept.humanitarian.figures] == ["$10 million"]
    assert [c.text for c in kept.humanitarian.needs] == ["Shelter"]
    assert kept.humanitarian.access_constraints == []
    assert kept.outlook.evidence == []
    assert kept.outlook.summary == "Could spread."
    assert [r.description for r in kept.outlook.risks] == ["Airstrikes"]
    assert [c.text for c in kept.outlook.indicators] == ["Uprisings"]
    assert brief.actors[1].name == "Foo Bar"  # the input is not modified

    again = ground_brief(kept, aleppo)
    assert [q.path for q in again.quotes if q.status == "not_found"] == ["outlook.evidence"]
    assert all(f.found for f in again.figures)


def test_drop_unverified_on_a_clean_brief_changes_nothing(aleppo: str) -> None:
    brief = make_brief(actors=[actor("HTS", "Hayat Tahrir al-Sham (HTS)")])
    kept, dropped = drop_unverified(brief, ground_brief(brief, aleppo))
    assert dropped == []
    assert kept == brief


def test_strict_grounding_reports_what_it_dropped(aleppo: str) -> None:
    brief = make_brief(actors=[actor("HTS", "Hayat Tahrir al-Sham (HTS)"), actor("Ghost", "boo")])
    kept, report = strict_grounding(brief, aleppo)
    assert [a.name for a in kept.actors] == ["HTS"]
    assert report.dropped == ["actors[1] (Ghost): no evidence found"]
    assert report.rate == 1.0
    assert grounding_summary(report).endswith("; 1 dropped")


# --- speed -----------------------------------------------------------------------------


def test_sixty_quotes_against_ten_thousand_words(aleppo: str) -> None:
    # Timing lives in benchmarks/bench_grounding.py; this checks the mixed outcome.
    base = aleppo.split("Leave a Reply")[0]
    paragraphs = [p for p in base.split("\n\n") if len(p.split()) > 12]
    text = "\n\n".join(f"Dispatch {i}. {p}" for i in range(25) for p in paragraphs)
    assert len(text.split()) >= 10_000
    evidence = []
    for i, p in enumerate(paragraphs * 5):
        words = p.split()
        quote = " ".join(words[2:14])
        if i % 3 == 1:  # a changed word forces fuzzy search
            quote = quote.replace(words[6], "banana", 1)
        elif i % 3 == 2:
            quote = f"an invented sentence number {i} about nothing in particular at all"
        evidence.append(quote)
    brief = make_brief(actors=[actor(f"A{i}", q) for i, q in enumerate(evidence[:60])])
    report = ground_brief(brief, text + " ")  # a fresh text: no cached normalisation
    expected = {f"actors[{i}].evidence[0]": (q, "exact") for i, q in enumerate(evidence[:60])}
    for i in range(1, 60, 3):  # a changed word
        expected[f"actors[{i}].evidence[0]"] = (evidence[i], "fuzzy")
    # Invented; and 25, 28, where "banana" replaced "humanitarian" / "mountainous", too
    # big a change for the threshold.
    for i in (*range(2, 60, 3), 25, 28):
        expected[f"actors[{i}].evidence[0]"] = (evidence[i], "not_found")
    assert {q.path: (q.quote, q.status) for q in report.quotes} == {
        "situation.evidence[0]": (brief.situation.evidence[0], "exact"),
        **expected,
        "humanitarian.evidence[0]": (brief.humanitarian.evidence[0], "exact"),
        "outlook.evidence[0]": (brief.outlook.evidence[0], "exact"),
    }
    assert len(report.quotes) == 63


def test_an_empty_section_makes_no_claim_and_is_not_counted() -> None:
    brief = make_brief()
    brief.humanitarian.summary = ""
    brief.humanitarian.evidence = []
    paths = [q.path for q in ground_brief(brief, "Some article text.").quotes]
    assert not any(p.startswith("humanitarian.evidence") for p in paths)
    brief.humanitarian.summary = "Thousands fled."  # a claim without evidence is unverified
    paths = [q.path for q in ground_brief(brief, "Some article text.").quotes]
    assert "humanitarian.evidence" in paths
