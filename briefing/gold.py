"""Gold references: hand-written expectations for an article, and scores against them.

A gold file `<article-stem>.gold.json` is either a full `BriefDocument` (a hand-written
reference brief, same schema as `briefing generate -f json`) or the lighter "expected
facts" form, `GoldFacts`. Both load into `GoldFacts`; a full document contributes its
actors (with aliases) and figures, and no key facts.

Matching rules (all case- and diacritic-insensitive, on word tokens, see
`briefing.metrics.word_tokens`):

- actor: a brief actor matches a gold actor when some name or alias of one equals, or
  occurs as consecutive whole words inside, some name or alias of the other ("MSF" =
  "MSF"; "Red Crescent" inside "Oranto Red Crescent Society"). A leading "the" is ignored.
- figure: a gold figure is recalled when some brief figure's value contains every
  number of the gold value, read as values the way grounding reads them ("8,500" =
  "8500", "about 23" has 23, "$10 million" = "10,000,000", "thousands" = "thousands").
- key fact: recalled when every content word of the phrase (stop words dropped, a
  plural "s" ignored) occurs somewhere in the brief's body text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import BriefValidationError
from .grounding import locate_figure
from .metrics import MetricSpec, brief_text, word_tokens
from .schema import Actor, Brief, BriefDocument

GOLD_SUFFIX = ".gold.json"


class GoldActor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)


class GoldFigure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(min_length=1, description="The number as the article states it.")
    counts: str = Field(description="What is counted; documentation for people only.")


class GoldFacts(BaseModel):
    """The "expected facts" gold form."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(description="Says who wrote it, e.g. 'hand-written reference, ...'.")
    article: str = Field(description="The article file this gold belongs to.")
    actors: list[GoldActor] = Field(default_factory=list)
    figures: list[GoldFigure] = Field(default_factory=list)
    key_facts: list[str] = Field(default_factory=list)


GOLD_METRICS: tuple[MetricSpec, ...] = (
    MetricSpec(
        "actor_recall",
        "actor recall (gold)",
        "higher",
        "rate",
        "Gold actors matched by some brief actor / gold actors.",
    ),
    MetricSpec(
        "actor_precision",
        "actor precision (gold)",
        "higher",
        "rate",
        "Brief actors that match some gold actor / brief actors.",
    ),
    MetricSpec(
        "figure_recall",
        "figure recall (gold)",
        "higher",
        "rate",
        "Gold figures whose number appears in some brief figure's value / gold figures.",
    ),
    MetricSpec(
        "key_fact_recall",
        "key-fact recall (gold)",
        "higher",
        "rate",
        "Gold key-fact phrases whose content words all occur in the brief's body text / "
        "gold key facts.",
    ),
)


class GoldScores(BaseModel):
    """Scores of one brief against its gold; `None` when the gold has nothing to score."""

    actor_recall: float | None = None
    actor_precision: float | None = None
    figure_recall: float | None = None
    key_fact_recall: float | None = None

    def values(self) -> dict[str, float | None]:
        return {spec.key: getattr(self, spec.key) for spec in GOLD_METRICS}


# --- loading --------------------------------------------------------------------------


def gold_path(gold_dir: Path, article_path: Path) -> Path:
    return gold_dir / f"{article_path.stem}{GOLD_SUFFIX}"


def _field_errors(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        parts.append(f"{where}: {err['msg']}")
    more = len(exc.errors()) - 5
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def load_gold(path: Path) -> GoldFacts:
    """Read a gold file in either form; raise BriefValidationError naming file and field."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BriefValidationError(f"gold file {path} cannot be read ({exc})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BriefValidationError(
            f"gold file {path} is not valid JSON ({exc}); fix the file"
        ) from exc
    if not isinstance(data, dict):
        raise BriefValidationError(f"gold file {path}: the top level must be a JSON object")
    # A document has "brief"; the expected-facts form forbids that key, so the choice
    # is unambiguous and errors are reported against the form the author meant.
    try:
        if "brief" in data:
            return facts_from_document(BriefDocument.model_validate(data), path.name)
        return GoldFacts.model_validate(data)
    except ValidationError as exc:
        form = "BriefDocument" if "brief" in data else "expected-facts"
        raise BriefValidationError(
            f"gold file {path} ({form} form) is invalid: {_field_errors(exc)}"
        ) from exc


def facts_from_document(doc: BriefDocument, article: str) -> GoldFacts:
    brief = doc.brief
    return GoldFacts(
        label=doc.metadata.origin,
        article=doc.metadata.source or article,
        actors=[GoldActor(name=a.name, aliases=list(a.aliases)) for a in brief.actors],
        figures=[GoldFigure(value=f.value, counts=f.counts) for f in brief.humanitarian.figures],
        key_facts=[],
    )


# --- matching -------------------------------------------------------------------------


def _name_key(name: str) -> str:
    words = word_tokens(name)
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def _name_keys(name: str, aliases: list[str]) -> set[str]:
    return {k for k in (_name_key(n) for n in (name, *aliases)) if k}


def names_match(a: set[str], b: set[str]) -> bool:
    """Some key of `a` equals or is a whole-word part of some key of `b`, or vice versa."""
    for x in a:
        for y in b:
            if x == y or f" {x} " in f" {y} " or f" {y} " in f" {x} ":
                return True
    return False


def actor_keys(actor: Actor | GoldActor) -> set[str]:
    return _name_keys(actor.name, list(actor.aliases))


def figure_recalled(gold_value: str, brief_values: list[str]) -> bool:
    """Some brief figure value holds every number of `gold_value` (grounding's reading
    of numbers: "8,500" = "8500", "$10 million" = "10,000,000", "thousands")."""
    return any(locate_figure(gold_value, value).found for value in brief_values)


# Function words dropped from key-fact phrases: they carry no fact and a paraphrase
# rarely keeps them.
STOP_WORDS = frozenset(
    """a an the of in on at to for from by with and or but as is are was were be been
    has have had it its this that these those their his her there than into over after
    before since about s""".split()
)


def _stem(word: str) -> str:
    # A plural or third-person "s" is the commonest difference between a gold phrase
    # and a brief's wording ("convoys stalled" / "convoy"); anything more is left alone.
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def content_words(phrase: str) -> set[str]:
    return {_stem(w) for w in word_tokens(phrase) if w not in STOP_WORDS}


def fact_recalled(fact: str, brief_words: set[str]) -> bool:
    words = content_words(fact)
    return bool(words) and words <= brief_words


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def score_against_gold(brief: Brief, gold: GoldFacts) -> GoldScores:
    gold_keys = [actor_keys(a) for a in gold.actors]
    brief_keys = [actor_keys(a) for a in brief.actors]
    actor_hits = sum(1 for g in gold_keys if any(names_match(g, b) for b in brief_keys))
    precise = sum(1 for b in brief_keys if any(names_match(b, g) for g in gold_keys))
    values = [f.value for f in brief.humanitarian.figures]
    figure_hits = sum(1 for f in gold.figures if figure_recalled(f.value, values))
    words = {_stem(w) for w in word_tokens(brief_text(brief))}
    fact_hits = sum(1 for fact in gold.key_facts if fact_recalled(fact, words))
    return GoldScores(
        actor_recall=_share(actor_hits, len(gold.actors)),
        # With no gold actors there is nothing to be precise against.
        actor_precision=_share(precise, len(brief.actors)) if gold.actors else None,
        figure_recall=_share(figure_hits, len(gold.figures)),
        key_fact_recall=_share(fact_hits, len(gold.key_facts)),
    )
