"""The model support check against the deterministic one, on example briefs.

For each brief (a hand-written reference replayed from its cassette in
tests/data/cassettes, the extractive engine's, and any real recording given with
--recording), runs the pipeline with `check_support` = model against a live
OpenAI-compatible server, recording the support questions into a copy of the cassette
under --out, and prints per brief: calls, tokens, seconds, and how often the model's
verdict matches the rules' status (exactly, and as supported / not supported). A second
run with the same --out replays.

    python benchmarks/support_model_agreement.py --base-url http://127.0.0.1:8092/v1 \
        --model qwen2.5-coder-1.5b-instruct-q4_k_m --out /tmp/support-runs \
        --articles kessara-floods-wire aleppo-offensive \
        --recording cassettes/kessara-floods-wire.v3.qwen2.5-coder-1.5b-instruct-q4_k_m.json

A recording's article and prompt version come from its name (`<article>.<version>.<model>
.json`); the support questions go to --model, whatever model made the brief.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from _util import EXAMPLES, ROOT

from briefing.config import resolve_settings
from briefing.ingest.article import load_article
from briefing.pipeline import GenerateOptions, generate_brief

AS_VERDICT = {"supported": "yes", "partly": "partly", "unsupported": "no"}


def article_path(stem: str) -> Path:
    return next(p for p in EXAMPLES.glob(f"{stem}.*") if p.suffix in (".txt", ".md", ".html"))


def run(
    label: str, stem: str, cassette: Path | None, args: argparse.Namespace, version: str = "v2"
) -> list[str]:
    article = load_article(str(article_path(stem)))
    # The brief replays under the model its cassette was keyed on; a one-model server
    # (llama.cpp) answers the support questions whatever the name.
    model = _keyed_model(cassette) if cassette is not None else args.model
    flags = {"model": model, "base_url": args.base_url, "timeout": args.timeout}
    settings = resolve_settings(
        {**flags, "check_support": "model", "tokenizer": "offline"}, env={"HOME": "/nonexistent"}
    )
    options = GenerateOptions(
        engine="extractive" if cassette is None else "llm",
        prompt_version=version,
        cassette=cassette or args.out / f"{stem}.extractive.support.json",
        record_mode="once",
        cassette_origin=f"recorded from {args.model}",
    )
    doc = generate_brief(article, settings, options)
    report = doc.grounding
    assert report is not None and report.claims is not None and report.support_model
    # The rules' own statuses: the same brief (replayed), checked by the rules alone.
    alone = generate_brief(
        article,
        settings,
        GenerateOptions(
            engine=options.engine,
            prompt_version=version,
            cassette=options.cassette,
            record_mode="replay",
            check_support="rules",
        ),
    )
    assert alone.grounding is not None and alone.grounding.claims is not None
    rules = {c.path: c.status for c in alone.grounding.claims}
    pairs = [(rules.get(c.path), c.model_verdict) for c in report.claims if c.model_verdict]
    exact = sum(AS_VERDICT.get(r or "", "") == m for r, m in pairs)
    binary = sum((r == "supported") == (m == "yes") for r, m in pairs)
    run = report.support_model
    line = (
        f"{stem:24} {label:16} {len(report.claims)} items, {run.calls} call(s), "
        f"{run.prompt_tokens}+{run.completion_tokens} tokens, {run.seconds:.0f} s; "
        f"answered {len(pairs)}; agree exactly {exact}/{len(pairs)}, "
        f"supported-or-not {binary}/{len(pairs)}; model no/partly/yes "
        f"{sum(m == 'no' for _, m in pairs)}/{sum(m == 'partly' for _, m in pairs)}/"
        f"{sum(m == 'yes' for _, m in pairs)}; rules supported "
        f"{sum(r == 'supported' for r, _ in pairs)}"
    )
    print(line, flush=True)
    return [line]


def _keyed_model(cassette: Path) -> str:
    entries = json.loads(cassette.read_text(encoding="utf-8"))["entries"]
    return str(entries[0]["request"]["model"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--articles", nargs="+", required=True)
    parser.add_argument("--recording", action="append", default=[], help="a real recording")
    parser.add_argument("--timeout", type=float, default=3000.0)
    parser.add_argument("--skip-extractive", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for stem in args.articles:
        copy = args.out / f"{stem}.v2.hand-written.support.json"
        if not copy.exists():
            shutil.copy(ROOT / "tests" / "data" / "cassettes" / f"{stem}.v2.json", copy)
        run("hand-written", stem, copy, args)
        if not args.skip_extractive:
            run("extractive", stem, None, args)
    for item in args.recording:
        stem, version = Path(item).name.split(".")[:2]
        copy = args.out / f"{stem}.{version}.recorded.support.json"
        if not copy.exists():
            shutil.copy(item, copy)
        run(f"recorded {version}", stem, copy, args, version)


if __name__ == "__main__":
    main()
