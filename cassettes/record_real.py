"""Record the shipped cassettes from a real model, and say exactly which one.

Every example article is briefed with each prompt version through the ordinary `record`
path of `briefing generate`, against an OpenAI-compatible server (`--base-url`, e.g.
llama-cpp-python's server) or in process (`--model-path` alone, the local engine). Each
cassette entry's origin names the model file, the start of its sha256, its quantisation,
the runtime and its version, and the sampling settings; the time the model took is kept
with every answer. Cassettes go to `<article>.<version>.<model>.json`, the names
`briefing compare --model <model> --cassette-dir cassettes` looks for.

    .venv/bin/python cassettes/record_real.py --model-path MODEL.gguf \\
        --base-url http://127.0.0.1:8090/v1 --runtime "llama-cpp-python 0.3.36 server"

Runs take minutes per brief on a small machine; finished articles are skipped unless
`--force` is given (`once` mode: answers already recorded are replayed).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from briefing.choices import Engine, RecordMode
from briefing.compare.result import Variant
from briefing.compare.run import ARTICLE_SUFFIXES, cassette_name
from briefing.config import resolve_settings
from briefing.errors import name_options
from briefing.ingest.article import load_article
from briefing.model.gguf import read_gguf, sha256_prefix
from briefing.pipeline import GenerateOptions, generate_brief
from briefing.prompts import load_version
from briefing.text.language import resolve_language

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CASSETTES = ROOT / "cassettes"


def provenance(model_path: Path, runtime: str, settings_note: str) -> str:
    info = read_gguf(model_path)
    quant = info.quantisation or "unknown quantisation"
    return (
        f"recorded from {model_path.name} (sha256 {sha256_prefix(model_path)}…, {quant}) "
        f"with {runtime}, {settings_note}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-path", type=Path, required=True, help="the GGUF model file")
    parser.add_argument("--base-url", help="an OpenAI-compatible server running that file")
    parser.add_argument("--runtime", help="what serves it, with its version (server only)")
    parser.add_argument("--versions", nargs="+", default=["v1", "v2", "v3", "v3-quote"])
    parser.add_argument("--articles", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=CASSETTES)
    parser.add_argument("--force", action="store_true", help="record again what exists")
    parser.add_argument(
        "--brief-language",
        help="write the briefs in this language (cassettes get a .brief-<code> suffix)",
    )
    args = parser.parse_args()

    model = read_gguf(args.model_path).stem
    local = args.base_url is None
    flags: dict[str, object] = {"model": model, "max_repairs": 1, "tokenizer": "offline"}
    suffix = ""
    if args.brief_language:
        flags["brief_language"] = args.brief_language
        suffix = f".brief-{resolve_language(args.brief_language)[0]}"
    if local:
        flags |= {"engine": Engine.LOCAL, "model_path": str(args.model_path)}
        from briefing.model.local import LocalModel

        runtime = LocalModel(args.model_path).runtime
    else:
        if not args.runtime:
            parser.error("--runtime is required with --base-url (e.g. 'llama-cpp-python 0.3.36')")
        flags |= {"engine": Engine.LLM, "base_url": args.base_url}
        runtime = args.runtime
    settings = resolve_settings(flags)
    articles = args.articles or sorted(
        p for p in EXAMPLES.iterdir() if p.suffix in ARTICLE_SUFFIXES
    )
    summary = []
    for version in args.versions:
        sampling = load_version(version).sampling
        note = ", ".join(f"{k} {v}" for k, v in sorted(sampling.items())) or "default sampling"
        origin = provenance(args.model_path, runtime, note)
        for path in articles:
            name = cassette_name(path.stem, Variant(label=version, version=version, model=model))
            name = name.removesuffix(".json") + f"{suffix}.json"
            cassette = args.out / name
            if cassette.exists() and not args.force:
                print(f"skip {name} (exists; --force records it again)", file=sys.stderr)
                continue
            started = time.perf_counter()
            doc = generate_brief(
                load_article(str(path)),
                settings,
                GenerateOptions(
                    prompt_version=version,
                    engine=settings.engine,
                    cassette=cassette,
                    record_mode=RecordMode.RECORD if args.force else RecordMode.ONCE,
                    cassette_origin=origin,
                    notify=lambda line: print(f"  {name_options(line)}", file=sys.stderr),
                ),
            )
            seconds = round(time.perf_counter() - started, 1)
            grounding = doc.grounding.rate if doc.grounding else None
            meta = doc.metadata
            line = {
                "article": path.stem,
                "version": version,
                "seconds": seconds,
                "calls": meta.calls,
                "prompt_tokens": meta.prompt_tokens,
                "completion_tokens": meta.completion_tokens,
                "grounding_rate": grounding,
                "salvaged": len(meta.salvaged),
                "discarded": len(meta.discarded),
            }
            summary.append(line)
            print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
