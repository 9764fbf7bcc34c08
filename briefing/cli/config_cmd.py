"""`briefing config`: the effective settings and where each one came from.

Built on `briefing.config.explain_settings`, the same resolution every command uses
(flag > environment variable > config file > default), so what it prints is what
`generate` would use with the same flags. The API key is never printed, only whether it
is set and its last characters; a password in a base URL is hidden too.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from briefing.cli.console import stdout
from briefing.cli.options import (
    ApiKeyEnvOpt,
    BaseUrlOpt,
    BriefLanguageOpt,
    ChunkTokensOpt,
    ConcurrencyOpt,
    EngineOpt,
    JsonOpt,
    LanguageDetectorOpt,
    MaxBytesOpt,
    ModelOpt,
    ModelPathOpt,
    OverlapOpt,
    PromptOpt,
    TimeoutOpt,
    flag,
)

if TYPE_CHECKING:
    from briefing.config import Settings, SettingSource


def config(
    prompt: PromptOpt = None,
    engine: EngineOpt = None,
    model: ModelOpt = None,
    model_path: ModelPathOpt = None,
    base_url: BaseUrlOpt = None,
    api_key_env: ApiKeyEnvOpt = None,
    timeout: TimeoutOpt = None,
    concurrency: ConcurrencyOpt = None,
    chunk_tokens: ChunkTokensOpt = None,
    chunk_overlap: OverlapOpt = None,
    max_bytes: MaxBytesOpt = None,
    brief_language: BriefLanguageOpt = None,
    language_detector: LanguageDetectorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the effective settings and where each came from (flag, env, file, default)."""
    from briefing.config import explain_settings

    settings, sources = explain_settings(
        {
            "prompt": prompt,
            "engine": engine,
            "model": model,
            "model_path": str(model_path) if model_path else None,
            "base_url": base_url,
            "api_key_env": api_key_env,
            "timeout": timeout,
            "concurrency": concurrency,
            "chunk_tokens": chunk_tokens,
            "chunk_overlap": chunk_overlap,
            "max_bytes": max_bytes,
            "brief_language": brief_language,
            "language_detector": language_detector,
        }
    )
    report = config_report(settings, sources)
    if as_json:
        from briefing.cli.as_json import emit

        emit(report)
        return
    _print(report)


def config_report(settings: Settings, sources: list[SettingSource]) -> dict[str, Any]:
    """What `briefing config --json` prints (documented in the README)."""
    from briefing.config import config_path, mask_secret
    from briefing.ingest.chunking import (
        DEFAULT_ENCODING,
        DOWNLOAD_MEMORY,
        failed_download,
        tokenizer_encoding,
    )
    from briefing.pipeline import choose_engine

    path = config_path(settings.env)
    key = settings.api_key
    cache = settings.tokenizer_cache
    encoding = tokenizer_encoding(settings.model) or DEFAULT_ENCODING
    failed = failed_download(cache, encoding) if cache is not None else None
    return {
        "config_file": {"path": str(path), "exists": path.is_file()},
        "settings": [
            {
                "name": s.name,
                "value": _shown(s.name, s.value),
                "origin": s.origin,
                "where": flag(s.where) if s.origin == "flag" and s.where else s.where,
            }
            for s in sources
        ],
        "api_key": {
            "variable": settings.api_key_env,
            "set": key is not None,
            "masked": mask_secret(key) if key else None,
        },
        "engine_in_effect": str(choose_engine(settings, cassette=None)),
        "run_log": str(settings.run_log_path),
        "tokenizer": {
            "encoding": encoding,
            "cache": None if cache is None else str(cache),
            "download_failed": None
            if failed is None
            else {**failed, "forget_with": f"rm {cache / DOWNLOAD_MEMORY}" if cache else None},
        },
    }


def _shown(name: str, value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if name == "base_url" and isinstance(value, str):
        return hide_password(value)
    return value


def hide_password(url: str) -> str:
    """`https://user:secret@host/v1` as `https://user:***@host/v1`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _print(report: dict[str, Any]) -> None:
    from rich.table import Table

    out = stdout()
    if not out.is_terminal:
        out.width = 160  # piped: keep rows on one line each
    file = report["config_file"]
    out.print(
        f"Config file: {file['path']} ({'read' if file['exists'] else 'not present'})",
        markup=False,
    )
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("setting", "value", "from"):
        table.add_column(column, overflow="fold")
    for s in report["settings"]:
        value = "none" if s["value"] is None else str(s["value"])
        origin = s["origin"] if s["where"] is None else f"{s['origin']} {s['where']}"
        table.add_row(s["name"], value, origin, style=None if s["origin"] != "default" else "dim")
    out.print(table)
    key = report["api_key"]
    state = f"set, {key['masked']}" if key["set"] else "not set"
    out.print(f"API key (from ${key['variable']}): {state}", markup=False)
    out.print(f"Engine in effect: {report['engine_in_effect']}", markup=False)
    out.print(f"Run log: {report['run_log']}", markup=False)
    tok = report["tokenizer"]
    line = f"Tokenizer: {tok['encoding']}, cache {tok['cache'] or 'off'}"
    if tok["download_failed"]:
        failed = tok["download_failed"]
        line += (
            f"; download failed {failed.get('at', '')} ({failed.get('error', '')}), using the "
            f"bundled cl100k_base; to try again: {failed['forget_with']}"
        )
    out.print(line, markup=False, soft_wrap=True)
