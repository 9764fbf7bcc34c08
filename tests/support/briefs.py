"""Small hand-made briefs for the support tests, and an article they quote.

Each item names its quotes; `checks` grounds the brief in the article and returns the
support check of every item by path, so a test reads as "this claim, these quotes, this
status".
"""

from __future__ import annotations

from briefing.grounding import ground_brief
from briefing.schema import (
    Actor,
    ActorKind,
    Brief,
    Claim,
    Development,
    Figure,
    HumanitarianImpact,
    Likelihood,
    Outlook,
    Risk,
    Situation,
    SupportCheck,
)
from briefing.support import check_support

ARTICLE = """Floods hit Rivertown

RIVERTOWN, 3 May — Floods killed 23 people in Rivertown on Tuesday, the Rivertown \
Disaster Agency (RDA) said.

The Oranto Red Crescent Society opened six shelters, sheltering some 3,200 people.

Officials said about 8,500 residents had fled their homes, according to the RDA.

The World Food Programme said it was moving 120 tonnes of food from Port Alen.

Doctors at Rivertown General Hospital said they had treated 150 people for injuries.

Governor Lidia Marchetti declared a state of emergency.

The dam may overflow if the rain continues.

Officials said a cholera outbreak was unlikely.

Kalo Relief, a UN agency, began distributing water.

Forecasters expect heavy rain through Sunday.
"""

KILLED = "Floods killed 23 people in Rivertown on Tuesday"
AGENCY = f"{KILLED}, the Rivertown Disaster Agency (RDA) said."
SHELTERS = "The Oranto Red Crescent Society opened six shelters, sheltering some 3,200 people."
FLED = "Officials said about 8,500 residents had fled their homes"
WFP = "The World Food Programme said it was moving 120 tonnes of food from Port Alen."
DOCTORS = "Doctors at Rivertown General Hospital said they had treated 150 people for injuries."
GOVERNOR = "Governor Lidia Marchetti declared a state of emergency."
DAM = "The dam may overflow if the rain continues."
CHOLERA = "Officials said a cholera outbreak was unlikely."
KALO = "Kalo Relief, a UN agency, began distributing water."
RAIN = "Forecasters expect heavy rain through Sunday."


def dev(what: str, *quotes: str, where: str | None = None, when: str | None = None) -> Development:
    return Development(what=what, where=where, when=when, evidence=list(quotes))


def actor(
    name: str,
    kind: ActorKind,
    *quotes: str,
    role: str = "Reports on the floods.",
    aliases: tuple[str, ...] = (),
) -> Actor:
    return Actor(name=name, kind=kind, role=role, aliases=list(aliases), evidence=list(quotes))


def figure(
    value: str, *quotes: str, counts: str = "people", reported_by: str | None = None
) -> Figure:
    return Figure(
        value=value, unit=None, counts=counts, reported_by=reported_by, evidence=list(quotes)
    )


def risk(
    description: str,
    *quotes: str,
    likelihood: Likelihood | None = None,
    timeframe: str | None = None,
) -> Risk:
    return Risk(
        description=description, likelihood=likelihood, timeframe=timeframe, evidence=list(quotes)
    )


def claim(text: str, *quotes: str) -> Claim:
    return Claim(text=text, evidence=list(quotes))


def brief(
    *,
    headline: str = "Floods hit Rivertown",
    summary: str = "",
    evidence: tuple[str, ...] = (),
    developments: tuple[Development, ...] = (),
    actors: tuple[Actor, ...] = (),
    impact: str = "",
    impact_evidence: tuple[str, ...] = (),
    figures: tuple[Figure, ...] = (),
    needs: tuple[Claim, ...] = (),
    access: tuple[Claim, ...] = (),
    outlook: str = "",
    outlook_evidence: tuple[str, ...] = (),
    risks: tuple[Risk, ...] = (),
    indicators: tuple[Claim, ...] = (),
) -> Brief:
    return Brief(
        situation=Situation(
            headline=headline,
            summary=summary,
            evidence=list(evidence),
            key_developments=list(developments),
        ),
        actors=list(actors),
        humanitarian=HumanitarianImpact(
            summary=impact,
            evidence=list(impact_evidence),
            figures=list(figures),
            needs=list(needs),
            access_constraints=list(access),
        ),
        outlook=Outlook(
            summary=outlook,
            evidence=list(outlook_evidence),
            risks=list(risks),
            indicators=list(indicators),
        ),
        gaps=[],
    )


def checks(b: Brief, article: str = ARTICLE) -> dict[str, SupportCheck]:
    """The support check of every item of `b`, by path."""
    report = ground_brief(b, article)
    return {c.path: c for c in check_support(b, article, report).checks}


def check(b: Brief, path: str, article: str = ARTICLE) -> SupportCheck:
    return checks(b, article)[path]
