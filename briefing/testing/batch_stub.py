"""The stub server with OpenAI's Batch API: files, batches, and their output files.

`BatchStubServer` is a `StubServer` (chat completions answer as scripted) that also
serves `POST /v1/files` (multipart upload), `GET /v1/files/{id}` and
`/v1/files/{id}/content`, `POST /v1/batches`, `GET /v1/batches/{id}` and
`POST /v1/batches/{id}/cancel`. Each line of a job is answered by the same script as a
chat request (queue, `default`), so one answer function serves both paths::

    with BatchStubServer(default=lambda r: Reply.json(answer_for(r.body))) as stub:
        ...  # a job reads validating, in_progress, finalizing, then completed

A job moves one status further at each retrieve, as a real one does over minutes:
validating -> in_progress -> finalizing -> the outcome. Outcomes: "completed";
"expired" (the first `expire_after` lines answered, the others in the error file as
`batch_expired`); "failed" (validation errors, no output). Lines the script answers with
an error status go to the error file, as the provider puts them. Input that a real
provider rejects (bad JSON, a repeated custom_id, a line for another endpoint, mixed
models) fails the job at validation. `hold = True` keeps jobs in progress, as if the
provider were slow, until it is set back to False.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Iterable
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from briefing.testing.replies import RecordedRequest, Reply, Scripted
from briefing.testing.stub_server import StubServer, _Handler

EXPIRED_MESSAGE = "This request could not be executed before the completion window expired."
ENDPOINTS = ("/v1/chat/completions", "/chat/completions")


class _BatchHandler(_Handler):
    server: Any

    def do_GET(self) -> None:  # noqa: N802
        stub: BatchStubServer = self.server.stub
        path = self.path.split("?", 1)[0].rstrip("/")
        if found := re.search(r"/files/([^/]+)/content$", path):
            self._record(None)
            file = stub.files.get(found.group(1))
            reply = Reply(body=file["data"]) if file else _missing("File", found.group(1))
            self._send(reply)
        elif found := re.search(r"/files/([^/]+)$", path):
            self._record(None)
            file = stub.files.get(found.group(1))
            self._send(Reply(body=_file_object(file)) if file else _missing("File", found.group(1)))
        elif found := re.search(r"/batches/([^/]+)$", path):
            self._record(None)
            job = stub._advance(found.group(1))
            self._send(Reply(body=job) if job else _missing("Batch", found.group(1)))
        else:
            super().do_GET()

    def do_POST(self) -> None:  # noqa: N802
        stub: BatchStubServer = self.server.stub
        path = self.path.split("?", 1)[0].rstrip("/")
        if path.endswith("/files"):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            self._record(None)
            self._send(stub._upload(self.headers.get("Content-Type", ""), raw))
        elif path.endswith("/batches"):
            request = self._record(self._read_body())
            self._send(stub._create(request.body if isinstance(request.body, dict) else {}))
        elif found := re.search(r"/batches/([^/]+)/cancel$", path):
            self._record(None)
            job = stub._cancel(found.group(1))
            self._send(Reply(body=job) if job else _missing("Batch", found.group(1)))
        else:
            super().do_POST()


class BatchStubServer(StubServer):
    """A StubServer that also runs Batch API jobs; see the module's description."""

    handler_class = _BatchHandler

    def __init__(
        self,
        replies: Iterable[Scripted] = (),
        *,
        outcome: str = "completed",
        expire_after: int = 0,
        failure: str = "The model is not available for batch requests.",
        **kwargs: Any,
    ) -> None:
        super().__init__(replies, **kwargs)
        self.outcome = outcome
        self.expire_after = expire_after
        self.failure = failure
        self.hold = False
        self.files: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.seen_statuses: dict[str, list[str]] = {}  # job id -> statuses it was read in
        self._ids = itertools.count(1)
        # Ids unique across stub instances, as a provider's are: a test that restarts the
        # stub must not meet an old job's id again.
        self._prefix = secrets.token_hex(3)
        self._batch_lock = threading.Lock()

    @property
    def batch_lines(self) -> list[dict[str, Any]]:
        """Every line of every uploaded input file, in upload order."""
        with self._batch_lock:
            files = [f for f in self.files.values() if f["purpose"] == "batch"]
        return [line for f in files for line in _lines(f["data"])]

    # --- files ----------------------------------------------------------------------------

    def _new_file(self, data: bytes, filename: str, purpose: str) -> dict[str, Any]:
        with self._batch_lock:
            file_id = f"file-{self._prefix}{next(self._ids):04d}"
            self.files[file_id] = {
                "id": file_id,
                "data": data,
                "filename": filename,
                "purpose": purpose,
                "created_at": int(time.time()),
            }
            return self.files[file_id]

    def _upload(self, content_type: str, raw: bytes) -> Reply:
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
        )
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            fields[str(name)] = (part.get_filename(), part.get_payload(decode=True))
        if "file" not in fields or "purpose" not in fields:
            return Reply.error(400, "'file' and 'purpose' are required")
        filename, data = fields["file"]
        purpose = fields["purpose"][1].decode("utf-8")
        if purpose != "batch":
            return Reply.error(400, f"stub: unexpected purpose {purpose!r}")
        return Reply(body=_file_object(self._new_file(data, filename or "upload", purpose)))

    # --- jobs -----------------------------------------------------------------------------

    def _create(self, body: dict[str, Any]) -> Reply:
        file = self.files.get(str(body.get("input_file_id")))
        if file is None:
            return _missing("File", str(body.get("input_file_id")))
        endpoint = body.get("endpoint")
        if endpoint not in ENDPOINTS or body.get("completion_window") != "24h":
            return Reply.error(400, f"invalid endpoint {endpoint!r} or completion_window")
        with self._batch_lock:
            job_id = f"batch_{self._prefix}{next(self._ids):04d}"
            lines, problems = _validate(file["data"], str(endpoint))
            self.jobs[job_id] = {
                "id": job_id,
                "object": "batch",
                "endpoint": endpoint,
                "input_file_id": file["id"],
                "completion_window": "24h",
                "status": "validating",
                "created_at": int(time.time()),
                "output_file_id": None,
                "error_file_id": None,
                "errors": None,
                "metadata": body.get("metadata"),
                "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
                "_lines": lines,
                "_problems": problems,
            }
            self.seen_statuses[job_id] = []
            return Reply(body=_public(self.jobs[job_id]))

    def _advance(self, job_id: str) -> dict[str, Any] | None:
        """The job as a retrieve sees it, one status further than last time."""
        with self._batch_lock:
            job = self.jobs.get(job_id)
            if job is None:
                return None
            status = job["status"]
            if status == "validating":
                if job["_problems"] or self.outcome == "failed":
                    problems = job["_problems"] or [_problem("invalid_request", None, self.failure)]
                    job["errors"] = {"object": "list", "data": problems}
                    job["status"] = "failed"
                else:
                    job["status"] = "in_progress"
            elif status == "in_progress" and not self.hold:
                job["status"] = "finalizing"
            elif status == "finalizing":
                self._finish(job)
            elif status == "cancelling":
                job["status"] = "cancelled"
            if job["status"] == "in_progress":
                counts = job["request_counts"]
                counts["completed"] = min(counts["total"], counts["completed"] + 1)
            self.seen_statuses[job_id].append(job["status"])
            return _public(job)

    def _cancel(self, job_id: str) -> dict[str, Any] | None:
        with self._batch_lock:
            job = self.jobs.get(job_id)
            if job is not None and job["status"] not in ("completed", "failed", "expired"):
                job["status"] = "cancelling"
            return _public(job) if job else None

    def _finish(self, job: dict[str, Any]) -> None:
        """Answer the lines (the script decides each), write the output and error files."""
        out: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        expire = self.outcome == "expired"
        for n, line in enumerate(job["_lines"]):
            entry: dict[str, Any] = {"id": f"batch_req_{n}", "custom_id": line["custom_id"]}
            if expire and n >= self.expire_after:
                expired = {"code": "batch_expired", "message": EXPIRED_MESSAGE}
                errors.append(entry | {"response": None, "error": expired})
                continue
            # Not logged as a request: `chat_bodies` stays what came to /chat/completions.
            request = RecordedRequest("POST", line["url"], {}, line["body"])
            reply = self._next_reply(request)
            response = {"status_code": reply.status, "request_id": f"req_{n}", "body": reply.body}
            (out if reply.status == 200 else errors).append(
                entry | {"response": response, "error": None}
            )
        # The lock is held: files are added directly.
        for kind, rows in (("output_file_id", out), ("error_file_id", errors)):
            if rows:
                data = "".join(json.dumps(r) + "\n" for r in rows).encode("utf-8")
                file_id = f"file-{self._prefix}{next(self._ids):04d}"
                self.files[file_id] = {
                    "id": file_id,
                    "data": data,
                    "filename": f"{kind}.jsonl",
                    "purpose": "batch_output",
                    "created_at": int(time.time()),
                }
                job[kind] = file_id
        job["request_counts"] = {
            "total": len(job["_lines"]),
            "completed": len(out),
            "failed": len(errors),
        }
        job["status"] = "expired" if expire else "completed"


