"""generate_brief() through the real openai SDK against the local stub server.

a. One-chunk sample (examples/aleppo-offensive.txt, default settings, prompt v2):
   exactly 1 model call; prompt tokens <= article tokens + 1,500.
b. A synthetic 20-chunk article, stub latency 0.5 s per call, concurrency 8:
   wall time <= 1.3 x ideal, where ideal = (ceil(20 / 8) + merge levels) x 0.5 s
   (the merge levels are counted from the run: the merge is hierarchical when the
   partial briefs exceed the merge budget); total prompt tokens <= 1.4 x article
   tokens + the fixed prompt overhead of every call (the rendered prompt with an empty
   article, or with no partials for a merge call).

The stub reports prompt_tokens as the tokens of the request's messages counted with
resolve_tokenizer("gpt-4o-mini"), +4 per message (the pipeline's own estimate rule).
Part b uses chunk_tokens 1500 and the default overlap (150); `--chunk-overlap N` changes
the overlap (the synthetic article is then re-cut to exactly 20 chunks).
Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import time
from typing import Any

from _util import EXAMPLES

from briefing.config import Settings, resolve_settings
from briefing.engines.llm import Progress
from briefing.ingest.article import Article, load_article, make_article
from briefing.ingest.chunking import chunk_text, resolve_tokenizer
from briefing.pipeline import GenerateOptions, generate_brief
from briefing.prompts import extraction_messages, load_version, merge_messages
from briefing.schema import BriefDocument
from briefing.testing import (
    RecordedRequest,
    Reply,
    StubServer,
    minimal_brief_json,
    partial_brief_json,
)

MODEL = "gpt-4o-mini"
PROMPT = "v2"
TOKENIZER = resolve_tokenizer(MODEL)
PER_MESSAGE = 4

# a.
ONE_CHUNK_OVERHEAD_LIMIT = 1_500
# b.
CHUNKS = 20
CHUNK_TOKENS = 1500
DEFAULT_OVERLAP = Settings.chunk_overlap  # 150
CONCURRENCY = 8
LATENCY_S = 0.5
WALL_FACTOR = 1.3
WALL_RUNS = 3
TOKEN_FACTOR = 1.4


def message_tokens(messages: Any) -> int:
    return sum(TOKENIZER.count(str(m.get("content") or "")) + PER_MESSAGE for m in messages)


def settings_for(stub: StubServer, **flags: Any) -> Settings:
    base: dict[str, Any] = {"base_url": stub.base_url, "model": MODEL}
    return resolve_settings({**base, **flags}, env={"HOME": "/nonexistent"})


def user_text(request: RecordedRequest) -> str:
    return str(request.body["messages"][-1]["content"])


def is_merge(request: RecordedRequest) -> bool:
    return "partial brief" in user_text(request)


def between_delimiters(content: str) -> str:
    parts = re.split(r"<<<ARTICLE-[0-9a-f]+>>>", content)
    if len(parts) != 3:
        raise AssertionError("expected the data between exactly two delimiter lines")
    return parts[1].strip()


def counted(value: dict[str, Any], request: RecordedRequest) -> Reply:
    """`value` as the answer, with prompt_tokens counted from the request's messages."""
    return Reply.json(
        value, prompt_tokens=message_tokens(request.body["messages"]), completion_tokens=50
    )


def extraction_reply(request: RecordedRequest) -> Reply:
    """A small valid partial brief quoting the chunk's first sentence (as the pipeline
    tests do); one actor, named in full in odd chunks and by acronym in even ones."""
    text = user_text(request)
    part = re.search(r"part (\d+) of", text)
    brief = partial_brief_json(between_delimiters(text), int(part.group(1)) if part else 1)
    return counted(brief, request)


def merge_reply(request: RecordedRequest) -> Reply:
    """A complete brief quoting the first partial, with every partial's actors (the
    pipeline de-duplicates them). Partials arrive with their empty fields left out."""
    partials = json.loads(between_delimiters(user_text(request)))
    quote = partials[0]["situation"]["evidence"][0]
    actors = [{"aliases": [], **a} for p in partials for a in p.get("actors", [])]
    return counted(minimal_brief_json(quote, actors), request)


def route(request: RecordedRequest) -> Reply:
    return merge_reply(request) if is_merge(request) else extraction_reply(request)


# --- a. one chunk ----------------------------------------------------------------------


