"""The brief: pydantic models the model fills, and the document that stores a brief.

`Brief` and everything under it is sent to the model as a strict JSON Schema, so it
follows OpenAI's strict structured-output rules: every property required, optional
values are `X | None` (never defaults), no additional properties, no string length or
pattern keywords, object root. Length budgets are enforced in code after parsing
(`briefing.budgets`), never in the schema.

`BriefDocument` wraps a brief with metadata and grounding results; it is what
`briefing generate -f json` writes and `briefing render` reads. It never goes to a model.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


EVIDENCE_DESCRIPTION = (
    "One or more verbatim quotes copied character for character from the article that "
    "support this item. Never paraphrase inside a quote."
)


class Development(_Strict):
    """One key development in the situation."""

    what: str = Field(description="What happened, in one sentence.")
    where: str | None = Field(description="Place, when the article states it; else null.")
    when: str | None = Field(description="Time or date, when the article states it; else null.")
    evidence: list[str] = Field(description=EVIDENCE_DESCRIPTION)


class Situation(_Strict):
    headline: str = Field(description="A factual headline for the brief, at most 15 words.")
    summary: str = Field(description="Two to four sentences on what is happening now.")
    evidence: list[str] = Field(description=EVIDENCE_DESCRIPTION)
    key_developments: list[Development]


class ActorKind(StrEnum):
    GOVERNMENT = "government"
    ARMED_GROUP = "armed_group"
    FOREIGN_STATE = "foreign_state"
    INTERNATIONAL_ORGANISATION = "international_organisation"
    NGO = "ngo"
    PERSON = "person"
    MEDIA = "media"
    OTHER = "other"


class Actor(_Strict):
    name: str = Field(description="The name as the article gives it in full.")
    kind: ActorKind
    role: str = Field(description="Role in or stance towards the situation, in one sentence.")
    aliases: list[str] = Field(
        description="Other names, acronyms or short forms the article uses for this actor."
    )
    evidence: list[str] = Field(description=EVIDENCE_DESCRIPTION)


class Figure(_Strict):
    value: str = Field(
        description="The number exactly as the article states it, e.g. '23', 'about 8,500', "
        "'thousands', '$10 million'."
    )
    unit: str | None = Field(description="Unit, e.g. 'people', 'USD', 'tonnes'; null if none.")
    counts: str = Field(description="What is counted, e.g. 'people displaced'.")
    reported_by: str | None = Field(description="Who reported the figure; null if unstated.")
    evidence: list[str] = Field(description=EVIDENCE_DESCRIPTION)


class Claim(_Strict):
    """A short statement with its evidence (needs, access constraints, indicators)."""

    text: str
    evidence: list[str] = Field(description=EVIDENCE_DESCRIPTION)


class HumanitarianImpact(_Strict):
    summary: str = Field(description="One to three sentences on the impact on people.")
    evidence: list[str] = Field(description=EVIDENCE_DESCRIPTION)
    figures: list[Figure]
    needs: list[Claim]
    access_constraints: list[Claim]


class Likelihood(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Risk(_Strict):
    description: str = Field(description="A scenario or risk the article raises.")
    likelihood: Likelihood | None = Field(
        description="Only when the article indicates how likely it is; otherwise null."
    )
    timeframe: str | None = Field(description="Timeframe when the article states one; else null.")
    evidence: list[str] = Field(description=EVIDENCE_DESCRIPTION)


class Outlook(_Strict):
    summary: str = Field(description="One to three sentences on where things may go.")
    evidence: list[str] = Field(description=EVIDENCE_DESCRIPTION)
    risks: list[Risk]
    indicators: list[Claim] = Field(description="Signs to watch that would show the direction.")


class SituationSection(_Strict):
    """The brief's situation, asked for on its own (prompt versions with one call per
    section); likewise the other `*Section` models."""

    situation: Situation


class ActorsSection(_Strict):
    actors: list[Actor]


class HumanitarianSection(_Strict):
    humanitarian: HumanitarianImpact


class OutlookSection(_Strict):
    outlook: Outlook
    gaps: list[str] = Field(
        description="Important questions the article does not answer (no evidence needed)."
    )


class Brief(_Strict):
    situation: Situation
    actors: list[Actor]
    humanitarian: HumanitarianImpact
    outlook: Outlook
    gaps: list[str] = Field(
        description="Important questions the article does not answer (no evidence needed)."
    )


# --- The stored document (never sent to a model) ---------------------------------------


GroundingStatus = Literal["exact", "fuzzy", "not_found"]


class QuoteCheck(BaseModel):
    """Where one evidence quote was found in the cleaned article."""

    path: str = Field(
        description="Location of the quote in the brief, e.g. 'actors[0].evidence[1]'."
    )
    quote: str
    status: GroundingStatus
    start: int | None = None
    end: int | None = None
    score: float = Field(default=0.0, description="Similarity 0-100; 100 for exact matches.")


class FigureCheck(BaseModel):
    """Whether the number of a humanitarian figure appears in the article."""

    path: str
    value: str
    found: bool
    matched: str | None = None


SupportStatus = Literal["supported", "partly", "unsupported"]
ModelVerdict = Literal["yes", "partly", "no"]


class SupportCheck(BaseModel):
    """Whether one item's own evidence states what the item says (`briefing.support`)."""

    path: str = Field(
        description="The item, e.g. 'humanitarian.figures[0]'; a section path ('situation') "
        "covers its summary (and, for the situation, the headline)."
    )
    status: SupportStatus
    missing: list[str] = Field(
        default_factory=list,
        description="What the item says that its evidence does not: numbers, names, a "
        "likelihood, a place or date, a contradicted actor kind.",
    )
    notes: list[str] = Field(default_factory=list, description="One line per finding.")
    cleared: dict[str, str] = Field(
        default_factory=dict,
        description="Fields removed from the brief because the evidence does not state them, "
        "with the value they had, e.g. {'likelihood': 'medium'}.",
    )
    model_verdict: ModelVerdict | None = Field(
        default=None, description="The model's answer when the support check asked one."
    )


