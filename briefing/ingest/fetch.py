"""Fetch an article from an http(s) URL: one overall deadline, redirects checked hop by hop.

- The whole fetch (every redirect, the headers and the body) must finish within
  `timeout` seconds: a server that trickles bytes resets a per-read timeout forever, so a
  watchdog shuts the connection down when the deadline passes.
- Redirects are followed by hand, at most `MAX_REDIRECTS`: each must stay on http or
  https, and one that leads to a loopback, link-local, private or otherwise internal
  address is refused unless the original URL was itself internal (an intranet page
  may redirect within the intranet; a public page may not send us there). The address is
  checked when the name is resolved and again on the connected socket, so a name that
  resolves differently the second time (DNS rebinding) is caught too.
- The body is streamed and never read past `max_bytes`.

The result names the final URL: the brief is of the page that was actually read.
httpx is imported only when a URL is fetched.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from briefing import __version__
from briefing.errors import InputError

USER_AGENT = f"briefing/{__version__} (article loader)"
MAX_REDIRECTS = 10
_HINT = "or save the page from a browser and pass the file"


@dataclass(frozen=True)
class Fetched:
    body: bytes
    mime: str  # MIME type of the final response, lower case, or ""
    charset: str | None  # declared by the server
    url: str  # the final URL, after redirects
    redirects: tuple[str, ...]  # every URL before it, the requested one first


def internal_address(address: str) -> bool:
    """Loopback, link-local, private, reserved, unspecified or multicast: not the public
    internet (IPv4-mapped IPv6 addresses are judged by their IPv4 address)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_loopback
        or ip.is_link_local
        or ip.is_private
        or ip.is_reserved
        or ip.is_unspecified
        or ip.is_multicast
    )


def _internal_host(url: str) -> bool:
    """Whether `url`'s host is, or resolves to, an internal address."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False  # unresolvable: the request itself will fail and say so
    return any(internal_address(str(info[4][0])) for info in infos)


class _Watch:
    """The overall deadline, and the sockets it may have to cut; checks peers on redirects."""

    def __init__(self, timeout: float, check_peer: Callable[[str], bool]) -> None:
        self.timeout = timeout
        self.end = time.monotonic() + timeout
        self.expired = False
        self.refused_peer: str | None = None
        self._check_peer = check_peer
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return max(0.001, self.end - time.monotonic())

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: sees every new connection of the fetch."""
        if event != "connection.connect_tcp.complete":
            return
        sock = info["return_value"].get_extra_info("socket")
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            cut = self.expired
        with contextlib.suppress(OSError):
            peer = str(sock.getpeername()[0])
            if not self._check_peer(peer):
                self.refused_peer, cut = peer, True
        if cut:
            _shut(sock)

    def fire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)

    @contextlib.contextmanager
    def armed(self) -> Iterator[None]:
        timer = threading.Timer(self.timeout, self.fire)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()


def _shut(sock: socket.socket) -> None:
    # shutdown (not close) wakes a thread blocked in recv on this socket; httpx closes it.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


TooBig = Callable[[str, "int | None", int], InputError]


def fetch(
    url: str, *, max_bytes: int, timeout: float, accepts: Collection[str], too_big: TooBig
) -> Fetched:
    """GET `url` within `timeout` seconds overall, following checked redirects.

    `accepts` are the MIME types read as text ("" for none given); `too_big(label,
    size or None, cap)` builds the error for a body over `max_bytes`. Raises InputError
    with one line naming the problem and the fix.
    """
    import httpx

    internal_ok = _internal_host(url)
    behind_proxy = bool(urllib.request.getproxies())  # then the peer is the proxy
    hops: list[str] = []

    def peer_allowed(address: str) -> bool:
        return internal_ok or behind_proxy or not hops or not internal_address(address)

    watch = _Watch(timeout, peer_allowed)
    current = url
    try:
        with (
            watch.armed(),
            httpx.Client(
                timeout=timeout,
                headers={"User-Agent": USER_AGENT},
                event_hooks={"response": [lambda reply: _check_scheme(reply, url)]},
            ) as client,
        ):
            while True:
                with client.stream("GET", current, extensions={"trace": watch.trace}) as reply:
                    if not reply.is_redirect:
                        mime = _check_headers(reply, current, max_bytes, accepts, too_big)
                        body = _read_body(reply, url, max_bytes, watch, too_big)
                        return Fetched(body, mime, reply.charset_encoding, current, tuple(hops))
                    hops.append(current)
                    current = _next_hop(reply, current, url, hops, internal_ok)
    except InputError:
        raise
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        if watch.refused_peer is not None:
            raise _internal_refused(url, current) from exc
        if watch.expired or isinstance(exc, httpx.TimeoutException):
            raise _late(url, timeout) from exc
        raise InputError(
            f"cannot reach {current} ({type(exc).__name__}: {exc}); check the address and "
            f"the connection, {_HINT}"
        ) from exc


def _check_scheme(reply: Any, url: str) -> None:
    """A response hook: a redirect must stay on http(s). It runs before httpx reads the
    Location itself, which fails on some addresses ("javascript:x") with a vaguer error."""
    if not reply.is_redirect:
        return
    location = str(reply.headers.get("location", "")).strip()
    target = urljoin(str(reply.request.url), location)
    if not location or urlsplit(target).scheme.lower() not in ("http", "https"):
        raise InputError(
            f"{url} redirects to {target or 'nowhere'!r}, which is not an http(s) address; "
            f"open it in a browser and {_HINT.removeprefix('or ')}"
        )


def _next_hop(reply: Any, current: str, url: str, hops: list[str], internal_ok: bool) -> str:
    target = urljoin(current, str(reply.headers.get("location", "")).strip())
    if len(hops) > MAX_REDIRECTS:
        raise InputError(f"{url} redirected more than {MAX_REDIRECTS} times; check the address")
    if not internal_ok and _internal_host(target):
        raise _internal_refused(url, target)
    return target


def _internal_refused(url: str, target: str) -> InputError:
    return InputError(
        f"{url} redirects to {target}, an internal address (loopback, link-local or "
        "private network), which a public page may not send us to; if you trust it, "
        "pass that address directly"
    )


def _late(url: str, timeout: float) -> InputError:
    return InputError(f"{url} did not answer within {timeout:g} s; retry later, {_HINT}")


def _check_headers(
    reply: Any, url: str, max_bytes: int, accepts: Collection[str], too_big: TooBig
) -> str:
    """The response's MIME type, once status, type and announced size are acceptable."""
    if reply.is_error:
        raise InputError(
            f"{url} answered HTTP {reply.status_code} {reply.reason_phrase}; "
            f"check the address, {_HINT}"
        )
    mime = str(reply.headers.get("content-type", "")).partition(";")[0].strip().lower()
    if mime and mime not in accepts:
        kind = {"application/pdf": "a PDF"}.get(mime, f"{mime} content")
        kind = "an image" if mime.startswith("image/") else kind
        raise InputError(
            f"{url} sent {kind}, not a web page; save it, convert it to text and pass that file"
        )
    length = reply.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise too_big(url, int(length), max_bytes)
    return mime


def _read_body(reply: Any, url: str, max_bytes: int, watch: _Watch, too_big: TooBig) -> bytes:
    """The body, streamed: never past `max_bytes`, never past the deadline."""
    body = b""
    for chunk in reply.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise too_big(url, None, max_bytes)
        if time.monotonic() > watch.end:
            watch.fire()
    if watch.expired:  # cut by the watchdog: a body without a length then just "ends"
        raise _late(url, watch.timeout)
    return body
