"""The local engine's transport: a GGUF model run in this process by llama-cpp-python.

No server: the brief schema becomes a grammar (llama-cpp-python turns a JSON Schema
given beside JSON mode into one), the chat template comes from the model file, all cores
are used, and the context is sized to the prompt. It answers a `ModelRequest` like any
other transport, so cassettes record and replay it. llama-cpp-python is the optional
extra `briefing[local]` and is imported only when a local call is made.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from briefing.errors import ConfigError, ModelCallError
from briefing.model.exchange import ModelRequest, ModelResponse, Usage
from briefing.model.gguf import GgufInfo, read_gguf

WIRE_FORM = "json_object+schema"  # as the client names it: JSON mode, schema as grammar
# Tokens of room beyond the prompt's estimate and the answer's limit: the chat template's
# own tokens, and a tokenizer that counts differently from the estimate.
CONTEXT_MARGIN = 512
CONTEXT_STEP = 1024
# (the call's purpose, tokens generated so far, seconds since the call started)
TokenCallback = Callable[[str, int, float], None]


def _runtime_version() -> str:
    import llama_cpp

    return str(getattr(llama_cpp, "__version__", "unknown"))


class LocalModel:
    """A `ChatTransport` over `llama_cpp.Llama`, loaded on the first call."""

    def __init__(
        self,
        model_path: Path,
        *,
        threads: int | None = None,
        on_tokens: TokenCallback | None = None,
    ) -> None:
        self.info: GgufInfo = read_gguf(model_path)
        try:
            import llama_cpp  # noqa: F401  (present? the error names the fix)
        except ImportError:
            raise ConfigError(
                "the local engine needs llama-cpp-python: install it with "
                "pip install 'briefing[local]' (or use ⟨base_url⟩ with a model server)"
            ) from None
        self.threads = threads or os.cpu_count() or 1
        self.on_tokens = on_tokens
        self._llama: Any = None
        self._context = 0
        self._lock = asyncio.Lock()  # one generation at a time: the model is not reentrant

    @property
    def runtime(self) -> str:
        return f"llama-cpp-python {_runtime_version()} (in process, {self.threads} threads)"

    async def complete(self, request: ModelRequest) -> ModelResponse:
        async with self._lock:
            return await asyncio.to_thread(self._complete, request)

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` in the model's own vocabulary (loads the model if needed)."""
        llama = self._load(max(self._context, CONTEXT_STEP))
        return len(llama.tokenize(text.encode("utf-8"), add_bos=False))

    async def aclose(self) -> None:
        self._llama = None

    def _load(self, context: int) -> Any:
        import llama_cpp

        if self._llama is None or context > self._context:
            self._llama = None  # free the old context before allocating the larger one
            self._llama = llama_cpp.Llama(
                model_path=str(self.info.path),
                n_ctx=context,
                n_threads=self.threads,
                n_threads_batch=self.threads,
                verbose=False,
            )
            self._context = context
        return self._llama

    def _context_for(self, request: ModelRequest) -> int:
        # About 3.5 characters per token in the languages these models read; the margin
        # and a retry with a larger context (below) cover an estimate that falls short.
        prompt = sum(len(m.get("content", "")) for m in request.messages) / 3.5
        needed = int(prompt) + request.max_output_tokens + CONTEXT_MARGIN
        return -(-needed // CONTEXT_STEP) * CONTEXT_STEP

    def _complete(self, request: ModelRequest) -> ModelResponse:
        context = self._context_for(request)
        started = time.perf_counter()
        for _ in range(2):
            llama = self._load(context)
            try:
                result = self._generate(llama, request, started)
                break
            except ValueError as exc:
                if "context" not in str(exc).lower() or context >= 4 * self._context_for(request):
                    raise ModelCallError(
                        f"the local model failed on {request.purpose or 'a request'}: {exc}",
                        model=self.info.stem,
                        endpoint=str(self.info.path),
                    ) from None
                context *= 2
        choice = result["choices"][0]
        usage = result.get("usage") or {}
        return ModelResponse(
            content=choice["message"].get("content"),
            finish_reason=choice.get("finish_reason"),
            usage=Usage(int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))),
            model=self.info.stem,
            structured_mode=WIRE_FORM,
            seconds=round(time.perf_counter() - started, 3),
        )

    def _generate(self, llama: Any, request: ModelRequest, started: float) -> Any:
        generated = 0

        def count_tokens(input_ids: Any, scores: Any) -> Any:
            # Called once per generated token: the only hook into a non-streamed call,
            # which (unlike a stream) reports exact token usage at the end.
            nonlocal generated
            generated += 1
            if self.on_tokens is not None:
                self.on_tokens(request.purpose, generated, time.perf_counter() - started)
            return scores

        import llama_cpp

        sampling = dict(request.sampling)
        return llama.create_chat_completion(
            messages=[dict(m) for m in request.messages],
            response_format={"type": "json_object", "schema": request.json_schema},
            max_tokens=request.max_output_tokens,
            temperature=float(sampling.pop("temperature", 0.0)),
            seed=sampling.pop("seed", None),
            logits_processor=llama_cpp.LogitsProcessorList([count_tokens]),
        )
