"""`briefing runs list | show | export`: what was run, with which prompt, at what cost."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from briefing.cli.articles import resolve
from briefing.cli.console import stdout
from briefing.cli.exit_codes import EXIT_CODES
from briefing.cli.output import write_file

if TYPE_CHECKING:
    from rich.console import Console

    from briefing.runs.store import BatchJobRow, RunFilter, RunLog, RunRow

runs_app = typer.Typer(
    help="The run log: every generate, batch and compare run, in a local SQLite file.",
    no_args_is_help=True,
)

LogPathOpt = Annotated[
    Path | None,
    typer.Option(
        "--log-path",
        help="The run log file [env BRIEFING_LOG_PATH; default $XDG_DATA_HOME/briefing/runs.db].",
    ),
]
SinceOpt = Annotated[
    str | None,
    typer.Option("--since", help="Runs started at or after: 2025-08-15, today, 7d, 12h..."),
]
ModelFilterOpt = Annotated[
    str | None, typer.Option("--model", "-m", help="Only runs with this model.")
]
PromptFilterOpt = Annotated[
    str | None, typer.Option("--prompt", "-p", help="Only runs with this prompt version.")
]


def _console() -> Console:
    """Standard output; wide when it is not a terminal, so piped tables keep their rows."""
    out = stdout()
    if not out.is_terminal:
        out.width = 160
    return out


def _open(log_path: Path | None) -> RunLog:
    from briefing.runs.store import RunLog

    settings = resolve(log_path=str(log_path) if log_path else None)
    return RunLog.open(settings.run_log_path, create=False)


def _filter(
    limit: int | None, since: str | None, model: str | None, prompt: str | None, top: bool
) -> RunFilter:
    from briefing.runs.export import parse_since
    from briefing.runs.store import RunFilter

    when = parse_since(since) if since else None
    return RunFilter(limit=limit, since=when, model=model, prompt=prompt, top_level=top)


@runs_app.command("list")
def list_runs(
    limit: Annotated[int, typer.Option("--limit", "-n", help="Newest N runs.", min=1)] = 20,
    since: SinceOpt = None,
    model: ModelFilterOpt = None,
    prompt: PromptFilterOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the runs as JSON.")] = False,
    log_path: LogPathOpt = None,
) -> None:
    """List recent runs, newest first (a batch's articles: `briefing runs show ID`)."""
    from rich.table import Table

    with _open(log_path) as log:
        rows = log.runs(_filter(limit, since, model, prompt, True))
        counts = {row.id: len(log.children(row.id)) for row in rows}
    if as_json:
        typer.echo(json.dumps([r.as_dict(brief=False) for r in rows], indent=2))
        return
    table = Table(title=f"{len(rows)} run(s), newest first", title_justify="left")
    for name in ("id", "started", "command", "source", "model, prompt"):
        table.add_column(name, justify="right" if name == "id" else "left", overflow="fold")
    for name in ("calls", "cost", "grounding"):
        table.add_column(name, justify="right")
    table.add_column("result", overflow="fold")
    for row in rows:
        items = f" ({counts[row.id]} items)" if counts[row.id] else ""
        table.add_row(
            str(row.id),
            local_time(row.started_at),
            row.command,
            short_source(row.source or "") + items,
            " ".join(x for x in (row.model, row.prompt_version) if x),
            _number(row.calls),
            cost_text(row.cost_usd, row.calls),
            percent(row.grounding_rate),
            result_text(row.exit_code, None, width=0),
        )
    _console().print(table)


@runs_app.command("show")
def show_run(
    run_id: Annotated[int, typer.Argument(help="The run's id (from `briefing runs list`).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the run as JSON.")] = False,
    brief: Annotated[
        bool,
        typer.Option("--brief", help="Print only the brief JSON (pipe it to `briefing render -`)."),
    ] = False,
    log_path: LogPathOpt = None,
) -> None:
    """Show one run: every field, its articles or comparison runs, and its brief when kept."""
    from briefing.errors import ConfigError

    with _open(log_path) as log:
        row = log.get(run_id)
        if row is None:
            raise ConfigError(f"run {run_id} is not in the run log; see `briefing runs list`")
        children = log.children(run_id)
        jobs = log.jobs(run_id=run_id)
    if brief:
        if not row.brief_json:
            raise ConfigError(
                f"run {run_id} kept no brief (log_briefs was off, or the run made none)"
            )
        typer.echo(json.dumps(json.loads(row.brief_json), indent=2, ensure_ascii=False))
        return
    if as_json:
        data = row.as_dict()
        data["items"] = [child.as_dict(brief=False) for child in children]
        data["batch_api_jobs"] = [vars(job) for job in jobs]
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    _print_row(row, children, jobs)


def _print_row(row: RunRow, children: list[RunRow], jobs: list[BatchJobRow]) -> None:
    from rich.table import Table

    out = _console()
    out.print(f"[bold]Run {row.id}[/bold]: {row.command}, {local_time(row.started_at)}")
    fields = row.as_dict(brief=False)
    fields["result"] = result_text(row.exit_code, row.error)
    for name in ("parent_id", "brief_json", "id", "command", "started_at"):
        fields.pop(name, None)
    for name, value in fields.items():
        if value not in (None, [], ""):
            shown = ", ".join(value) if isinstance(value, list) else value
            out.print(f"  {name}: {shown}", markup=False, soft_wrap=True)
    for job in jobs:
        counts = f"{job.completed or 0}/{job.requests or 0} requests"
        failed = f", {job.failed} failed" if job.failed else ""
        out.print(
            f"  Batch API job {job.batch_id} ({job.label or 'calls'}): {job.status}, "
            f"{counts}{failed}, last seen {local_time(job.updated_at)}",
            markup=False,
        )
    if children:
        table = Table(title=f"{len(children)} item(s)", title_justify="left")
        for name in ("id", "source", "prompt", "calls", "cost", "grounding", "result"):
            table.add_column(name)
        for child in children:
            table.add_row(
                str(child.id),
                short_source(child.source or ""),
                child.prompt_version or "",
                _number(child.calls),
                cost_text(child.cost_usd, child.calls),
                percent(child.grounding_rate),
                result_text(child.exit_code, child.error, width=70),
            )
        out.print(table)
    if row.brief_json:
        out.print("Brief (as kept in the log; `--brief` prints it alone):")
        out.print_json(row.brief_json)


@runs_app.command("export")
def export_runs(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="csv or json.", case_sensitive=False)
    ] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to a file (default: stdout).")
    ] = None,
    since: SinceOpt = None,
    model: ModelFilterOpt = None,
    prompt: PromptFilterOpt = None,
    briefs: Annotated[
        bool, typer.Option("--briefs", help="JSON: include each kept brief.")
    ] = False,
    log_path: LogPathOpt = None,
) -> None:
    """Export every run (articles and comparison runs included), oldest first."""
    from briefing.errors import ConfigError
    from briefing.runs.export import to_csv, to_json

    if fmt.lower() not in ("csv", "json"):
        raise ConfigError(f"⟨format⟩ must be csv or json, not {fmt!r}")
    with _open(log_path) as log:
        rows = log.runs(_filter(None, since, model, prompt, False))
    rows.reverse()
    text = to_csv(rows) if fmt.lower() == "csv" else to_json(rows, briefs=briefs) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_file(output, text.encode("utf-8"))


# --- formatting ---------------------------------------------------------------------------


def local_time(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp


def percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.0%}"


def cost_text(cost: float | None, calls: int | None) -> str:
    if not calls:
        return ""
    return "unknown" if cost is None else f"${cost:.4f}"


def result_text(code: int | None, error: str | None, width: int = 40) -> str:
    """ "ok", "running", or the exit code with the error (or the code's meaning)."""
    if code is None:
        return "running (or killed)"
    if code == 0:
        return "ok"
    if error is None and width < 40:
        return f"exit {code}"
    meaning = _short(error, width) if error else EXIT_CODES.get(code, "failed")
    return f"exit {code}: {meaning}"


def short_source(source: str) -> str:
    """A file by its name, a URL without its scheme, several sources by their count."""
    parts = [p.strip() for p in source.split(", ") if p.strip()]
    if len(parts) > 1:
        return f"{len(parts)} sources"
    text = parts[0] if parts else source
    if "://" in text:
        return _short(text.split("://", 1)[1], 40)
    return _short(Path(text).name or text, 40)


def _number(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
