"""Chunking a 1 MB text (target: under 1 s), with the offline bundled encoding."""

from __future__ import annotations

from _util import EXAMPLES, timed

from briefing.ingest.chunking import chunk_text, resolve_tokenizer

if __name__ == "__main__":
    base = (EXAMPLES / "dalmar-corridor-report.md").read_text(encoding="utf-8")
    text = ((base + "\n\n") * (1_000_000 // len(base) + 1))[:1_000_000]
    tokenizer = resolve_tokenizer("gpt-4o-mini")
    kind = "approximate" if tokenizer.approximate else "exact"
    print(f"encoding: {tokenizer.encoding_name} ({kind})")
    for max_tokens, overlap in ((3000, 150), (1000, 100)):
        chunks = chunk_text(text, tokenizer, max_tokens=max_tokens, overlap=overlap)
        median, worst = timed(
            lambda m=max_tokens, o=overlap: chunk_text(text, tokenizer, max_tokens=m, overlap=o), 5
        )
        print(
            f"1 MB text, max {max_tokens} tokens, overlap {overlap}: {len(chunks)} chunks, "
            f"median {median:.3f} s, max {worst:.3f} s over 5 runs (target < 1 s)"
        )
