"""Bytes in and out: standard input, byte-order marks, safe writes. One copy each.

Articles, brief documents and cassettes are all read and written through here, so each
rule (never wait on a terminal, honour a byte-order mark, never leave half a file) holds
everywhere.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

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


# Brief documents and cassettes are a few levels deep; a file nested far deeper is not one,
# and would exhaust the interpreter's recursion limit in json or pydantic.
MAX_JSON_DEPTH = 100


def parse_json(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`text` as JSON, refusing nesting deeper than `max_depth` with a ValueError.

    Raises json.JSONDecodeError (a ValueError) for text that is not JSON.
    """
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(f"JSON nested deeper than {max_depth} levels") from None
    if json_depth(value) > max_depth:
        raise ValueError(f"JSON nested deeper than {max_depth} levels")
    return value


def json_depth(value: Any) -> int:
    """How deeply lists and objects nest in `value` (a scalar: 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        )
        if children is None:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock named by `path`, a lock file that exists only while held.

    Used to serialise read-modify-write cycles between processes. On POSIX systems the
    lock is `flock`, released by the kernel when the process dies, so a crash never
    leaves it held (a crash may leave the empty file behind; it is harmless). The holder
    removes the file on release; a waiter that then wakes up on the removed file notices
    and locks the new one. Where `fcntl` does not exist (Windows), this holds no lock:
    callers that re-read before they write then lose only what lands in that short window.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        yield
        return
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError as exc:
            raise _write_error(path, exc) from None
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            named, held = os.stat(path), os.fstat(fd)
            if (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino):
                break  # still the file the name points to: the lock is ours
        except FileNotFoundError:
            pass  # the holder before us removed it
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)  # closing the descriptor releases the lock


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` as a careful tool does; a reader never sees half a file.

    - A regular file (or a new one) is replaced atomically: the bytes go to a temporary
      file in the same directory (so `os.replace` is a rename on one file system), which
      is removed on any failure.
    - A symbolic link is written through: its target is replaced atomically, and the
      link stays a link (the rename happens in the target's directory).
    - Anything else that exists and is not a directory (a FIFO, a device such as
      /dev/null, a terminal) is opened and written directly, as a shell's `>` does:
      renaming over it would replace the node itself with a regular file.
    """
    if (descriptor := _own_descriptor(path)) is not None:
        _write_descriptor(path, descriptor, data)
        return
    target = _write_target(path)
    if target.exists() and not target.is_file() and not target.is_dir():
        _write_directly(path, target, data)
        return
    parent = target.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: directory {parent} does not exist; create it")
    try:
        fd, tmp_name = tempfile.mkstemp(dir=parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise _write_error(path, exc) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates the file 0600; give it the mode a plain open() would have.
        os.chmod(tmp, _target_mode(target))
        os.replace(tmp, target)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _write_error(path, exc) from None
        raise


_DESCRIPTOR_NAMES = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
_DESCRIPTOR_PATH = re.compile(r"/(?:dev/fd|proc/self/fd)/(\d+)")


def _own_descriptor(path: Path) -> int | None:
    """The descriptor `path` names when it is one of this process's own (/dev/stdout,
    /dev/fd/3, /proc/self/fd/1), else None. Such a file is written through the descriptor
    itself: reopening it would lose `>>`'s append mode, and replacing what it points to
    would write to a file the shell no longer holds."""
    name = os.path.normpath(os.fspath(path))
    if name in _DESCRIPTOR_NAMES:
        return _DESCRIPTOR_NAMES[name]
    found = _DESCRIPTOR_PATH.fullmatch(name)
    return int(found.group(1)) if found else None


def _write_descriptor(path: Path, descriptor: int, data: bytes) -> None:
    try:
        if descriptor == 1:
            sys.stdout.flush()  # text printed earlier goes first
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
    except OSError as exc:
        raise _write_error(path, exc) from None


def _write_target(path: Path) -> Path:
    """The file a write to `path` lands in: `path`, or the end of its chain of links."""
    if not path.is_symlink():
        return path
    target = Path(os.path.realpath(path))
    if target.is_symlink():  # realpath stops inside a loop of links
        raise OutputError(f"cannot write {path}: its symbolic links form a loop; fix the link")
    return target


def _write_directly(path: Path, target: Path, data: bytes) -> None:
    """Write to a FIFO, device or other special file in place (a FIFO blocks until read)."""
    try:
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _write_error(path, exc) from None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:
        raise _write_error(path, exc) from None
    finally:
        os.close(fd)


# What to do about the usual reasons a write fails; anything else: check the path.
_WRITE_FIXES = {
    errno.ENOSPC: "free some space or choose another path",
    errno.EDQUOT: "free some space or choose another path",
    errno.EROFS: "choose a path on a writable file system",
    errno.EACCES: "check the permissions or choose another path",
    errno.EPERM: "check the permissions or choose another path",
    errno.EPIPE: "the reading end was closed; keep it open until the output is written",
    errno.ENXIO: "a socket or a device with nothing behind it; choose a file",
}


def _write_error(path: Path, exc: OSError) -> OutputError:
    fix = _WRITE_FIXES.get(exc.errno or 0, "check the path and permissions")
    return OutputError(f"cannot write {path}: {exc.strerror or exc}; {fix}")


def same_file(a: Path, b: Path) -> bool:
    """True when `a` and `b` name one existing file (through links, hard links included)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # either does not exist (yet): they cannot be the same file
        return False


def _target_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        # The umask can only be read by setting it; the CLI writes from one thread.
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask
