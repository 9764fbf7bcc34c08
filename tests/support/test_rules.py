"""Each support rule on small hand-made briefs whose expected status is plain to see."""

from __future__ import annotations

import pytest

from briefing.schema import ActorKind, Likelihood
from tests.support.briefs import (
    CHOLERA,
    DAM,
    DOCTORS,
    FLED,
    GOVERNOR,
    KALO,
    KILLED,
    RAIN,
    SHELTERS,
    WFP,
    actor,
    brief,
    check,
    checks,
    claim,
    dev,
    figure,
    risk,
)

FIG = "humanitarian.figures[0]"
DEV = "situation.key_developments[0]"
RISK = "outlook.risks[0]"

# --- numbers ----------------------------------------------------------------------------


def test_a_figure_whose_number_is_in_its_quote_is_supported() -> None:
    assert check(brief(figures=(figure("about 8,500", FLED),)), FIG).status == "supported"


def test_a_figure_citing_a_quote_without_its_number_is_unsupported() -> None:
    # The real failure: "8,500 residents displaced" citing the shelters sentence, whose
    # number is 3,200. The article has 8,500 elsewhere; the figure's own quote does not.
    c = check(brief(figures=(figure("8,500", SHELTERS, counts="residents displaced"),)), FIG)
    assert c.status == "unsupported"
    assert c.missing == ["8,500"]
    assert c.notes == ["8,500 is not in its quotes"]


@pytest.mark.parametrize(
    ("value", "quote"),
    [
        ("8500", FLED),  # separators
        ("twenty-three", KILLED),  # words for digits
        ("thousands", FLED),  # a vague amount stated by a number in its range
        ("23 people", KILLED),
    ],
)
def test_numbers_are_read_as_grounding_reads_figures(value: str, quote: str) -> None:
    assert check(brief(figures=(figure(value, quote),)), FIG).status == "supported"


def test_a_vague_amount_out_of_range_is_not_stated() -> None:
    c = check(brief(developments=(dev("Tens of thousands fled their homes.", FLED),)), DEV)
    assert (c.status, c.missing) == ("partly", ["Tens of thousands"])


def test_a_range_with_one_number_stated_is_partly_supported() -> None:
    c = check(brief(figures=(figure("between 8,500 and 9,000", FLED),)), FIG)
    assert (c.status, c.missing) == ("partly", ["9,000"])


def test_a_development_with_a_number_its_quote_lacks_is_partly_supported() -> None:
    c = check(brief(developments=(dev("Floods killed 41 people in Rivertown.", KILLED),)), DEV)
    assert (c.status, c.missing) == ("partly", ["41"])


# --- names ------------------------------------------------------------------------------


def test_a_name_its_quote_lacks_is_missing_unless_an_actor_vouches_for_it() -> None:
    alone = brief(developments=(dev("Port Alen shelters hold 3,200 people.", SHELTERS),))
    assert check(alone, DEV).missing == ["Port Alen"]
    # "the Red Crescent" is an actor whose own quote names it: its name may appear
    # wherever the brief speaks of it.
    red_crescent = actor("Oranto Red Crescent Society", ActorKind.NGO, SHELTERS)
    vouched = brief(
        developments=(dev("The Oranto Red Crescent Society is moving food.", WFP),),
        actors=(red_crescent,),
    )
    assert check(vouched, DEV).missing == []


def test_aliases_acronyms_and_surnames_name_an_actor() -> None:
    wfp = actor("World Food Programme", ActorKind.INTERNATIONAL_ORGANISATION, WFP, aliases=("WFP",))
    b = brief(
        actors=(wfp,),
        needs=(claim("WFP food convoys need the road from Port Alen.", WFP),),
        access=(claim("Lidia Marchetti asked for boats.", "Marchetti declared a state of"),),
    )
    found = checks(b, article=_article_with("Marchetti declared a state of emergency."))
    assert found["humanitarian.needs[0]"].missing == []
    assert found["humanitarian.access_constraints[0]"].missing == []


