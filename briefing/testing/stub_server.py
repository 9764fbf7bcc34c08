"""A scriptable OpenAI-compatible HTTP server on 127.0.0.1, for tests and benchmarks.

The openai SDK sends through `httpx2`, which respx and pytest-httpx do not see, so the
real SDK path is exercised against this server instead. It speaks just enough of the
API: `POST /v1/chat/completions` and `GET /v1/models`.

Script it with a queue of `Reply` objects (one per chat request, in order), a `default`
used once the queue is empty, or callables that build a reply from the request::

    with StubServer([Reply.rate_limited(), Reply.json({"name": "x"})]) as stub:
        settings = Settings(base_url=stub.base_url, ...)
        ...
        assert len(stub.chat_bodies) == 2

    # benchmarks: every request answers the same after 50 ms
    with StubServer(default=Reply.json(payload), latency_s=0.05) as stub: ...

    # a llama.cpp-like server without JSON-schema support
    with StubServer(default=Reply.json(payload), reject_json_schema=True) as stub: ...

Every request is recorded (`requests`, `chat_bodies`); `max_in_flight` tells how many
chat requests were being served at once. The server is threaded, so concurrent requests
are served concurrently; `stop()` (or leaving the `with` block) ends hanging replies,
closes kept-alive connections and joins every thread, leaving no open sockets behind.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from briefing.testing.replies import STUB_MODEL, RecordedRequest, Reply, Scripted, stream_events


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers and the SDK use
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and
    # delayed ACKs add ~40 ms to every response, which would distort benchmarks.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # keep test output clean

    def setup(self) -> None:
        super().setup()
        self.server.stub._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.stub._track(self.connection, add=False)

    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        try:
            return json.loads(raw) if raw else None
        except json.JSONDecodeError:
            return raw

    def _record(self, body: Any) -> RecordedRequest:
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = RecordedRequest(self.command, self.path, headers, body)
        self.server.stub._log(request)
        return request

    def _send(self, reply: Reply) -> None:
        body = reply.body
        if isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode("utf-8")
        else:
            data = json.dumps(body).encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_stream(self, reply: Reply, include_usage: bool) -> None:
        """A 200 chat completion as server-sent events, a few characters per event."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        for event in stream_events(reply.body, include_usage=include_usage):
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802
        self._record(None)
        if self.path.rstrip("/").endswith("/models"):
            model = {"id": self.server.stub.model, "object": "model", "created": 0}
            self._send(Reply(body={"object": "list", "data": [{**model, "owned_by": "stub"}]}))
        else:
            self._send(Reply.error(404, f"no route for GET {self.path}"))

    def do_POST(self) -> None:  # noqa: N802
        request = self._record(self._read_body())
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(Reply.error(404, f"no route for POST {self.path}"))
            return
        stub = self.server.stub
        with stub._in_flight():
            reply = stub._next_reply(request)
            delay = stub.latency_s + reply.latency_s
            if delay and stub._stopping.wait(delay):
                self.close_connection = True
                return
            if reply.hang_s is not None:
                stub._stopping.wait(None if reply.hang_s == float("inf") else reply.hang_s)
                self.close_connection = True
                return
            if reply.drop:
                self.close_connection = True
                return
            body = request.body if isinstance(request.body, dict) else {}
            if body.get("stream") and reply.status == 200 and isinstance(reply.body, dict):
                options = body.get("stream_options") or {}
                usage = bool(options.get("include_usage")) and not stub.stream_without_usage
                self._send_stream(reply, usage)
                return
            self._send(reply)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    stub: StubServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out or closed first is routine here, not an error.
        pass


class StubServer:
    """An OpenAI-compatible stub on 127.0.0.1 (a free port). Use as a context manager.

    replies: scripted answers to chat requests, consumed in order (`Reply` objects or
        callables taking the `RecordedRequest`); more can be added with `enqueue`.
    default: the answer once the queue is empty (a `Reply` or a callable). Without one,
        an unscripted request gets a 400 saying so, which fails the test clearly.
    latency_s: a delay before every chat answer (benchmarks).
    reject_json_schema: answer requests with response_format type json_schema like
        llama.cpp does (`Reply.json_schema_rejected(reject_status)`), without consuming
        the queue; json_object requests get the scripted replies.
    reject_schema_key: also refuse a `schema` key beside `{"type": "json_object"}` (a
        server without grammar support that validates its input strictly).
    stream_without_usage: stream answers without a usage event even when asked for one
        (as llama-cpp-python's server does).
    """

    # Subclasses serve more routes with a handler of their own (`batch_stub`).
    handler_class: type[BaseHTTPRequestHandler] = _Handler

    def __init__(
        self,
        replies: Iterable[Scripted] = (),
        *,
        default: Scripted | None = None,
        latency_s: float = 0.0,
        reject_json_schema: bool = False,
        reject_status: int = 500,
        reject_schema_key: bool = False,
        stream_without_usage: bool = False,
        model: str = STUB_MODEL,
    ) -> None:
        self.default = default
        self.latency_s = latency_s
        self.reject_json_schema = reject_json_schema
        self.reject_status = reject_status
        self.reject_schema_key = reject_schema_key
        self.stream_without_usage = stream_without_usage
        self.model = model
        self._queue: deque[Scripted] = deque(replies)
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._active = 0
        self._max_active = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> StubServer:
        if self._server is not None:
            raise RuntimeError("stub server already started")
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), self.handler_class)
        server.stub = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()  # ends latency waits and hangs
        server.shutdown()
        thread.join()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:  # unblock handlers waiting on idle keep-alive connections
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()  # joins the handler threads
        self._server = self._thread = None

    def __enter__(self) -> StubServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("stub server not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # --- scripting and inspection ------------------------------------------------------

    def enqueue(self, *replies: Scripted) -> None:
        with self._lock:
            self._queue.extend(replies)

    @property
    def pending(self) -> int:
        """Scripted replies not yet used."""
        with self._lock:
            return len(self._queue)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def chat_bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies of all chat-completion requests, in arrival order."""
        return [r.body for r in self.requests if r.path.rstrip("/").endswith("/chat/completions")]

    @property
    def max_in_flight(self) -> int:
        """The most chat requests served at the same time."""
        with self._lock:
            return self._max_active

    # --- used by the handler threads ---------------------------------------------------

    def _log(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    @contextmanager
    def _in_flight(self) -> Iterator[None]:
        with self._lock:
            self._active += 1
            self._max_active = max(self._max_active, self._active)
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1

    def _next_reply(self, request: RecordedRequest) -> Reply:
        body = request.body if isinstance(request.body, dict) else {}
        response_format = body.get("response_format") or {}
        if self.reject_json_schema and response_format.get("type") == "json_schema":
            return Reply.json_schema_rejected(self.reject_status)
        if self.reject_schema_key and "schema" in response_format:
            return Reply.schema_key_rejected()
        with self._lock:
            scripted = self._queue.popleft() if self._queue else self.default
        if scripted is None:
            return Reply.error(400, "stub server: no reply scripted for this request")
        return scripted(request) if callable(scripted) else scripted