def bench_one_chunk() -> list[str]:
    article = load_article(str(EXAMPLES / "aleppo-offensive.txt"))
    reference = json.loads((EXAMPLES / "aleppo-offensive.brief.json").read_text("utf-8"))
    with StubServer(default=lambda request: counted(reference["brief"], request)) as stub:
        doc = generate_brief(
            article, settings_for(stub), GenerateOptions(prompt_version=PROMPT, engine="llm")
        )
        bodies = stub.chat_bodies
    calls = len(bodies)
    article_tokens = TOKENIZER.count(article.text)
    prompt_tokens = doc.metadata.prompt_tokens or 0
    overhead = prompt_tokens - article_tokens
    print("a. one-chunk article (examples/aleppo-offensive.txt, default settings, prompt v2)")
    print(f"   calls: {calls} (metadata: {doc.metadata.calls})")
    print(f"   article tokens: {article_tokens}")
    print(f"   prompt tokens: {prompt_tokens}")
    print(f"   overhead: {overhead} (limit {ONE_CHUNK_OVERHEAD_LIMIT})")
    failures = []
    if calls != 1:
        failures.append(f"a: {calls} model calls, expected exactly 1")
    if overhead > ONE_CHUNK_OVERHEAD_LIMIT:
        failures.append(f"a: prompt overhead {overhead} > {ONE_CHUNK_OVERHEAD_LIMIT} tokens")
    return failures


# --- b. twenty chunks ------------------------------------------------------------------

SOURCES = (
    "aleppo-offensive.txt",
    "dalmar-corridor-report.md",
    "kessara-floods-wire.txt",
    "tarsin-ceasefire.html",
)


def paragraph_pool() -> list[str]:
    """Body paragraphs of the example articles (headings and page chrome left out)."""
    pool: list[str] = []
    for name in SOURCES:
        for paragraph in load_article(str(EXAMPLES / name)).paragraphs:
            text = paragraph.text.strip()
            if len(text.split()) >= 12 and text not in pool:
                pool.append(text)
    return pool


def varied(paragraph: str, round_no: int) -> str:
    """Round 0 is the paragraph as is; later rounds shift every number (and label the
    paragraphs that have none), so no paragraph and no chunk repeats another."""
    if round_no == 0:
        return paragraph
    if re.search(r"\d", paragraph):
        return re.sub(r"\d+", lambda m: str(int(m.group()) + 7 * round_no), paragraph)
    return f"Update {round_no}: {paragraph}"


def twenty_chunk_article(overlap: int) -> Article:
    title = "Regional situation digest: Aleppo, Dalmar, Kessara and Tarsin"
    pool = paragraph_pool()
    body = [varied(p, r) for r in range(12) for p in pool]
    if len(set(body)) != len(body):
        raise AssertionError("synthetic paragraphs repeat")

    def build(n: int) -> Article:
        return make_article("synthetic-20-chunks", [title, *body[:n]], title=title, format="text")

    def chunk_count(n: int) -> int:
        text = build(n).text
        return len(chunk_text(text, TOKENIZER, max_tokens=CHUNK_TOKENS, overlap=overlap))

    # The most paragraphs that still make exactly CHUNKS chunks (chunk count grows with n).
    low, high = 1, len(body)
    if chunk_count(high) <= CHUNKS:
        raise AssertionError("not enough paragraphs for the synthetic article")
    while low < high:
        mid = (low + high + 1) // 2
        if chunk_count(mid) <= CHUNKS:
            low = mid
        else:
            high = mid - 1
    if chunk_count(low) != CHUNKS:
        raise AssertionError(f"no paragraph count gives exactly {CHUNKS} chunks")
    return build(low)


def fixed_overheads(title: str, chunk_count: int) -> tuple[int, int]:
    """Tokens of an extraction prompt with an empty article and of a merge prompt with
    no partials: what every call costs besides the data it carries."""
    version = load_version(PROMPT)
    extract = extraction_messages(
        version, title=title, text="", chunk_index=0, chunk_count=chunk_count
    )
    merge = merge_messages(version, title=title, partials=[])
    return message_tokens(extract), message_tokens(merge)


def run_twenty_chunks(
    article: Article, overlap: int
) -> tuple[float, BriefDocument, list[RecordedRequest], list[str], int]:
    """One generation against a fresh stub: (wall s, document, chat requests, stages,
    stub max_in_flight)."""
    stages: list[str] = []

    def progress(update: Progress) -> None:
        stages.append(update.stage)

    with StubServer(default=route, latency_s=LATENCY_S) as stub:
        settings = settings_for(
            stub,
            chunk_tokens=CHUNK_TOKENS,
            chunk_overlap=overlap,
            concurrency=CONCURRENCY,
            timeout=30.0,
        )
        start = time.perf_counter()
        doc = generate_brief(
            article,
            settings,
            GenerateOptions(prompt_version=PROMPT, engine="llm", progress=progress),
        )
        wall = time.perf_counter() - start
        requests = [r for r in stub.requests if r.path.rstrip("/").endswith("/chat/completions")]
        return wall, doc, requests, stages, stub.max_in_flight