def test_an_actor_its_own_quote_does_not_name_is_unsupported() -> None:
    assert check(brief(actors=(actor("Kalo Relief", ActorKind.NGO, DAM),)), "actors[0]").status == (
        "unsupported"
    )
    partly = check(brief(actors=(actor("Oranto Relief", ActorKind.NGO, SHELTERS),)), "actors[0]")
    assert partly.status == "partly"
    assert partly.notes[0] == "Oranto Relief is only in part named in its quotes"


def test_who_reported_a_figure_must_be_in_its_quote_or_sentence() -> None:
    rda = actor("Rivertown Disaster Agency", ActorKind.GOVERNMENT, KILLED, aliases=("RDA",))
    # "according to the RDA" sits in the figure's sentence, outside its quote: stated.
    ok = brief(actors=(rda,), figures=(figure("8,500", FLED, reported_by="RDA"),))
    assert check(ok, FIG).status == "supported"
    # The RDA is a known actor, but nothing in the shelters sentence says it counted.
    bad = brief(actors=(rda,), figures=(figure("3,200", SHELTERS, reported_by="RDA"),))
    c = check(bad, FIG)
    assert (c.status, c.missing) == ("partly", ["reported by RDA"])
    assert (
        check(brief(figures=(figure("8,500", FLED, reported_by="officials"),)), FIG).missing == []
    )


def test_a_sentence_opening_with_a_common_word_names_nothing() -> None:
    b = brief(needs=(claim("Clean water and shelter for 3,200 people.", SHELTERS),))
    assert check(b, "humanitarian.needs[0]").status == "supported"


# --- likelihood -------------------------------------------------------------------------


def test_a_likelihood_without_a_cue_in_its_quote_is_cleared() -> None:
    c = check(
        brief(risks=(risk("Heavy rain continues.", RAIN, likelihood=Likelihood.MEDIUM),)), RISK
    )
    assert c.cleared == {"likelihood": "medium"}
    assert c.status == "partly"
    assert c.notes == ["likelihood 'medium' cleared: no likelihood word in its quotes"]


@pytest.mark.parametrize(
    ("quote", "level", "kept"),
    [
        (DAM, Likelihood.MEDIUM, True),  # "may": low or medium
        (DAM, Likelihood.LOW, True),
        (DAM, Likelihood.HIGH, False),  # "may" never says high
        (CHOLERA, Likelihood.LOW, True),  # "unlikely"
        (CHOLERA, Likelihood.HIGH, False),
    ],
)
def test_a_likelihood_is_kept_only_when_a_cue_supports_that_level(
    quote: str, level: Likelihood, kept: bool
) -> None:
    c = check(
        brief(risks=(risk("The dam overflows; cholera outbreak.", quote, likelihood=level),)), RISK
    )
    assert ("likelihood" not in c.cleared) is kept


def test_likelihood_cues_of_other_languages_count() -> None:
    text = "Titre\n\nLe barrage pourrait céder si la pluie continue.\n"
    b = brief(
        risks=(risk("Le barrage cède.", "Le barrage pourrait céder", likelihood=Likelihood.MEDIUM),)
    )
    assert check(b, RISK, article=text).cleared == {}


# --- where and when ---------------------------------------------------------------------


def test_a_place_stated_in_the_sentence_around_a_short_quote_is_kept() -> None:
    # The quote stops before "from Port Alen"; the sentence around it states it.
    d = dev("The WFP is moving 120 tonnes of food.", "moving 120 tonnes of food", where="Port Alen")
    assert check(brief(developments=(d,)), DEV).cleared == {}


def test_a_date_its_quotes_and_their_sentences_do_not_state_is_cleared() -> None:
    d = dev("The Red Crescent opened six shelters.", SHELTERS, when="on Tuesday")
    c = check(brief(developments=(d,)), DEV)
    assert c.cleared == {"when": "on Tuesday"} and c.status == "partly"


def test_a_timeframe_is_kept_when_stated_and_cleared_when_not() -> None:
    stated = risk("Heavy rain continues.", RAIN, timeframe="through Sunday")
    unstated = risk("The dam overflows.", DAM, timeframe="within 48 hours")
    found = checks(brief(risks=(stated, unstated)))
    assert found["outlook.risks[0]"].cleared == {}
    assert found["outlook.risks[1]"].cleared == {"timeframe": "within 48 hours"}


