"""The model client: any OpenAI-compatible endpoint, over the openai SDK.

`OpenAIChatClient` turns a `ModelRequest` into one chat-completions call and returns the
raw answer as a `ModelResponse`; it owns everything endpoint-specific: keys, base URLs,
SDK retries, error mapping, the structured-output fallback, and leaving out sampling
parameters a model rejects (only what is sent changes, never the request or its cassette
key). Validation and repair live above any transport, in `briefing.model.structured`."""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import replace
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from briefing.choices import StructuredMode
from briefing.config import Settings
from briefing.errors import (
    ConfigError,
    ModelAuthError,
    ModelCallError,
    ModelError,
    ModelOutputError,
    name_options,
)
from briefing.model.exchange import ModelRequest, ModelResponse, Usage
from briefing.model.structured import one_line as _one_line

if TYPE_CHECKING:
    import httpx2
    import openai
    from openai.types.chat import ChatCompletion

Notify = Callable[[str], None]

OPENAI_BASE_URL = "https://api.openai.com/v1"
# Local servers ignore the key, but the SDK refuses to build a client without one.
PLACEHOLDER_API_KEY = "not-needed"
SCHEMA_INSTRUCTION = (
    "Answer with one JSON object that follows this schema. Output only the JSON object: "
    "no prose, no code fences.\nJSON Schema:\n"
)

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


def _display_url(url: str) -> str:
    """The URL without credentials, for messages."""
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl().rstrip("/")


def _error_text(exc: openai.APIStatusError) -> str:
    """The server's own error message (OpenAI shape {"error": {"message": ...}} or raw)."""
    body = exc.body.get("error", exc.body) if isinstance(exc.body, dict) else exc.body
    text = body.get("message") if isinstance(body, dict) else body
    return _one_line(str(text or exc.message))


# How the server is asked for JSON, from the most to the least constrained. `auto` starts
# at the first and steps down when the server rejects a form; `json_object` starts at
# the second.
WIRE_JSON_SCHEMA = "json_schema"  # strict structured output (OpenAI, Azure, Ollama, vLLM)
# JSON mode with the schema beside it: the llama.cpp family turns it into a grammar, so
# decoding is constrained and the prompt needs no schema.
WIRE_JSON_OBJECT_SCHEMA = "json_object+schema"
WIRE_JSON_OBJECT = "json_object"  # JSON mode only; the schema goes into the prompt
_NEXT_FORM = {WIRE_JSON_SCHEMA: WIRE_JSON_OBJECT_SCHEMA, WIRE_JSON_OBJECT_SCHEMA: WIRE_JSON_OBJECT}


def _rejects_form(form: str, status: int, text: str) -> bool:
    """A server that does not take this form of structured output (llama-cpp-python
    answers json_schema with a 500 naming response_format). OpenAI's "Invalid schema for
    response_format ..." means our schema is wrong, which falling back would only hide."""
    text = text.lower()
    if form == WIRE_JSON_SCHEMA:
        named = "response_format" in text or "json_schema" in text
    elif form == WIRE_JSON_OBJECT_SCHEMA:
        named = "response_format" in text or "schema" in text
    else:
        return False
    return status in (400, 422, 500, 501) and named and "invalid schema" not in text


def _rejects_json_schema(status: int, text: str) -> bool:
    return _rejects_form(WIRE_JSON_SCHEMA, status, text)


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


def _retries_made(exc: Exception, configured: int) -> int:
    """How many times the SDK retried before `exc`: it numbers every request it sends in
    an `x-stainless-retry-count` header, and gives up early on a long Retry-After or an
    `x-should-retry: false`. `configured` when the request is not at hand."""
    response = getattr(exc, "response", None)
    request = getattr(response, "request", None) or getattr(exc, "request", None)
    try:
        count = request.headers.get("x-stainless-retry-count") if request is not None else None
    except RuntimeError:  # httpx: an exception without its request
        count = None
    return int(count) if isinstance(count, str) and count.isdigit() else configured


def _retry_after(exc: Exception) -> float | None:
    """The wait a 429 asked for, in seconds (retry-after-ms or a numeric Retry-After)."""
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            return float(headers[name]) / scale
        except (KeyError, TypeError, ValueError):
            continue
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


