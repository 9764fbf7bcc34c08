"""The run log as CSV or JSON, and the dates `runs list --since` understands."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from briefing.errors import ConfigError
from briefing.runs.store import RunRow

# Everything but the brief itself: a spreadsheet cell is no place for a JSON document.
CSV_COLUMNS = (
    "id",
    "parent_id",
    "started_at",
    "command",
    "source",
    "source_sha256",
    "engine",
    "model",
    "prompt_version",
    "prompt_hash",
    "schema_version",
    "calls",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "grounding_rate",
    "outputs",
    "duration_s",
    "exit_code",
    "error",
)


def to_csv(rows: Sequence[RunRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        data = row.as_dict(brief=False)
        data["outputs"] = ";".join(row.outputs)
        writer.writerow(["" if data[c] is None else data[c] for c in CSV_COLUMNS])
    return out.getvalue()


def to_json(rows: Sequence[RunRow], *, briefs: bool) -> str:
    return json.dumps([row.as_dict(brief=briefs) for row in rows], indent=2, ensure_ascii=False)


_RELATIVE = re.compile(r"(\d+)\s*([dhw])")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime | None = None) -> str:
    """A `--since` value as the log's UTC timestamp: an ISO date (local midnight) or date
    and time (local unless it names a zone), `today`, `yesterday`, or `7d`/`12h`/`2w` ago."""
    now = now or datetime.now().astimezone()
    value = text.strip().lower()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if value == "today":
        moment = midnight
    elif value == "yesterday":
        moment = midnight - timedelta(days=1)
    elif found := _RELATIVE.fullmatch(value):
        moment = now - timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})
    else:
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise ConfigError(
                f"⟨since⟩ {text!r} is not a date; use 2025-08-15, 2025-08-15T07:00, today, "
                "yesterday, or 7d / 12h / 2w"
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=now.tzinfo)
    return moment.astimezone(UTC).isoformat(timespec="seconds")
