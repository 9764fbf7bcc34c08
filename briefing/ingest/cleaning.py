"""Cleaning per format: plain text and Markdown by lines, HTML through trafilatura.

Each cleaner returns the article's paragraphs and records in `Findings` what it learned
on the way: title, author, dates, notes, and every line it removed with the reason, so
`briefing inspect` can show that no sentence was lost. Both formats share the chrome rules
of `briefing.ingest.chrome`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from briefing.ingest.chrome import (
    DATE_PATTERN,
    ChromeHit,
    iso_timestamp,
    match_chrome_rule,
    parse_date,
)
from briefing.ingest.sources import looks_like_html


@dataclass(frozen=True)
class RemovedLine:
    line_no: int  # 1-based line number in the decoded source (0 for HTML boilerplate)
    text: str
    reason: str  # e.g. "view counter", "reading time", "page chrome (trafilatura)"


@dataclass
class Findings:
    """What cleaning learned about the article besides its paragraphs."""

    title: str | None = None
    author: str | None = None
    published: str | None = None
    retrieved: str | None = None
    notes: list[str] = field(default_factory=list)
    removed: list[RemovedLine] = field(default_factory=list)

    def record_chrome(self, line_no: int, line: str, hit: ChromeHit) -> None:
        """Note the removed line, and the metadata its rule's named groups caught."""
        self.removed.append(RemovedLine(line_no, line, hit[0].reason))
        found = {k: v for k, v in hit[1].groupdict().items() if v}
        if "today" in found and self.retrieved is None:
            self.retrieved = parse_date(found["today"])
            if self.retrieved:
                self.notes.append(f"retrieval date {self.retrieved} is the page's 'Today:' date")
        if "published" in found and self.published is None:
            self.published = parse_date(found["published"])
        if "author" in found and self.author is None:
            self.author = found["author"]
        if "age" in found:
            self.notes.append(
                f"'{found['age']}' on the page is relative to an unknown date, "
                "so it gives no publication date"
            )


# --- Plain text and Markdown ----------------------------------------------------------------

_MD_HEADING = re.compile(r"\s{0,3}(#{1,6})\s+(.*)\Z")  # closing #s: _strip_markdown
_MD_PREFIX = re.compile(r"\s{0,3}(?:>\s?)*(?P<item>(?:[-*+]|\d{1,3}[.)])\s+(?=\S))?")
_MD_DROP = re.compile(r"\s*(?:\[[^\]]+\]:\s*\S+.*|!\[[^\]]*\]\([^)]*\)|<!--.*-->)\s*\Z")
# Markup that is not content goes, so quotes can be matched verbatim against the text. No
# span runs past a marker like its own ("[", "(", "**", "*", "_" between words), so an
# unclosed marker costs a scan to the next marker, not to the line's end: linear cleaning.
_MD_INLINE = (
    (re.compile(r"!\[[^\[\]\n]*\]\([^()\n]*\)"), ""),
    (re.compile(r"\[([^\[\]\n]+)\]\([^()\n]*\)|\[([^\[\]\n]+)\]\[[^\[\]\n]*\]"), r"\1\2"),
    (re.compile(r"<(https?://[^<>\s]+)>|`([^`\n]+)`"), r"\1\2"),
    (re.compile(r"(?<![\w\\])\*\*(?=\S)((?:[^*\n]|\*(?!\*))+?)(?<=[^\s\\])\*\*"), r"\1"),
    (re.compile(r"(?<![\w\\])__(?=\S)((?:[^_\n]|_(?!_))+?)(?<=[^\s\\])__"), r"\1"),
    (re.compile(r"(?<![\w*\\])\*(?=\S)([^*\n]+?)(?<=[^\s\\])\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w\\])_(?=\S)((?:[^_\n]|(?<=\w)_(?=\w))+?)(?<=[^\s\\])_(?!\w)"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!>~|])"), r"\1"),
)
_WRAP_WIDTH = 100  # a block made only of lines this short is hard-wrapped prose
_DATELINE = re.compile(rf"[A-Z][A-Za-z .'’-]{{1,40}},\s*(?P<date>(?i:{DATE_PATTERN}))\s*[—–(-]")


