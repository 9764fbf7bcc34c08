"""Replaying the sample from its cassette, process start to rendered HTML.

Runs `python -m briefing generate examples/aleppo-offensive.txt --cassette
cassettes/aleppo-offensive.v3.<model>.json --prompt v3 --model <model> -o <tmp>/brief.html`
(the shipped recording of a real small model) from the repo root
5 times and prints the median and max wall seconds. Target: under 1.5 s (the median and
the max both). Exits 1 when the target is missed.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from _util import ROOT, timed

MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"
RUNS = 5
TARGET_S = 1.5


def replay(out: Path) -> None:
    out.unlink(missing_ok=True)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "briefing",
            "generate",
            "examples/aleppo-offensive.txt",
            "--cassette",
            f"cassettes/aleppo-offensive.v3.{MODEL}.json",
            "--prompt",
            "v3",
            "--model",
            MODEL,
            "-o",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 or not out.is_file():
        sys.exit(f"briefing generate failed (exit {result.returncode}):\n{result.stderr}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "brief.html"
        median, worst = timed(lambda: replay(out), RUNS)
        size = out.stat().st_size
    print(
        f"replay aleppo-offensive.v3 to HTML ({size} bytes): median {median:.3f} s, "
        f"max {worst:.3f} s over {RUNS} runs (target < {TARGET_S} s)"
    )
    if worst >= TARGET_S:
        print(f"MISSED: {'median' if median >= TARGET_S else 'max'} run over {TARGET_S} s")
        sys.exit(1)
