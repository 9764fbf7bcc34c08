"""What a GGUF model file says about itself: enough to refuse a file that is not one, and
to name the model, its quantisation and its hash in recordings.

Only the header and the first metadata keys are read (the tokenizer tables after them
can be megabytes); no llama.cpp is needed.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from briefing.errors import ConfigError

MAGIC = b"GGUF"
# llama.cpp's `llama_ftype`: the quantisation of most tensors, as `general.file_type`.
FILE_TYPES = {
    0: "F32",
    1: "F16",
    2: "Q4_0",
    3: "Q4_1",
    7: "Q8_0",
    8: "Q5_0",
    9: "Q5_1",
    10: "Q2_K",
    11: "Q3_K_S",
    12: "Q3_K_M",
    13: "Q3_K_L",
    14: "Q4_K_S",
    15: "Q4_K_M",
    16: "Q5_K_S",
    17: "Q5_K_M",
    18: "Q6_K",
    32: "BF16",
}
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?"}
_SCALARS |= {10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
_WANTED = ("general.name", "general.file_type", "general.architecture")


@dataclass(frozen=True)
class GgufInfo:
    path: Path
    name: str | None  # general.name
    architecture: str | None
    quantisation: str | None  # "Q4_K_M"...

    @property
    def stem(self) -> str:
        """The model's name in requests and cassettes: the file name without .gguf."""
        return self.path.name.removesuffix(".gguf")


def read_gguf(path: Path) -> GgufInfo:
    """The header of a GGUF file; ConfigError when `path` is missing or not GGUF."""
    try:
        with path.open("rb") as fh:
            if fh.read(4) != MAGIC:
                raise ConfigError(
                    f"{path} is not a GGUF model file; pass a .gguf file to ⟨model_path⟩ "
                    "(llama.cpp's format, e.g. from Hugging Face)"
                )
            values = _read_metadata(fh)
    except FileNotFoundError:
        raise ConfigError(f"model file {path} does not exist; check ⟨model_path⟩") from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a directory; pass a .gguf file to ⟨model_path⟩") from None
    except (OSError, struct.error, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the GGUF header of {path} ({exc})") from None
    file_type = values.get("general.file_type")
    return GgufInfo(
        path=path,
        name=_text(values.get("general.name")),
        architecture=_text(values.get("general.architecture")),
        quantisation=FILE_TYPES.get(file_type) if isinstance(file_type, int) else None,
    )


def sha256_prefix(path: Path, length: int = 12) -> str:
    """The start of the file's sha256, to name exactly which weights made a recording."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()[:length]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _read_metadata(fh: BinaryIO) -> dict[str, object]:
    (version,) = struct.unpack("<I", fh.read(4))
    if version < 2:
        raise OSError(f"GGUF version {version} is too old")
    _tensors, count = struct.unpack("<QQ", fh.read(16))
    values: dict[str, object] = {}
    for _ in range(count):
        key = _read_string(fh)
        (kind,) = struct.unpack("<I", fh.read(4))
        values[key] = _read_value(fh, kind)
        if all(k in values for k in _WANTED):
            break
    return values


def _read_string(fh: BinaryIO) -> str:
    (size,) = struct.unpack("<Q", fh.read(8))
    return fh.read(size).decode("utf-8")


def _read_value(fh: BinaryIO, kind: int) -> object:
    if kind in _SCALARS:
        fmt = _SCALARS[kind]
        return struct.unpack(fmt, fh.read(struct.calcsize(fmt)))[0]
    if kind == _STRING:
        return _read_string(fh)
    if kind == _ARRAY:
        item_kind, size = struct.unpack("<IQ", fh.read(12))
        if item_kind in _SCALARS:  # skipped whole: only its size matters
            fh.seek(size * struct.calcsize(_SCALARS[item_kind]), 1)
        else:
            for _ in range(size):
                _read_value(fh, item_kind)
        return None
    raise OSError(f"unknown GGUF value type {kind}")
