"""The model client (over the openai SDK) and the structured-call layer above any transport.

`OpenAIChatClient` turns a `ModelRequest` into one chat-completions call and returns the
raw answer as a `ModelResponse`; it owns everything endpoint-specific: keys, base URLs,
SDK retries, error mapping and the structured-output fallback. `structured_call` works on
any `ChatTransport` (the client, a cassette, a test double): it checks why the model
stopped, extracts and validates the JSON, and re-asks a bounded number of times.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from .config import Settings
from .errors import (
    BriefingError,
    ConfigError,
    ContentFilteredError,
    ModelCallError,
    ModelOutputError,
    ModelRefusalError,
    TruncatedOutputError,
)
from .exchange import ChatTransport, ModelRequest, ModelResponse, Usage
from .usage import UsageMeter, rough_prompt_tokens

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletion

T = TypeVar("T", bound=BaseModel)
Notify = Callable[[str], None]

OPENAI_BASE_URL = "https://api.openai.com/v1"
# Local servers ignore the key, but the SDK refuses to build a client without one.
PLACEHOLDER_API_KEY = "not-needed"
SCHEMA_INSTRUCTION = (
    "Answer with one JSON object that follows this schema. Output only the JSON object: "
    "no prose, no code fences.\nJSON Schema:\n"
)
MAX_LISTED_ERRORS = 10

# Structured-output mode learned per endpoint (base URL, model) for the whole process, so
# every client and every concurrent call after the first rejection goes straight to JSON
# mode. Guarded by a thread lock; within asyncio the updates never await.
_modes_lock = threading.Lock()
_endpoint_modes: dict[tuple[str, str], str] = {}
_notified: set[tuple[str, str]] = set()


def forget_structured_modes() -> None:
    """Forget what was learned about endpoints (for tests and long-lived processes)."""
    with _modes_lock:
        _endpoint_modes.clear()
        _notified.clear()


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _display_url(url: str) -> str:
    """The URL without credentials, for messages."""
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl().rstrip("/")


def _error_text(exc: openai.APIStatusError) -> str:
    """The server's own error message (OpenAI shape {"error": {"message": ...}} or raw)."""
    body = exc.body.get("error", exc.body) if isinstance(exc.body, dict) else exc.body
    text = body.get("message") if isinstance(body, dict) else body
    return _one_line(str(text or exc.message))


def _rejects_json_schema(exc: openai.APIStatusError) -> bool:
    """A server that does not do JSON-schema structured output (llama.cpp answers 500)."""
    if exc.status_code not in (400, 422, 500, 501):
        return False
    text = (exc.message + " " + json.dumps(exc.body, default=str)).lower()
    # OpenAI's "Invalid schema for response_format ..." means our schema is wrong, which
    # falling back would only hide.
    if "invalid schema" in text:
        return False
    return "response_format" in text or "json_schema" in text


def _retry_delay(exc: openai.OpenAIError) -> float | None:
    """Seconds before a retry, honouring Retry-After as the SDK does; None: not retryable.

    Retryable is what the SDK itself retries: connection failures, timeouts, 408/409/429/5xx.
    """
    import openai

    if isinstance(exc, openai.APIStatusError):
        if exc.status_code not in (408, 409, 429) and exc.status_code < 500:
            return None
        for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
            try:
                return max(0.0, min(float(exc.response.headers[name]) * scale, 60.0))
            except (KeyError, ValueError):
                continue
    return 0.5 if isinstance(exc, openai.APIConnectionError | openai.APIStatusError) else None


def _with_schema_instruction(
    messages: list[dict[str, str]], schema: dict[str, Any]
) -> list[dict[str, str]]:
    """Append the schema to the last user turn: JSON mode does not carry it, and a second
    system message would break the strict role-alternation templates of some local models."""
    instruction = SCHEMA_INSTRUCTION + json.dumps(schema, ensure_ascii=False)
    out = [dict(m) for m in messages]
    for message in reversed(out):
        if message.get("role") == "user":
            message["content"] = f"{message.get('content', '')}\n\n{instruction}"
            return out
    out.append({"role": "user", "content": instruction})
    return out


