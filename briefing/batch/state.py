"""What a batch keeps in its output folder so that a second run resumes the first.

OUTDIR/
  <name>.html, <name>.json ...   the briefs, in the chosen formats
  index.html, index.json         every article of the last run
  .briefing/
    lock                         held while a batch writes here (one at a time)
    names.json                   source key -> output name, so names never move
    articles/<key>.json          a finished article: its resume key, outputs, document
    cassettes/<key>.json         its model calls, saved as each one finishes

An article is skipped when its state's resume key (cleaned text, engine, model, prompt
version and hash, schema, strict grounding) equals the current one; its missing formats
are rendered from the stored document. A call that succeeded is never repeated: the
pipeline replays it from the article's cassette.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefing.batch.sources import BatchSource, slugify
from briefing.errors import OutputError
from briefing.files import write_atomically
from briefing.schema import BriefDocument

STATE_DIR = ".briefing"
STATE_FORMAT = "briefing-batch-article/1"
RESERVED_NAMES = frozenset({"index"})


@dataclass(frozen=True)
class ArticleState:
    key: dict[str, Any]
    name: str
    outputs: dict[str, str]  # format -> file name in OUTDIR
    document: BriefDocument


class OutDir:
    """The output folder of a batch and its private state."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.state = path / STATE_DIR
        self._names: dict[str, str] = {}

    def prepare(self) -> None:
        if self.path.exists() and not self.path.is_dir():
            raise OutputError(f"{self.path} is a file; ⟨output⟩ must be a folder")
        try:
            for folder in (self.state / "articles", self.state / "cassettes"):
                folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"cannot create {self.path} ({exc.strerror}); check the path and permissions"
            ) from None
        names = self.state / "names.json"
        if names.is_file():
            try:
                self._names = dict(json.loads(names.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                self._names = {}  # rebuilt as articles are named again

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold OUTDIR for this process: two batches writing one folder would mix up
        their names and their index."""
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock, as before
            yield
            return
        handle = open(self.state / "lock", "a+")  # noqa: SIM115 - held for the whole run
        try:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise OutputError(
                    f"{self.path} is being written by another briefing batch; wait for it to "
                    "finish, or choose another ⟨output⟩ folder"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield
        finally:
            handle.close()

    # --- names ------------------------------------------------------------------------

    def name_for(self, source: BatchSource, title: str | None) -> str:
        """The article's output name: kept from earlier runs, else its title's slug (its
        file or URL stem without one), made unique with the source's key."""
        if source.key in self._names:
            return self._names[source.key]
        base = slugify(title or "") or slugify(source.stem) or "article"
        taken = set(self._names.values())
        name = base
        if base in RESERVED_NAMES or base in taken:
            name = f"{base}-{source.key[:6]}"
        self._names[source.key] = name
        return name

    def save_names(self) -> None:
        text = json.dumps(self._names, indent=1, sort_keys=True, ensure_ascii=False)
        write_atomically(self.state / "names.json", text.encode("utf-8"))

    # --- per article ----------------------------------------------------------------------

    def cassette(self, source: BatchSource) -> Path:
        return self.state / "cassettes" / f"{source.key}.json"

    def _article(self, source: BatchSource) -> Path:
        return self.state / "articles" / f"{source.key}.json"

    def load(self, source: BatchSource) -> ArticleState | None:
        """The article's state from an earlier run, or None (none, or unreadable)."""
        path = self._article(source)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != STATE_FORMAT:
                return None
            return ArticleState(
                key=data["key"],
                name=data["name"],
                outputs=dict(data["outputs"]),
                document=BriefDocument.model_validate(data["document"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None  # an unreadable state only costs a regeneration from the cassette

    def save(self, source: BatchSource, state: ArticleState) -> None:
        body = {
            "format": STATE_FORMAT,
            "source": source.ident,
            "key": state.key,
            "name": state.name,
            "outputs": state.outputs,
            "document": state.document.model_dump(mode="json"),
        }
        text = json.dumps(body, ensure_ascii=False)
        write_atomically(self._article(source), text.encode("utf-8"))
