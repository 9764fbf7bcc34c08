"""Evidence by reference: citations turned into sentences, and an actor's citation moved
to the neighbouring sentence only when that is the one that names it."""

from __future__ import annotations

from briefing.engines.evidence import (
    number_sentences,
    repoint_actor_citations,
    resolve_references,
)
from briefing.schema import Actor, ActorKind, Brief
from tests.fixtures import tiny_brief

TEXT = (
    "Floods hit the city.\n\n"
    "The Red Crescent opened six shelters. "
    "The World Food Programme moved 120 tonnes of food. "
    "Doctors at the General Hospital treated 150 people. "
    "Rain is forecast through Sunday, the Red Crescent said."
)


def _brief(*actors: tuple[str, list[str], list[str]]) -> Brief:
    return tiny_brief().model_copy(
        update={
            "actors": [
                Actor(name=n, kind=ActorKind.OTHER, role="r", aliases=a, evidence=e)
                for n, a, e in actors
            ]
        }
    )


def test_the_sentences_are_numbered_from_the_title() -> None:
    ids = [(s.id, s.text[:12]) for s in number_sentences(TEXT)]
    assert ids[:3] == [("S1", "Floods hit t"), ("S2", "The Red Cres"), ("S3", "The World Fo")]


def test_a_citation_one_sentence_off_moves_to_the_sentence_that_names_the_actor() -> None:
    sentences = number_sentences(TEXT)
    # WFP is in S3, the hospital in S4; both cited one sentence late.
    brief = _brief(("World Food Programme", ["WFP"], ["S4"]), ("General Hospital", [], ["S5"]))
    moved, fixes = repoint_actor_citations(brief, sentences)
    assert [a.evidence for a in moved.actors] == [["S3"], ["S4"]]
    assert fixes == [
        "actors[0] 'World Food Programme' cited S4, which does not name it; S3 does and is "
        "cited instead",
        "actors[1] 'General Hospital' cited S5, which does not name it; S4 does and is "
        "cited instead",
    ]
    resolved, unknown = resolve_references(moved, sentences)
    assert unknown == [] and "World Food Programme" in resolved.actors[0].evidence[0]


def test_a_citation_is_left_alone_when_it_names_the_actor_or_the_neighbour_is_unclear() -> None:
    sentences = number_sentences(TEXT)
    brief = _brief(
        ("World Food Programme", [], ["S3"]),  # right already
        ("Red Crescent", [], ["S3"]),  # of the neighbours S2 and S4, only S2 names it
        ("Meteorologists", [], ["S4"]),  # no neighbour names it: left to the support check
        ("General Hospital", [], ["S1-S2"]),  # a range is not moved
    )
    same, fixes = repoint_actor_citations(brief, sentences)
    assert fixes[0].startswith("actors[1] 'Red Crescent' cited S3")  # only S2 names it
    assert [a.evidence for a in same.actors] == [["S3"], ["S2"], ["S4"], ["S1-S2"]]
    assert len(fixes) == 1


def test_two_neighbours_that_both_name_the_actor_leave_the_citation() -> None:
    text = "Title here.\n\nThe Red Crescent helped. Rain fell. The Red Crescent left."
    sentences = number_sentences(text)
    brief = _brief(("Red Crescent", [], ["S3"]))
    same, fixes = repoint_actor_citations(brief, sentences)
    assert fixes == [] and same.actors[0].evidence == ["S3"]