class SupportModelRun(BaseModel):
    """What asking a model about support cost (`--check-support model`)."""

    model: str | None = None
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    seconds: float = 0.0
    unanswered: list[str] = Field(
        default_factory=list, description="Items the model gave no verdict for."
    )


class GroundingReport(BaseModel):
    quotes: list[QuoteCheck] = Field(default_factory=list)
    figures: list[FigureCheck] = Field(default_factory=list)
    dropped: list[str] = Field(
        default_factory=list, description="Items removed by --strict-grounding, as paths."
    )
    claims: list[SupportCheck] | None = Field(
        default=None,
        description="Support of each item by its own evidence; null when not checked.",
    )
    support_model: SupportModelRun | None = None

    @property
    def verified(self) -> int:
        return sum(1 for q in self.quotes if q.status != "not_found")

    @property
    def rate(self) -> float:
        """Verified quotes / all quotes; 1.0 for a brief with no quotes."""
        return self.verified / len(self.quotes) if self.quotes else 1.0

    @property
    def supported(self) -> int:
        """Items fully supported by their own evidence."""
        return sum(1 for c in self.claims or () if c.status == "supported")

    @property
    def support_rate(self) -> float | None:
        """Supported items / checked items; 1.0 with nothing to check; None when the
        support check did not run (documents written before it existed)."""
        if self.claims is None:
            return None
        return self.supported / len(self.claims) if self.claims else 1.0

    @property
    def weakest_rate(self) -> float:
        """The lower of the quote rate and the support rate: what a threshold on how
        well a brief is grounded should compare against."""
        support = self.support_rate
        return self.rate if support is None else min(self.rate, support)


# How a note opens that every page shows (the offline engine's notice that it read an
# article without cue words for its language); other notes stay in the JSON.
PARTIAL_ANALYSIS = "Partial analysis:"


class BriefMetadata(BaseModel):
    engine: Literal["llm", "extractive", "hand-written"]
    origin: str = Field(
        description="Who wrote the brief: 'model output', 'extractive engine', or "
        "'hand-written reference (not model output)'."
    )
    model: str | None = None
    prompt_version: str | None = None
    prompt_hash: str | None = None
    schema_version: str = SCHEMA_VERSION
    source: str = ""
    source_sha256: str | None = None
    title: str | None = None
    published: str | None = None
    retrieved: str | None = None
    language: str | None = Field(
        default=None, description="The article's language, ISO 639-1 ('und': undetermined)."
    )
    language_detector: str | None = Field(
        default=None, description="What detected it: 'builtin' or 'lingua'."
    )
    brief_language: str | None = Field(
        default=None,
        description="The language the brief is written in; evidence quotes stay in the "
        "article's language.",
    )
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    wall_seconds: float = 0.0
    model_seconds: float | None = Field(
        default=None,
        description="Time the model spent answering, summed over calls; for a brief "
        "replayed from a cassette, the time recorded with it (None when not known).",
    )
    structured_fallback: bool = False
    salvaged: list[str] = Field(
        default_factory=list,
        description="Slips in the model's answers that code repaired (an enum in another "
        "case, an unknown field dropped...), one line each.",
    )
    discarded: list[str] = Field(
        default_factory=list,
        description="Parts of an answer left out because they stayed invalid after repairs.",
    )
    suspicious_removed: list[str] = Field(
        default_factory=list,
        description="Passages of the article addressed to automated readers (AI systems), "
        "removed before any engine read it: 'why: text' each.",
    )
    created_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    notes: list[str] = Field(default_factory=list)


