"""Maintenance commands: `briefing schema`, `briefing prompts ...`, `briefing cassettes ...`.

Registered on the main app by `briefing.cli.app`; like it, they only parse options, call the
library and print.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from briefing.cli.console import notify as _notify
from briefing.cli.console import stdout as _stdout
from briefing.cli.options import JsonOpt
from briefing.errors import OutputError

prompts_app = typer.Typer(help="List, show, diff and create prompt versions.", no_args_is_help=True)
cassettes_app = typer.Typer(help="Inspect recorded model exchanges.", no_args_is_help=True)


def schema(
    write: Annotated[
        bool, typer.Option("--write", help="Write the JSON Schemas to schemas/.")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if schemas/ is out of date.")
    ] = False,
) -> None:
    """Print the brief's JSON Schema, or write/check the files in schemas/."""
    from briefing.resources import data_dir
    from briefing.schema import schema_files

    files = schema_files()
    folder = data_dir("schemas")
    if write:
        from briefing.files import write_atomically

        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            write_atomically(folder / name, text.encode("utf-8"))
            _notify(f"wrote {folder / name}")
    elif check:
        stale = [
            n
            for n, t in files.items()
            if not (folder / n).is_file() or (folder / n).read_text(encoding="utf-8") != t
        ]
        if stale:
            raise OutputError(f"out of date: {', '.join(stale)}; run `briefing schema --write`")
        _notify("schemas are up to date")
    else:
        typer.echo(next(iter(files.values())), nl=False)


# --- prompts ----------------------------------------------------------------------------


@prompts_app.command("list")
def prompts_list(as_json: JsonOpt = False) -> None:
    """List prompt versions with their status and hash."""
    from rich.table import Table

    from briefing.prompts import list_versions, load_version, read_lock

    lock = read_lock()
    versions = []
    for name in list_versions():
        v = load_version(name)
        status = "released" if v.released else "draft"
        if name in lock and lock[name] != v.sha256:
            status = "changed"  # edited after release: generate and compare refuse it
        versions.append((v, status))
    if as_json:
        from briefing.cli.as_json import emit, prompt_json

        emit([prompt_json(v, status) for v, status in versions])
        return
    table = Table()
    for col in ("version", "date", "status", "sha256", "description"):
        table.add_column(col)
    for v, status in versions:
        shown = status.upper() if status == "changed" else status
        table.add_row(v.id, v.date, shown, v.sha256[:12], v.description)
    _stdout().print(table)


@prompts_app.command("show")
def prompts_show(version: Annotated[str, typer.Argument(help="Prompt version, e.g. v2.")]) -> None:
    """Print a version's metadata and templates."""
    from briefing.prompts import METADATA_FILE, load_version

    v = load_version(version)
    typer.echo(
        f"# {v.path / METADATA_FILE}\n{(v.path / METADATA_FILE).read_text(encoding='utf-8')}"
    )
    for name, text in v.templates.items():
        typer.echo(f"# {v.path / name}\n{text}")


@prompts_app.command("diff")
def prompts_diff(a: str, b: str) -> None:
    """Unified diff between two prompt versions."""
    from briefing.prompts import diff_versions

    typer.echo(diff_versions(a, b), nl=False)


@prompts_app.command("new")
def prompts_new(
    version: Annotated[str, typer.Argument(help="New version name, e.g. v3.")],
    source: Annotated[str, typer.Option("--from", help="Version to copy.")],
) -> None:
    """Create a draft version by copying another; edit it, then `prompts release`."""
    from briefing.prompts import new_version

    created = new_version(version, source)
    _notify(
        f"created draft {created.id} at {created.path}; "
        f"edit it, then `briefing prompts release {created.id}`"
    )


@prompts_app.command("release")
def prompts_release(version: str) -> None:
    """Mark a draft released and record its hash in prompts/lock.json."""
    from briefing.prompts import release_version

    released = release_version(version)
    _notify(f"released {released.id} (sha256 {released.sha256[:12]})")


# --- cassettes --------------------------------------------------------------------------


CassetteArg = Annotated[Path, typer.Argument(help="Cassette JSON file.")]


@cassettes_app.command("list")
def cassettes_list(path: CassetteArg, as_json: JsonOpt = False) -> None:
    """One line per recorded exchange: key, purpose, prompt, model, finish, tokens, origin."""
    from briefing.model.cassette import Cassette

    cassette = Cassette.load(path, must_exist=True)
    if as_json:
        from briefing.cli.as_json import cassette_json, emit

        emit(cassette_json(path, cassette))
        return
    typer.echo(
        f"{path}: {len(cassette.entries)} entr{'y' if len(cassette.entries) == 1 else 'ies'}"
    )
    for e in cassette.entries.values():
        r = e["response"]
        u = r.get("usage") or {}
        fields = [
            e["key"][:12],
            e.get("purpose") or "-",
            e.get("prompt_version") or "-",
            r.get("model") or "-",
            str(r.get("finish_reason")),
            f"{u.get('prompt_tokens', 0)}+{u.get('completion_tokens', 0)} tokens",
            e.get("recorded_at", "-"),
            e.get("origin", "-"),
        ]
        typer.echo("  ".join(fields))


@cassettes_app.command("show")
def cassettes_show(
    path: CassetteArg, key: Annotated[str, typer.Argument(help="Entry key or prefix.")]
) -> None:
    """Print one entry (request and response) as JSON."""
    import json

    from briefing.errors import CassetteMissError
    from briefing.model.cassette import Cassette

    cassette = Cassette.load(path, must_exist=True)
    matches = [e for k, e in cassette.entries.items() if k.startswith(key)]
    if len(matches) != 1:
        raise CassetteMissError(
            f"{len(matches)} entries in {path} match key {key!r}; "
            f"run `briefing cassettes list {path}`"
        )
    typer.echo(json.dumps(matches[0], indent=2, ensure_ascii=False))


@cassettes_app.command("check")
def cassettes_check(
    paths: Annotated[list[Path], typer.Argument(help="Cassette files or directories.")],
) -> None:
    """List entries that no current prompt version would request (stale); exit 1 if any."""
    from briefing.engines.llm import request_schemas
    from briefing.model.cassette import Cassette, stale_entries
    from briefing.prompts import list_versions, load_version, rendering_fingerprint
    from briefing.support.model import SUPPORT_PROMPT, Verdicts, prompt_hash

    hashes = {v: rendering_fingerprint(load_version(v)) for v in list_versions()}
    hashes[SUPPORT_PROMPT] = prompt_hash()  # the support check's questions
    schemas = request_schemas([load_version(v) for v in list_versions()])
    schemas.append(Verdicts.model_json_schema())
    files = [
        p for path in paths for p in (sorted(path.glob("*.json")) if path.is_dir() else [path])
    ]
    stale_count = 0
    for file in files:
        for entry, why in stale_entries(Cassette.load(file, must_exist=True), hashes, schemas):
            stale_count += 1
            typer.echo(f"{file}: {entry['key'][:12]} {entry.get('purpose', '')}: {why}")
    if stale_count:
        _notify(
            f"{stale_count} stale entr{'y' if stale_count == 1 else 'ies'}; "
            "re-record with --record-mode record"
        )
        raise typer.Exit(1)
    _notify(f"{len(files)} cassette(s) checked: no stale entries")
