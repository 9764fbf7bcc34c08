"""Domain errors. Each message names the problem and says how to fix it.

The CLI is the only place that turns these into exit codes; library callers catch
`BriefingError` (or a subclass) and read `.exit_code` if they want the same mapping.
"""

from __future__ import annotations


class BriefingError(Exception):
    """Base class. `exit_code` is the documented CLI exit code for this failure."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(BriefingError):
    """The article source cannot be read or is not an article (missing, binary, too big...)."""

    exit_code = 3


class BriefValidationError(BriefingError):
    """A brief JSON file does not match the schema."""

    exit_code = 4


class ConfigError(BriefingError):
    """Settings are missing or invalid (no model configured, bad config file, bad option)."""

    exit_code = 5


class ModelCallError(BriefingError):
    """The model endpoint could not be reached or kept failing (timeouts, 5xx, rate limits)."""

    exit_code = 6


class ModelOutputError(BriefingError):
    """The model answered but the answer is unusable (refusal, truncation, invalid JSON)."""

    exit_code = 7


class ModelRefusalError(ModelOutputError):
    """The model refused the request; the message carries the model's words."""


class TruncatedOutputError(ModelOutputError):
    """The model stopped at its output token limit (finish_reason "length")."""


class ContentFilteredError(ModelOutputError):
    """The provider's content filter stopped the answer."""


class CassetteMissError(BriefingError):
    """Replay mode found no recorded response for a request."""

    exit_code = 8


class GroundingError(BriefingError):
    """--strict-grounding dropped claims whose evidence is not in the article."""

    exit_code = 9


class CostLimitError(BriefingError):
    """The next model call would exceed --max-cost."""

    exit_code = 10


class GateError(BriefingError):
    """A comparison violated a --fail-on regression rule."""

    exit_code = 11


class OutputError(BriefingError):
    """The output cannot be written (bad path, unknown format, PDF support missing)."""

    exit_code = 12


class PromptError(BriefingError):
    """A prompt version is unknown, malformed, or its released files changed."""

    exit_code = 13


EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "unexpected internal error (rerun with --debug and report it)",
    2: "invalid command-line usage",
    InputError.exit_code: "the article source cannot be read or is not an article",
    BriefValidationError.exit_code: "a brief JSON file does not match the schema",
    ConfigError.exit_code: "configuration missing or invalid",
    ModelCallError.exit_code: "model endpoint unreachable or kept failing",
    ModelOutputError.exit_code: "model answer unusable (refusal, truncation, filter, invalid)",
    CassetteMissError.exit_code: "cassette has no recorded response for a request (replay)",
    GroundingError.exit_code: "--strict-grounding dropped unverified claims",
    CostLimitError.exit_code: "--max-cost would be exceeded",
    GateError.exit_code: "comparison regression gate violated",
    OutputError.exit_code: "output cannot be written",
    PromptError.exit_code: "prompt version unknown, malformed or changed after release",
}
