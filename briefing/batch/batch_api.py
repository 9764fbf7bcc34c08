"""The provider's Batch API, over the openai SDK: upload a JSONL file of chat requests
(files API, purpose "batch"), create a job (`/v1/batches`), read its status, download its
output and error files, and turn each line back into a `ModelResponse` or an error.

Each line's `custom_id` is the request's cassette key (sha256 of the semantic request),
so results match requests whatever order they come in, and a job created by an earlier,
interrupted run is recognised by the keys in its input file.

Azure OpenAI differs in three ways, handled or documented here: the lines' `url` and
the job's `endpoint` are `/chat/completions` (no `/v1`), `model` names a Global-Batch
deployment, and jobs are not expired at the 24-hour window.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlsplit

from briefing.config import Settings
from briefing.errors import ConfigError, ModelAuthError, ModelCallError, ModelError
from briefing.model.client import OPENAI_BASE_URL, PLACEHOLDER_API_KEY
from briefing.model.exchange import ModelRequest, ModelResponse, Usage
from briefing.model.structured import one_line

if TYPE_CHECKING:
    import openai

T = TypeVar("T")

TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})


@dataclass(frozen=True)
class BatchJob:
    """A job as the provider last described it."""

    id: str
    status: str
    input_file_id: str
    total: int = 0
    completed: int = 0
    failed: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: tuple[str, ...] = field(default=())  # why a job failed validation
    label: str = ""  # what it holds: "extraction", "merge" (ours, not the provider's)

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    def describe(self) -> str:
        counts = f"{self.completed}/{self.total} requests" if self.total else "requests"
        failed = f", {self.failed} failed" if self.failed else ""
        what = f" ({self.label})" if self.label else ""
        return f"Batch API job {self.id}{what}: {self.status.replace('_', ' ')}, {counts}{failed}"


class BatchApi:
    """One endpoint's Batch API. Create and close it inside one event loop."""

    def __init__(self, settings: Settings) -> None:
        if not settings.api_key and not settings.base_url:
            raise ConfigError(
                f"the Batch API needs a provider: set ${settings.api_key_env} (OpenAI) or "
                "⟨base_url⟩ with ⟨api_key_env⟩ (Azure OpenAI)"
            )
        if settings.structured_mode == "json_object":
            raise ConfigError(
                "batch jobs ask for JSON-schema structured output; drop ⟨structured_mode⟩ "
                "json_object, or use ⟨via⟩ direct"
            )
        import openai

        self.settings = settings
        base = (settings.base_url or OPENAI_BASE_URL).rstrip("/")
        parts = urlsplit(base)
        self.where = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        host = (parts.hostname or "").lower()
        azure = host.endswith(".azure.com")
        self.endpoint = "/chat/completions" if azure else "/v1/chat/completions"
        # OpenAI and Azure reject `max_tokens` for reasoning models (as in the client).
        official = azure or host == "api.openai.com"
        self._token_param = "max_completion_tokens" if official else "max_tokens"
        self._client = openai.AsyncOpenAI(
            api_key=settings.api_key or PLACEHOLDER_API_KEY,
            base_url=base,
            timeout=settings.call_timeout,
            max_retries=settings.max_retries,
        )

    async def aclose(self) -> None:
        await self._client.close()

    # --- requests -------------------------------------------------------------------------

    def line(self, request: ModelRequest) -> dict[str, Any]:
        """One line of the input file: the chat request the client would send."""
        name = re.sub(r"[^A-Za-z0-9_-]", "_", request.schema_name)[:64] or "output"
        schema = {"name": name, "schema": request.json_schema, "strict": True}
        body: dict[str, Any] = {
            "model": request.model,
            "messages": [dict(m) for m in request.messages],
            "response_format": {"type": "json_schema", "json_schema": schema},
            self._token_param: request.max_output_tokens,
            **request.sampling,
        }
        return {"custom_id": request.key, "method": "POST", "url": self.endpoint, "body": body}

    async def submit(self, requests: list[ModelRequest], label: str) -> BatchJob:
        """Upload the requests and create a job for them."""
        data = "".join(json.dumps(self.line(r), ensure_ascii=False) + "\n" for r in requests)
        upload = await self._call(
            "upload the requests",
            lambda: self._client.files.create(
                file=("briefing-batch.jsonl", data.encode("utf-8"), "application/jsonl"),
                purpose="batch",
            ),
        )
        created = await self._call(
            "create the job",
            lambda: self._client.batches.create(
                input_file_id=upload.id,
                endpoint=cast(Any, self.endpoint),
                completion_window="24h",
                metadata={"created_by": "briefing", "phase": label[:500]},
            ),
        )
        return _job(created)

    async def retrieve(self, job_id: str) -> BatchJob:
        return _job(
            await self._call(f"read job {job_id}", lambda: self._client.batches.retrieve(job_id))
        )

    async def request_keys(self, job: BatchJob) -> set[str]:
        """The custom ids (request keys) a job was created with, from its input file."""
        text = await self._text(job.input_file_id)
        return {json.loads(line)["custom_id"] for line in text.splitlines() if line.strip()}

    async def results(self, job: BatchJob) -> dict[str, ModelResponse | ModelError]:
        """Each request's answer, or the error that stands for it, by request key."""
        out: dict[str, ModelResponse | ModelError] = {}
        for file_id in (job.output_file_id, job.error_file_id):
            if file_id:
                for line in (await self._text(file_id)).splitlines():
                    if line.strip():
                        key, result = self._result(json.loads(line), job)
                        out[key] = result
        return out

    async def _text(self, file_id: str) -> str:
        content = await self._call(
            f"download file {file_id}", lambda: self._client.files.content(file_id)
        )
        return str(content.text)

    def _result(
        self, line: dict[str, Any], job: BatchJob
    ) -> tuple[str, ModelResponse | ModelError]:
        key = str(line.get("custom_id"))
        error = line.get("error") or {}
        response = line.get("response") or {}
        status = response.get("status_code")
        body = response.get("body") or {}
        model = self.settings.model
        if error or status != 200:
            detail = error or (body.get("error") if isinstance(body, dict) else None) or {}
            code = detail.get("code") if isinstance(detail, dict) else None
            text = detail.get("message") if isinstance(detail, dict) else str(detail)
            if code == "batch_expired":
                message = (
                    f"Batch API job {job.id} expired before this request ran; run the batch "
                    "again to send it in a new job"
                )
            else:
                shown = one_line(str(text or "no reason given"), 200)
                message = f"Batch API job {job.id}: the request failed ({status or code}: {shown})"
            return key, ModelCallError(
                message, model=model, endpoint=self.where, status_code=status
            )
        return key, parse_completion(body, model)

    async def _call(self, what: str, send: Callable[[], Awaitable[T]]) -> T:
        """One SDK call, its failure as one line naming the endpoint and the fix."""
        import openai

        try:
            return await send()
        except openai.APIStatusError as exc:
            raise self._status_error(what, exc) from exc
        except openai.APIConnectionError as exc:
            raise ModelCallError(
                f"cannot reach {self.where} to {what} ({type(exc).__name__}); check ⟨base_url⟩ "
                "and the network, then run the batch again",
                endpoint=self.where,
            ) from exc

    def _status_error(self, what: str, exc: openai.APIStatusError) -> ModelError:
        body = exc.body.get("error", exc.body) if isinstance(exc.body, dict) else exc.body
        text = one_line(
            str(body.get("message") if isinstance(body, dict) else body or exc.message), 200
        )
        status = exc.status_code
        where = self.where
        if status in (401, 403):
            return ModelAuthError(
                f"{where} rejected the API key ({status}: {text}); check "
                f"${self.settings.api_key_env} or ⟨api_key_env⟩",
                endpoint=where,
                status_code=status,
            )
        if status in (404, 405) and not what.startswith("read job"):
            return ModelAuthError(
                f"{where} does not offer the Batch API ({what}: {status}); use ⟨via⟩ direct "
                "(local servers such as vLLM answer many requests at once that way)",
                endpoint=where,
                status_code=status,
            )
        if status == 404:
            return ModelAuthError(
                f"{where} knows no {what[5:]} ({text}); check the id given to ⟨resume⟩",
                endpoint=where,
                status_code=status,
            )
        return ModelCallError(
            f"{where} failed to {what} ({status}: {text}); run the batch again later",
            endpoint=where,
            status_code=status,
        )


def parse_completion(body: dict[str, Any], model: str) -> ModelResponse:
    """A chat completion (as JSON data) as a `ModelResponse` priced at the batch rate."""
    choices = body.get("choices") or [{}]
    message = choices[0].get("message") or {}
    usage = body.get("usage") or {}
    return ModelResponse(
        content=message.get("content"),
        finish_reason=choices[0].get("finish_reason"),
        usage=Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)),
        model=body.get("model") or model,
        refusal=message.get("refusal"),
        structured_mode="json_schema",
        batch=True,
    )


def _job(batch: Any) -> BatchJob:
    counts = getattr(batch, "request_counts", None)
    errors = getattr(getattr(batch, "errors", None), "data", None) or []
    return BatchJob(
        id=batch.id,
        status=str(batch.status),
        input_file_id=batch.input_file_id,
        total=int(getattr(counts, "total", 0) or 0),
        completed=int(getattr(counts, "completed", 0) or 0),
        failed=int(getattr(counts, "failed", 0) or 0),
        output_file_id=batch.output_file_id,
        error_file_id=batch.error_file_id,
        errors=tuple(
            one_line(f"line {e.line}: {e.message}" if e.line else str(e.message), 200)
            for e in errors
        ),
    )
