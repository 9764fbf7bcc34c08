"""The run log: one local SQLite file recording every generate, batch and compare run.

Several processes may write at once (a cron batch while an analyst runs `generate`):
the database is in WAL mode, every write is one short transaction, and a writer waits up
to `LOCK_TIMEOUT_S` for another's lock before giving up. Every sqlite3 failure becomes a
`RunLogError` with one line naming the file, the problem and the fix.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from briefing.errors import RunLogError
from briefing.runs.migrations import NewerSchema, migrate

# How long a write waits for another process's lock. Writes are single-row inserts and
# updates, so even a busy log frees its lock within milliseconds.
LOCK_TIMEOUT_S = 5.0
ESCAPE = "no-log"  # the flag that turns the log off, named in every message


def now_utc() -> str:
    """A timestamp as the log stores it: ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class RunEntry:
    """One row: a command's run, or one article (or comparison run) inside it."""

    command: str  # generate | batch | compare
    started_at: str = field(default_factory=now_utc)
    parent_id: int | None = None
    source: str | None = None
    source_sha256: str | None = None
    engine: str | None = None
    model: str | None = None
    prompt_version: str | None = None
    prompt_hash: str | None = None
    schema_version: str | None = None
    calls: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    grounding_rate: float | None = None
    outputs: list[str] = field(default_factory=list)
    duration_s: float | None = None
    exit_code: int | None = None  # None while the run is going on (or was killed)
    error: str | None = None
    brief_json: str | None = None
    args: str | None = None  # a batch's sources, folder and options (JSON), for --resume


_COLUMNS = tuple(f.name for f in fields(RunEntry))


@dataclass
class RunRow(RunEntry):
    """A row read back, with its id."""

    id: int = 0

    def as_dict(self, *, brief: bool = True) -> dict[str, Any]:
        data = asdict(self)
        data = {"id": data.pop("id"), **data}
        if brief and self.brief_json:
            data["brief"] = json.loads(self.brief_json)
        data.pop("brief_json")
        data["args"] = json.loads(self.args) if self.args else None
        return data


@dataclass(frozen=True)
class RunFilter:
    limit: int | None = 20
    since: str | None = None  # ISO UTC timestamp; rows started at or after it
    model: str | None = None
    prompt: str | None = None
    command: str | None = None
    top_level: bool = True  # only commands' rows (a matching article selects its command)


def _problem(path: Path, exc: BaseException) -> RunLogError:
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    where = f"run log {path}"
    if isinstance(exc, NewerSchema):
        message = (
            f"{where} was written by a newer briefing ({text}); upgrade briefing, or point "
            "BRIEFING_LOG_PATH at another file"
        )
    elif "locked" in lowered or "busy" in lowered:
        message = (
            f"{where} is locked by another process (waited {LOCK_TIMEOUT_S:g}s); try again, "
            f"or pass --{ESCAPE}"
        )
    elif "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        message = (
            f"{where} is not a usable SQLite database ({text}); move it aside (a new log is "
            f"started) or point BRIEFING_LOG_PATH at another file, or pass --{ESCAPE}"
        )
    elif "readonly" in lowered or "read-only" in lowered:
        message = f"{where} is read-only; check its permissions, or pass --{ESCAPE}"
    else:
        message = (
            f"cannot use {where} ({text}); check the path and its permissions, point "
            f"BRIEFING_LOG_PATH elsewhere, or pass --{ESCAPE}"
        )
    return RunLogError(message, path=str(path))


