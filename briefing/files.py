"""Bytes in and out: standard input, byte-order marks, atomic writes. One copy each.

Articles, brief documents and cassettes are all read and written through here, so each
rule (never wait on a terminal, honour a byte-order mark, never leave half a file) holds
everywhere.
"""

from __future__ import annotations

import codecs
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from briefing.errors import InputError, OutputError

STDIN_NAME = "standard input"

# Longest first: the UTF-32-LE mark begins with the UTF-16-LE one.
BYTE_ORDER_MARKS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def split_byte_order_mark(data: bytes) -> tuple[bytes, str | None]:
    """`data` without its byte-order mark, and the codec the mark names (None: no mark)."""
    for mark, codec in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return data[len(mark) :], codec
    return data, None


def stream_name(stream: BinaryIO) -> str:
    """How messages name a stream: the file it was opened from, else standard input."""
    name = getattr(stream, "name", None)
    return name if isinstance(name, str) and not name.startswith("<") else STDIN_NAME


def read_stream(stream: BinaryIO, *, expecting: str, max_bytes: int | None = None) -> bytes | None:
    """Everything in `stream`, or None when it holds more than `max_bytes`.

    A terminal is refused rather than read: reading would wait for typing. `expecting`
    names what should be piped in ("an article", "a brief JSON file").
    """
    name = stream_name(stream)
    if stream.isatty():
        raise InputError(f"{name} is a terminal, not {expecting}; pipe {expecting} in")
    try:
        if max_bytes is None:
            return stream.read()
        data = b""
        while len(data) <= max_bytes and (chunk := stream.read(max_bytes + 1 - len(data))):
            data += chunk
    except OSError as exc:
        raise InputError(f"cannot read {name} ({exc.strerror or exc})") from None
    return None if len(data) > max_bytes else data


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically: a reader sees the old file or the new, never half.

    The bytes go to a temporary file in the same directory (so `os.replace` is a rename
    on one file system), which is removed on any failure.
    """
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: directory {parent} does not exist; create it")
    try:
        fd, tmp_name = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(
            f"cannot write {path}: {exc.strerror}; check the directory's permissions"
        ) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates the file 0600; give it the mode a plain open() would have.
        os.chmod(tmp, _target_mode(path))
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(
                f"cannot write {path}: {exc.strerror or exc}; check the path and permissions"
            ) from None
        raise


def _target_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        # The umask can only be read by setting it; the CLI writes from one thread.
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask
