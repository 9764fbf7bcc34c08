"""Prompt registry: versioned folders of Jinja templates, rendered strictly, locked by hash.

Each version is a folder `prompts/<id>/` with `prompt.toml` (id, description, date,
released, max_output_tokens, evidence, [sampling]) and the templates `system.j2`,
`extract.j2`, `merge.j2`. `evidence = "reference"` makes the extraction template see the
article as numbered sentences and the model cite their numbers
(`briefing.engines.evidence`); the default, "quote", has it copy quotes.
`prompts/lock.json` holds the sha256 of every released version: new wording
means a new version, never an edit of a released one.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import re
import shutil
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from briefing.budgets import BUDGETS, Budgets, item_limits
from briefing.errors import PromptError
from briefing.resources import data_dir

TEMPLATE_FILES = ("system.j2", "extract.j2", "merge.j2")
EVIDENCE_QUOTE = "quote"
EVIDENCE_REFERENCE = "reference"
DEFAULT_BRIEF_LANGUAGE = "English"
CALLS_ONE = "one"
# One extraction call per section, each with a small schema: the template sees `section`
# ("situation", "actors", "humanitarian", "outlook"); small models answer narrower
# questions better, and servers with several slots run the calls side by side.
CALLS_PER_SECTION = "per-section"
METADATA_FILE = "prompt.toml"
LOCK_FILE = "lock.json"
_VERSION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class PromptVersion:
    id: str
    description: str
    date: str
    released: bool
    max_output_tokens: int
    sampling: dict[str, Any]
    evidence: str  # EVIDENCE_QUOTE or EVIDENCE_REFERENCE
    calls: str  # CALLS_ONE or CALLS_PER_SECTION: extraction calls per chunk
    # The most items per list this version asks for (`[limits]` in prompt.toml, over the
    # page's own limits): printed by the templates as `limits.<list>`, and sent as
    # `maxItems` to servers that decode by a grammar.
    limits: dict[str, int]
    templates: dict[str, str]
    sha256: str
    path: Path


def prompts_root(root: Path | None = None) -> Path:
    return root if root is not None else data_dir("prompts")


def version_hash(folder: Path) -> str:
    """sha256 over the metadata and template files (names and bytes), in a fixed order."""
    digest = hashlib.sha256()
    for name in (METADATA_FILE, *TEMPLATE_FILES):
        digest.update(name.encode() + b"\0")
        digest.update((folder / name).read_bytes() + b"\0")
    return digest.hexdigest()


def list_versions(root: Path | None = None) -> list[str]:
    base = prompts_root(root)
    if not base.is_dir():
        return []
    found = [p.name for p in base.iterdir() if (p / METADATA_FILE).is_file()]
    return sorted(found, key=_natural_key)


def _natural_key(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def load_version(version: str, root: Path | None = None) -> PromptVersion:
    folder = prompts_root(root) / version
    if not _VERSION_ID.match(version) or not (folder / METADATA_FILE).is_file():
        known = ", ".join(list_versions(root)) or "none"
        raise PromptError(f"unknown prompt version {version!r}; known versions: {known}")
    # Read again only when a file changed (a batch loads the version for every article;
    # an edit, even within the same second, changes the size or the nanosecond mtime).
    return _load_version(version, folder, _stamp(folder))


def _stamp(folder: Path) -> tuple[tuple[int, int], ...]:
    stamps = []
    for name in (METADATA_FILE, *TEMPLATE_FILES):
        try:
            info = (folder / name).stat()
        except OSError:
            return ()  # a file is missing: read (and fail) every time
        stamps.append((info.st_mtime_ns, info.st_size))
    return tuple(stamps)


@lru_cache(maxsize=64)
def _cached_version(
    version: str, folder: Path, stamp: tuple[tuple[int, int], ...]
) -> PromptVersion:
    return _read_version(version, folder)


def _load_version(version: str, folder: Path, stamp: tuple[tuple[int, int], ...]) -> PromptVersion:
    if not stamp:
        return _read_version(version, folder)
    return _cached_version(version, folder, stamp)


def _read_version(version: str, folder: Path) -> PromptVersion:
    try:
        meta = tomllib.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
        templates = {name: (folder / name).read_text(encoding="utf-8") for name in TEMPLATE_FILES}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PromptError(f"prompt version {version} is malformed ({exc}); fix {folder}") from exc
    if meta.get("id") != version:
        raise PromptError(
            f"{folder / METADATA_FILE}: id must be {version!r}, not {meta.get('id')!r}"
        )
    calls = str(meta.get("calls", CALLS_ONE))
    if calls not in (CALLS_ONE, CALLS_PER_SECTION):
        raise PromptError(
            f"{folder / METADATA_FILE}: calls must be {CALLS_ONE!r} or {CALLS_PER_SECTION!r}, "
            f"not {calls!r}"
        )
    limits = item_limits()
    unknown = sorted(set(meta.get("limits", {})) - set(limits))
    if unknown:
        raise PromptError(
            f"{folder / METADATA_FILE}: unknown [limits] {', '.join(unknown)}; known: "
            f"{', '.join(sorted(limits))}"
        )
    limits |= {k: int(v) for k, v in meta.get("limits", {}).items()}
    evidence = str(meta.get("evidence", EVIDENCE_QUOTE))
    if evidence not in (EVIDENCE_QUOTE, EVIDENCE_REFERENCE):
        raise PromptError(
            f"{folder / METADATA_FILE}: evidence must be {EVIDENCE_QUOTE!r} or "
            f"{EVIDENCE_REFERENCE!r}, not {evidence!r}"
        )
    return PromptVersion(
        id=version,
        description=str(meta.get("description", "")),
        date=str(meta.get("date", "")),
        released=bool(meta.get("released", False)),
        max_output_tokens=int(meta.get("max_output_tokens", 4096)),
        sampling=dict(meta.get("sampling", {})),
        evidence=evidence,
        calls=calls,
        limits=limits,
        templates=templates,
        sha256=version_hash(folder),
        path=folder,
    )


def rendering_fingerprint(version: PromptVersion) -> str:
    """sha256 of everything that shapes a version's rendered messages: its files and the
    page budgets the templates print. Cassette entries carry it, so `cassettes check`
    notices a budget change that the lock (files only) does not."""
    return _fingerprint(version.sha256, BUDGETS)


@lru_cache(maxsize=64)
def _fingerprint(files_sha256: str, budgets: Budgets) -> str:
    text = json.dumps(dataclasses.asdict(budgets), sort_keys=True)
    return hashlib.sha256(f"{files_sha256}\n{text}".encode()).hexdigest()


def article_delimiter(text: str) -> str:
    """A delimiter line the article cannot contain, so the article cannot close its block.

    Derived from the text's hash (deterministic, so cassettes replay); lengthened in
    the practically impossible case that the text contains it.
    """
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    size = 12
    while f"ARTICLE-{digest[:size]}" in text and size < len(digest):
        size += 4
    return f"<<<ARTICLE-{digest[:size]}>>>"


@lru_cache(maxsize=64)
def _compiled(source: str) -> Any:
    """Compile a template once per run; a map-reduce renders the same ones many times."""
    from jinja2 import Environment, StrictUndefined

    # Prompts are plain text, not HTML: autoescape off is deliberate here.
    env = Environment(undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False)
    return env.from_string(source)


def render(version: PromptVersion, template: str, **variables: Any) -> str:
    """Render one template with StrictUndefined: a missing variable is an error."""
    from jinja2 import UndefinedError

    try:
        source = _compiled(version.templates[template])
        return str(source.render(budgets=BUDGETS, limits=version.limits, **variables))
    except UndefinedError as exc:
        raise PromptError(
            f"prompt {version.id}/{template}: {exc.message}; fix the template"
        ) from exc


_TITLE_PROBE = "TITLE-PROBE-7f3a9c"


@lru_cache(maxsize=64)
def _title_inside_block(source: str) -> bool:
    """Whether a template puts the article title only inside the delimited data block.

    The title is article data (a page's og:title can say anything), so a template that
    prints it among the instructions (v1 and v2 did, and released versions never change)
    is rendered with an empty title: the cleaned article starts with its title anyway,
    inside the block. The template is rendered with a probe title and with none; if the
    text outside the block differs, the title (or something made from it, `title|upper`)
    leaks out."""
    from jinja2 import UndefinedError

    delimiter = "<<<ARTICLE-PROBE>>>"

    def outside(title: str) -> list[str]:
        text = _compiled(source).render(
            budgets=BUDGETS,
            limits=item_limits(),
            title=title,
            text="article text",
            sentences=[],
            partials="[]",
            part_count=2,
            chunk_index=0,
            chunk_count=1,
            brief_language=DEFAULT_BRIEF_LANGUAGE,
            delimiter=delimiter,
        )
        return str(text).split(delimiter)[0::2]  # the parts between blocks

    try:
        return outside(_TITLE_PROBE) == outside("")
    except UndefinedError:
        return False  # the real rendering reports the missing variable


def _safe_title(version: PromptVersion, template: str, title: str, delimiter: str) -> str:
    """The title when the template keeps it inside the data block and it cannot close
    that block itself; otherwise nothing (the article text starts with the title)."""
    inside = _title_inside_block(version.templates[template])
    return title if inside and delimiter not in title else ""


def uses_variable(version: PromptVersion, name: str) -> bool:
    """Whether any template of the version reads the variable `name` (v1 and v2 do not
    read `brief_language`: they always ask for English)."""
    return any(name in _variables(source) for source in version.templates.values())


@lru_cache(maxsize=64)
def _variables(source: str) -> frozenset[str]:
    from jinja2 import Environment, meta

    return frozenset(meta.find_undeclared_variables(Environment().parse(source)))


def extraction_messages(
    version: PromptVersion,
    *,
    title: str,
    text: str,
    chunk_index: int,
    chunk_count: int,
    sentences: list[tuple[str, str]] | None = None,
    brief_language: str = DEFAULT_BRIEF_LANGUAGE,
    section: str | None = None,
) -> tuple[dict[str, str], ...]:
    """The messages of one extraction call. `sentences` are (id, text) pairs of the chunk
    for versions that cite by reference; `brief_language` is the language the brief is
    written in (quotes stay in the article's). Templates may ignore both."""
    numbered = [{"id": sentence_id, "text": body} for sentence_id, body in sentences or []]
    delimiter = article_delimiter(text)
    user = render(
        version,
        "extract.j2",
        title=_safe_title(version, "extract.j2", title, delimiter),
        text=text,
        sentences=numbered,
        section=section,
        chunk_index=chunk_index,
        chunk_count=chunk_count,
        brief_language=brief_language,
        delimiter=delimiter,
    )
    return (
        {"role": "system", "content": render(version, "system.j2", brief_language=brief_language)},
        {"role": "user", "content": user},
    )


def partials_json(partials: list[dict[str, Any]]) -> str:
    """Compact JSON, one partial per line: readable in a cassette, cheap in tokens."""
    lines = (json.dumps(p, ensure_ascii=False, separators=(",", ":")) for p in partials)
    return "[\n" + ",\n".join(lines) + "\n]"


def merge_messages(
    version: PromptVersion,
    *,
    title: str,
    partials: list[dict[str, Any]],
    brief_language: str = DEFAULT_BRIEF_LANGUAGE,
) -> tuple[dict[str, str], ...]:
    data = partials_json(partials)
    delimiter = article_delimiter(data)
    user = render(
        version,
        "merge.j2",
        title=_safe_title(version, "merge.j2", title, delimiter),
        partials=data,
        part_count=len(partials),
        brief_language=brief_language,
        delimiter=delimiter,
    )
    return (
        {"role": "system", "content": render(version, "system.j2", brief_language=brief_language)},
        {"role": "user", "content": user},
    )


# --- lock -----------------------------------------------------------------------------


def read_lock(root: Path | None = None) -> dict[str, str]:
    return {name: str(entry) for name, entry in _lock_data(root).get("released", {}).items()}


def read_file_hashes(root: Path | None = None) -> dict[str, dict[str, str]]:
    """The sha256 of each file of each released version, where the lock records them
    (versions released before it did have only their combined hash)."""
    files = _lock_data(root).get("files", {})
    return {str(v): {str(k): str(h) for k, h in hashes.items()} for v, hashes in files.items()}


def _lock_data(root: Path | None) -> dict[str, Any]:
    path = prompts_root(root) / LOCK_FILE
    try:
        info = path.stat()
    except OSError:
        return {}
    if not path.is_file():
        return {}
    # Parsed again only when the file changes (a batch checks the lock for every article).
    return dict(_parsed_lock(path, info.st_mtime_ns, info.st_size))


@lru_cache(maxsize=8)
def _parsed_lock(path: Path, mtime_ns: int, size: int) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        data = str(exc)
    if not isinstance(data, dict):
        raise PromptError(f"{path} is not a readable lock file; restore it from version control")
    return data


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of each file that `version_hash` covers, by name."""
    return {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
        for name in (METADATA_FILE, *TEMPLATE_FILES)
    }


def write_lock(
    lock: dict[str, str], root: Path | None = None, files: dict[str, dict[str, str]] | None = None
) -> None:
    path = prompts_root(root) / LOCK_FILE
    order = lambda kv: _natural_key(kv[0])  # noqa: E731
    body: dict[str, Any] = {
        "comment": "sha256 of every released prompt version; released versions never change",
        "released": dict(sorted(lock.items(), key=order)),
    }
    files = {**read_file_hashes(root), **(files or {})}
    if files:
        body["files"] = dict(sorted(files.items(), key=order))
    path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")


def changed_after_release(version: PromptVersion, root: Path | None = None) -> str | None:
    """Why `version` may not be used as released, or None when its files match the lock.

    The message names the files that changed (when the lock records each file's hash)
    and the fix: restore them, and put new wording in a new version.
    """
    locked = read_lock(root).get(version.id)
    if locked is None or locked == version.sha256:
        return None
    recorded = read_file_hashes(root).get(version.id, {})
    current = file_hashes(version.path)
    changed = [name for name, digest in current.items() if recorded.get(name) != digest]
    listed = ", ".join(str(version.path / name) for name in changed or current)
    what = "changed" if recorded else "are locked together; one or more changed"
    return (
        f"prompt {version.id} changed after release ({listed} {what}; "
        f"lock {locked[:12]}, files {version.sha256[:12]}); restore the released files "
        f"and put new wording in a new version: `briefing prompts new NEW --from {version.id}`"
    )


def usable_version(version: str, root: Path | None = None) -> PromptVersion:
    """`load_version` for a run: a released version whose files no longer match the lock
    is refused (PromptError), since its output would carry the released name."""
    loaded = load_version(version, root)
    if problem := changed_after_release(loaded, root):
        raise PromptError(problem)
    return loaded


def lock_problems(root: Path | None = None) -> list[str]:
    """Released versions whose files no longer match the lock, or that are not locked."""
    lock = read_lock(root)
    problems = []
    for name in list_versions(root):
        version = load_version(name, root)
        if problem := changed_after_release(version, root):
            problems.append(problem)
        elif version.released and name not in lock:
            problems.append(
                f"prompt {name} is released but not locked; run `briefing prompts release {name}`"
            )
    for name in sorted(set(lock) - set(list_versions(root))):
        problems.append(f"locked prompt {name} is missing from {prompts_root(root)}")
    return problems


def release_version(version: str, root: Path | None = None) -> PromptVersion:
    """Mark a draft as released and record its hash in the lock."""
    folder = prompts_root(root) / version
    current = load_version(version, root)
    lock = read_lock(root)
    if current.released:
        raise PromptError(f"prompt {version} is already released; create a new version instead")
    meta_path = folder / METADATA_FILE
    meta_text = meta_path.read_text(encoding="utf-8")
    meta_path.write_text(
        re.sub(r"(?m)^released\s*=.*$", "released = true", meta_text), encoding="utf-8"
    )
    released = load_version(version, root)
    lock[version] = released.sha256
    write_lock(lock, root, {version: file_hashes(released.path)})
    return released


def new_version(version: str, source: str, root: Path | None = None) -> PromptVersion:
    """Copy `source` to a new draft version `version` (unreleased, dated today)."""
    if not _VERSION_ID.match(version):
        raise PromptError(f"invalid version name {version!r}; use letters, digits, '.', '_', '-'")
    base = load_version(source, root)
    target = prompts_root(root) / version
    if target.exists():
        raise PromptError(f"prompt version {version} already exists at {target}; pick another name")
    shutil.copytree(base.path, target)
    meta = (target / METADATA_FILE).read_text(encoding="utf-8")
    meta = re.sub(r"(?m)^id\s*=.*$", f'id = "{version}"', meta)
    meta = re.sub(r"(?m)^date\s*=.*$", f'date = "{date.today().isoformat()}"', meta)
    meta = re.sub(r"(?m)^released\s*=.*$", "released = false", meta)
    meta = re.sub(
        r"(?m)^description\s*=.*$",
        f'description = "Draft copied from {source}; describe the change."',
        meta,
    )
    (target / METADATA_FILE).write_text(meta, encoding="utf-8")
    return load_version(version, root)


def diff_versions(a: str, b: str, root: Path | None = None) -> str:
    """Unified diff of two versions' metadata and templates."""
    first, second = load_version(a, root), load_version(b, root)
    parts: list[str] = []
    for name in (METADATA_FILE, *TEMPLATE_FILES):
        left = (first.path / name).read_text(encoding="utf-8").splitlines(keepends=True)
        right = (second.path / name).read_text(encoding="utf-8").splitlines(keepends=True)
        parts.extend(difflib.unified_diff(left, right, f"{a}/{name}", f"{b}/{name}"))
    return "".join(line if line.endswith("\n") else line + "\n" for line in parts)
