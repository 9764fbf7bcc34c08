"""Per-brief metrics on a tiny article and a hand-built brief, computed by hand."""

from __future__ import annotations

import pytest

from briefing.budgets import BUDGETS, body_words
from briefing.compare.metrics import (
    METRICS,
    BriefMetrics,
    PhraseIndex,
    brief_text,
    brief_text_fields,
    compute_metrics,
    entity_forms,
    entity_scores,
    entity_text,
    fold,
    unverified_claims,
    word_tokens,
)
from briefing.schema import (
    BriefDocument,
    BriefMetadata,
    Figure,
    FigureCheck,
    GroundingReport,
    QuoteCheck,
)
from tests.fixtures import TINY_WORDS, tiny_brief

ARTICLE = (
    "Floods hit Kessara\n\n"
    "Floods in Kessara killed 23 people on Thursday. The Velmar Disaster Management "
    "Authority (VDMA) said 8,500 people fled their homes. Médecins Sans Frontières opened a "
    "clinic in Port Alen, where Governor Lidia Marchetti met aid workers."
)


def test_word_count_counts_body_text_not_evidence() -> None:
    brief = tiny_brief()
    assert body_words(brief) == TINY_WORDS
    assert "Floods in Kessara killed 23 people" not in brief_text_fields(brief)


def test_unverified_claims_groups_checks_by_item() -> None:
    report = GroundingReport(
        quotes=[
            QuoteCheck(path="situation.evidence[0]", quote="a", status="exact"),
            QuoteCheck(path="actors[0].evidence[0]", quote="b", status="not_found"),
            QuoteCheck(path="actors[0].evidence[1]", quote="c", status="fuzzy"),  # saves actors[0]
            QuoteCheck(path="actors[1].evidence[0]", quote="d", status="not_found"),  # unverified
            QuoteCheck(path="humanitarian.evidence", quote="", status="not_found"),  # no evidence
            QuoteCheck(path="outlook.risks[0].evidence[0]", quote="e", status="exact"),
        ]
    )
    assert unverified_claims(report) == 2
    assert report.rate == pytest.approx(3 / 6)


def test_entities_of_tiny_texts() -> None:
    # The finder's view of the tiny texts, spelled out so the fractions below are checkable.
    assert entity_forms(ARTICLE) == (
        ("Velmar Disaster Management Authority", "VDMA"),
        ("Médecins Sans Frontières",),
        ("Governor Lidia Marchetti", "Lidia Marchetti"),
        ("Kessara",),
        ("Port Alen",),
    )
    body = "Floods kill 23 in Kessara\n\nVDMA\n\nRed Cross Society\n\nRuns shelters."
    assert set(entity_forms(body, headings=True)) == {
        ("VDMA",),
        ("Red Cross Society",),
        ("Kessara",),
    }


def test_entity_coverage_and_precision_fractions() -> None:
    body = "\n\n".join(
        [
            "Floods kill 23 in Kessara",
            "Velmar Disaster Management Authority",
            "VDMA",
            "Red Cross Society",
        ]
    )
    coverage, precision, n_article, n_brief = entity_scores(ARTICLE, body)
    # Article: VDMA (mentioned), MSF, Lidia Marchetti, Kessara (mentioned), Port Alen -> 2/5.
    assert n_article == 5 and coverage == pytest.approx(2 / 5)
    # Brief: VDMA and Kessara occur in the article, "Red Cross Society" does not -> 2/3.
    assert n_brief == 3 and precision == pytest.approx(2 / 3)


def test_entity_matching_ignores_case_diacritics_and_titles() -> None:
    body = "MEDECINS SANS FRONTIERES treats the wounded.\n\nLidia Marchetti declared an emergency."
    coverage, _, _, _ = entity_scores(ARTICLE, body)
    assert coverage == pytest.approx(2 / 5)  # MSF and Marchetti (title dropped)


def test_compute_metrics_on_a_document() -> None:
    brief = tiny_brief()
    grounding = GroundingReport(
        quotes=[
            QuoteCheck(path="situation.evidence[0]", quote="q", status="exact"),
            QuoteCheck(path="actors[1].evidence[0]", quote="q", status="not_found"),
            QuoteCheck(path="humanitarian.evidence", quote="", status="not_found"),
            QuoteCheck(path="outlook.evidence[0]", quote="q", status="fuzzy"),
        ],
        figures=[
            FigureCheck(path="humanitarian.figures[0]", value="23", found=True),
            FigureCheck(path="humanitarian.figures[1]", value="8,500", found=False),
        ],
    )
    meta = BriefMetadata(
        engine="llm",
        origin="model output",
        calls=2,
        prompt_tokens=1200,
        completion_tokens=300,
        cost_usd=0.0004,
        wall_seconds=1.5,
    )
    m = compute_metrics(BriefDocument(metadata=meta, brief=brief, grounding=grounding), ARTICLE)
    assert m.schema_valid is True
    assert m.grounding_rate == pytest.approx(0.5)
    assert m.quotes == 4
    assert m.unverified_claims == 2
    assert (m.actors, m.developments, m.figures, m.risks) == (2, 1, 2, 1)
    assert m.figures_found == pytest.approx(0.5)
    assert m.words == TINY_WORDS
    assert m.fits_page is True
    assert m.budget_cuts == 0
    assert (m.calls, m.prompt_tokens, m.completion_tokens) == (2, 1200, 300)
    assert (m.cost_usd, m.wall_seconds) == (0.0004, 1.5)
    # Brief entities: VDMA (in article), Red Cross Society (not), Kessara (in article).
    assert m.entity_precision == pytest.approx(2 / 3)
    assert m.entity_coverage == pytest.approx(2 / 5)


