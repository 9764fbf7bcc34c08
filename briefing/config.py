"""Settings, resolved in one place: flag > environment variable > config file > default.

Nothing else in the package reads environment variables or the config file. Resolution
is lazy (call `resolve_settings`), never at import time. The API key itself is read only
when a client is built (`Settings.api_key`), so it never lands in a brief or a cassette.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from briefing.choices import (
    Engine,
    LanguageDetector,
    StructuredMode,
    SupportCheckMode,
    TokenizerMode,
    names,
)
from briefing.errors import ConfigError, option

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    model: str = DEFAULT_MODEL
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    # Seconds per model call; None: 60 for remote endpoints, no limit for a server on
    # this machine or the local engine (a small model on a laptop takes minutes).
    timeout: float | None = None
    concurrency: int = 4
    max_retries: int = 3
    max_repairs: int = 1
    structured_mode: StructuredMode = StructuredMode.AUTO
    max_cost: float | None = None
    max_output_tokens: int = 4096
    chunk_tokens: int = 3000
    chunk_overlap: int = 150
    # Input budget of one merge call (partial briefs are compact, so larger than a chunk).
    merge_tokens: int = 8000
    max_bytes: int = DEFAULT_MAX_BYTES
    prompt: str = "v3"
    engine: Engine = Engine.AUTO
    tokenizer: TokenizerMode = TokenizerMode.AUTO
    model_path: str | None = None  # a GGUF file, for the local engine
    # The run log (briefing.runs): where it lives (None: $XDG_DATA_HOME/briefing/runs.db),
    # whether runs are recorded at all, and whether each brief's JSON is kept in it.
    log_path: str | None = None
    run_log: bool = True
    log_briefs: bool = True
    # The language the brief is written in (a code or a name: "fr", "French"); evidence
    # quotes stay verbatim in the article's language.
    brief_language: str = "English"
    language_detector: LanguageDetector = LanguageDetector.BUILTIN
    # Lowest acceptable grounding rate (0..1); below it the CLI exits 9, brief written.
    min_grounding: float = 0.0
    check_support: SupportCheckMode = SupportCheckMode.RULES
    # Where the key came from; never the key itself.
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def api_key(self) -> str | None:
        return self.env.get(self.api_key_env) or None

    @property
    def is_local_endpoint(self) -> bool:
        """A server on this machine (loopback), where calls may take minutes."""
        from urllib.parse import urlsplit

        host = (urlsplit(self.base_url or "").hostname or "").lower()
        return host in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")

    @property
    def call_timeout(self) -> float | None:
        """The per-call timeout in effect: the setting, else the default for the endpoint."""
        if self.timeout is not None:
            return self.timeout
        return None if self.is_local_endpoint or self.engine == Engine.LOCAL else 60.0

    @property
    def fetch_timeout(self) -> float:
        """The deadline for fetching an article URL: the setting, else 20 s (a page, unlike
        a local model, has no reason to take long)."""
        return self.timeout if self.timeout is not None else 20.0

    @property
    def run_log_path(self) -> Path:
        """`log_path`, else `$XDG_DATA_HOME/briefing/runs.db`, else ~/.local/share/..."""
        if self.log_path:
            return Path(self.log_path).expanduser()
        base = Path(self.env["XDG_DATA_HOME"]) if self.env.get("XDG_DATA_HOME") else None
        if base is None:
            home = Path(self.env["HOME"]) if self.env.get("HOME") else Path.home()
            base = home / ".local" / "share"
        return base / "briefing" / "runs.db"

    @property
    def cache_dir(self) -> Path:
        """`$XDG_CACHE_HOME/briefing`, else ~/.cache/briefing."""
        base = Path(self.env["XDG_CACHE_HOME"]) if self.env.get("XDG_CACHE_HOME") else None
        if base is None:
            home = Path(self.env["HOME"]) if self.env.get("HOME") else Path.home()
            base = home / ".cache"
        return base / "briefing"

    @property
    def tokenizer_cache(self) -> Path | None:
        """Where tiktoken keeps its downloads and a failed download is remembered:
        TIKTOKEN_CACHE_DIR (or DATA_GYM_CACHE_DIR) as tiktoken reads them, else
        `cache_dir`/tiktoken; None when the user turned tiktoken's cache off ("")."""
        for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
            if var in self.env:
                return Path(self.env[var]).expanduser() if self.env[var] else None
        return self.cache_dir / "tiktoken"

    @property
    def model_configured(self) -> bool:
        """True when a model endpoint is reachable in principle: a key or a base URL."""
        return bool(self.api_key or self.base_url)