def _lines(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]


def _validate(data: bytes, endpoint: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The lines, and what a provider would reject in them (each with its line number)."""
    lines: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    models: set[str] = set()
    for number, text in enumerate(data.decode("utf-8").splitlines(), start=1):
        try:
            line = json.loads(text)
        except json.JSONDecodeError:
            problems.append(_problem("invalid_json_line", number, "not JSON"))
            continue
        custom_id = line.get("custom_id")
        if not custom_id or custom_id in seen:
            problems.append(
                _problem(
                    "duplicate_custom_id", number, f"custom_id {custom_id!r} missing or repeated"
                )
            )
        if line.get("method") != "POST" or line.get("url") != endpoint:
            wrong = f"url must be {endpoint}, not {line.get('url')!r}"
            problems.append(_problem("invalid_url", number, wrong))
        seen.add(str(custom_id))
        models.add(str((line.get("body") or {}).get("model")))
        lines.append(line)
    if len(models) > 1:
        problems.append(
            {"code": "mixed_models", "line": None, "message": "every line must use one model"}
        )
    return lines, problems


def _problem(code: str, line: int | None, message: str) -> dict[str, Any]:
    return {"code": code, "line": line, "message": message}


def _public(job: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in job.items() if not k.startswith("_")}


def _file_object(file: dict[str, Any] | None) -> dict[str, Any]:
    assert file is not None
    return {
        "id": file["id"],
        "object": "file",
        "bytes": len(file["data"]),
        "created_at": file["created_at"],
        "filename": file["filename"],
        "purpose": file["purpose"],
        "status": "processed",
    }


def _missing(kind: str, name: str) -> Reply:
    return Reply.error(404, f"No such {kind} object: {name}", code="not_found")
