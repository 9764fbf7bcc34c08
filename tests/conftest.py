"""Shared fixtures: no real network, a private home directory, paths to examples."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures import SAMPLE, NetworkAccessError

_LOCAL_NAMES = {"localhost", "127.0.0.1", "::1", ""}


def _is_loopback(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return False
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection or name lookup that is not loopback: tests never reach a network."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise NetworkAccessError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise NetworkAccessError(f"test tried to reach the network: {address!r}")
        return real_connect_ex(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_loopback(host):
            raise NetworkAccessError(f"test tried to resolve a network host: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


@pytest.fixture(autouse=True)
def private_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Each test gets its own HOME and no model settings from the developer's environment."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))  # the run log
    for var in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "AZURE_OPENAI_API_KEY",
        "BRIEFING_CONFIG",
        "BRIEFING_MODEL",
        "BRIEFING_BASE_URL",
        "BRIEFING_API_KEY_ENV",
        "BRIEFING_ENGINE",
        "BRIEFING_TOKENIZER",
        "BRIEFING_PROMPT",
        "BRIEFING_STRUCTURED_MODE",
        "BRIEFING_MAX_COST",
        "BRIEFING_CHUNK_TOKENS",
        "BRIEFING_CHUNK_OVERLAP",
        "BRIEFING_CONCURRENCY",
        "BRIEFING_LOG_PATH",
        "BRIEFING_RUN_LOG",
        "BRIEFING_LOG_BRIEFS",
    ):
        monkeypatch.delenv(var, raising=False)
    # The hand-written fixture cassettes (tests/data/cassettes) and the stand-in answers of
    # the stub server were written for prompt v2, which tests pin here; tests of another
    # version, or of the default (v3), name it or resolve settings without this variable.
    monkeypatch.setenv("BRIEFING_PROMPT", "v2")
    # tiktoken must never try to download: point its cache at an empty private dir.
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(home / "tiktoken-cache"))
    yield home


@pytest.fixture
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(autouse=True)
def fresh_endpoint_memory() -> Iterator[None]:
    """Each test starts with no remembered structured-output modes: the client remembers
    per endpoint which forms a server refused, and stub servers reuse ports."""
    from briefing.model.client import forget_structured_modes

    forget_structured_modes()
    yield
    forget_structured_modes()