# Environment variable for each setting. OPENAI_BASE_URL is honoured as the SDK does.
ENV_VARS: dict[str, tuple[str, ...]] = {
    "model": ("BRIEFING_MODEL",),
    "base_url": ("BRIEFING_BASE_URL", "OPENAI_BASE_URL"),
    "api_key_env": ("BRIEFING_API_KEY_ENV",),
    "timeout": ("BRIEFING_TIMEOUT",),
    "concurrency": ("BRIEFING_CONCURRENCY",),
    "max_retries": ("BRIEFING_MAX_RETRIES",),
    "max_repairs": ("BRIEFING_MAX_REPAIRS",),
    "structured_mode": ("BRIEFING_STRUCTURED_MODE",),
    "max_cost": ("BRIEFING_MAX_COST",),
    "max_output_tokens": ("BRIEFING_MAX_OUTPUT_TOKENS",),
    "chunk_tokens": ("BRIEFING_CHUNK_TOKENS",),
    "chunk_overlap": ("BRIEFING_CHUNK_OVERLAP",),
    "merge_tokens": ("BRIEFING_MERGE_TOKENS",),
    "max_bytes": ("BRIEFING_MAX_BYTES",),
    "prompt": ("BRIEFING_PROMPT",),
    "engine": ("BRIEFING_ENGINE",),
    "tokenizer": ("BRIEFING_TOKENIZER",),
    "model_path": ("BRIEFING_MODEL_PATH",),
    "log_path": ("BRIEFING_LOG_PATH",),
    "run_log": ("BRIEFING_RUN_LOG",),
    "log_briefs": ("BRIEFING_LOG_BRIEFS",),
    "brief_language": ("BRIEFING_BRIEF_LANGUAGE",),
    "language_detector": ("BRIEFING_LANGUAGE_DETECTOR",),
    "min_grounding": ("BRIEFING_MIN_GROUNDING",),
    "check_support": ("BRIEFING_CHECK_SUPPORT",),
}


def config_path(env: Mapping[str, str]) -> Path:
    """`$BRIEFING_CONFIG`, else `$XDG_CONFIG_HOME/briefing/config.toml`, else ~/.config/..."""
    if env.get("BRIEFING_CONFIG"):
        return Path(env["BRIEFING_CONFIG"])
    base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else None
    if base is None:
        home = Path(env["HOME"]) if env.get("HOME") else Path.home()
        base = home / ".config"
    return base / "briefing" / "config.toml"


