"""What a batch reads: files, folders of articles, URLs, and lists of them.

Each source keeps its own identity (a file's absolute path, a URL as given) and a short
key derived from it, which names the source's private files in OUTDIR (its state and its
cassette). Output names come from the article's title once it is read (`slugify`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from briefing.errors import InputError
from briefing.ingest.sources import ARTICLE_SUFFIXES, article_files

NAME_CHARS = 50  # longest output name, before the suffix


@dataclass(frozen=True)
class BatchSource:
    text: str  # as the user gave it
    ident: str  # what makes it this source: an absolute path or the URL
    key: str  # 12 hex digits of sha256(ident): names its files under OUTDIR/.briefing/
    stem: str  # the file's stem or the URL's last path segment: a name when the title fails

    @property
    def is_url(self) -> bool:
        return is_url(self.text)


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def make_source(text: str) -> BatchSource:
    text = text.strip()
    if is_url(text):
        ident = text
        segment = unquote(urlsplit(text).path.rstrip("/").rpartition("/")[2])
        stem = segment.rsplit(".", 1)[0] if "." in segment else segment
        stem = stem or urlsplit(text).hostname or "article"
    else:
        path = Path(text).expanduser()
        ident = str(path.resolve())
        stem = path.stem
    key = hashlib.sha256(ident.encode("utf-8")).hexdigest()[:12]
    return BatchSource(text=text, ident=ident, key=key, stem=stem)


def read_list(stream: Iterable[str], origin: str) -> list[str]:
    """Sources listed one a line; blank lines and `#` comments are skipped."""
    sources = []
    for line in stream:
        line = line.strip()
        if line and not line.startswith("#"):
            sources.append(line)
    if not sources:
        raise InputError(f"{origin} lists no sources; put one file, folder or URL on each line")
    return sources


def list_from(path: str, stdin: BinaryIO | None = None) -> list[str]:
    """The sources listed in file `path`, or on standard input for `-`."""
    from briefing.files import read_stream

    if path == "-":
        import sys

        data = read_stream(stdin or sys.stdin.buffer, expecting="a list of sources")
        return read_list((data or b"").decode("utf-8-sig", "replace").splitlines(), "the list")
    file = Path(path)
    if not file.is_file():
        raise InputError(f"source list {path} does not exist; check the path given to ⟨from⟩")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read source list {path} ({exc}); save it as UTF-8 text") from exc
    return read_list(text.splitlines(), f"source list {path}")


def expand(sources: Sequence[str], outdir: Path) -> list[BatchSource]:
    """Folders become their article files (not recursive, sorted); files and URLs stay as
    given, even a missing file, which fails on its own. Repeats are dropped."""
    out: list[BatchSource] = []
    for text in sources:
        path = Path(text).expanduser()
        if not is_url(text) and path.is_dir():
            if path.resolve() == outdir.resolve():
                raise InputError(
                    f"{text} is the output folder; its briefs would be read as articles. "
                    "Choose another ⟨output⟩ folder"
                )
            found = article_files(path)
            if not found:
                raise InputError(
                    f"folder {text} holds no articles ({', '.join(ARTICLE_SUFFIXES)} files); "
                    "pass article files, URLs or another folder"
                )
            out += [make_source(str(p)) for p in found]
        else:
            out.append(make_source(text))
    return list({source.ident: source for source in out}.values())


def slugify(text: str) -> str:
    """`text` as a file name: lower case, words joined by '-', at most NAME_CHARS.

    Letters of every script are kept (an Arabic title keeps its words); only what is not
    a letter or digit becomes a separator.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = re.sub(r"(?<=\w)['’](?=\w)", "", folded)  # "Assad's" -> "assads", not "assad-s"
    slug = re.sub(r"[\W_]+", "-", folded).strip("-")
    if len(slug) > NAME_CHARS:
        cut = slug[:NAME_CHARS]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[NAME_CHARS // 2 :] else cut
    return slug.strip("-")
