"""The run log's SQLite store: rows, filters, migrations, and failures as one line."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from briefing.errors import ConfigError, RunLogError
from briefing.runs import store
from briefing.runs.export import parse_since, to_csv, to_json
from briefing.runs.migrations import MIGRATIONS, SCHEMA_VERSION, migrate, schema_version
from briefing.runs.record import SafeRunLog
from briefing.runs.store import RunEntry, RunFilter, RunLog
from tests.fixtures import ROOT


def entry(**changes: object) -> RunEntry:
    base = RunEntry(
        command="generate",
        started_at="2025-08-15T07:00:00+00:00",
        source="a.txt",
        model="gpt-4o-mini",
        prompt_version="v2",
        calls=1,
        exit_code=0,
    )
    for name, value in changes.items():
        setattr(base, name, value)
    return base


def test_rows_round_trip_with_their_outputs(tmp_path: Path) -> None:
    with RunLog.open(tmp_path / "sub" / "runs.db") as log:
        run_id = log.add(entry(outputs=["a.html", "a.json"], brief_json='{"x": 1}'))
        row = log.get(run_id)
    assert row is not None
    assert row.outputs == ["a.html", "a.json"]
    assert row.as_dict()["brief"] == {"x": 1}
    assert "brief" not in row.as_dict(brief=False) and "brief_json" not in row.as_dict()


def test_update_finishes_a_row_started_earlier(tmp_path: Path) -> None:
    with RunLog.open(tmp_path / "runs.db") as log:
        run_id = log.add(entry(command="batch", exit_code=None))
        log.update(run_id, exit_code=14, error="2 of 30 articles failed", calls=40)
        row = log.get(run_id)
        with pytest.raises(ValueError, match="unknown run log columns"):
            log.update(run_id, nonsense=1)
    assert row is not None and (row.exit_code, row.calls) == (14, 40)
    assert row.started_at == "2025-08-15T07:00:00+00:00"


def test_filters_select_commands_by_their_own_rows_or_their_items(tmp_path: Path) -> None:
    with RunLog.open(tmp_path / "runs.db") as log:
        old = log.add(entry(started_at="2025-08-01T07:00:00+00:00", model="gpt-4o"))
        batch = log.add(entry(command="batch", model=None, prompt_version=None))
        log.add(entry(parent_id=batch, prompt_version="v3"))
        newest = log.add(entry(started_at="2025-08-16T07:00:00+00:00"))

        def ids(**query: object) -> list[int]:
            return [row.id for row in log.runs(RunFilter(**query))]  # type: ignore[arg-type]

        assert ids() == [newest, batch, old]  # newest first, items left out
        assert ids(limit=1) == [newest]
        assert ids(since="2025-08-10T00:00:00+00:00") == [newest, batch]
        assert ids(model="gpt-4o") == [old]
        assert ids(prompt="v3") == [batch]  # matched through its article's row
        assert len(ids(top_level=False)) == 4
        assert [c.prompt_version for c in log.children(batch)] == ["v3"]


def test_a_log_from_every_older_schema_opens_and_upgrades(tmp_path: Path) -> None:
    for version in range(SCHEMA_VERSION):
        path = tmp_path / f"v{version}.db"
        conn = sqlite3.connect(path, isolation_level=None)
        migrate(conn, target=version)
        if version >= 1:  # a row written by that version
            conn.execute(
                "INSERT INTO runs (started_at, command, source) VALUES (?, ?, ?)",
                ("2025-01-01T00:00:00+00:00", "generate", "old.txt"),
            )
        conn.close()
        with RunLog.open(path) as log:
            assert schema_version(log._conn) == SCHEMA_VERSION
            rows = log.runs(RunFilter(top_level=False))
            assert [r.source for r in rows] == (["old.txt"] if version >= 1 else [])
            log.add(entry())  # and the upgraded log takes new rows
    assert len(MIGRATIONS) == SCHEMA_VERSION


def test_a_log_from_a_newer_briefing_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    RunLog.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(RunLogError, match="newer briefing") as caught:
        RunLog.open(path)
    assert "\n" not in str(caught.value)


def test_a_corrupt_log_says_so_and_how_to_recover(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    path.write_bytes(b"this is not a database at all, but it is long enough" * 40)
    with pytest.raises(RunLogError, match="not a usable SQLite database.*move it aside"):
        RunLog.open(path)


def test_a_locked_log_gives_up_after_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "LOCK_TIMEOUT_S", 0.2)
    path = tmp_path / "runs.db"
    RunLog.open(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with RunLog.open(path) as log, pytest.raises(RunLogError, match="locked by another"):
            log.add(entry())
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_missing_log_is_an_error_only_when_reading(tmp_path: Path) -> None:
    with pytest.raises(RunLogError, match="no run log at"):
        RunLog.open(tmp_path / "none.db", create=False)
    assert not (tmp_path / "none.db").exists()


def test_safe_log_warns_once_and_stands_aside(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    path.write_bytes(b"garbage" * 200)
    warnings: list[str] = []
    log = SafeRunLog(path, warnings.append)
    assert log.add(entry()) is None
    log.update(1, exit_code=0)
    log.add_many([entry()])
    assert len(warnings) == 1 and warnings[0].startswith("warning: this run is not recorded")
    assert path.read_bytes() == b"garbage" * 200  # never overwritten


WRITER = """
import sys
from pathlib import Path
from briefing.runs.store import RunEntry, RunLog
path, worker, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for n in range(count):
    with RunLog.open(path) as log:
        log.add(RunEntry(command="generate", source=f"{worker}-{n}", exit_code=0))
"""


@pytest.mark.slow
def test_parallel_processes_writing_a_new_log_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"  # created (and migrated) by the racing writers themselves
    workers, count = 4, 40
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(w), str(count)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(workers)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with RunLog.open(path) as log:
        rows = log.runs(RunFilter(limit=None))
        mode = log._conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert len(rows) == workers * count
    assert {r.source for r in rows} == {f"{w}-{n}" for w in range(workers) for n in range(count)}
    assert mode == "wal"


def test_export_as_csv_and_json(tmp_path: Path) -> None:
    with RunLog.open(tmp_path / "runs.db") as log:
        log.add(entry(outputs=["a.html", "a.json"], error='said "no", twice', brief_json="{}"))
        rows = log.runs(RunFilter(top_level=False))
    csv_text = to_csv(rows)
    header, line = csv_text.splitlines()
    assert header.startswith("id,parent_id,started_at,command,source")
    assert "a.html;a.json" in line and '"said ""no"", twice"' in line
    assert "brief" not in header
    assert '"brief": {}' in to_json(rows, briefs=True)
    assert '"brief"' not in to_json(rows, briefs=False)


def test_since_understands_dates_days_and_words() -> None:
    now = datetime(2025, 8, 15, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    assert parse_since("2025-08-14", now) == "2025-08-13T22:00:00+00:00"
    assert parse_since("2025-08-14T10:00+00:00", now) == "2025-08-14T10:00:00+00:00"
    assert parse_since("today", now) == "2025-08-14T22:00:00+00:00"
    assert parse_since("yesterday", now) == "2025-08-13T22:00:00+00:00"
    assert parse_since("7d", now) == "2025-08-08T07:30:00+00:00"
    assert parse_since("12h", now) == "2025-08-14T19:30:00+00:00"
    with pytest.raises(ConfigError, match="not a date"):
        parse_since("last tuesday", now)