def _strip_markdown(line: str) -> tuple[str, str]:
    """Return (text, kind): kind is "h1", "heading", "item" or "text"."""
    if heading := _MD_HEADING.match(line):
        text = heading.group(2).rstrip()
        if (bare := text.rstrip("#")) != text and (not bare or bare[-1].isspace()):
            text = bare  # "## Title ##": the closing #s are markup
        line, kind = text, ("h1" if len(heading.group(1)) == 1 else "heading")
    else:
        prefix = _MD_PREFIX.match(line)
        kind = "item" if prefix and prefix.group("item") else "text"
        line = line[prefix.end() :] if prefix else line
    for pattern, replacement in _MD_INLINE:
        line = pattern.sub(replacement, line)
    return line.strip(), kind


def _block_paragraphs(block: list[str]) -> list[str]:
    # Short lines only: hard-wrapped prose, joined. Otherwise (e.g. a headline right above
    # a long paragraph line) every line is its own paragraph.
    if len(block) > 1 and all(len(line) <= _WRAP_WIDTH for line in block):
        return [" ".join(block)]
    return list(block)


def _looks_like_headline(text: str) -> bool:
    words = text.split()
    return 3 <= len(words) <= 30 and len(text) <= 200 and text.rstrip("\"'”’")[-1] not in ".,;:"


_FRONT_MATTER_KEY = re.compile(r"(?P<key>[A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(?P<value>.*))?\Z")
_FRONT_MATTER_FIELDS = {
    "title": "title",
    "date": "published",
    "published": "published",
    "author": "author",
}


def _front_matter_end(lines: list[str]) -> int:
    """The index of the line closing leading YAML front matter ("---", "key: value" lines,
    "---" or "..."); 0 when the text does not start with front matter."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for end, line in enumerate(lines[1:100], 1):
        if line.rstrip() in ("---", "..."):
            return end if any(_FRONT_MATTER_KEY.match(key) for key in lines[1:end]) else 0
        if line.strip() and not (
            line[0].isspace() or line[0] in "-#" or _FRONT_MATTER_KEY.match(line)
        ):
            return 0  # prose between two rules, not metadata
    return 0


def _yaml_value(value: str) -> str:
    """A scalar, quoted or not, or a flow list ("[Jane Doe, John Roe]") as "a, b"."""
    items = value[1:-1].split(",") if value[:1] == "[" and value[-1:] == "]" else [value]
    return ", ".join(re.sub(r"\A(['\"])(.*)\1\Z", r"\2", v.strip()) for v in items if v.strip())


def _read_front_matter(lines: list[str], found: Findings) -> int:
    """Take leading YAML front matter: its title, date (when it has a year) and author go to
    `found`, its lines to the removed ones. Returns the number of lines it spans."""
    end = _front_matter_end(lines)
    for no, line in enumerate(lines[: end + 1] if end else (), 1):
        found.removed.append(RemovedLine(no, line.strip(), "front matter (metadata)"))
        key = _FRONT_MATTER_KEY.match(line)
        name = _FRONT_MATTER_FIELDS.get(key["key"].lower(), "") if key else ""
        value = _yaml_value(key["value"] or "") if key and name else ""
        if value and getattr(found, name) is None:
            setattr(found, name, iso_timestamp(value) if name == "published" else value)
    return end + 1 if end else 0


def clean_lines(text: str, fmt: str, found: Findings) -> list[str]:
    """The paragraphs of plain text or Markdown (`fmt` "text" or "markdown")."""
    paragraphs: list[str] = []
    block: list[str] = []
    block_kind = "text"  # the kind of block[0]
    lines = text.splitlines()
    start = _read_front_matter(lines, found) if fmt == "markdown" else 0
    for no, raw in enumerate([*lines[start:], ""], start + 1):  # the "" flushes the end
        line, kind = raw.strip(), "text"
        setext = fmt == "markdown" and len(block) == 1 and block_kind == "text"
        if fmt == "markdown" and _MD_DROP.match(line):
            found.removed.append(RemovedLine(no, line, "link, image or comment (markup)"))
            line = ""
        elif setext and re.fullmatch(r"=+|-+", line):  # "Title" over "===" is an h1, "---" h2
            line, kind = block.pop(), ("h1" if line[0] == "=" else "heading")
        elif fmt == "markdown" and line and not match_chrome_rule(line):
            line, kind = _strip_markdown(line)  # chrome first: "* * *" is a rule, not a list
        if line and (hit := match_chrome_rule(line)):
            found.record_chrome(no, raw.strip(), hit)
            line = ""  # a removed line ends a paragraph, like a blank line
        if not line or kind != "text":
            paragraphs += _block_paragraphs(block)
            block.clear()
        if line and kind in ("h1", "heading"):
            paragraphs.append(line)  # headings stand alone
            found.title = found.title or (line if kind == "h1" else None)
        elif line:
            block_kind = block_kind if block else kind
            block.append(line)
    # A lone paragraph is the article itself, never its headline.
    if found.title is None and len(paragraphs) > 1 and _looks_like_headline(paragraphs[0]):
        found.title = paragraphs[0]
    for para in paragraphs[:3]:  # a dateline counts only when it has a year
        dateline = _DATELINE.match(para)
        if found.published is None and dateline:
            found.published = parse_date(dateline.group("date"))
    return paragraphs


# --- HTML -----------------------------------------------------------------------------------

_SKIP_TAGS = {"script", "style", "noscript", "template", "title", "svg"}
_BLOCK_TAGS = set(
    "p div li ul ol h1 h2 h3 h4 h5 h6 header footer nav aside section article main figure "
    "figcaption blockquote pre table tr td th form button br dt dd label".split()
)
_PUBLISHED_META = (
    "article:published_time og:published_time datepublished pubdate publishdate "
    "publication_date dc.date.issued dcterms.issued dc.date dcterms.date date"
).split()


class _PageScan(HTMLParser):
    """Visible text lines, <meta> values and publication <time> stamps of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.times: list[tuple[int, str]] = []  # (0: marked as published, 1: in <article>)
        self._parts: list[str] = []
        self._depth = {"skip": 0, "article": 0}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key.lower(): value or "" for key, value in attrs}
        key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
        if tag == "meta" and key and a.get("content"):
            self.meta.setdefault(key, a["content"])
        marked = a.get("itemprop", "").lower() == "datepublished" or "pubdate" in a
        # An unmarked <time> outside the article (a header clock) is not a publication date.
        if tag == "time" and a.get("datetime") and (marked or self._depth["article"]):
            self.times.append((0 if marked else 1, a["datetime"]))
        self._track_depth(tag, 1)

    def handle_endtag(self, tag: str) -> None:
        self._track_depth(tag, -1)

    def _track_depth(self, tag: str, step: int) -> None:
        kind = "skip" if tag in _SKIP_TAGS else "article" if tag == "article" else None
        if kind:
            self._depth[kind] = max(0, self._depth[kind] + step)
        if tag in _BLOCK_TAGS:
            self._parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._depth["skip"]:
            self._parts.append(data)

    def lines(self) -> list[str]:
        return [" ".join(ln.split()) for ln in "".join(self._parts).splitlines() if ln.strip()]

    def published(self) -> str | None:
        candidates = [self.meta[key] for key in _PUBLISHED_META if key in self.meta]
        candidates += [stamp for _, stamp in sorted(self.times)]
        return next((iso for value in candidates if (iso := iso_timestamp(value))), None)


