"""Per-brief metrics: pure functions over a `BriefDocument` and the article text.

Every metric a comparison reports is declared once in `METRICS` (key, label, which
direction is better, how to show it), so the terminal table, the HTML report and the
regression gate agree on names and on what "better" means.

The text helpers here (`fold`, `word_tokens`, `PhraseIndex`) normalise case, diacritics
and digit grouping for name and phrase matching; gold scoring uses them too, so
"Médecins" matches "Medecins" and "8,500" matches "8500" wherever words are compared.
Numbers inside figures are compared by `briefing.grounding`, the one place that reads
"$10 million", "8,500" or "thousands" as values.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ValidationError

from briefing import budgets
from briefing.budgets import BUDGETS
from briefing.schema import ActorKind, Brief, BriefDocument, GroundingReport, brief_text_fields
from briefing.text.entities import analyse
from briefing.text.names import TITLES

Direction = Literal["higher", "lower"] | None
Kind = Literal["rate", "count", "bool", "usd", "seconds", "float"]


@dataclass(frozen=True)
class MetricSpec:
    key: str
    label: str
    better: Direction  # None: neither direction is better (e.g. number of actors)
    kind: Kind
    definition: str


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec(
        "schema_valid",
        "schema-valid",
        "higher",
        "bool",
        "The run produced a brief that validates against the Brief schema (a model answer "
        "that stayed unusable counts as not valid). Over repeats: the share of valid runs.",
    ),
    MetricSpec(
        "grounding_rate",
        "grounding rate",
        "higher",
        "rate",
        "Evidence quotes located in the article (exactly or fuzzily) / all evidence quotes; "
        "1.0 for a brief with no quotes.",
    ),
    MetricSpec(
        "unverified_claims",
        "unverified claims",
        "lower",
        "count",
        "Evidence-bearing items (situation, each development, actor, figure, need, access "
        "constraint, risk, indicator, and the three section summaries) with no quote "
        "located in the article: all quotes not_found, or no quote at all.",
    ),
    MetricSpec(
        "support_rate",
        "support rate",
        "higher",
        "rate",
        "Evidence-bearing items whose own quotes state what they say (numbers, names, "
        "likelihood, place and date, actor kind; summaries sentence by sentence against "
        "their section's quotes) / items checked; see briefing.support. Empty when the "
        "support check was off.",
    ),
    MetricSpec(
        "unsupported_claims",
        "unsupported claims",
        "lower",
        "count",
        "Items their own quotes do not support at all (a figure whose number is not in its "
        "quotes, an actor its quotes do not name, a claim sharing no word with its quotes, "
        "an item without quotes); items supported only in part are not counted here but "
        "lower support_rate.",
    ),
    MetricSpec("actors", "actors", None, "count", "Number of actors in the brief."),
    MetricSpec("developments", "developments", None, "count", "Number of key developments."),
    MetricSpec("figures", "figures", None, "count", "Number of humanitarian figures."),
    MetricSpec("risks", "risks", None, "count", "Number of outlook risks."),
    MetricSpec(
        "figures_found",
        "figures found in article",
        "higher",
        "rate",
        "Humanitarian figures whose number occurs in the article / figures checked; "
        "empty when the brief has no figures.",
    ),
    MetricSpec(
        "words",
        "words",
        None,
        "count",
        "Whitespace-separated words of the brief's body text (headline, summaries, "
        "developments, actor names, aliases and roles, figures, needs, access constraints, "
        "risks, indicators, gaps); evidence quotes are not counted.",
    ),
    MetricSpec(
        "fits_page",
        "fits one page",
        "higher",
        "bool",
        f"words <= the one-page budget ({BUDGETS.total_words} words). Over repeats: the "
        "share of runs that fit.",
    ),
    MetricSpec(
        "budget_cuts",
        "budget cuts",
        "lower",
        "count",
        "Cuts the renderer makes to keep the brief on one page (one per note of "
        "briefing.budgets.enforce_budgets: items over a list budget, shortened texts); "
        "0 when the brief fits its section budgets as written.",
    ),
    MetricSpec(
        "entity_coverage",
        "entity coverage",
        "higher",
        "rate",
        "Named entities found in the article that the brief's body text mentions / named "
        "entities found in the article. A cheap recall proxy. Figure units, development "
        "dates and risk timeframes are left out of the brief's text here: they are labels, "
        "not names.",
    ),
    MetricSpec(
        "entity_precision",
        "entity precision",
        "higher",
        "rate",
        "Named entities found in the brief's body text (without figure units, development "
        "dates and risk timeframes, so 'USD' is not a name) that occur in the article / "
        "named entities found in the brief. A name missing from the article is a likely "
        "hallucination.",
    ),
    MetricSpec("calls", "model calls", "lower", "count", "Model calls made (metadata.calls)."),
    MetricSpec("prompt_tokens", "prompt tokens", "lower", "count", "Prompt tokens over all calls."),
    MetricSpec(
        "completion_tokens",
        "completion tokens",
        "lower",
        "count",
        "Completion tokens over all calls.",
    ),
    MetricSpec(
        "cost_usd",
        "cost (USD)",
        "lower",
        "usd",
        "Estimated cost in US dollars (metadata.cost_usd); empty when the model's price is "
        "unknown.",
    ),
    MetricSpec(
        "wall_seconds",
        "wall time (s)",
        "lower",
        "seconds",
        "Wall-clock seconds the pipeline took (metadata.wall_seconds); replayed runs are fast.",
    ),
    MetricSpec(
        "model_seconds",
        "model time (s)",
        "lower",
        "seconds",
        "Seconds the model spent answering, summed over calls (metadata.model_seconds): for "
        "a brief replayed from a cassette, the time recorded with it, so a comparison of "
        "recordings still shows how fast the model behind them was.",
    ),
)


class BriefMetrics(BaseModel):
    """The metrics of one brief. `None` means "not measurable" (e.g. no grounding report)."""

    schema_valid: bool
    grounding_rate: float | None = None
    quotes: int | None = None
    unverified_claims: int | None = None
    support_rate: float | None = None
    unsupported_claims: int | None = None
    actors: int | None = None
    developments: int | None = None
    figures: int | None = None
    risks: int | None = None
    figures_found: float | None = None
    words: int | None = None
    fits_page: bool | None = None
    budget_cuts: int | None = None
    entity_coverage: float | None = None
    entity_precision: float | None = None
    article_entities: int | None = None
    brief_entities: int | None = None
    calls: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    wall_seconds: float | None = None
    model_seconds: float | None = None

    def values(self) -> dict[str, float | None]:
        """Numeric values keyed like `METRICS` (booleans as 0/1), for aggregation."""
        out: dict[str, float | None] = {}
        for spec in METRICS:
            value = getattr(self, spec.key)
            out[spec.key] = None if value is None else float(value)
        return out


# --- text normalisation ---------------------------------------------------------------

# Digit-group separators: comma, no-break and thin spaces, apostrophe (Swiss style).
# A plain space is deliberately not one: "in 2019 300 people" must stay two numbers.
_GROUPED = re.compile(r"(?<=\d)[,\u00a0\u202f\u2009'](?=\d{3}(?!\d))")
_WORD = re.compile(r"\w+(?:\.\d+)?")


def fold(text: str) -> str:
    """Case- and diacritic-insensitive form: NFKD, combining marks dropped, casefolded."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def ungroup_digits(text: str) -> str:
    """'8,500' -> '8500' (also with no-break/thin spaces); decimals are left alone."""
    return _GROUPED.sub("", text)


