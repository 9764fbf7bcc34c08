"""Gold references: hand-written expectations for an article, and scores against them.

A gold file `<article-stem>.gold.json` is either a full `BriefDocument` (a hand-written
reference brief, same schema as `briefing generate -f json`) or the lighter "expected
facts" form, `GoldFacts`. Both load into `GoldFacts`; a full document contributes its
actors (with aliases) and figures, and no key facts.

Matching rules (all case- and diacritic-insensitive, on word tokens, see
`briefing.compare.metrics.word_tokens`):

- actor: a brief actor and a gold actor match when some name or alias of one equals
  some name or alias of the other ("MSF" = "MSF", "Medecins" = "Médecins"), or when the
  shorter of two such names has at least two words and occurs as consecutive whole words
  inside the longer ("Red Crescent" inside "Oranto Red Crescent Society"). A single word
  never matches by containment: "Tarsin" is not "Tarsin Health Ministry" and "Assad" is
  not "Assad's regime"; a short form such as "Jolani" or "Moscow" matches when it is
  listed as an alias. A leading "the" is ignored. Matching is one to one: each brief
  actor counts for at most one gold actor and each gold actor for at most one brief
  actor, pairs taken greedily, strongest first (equal names, then a name equal to an
  alias, then aliases equal, then containment), ties in list order.
- figure: a gold figure is recalled when some brief figure's value contains every
  number of the gold value, read as values the way grounding reads them ("8,500" =
  "8500", "about 23" has 23, "$10 million" = "10,000,000", "thousands" = "thousands").
- key fact: recalled when every content word of the phrase (stop words dropped, a
  plural "s" ignored) occurs somewhere in the brief's body text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from briefing.compare.metrics import MetricSpec, brief_text, fold, word_tokens
from briefing.errors import BriefValidationError
from briefing.files import parse_json
from briefing.grounding import locate_figure
from briefing.schema import Actor, Brief, BriefDocument

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
    language: str | None = Field(
        default=None, description="The article's language (ISO 639-1), for number words."
    )
    actors: list[GoldActor] = Field(default_factory=list)
    figures: list[GoldFigure] = Field(default_factory=list)
    key_facts: list[str] = Field(default_factory=list)


GOLD_METRICS: tuple[MetricSpec, ...] = (
    MetricSpec(
        "actor_recall",
        "actor recall (gold)",
        "higher",
        "rate",
        "Gold actors matched by a brief actor / gold actors. Actors are paired one to one "
        "(each brief actor counts for at most one gold actor). Two actors match when a name "
        "or alias of one equals a name or alias of the other, or when the shorter name has "
        "at least two words and appears as consecutive whole words inside the longer; case, "
        'accents and a leading "the" are ignored, and a single word never matches by '
        "containment (list short forms as aliases).",
    ),
    MetricSpec(
        "actor_precision",
        "actor precision (gold)",
        "higher",
        "rate",
        "Brief actors paired with a gold actor (one to one, as for actor_recall) / brief actors.",
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
        data: Any = parse_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BriefValidationError(f"gold file {path} cannot be read ({exc})") from exc
    except ValueError as exc:  # not UTF-8, not JSON, or nested far too deep
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


@dataclass(frozen=True)
class NameForm:
    """One name or alias of an actor, folded: word tokens joined by spaces."""

    key: str
    words: int  # whitespace-separated words: "al-Assad" is one word, two tokens
    alias: bool


ActorNames = tuple[NameForm, ...]

# Match strengths, strongest first; 0 is no match.
_SAME_NAME, _NAME_IS_ALIAS, _SAME_ALIAS, _CONTAINED = 4, 3, 2, 1


def _name_form(name: str, *, alias: bool) -> NameForm | None:
    words = fold(name).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    tokens = word_tokens(" ".join(words))
    return NameForm(" ".join(tokens), len(words), alias) if tokens else None


def actor_keys(actor: Actor | GoldActor) -> ActorNames:
    """The actor's name and aliases as comparable forms, duplicates dropped."""
    forms: dict[str, NameForm] = {}
    for text, alias in ((actor.name, False), *((a, True) for a in actor.aliases)):
        form = _name_form(text, alias=alias)
        if form is not None and form.key not in forms:
            forms[form.key] = form
    return tuple(forms.values())


def _contains(longer: NameForm, shorter: NameForm) -> bool:
    return shorter.words >= 2 and f" {shorter.key} " in f" {longer.key} "


def _form_strength(x: NameForm, y: NameForm) -> int:
    if x.key == y.key:
        if not x.alias and not y.alias:
            return _SAME_NAME
        return _NAME_IS_ALIAS if not (x.alias and y.alias) else _SAME_ALIAS
    shorter, longer = (x, y) if len(x.key) <= len(y.key) else (y, x)
    return _CONTAINED if _contains(longer, shorter) else 0


def match_strength(a: ActorNames, b: ActorNames) -> int:
    """How strongly two actors' names match (0: they do not); see the module docstring."""
    return max((_form_strength(x, y) for x in a for y in b), default=0)


def names_match(a: ActorNames, b: ActorNames) -> bool:
    return match_strength(a, b) > 0


def pair_actors(left: Sequence[ActorNames], right: Sequence[ActorNames]) -> dict[int, int]:
    """One-to-one pairs (left index -> right index): greedily, strongest match first,
    ties in list order, so one actor never satisfies two on the other side."""
    candidates = sorted(
        (
            (-strength, i, j)
            for i, a in enumerate(left)
            for j, b in enumerate(right)
            if (strength := match_strength(a, b)) > 0
        ),
    )
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for _, i, j in candidates:
        if i not in pairs and j not in taken:
            pairs[i] = j
            taken.add(j)
    return pairs


def figure_recalled(gold_value: str, brief_values: list[str], language: str | None = None) -> bool:
    """Some brief figure value holds every number of `gold_value` (grounding's reading
    of numbers: "8,500" = "8500", "$10 million" = "10,000,000", "thousands"; with
    `language`, its number words: "vingt-trois" = "23")."""
    return any(locate_figure(gold_value, value, language=language).found for value in brief_values)


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
    pairs = pair_actors([actor_keys(a) for a in gold.actors], [actor_keys(a) for a in brief.actors])
    values = [f.value for f in brief.humanitarian.figures]
    figure_hits = sum(1 for f in gold.figures if figure_recalled(f.value, values, gold.language))
    words = {_stem(w) for w in word_tokens(brief_text(brief))}
    fact_hits = sum(1 for fact in gold.key_facts if fact_recalled(fact, words))
    return GoldScores(
        actor_recall=_share(len(pairs), len(gold.actors)),
        # With no gold actors there is nothing to be precise against.
        actor_precision=_share(len(pairs), len(brief.actors)) if gold.actors else None,
        figure_recall=_share(figure_hits, len(gold.figures)),
        key_fact_recall=_share(fact_hits, len(gold.key_facts)),
    )
