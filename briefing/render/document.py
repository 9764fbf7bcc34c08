"""Reading a brief document back: what `briefing generate -f json` writes.

The bytes come from a path, "-" (standard input) or a binary stream, as UTF-8 or marked
by a byte-order mark (what Windows tools such as PowerShell write); the JSON is checked
against the document schema with messages that name the field and the fix.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from briefing.errors import BriefValidationError, InputError
from briefing.files import parse_json, read_stream, split_byte_order_mark, stream_name
from briefing.schema import SCHEMA_VERSION, BriefDocument

_SCHEMA_FILE = f"schemas/brief-document.v{SCHEMA_VERSION}.json"
_FIX = f"regenerate it or fix the field; the schema is {_SCHEMA_FILE}"


def load_document(source: Path | str | BinaryIO) -> BriefDocument:
    """Read a brief document (what `briefing generate -f json` writes).

    `source` is a path, "-" for standard input, or an open binary stream. The bytes are
    UTF-8, or UTF-8/UTF-16/UTF-32 marked by a byte-order mark (what Windows tools such
    as PowerShell write).

    A bare `Brief` (no metadata) is rejected rather than wrapped: the header of every
    rendered brief states who wrote it and from what source, and inventing that would
    make an unattributed brief look attributed.
    """
    name, raw = _read_document_bytes(source)
    text = _decode_document(name, raw)
    try:
        data = parse_json(text)
    except json.JSONDecodeError as exc:
        raise BriefValidationError(
            f"{name}: invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); {_FIX}"
        ) from None
    except ValueError as exc:  # nested far deeper than any brief
        raise BriefValidationError(f"{name}: {exc}, so not a brief; {_FIX}") from None
    if isinstance(data, dict) and "situation" in data and "metadata" not in data:
        raise BriefValidationError(
            f"{name}: a bare brief without metadata; wrap it as "
            '{"schema_version": "1", "metadata": {...}, "brief": ...} or regenerate it '
            f"(the schema is {_SCHEMA_FILE})"
        )
    if isinstance(data, dict) and data.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise BriefValidationError(
            f"{name}: schema_version {data['schema_version']!r} is not supported (this "
            f"version reads {SCHEMA_VERSION!r}); regenerate it with this version"
        )
    try:
        return BriefDocument.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        where = ".".join(str(part) for part in first["loc"]) or "document"
        msg = first["msg"][:1].lower() + first["msg"][1:]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise BriefValidationError(f"{name}: {where}: {msg}{more}; {_FIX}") from None


def _read_document_bytes(source: Path | str | BinaryIO) -> tuple[str, bytes]:
    """(the name messages use, the bytes) of a path, "-" (stdin) or a binary stream."""
    if isinstance(source, (str, os.PathLike)):
        if os.fspath(source) != "-":
            path = Path(source)
            try:
                return str(path), path.read_bytes()
            except FileNotFoundError:
                raise InputError(
                    f"{path}: no such file; check the path (or pass '-' to read stdin)"
                ) from None
            except IsADirectoryError:
                raise InputError(f"{path} is a directory; pass one brief JSON file") from None
            except OSError as exc:
                raise InputError(f"{path}: cannot read ({exc.strerror}); check the path") from None
        source = sys.stdin.buffer
    data = read_stream(source, expecting="a brief JSON file")
    assert data is not None  # no size limit was given
    return stream_name(source), data


def _decode_document(name: str, raw: bytes) -> str:
    raw, marked = split_byte_order_mark(raw)
    encoding = marked or "utf-8"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        what = "UTF-8 text" if encoding == "utf-8" else f"valid {encoding.upper()} text"
        raise BriefValidationError(f"{name}: not {what}, so not a brief; {_FIX}") from None
