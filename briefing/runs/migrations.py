"""The run log's schema, as numbered migrations.

The database's `PRAGMA user_version` is the number of migrations applied. Opening a
database applies the missing ones in one write transaction, so a log written by an older
version of briefing upgrades in place, and two processes opening an old log at once do
not both migrate it. Migrations are only ever appended: a released one never changes.
"""

from __future__ import annotations

import sqlite3

# Each migration is a list of statements (not one script: `executescript` would commit
# halfway, outside the transaction that guards the version number).
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: one row per run of generate, batch or compare; a batch's articles and a
    # comparison's runs are rows whose parent_id is the command's row.
    (
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            parent_id INTEGER REFERENCES runs(id),
            started_at TEXT NOT NULL,
            command TEXT NOT NULL,
            source TEXT,
            source_sha256 TEXT,
            engine TEXT,
            model TEXT,
            prompt_version TEXT,
            prompt_hash TEXT,
            schema_version TEXT,
            calls INTEGER,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            cost_usd REAL,
            grounding_rate REAL,
            outputs TEXT NOT NULL DEFAULT '[]',
            duration_s REAL,
            exit_code INTEGER,
            error TEXT,
            brief_json TEXT
        )
        """,
        "CREATE INDEX runs_started_at ON runs (started_at)",
        "CREATE INDEX runs_parent_id ON runs (parent_id)",
    ),
    # 2: Batch API jobs, so `briefing batch --resume ID` finds the run (and its folder and
    # settings, in `args`) that made a job still running at the provider.
    (
        "ALTER TABLE runs ADD COLUMN args TEXT",
        """
        CREATE TABLE batch_jobs (
            batch_id TEXT PRIMARY KEY,
            run_id INTEGER REFERENCES runs(id),
            folder TEXT NOT NULL,
            label TEXT,
            status TEXT NOT NULL,
            requests INTEGER,
            completed INTEGER,
            failed INTEGER,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """,
        "CREATE INDEX batch_jobs_folder ON batch_jobs (folder)",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)


class NewerSchema(Exception):
    """The database was written by a newer briefing (more migrations than we know)."""

    def __init__(self, found: int) -> None:
        super().__init__(f"schema version {found}, this briefing knows up to {SCHEMA_VERSION}")
        self.found = found


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Apply the migrations `conn`'s database lacks, up to `target`; return the version.

    `conn` must be in autocommit mode (isolation_level None): the transaction is ours.
    """
    if schema_version(conn) == target:
        return target  # the common case takes no write lock
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = schema_version(conn)  # another process may have migrated meanwhile
        if found > len(MIGRATIONS):
            raise NewerSchema(found)
        for number in range(found + 1, target + 1):
            for statement in MIGRATIONS[number - 1]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return max(found, target)