def word_tokens(text: str) -> list[str]:
    """Folded word tokens; digit groups joined and decimals kept whole ('1.5')."""
    return _WORD.findall(fold(ungroup_digits(text)))


class PhraseIndex:
    """A text tokenised once for repeated whole-word phrase look-ups: `phrase in index`
    is true when the phrase's words occur consecutively, as whole words, in the text
    (folded, digit groups joined: see `word_tokens`)."""

    def __init__(self, text: str) -> None:
        self._joined = f" {' '.join(word_tokens(text))} "

    def __contains__(self, phrase: str) -> bool:
        words = word_tokens(phrase)
        return bool(words) and f" {' '.join(words)} " in self._joined


# --- brief text -----------------------------------------------------------------------


def brief_text(brief: Brief) -> str:
    # Fields are separated by blank lines so that an entity finder never joins the end of
    # one field with the start of the next into a single name.
    return "\n\n".join(brief_text_fields(brief))


def entity_text(brief: Brief) -> str:
    """The body text that entity metrics read: `brief_text` without the labels that name
    nothing in the article, i.e. figure units ("USD", "EUR", "Tonnes"), development dates
    (`when`) and risk timeframes ("Coming Days"), which an entity finder would otherwise
    take for names the article never mentions."""
    h, o = brief.humanitarian, brief.outlook
    return brief_text(
        brief.model_copy(
            update={
                "situation": brief.situation.model_copy(
                    update={
                        "key_developments": [
                            d.model_copy(update={"when": None})
                            for d in brief.situation.key_developments
                        ]
                    }
                ),
                "humanitarian": h.model_copy(
                    update={"figures": [f.model_copy(update={"unit": None}) for f in h.figures]}
                ),
                "outlook": o.model_copy(
                    update={"risks": [r.model_copy(update={"timeframe": None}) for r in o.risks]}
                ),
            }
        )
    )


# --- grounding-derived ----------------------------------------------------------------