def clean_html(html: str, found: Findings) -> list[str]:
    """The paragraphs of the article in an HTML page."""
    # Imported here: loading a text article, and the CLI's start-up, do without it.
    import trafilatura

    # extensive_search=False: metadata only. Its text heuristics would take a "Today:"
    # banner or a comment's date for the publication date.
    doc: Any = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    scan = _PageScan()
    scan.feed(html)
    scan.close()
    found.title = (doc and doc.title) or scan.meta.get("og:title") or None
    found.author = (doc and doc.author) or scan.meta.get("author") or None
    found.published = scan.published()
    lines = (" ".join(raw.split()) for raw in ((doc and doc.text) or "").splitlines())
    paragraphs = [line for line in lines if line and not match_chrome_rule(line)]
    # Report each visible line left out of the text, with the rule that explains it when
    # there is one, so readers can see what the extractor dropped.
    kept, kept_text = {found.title, *paragraphs}, "\n".join(paragraphs)
    for line in scan.lines():
        if line in kept or (len(line) >= 25 and line in kept_text):
            continue
        if hit := match_chrome_rule(line):
            found.record_chrome(0, line, hit)
        else:
            found.removed.append(RemovedLine(0, line, "page chrome (trafilatura)"))
    guessed = doc is not None and doc.date and iso_timestamp(doc.date)
    # The extractor's date may come from a header clock: a date the page shows as today's
    # is when it was saved, never when it was published.
    if found.published is None and guessed and guessed != found.retrieved:
        found.published = guessed
    return paragraphs


def sniff_format(text: str) -> str:
    """The format, "html", "markdown" or "text", of a source whose name does not say."""
    if looks_like_html(text):
        return "html"
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    return "markdown" if _MD_HEADING.match(first) or _front_matter_end(lines) else "text"
