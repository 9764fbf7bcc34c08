"""briefing batch against the stub server: many short articles, one shared call limit.

a. 200 short articles, stub latency 0.3 s per call, concurrency 16, the default formats
   (HTML and JSON): wall time <= 1.3 x ideal, where ideal = calls / 16 x 0.3 s (every
   call slot busy all the time, nothing else taking any time).
b. Memory stays flat: peak RSS of a 200-article batch <= 1.5 x that of a 20-article one
   (each measured in a fresh process; the growth over the process's size after imports
   is printed too).
c. The run log costs < 2 ms per article: the rows `briefing batch` writes for each
   article (its document's fields, the brief's JSON kept), into a WAL-mode log.

Each article is one chunk: one call. The stub answers every call with a small valid brief
quoting the article; it runs in a process of its own, as a real server would. Each batch
is timed after a 5-article warm-up batch in the same process, so one-time imports (the
openai SDK, the tokenizer) are left out; the cold figure is printed too. Exits 1 when a
target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from briefing.batch.outcome import BatchOptions
from briefing.batch.run import run_batch
from briefing.config import resolve_settings
from briefing.runs.record import SafeRunLog, document_fields
from briefing.runs.store import RunEntry
from briefing.schema import BriefDocument
from briefing.testing import RecordedRequest, Reply, StubServer, answer_for

ARTICLES = 200
SMALL = 20
LATENCY_S = 0.3
CONCURRENCY = 16
WALL_FACTOR = 1.3
RSS_FACTOR = 1.5
LOG_MS = 2.0
RUNS = 5


def write_articles(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        text = (
            f"Floods hit Town {i}\n\n"
            f"Floods in Town {i} killed {i % 40 + 3} people on Monday, officials said. Rescue "
            f"teams searched for {i % 70 + 10} missing residents in the valley, and the "
            f"regional authority opened {i % 9 + 2} shelters for families who lost homes.\n\n"
            f"Aid groups said clean water was the most urgent need in Town {i}; roads to the "
            "north remained cut and more rain is forecast for the weekend.\n"
        )
        (folder / f"town-{i:03d}.txt").write_text(text, encoding="utf-8")


def answer(request: RecordedRequest) -> Reply:
    return Reply.json(answer_for(request.body), prompt_tokens=900, completion_tokens=250)


def one_batch(count: int, root: Path, base_url: str) -> dict[str, float]:
    """A warm-up batch, then `count` fresh articles: wall times, calls, RSS."""
    after_imports = _rss_mb()
    settings = resolve_settings(
        {"base_url": base_url, "concurrency": CONCURRENCY, "tokenizer": "offline", "timeout": 30.0},
        env={"HOME": str(root)},
    )
    write_articles(root / "warm", 5)
    started = time.perf_counter()
    run_batch([str(root / "warm")], root / "warm-out", settings, BatchOptions())
    cold = time.perf_counter() - started
    write_articles(root / "in", count)
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    batch = run_batch([str(root / "in")], root / "out", settings, BatchOptions())
    wall = time.perf_counter() - started
    used = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "cpu_s": used.ru_utime - cpu.ru_utime + used.ru_stime - cpu.ru_stime,
        "articles": count,
        "briefed": batch.succeeded,
        "calls": batch.tally.calls,
        "wall": wall,
        "warm_up_5": cold,
        "rss_after_imports_mb": after_imports,
        "peak_rss_mb": _rss_mb(),
    }


def serve(latency: float) -> None:
    """The stub server, in its own process: prints its URL, serves until killed."""
    with StubServer(default=answer, latency_s=latency) as stub:
        print(stub.base_url, flush=True)
        while True:
            time.sleep(3600)


def started_stub() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(LATENCY_S)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def _rss_mb() -> float:
    # ru_maxrss is the peak so far, in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_fresh_process(count: int, base_url: str) -> dict[str, float]:
    """`one_batch` in a new interpreter, so its peak RSS is its own."""
    out = subprocess.run(
        [sys.executable, __file__, "--one", str(count), "--url", base_url],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def log_overhead() -> tuple[float, int]:
    """Milliseconds per article for the rows a batch writes (the hand-written reference
    briefs stand for real ones), and a brief's JSON size."""
    examples = sorted((Path(__file__).parent.parent / "examples").glob("*.brief.json"))
    documents = [BriefDocument.model_validate_json(p.read_text("utf-8")) for p in examples]
    documents = (documents * (ARTICLES // len(documents) + 1))[:ARTICLES]
    with tempfile.TemporaryDirectory() as tmp:
        log = SafeRunLog(Path(tmp) / "runs.db", print)
        parent = log.add(RunEntry(command="batch", source="bench"))
        started = time.perf_counter()
        for doc in documents:
            entry = RunEntry(command="batch", parent_id=parent, source=doc.metadata.source)
            for name, value in document_fields(doc, keep_brief=True).items():
                setattr(entry, name, value)
            entry.exit_code = 0
            log.add(entry)
        elapsed = time.perf_counter() - started
        log.close()
    return 1000 * elapsed / len(documents), len(documents[0].model_dump_json())


def main() -> int:
    print(
        f"a. {ARTICLES} short articles, stub latency {LATENCY_S} s, concurrency {CONCURRENCY}, "
        "formats html + json"
    )
    stub, url = started_stub()
    try:
        runs = [in_fresh_process(ARTICLES, url) for _ in range(RUNS)]
        small = in_fresh_process(SMALL, url)
    finally:
        stub.kill()
        stub.wait()
    walls = sorted(r["wall"] for r in runs)
    big = runs[[r["wall"] for r in runs].index(walls[len(walls) // 2])]
    ideal = big["calls"] / CONCURRENCY * LATENCY_S
    ratio = big["wall"] / ideal
    print(f"   briefed: {big['briefed']:.0f}/{ARTICLES}, calls: {big['calls']:.0f}")
    print(
        f"   wall time: {big['wall']:.2f} s (median of {RUNS}: "
        f"{', '.join(f'{w:.2f}' for w in walls)} s); ideal {ideal:.2f} s; ratio {ratio:.2f} "
        f"(limit {WALL_FACTOR}); best run {walls[0] / ideal:.2f}"
    )
    print(
        f"   CPU time of the batch process: {big['cpu_s']:.2f} s "
        f"({1000 * big['cpu_s'] / ARTICLES:.1f} ms per article)"
    )
    print(f"   warm-up batch of 5 articles (imports included): {big['warm_up_5']:.2f} s")
    print(f"   load average while measured: {os.getloadavg()[0]:.1f} (2-core machine, shared)")
    rss_ratio = big["peak_rss_mb"] / small["peak_rss_mb"]
    print(f"b. peak RSS: {SMALL} articles {small['peak_rss_mb']:.0f} MB, {ARTICLES} articles "
          f"{big['peak_rss_mb']:.0f} MB; ratio {rss_ratio:.2f} (limit {RSS_FACTOR})")  # fmt: skip
    print(
        f"   growth over the size after imports: {SMALL}: "
        f"{small['peak_rss_mb'] - small['rss_after_imports_mb']:.0f} MB, {ARTICLES}: "
        f"{big['peak_rss_mb'] - big['rss_after_imports_mb']:.0f} MB"
    )
    per_article, size = log_overhead()
    print(f"c. run log: {per_article:.2f} ms per article (brief JSON kept, {size:,} bytes each; "
          f"limit {LOG_MS} ms)")  # fmt: skip
    failures = []
    if big["briefed"] != ARTICLES:
        failures.append(f"a: only {big['briefed']:.0f} of {ARTICLES} briefed")
    if ratio > WALL_FACTOR:
        failures.append(f"a: wall {big['wall']:.2f} s is {ratio:.2f} x ideal {ideal:.2f} s")
    if rss_ratio > RSS_FACTOR:
        failures.append(f"b: peak RSS ratio {rss_ratio:.2f} > {RSS_FACTOR}")
    if per_article > LOG_MS:
        failures.append(f"c: run log {per_article:.2f} ms per article > {LOG_MS}")
    for failure in failures:
        print(f"MISSED {failure}")
    if not failures:
        print("all targets met")
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--serve", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
    if args.one:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(one_batch(args.one, Path(tmp), args.url)))
        sys.exit(0)
    sys.exit(main())
