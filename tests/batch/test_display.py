"""What the batch shows while it runs: the live table, the plain lines, and its cassette
writer's behaviour when the disk says no."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from briefing.batch.index import ArticleSummary
from briefing.batch.outcome import ArticleRun, Batch, Stage
from briefing.batch.sources import make_source
from briefing.batch.transports import CassetteWriter, WrittenBehind
from briefing.choices import Engine
from briefing.cli.live import BatchDisplay, article_line
from briefing.model.usage import UsageMeter


def sample_batch(tmp_path: Path, count: int = 6) -> Batch:
    articles = [ArticleRun(i, make_source(str(tmp_path / f"a{i}.txt"))) for i in range(count)]
    articles[0].stage, articles[0].name = Stage.CALLING, "floods-in-kessara"
    articles[0].calls_done, articles[0].calls_total = 2, 5
    articles[1].stage, articles[1].reason = Stage.FAILED, 'the model refused: "no"'
    articles[2].stage, articles[2].name = Stage.DONE, "tarsin-truce"
    articles[2].summary = ArticleSummary(
        headline="h", origin="model output", engine="llm", model="m", prompt_version="v2",
        grounding_rate=0.96, quotes=25, verified=24, dropped=0, calls=3,
    )  # fmt: skip
    articles[3].stage = Stage.WAITING
    return Batch(tmp_path, articles, Engine.LLM, "m", "v2", UsageMeter("gpt-4o-mini"))


def test_the_live_table_shows_work_failures_and_the_totals(tmp_path: Path) -> None:
    batch = sample_batch(tmp_path)
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, height=30, color_system=None)
    display = BatchDisplay(console)
    display.update(batch)
    display.job("batch_1", "Batch API job batch_1 (extraction): in progress, 3/9 requests")
    console.print(display)
    text = out.getvalue()
    assert "floods-in-kessara" in text and "2/5 calls" in text
    assert "failed" in text and 'the model refused: "no"' in text
    assert "grounding 96% · 3 calls" in text and "waiting" in text
    assert "in progress, 3/9 requests" in text
    assert "1/6 briefed · 1 failed" in text and "0 calls" in text


def test_the_table_keeps_to_the_terminal_height(tmp_path: Path) -> None:
    batch = sample_batch(tmp_path, count=80)
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100, height=20, color_system=None)
    display = BatchDisplay(console)
    display.update(batch)
    console.print(display)
    lines = out.getvalue().splitlines()
    assert len(lines) <= 20 and "… and 68 more" in out.getvalue()


def test_plain_lines_say_state_name_and_outcome(tmp_path: Path) -> None:
    batch = sample_batch(tmp_path)
    assert article_line(batch.articles[2]) == "done        tarsin-truce  grounding 96% · 3 calls"
    assert article_line(batch.articles[1]).startswith("failed      ")


def test_cassettes_are_written_behind_in_order_and_failures_reported(tmp_path: Path) -> None:
    writer = CassetteWriter()
    cassette = WrittenBehind.open(tmp_path / "c.json", writer)
    for n in range(3):
        cassette.entries[f"k{n}"] = {"key": f"k{n}", "n": n}
        cassette.save()
    blocked = WrittenBehind(tmp_path / "file.txt" / "c.json", writer=writer)
    (tmp_path / "file.txt").write_text("not a folder", encoding="utf-8")
    blocked.entries["x"] = {"key": "x"}
    blocked.save()
    problems = writer.close()
    saved = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert [e["n"] for e in saved["entries"]] == [0, 1, 2]  # the last save wins, whole
    assert len(problems) == 1 and "file.txt" in problems[0]