class RunLog:
    """An open run log. Use `RunLog.open(path)`; close it (or use `with`) when done."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> RunLog:
        """Open (creating it and its folder when `create`) and upgrade the log at `path`."""
        if not create and not path.is_file():
            raise RunLogError(
                f"no run log at {path} yet: runs are recorded there by generate, batch and "
                "compare (unless turned off); check BRIEFING_LOG_PATH",
                path=str(path),
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=LOCK_TIMEOUT_S, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise _problem(path, exc) from exc
        try:
            # WAL lets readers and one writer work at once; NORMAL syncs at checkpoints
            # only, which in WAL mode still never corrupts the file on a crash.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA busy_timeout={int(LOCK_TIMEOUT_S * 1000)}")
            migrate(conn)
        except (sqlite3.Error, NewerSchema) as exc:
            conn.close()
            raise _problem(path, exc) from exc
        return cls(conn, path)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction; a failure rolls it back and becomes RunLogError."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise _problem(self.path, exc) from exc

    def add(self, entry: RunEntry) -> int:
        """Insert `entry`; return its id."""
        values = [_stored(name, getattr(entry, name)) for name in _COLUMNS]
        marks = ", ".join("?" for _ in _COLUMNS)
        with self._writing() as conn:
            cursor = conn.execute(
                f"INSERT INTO runs ({', '.join(_COLUMNS)}) VALUES ({marks})", values
            )
            return int(cursor.lastrowid or 0)

    def add_many(self, entries: list[RunEntry]) -> None:
        """Insert several rows in one transaction (a comparison's runs)."""
        marks = ", ".join("?" for _ in _COLUMNS)
        rows = [[_stored(name, getattr(e, name)) for name in _COLUMNS] for e in entries]
        with self._writing() as conn:
            conn.executemany(f"INSERT INTO runs ({', '.join(_COLUMNS)}) VALUES ({marks})", rows)

    def update(self, run_id: int, **changes: Any) -> None:
        """Set some columns of row `run_id` (a command's row, when it ends)."""
        unknown = set(changes) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"unknown run log columns: {sorted(unknown)}")
        names = list(changes)
        assignments = ", ".join(f"{name} = ?" for name in names)
        values = [_stored(name, changes[name]) for name in names]
        with self._writing() as conn:
            conn.execute(f"UPDATE runs SET {assignments} WHERE id = ?", [*values, run_id])

    # --- reading ------------------------------------------------------------------------

    def _select(self, where: str, params: list[Any], tail: str = "") -> list[RunRow]:
        sql = f"SELECT id, {', '.join(_COLUMNS)} FROM runs WHERE {where} {tail}"
        try:
            rows = self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise _problem(self.path, exc) from exc
        return [_row(row) for row in rows]

    def runs(self, query: RunFilter | None = None) -> list[RunRow]:
        """Rows newest first, filtered. A command's row matches `model`/`prompt` when it
        or one of its rows does (a comparison of v1 and v2 matches `prompt v2`)."""
        query = query or RunFilter()
        clauses: list[str] = ["1 = 1"]
        params: list[Any] = []
        if query.top_level:
            clauses.append("r.parent_id IS NULL")
        if query.since:
            clauses.append("r.started_at >= ?")
            params.append(query.since)
        if query.command:
            clauses.append("r.command = ?")
            params.append(query.command)
        for column, value in (("model", query.model), ("prompt_version", query.prompt)):
            if value:
                clauses.append(
                    f"(r.{column} = ? OR EXISTS (SELECT 1 FROM runs c WHERE c.parent_id = r.id "
                    f"AND c.{column} = ?))"
                )
                params += [value, value]
        tail = "ORDER BY r.started_at DESC, r.id DESC"
        if query.limit is not None:
            tail += " LIMIT ?"
            params.append(query.limit)
        sql = f"SELECT r.id, {', '.join('r.' + c for c in _COLUMNS)} FROM runs r"
        try:
            rows = self._conn.execute(f"{sql} WHERE {' AND '.join(clauses)} {tail}", params)
            return [_row(row) for row in rows.fetchall()]
        except sqlite3.Error as exc:
            raise _problem(self.path, exc) from exc

    def get(self, run_id: int) -> RunRow | None:
        found = self._select("id = ?", [run_id])
        return found[0] if found else None

    def children(self, run_id: int) -> list[RunRow]:
        return self._select("parent_id = ?", [run_id], "ORDER BY id")

    # --- Batch API jobs -------------------------------------------------------------------

    def note_job(self, job: BatchJobRow) -> None:
        """Record a job, or its new status."""
        with self._writing() as conn:
            conn.execute(
                """
                INSERT INTO batch_jobs (batch_id, run_id, folder, label, status, requests,
                    completed, failed, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (batch_id) DO UPDATE SET run_id = excluded.run_id,
                    folder = excluded.folder, label = COALESCE(excluded.label, label),
                    status = excluded.status, requests = excluded.requests,
                    completed = excluded.completed, failed = excluded.failed,
                    updated_at = excluded.updated_at
                """,
                [
                    job.batch_id,
                    job.run_id,
                    job.folder,
                    job.label,
                    job.status,
                    job.requests,
                    job.completed,
                    job.failed,
                    job.created_at,
                    job.updated_at,
                ],
            )

    def jobs(
        self,
        *,
        batch_id: str | None = None,
        run_id: int | None = None,
        running_in: str | None = None,
    ) -> list[BatchJobRow]:
        """Jobs by id, by the run that made them, or last seen running for a folder."""
        params: list[Any]
        if batch_id is not None:
            where, params = "batch_id = ?", [batch_id]
        elif run_id is not None:
            where, params = "run_id = ?", [run_id]
        else:
            running = "('validating', 'in_progress', 'finalizing')"
            where, params = f"folder = ? AND status IN {running}", [running_in]
        try:
            rows = self._conn.execute(
                f"SELECT {', '.join(_JOB_COLUMNS)} FROM batch_jobs WHERE {where} "
                "ORDER BY created_at",
                params,
            ).fetchall()
        except sqlite3.Error as exc:
            raise _problem(self.path, exc) from exc
        return [BatchJobRow(**dict(zip(_JOB_COLUMNS, row, strict=True))) for row in rows]

    def count(self) -> int:
        try:
            return int(self._conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
        except sqlite3.Error as exc:
            raise _problem(self.path, exc) from exc


@dataclass
class BatchJobRow:
    """A Batch API job made by a batch run."""

    batch_id: str
    run_id: int | None
    folder: str
    status: str
    label: str | None = None
    requests: int | None = None
    completed: int | None = None
    failed: int | None = None
    created_at: str = field(default_factory=now_utc)
    updated_at: str = field(default_factory=now_utc)


_JOB_COLUMNS = tuple(f.name for f in fields(BatchJobRow))


def _stored(name: str, value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if name == "outputs" else value


def _row(row: tuple[Any, ...]) -> RunRow:
    data = dict(zip(("id", *_COLUMNS), row, strict=True))
    data["outputs"] = json.loads(data["outputs"] or "[]")
    return RunRow(**data)
