"""The model client (over the openai SDK) and the structured-call layer above any transport.

`OpenAIChatClient` turns a `ModelRequest` into one chat-completions call and returns the
raw answer as a `ModelResponse`; it owns everything endpoint-specific: keys, base URLs,
SDK retries, error mapping, the structured-output fallback, and leaving out sampling
parameters a model rejects (only what is sent changes, never the request or its cassette
key). `structured_call` works on any `ChatTransport` (the client, a cassette, a test
double): it checks why the model stopped, extracts and validates the JSON, and re-asks a
bounded number of times."""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from briefing.config import Settings
from briefing.errors import (
    BriefingError,
    ConfigError,
    ContentFilteredError,
    ModelCallError,
    ModelOutputError,
    ModelRefusalError,
    TruncatedOutputError,
)
from briefing.model.exchange import ChatTransport, ModelRequest, ModelResponse, Usage
from briefing.model.usage import UsageMeter

if TYPE_CHECKING:
    import httpx2
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

# What an endpoint (base URL, model) does not accept, learned for the whole process so
# every client and every concurrent call after the first rejection adapts at once:
# "json_schema" (the structured-output response format) or a sampling parameter
# (reasoning models accept only the default temperature and top_p). Guarded by a thread
# lock; within asyncio the updates never await.
_memory_lock = threading.Lock()
_rejected: dict[tuple[str, str], frozenset[str]] = {}


def forget_structured_modes() -> None:
    """Forget what was learned about endpoints (for tests and long-lived processes)."""
    with _memory_lock:
        _rejected.clear()


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


def _rejects_json_schema(status: int, text: str) -> bool:
    """A server that does not do JSON-schema structured output (llama.cpp answers 500).
    OpenAI's "Invalid schema for response_format ..." means our schema is wrong, which
    falling back would only hide."""
    text = text.lower()
    named = "response_format" in text or "json_schema" in text
    return status in (400, 422, 500, 501) and named and "invalid schema" not in text


async def _no_retry_on_schema_rejection(response: httpx2.Response) -> None:
    """An httpx response hook: llama.cpp rejects json_schema with a 500, which the SDK
    would retry with backoff before we could fall back. Its `x-should-retry: false`
    header is the SDK's own way to be told not to; every other error keeps its retries."""
    if response.status_code in (500, 501):
        await response.aread()
        if _rejects_json_schema(response.status_code, response.text):
            response.headers["x-should-retry"] = "false"


_UNSUPPORTED = re.compile(r"unsupported (?:value|parameter)\W+(\w+)", re.IGNORECASE)


def _unsupported_sampling(exc: openai.APIStatusError, sent: Collection[str]) -> str | None:
    """The sampling parameter we sent that a 400 says the model does not support
    (OpenAI: `param: "temperature"`, "Unsupported value: 'temperature' ..."), if any."""
    text = _error_text(exc)
    if exc.status_code != 400 or "unsupported" not in f"{text} {exc.code}".lower():
        return None
    named = _UNSUPPORTED.search(text)
    for name in (exc.param, named.group(1) if named else None):
        if isinstance(name, str) and name in sent:
            return name
    return None


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


