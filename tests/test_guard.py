"""The network guard itself must work, or every other offline guarantee is hollow."""

from __future__ import annotations

import socket

import pytest

from tests.fixtures import NetworkAccessError


def test_guard_refuses_remote_connection() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(NetworkAccessError):
            sock.connect(("93.184.216.34", 80))


def test_guard_refuses_remote_lookup() -> None:
    with pytest.raises(NetworkAccessError):
        socket.getaddrinfo("api.openai.com", 443)


def test_guard_allows_loopback() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    with server, socket.create_connection(server.getsockname(), timeout=2):
        pass