class OpenAIChatClient:
    """A `ChatTransport` over `openai.AsyncOpenAI`, for any OpenAI-compatible endpoint.

    Create and close it inside one event loop (`async with OpenAIChatClient(s) as c:`).
    `notify` receives one-line notices meant for stderr (default: printed to stderr).
    """

    def __init__(self, settings: Settings, *, notify: Notify | None = None) -> None:
        api_key = settings.api_key
        if not api_key and not settings.base_url:
            raise ConfigError(
                f"no model configured: set ${settings.api_key_env} (or name another variable "
                "with --api-key-env), or use --base-url for an OpenAI-compatible server "
                "(e.g. http://localhost:11434/v1 for Ollama), or replay a cassette"
            )
        import openai  # here, not at module level: CLI start-up must not pay for the SDK

        self.settings = settings
        self.base_url = (settings.base_url or OPENAI_BASE_URL).rstrip("/")
        self.endpoint = _display_url(self.base_url)
        self._notify = notify or (lambda line: print(f"briefing: {line}", file=sys.stderr))
        # OpenAI and Azure reject `max_tokens` for reasoning models; many local servers do
        # not know `max_completion_tokens` yet.
        host = (urlsplit(self.base_url).hostname or "").lower()
        official = host == "api.openai.com" or host.endswith(".azure.com")
        self._token_param = "max_completion_tokens" if official else "max_tokens"
        self._client = openai.AsyncOpenAI(
            api_key=api_key or PLACEHOLDER_API_KEY,
            base_url=self.base_url,
            timeout=settings.timeout,
            max_retries=settings.max_retries,
        )
        # The first auto-mode call goes out without SDK retries: llama.cpp rejects
        # json_schema with a 500, which would otherwise be retried with backoff.
        self._probe_client = self._client.with_options(max_retries=0)
        self._retry_client = self._client.with_options(max_retries=max(0, settings.max_retries - 1))

    async def aclose(self) -> None:
        await self._client.close()

    async def __aenter__(self) -> OpenAIChatClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _mode_for(self, key: tuple[str, str]) -> str:
        if self.settings.structured_mode != "auto":
            return self.settings.structured_mode
        with _modes_lock:
            return _endpoint_modes.get(key, "probe")

    def _fall_back(self, key: tuple[str, str], exc: openai.APIStatusError) -> None:
        with _modes_lock:
            _endpoint_modes[key] = "json_object"
            first = key not in _notified
            _notified.add(key)
        if first:
            self._notify(
                f"{self.endpoint} does not accept JSON-schema structured output for "
                f"{key[1]} (server said: {_error_text(exc)[:160]}); using JSON mode with the "
                "schema in the prompt for this run (--structured-mode json_object skips this check)"
            )

    async def complete(self, request: ModelRequest) -> ModelResponse:
        import openai

        key = (self.base_url, request.model)
        mode = self._mode_for(key)
        client = self._client
        if mode == "probe":
            mode = "json_schema"
            try:
                completion = await self._send(self._probe_client, request, mode)
            except openai.OpenAIError as exc:
                if isinstance(exc, openai.APIStatusError) and _rejects_json_schema(exc):
                    self._fall_back(key, exc)
                    mode = "json_object"
                elif self.settings.max_retries == 0 or (delay := _retry_delay(exc)) is None:
                    raise self._call_error(exc, request) from exc
                else:
                    # The probe was the first attempt: the rest of the retry budget goes
                    # to the SDK, after the wait the SDK itself would have honoured.
                    await asyncio.sleep(delay)
                    client = self._retry_client
            else:
                with _modes_lock:
                    _endpoint_modes.setdefault(key, "json_schema")
                return self._response(completion, request, mode)
        try:
            completion = await self._send(client, request, mode)
        except openai.APIStatusError as exc:
            if mode == "json_schema" and _rejects_json_schema(exc):
                if self.settings.structured_mode == "auto":
                    self._fall_back(key, exc)
                    return await self.complete(request)
                raise ConfigError(
                    f"{self.endpoint} does not accept JSON-schema structured output "
                    f"({_error_text(exc)}); use --structured-mode auto or json_object"
                ) from exc
            raise self._call_error(exc, request) from exc
        except openai.OpenAIError as exc:
            raise self._call_error(exc, request) from exc
        return self._response(completion, request, mode)

    async def _send(
        self, client: openai.AsyncOpenAI, request: ModelRequest, mode: str
    ) -> ChatCompletion:
        messages = [dict(m) for m in request.messages]
        # OpenAI requires ^[a-zA-Z0-9_-]{1,64}$ for the schema name.
        name = re.sub(r"[^A-Za-z0-9_-]", "_", request.schema_name)[:64] or "output"
        schema = {"name": name, "schema": request.json_schema, "strict": True}
        response_format: dict[str, Any] = {"type": "json_schema", "json_schema": schema}
        if mode == "json_object":
            response_format = {"type": "json_object"}
            messages = _with_schema_instruction(messages, request.json_schema)
        # Sampling keys pass through untouched, so server-specific knobs (top_k, min_p)
        # reach servers that know them.
        extra_body = {self._token_param: request.max_output_tokens, **request.sampling}
        return await client.chat.completions.create(
            model=request.model,
            messages=cast(Any, messages),
            response_format=cast(Any, response_format),
            extra_body=extra_body,
        )

    def _response(
        self, completion: ChatCompletion, request: ModelRequest, mode: str
    ) -> ModelResponse:
        choices = getattr(completion, "choices", None) or []
        if not choices:
            raise ModelOutputError(
                f"the endpoint returned no choices ({request.model} at {self.endpoint}); "
                "the server may have failed silently: check its logs and try again"
            )
        # Lenient servers omit fields the SDK's types promise; read them defensively.
        choice, raw_usage = choices[0], getattr(completion, "usage", None)
        message = getattr(choice, "message", None)
        return ModelResponse(
            content=getattr(message, "content", None),
            finish_reason=getattr(choice, "finish_reason", None),
            usage=Usage(
                int(getattr(raw_usage, "prompt_tokens", 0) or 0),
                int(getattr(raw_usage, "completion_tokens", 0) or 0),
            ),
            model=getattr(completion, "model", None) or request.model,
            refusal=getattr(message, "refusal", None),
            structured_mode=mode,
        )

    def _call_error(self, exc: openai.OpenAIError, request: ModelRequest) -> BriefingError:
        """One line naming the failure and the fix, after the SDK's retries are spent."""
        import openai

        n, where = self.settings.max_retries, self.endpoint
        after = f"after {n} retr{'y' if n == 1 else 'ies'}"
        if isinstance(exc, openai.APITimeoutError):
            return ModelCallError(
                f"timed out after {self.settings.timeout:g}s waiting for {where} ({after}); "
                "raise --timeout, or lower --chunk-tokens for shorter calls"
            )
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__
            if type(cause).__name__ == "ConnectError":
                return ModelCallError(
                    f"cannot connect to {where}: is the server running? ({after})"
                )
            reason = _one_line(str(cause) or type(cause).__name__) if cause else "connection lost"
            return ModelCallError(f"connection to {where} failed ({reason}) {after}")
        if not isinstance(exc, openai.APIStatusError):
            return ModelCallError(f"model call to {where} failed: {_one_line(str(exc))}")
        status, text = exc.status_code, _error_text(exc)
        lowered = text.lower()
        if status in (401, 403):
            return ConfigError(
                f"the endpoint {where} rejected the API key ({status}: {text}); "
                f"check ${self.settings.api_key_env} or --api-key-env"
            )
        if status == 404:
            if "model" in lowered or "deployment" in lowered:
                return ConfigError(
                    f"model {request.model!r} not found at {where} ({text}); "
                    "check --model (on Azure: the deployment name)"
                )
            return ConfigError(
                f"{where}/chat/completions not found (404); check --base-url "
                "(OpenAI-compatible servers usually end in /v1)"
            )
        if status == 429 and (exc.code == "insufficient_quota" or "quota" in lowered):
            return ModelCallError(f"{where}: the account has no quota left ({text}); check billing")
        if status == 429:
            return ModelCallError(f"rate limited by {where} {after}; lower --concurrency or wait")
        if status >= 500:
            return ModelCallError(f"server error {status} from {where} {after}: {text}")
        if exc.code == "context_length_exceeded" or "context length" in lowered:
            return ModelCallError(
                f"the request is too long for {request.model}; lower --chunk-tokens"
            )
        return ModelCallError(f"{where} rejected the request ({status}: {text})")