# Strict structured outputs refuse item counts; the schema without them, per schema object
# (requests of a run share one), so a batch does not rebuild it for every article.
_STRICT: dict[int, tuple[Any, Any]] = {}


def _strict_schema(schema: Any) -> Any:
    cached = _STRICT.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    strict = _without_keywords(schema, ("maxItems", "minItems"))
    if len(_STRICT) > 64:
        _STRICT.clear()
    _STRICT[id(schema)] = (schema, strict)  # the schema is kept, so its id stays its own
    return strict


def _without_keywords(schema: Any, keywords: tuple[str, ...]) -> Any:
    if isinstance(schema, dict):
        return {k: _without_keywords(v, keywords) for k, v in schema.items() if k not in keywords}
    if isinstance(schema, list):
        return [_without_keywords(item, keywords) for item in schema]
    return schema


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

    def __init__(
        self,
        settings: Settings,
        *,
        notify: Notify | None = None,
        on_tokens: Callable[[str, int, float], None] | None = None,
    ) -> None:
        api_key = settings.api_key
        if not api_key and not settings.base_url:
            raise ConfigError(
                f"no model configured: set ${settings.api_key_env} (or name another variable "
                "with ⟨api_key_env⟩), or use ⟨base_url⟩ for an OpenAI-compatible server "
                "(e.g. http://localhost:11434/v1 for Ollama), or replay a cassette"
            )
        import openai  # here, not at module level: CLI start-up must not pay for the SDK

        self.settings = settings
        # With a token callback the answer is streamed, so a slow model shows progress.
        self._on_tokens = on_tokens
        self.base_url = (settings.base_url or OPENAI_BASE_URL).rstrip("/")
        self.endpoint = _display_url(self.base_url)
        self._notify = notify or (
            lambda line: print(f"briefing: {name_options(line)}", file=sys.stderr)
        )
        # OpenAI and Azure reject `max_tokens` for reasoning models; many local servers do
        # not know `max_completion_tokens` yet.
        host = (urlsplit(self.base_url).hostname or "").lower()
        official = host == "api.openai.com" or host.endswith(".azure.com")
        self._token_param = "max_completion_tokens" if official else "max_tokens"
        self._client = openai.AsyncOpenAI(
            api_key=api_key or PLACEHOLDER_API_KEY,
            base_url=self.base_url,
            timeout=settings.call_timeout,
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
        if name == WIRE_JSON_SCHEMA:
            message = (
                f"{self.endpoint} does not accept JSON-schema structured output for {key[1]} "
                f"({said}); using JSON mode with the schema as a grammar for this run "
                "(⟨structured_mode⟩ json_object skips this check)"
            )
        elif name == WIRE_JSON_OBJECT_SCHEMA:
            message = (
                f"{self.endpoint} does not take a schema in JSON mode ({said}); the schema goes "
                "into the prompt instead, and answers are checked and repaired"
            )
        else:
            message = (
                f"{key[1]} at {self.endpoint} does not accept {name} ({said}); sending "
                "requests without it for this run"
            )
        self._notify(message)

    def _form(self, rejected: frozenset[str]) -> str:
        """The most constrained form of structured output this endpoint has not rejected."""
        json_mode = self.settings.structured_mode == StructuredMode.JSON_OBJECT
        form = WIRE_JSON_OBJECT_SCHEMA if json_mode else WIRE_JSON_SCHEMA
        while form in rejected and form in _NEXT_FORM:
            form = _NEXT_FORM[form]
        return form

    async def complete(self, request: ModelRequest) -> ModelResponse:
        import openai

        key = (self.base_url, request.model)
        with _memory_lock:
            rejected = _rejected.get(key, frozenset())
        mode = self._form(rejected)
        sampling = {k: v for k, v in request.sampling.items() if k not in rejected}
        started = time.perf_counter()
        usage_in_stream = "stream_options" not in rejected
        try:
            completion = await self._send(request, mode, sampling, usage_in_stream)
        except json.JSONDecodeError as exc:  # a 200 served as JSON that is not JSON
            raise self._not_openai(exc.doc) from exc
        except openai.APIStatusError as exc:
            # Learn what the endpoint rejects and ask again: at most once per thing learned.
            text = exc.message + " " + json.dumps(exc.body, default=str)
            if _rejects_form(mode, exc.status_code, text):
                if self.settings.structured_mode == StructuredMode.JSON_SCHEMA:
                    raise ConfigError(
                        f"{self.endpoint} does not accept JSON-schema structured output "
                        f"({_error_text(exc)}); use ⟨structured_mode⟩ auto or json_object"
                    ) from exc
                self._learn(key, mode, exc)
                return await self.complete(request)
            name = _unsupported_sampling(exc, sampling)
            if self._on_tokens is not None and usage_in_stream and "stream_options" in text:
                name = "stream_options"  # an older server that streams without usage
            if name is not None:
                self._learn(key, name, exc)
                return await self.complete(request)
            raise self._call_error(exc, request) from exc
        except openai.OpenAIError as exc:
            raise self._call_error(exc, request) from exc
        response = self._response(completion, request, mode)
        return replace(response, seconds=round(time.perf_counter() - started, 3))

    async def _send(
        self,
        request: ModelRequest,
        mode: str,
        sampling: dict[str, Any],
        usage_in_stream: bool = True,
    ) -> ChatCompletion:
        messages = [dict(m) for m in request.messages]
        # OpenAI requires ^[a-zA-Z0-9_-]{1,64}$ for the schema name.
        name = re.sub(r"[^A-Za-z0-9_-]", "_", request.schema_name)[:64] or "output"
        # Strict structured outputs refuse size keywords; budgets are enforced after
        # parsing anyway, and the grammar forms below keep them.
        strict_schema = _strict_schema(request.json_schema)
        schema = {"name": name, "schema": strict_schema, "strict": True}
        response_format: dict[str, Any] = {"type": "json_schema", "json_schema": schema}
        if mode == WIRE_JSON_OBJECT_SCHEMA:
            response_format = {"type": "json_object", "schema": request.json_schema}
        elif mode == WIRE_JSON_OBJECT:
            response_format = {"type": "json_object"}
            messages = _with_schema_instruction(messages, request.json_schema)
        # Sampling keys pass through untouched, so server-specific knobs (top_k, min_p)
        # reach servers that know them.
        extra_body = {self._token_param: request.max_output_tokens, **sampling}
        if self._on_tokens is None:
            return await self._client.chat.completions.create(
                model=request.model,
                messages=cast(Any, messages),
                response_format=cast(Any, response_format),
                extra_body=extra_body,
            )
        import openai

        stream_options: Any = {"include_usage": True} if usage_in_stream else openai.omit
        stream = await self._client.chat.completions.create(
            model=request.model,
            messages=cast(Any, messages),
            response_format=cast(Any, response_format),
            extra_body=extra_body,
            stream=True,
            stream_options=stream_options,
        )
        return cast("ChatCompletion", await self._collect(stream, request))

    async def _collect(self, stream: Any, request: ModelRequest) -> SimpleNamespace:
        """A streamed answer gathered into the shape of a whole one, with progress on the
        way. Servers that report no usage in a stream (llama-cpp-python) get the count of
        streamed pieces as completion tokens (one token each on llama.cpp) and no prompt
        count."""
        started = time.perf_counter()
        parts: list[str] = []
        arguments: list[str] = []
        refusal: list[str] = []
        finish_reason: str | None = None
        usage: Any = None
        model: str | None = None
        pieces = 0
        async for chunk in stream:
            model = getattr(chunk, "model", None) or model
            usage = getattr(chunk, "usage", None) or usage
            for choice in getattr(chunk, "choices", None) or []:
                delta = getattr(choice, "delta", None)
                finish_reason = getattr(choice, "finish_reason", None) or finish_reason
                if delta is None:
                    continue
                if getattr(delta, "content", None):
                    parts.append(delta.content)
                    pieces += 1
                if getattr(delta, "refusal", None):
                    refusal.append(delta.refusal)
                for call in getattr(delta, "tool_calls", None) or []:
                    piece = getattr(getattr(call, "function", None), "arguments", None)
                    if piece:
                        arguments.append(piece)
            if self._on_tokens is not None and pieces:
                self._on_tokens(request.purpose, pieces, time.perf_counter() - started)
        if usage is None:
            usage = SimpleNamespace(prompt_tokens=0, completion_tokens=pieces)
        tool_calls = (
            [SimpleNamespace(function=SimpleNamespace(arguments="".join(arguments)))]
            if arguments and not parts
            else None
        )
        message = SimpleNamespace(
            content="".join(parts) if parts else None,
            refusal="".join(refusal) or None,
            tool_calls=tool_calls,
        )
        choice = SimpleNamespace(message=message, finish_reason=finish_reason)
        return SimpleNamespace(choices=[choice], usage=usage, model=model)

    def _not_openai(self, body: str | None) -> ModelCallError:
        shown = _one_line(body or "", 80)
        return ModelCallError(
            f"{self.endpoint} answered with something that is not an OpenAI-compatible JSON "
            f"response{f' ({shown})' if shown else ''}; check ⟨base_url⟩ (OpenAI-compatible "
            "servers usually end in /v1)",
            endpoint=self.endpoint,
            body=shown or None,
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
                "the server may have failed silently: check its logs and try again",
                model=request.model,
                endpoint=self.endpoint,
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

    def _call_error(self, exc: openai.OpenAIError, request: ModelRequest) -> ModelError:
        """One line naming the failure and the fix, after the SDK's retries are spent."""
        import openai

        where = self.endpoint
        n = _retries_made(exc, self.settings.max_retries)
        after = f"after {n} retr{'y' if n == 1 else 'ies'}"
        status = exc.status_code if isinstance(exc, openai.APIStatusError) else None
        text = _error_text(exc) if isinstance(exc, openai.APIStatusError) else None
        data: dict[str, Any] = {
            "model": request.model,
            "endpoint": where,
            "status_code": status,
            "attempts": n + 1,
            "body": text,
        }
        if isinstance(exc, openai.APITimeoutError):
            return ModelCallError(
                f"timed out after {self.settings.call_timeout or 0:g}s waiting for {where} "
                f"({after}); "
                "raise ⟨timeout⟩, or lower ⟨chunk_tokens⟩ for shorter calls",
                **data,
            )
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__
            if type(cause).__name__ == "ConnectError":
                return ModelCallError(
                    f"cannot connect to {where}: is the server running? ({after})", **data
                )
            reason = _one_line(str(cause) or type(cause).__name__) if cause else "connection lost"
            return ModelCallError(f"connection to {where} failed ({reason}) {after}", **data)
        if status is None or text is None:
            return ModelCallError(f"model call to {where} failed: {_one_line(str(exc))}", **data)
        lowered = text.lower()
        data["attempts"] = 1  # the SDK does not retry these
        if status in (401, 403):
            return ModelAuthError(
                f"the endpoint {where} rejected the API key ({status}: {text}); "
                f"check ${self.settings.api_key_env} or ⟨api_key_env⟩",
                **data,
            )
        if status == 404:
            if "model" in lowered or "deployment" in lowered:
                return ModelAuthError(
                    f"model {request.model!r} not found at {where} ({text}); "
                    "check ⟨model⟩ (on Azure: the deployment name)",
                    **data,
                )
            return ModelAuthError(
                f"{where}/chat/completions not found (404); check ⟨base_url⟩ "
                "(OpenAI-compatible servers usually end in /v1)",
                **data,
            )
        code = exc.code if isinstance(exc, openai.APIStatusError) else None
        if status == 429 and (code == "insufficient_quota" or "quota" in lowered):
            return ModelCallError(
                f"{where}: the account has no quota left ({text}); check billing", **data
            )
        data["attempts"] = n + 1
        if status == 429:
            wait = _retry_after(exc)
            if n == 0 and wait is not None:
                after = f"(not retried: the server asked to wait {wait:g} s)"
            return ModelCallError(
                f"rate limited by {where} {after}; lower ⟨concurrency⟩ or wait", **data
            )
        if status >= 500:
            return ModelCallError(f"server error {status} from {where} {after}: {text}", **data)
        data["attempts"] = 1
        if code == "context_length_exceeded" or "context length" in lowered:
            return ModelCallError(
                f"the request is too long for {request.model}; lower ⟨chunk_tokens⟩", **data
            )
        return ModelCallError(f"{where} rejected the request ({status}: {text})", **data)
