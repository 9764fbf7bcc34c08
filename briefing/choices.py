"""The closed sets of values a user chooses from, declared once.

Typer validates options typed with these enums (a wrong value is a usage error), the
configuration module parses settings into them, and the library compares against them.
Being `StrEnum`s, they equal their string values and serialise as them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar


class Engine(StrEnum):
    """What writes the brief: a model behind an OpenAI-compatible endpoint (`llm`), a GGUF
    model run in this process (`local`), the offline extractive engine, or `auto` (the
    model when one is configured or a cassette is given, else extractive)."""

    AUTO = "auto"
    LLM = "llm"
    LOCAL = "local"
    EXTRACTIVE = "extractive"


class RecordMode(StrEnum):
    """How a cassette is used: replay (a miss is an error), record (always call and
    overwrite), once (replay hits, record misses), off (no cassette)."""

    REPLAY = "replay"
    RECORD = "record"
    ONCE = "once"
    OFF = "off"


class StructuredMode(StrEnum):
    """How the server is asked for JSON: strict `json_schema`, `json_object` (JSON mode,
    with the schema given to servers that take it), or `auto` (the first the server
    accepts)."""

    AUTO = "auto"
    JSON_SCHEMA = "json_schema"
    JSON_OBJECT = "json_object"


class LanguageDetector(StrEnum):
    """What names an article's language: the built-in detector (script and frequent
    words; no dependency) or lingua (the `lingua` extra: better on short texts, but it
    loads its models on first use, which takes seconds)."""

    BUILTIN = "builtin"
    LINGUA = "lingua"


class SupportCheckMode(StrEnum):
    """How each claim is checked against its own evidence after grounding: `rules`
    (deterministic, the default), `model` (the rules, then one short question per item
    to the configured model), or `off` (quotes are only located in the article)."""

    RULES = "rules"
    MODEL = "model"
    OFF = "off"


class TokenizerMode(StrEnum):
    """`offline` never tries to download tiktoken encodings and uses the bundled one."""

    AUTO = "auto"
    OFFLINE = "offline"


class OutputFormat(StrEnum):
    """What `render` writes: Markdown, a self-contained HTML page, one PDF page, or the
    stored JSON document."""

    MD = "md"
    HTML = "html"
    PDF = "pdf"
    JSON = "json"


class Via(StrEnum):
    """How a batch reaches the model: `direct` calls (concurrent, answered in seconds) or
    the provider's `batch-api` (one job, answered within 24 hours at half the price)."""

    DIRECT = "direct"
    BATCH_API = "batch-api"


_Choice = TypeVar("_Choice", bound=StrEnum)


def parse_choice(choices: type[_Choice], value: object, what: str) -> _Choice:
    """`value` as a member of `choices`; ConfigError naming the choices otherwise."""
    from briefing.errors import ConfigError

    try:
        return choices(str(value))
    except ValueError:
        raise ConfigError(f"{what} must be {names(choices)}, not {value!r}") from None


def names(choices: type[StrEnum]) -> str:
    """ "a, b or c", for messages."""
    values = [member.value for member in choices]
    return ", ".join(values[:-1]) + f" or {values[-1]}" if len(values) > 1 else values[0]