# --- Structured calls -----------------------------------------------------------------


@dataclass
class StructuredResult(Generic[T]):
    value: T
    responses: list[ModelResponse]
    repairs: int

    @property
    def fallback_used(self) -> bool:
        """True if any call asked the server in JSON mode instead of with the schema."""
        return any(r.structured_mode != "json_schema" for r in self.responses)

    @property
    def usage(self) -> Usage:
        return sum((r.usage for r in self.responses), Usage())


_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL)


def extract_json(text: str) -> Any:
    """The outermost JSON value in a model's answer. Local models wrap it in ```json
    fences, <think> blocks or prose; all are tolerated. Raises json.JSONDecodeError."""
    text = _THINK.sub("", text).strip()
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


def parse_output(content: str | None, output_type: type[T]) -> tuple[T | None, list[str]]:
    """(value, []) when the content is a valid `output_type`, else (None, error lines)."""
    if not content or not content.strip():
        return None, ["the answer was empty; expected one JSON object"]
    try:
        data = extract_json(content)
    except json.JSONDecodeError as exc:
        return None, [f"the answer is not valid JSON: {exc}"]
    if not isinstance(data, dict):
        return None, [f"the answer is a JSON {type(data).__name__}, not an object"]
    try:
        return output_type.model_validate(data), []
    except ValidationError as exc:
        errors = exc.errors()
        lines = [f"{_location(e['loc'])}: {e['msg']}" for e in errors[:MAX_LISTED_ERRORS]]
        if len(errors) > MAX_LISTED_ERRORS:
            lines.append(f"(and {len(errors) - MAX_LISTED_ERRORS} more errors)")
        return None, lines


