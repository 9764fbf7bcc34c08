"""Structured calls over any `ChatTransport`: ask, check why the model stopped,
extract and validate the JSON, re-ask a bounded number of times.

Works the same on the real client, a cassette or a test double.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from briefing.errors import (
    ContentFilteredError,
    ModelOutputError,
    ModelRefusalError,
    TruncatedOutputError,
)
from briefing.model.exchange import ChatTransport, ModelRequest, ModelResponse, Usage
from briefing.model.salvage import close_truncated_json, keep_valid_parts, salvage
from briefing.model.usage import UsageMeter

T = TypeVar("T", bound=BaseModel)
MAX_LISTED_ERRORS = 10


def one_line(text: str, limit: int = 300) -> str:
    """`text` flattened to one line of at most `limit` characters, for messages."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass
class StructuredResult(Generic[T]):
    value: T
    responses: list[ModelResponse]
    repairs: int
    fixes: list[str] = field(default_factory=list)  # near-misses repaired in code
    discarded: list[str] = field(default_factory=list)  # invalid parts left out

    @property
    def fallback_used(self) -> bool:
        """True if any call asked the server in JSON mode instead of with the schema."""
        return any(r.structured_mode != "json_schema" for r in self.responses)

    @property
    def usage(self) -> Usage:
        return sum((r.usage for r in self.responses), Usage())


_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)


def extract_json(text: str) -> Any:
    """The JSON value in a model's answer. The whole answer is tried first; then what
    follows the last `</think>` (reasoning, with or without its opening tag); then a
    ```json fence, then the first object that parses. Raises json.JSONDecodeError."""
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        error = exc
    text = text.rpartition("</think>")[2].strip()
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1).strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        error = exc
    # Prose around the object: decode from each "{" (the first few) until one parses.
    starts = [m.start() for m in re.finditer(r"\{", text)][:20]
    for start in starts:
        try:
            return json.JSONDecoder().raw_decode(text, start)[0]
        except json.JSONDecodeError as exc:
            error = exc if start == starts[0] else error
    raise error


def _location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(root)"


@dataclass
class Parsed(Generic[T]):
    """One answer read: the value when valid, else the errors; the JSON data as repaired
    in code (None when there was no JSON object) and the repairs made."""

    value: T | None
    errors: list[str]
    data: dict[str, Any] | None = None
    fixes: list[str] = field(default_factory=list)


def parse_answer(
    content: str | None,
    output_type: type[T],
    *,
    schema: dict[str, Any] | None = None,
    finish_reason: str | None = None,
) -> Parsed[T]:
    """Read one answer: find its JSON, repair near-misses against `schema` in code
    (`briefing.model.salvage`), validate it as `output_type`."""
    if not content or not content.strip():
        why = f"finish_reason {finish_reason}" if finish_reason else "no finish_reason"
        return Parsed(None, [f"the answer was empty ({why}); expected one JSON object"])
    try:
        data = extract_json(content)
    except json.JSONDecodeError as exc:
        return Parsed(None, [f"the answer is not valid JSON: {exc}"])
    except RecursionError:
        return Parsed(None, ["the answer nests arrays or objects far too deeply to be a brief"])
    if not isinstance(data, dict):
        return Parsed(None, [f"the answer is a JSON {type(data).__name__}, not an object"])
    fixes: list[str] = []
    if schema is not None:
        repaired = salvage(data, schema)
        data, fixes = repaired.data, repaired.fixes
    try:
        return Parsed(output_type.model_validate(data), [], data, fixes)
    except ValidationError as exc:
        errors = exc.errors()
        lines = [f"{_location(e['loc'])}: {e['msg']}" for e in errors[:MAX_LISTED_ERRORS]]
        if len(errors) > MAX_LISTED_ERRORS:
            lines.append(f"(and {len(errors) - MAX_LISTED_ERRORS} more errors)")
        return Parsed(None, lines, data, fixes)


def parse_output(
    content: str | None, output_type: type[T], *, finish_reason: str | None = None
) -> tuple[T | None, list[str]]:
    """(value, []) when the content is a valid `output_type` as it stands (no repairs),
    else (None, error lines)."""
    parsed = parse_answer(content, output_type, finish_reason=finish_reason)
    return parsed.value, parsed.errors


def _raise_for_stop(
    response: ModelResponse, request: ModelRequest, responses: list[ModelResponse]
) -> None:
    """Stop reasons that no re-ask can fix."""
    data = _error_data(request, responses)
    if response.refusal or response.finish_reason == "refusal":
        words = one_line(response.refusal or response.content or "no reason given")
        raise ModelRefusalError(
            f'the model refused: "{words}"; check that the input is a news article, '
            "or try another ⟨model⟩ or ⟨prompt⟩",
            body=words,
            **data,
        )
    if response.finish_reason == "length":
        raise TruncatedOutputError(
            f"the model's answer was cut off at the output limit ({request.max_output_tokens} "
            "tokens); raise ⟨max_output_tokens⟩ or lower ⟨chunk_tokens⟩",
            **data,
        )
    if response.finish_reason == "content_filter":
        raise ContentFilteredError(
            "the provider's content filter stopped the answer (finish_reason content_filter); "
            "try another model or a local server",
            **data,
        )