def test_over_budget_brief_does_not_fit_and_is_cut() -> None:
    long_gaps = [" ".join(["word"] * 15)] * 40  # 600 words of gaps alone
    m = compute_metrics(
        BriefDocument(
            metadata=BriefMetadata(engine="extractive", origin="extractive engine"),
            brief=tiny_brief(gaps=long_gaps),
        ),
        ARTICLE,
    )
    assert m.words == TINY_WORDS - 2 + 600
    assert m.words > BUDGETS.total_words
    assert m.fits_page is False
    assert m.budget_cuts is not None and m.budget_cuts >= 1
    # No grounding report: grounding metrics are unknown, not zero.
    assert (m.grounding_rate, m.unverified_claims, m.figures_found) == (None, None, None)


def test_values_are_keyed_like_the_metric_registry() -> None:
    values = BriefMetrics(schema_valid=True, fits_page=False, words=10).values()
    assert list(values) == [spec.key for spec in METRICS]
    assert values["schema_valid"] == 1.0 and values["fits_page"] == 0.0
    assert values["words"] == 10.0 and values["grounding_rate"] is None


def test_text_normalisation() -> None:
    assert fold("Médecins Sans Frontières") == "medecins sans frontieres"
    assert word_tokens("about 8,500 people; 1.5 m") == ["about", "8500", "people", "1.5", "m"]
    index = PhraseIndex("Aid from Médecins Sans Frontières arrived; about 8,500 fled")
    assert "medecins sans frontieres" in index
    assert "8500 fled" in index  # digit groups joined on both sides
    assert "Frontières arrived about" in index  # punctuation is not a word
    assert "Sans Frontieres aid" not in index  # consecutive words only
    assert "" not in index and "--" not in index  # no words: never found
    assert "rebel held town" not in PhraseIndex("Rebel-held")
    assert "Kessara" not in PhraseIndex("Kessarans")  # whole words only


def test_units_and_time_labels_are_not_brief_entities() -> None:
    # "USD" and "EUR" are units, "Coming Days" and "Next Two Weeks" time labels: none is
    # a name, so none may count as a brief entity missing from the article.
    brief = tiny_brief()
    h, o, s = brief.humanitarian, brief.outlook, brief.situation
    labelled = brief.model_copy(
        update={
            "humanitarian": h.model_copy(
                update={
                    "figures": [
                        *h.figures,
                        Figure(
                            value="2 million",
                            unit="USD",
                            counts="appeal",
                            reported_by=None,
                            evidence=["f"],
                        ),
                        Figure(
                            value="500,000",
                            unit="EUR",
                            counts="pledged",
                            reported_by="VDMA",
                            evidence=["g"],
                        ),
                    ]
                }
            ),
            "outlook": o.model_copy(
                update={
                    "risks": [r.model_copy(update={"timeframe": "Coming Days"}) for r in o.risks]
                }
            ),
            "situation": s.model_copy(
                update={
                    "key_developments": [
                        d.model_copy(update={"when": "Next Two Weeks"}) for d in s.key_developments
                    ]
                }
            ),
        }
    )
    # The finder would take them for names: that is what the entity text must avoid.
    assert {("USD",), ("EUR",), ("Coming Days",), ("Weeks",)} <= set(
        entity_forms(brief_text(labelled), headings=True)
    )
    text = entity_text(labelled)
    for label in ("USD", "EUR", "Coming Days", "Next Two Weeks"):
        assert label not in text
    assert "VDMA" in text and "2 million" in text and "appeal" in text
    m = compute_metrics(
        BriefDocument(
            metadata=BriefMetadata(engine="extractive", origin="extractive engine"),
            brief=labelled,
        ),
        ARTICLE,
    )
    # As for the tiny brief: VDMA and Kessara occur in the article, Red Cross Society not.
    assert m.brief_entities == 3
    assert m.entity_precision == pytest.approx(2 / 3)
    # Word counts still read every field a reader sees, labels included.
    assert m.words == TINY_WORDS + (2 + 1 + 1) + (1 + 1 + 1 + 1) + 2 + 3