def _raise_for_stop(response: ModelResponse, request: ModelRequest) -> None:
    """Stop reasons that no re-ask can fix."""
    if response.refusal or response.finish_reason == "refusal":
        words = _one_line(response.refusal or response.content or "no reason given")
        raise ModelRefusalError(
            f'the model refused: "{words}"; check that the input is a news article, '
            "or try another --model or --prompt"
        )
    if response.finish_reason == "length":
        raise TruncatedOutputError(
            f"the model's answer was cut off at the output limit ({request.max_output_tokens} "
            "tokens); raise --max-output-tokens or lower --chunk-tokens"
        )
    if response.finish_reason == "content_filter":
        raise ContentFilteredError(
            "the provider's content filter stopped the answer (finish_reason content_filter); "
            "try another model or a local server"
        )


def repair_request(
    original: ModelRequest, bad_output: str, errors: list[str], attempt: int, max_repairs: int
) -> ModelRequest:
    """The original messages plus the bad answer and its errors: never the whole chain."""
    listing = "\n".join(f"- {line}" for line in errors[: MAX_LISTED_ERRORS + 1])
    feedback = (
        f"Your answer does not match the required JSON schema:\n{listing}\n"
        "Reply with the corrected JSON object only, with no other text."
    )
    purpose = f"repair {attempt} of {max_repairs}"
    return replace(
        original,
        messages=(
            *original.messages,
            {"role": "assistant", "content": bad_output},
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
    prompt_tokens_estimate: int | None = None,
) -> StructuredResult[T]:
    """Ask, validate against `output_type`, re-ask at most `max_repairs` times; raise
    ModelOutputError (or a subclass) when no valid answer comes back. Every call, repairs
    included, goes through `meter`; its budget check uses `prompt_tokens_estimate` (the
    caller's tokenizer count for `request`; default: a high, tokenizer-free estimate)."""
    base_estimate = prompt_tokens_estimate or rough_prompt_tokens(request)
    responses: list[ModelResponse] = []
    current = request
    for attempt in range(max_repairs + 1):
        estimate = base_estimate + rough_prompt_tokens(current, since=len(request.messages))
        reserved = meter.check_budget(current, estimate) if meter else 0.0
        try:
            response = await transport.complete(current)
        except BaseException:
            if meter:
                meter.release(reserved)
            raise
        if meter:
            meter.record(response, reserved=reserved)
        responses.append(response)
        _raise_for_stop(response, current)
        value, errors = parse_output(response.content, output_type)
        if value is not None:
            return StructuredResult(value=value, responses=responses, repairs=attempt)
        if attempt == max_repairs:
            shown = _one_line("; ".join(errors[:3]))
            raise ModelOutputError(
                f"the model's answer did not match the {request.schema_name} schema after "
                f"{max_repairs} repair attempt{'s' if max_repairs != 1 else ''}: {shown}; "
                "raise --max-repairs or try a stronger model"
            )
        current = repair_request(request, response.content or "", errors, attempt + 1, max_repairs)
    raise AssertionError("unreachable")  # pragma: no cover
