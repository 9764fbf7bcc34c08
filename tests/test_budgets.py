"""Budgets: texts are cut at sentence or word boundaries, lists from the end, never silently."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from briefing.budgets import (
    BUDGETS,
    enforce_budgets,
    shorten_chars,
    trim_words,
    word_count,
)
from briefing.schema import Brief, iter_evidence


def words(n: int, stem: str = "word") -> str:
    return " ".join(f"{stem}{i}" for i in range(n))


def claim(text: str = "A short claim.", *evidence: str) -> dict[str, Any]:
    return {"text": text, "evidence": list(evidence) or ["a quote"]}


def small_brief(**changes: Any) -> Brief:
    data: dict[str, Any] = {
        "situation": {
            "headline": "Rebels take the city",
            "summary": "Rebels took the city. The army withdrew.",
            "evidence": ["rebels took the city"],
            "key_developments": [
                {"what": "The army withdrew.", "where": "the city", "when": None, "evidence": ["q"]}
            ],
        },
        "actors": [
            {
                "name": "Rebel Front",
                "kind": "armed_group",
                "role": "Took the city.",
                "aliases": ["RF"],
                "evidence": ["q1"],
            }
        ],
        "humanitarian": {
            "summary": "Families lack shelter.",
            "evidence": ["families lack shelter"],
            "figures": [
                {
                    "value": "2,000",
                    "unit": None,
                    "counts": "families without shelter",
                    "reported_by": "an aid group",
                    "evidence": ["2,000 families"],
                }
            ],
            "needs": [claim("Shelter.")],
            "access_constraints": [],
        },
        "outlook": {
            "summary": "More fighting is likely.",
            "evidence": ["more fighting"],
            "risks": [
                {
                    "description": "A counteroffensive.",
                    "likelihood": None,
                    "timeframe": None,
                    "evidence": ["counteroffensive"],
                }
            ],
            "indicators": [claim("Troop movements.")],
        },
        "gaps": ["How many were killed?"],
    }
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for key in parents:
            target = target[key]
        target[last] = value
    return Brief.model_validate(data)


# --- trimming texts ------------------------------------------------------------------------


def test_text_within_budget_is_unchanged() -> None:
    assert trim_words("Three short words.", 3) == "Three short words."


def test_trim_prefers_the_last_sentence_boundary() -> None:
    text = "The army withdrew from the city. Rebels took the airport. Then " + words(30)
    assert trim_words(text, 14) == "The army withdrew from the city. Rebels took the airport."


def test_trim_falls_back_to_a_word_boundary_with_an_ellipsis() -> None:
    text = words(40) + "."
    short = trim_words(text, 10)
    assert short == words(10) + "…"
    assert word_count(short) == 10


def test_a_short_first_sentence_is_not_kept_alone() -> None:
    # Keeping only "Yes." would lose most of a 20-word budget: cut at a word instead.
    text = "Yes. " + words(40)
    short = trim_words(text, 20)
    assert short.endswith("…") and word_count(short) == 20


def test_abbreviations_are_not_sentence_ends() -> None:
    text = "Jolani carries a $10 million U.S. bounty and leads the group. He " + words(20)
    assert trim_words(text, 14) == "Jolani carries a $10 million U.S. bounty and leads the group."


def test_a_sentence_may_start_with_any_capital() -> None:
    text = "Le maire a parlé. Élus et habitants ont fui la ville. Puis " + words(20)
    assert trim_words(text, 12) == "Le maire a parlé. Élus et habitants ont fui la ville."


def test_closing_quotes_stay_with_their_sentence() -> None:
    text = "“No one expected this,” he said. “They waited.” Then " + words(20)
    assert trim_words(text, 9) == "“No one expected this,” he said. “They waited.”"


def test_trailing_punctuation_is_dropped_before_the_ellipsis() -> None:
    assert trim_words("one two three, four five six", 3) == "one two three…"


def test_shorten_chars_keeps_the_verbatim_start() -> None:
    quote = "Syrian forces withdrew from several key positions, including the airport."
    short = shorten_chars(quote, 40)
    assert short.endswith("…") and len(short) <= 40
    assert quote.startswith(short.removesuffix("…"))
    assert shorten_chars("short quote", 40) == "short quote"


# --- enforcing budgets ----------------------------------------------------------------------


def test_a_brief_within_budgets_is_returned_as_is_without_notes() -> None:
    brief = small_brief()
    trimmed, notes = enforce_budgets(brief)
    assert notes == []
    assert trimmed == brief


def test_lists_over_budget_are_cut_from_the_end_with_a_note() -> None:
    actors = [
        {
            "name": f"Actor {i}",
            "kind": "person",
            "role": "A role.",
            "aliases": [],
            "evidence": ["q"],
        }
        for i in range(10)
    ]
    trimmed, notes = enforce_budgets(small_brief(actors=actors), replace(BUDGETS, actors=7))
    assert [a.name for a in trimmed.actors] == [f"Actor {i}" for i in range(7)]
    assert "actors: 3 of 10 not shown (budget 7)" in notes


def test_a_long_summary_is_shortened_with_a_note() -> None:
    summary = "Rebels took the city. " + " ".join(["The army withdrew in disorder."] * 30)
    trimmed, notes = enforce_budgets(small_brief(situation__summary=summary))
    assert word_count(trimmed.situation.summary) <= BUDGETS.situation_summary_words
    assert trimmed.situation.summary.endswith(".")
    assert (
        f"situation summary shortened from {word_count(summary)} to "
        f"{word_count(trimmed.situation.summary)} words"
    ) in notes


def test_repeated_cuts_share_one_note() -> None:
    needs = [claim(words(40, f"n{i}")) for i in range(BUDGETS.needs + 2)]
    _, notes = enforce_budgets(small_brief(humanitarian__needs=needs))
    [note] = [n for n in notes if n.startswith("needs:")]
    assert note == (
        f"needs: 2 of {BUDGETS.needs + 2} not shown (budget {BUDGETS.needs}), "
        f"{BUDGETS.needs} shortened to {BUDGETS.claim_words} words"
    )


def test_labels_and_aliases_are_budgeted_too() -> None:
    actor = {
        "name": words(20),
        "kind": "other",
        "role": "A role.",
        "aliases": ["one", "two", "three"],
        "evidence": ["q"],
    }
    trimmed, notes = enforce_budgets(small_brief(actors=[actor]))
    assert word_count(trimmed.actors[0].name) == BUDGETS.actor_name_words
    assert len(trimmed.actors[0].aliases) == BUDGETS.actor_aliases
    assert any("aliases not shown" in n for n in notes)
    assert any(n.startswith("names and labels: 1 shortened") for n in notes)


def test_every_item_keeps_its_first_quote_and_extras_stop_at_the_total() -> None:
    quotes = ["first", "second", "third"]
    brief = small_brief(situation__evidence=quotes, outlook__evidence=quotes)
    items = len(iter_evidence(brief))
    budgets = replace(BUDGETS, evidence_per_item=2, evidence_total=items + 1)
    trimmed, notes = enforce_budgets(brief, budgets)
    counts = {path: len(q) for path, q in iter_evidence(trimmed)}
    assert all(n == 1 for path, n in counts.items() if path != "situation")
    assert counts["situation"] == 2  # reading order: the first item gets the one extra
    assert "evidence: 3 further quotes on 2 items not listed" in " ".join(notes)

    # Below one quote per item the total gives way: no item may look unsourced.
    trimmed, _ = enforce_budgets(brief, replace(budgets, evidence_total=2))
    assert all(len(q) == 1 for _, q in iter_evidence(trimmed))


def test_paths_of_kept_items_are_stable() -> None:
    devs = [
        {"what": f"Development {i}.", "where": None, "when": None, "evidence": [f"q{i}"]}
        for i in range(9)
    ]
    brief = small_brief(situation__key_developments=devs)
    trimmed, _ = enforce_budgets(brief)
    before = dict(iter_evidence(brief))
    for path, quotes in iter_evidence(trimmed):
        assert before[path][: len(quotes)] == quotes


def test_enforcing_twice_changes_nothing_and_the_input_is_untouched() -> None:
    brief = small_brief(situation__summary=words(200), gaps=[words(30)] * 9)
    original = brief.model_copy(deep=True)
    once, notes = enforce_budgets(brief)
    twice, again = enforce_budgets(once)
    assert notes and again == []
    assert twice == once
    assert brief == original


def test_an_overlong_brief_is_cut_to_the_page_cap() -> None:
    from briefing.budgets import body_words
    from tests.fixtures import overlong_document

    trimmed, notes = enforce_budgets(overlong_document().brief)
    assert body_words(trimmed) <= BUDGETS.total_words
    assert any(n.startswith(f"to fit one page ({BUDGETS.total_words} words)") for n in notes)


def test_the_page_cap_stops_at_one_item_per_list_and_two_actors() -> None:
    from briefing.budgets import body_words
    from tests.fixtures import overlong_document

    # A cap no brief can meet: every list is cut down to what the cap keeps.
    trimmed, notes = enforce_budgets(overlong_document().brief, replace(BUDGETS, total_words=1))
    h, o, s = trimmed.humanitarian, trimmed.outlook, trimmed.situation
    kept = {
        "actors": len(trimmed.actors),
        "figures": len(h.figures),
        "key developments": len(s.key_developments),
        "risks": len(o.risks),
        "needs": len(h.needs),
        "access constraints": len(h.access_constraints),
        "indicators": len(o.indicators),
        "gaps": len(trimmed.gaps),
    }
    assert kept == dict.fromkeys(kept, 1) | {"actors": 2}
    assert body_words(trimmed) > 1
    [note] = [n for n in notes if n.startswith("to fit one page (1 words)")]
    assert f"{BUDGETS.actors - 2} actors" in note and f"{BUDGETS.figures - 1} figures" in note


def test_the_budgets_docstring_states_the_maximal_body() -> None:
    import briefing.budgets
    from briefing.budgets import body_words
    from tests.fixtures import overlong_document

    # Every section at its maximum (no page cap) is more than the page cap lets through.
    uncapped = replace(BUDGETS, total_words=10**6)
    maximal = body_words(enforce_budgets(overlong_document().brief, uncapped)[0])
    assert maximal > BUDGETS.total_words
    doc = " ".join((briefing.budgets.__doc__ or "").split())
    assert f"the body would hold {maximal} words" in doc
    assert f"`total_words` cap ({BUDGETS.total_words})" in doc
