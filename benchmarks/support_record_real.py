"""Record a real small model's brief of an example article, for the support check.

The support check is judged on real model output, and the package's client does not yet
send llama.cpp-family servers the schema with JSON mode (without it a small model's
answer slips on enums and shapes). This script records through a transport that does:
`{"type": "json_object", "schema": ...}`, which llama-cpp-python's server turns into a
grammar. The cassette is keyed on the semantic request, like every cassette, so the
recording replays through the ordinary pipeline.

    python benchmarks/support_record_real.py --base-url http://127.0.0.1:8091/v1 \
        --article examples/kessara-floods-wire.txt \
        --cassette tests/data/support/kessara-floods-wire.v2.qwen.json

It prints the wall time, tokens and the grounding and support rates of the brief.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from briefing.config import resolve_settings
from briefing.ingest.article import load_article
from briefing.model.exchange import ModelRequest, ModelResponse, Usage
from briefing.pipeline import GenerateOptions, agenerate_brief


class ConstrainedJsonTransport:
    """Chat completions with the schema in `response_format` as a JSON-mode grammar."""

    def __init__(self, base_url: str, model: str, timeout: float) -> None:
        self.client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        self.model = model

    async def complete(self, request: ModelRequest) -> ModelResponse:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": list(request.messages),
            "response_format": {"type": "json_object", "schema": request.json_schema},
            "max_tokens": request.max_output_tokens,
            **request.sampling,
        }
        started = time.perf_counter()
        reply = await self.client.post("/chat/completions", json=body)
        reply.raise_for_status()
        data = reply.json()
        choice = data["choices"][0]
        usage = data.get("usage") or {}
        print(
            f"  {request.purpose}: {usage.get('prompt_tokens')}+"
            f"{usage.get('completion_tokens')} tokens, {time.perf_counter() - started:.0f} s"
        )
        return ModelResponse(
            content=choice["message"].get("content"),
            finish_reason=choice.get("finish_reason"),
            usage=Usage(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)),
            model=data.get("model") or self.model,
            structured_mode="json_object",
        )

    async def aclose(self) -> None:
        await self.client.aclose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct-q4_k_m")
    parser.add_argument("--article", required=True)
    parser.add_argument("--cassette", required=True, type=Path)
    parser.add_argument("--prompt", default="v2")
    parser.add_argument("--timeout", type=float, default=3000.0)
    args = parser.parse_args()
    settings = resolve_settings({"model": args.model, "tokenizer": "offline"}, env={})
    transport = ConstrainedJsonTransport(args.base_url, args.model, args.timeout)
    started = time.perf_counter()
    try:
        doc = await agenerate_brief(
            load_article(args.article),
            settings,
            GenerateOptions(
                prompt_version=args.prompt,
                engine="llm",
                cassette=args.cassette,
                record_mode="once",
                cassette_origin=f"recorded from {args.model} (llama-cpp-python server, "
                "json_object with the schema as grammar)",
                transport=transport,
            ),
        )
    finally:
        await transport.aclose()
    meta, report = doc.metadata, doc.grounding
    print(
        f"{args.article}: {time.perf_counter() - started:.0f} s, {meta.prompt_tokens}+"
        f"{meta.completion_tokens} tokens"
    )
    if report is not None:
        print(f"quotes found {report.verified}/{len(report.quotes)}")


if __name__ == "__main__":
    asyncio.run(main())
