"""`briefing --help` wall time, and which heavy modules a light command imports.

Target: under 0.3 s for --help; `--help` and `chunk` must not import openai,
trafilatura or weasyprint.
"""

from __future__ import annotations

import subprocess
import sys

from _util import ROOT, timed

HEAVY = ("openai", "trafilatura", "weasyprint", "httpx")


def run_help() -> None:
    subprocess.run(
        [sys.executable, "-m", "briefing", "--help"], check=True, capture_output=True, cwd=ROOT
    )


def heavy_imports(args: list[str]) -> list[str]:
    report = f"sys.stderr.write('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    code = (
        f"import atexit, sys\natexit.register(lambda: {report})\n"
        f"from briefing.cli.app import main\nsys.argv = ['briefing', *{args!r}]\nmain()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    marker = out.stderr.rsplit("HEAVY=", 1)[-1].strip()
    return [m for m in marker.split(",") if m]


if __name__ == "__main__":
    median, worst = timed(run_help, runs=10)
    print(
        f"briefing --help: median {median:.3f} s, max {worst:.3f} s over 10 runs (target < 0.3 s)"
    )
    for args in (["--help"], ["chunk", "examples/aleppo-offensive.txt"]):
        heavy = heavy_imports(args) or "none"
        print(f"heavy modules imported by `briefing {' '.join(args)}`: {heavy}")