TRUNCATED = "the end of the answer (cut off at the output limit)"


def _complete_part_of(
    response: ModelResponse, request: ModelRequest, output_type: type[T]
) -> tuple[T, list[str], list[str]] | None:
    """What is complete in an answer cut off at the output limit: a long local run that
    ran out of tokens near the end still gives a brief. (value, fixes, discarded)."""
    data = close_truncated_json(response.content or "")
    if not isinstance(data, dict):
        return None
    repaired = salvage(data, request.json_schema)
    kept, discarded = keep_valid_parts(repaired.data, output_type)
    if kept is None:
        return None
    return kept, repaired.fixes, [TRUNCATED, *discarded]


def _error_data(request: ModelRequest, responses: list[ModelResponse]) -> dict[str, Any]:
    """What a model error carries: the model that answered, attempts, usage so far."""
    answered = next((r.model for r in reversed(responses) if r.model), None)
    return {
        "model": answered or request.model,
        "attempts": len(responses),
        "usage": sum((r.usage for r in responses), Usage()),
    }


# How much of a bad answer a re-ask echoes back: its start and its end. A model that ran
# away (megabytes of repeated text) must not make the repair cost as much again.
ECHO_HEAD_CHARS = 6_000
ECHO_TAIL_CHARS = 2_000


def bounded_echo(bad_output: str) -> str:
    """`bad_output` as a re-ask shows it: whole when short, else its start and its end
    around a note saying how much was left out."""
    if len(bad_output) <= ECHO_HEAD_CHARS + ECHO_TAIL_CHARS:
        return bad_output
    left_out = len(bad_output) - ECHO_HEAD_CHARS - ECHO_TAIL_CHARS
    return (
        f"{bad_output[:ECHO_HEAD_CHARS]}\n[... {left_out:,} characters of this answer left "
        f"out ...]\n{bad_output[-ECHO_TAIL_CHARS:]}"
    )


def repair_request(
    original: ModelRequest, bad_output: str, errors: list[str], attempt: int, max_repairs: int
) -> ModelRequest:
    """The original messages plus a bounded excerpt of the bad answer (`bounded_echo`) and
    its errors, each on one short line: never the whole chain, never unbounded."""
    listing = "\n".join(f"- {one_line(line)}" for line in errors[: MAX_LISTED_ERRORS + 1])
    feedback = (
        f"Your answer does not match the required JSON schema:\n{listing}\n"
        "Reply with the corrected JSON object only, with no other text."
    )
    purpose = f"repair {attempt} of {max_repairs}"
    return replace(
        original,
        messages=(
            *original.messages,
            {"role": "assistant", "content": bounded_echo(bad_output)},
            {"role": "user", "content": feedback},
        ),
        purpose=f"{purpose} for {original.purpose}" if original.purpose else purpose,
    )


async def structured_call(
    transport: ChatTransport,
    request: ModelRequest,
    output_type: type[T],
    *,
    max_repairs: int,
    meter: UsageMeter | None = None,
) -> StructuredResult[T]:
    """Ask, repair near-misses in code, validate against `output_type`, re-ask at most
    `max_repairs` times with what code could not fix. When no answer validates, the parts
    of the last one that do are kept (`discarded` lists the rest); ModelOutputError (or a
    subclass) only when nothing usable is left. Every response, repairs and replays
    included, is recorded in `meter` (calls, tokens, cost shown); the spending limit is
    held below, by a `usage.BudgetGuard` around the live client."""
    responses: list[ModelResponse] = []
    current = request
    last: Parsed[T] = Parsed(None, [])
    for attempt in range(max_repairs + 1):
        response = await transport.complete(current)
        if meter:
            meter.record(response)
        responses.append(response)
        if response.finish_reason == "length":
            complete = _complete_part_of(response, request, output_type)
            if complete is not None:
                value, fixes, left_out = complete
                return StructuredResult(value, responses, attempt, fixes, left_out)
        _raise_for_stop(response, current, responses)
        last = parse_answer(
            response.content,
            output_type,
            schema=request.json_schema,
            finish_reason=response.finish_reason,
        )
        if last.value is not None:
            return StructuredResult(last.value, responses, attempt, fixes=last.fixes)
        if attempt < max_repairs:
            current = repair_request(
                request, response.content or "", last.errors, attempt + 1, max_repairs
            )
    if last.data is not None:
        kept, discarded = keep_valid_parts(last.data, output_type)
        if kept is not None:
            return StructuredResult(kept, responses, max_repairs, last.fixes, discarded)
    shown = one_line("; ".join(last.errors[:3]))
    raise ModelOutputError(
        f"the model's answer did not match the {request.schema_name} schema after "
        f"{max_repairs} repair attempt{'s' if max_repairs != 1 else ''} and nothing valid "
        f"was left of it: {shown}; raise ⟨max_repairs⟩ or try a stronger model",
        body=shown,
        **_error_data(request, responses),
    )