def _read_config_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"config file {path} is not valid TOML ({exc}); fix or remove it"
        ) from exc
    # Accept both a flat file and a [briefing] table.
    table = data.get("briefing", data)
    if not isinstance(table, dict):
        raise ConfigError(f"config file {path}: [briefing] must be a table")
    known = {f.name for f in fields(Settings)} - {"env"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(
            f"config file {path}: unknown setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}"
        )
    return dict(table)


def _count(value: Any) -> int:
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("must be a whole number")
    number = int(value)
    if number < 0:
        raise ValueError("must not be negative")
    return number


def _positive_count(value: Any) -> int:
    number = _count(value)
    if number < 1:
        raise ValueError("must be at least 1")
    return number


def _amount(value: Any) -> float:
    number = float(value)
    # "nan" and "inf" parse as floats (TOML has them too) and would switch a limit off:
    # nan compares false with everything, inf never trips.
    if not math.isfinite(number):
        raise ValueError("must be a finite number")
    if number < 0:
        raise ValueError("must not be negative")
    return number


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _switch(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in _TRUE | _FALSE:
        raise ValueError("must be true or false (1/0, yes/no, on/off)")
    return text in _TRUE


def _language(value: Any) -> str:
    text = str(value).strip()
    if not text or len(text) > 40 or not all(c.isalpha() or c in " -_()" for c in text):
        raise ValueError("must be a language code or name, such as fr or French")
    return text


def _rate(value: Any) -> float:
    number = _amount(value)
    if number > 1:
        raise ValueError("must be a rate between 0 and 1, e.g. 0.8 for 80%")
    return number


def _choice(choices: type[StrEnum]) -> Any:
    def parse(value: Any) -> StrEnum:
        if str(value) not in set(choices):
            raise ValueError(f"must be {names(choices)}")
        return choices(str(value))

    return parse


# How each setting is read from a flag, an environment variable or the config file.
_PARSERS: dict[str, Any] = {
    "model": str,
    "base_url": str,
    "api_key_env": str,
    "timeout": _amount,
    "concurrency": _positive_count,
    "max_retries": _count,
    "max_repairs": _count,
    "structured_mode": _choice(StructuredMode),
    "max_cost": _amount,
    "max_output_tokens": _positive_count,
    "chunk_tokens": _positive_count,
    "chunk_overlap": _count,
    "merge_tokens": _positive_count,
    "max_bytes": _positive_count,
    "prompt": str,
    "engine": _choice(Engine),
    "tokenizer": _choice(TokenizerMode),
    "model_path": str,
    "log_path": str,
    "run_log": _switch,
    "log_briefs": _switch,
    "brief_language": _language,
    "language_detector": _choice(LanguageDetector),
    "min_grounding": _rate,
    "check_support": _choice(SupportCheckMode),
}


def _parse(name: str, value: Any, origin: str) -> Any:
    if value is None:
        return None
    try:
        return _PARSERS[name](value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{origin}: invalid value {value!r} for {name} ({exc})") from exc


def resolve_settings(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Merge flags (None = not given) over env vars over the config file over defaults."""
    return explain_settings(flags, env)[0]


@dataclass(frozen=True)
class SettingSource:
    """Where one setting's effective value came from."""

    name: str
    value: Any
    origin: str  # "flag", "env", "file" or "default"
    where: str | None = None  # the setting (a flag), the variable or the file; None: default


def explain_settings(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[Settings, list[SettingSource]]:
    """`resolve_settings`, and for every setting where its value came from, in the
    order of `Settings`' fields (`briefing config` prints them)."""
    env = dict(os.environ if env is None else env)
    path = config_path(env)
    values: dict[str, Any] = {}
    origins: dict[str, tuple[str, str | None]] = {}
    for name, value in _read_config_file(path).items():
        values[name] = _parse(name, value, f"config file {path}")
        origins[name] = ("file", str(path))
    for name, variables in ENV_VARS.items():
        for var in variables:
            if env.get(var):
                values[name] = _parse(name, env[var], f"environment variable {var}")
                origins[name] = ("env", var)
                break
    for name, value in (flags or {}).items():
        if value is not None:
            values[name] = _parse(name, value, f"option {option(name)}")
            origins[name] = ("flag", name)  # the CLI shows it as its flag
    settings = Settings(**values, env=env)
    if settings.chunk_overlap >= settings.chunk_tokens:
        raise ConfigError(
            f"chunk overlap ({settings.chunk_overlap}) must be smaller than chunk size "
            f"({settings.chunk_tokens}); lower ⟨chunk_overlap⟩ or raise ⟨chunk_tokens⟩"
        )
    sources = [
        SettingSource(f.name, getattr(settings, f.name), *origins.get(f.name, ("default", None)))
        for f in fields(Settings)
        if f.name != "env"
    ]
    return settings, sources


def mask_secret(secret: str) -> str:
    """A key as it may be shown: its last four characters, when it is long enough for
    that to give nothing away."""
    return f"…{secret[-4:]} ({len(secret)} characters)" if len(secret) >= 16 else "set (hidden)"


def with_overrides(settings: Settings, **changes: Any) -> Settings:
    return replace(settings, **changes)