def _tool_arguments(message: object) -> str | None:
    """Some gateways answer with content null and the JSON in a tool call's arguments."""
    calls = getattr(message, "tool_calls", None) or []
    arguments = getattr(getattr(calls[0], "function", None), "arguments", None) if calls else None
    if arguments is None or isinstance(arguments, str):
        return arguments
    return json.dumps(arguments)


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
            http_client=openai.DefaultAsyncHttpxClient(
                event_hooks={"response": [_no_retry_on_schema_rejection]}
            ),
        )

    async def aclose(self) -> None:
        await self._client.close()

    async def __aenter__(self) -> OpenAIChatClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _learn(self, key: tuple[str, str], name: str, exc: openai.APIStatusError) -> None:
        """Remember that `key` rejects `name`; say so once, on the first rejection."""
        with _memory_lock:
            first = name not in _rejected.get(key, frozenset())
            _rejected[key] = _rejected.get(key, frozenset()) | {name}
        if not first:
            return
        said = f"server said: {_error_text(exc)[:160]}"
        self._notify(
            f"{self.endpoint} does not accept JSON-schema structured output for {key[1]} "
            f"({said}); using JSON mode with the schema in the prompt for this run "
            "(--structured-mode json_object skips this check)"
            if name == "json_schema"
            else f"{key[1]} at {self.endpoint} does not accept {name} ({said}); sending "
            "requests without it for this run"
        )

    async def complete(self, request: ModelRequest) -> ModelResponse:
        import openai

        key = (self.base_url, request.model)
        with _memory_lock:
            rejected = _rejected.get(key, frozenset())
        mode = self.settings.structured_mode
        if mode == "auto":
            mode = "json_object" if "json_schema" in rejected else "json_schema"
        sampling = {k: v for k, v in request.sampling.items() if k not in rejected}
        try:
            completion = await self._send(request, mode, sampling)
        except json.JSONDecodeError as exc:  # a 200 served as JSON that is not JSON
            raise self._not_openai(exc.doc) from exc
        except openai.APIStatusError as exc:
            # Learn what the endpoint rejects and ask again: at most once per thing learned.
            text = exc.message + " " + json.dumps(exc.body, default=str)
            if mode == "json_schema" and _rejects_json_schema(exc.status_code, text):
                if self.settings.structured_mode != "auto":
                    raise ConfigError(
                        f"{self.endpoint} does not accept JSON-schema structured output "
                        f"({_error_text(exc)}); use --structured-mode auto or json_object"
                    ) from exc
                self._learn(key, "json_schema", exc)
                return await self.complete(request)
            name = _unsupported_sampling(exc, sampling)
            if name is not None:
                self._learn(key, name, exc)
                return await self.complete(request)
            raise self._call_error(exc, request) from exc
        except openai.OpenAIError as exc:
            raise self._call_error(exc, request) from exc
        return self._response(completion, request, mode)

    async def _send(
        self, request: ModelRequest, mode: str, sampling: dict[str, Any]
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
        extra_body = {self._token_param: request.max_output_tokens, **sampling}
        return await self._client.chat.completions.create(
            model=request.model,
            messages=cast(Any, messages),
            response_format=cast(Any, response_format),
            extra_body=extra_body,
        )

    def _not_openai(self, body: str | None) -> ModelCallError:
        shown = _one_line(body or "", 80)
        return ModelCallError(
            f"{self.endpoint} answered with something that is not an OpenAI-compatible JSON "
            f"response{f' ({shown})' if shown else ''}; check --base-url (OpenAI-compatible "
            "servers usually end in /v1)"
        )

    def _response(
        self, completion: ChatCompletion, request: ModelRequest, mode: str
    ) -> ModelResponse:
        answer = cast(object, completion)
        if isinstance(answer, str) or not hasattr(answer, "choices"):
            # Served as text/html (the SDK hands back the text) or JSON of another shape.
            raise self._not_openai(answer if isinstance(answer, str) else None)
        choices = getattr(completion, "choices", None) or []
        if not choices:
            raise ModelOutputError(
                f"the endpoint returned no choices ({request.model} at {self.endpoint}); "
                "the server may have failed silently: check its logs and try again"
            )
        # Lenient servers omit fields the SDK's types promise; read them defensively.
        choice, raw_usage = choices[0], getattr(completion, "usage", None)
        message = getattr(choice, "message", None)
        content = getattr(message, "content", None)
        return ModelResponse(
            content=content if content is not None else _tool_arguments(message),
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


def parse_output(
    content: str | None, output_type: type[T], *, finish_reason: str | None = None
) -> tuple[T | None, list[str]]:
    """(value, []) when the content is a valid `output_type`, else (None, error lines)."""
    if not content or not content.strip():
        why = f"finish_reason {finish_reason}" if finish_reason else "no finish_reason"
        return None, [f"the answer was empty ({why}); expected one JSON object"]
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
) -> StructuredResult[T]:
    """Ask, validate against `output_type`, re-ask at most `max_repairs` times; raise
    ModelOutputError (or a subclass) when no valid answer comes back. Every response,
    repairs and replays included, is recorded in `meter` (calls, tokens, cost shown);
    the --max-cost limit is held below, by a `usage.BudgetGuard` around the live client."""
    responses: list[ModelResponse] = []
    current = request
    for attempt in range(max_repairs + 1):
        response = await transport.complete(current)
        if meter:
            meter.record(response)
        responses.append(response)
        _raise_for_stop(response, current)
        value, errors = parse_output(
            response.content, output_type, finish_reason=response.finish_reason
        )
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
