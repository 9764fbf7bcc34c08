"""The run log from the command line: generate and compare record themselves, `briefing
runs` reads them back, and a broken log never costs a brief."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from briefing.runs import store
from briefing.schema import BriefDocument
from tests.cli.test_cli import assert_one_line_error, run
from tests.fixtures import CASSETTES, EXAMPLES, SAMPLE


def log_path(home: Path) -> Path:
    return home / ".local" / "share" / "briefing" / "runs.db"


def generate_replayed(out: Path, *extra: str) -> tuple[int, str, str]:
    return run(
        "generate",
        str(SAMPLE),
        "--cassette",
        str(CASSETTES / "aleppo-offensive.v2.json"),
        "--prompt",
        "v2",
        "-o",
        str(out),
        *extra,
    )


def test_generate_is_recorded_with_what_made_the_brief(tmp_path: Path, private_home: Path) -> None:
    code, _, err = generate_replayed(tmp_path / "brief.html")
    assert code == 0, err
    code, out, _ = run("runs", "list", "--json")
    assert code == 0
    [row] = json.loads(out)
    doc = BriefDocument.model_validate_json(
        json.dumps(json.loads(run("runs", "show", str(row["id"]), "--brief")[1]))
    )
    assert row["command"] == "generate" and row["exit_code"] == 0
    assert row["source"] == str(SAMPLE)
    assert row["source_sha256"] == doc.metadata.source_sha256 and len(row["source_sha256"]) == 64
    assert (row["engine"], row["prompt_version"]) == ("llm", "v2")
    assert row["prompt_hash"] == doc.metadata.prompt_hash
    assert row["schema_version"] == "1" and row["calls"] == 1
    assert row["prompt_tokens"] > 0 and row["grounding_rate"] == 1.0
    assert row["outputs"] == [str(tmp_path / "brief.html")]
    assert row["duration_s"] > 0 and row["error"] is None


def test_the_kept_brief_renders_again(tmp_path: Path) -> None:
    generate_replayed(tmp_path / "brief.md")
    code, brief, _ = run("runs", "show", "1", "--brief")
    assert code == 0
    code, page, err = run("render", "-", "-f", "md", input=brief)
    assert code == 0, err
    assert page == (tmp_path / "brief.md").read_text(encoding="utf-8")


def test_a_failed_generate_is_recorded_with_its_exit_code_and_error(tmp_path: Path) -> None:
    code, _, _ = run("generate", str(tmp_path / "missing.txt"), "--engine", "extractive")
    assert code == 3
    code, out, _ = run("runs", "list", "--json")
    [row] = json.loads(out)
    assert row["exit_code"] == 3 and "no such file" in row["error"]
    code, table, _ = run("runs", "list")
    assert "missing.txt" in table and "exit 3" in table


def test_no_log_and_the_setting_turn_the_log_off(
    tmp_path: Path, private_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("generate", str(SAMPLE), "--engine", "extractive", "--no-log", "-o", str(tmp_path / "a.md"))
    monkeypatch.setenv("BRIEFING_RUN_LOG", "off")
    run("generate", str(SAMPLE), "--engine", "extractive", "-o", str(tmp_path / "b.md"))
    assert (tmp_path / "a.md").is_file() and (tmp_path / "b.md").is_file()
    assert not log_path(private_home).exists()
    code, _, err = run("runs", "list")
    assert code == 16
    assert_one_line_error(err, "no run log at")


def test_log_path_setting_and_log_briefs_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "logs" / "my-runs.db"
    monkeypatch.setenv("BRIEFING_LOG_PATH", str(elsewhere))
    monkeypatch.setenv("BRIEFING_LOG_BRIEFS", "0")
    run("generate", str(SAMPLE), "--engine", "extractive", "-o", str(tmp_path / "a.json"))
    monkeypatch.delenv("BRIEFING_LOG_PATH")
    code, out, _ = run("runs", "show", "1", "--json", "--log-path", str(elsewhere))
    assert code == 0
    assert json.loads(out)["grounding_rate"] == 1.0 and "brief" not in json.loads(out)
    code, _, err = run("runs", "show", "1", "--brief", "--log-path", str(elsewhere))
    assert code == 5
    assert_one_line_error(err, "kept no brief")


def test_a_corrupt_log_costs_one_warning_line_not_the_brief(
    tmp_path: Path, private_home: Path
) -> None:
    path = log_path(private_home)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not sqlite " * 500)
    out = tmp_path / "brief.html"
    code, _, err = generate_replayed(out)
    assert code == 0
    assert out.is_file()
    warnings = [line for line in err.splitlines() if "not recorded" in line]
    assert len(warnings) == 1 and "not a usable SQLite database" in warnings[0]
    assert "Traceback" not in err
    code, _, err = run("runs", "list")
    assert code == 16
    assert_one_line_error(err, "not a usable SQLite database", "move it aside")


def test_a_locked_log_costs_one_warning_line_not_the_brief(
    tmp_path: Path, private_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "LOCK_TIMEOUT_S", 0.2)
    run("generate", str(SAMPLE), "--engine", "extractive", "-o", str(tmp_path / "first.md"))
    holder = sqlite3.connect(log_path(private_home), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        code, _, err = generate_replayed(tmp_path / "second.html")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 0 and (tmp_path / "second.html").is_file()
    assert [line for line in err.splitlines() if "not recorded" in line] == [
        next(line for line in err.splitlines() if "locked by another process" in line)
    ]


def test_compare_is_recorded_with_one_row_per_run(tmp_path: Path) -> None:
    code, _, err = run(
        "compare",
        str(EXAMPLES / "aleppo-offensive.txt"),
        str(EXAMPLES / "kessara-floods-wire.txt"),
        "--prompt",
        "v1",
        "--prompt",
        "v2",
        "--cassette-dir",
        str(CASSETTES),
    )
    assert code == 0, err
    code, out, _ = run("runs", "list", "--json", "--prompt", "v2")
    [row] = json.loads(out)
    assert row["command"] == "compare" and row["prompt_version"] == "v1,v2"
    assert row["calls"] == 4 and row["grounding_rate"] == 1.0
    code, out, _ = run("runs", "show", str(row["id"]), "--json")
    items = json.loads(out)["items"]
    assert sorted((i["prompt_version"], Path(i["source"]).name) for i in items) == [
        ("v1", "aleppo-offensive.txt"),
        ("v1", "kessara-floods-wire.txt"),
        ("v2", "aleppo-offensive.txt"),
        ("v2", "kessara-floods-wire.txt"),
    ]
    assert all(i["exit_code"] == 0 and len(i["source_sha256"]) == 64 for i in items)


def test_list_filters_and_export(tmp_path: Path) -> None:
    run("generate", str(SAMPLE), "--engine", "extractive", "-o", str(tmp_path / "a.md"))
    generate_replayed(tmp_path / "b.html")
    code, out, _ = run("runs", "list", "--json", "--prompt", "v2")
    assert [r["id"] for r in json.loads(out)] == [2]
    code, out, _ = run("runs", "list", "--json", "--limit", "1")
    assert [r["id"] for r in json.loads(out)] == [2]
    code, out, _ = run("runs", "list", "--json", "--since", "2999-01-01")
    assert json.loads(out) == []
    code, out, _ = run("runs", "list", "--json", "--model", "hand-written-reference")
    assert [r["id"] for r in json.loads(out)] == [2]
    code, out, _ = run("runs", "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in rows] == ["1", "2"]  # oldest first
    assert rows[0]["engine"] == "extractive" and rows[1]["prompt_version"] == "v2"
    target = tmp_path / "runs.json"
    code, _, err = run("runs", "export", "--format", "json", "--briefs", "-o", str(target))
    assert code == 0, err
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert exported[1]["brief"]["metadata"]["prompt_version"] == "v2"
    code, _, err = run("runs", "export", "--format", "xml")
    assert code == 5
    assert_one_line_error(err, "--format must be csv or json")


def test_show_an_unknown_run_and_a_bad_date(tmp_path: Path) -> None:
    run("generate", str(SAMPLE), "--engine", "extractive", "-o", str(tmp_path / "a.md"))
    code, _, err = run("runs", "show", "99")
    assert code == 5
    assert_one_line_error(err, "run 99 is not in the run log")
    code, _, err = run("runs", "list", "--since", "someday")
    assert code == 5
    assert_one_line_error(err, "--since 'someday' is not a date")
    code, out, _ = run("runs", "show", "1")
    assert code == 0
    assert "source_sha256:" in out and '"situation"' in out
