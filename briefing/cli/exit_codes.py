"""The documented exit codes, chosen in this one table from the kind of error.

Library errors carry no exit code; the CLI maps them here. The README's table lists the
same codes (a test keeps the two in step).
"""

from __future__ import annotations

from briefing.errors import (
    BriefingError,
    BriefValidationError,
    CassetteMissError,
    ConfigError,
    CostLimitError,
    EveryArticleFailed,
    EveryRunFailed,
    GateError,
    GroundingError,
    InputError,
    ModelCallError,
    ModelOutputError,
    OutputError,
    PromptError,
    RunLogError,
    SomeArticlesFailed,
)

SUCCESS = 0
INTERNAL_ERROR = 1
USAGE_ERROR = 2
INTERRUPTED = 130  # Ctrl-C (SIGINT), as shells report it: 128 + 2

# Looked up along the error's class hierarchy, most specific class first: a
# `ModelAuthError` is a `ConfigError` (5) before it is a `ModelError`.
_BY_KIND: dict[type[BriefingError], int] = {
    InputError: 3,
    BriefValidationError: 4,
    ConfigError: 5,
    ModelCallError: 6,
    ModelOutputError: 7,
    CassetteMissError: 8,
    GroundingError: 9,
    CostLimitError: 10,
    GateError: 11,
    OutputError: 12,
    PromptError: 13,
    SomeArticlesFailed: 14,
    EveryArticleFailed: 15,
    RunLogError: 16,
}

EXIT_CODES: dict[int, str] = {
    SUCCESS: "success",
    INTERNAL_ERROR: "unexpected internal error (rerun with --debug and report it)",
    USAGE_ERROR: "invalid command-line usage",
    3: "the article source cannot be read or is not an article",
    4: "a brief JSON file does not match the schema",
    5: "configuration missing or invalid (including an unreadable cassette)",
    6: "model endpoint unreachable or kept failing",
    7: "model answer unusable (refusal, truncation, filter, invalid)",
    8: "cassette has no recorded response for a request (replay)",
    9: "--strict-grounding dropped unverified or unsupported claims, or the weaker of the "
    "quote and support rates is below --min-grounding",
    10: "--max-cost would be exceeded",
    11: "comparison regression gate violated",
    12: "output cannot be written (or is an input; stdout closed early)",
    13: "prompt version unknown, malformed or changed after release",
    14: "batch: some articles failed or were not started (the others' briefs are written)",
    15: "batch: no article was briefed",
    16: "run log cannot be read or written (briefing runs; other commands only warn)",
    INTERRUPTED: "interrupted (Ctrl-C); a batch resumes when run again",
}


def exit_code_for(error: BaseException) -> int:
    """The documented exit code for `error` (1 for anything unexpected)."""
    if isinstance(error, EveryRunFailed):
        return exit_code_for(error.first)
    for kind in type(error).__mro__:
        if kind in _BY_KIND:
            return _BY_KIND[kind]
    return INTERNAL_ERROR


def exit_code_for_kind(name: str | None) -> int:
    """The exit code of the error class called `name` (a run's recorded `error_type`)."""
    import briefing.errors

    kind = getattr(briefing.errors, name or "", None)
    if not isinstance(kind, type) or not issubclass(kind, BriefingError):
        return INTERNAL_ERROR
    return next((_BY_KIND[k] for k in kind.__mro__ if k in _BY_KIND), INTERNAL_ERROR)
