"""Fetching a URL: one deadline for the whole fetch, redirects checked hop by hop, and the
final URL recorded as the source."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from briefing.errors import InputError
from briefing.ingest import fetch as fetch_module
from briefing.ingest.article import load_article
from briefing.ingest.fetch import internal_address
from tests.fixtures import EXAMPLES, serving

PAGE = (EXAMPLES / "tarsin-ceasefire.html").read_bytes()
Route = Callable[[BaseHTTPRequestHandler], None]


class _Server:
    """A local HTTP server whose routes are functions of the handler."""

    def __init__(self, url: str, routes: dict[str, Route]) -> None:
        self.url = url
        self.routes = routes


def _routed(routes: dict[str, Route]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            try:
                routes[self.path](self)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up, as it should

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def _server(host: str = "127.0.0.1") -> Iterator[_Server]:
    routes: dict[str, Route] = {}
    with serving(_routed(routes), host) as url:
        yield _Server(url, routes)


@pytest.fixture
def server() -> Iterator[_Server]:
    yield from _server()


@pytest.fixture
def other_host() -> Iterator[_Server]:
    yield from _server("127.0.0.2")  # another loopback address: another host


def page(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(PAGE)))
    handler.end_headers()
    handler.wfile.write(PAGE)


def redirect(location: str) -> Route:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def trickle_body(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    for _ in range(100):  # 10 s in all, a byte every 0.1 s: no single read times out
        handler.wfile.write(b"<p>")
        handler.wfile.flush()
        time.sleep(0.1)


def trickle_headers(handler: BaseHTTPRequestHandler) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Padding: " + b"x" * 100:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(0.1)


@pytest.mark.parametrize("route", [trickle_body, trickle_headers], ids=["body", "headers"])
def test_one_deadline_for_the_whole_fetch(server: _Server, route: Route) -> None:
    server.routes["/slow"] = route
    started = time.monotonic()
    with pytest.raises(InputError, match=r"/slow did not answer within 0\.5 s; retry later"):
        load_article(f"{server.url}/slow", timeout=0.5)
    assert time.monotonic() - started < 2.0


def test_the_final_url_is_the_source(server: _Server) -> None:
    server.routes |= {"/old": redirect("/moved"), "/moved": redirect("/story"), "/story": page}
    article = load_article(f"{server.url}/old")
    assert article.source == f"{server.url}/story"
    assert article.requested == f"{server.url}/old"
    assert any("redirected to" in note and "/story" in note for note in article.notes)


def test_the_brief_names_the_final_url(server: _Server) -> None:
    from briefing.pipeline import GenerateOptions, generate_brief
    from briefing.render.formats import render

    server.routes |= {"/old": redirect("/story"), "/story": page}
    doc = generate_brief(
        load_article(f"{server.url}/old"), options=GenerateOptions(engine="extractive")
    )
    assert doc.metadata.source == f"{server.url}/story"
    assert any(f"requested {server.url}/old" in note for note in doc.metadata.notes)
    assert f"{server.url}/story" in render(doc, "html").decode()


def test_a_redirect_to_another_host_is_followed(server: _Server, other_host: _Server) -> None:
    other_host.routes["/story"] = page
    server.routes["/old"] = redirect(f"{other_host.url}/story")
    assert load_article(f"{server.url}/old").source == f"{other_host.url}/story"


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://example.org/a", "javascript:x"])
def test_a_redirect_off_http_is_refused(server: _Server, target: str) -> None:
    server.routes["/old"] = redirect(target)
    with pytest.raises(InputError, match=r"redirects to .* not an http\(s\) address"):
        load_article(f"{server.url}/old")


def test_a_redirect_loop_ends(server: _Server) -> None:
    server.routes["/a"] = redirect("/b")
    server.routes["/b"] = redirect("/a")
    with pytest.raises(InputError, match=r"redirected more than 10 times"):
        load_article(f"{server.url}/a")


@pytest.fixture
def public_to_internal(
    server: _Server, other_host: _Server, monkeypatch: pytest.MonkeyPatch
) -> str:
    """A "public" page redirecting to an internal one. Tests reach only loopback, so
    127.0.0.1 stands for a public address and 127.0.0.2 (loopback) for an internal one."""
    real = internal_address
    monkeypatch.setattr(fetch_module, "internal_address", lambda a: a != "127.0.0.1" and real(a))
    other_host.routes["/admin"] = page
    server.routes["/old"] = redirect(f"{other_host.url}/admin")
    return f"{server.url}/old"


def test_a_public_page_may_not_redirect_to_an_internal_address(public_to_internal: str) -> None:
    with pytest.raises(
        InputError, match=r"redirects to http://127\.0\.0\.2:\d+/admin, an internal"
    ):
        load_article(public_to_internal)


def test_a_name_that_resolves_inside_on_connect_is_caught(
    public_to_internal: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DNS rebinding: the name looked public when checked, then connected inside.
    monkeypatch.setattr(fetch_module, "_internal_host", lambda url: False)
    with pytest.raises(InputError, match=r"an internal address"):
        load_article(public_to_internal)


def test_an_internal_page_may_redirect_inside(server: _Server, other_host: _Server) -> None:
    other_host.routes["/wiki"] = page
    server.routes["/old"] = redirect(f"{other_host.url}/wiki")
    assert load_article(f"{server.url}/old").source == f"{other_host.url}/wiki"


@pytest.mark.parametrize(
    ("address", "internal"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("192.168.0.10", True),
        ("172.16.5.4", True),
        ("169.254.169.254", True),  # cloud metadata
        ("::1", True),
        ("fe80::1%eth0", True),
        ("::ffff:10.0.0.1", True),
        ("0.0.0.0", True),
        ("93.184.216.34", False),
        ("2606:4700::1111", False),
    ],
)
def test_internal_addresses(address: str, internal: bool) -> None:
    assert internal_address(address) is internal