def bench_twenty_chunks(overlap: int) -> list[str]:
    article = twenty_chunk_article(overlap)
    chunks = chunk_text(article.text, TOKENIZER, max_tokens=CHUNK_TOKENS, overlap=overlap)
    # The wall time is the median of WALL_RUNS runs (this is a shared machine); the
    # token counts are the same in every run.
    runs = [run_twenty_chunks(article, overlap) for _ in range(WALL_RUNS)]
    walls = [run[0] for run in runs]
    wall = statistics.median(walls)
    _, doc, requests, stages, _ = runs[-1]
    max_in_flight = max(run[4] for run in runs)

    merges = [r for r in requests if is_merge(r)]
    extractions = len(requests) - len(merges)
    groups_per_level: dict[int, int] = {}
    for stage in stages:
        if found := re.match(r"merge level (\d+) group \d+/(\d+)", stage):
            groups_per_level[int(found.group(1))] = int(found.group(2))
    merge_levels = len(groups_per_level) + (1 if "merge" in stages else 0)
    level_shape = " -> ".join(
        [f"{groups_per_level[level]} groups" for level in sorted(groups_per_level)] + ["final"]
    )
    extraction_waves = math.ceil(CHUNKS / CONCURRENCY)
    ideal = (extraction_waves + merge_levels) * LATENCY_S
    ratio = wall / ideal

    article_tokens = TOKENIZER.count(article.text)
    stub_total = sum(message_tokens(r.body["messages"]) for r in requests)
    total_prompt = doc.metadata.prompt_tokens or 0
    extract_overhead, merge_overhead = fixed_overheads(article.title or "", len(chunks))
    fixed = extractions * extract_overhead + len(merges) * merge_overhead
    bound = TOKEN_FACTOR * article_tokens + fixed
    chunk_sum = sum(c.tokens for c in chunks)
    merge_tokens = sum(message_tokens(r.body["messages"]) for r in merges)

    print(
        f"b. {CHUNKS}-chunk synthetic article, chunk_tokens {CHUNK_TOKENS}, overlap {overlap}"
        f"{' (the default)' if overlap == DEFAULT_OVERLAP else ''}, concurrency {CONCURRENCY}, "
        f"stub latency {LATENCY_S} s"
    )
    print(
        f"   chunks: {len(chunks)} (chunk tokens {min(c.tokens for c in chunks)}-"
        f"{max(c.tokens for c in chunks)}, sum {chunk_sum})"
    )
    print(
        f"   calls: {len(requests)} ({extractions} extraction + {len(merges)} merge; "
        f"metadata: {doc.metadata.calls})"
    )
    print(f"   merge levels (sequential): {merge_levels} (hierarchical: {level_shape})")
    print(
        f"   wall time: {wall:.3f} s (median of {WALL_RUNS} runs: "
        f"{', '.join(f'{w:.3f}' for w in walls)} s)"
    )
    print(
        f"   ideal: {ideal:.3f} s = ({extraction_waves} extraction waves + {merge_levels} "
        f"merge levels) x {LATENCY_S} s"
    )
    print(f"   ratio: {ratio:.3f} (limit {WALL_FACTOR})")
    print(f"   article tokens: {article_tokens}")
    print(f"   total prompt tokens: {total_prompt} (stub-side recount: {stub_total})")
    print(
        f"   bound: {bound:.0f} = {TOKEN_FACTOR} x {article_tokens} + {extractions} x "
        f"{extract_overhead} (extraction prompt, empty article) + {len(merges)} x "
        f"{merge_overhead} (merge prompt, no partials)"
    )
    print(f"   of which merge calls: {merge_tokens} prompt tokens")
    print(
        f"   stub max_in_flight: {max_in_flight} (concurrency setting {CONCURRENCY}; "
        f"max over the {WALL_RUNS} runs)"
    )

    failures = []
    if len(chunks) != CHUNKS:
        failures.append(f"b: {len(chunks)} chunks, expected {CHUNKS}")
    if ratio > WALL_FACTOR:
        failures.append(f"b: wall time {wall:.3f} s is {ratio:.2f} x ideal {ideal:.2f} s")
    if total_prompt > bound:
        failures.append(f"b: total prompt tokens {total_prompt} > bound {bound:.0f}")
    if max_in_flight > CONCURRENCY:
        print(f"   note: {max_in_flight} requests in flight, above concurrency {CONCURRENCY}")
    return failures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--chunk-overlap",
        type=int,
        default=DEFAULT_OVERLAP,
        help=f"chunk overlap for part b (default: {DEFAULT_OVERLAP}, the settings default)",
    )
    args = parser.parse_args()
    problems = bench_one_chunk()
    print()
    problems += bench_twenty_chunks(args.chunk_overlap)
    print()
    if problems:
        for problem in problems:
            print(f"MISSED {problem}")
        sys.exit(1)
    print("all targets met")
