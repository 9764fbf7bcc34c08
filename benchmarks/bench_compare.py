"""Comparing 2 variants on 10 articles end to end (target: under 3 s).

End to end means: load the articles, run every (article, variant) through the pipeline,
compute metrics and gold scores, then render the terminal table, the HTML report and
(in process) the JSON result.

- `v1` against `v2` is replayed from the hand-written reference cassettes
  (`tests/data/cassettes/`, or
  `--cassette-dir DIR` holding `<article>.<version>.json` recordings of the example
  articles). The ten articles are copies of the examples under distinct names; the
  cassettes are copied along (`<stem>-<i>.<version>.json`): they are keyed by the
  request's content, so the copies replay.
- `extractive` twice (an A/A run) needs no cassette and is the floor of the real path.

Each case is timed in process (`compare_prompts` + reports, after one warm-up run) and
through the CLI in a subprocess (`python -m briefing compare ... --report`, including
interpreter start-up and imports). The shipped cassettes hold hand-written reference
responses, not model output: this times the tool, not a model.

Exits 1 when a median is over the target, or when any run failed (a fast failure is not
a result).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _util import EXAMPLES, ROOT, timed
from rich.console import Console

from briefing.choices import RecordMode
from briefing.compare.report import render_terminal
from briefing.compare.report_html import render_html
from briefing.compare.run import ARTICLE_SUFFIXES, CompareOptions, compare_prompts
from briefing.config import Settings

ARTICLE_COUNT = 10
TARGET_SECONDS = 3.0
VERSIONS = ("v1", "v2")


def ten_articles(folder: Path) -> list[tuple[Path, str]]:
    """The example articles copied round-robin as `<stem>-<i>.<ext>`, ten in all.

    Returns (copy, stem of the example it copies).
    """
    sources = sorted(p for p in EXAMPLES.iterdir() if p.suffix in ARTICLE_SUFFIXES)
    copies = []
    for i in range(ARTICLE_COUNT):
        src = sources[i % len(sources)]
        copy = folder / f"{src.stem}-{i}{src.suffix}"
        shutil.copy(src, copy)
        copies.append((copy, src.stem))
    return copies


def copy_gold(copies: list[tuple[Path, str]], gold: Path) -> int:
    count = 0
    for copy, stem in copies:
        original = EXAMPLES / "gold" / f"{stem}.gold.json"
        if original.is_file():
            shutil.copy(original, gold / f"{copy.stem}.gold.json")
            count += 1
    return count


def copy_cassettes(copies: list[tuple[Path, str]], recorded: Path, replay: Path) -> None:
    missing = []
    for copy, stem in copies:
        for version in VERSIONS:
            source = recorded / f"{stem}.{version}.json"
            if source.is_file():
                shutil.copy(source, replay / f"{copy.stem}.{version}.json")
            else:
                missing.append(source.name)
    if missing:
        sys.exit(f"missing cassettes in {recorded}: {', '.join(sorted(set(missing)))}")


def in_process(
    articles: Path, gold: Path, versions: list[str], cassettes: Path | None
) -> tuple[int, int]:
    result = compare_prompts(
        [articles],
        versions,
        Settings(),
        CompareOptions(cassette_dir=cassettes, record_mode=RecordMode.REPLAY, gold_dir=gold),
    )
    if result.failures:
        first = result.failures[0]
        sys.exit(
            f"{len(result.failures)} failed run(s); first, {first.article} × {first.variant}: "
            f"{first.error_type}: {first.error}"
        )
    render_terminal(result, Console(file=io.StringIO(), width=140))
    html = render_html(result)
    result.model_dump_json()
    return len(result.runs), len(html)


def cli_env(home: Path) -> dict[str, str]:
    """The caller's environment without model or briefing settings, and a private HOME
    (no config file): the CLI then runs with the same defaults as `Settings()`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BRIEFING_", "OPENAI_", "AZURE_OPENAI_")) and k != "XDG_CONFIG_HOME"
    }
    env["HOME"] = str(home)
    return env


def cli_args(
    articles: Path, gold: Path, versions: list[str], cassettes: Path | None, report: Path
) -> list[str]:
    args = [sys.executable, "-m", "briefing", "compare", str(articles)]
    for version in versions:
        args += ["--prompt", version]
    if cassettes is not None:
        args += ["--cassette-dir", str(cassettes), "--record-mode", "replay"]
    # The gate turns any failed run into exit code 11, so a broken setup cannot pass as fast.
    args += ["--gold", str(gold), "--report", str(report)]
    args += ["--baseline", versions[0], "--fail-on", "failed_runs>0"]
    return args


def through_cli(args: list[str], env: dict[str, str], report: Path) -> int:
    report.unlink(missing_ok=True)
    out = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode != 0 or "gate passed" not in out.stderr:
        sys.exit(
            f"`{' '.join(args[1:])}` exited {out.returncode}:\n{out.stdout[-2000:]}\n"
            f"{out.stderr[-2000:]}"
        )
    if "Comparison of" not in out.stdout or not report.is_file():
        sys.exit(f"`{' '.join(args[1:])}` printed no table or wrote no report")
    return report.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--cassette-dir",
        type=Path,
        default=ROOT / "tests" / "data" / "cassettes",
        help="recordings of the example articles (default: the shipped cassettes)",
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    over: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        articles, gold, replay, home = (root / n for n in ("articles", "gold", "cassettes", "home"))
        for folder in (articles, gold, replay, home):
            folder.mkdir()
        copies = ten_articles(articles)
        golds = copy_gold(copies, gold)
        copy_cassettes(copies, args.cassette_dir, replay)
        print(
            f"{ARTICLE_COUNT} articles ({len({s for _, s in copies})} examples copied), "
            f"{golds} gold files, cassettes from {args.cassette_dir}"
        )
        cases: list[tuple[str, list[str], Path | None]] = [
            ("v1 vs v2 from cassettes", list(VERSIONS), replay),
            ("extractive vs extractive", ["extractive", "extractive"], None),
        ]
        env = cli_env(home)
        report = root / "report.html"
        for label, versions, cassettes in cases:
            runs, size = in_process(articles, gold, versions, cassettes)  # warm-up
            median, worst = timed(
                lambda v=versions, c=cassettes: in_process(articles, gold, v, c), args.runs
            )
            print(
                f"{label}, in process: {ARTICLE_COUNT} articles, {runs} runs, HTML "
                f"{size // 1024} KiB; median {median:.2f} s, max {worst:.2f} s over "
                f"{args.runs} runs (target < {TARGET_SECONDS:g} s)"
            )
            if median >= TARGET_SECONDS:
                over.append(f"{label}, in process")
            command = cli_args(articles, gold, versions, cassettes, report)
            size = through_cli(command, env, report)
            median, worst = timed(lambda c=command: through_cli(c, env, report), args.runs)
            print(
                f"{label}, CLI subprocess: `briefing compare` with terminal table, HTML report "
                f"({size // 1024} KiB) and gate; median {median:.2f} s, max {worst:.2f} s over "
                f"{args.runs} runs (target < {TARGET_SECONDS:g} s)"
            )
            if median >= TARGET_SECONDS:
                over.append(f"{label}, CLI subprocess")
    if over:
        sys.exit(f"over the {TARGET_SECONDS:g} s target (median): {'; '.join(over)}")


if __name__ == "__main__":
    main()