# --- actor kinds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "quote", "flagged"),
    [
        ("World Food Programme", ActorKind.NGO, WFP, True),  # a well-known UN body
        ("World Food Programme", ActorKind.INTERNATIONAL_ORGANISATION, WFP, False),
        ("World Food Programme", ActorKind.OTHER, WFP, False),  # "other" claims nothing
        ("Oranto Red Crescent Society", ActorKind.NGO, SHELTERS, False),
        ("Oranto Red Crescent Society", ActorKind.GOVERNMENT, SHELTERS, True),
        ("Kalo Relief", ActorKind.NGO, KALO, True),  # "Kalo Relief, a UN agency"
        ("Lidia Marchetti", ActorKind.PERSON, GOVERNOR, False),
        ("Governor Lidia Marchetti", ActorKind.GOVERNMENT, GOVERNOR, True),  # a title
    ],
)
def test_an_actor_kind_a_cue_contradicts_is_flagged(
    name: str, kind: ActorKind, quote: str, flagged: bool
) -> None:
    c = check(brief(actors=(actor(name, kind, quote),)), "actors[0]")
    assert (f"kind {kind.value}" in c.missing) is flagged
    assert c.status == ("partly" if flagged else "supported")


def test_a_ministry_or_an_army_is_not_a_person_or_an_ngo() -> None:
    text = "Title\n\nThe Ministry of Health and the Oranto Army sent teams.\n"
    quote = "The Ministry of Health and the Oranto Army sent teams."
    found = checks(
        brief(
            actors=(
                actor("Ministry of Health", ActorKind.PERSON, quote),
                actor("Oranto Army", ActorKind.NGO, quote),
                actor("Oranto Army", ActorKind.ARMED_GROUP, quote),
            )
        ),
        article=text,
    )
    assert found["actors[0]"].notes == [
        "kind 'person' contradicts 'Ministry of Health' (a state body)"
    ]
    assert found["actors[1]"].status == "partly"
    assert found["actors[2]"].status == "supported"


# --- claims that share nothing with their quotes ----------------------------------------


def test_a_claim_sharing_no_word_with_its_quote_is_unsupported() -> None:
    c = check(
        brief(access=(claim("Limited access to medical care.", DOCTORS),)),
        "humanitarian.access_constraints[0]",
    )
    assert c.status == "unsupported"
    assert c.notes == ["shares no word with its quotes"]


def test_an_item_without_quotes_is_unsupported() -> None:
    c = check(
        brief(
            needs=(
                claim(
                    "Clean water.",
                ),
            )
        ),
        "humanitarian.needs[0]",
    )
    assert (c.status, c.notes) == ("unsupported", ["no evidence"])


# --- summaries --------------------------------------------------------------------------


def test_summaries_are_read_sentence_by_sentence_against_their_section() -> None:
    b = brief(
        impact="Floods killed 23 people. About 8,500 fled their homes. Floods injured 400.",
        impact_evidence=(KILLED,),
        figures=(figure("8,500", FLED),),  # the section's items count as its evidence
    )
    c = check(b, "humanitarian")
    assert c.status == "partly"
    assert c.missing == ["400"]
    assert c.notes == ["summary sentence 3: 400 is not in the section's quotes"]


def test_a_summary_sentence_with_nothing_in_common_is_unsupported_and_a_gap_is_not_checked() -> (
    None
):
    b = brief(
        outlook="Markets reopened downtown. No casualty figures are given.",
        outlook_evidence=(RAIN,),
    )
    c = check(b, "outlook")
    assert c.status == "unsupported"  # its only checked sentence shares no word
    assert c.notes == ["summary sentence 1: shares no word with the section's quotes"]


def test_the_headline_counts_with_the_situation_unless_it_is_the_article_title() -> None:
    title = brief(headline="Floods hit Rivertown", summary=KILLED + ".", evidence=(KILLED,))
    assert check(title, "situation").status == "supported"
    made_up = brief(
        headline="Floods kill 41 in Rivertown", summary=KILLED + ".", evidence=(KILLED,)
    )
    assert check(made_up, "situation").notes == ["headline: 41 is not in the section's quotes"]


def _article_with(sentence: str) -> str:
    from tests.support.briefs import ARTICLE

    return f"{ARTICLE}\n{sentence}\n"