class BriefDocument(BaseModel):
    schema_version: str = SCHEMA_VERSION
    metadata: BriefMetadata
    brief: Brief
    grounding: GroundingReport | None = None


REFERENCE_DESCRIPTION = (
    'The numbers of the article sentences that support this item, e.g. ["S3", "S7"]: '
    "only numbers shown in the article, never text."
)


def brief_json_schema(*, evidence_by_reference: bool = False) -> dict[str, Any]:
    """The strict JSON Schema of `Brief`, as sent to models and written to schemas/.

    With `evidence_by_reference` the evidence fields ask for sentence numbers instead of
    quotes (same shape: lists of strings), for prompt versions that cite by reference."""
    return model_json_schema(Brief, evidence_by_reference=evidence_by_reference)


def with_item_limits(schema: dict[str, Any], limits: dict[str, int]) -> dict[str, Any]:
    """`schema` with `maxItems` on every array property named in `limits`."""

    def visit(node: Any) -> Any:
        if isinstance(node, dict):
            out = {key: visit(value) for key, value in node.items()}
            for name, prop in (out.get("properties") or {}).items():
                if name in limits and isinstance(prop, dict) and prop.get("type") == "array":
                    prop["maxItems"] = limits[name]
            return out
        if isinstance(node, list):
            return [visit(item) for item in node]
        return node

    result: dict[str, Any] = visit(schema)
    return result


def model_json_schema(
    model: type[BaseModel], *, evidence_by_reference: bool = False
) -> dict[str, Any]:
    """The strict JSON Schema of `model` (the brief or a section of it): a fresh copy each
    time (callers may change theirs); pydantic builds it once per model, because that
    takes milliseconds and a batch asks for it once per article."""
    schema: dict[str, Any] = json.loads(_schema_text(model))
    if not evidence_by_reference:
        return schema
    text = json.dumps(schema).replace(
        json.dumps(EVIDENCE_DESCRIPTION), json.dumps(REFERENCE_DESCRIPTION)
    )
    result: dict[str, Any] = json.loads(text)
    return result


@functools.cache
def _schema_text(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema())


def document_json_schema() -> dict[str, Any]:
    return BriefDocument.model_json_schema()


def schema_files() -> dict[str, str]:
    """File name -> JSON text for every schema exported to schemas/."""
    return {
        f"brief.v{SCHEMA_VERSION}.json": json.dumps(brief_json_schema(), indent=2) + "\n",
        f"brief-document.v{SCHEMA_VERSION}.json": json.dumps(document_json_schema(), indent=2)
        + "\n",
    }


def iter_evidence(brief: Brief) -> list[tuple[str, list[str]]]:
    """Every evidence list in the brief with its path, in reading order.

    A section whose summary is empty and has no evidence makes no claim (an engine found
    nothing to say there), so it is left out rather than counted as unverified.
    """
    out: list[tuple[str, list[str]]] = []
    if brief.situation.summary.strip() or brief.situation.evidence:
        out.append(("situation", brief.situation.evidence))
    out += [
        (f"situation.key_developments[{i}]", d.evidence)
        for i, d in enumerate(brief.situation.key_developments)
    ]
    out += [(f"actors[{i}]", a.evidence) for i, a in enumerate(brief.actors)]
    h = brief.humanitarian
    if h.summary.strip() or h.evidence:
        out.append(("humanitarian", h.evidence))
    out += [(f"humanitarian.figures[{i}]", f.evidence) for i, f in enumerate(h.figures)]
    out += [(f"humanitarian.needs[{i}]", c.evidence) for i, c in enumerate(h.needs)]
    out += [
        (f"humanitarian.access_constraints[{i}]", c.evidence)
        for i, c in enumerate(h.access_constraints)
    ]
    o = brief.outlook
    if o.summary.strip() or o.evidence:
        out.append(("outlook", o.evidence))
    out += [(f"outlook.risks[{i}]", r.evidence) for i, r in enumerate(o.risks)]
    out += [(f"outlook.indicators[{i}]", c.evidence) for i, c in enumerate(o.indicators)]
    return out


def brief_text_fields(brief: Brief) -> list[str]:
    """The brief's body text, field by field, in reading order (no evidence quotes)."""
    s, h, o = brief.situation, brief.humanitarian, brief.outlook
    fields: list[str | None] = [s.headline, s.summary]
    for d in s.key_developments:
        fields += [d.what, d.where, d.when]
    for a in brief.actors:
        fields += [a.name, *a.aliases, a.role]
    fields.append(h.summary)
    for f in h.figures:
        fields += [f.value, f.unit, f.counts, f.reported_by]
    fields += [c.text for c in (*h.needs, *h.access_constraints)]
    fields.append(o.summary)
    for r in o.risks:
        fields += [r.description, r.timeframe]
    fields += [c.text for c in o.indicators]
    fields += brief.gaps
    return [f for f in fields if f]
