"""A short article briefed by a small real model in process, timed phase by phase.

Goal (2 cores): a 300-word article briefed in under 3 minutes, with a prompt of at most
the article's tokens + 900 and an answer of at most 900 tokens. Needs the `local` extra
and a GGUF file: `--model-path` or `BRIEFING_TEST_GGUF`. Reports the model load, prompt
evaluation (until the first generated token), generation (tokens and tokens/s) and the
whole run, from process-internal clocks.

    .venv/bin/python benchmarks/bench_local_model.py --model-path MODEL.gguf [--prompt v3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

from _util import EXAMPLES

from briefing.config import resolve_settings
from briefing.engines.llm import Generating, ModelRun
from briefing.ingest.article import load_article
from briefing.model.local import LocalModel
from briefing.prompts import load_version

TARGET_SECONDS = 180.0
PROMPT_OVERHEAD = 900
OUTPUT_LIMIT = 900


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-path", type=Path, default=os.environ.get("BRIEFING_TEST_GGUF"))
    parser.add_argument("--prompt", default="v3")
    parser.add_argument("--article", type=Path, default=EXAMPLES / "kessara-floods-wire.txt")
    args = parser.parse_args()
    if not args.model_path:
        print("skipped: pass --model-path MODEL.gguf or set BRIEFING_TEST_GGUF")
        return 0
    article = load_article(str(args.article))
    settings = resolve_settings({"model": "local", "tokenizer": "offline"})
    first_token: list[float] = []
    events: list[Generating] = []

    def on_tokens(stage: str, tokens: int, seconds: float) -> None:
        if not first_token:
            first_token.append(seconds)
        events.append(Generating(stage, tokens, seconds))

    start = time.perf_counter()
    model = LocalModel(args.model_path, on_tokens=on_tokens)
    run = ModelRun(
        article,
        settings,
        load_version(args.prompt),
        repetition=0,
        progress=lambda _event: None,
        notify=lambda line: print(f"note: {line}", file=sys.stderr),
    )
    brief = asyncio.run(run.execute(model))
    article_tokens = model.count_tokens(article.text)  # the model's own tokenizer
    total = time.perf_counter() - start
    response = run.responses[-1]
    prompt_tokens = response.usage.prompt_tokens
    output_tokens = response.usage.completion_tokens
    call = response.seconds or total
    prompt_eval = first_token[0] if first_token else float("nan")
    generation = call - prompt_eval
    print(f"model: {args.model_path.name}, {model.runtime}; prompt {args.prompt}")
    print(f"article: {article.word_count} words, {article_tokens} tokens ({args.article.name})")
    print(f"calls: {run.meter.calls}; actors {len(brief.actors)}, figures "
          f"{len(brief.humanitarian.figures)}")  # fmt: skip
    print(f"prompt: {prompt_tokens} tokens (limit article + {PROMPT_OVERHEAD})")
    print(f"output: {output_tokens} tokens (limit {OUTPUT_LIMIT})")
    print(f"phases: load + prompt evaluation {prompt_eval:.1f} s (until the first token), "
          f"generation {generation:.1f} s ({output_tokens / max(generation, 1e-9):.1f} "
          f"tokens/s), whole run {total:.1f} s (target < {TARGET_SECONDS:.0f} s)")  # fmt: skip
    missed = []
    if total >= TARGET_SECONDS:
        missed.append("time")
    if prompt_tokens > article_tokens + PROMPT_OVERHEAD:
        missed.append("prompt tokens")
    if output_tokens > OUTPUT_LIMIT:
        missed.append("output tokens")
    print("all targets met" if not missed else f"missed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
