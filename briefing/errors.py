"""Domain errors. Each message names the problem and says how to fix it.

Errors carry data (the model, endpoint and status of a failed call; the path that could
not be written...) and no exit code: the CLI chooses exit codes in one table
(`briefing.cli.exit_codes`). Messages refer to settings and options through `option()`,
so that a library caller reads `max_bytes` where a CLI user reads `--max-bytes`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_OPTION = re.compile(r"⟨([a-z_]+)⟩")


def name_options(text: str, name_option: Callable[[str], str] = lambda name: name) -> str:
    """`text` with each `option()` reference shown by `name_option` (errors and notices)."""
    return _OPTION.sub(lambda m: name_option(m.group(1)), text)


def option(name: str) -> str:
    """A setting or option named inside a message (`max_bytes`, `record_mode`).

    `str(error)` shows the name as it is; the CLI shows its flag (`--max-bytes`).
    """
    return f"⟨{name}⟩"


class BriefingError(Exception):
    """Base class for every failure the package reports to its callers."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.template = message

    def render(self, name_option: Callable[[str], str] = lambda name: name) -> str:
        """The message, with each `option()` reference shown by `name_option`."""
        return name_options(self.template, name_option)

    @property
    def message(self) -> str:
        return self.render()

    def __str__(self) -> str:
        return self.render()


class InputError(BriefingError):
    """The article source cannot be read or is not an article (missing, binary, too big...)."""


class BriefValidationError(BriefingError):
    """A brief JSON file does not match the schema."""


class ConfigError(BriefingError):
    """Settings are missing or invalid (no model configured, bad config file, bad option)."""


class ModelError(BriefingError):
    """A model call failed. Carries what a caller needs to report or retry it."""

    def __init__(
        self,
        message: str,
        *,
        model: str | None = None,
        endpoint: str | None = None,
        status_code: int | None = None,
        attempts: int | None = None,
        usage: Any = None,
        body: str | None = None,
    ) -> None:
        super().__init__(message)
        self.model = model
        self.endpoint = endpoint
        self.status_code = status_code
        self.attempts = attempts  # requests sent for this call, retries included
        self.usage = usage  # `briefing.model.exchange.Usage` spent before the failure
        self.body = body  # the server's or the model's own words, shortened


class ModelCallError(ModelError):
    """The model endpoint could not be reached or kept failing (timeouts, 5xx, rate limits)."""


class ModelAuthError(ConfigError, ModelError):
    """The endpoint rejected the key or the model name: a configuration problem."""


class ModelOutputError(ModelError):
    """The model answered but the answer is unusable (refusal, truncation, invalid JSON)."""


class ModelRefusalError(ModelOutputError):
    """The model refused the request; the message carries the model's words."""


class TruncatedOutputError(ModelOutputError):
    """The model stopped at its output token limit (finish_reason "length")."""


class ContentFilteredError(ModelOutputError):
    """The provider's content filter stopped the answer."""


class CassetteMissError(BriefingError):
    """Replay found no recorded response for a request (or no cassette file)."""

    def __init__(self, message: str, *, cassette: str | None = None, key: str | None = None):
        super().__init__(message)
        self.cassette = cassette
        self.key = key


class GroundingError(BriefingError):
    """Claims were removed or found too weakly grounded (the brief is still written)."""


class CostLimitError(BriefingError):
    """The next model call would exceed the spending limit."""

    def __init__(
        self, message: str, *, limit: float | None = None, spent: float | None = None
    ) -> None:
        super().__init__(message)
        self.limit = limit
        self.spent = spent


class GateError(BriefingError):
    """A comparison violated a regression rule."""

    def __init__(self, message: str, *, violations: list[str] | None = None) -> None:
        super().__init__(message)
        self.violations = violations or []


class OutputError(BriefingError):
    """The output cannot be written (bad path, unknown format, PDF support missing)."""


class PromptError(BriefingError):
    """A prompt version is unknown, malformed, or its released files changed."""


class EveryRunFailed(BriefingError):
    """A comparison in which no run succeeded; `first` is the first run's failure, whose
    kind decides how the failure is reported (its exit code, in the CLI)."""

    def __init__(self, message: str, *, first: BriefingError) -> None:
        super().__init__(message)
        self.first = first


class RunLogError(BriefingError):
    """The run log (a SQLite file) cannot be opened, read or written: corrupt, locked,
    from a newer version, or on a path that cannot be created. Commands that make briefs
    only warn about it; `briefing runs` fails with it."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class SomeArticlesFailed(BriefingError):
    """Some articles of a batch failed or were not started; the others' briefs are
    written and the index lists them all."""

    def __init__(self, message: str, *, failed: int, total: int) -> None:
        super().__init__(message)
        self.failed = failed
        self.total = total


class EveryArticleFailed(SomeArticlesFailed):
    """No article of a batch was briefed."""