def unverified_claims(grounding: GroundingReport) -> int:
    """Evidence-bearing items none of whose quotes was located in the article.

    The grounding report lists every item, an item without evidence as one not_found
    check at "<item>.evidence", so grouping its checks by item covers all of them.
    """
    verified: dict[str, bool] = {}
    for check in grounding.quotes:
        item = check.path.rsplit(".evidence", 1)[0]
        verified[item] = verified.get(item, False) or check.status != "not_found"
    return sum(1 for ok in verified.values() if not ok)


def unsupported_claims(grounding: GroundingReport) -> int | None:
    """Items whose own quotes do not support them; None when support was not checked."""
    if grounding.claims is None:
        return None
    return sum(1 for check in grounding.claims if check.status == "unsupported")


# --- entities -------------------------------------------------------------------------


def _untitled(name: str) -> str:
    """'Russian Foreign Minister Sergei Lavrov' -> 'Sergei Lavrov': a brief may drop titles."""
    words = name.split()
    last_title = max((i for i, w in enumerate(words) if w.rstrip(".") in TITLES), default=-1)
    return " ".join(words[last_title + 1 :]) or name


@lru_cache(maxsize=64)
def entity_forms(text: str, *, headings: bool = False) -> tuple[tuple[str, ...], ...]:
    """Each named entity in `text` (actors and places) as the names it goes by.

    Cached: a comparison measures every brief of an article against the same text.
    `headings=True` also reads short unpunctuated lines, which in a brief's body text
    are names and labels, not page chrome.
    """
    analysis = analyse(text, skip_headings=not headings)
    out: list[tuple[str, ...]] = []
    for entity in analysis.entities:
        forms = (entity.name, *entity.aliases)
        if entity.kind is ActorKind.PERSON:
            forms += tuple(_untitled(f) for f in forms)
        out.append(tuple(dict.fromkeys(forms)))
    out += [(place,) for place in analysis.places]
    return tuple(out)


def _share(entities: Sequence[tuple[str, ...]], index: PhraseIndex) -> float | None:
    if not entities:
        return None
    return sum(1 for forms in entities if any(f in index for f in forms)) / len(entities)


def entity_scores(article_text: str, body: str) -> tuple[float | None, float | None, int, int]:
    """(coverage, precision, article entity count, brief entity count).

    An entity is mentioned in a text when any of its names occurs there as whole words,
    case- and diacritic-insensitively.
    """
    in_article = entity_forms(article_text)
    in_brief = entity_forms(body, headings=True)
    coverage = _share(in_article, PhraseIndex(body))
    precision = _share(in_brief, PhraseIndex(article_text))
    return coverage, precision, len(in_article), len(in_brief)


# --- all together ---------------------------------------------------------------------


def is_schema_valid(brief: Brief) -> bool:
    """Round-trip through JSON and re-validate strictly (extra fields forbidden)."""
    try:
        Brief.model_validate_json(brief.model_dump_json())
    except ValidationError:
        return False
    return True


def compute_metrics(doc: BriefDocument, article_text: str) -> BriefMetrics:
    brief, meta, grounding = doc.brief, doc.metadata, doc.grounding
    words = budgets.body_words(brief)
    coverage, precision, n_article, n_brief = entity_scores(article_text, entity_text(brief))
    figures_found: float | None = None
    if grounding is not None and grounding.figures:
        figures_found = sum(1 for f in grounding.figures if f.found) / len(grounding.figures)
    return BriefMetrics(
        schema_valid=is_schema_valid(brief),
        grounding_rate=grounding.rate if grounding is not None else None,
        quotes=len(grounding.quotes) if grounding is not None else None,
        unverified_claims=unverified_claims(grounding) if grounding is not None else None,
        support_rate=grounding.support_rate if grounding is not None else None,
        unsupported_claims=unsupported_claims(grounding) if grounding is not None else None,
        actors=len(brief.actors),
        developments=len(brief.situation.key_developments),
        figures=len(brief.humanitarian.figures),
        risks=len(brief.outlook.risks),
        figures_found=figures_found,
        words=words,
        fits_page=words <= BUDGETS.total_words,
        budget_cuts=len(budgets.enforce_budgets(brief)[1]),
        entity_coverage=coverage,
        entity_precision=precision,
        article_entities=n_article,
        brief_entities=n_brief,
        calls=meta.calls,
        prompt_tokens=meta.prompt_tokens,
        completion_tokens=meta.completion_tokens,
        cost_usd=meta.cost_usd,
        wall_seconds=meta.wall_seconds,
        model_seconds=meta.model_seconds,
    )


def invalid_metrics() -> BriefMetrics:
    """Metrics of a run whose model answer never became a valid brief."""
    return BriefMetrics(schema_valid=False)
