"""Load an article from a file, stdin or URL; clean it; keep paragraphs with offsets.

A source is a path (.txt, .md, .html/.htm; other text files are read by their content),
"-" for standard input, or an http(s) URL; briefing.ingest.sources reads and decodes it. HTML is
reduced to the article with trafilatura. Plain text and Markdown lose their page chrome
(view counters, share buttons, comment forms...) through the whole-line rules in
CHROME_RULES, and every removed line records the rule that removed it, so a reader can
check that no sentence was lost.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, BinaryIO

from briefing.config import DEFAULT_MAX_BYTES
from briefing.errors import InputError
from briefing.ingest.sources import looks_like_html, read_source


@dataclass(frozen=True)
class Paragraph:
    text: str
    start: int  # character offset in Article.text
    end: int


@dataclass(frozen=True)
class RemovedLine:
    line_no: int  # 1-based line number in the decoded source (0 for HTML boilerplate)
    text: str
    reason: str  # e.g. "view counter", "reading time", "page chrome (trafilatura)"


@dataclass(frozen=True)
class Article:
    source: str  # path, "-" or URL as given
    title: str | None
    text: str  # cleaned text; the title is its first paragraph when present
    paragraphs: tuple[Paragraph, ...]
    sha256: str  # of `text` (UTF-8)
    format: str  # "text", "markdown" or "html"
    published: str | None = None  # ISO date/datetime from the page; never a "Today:" banner
    retrieved: str | None = None  # ISO date: a "Today: <date>" banner, else time of loading
    author: str | None = None
    removed: tuple[RemovedLine, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())  # e.g. "decoded as cp1252"

    @property
    def word_count(self) -> int:
        return len(self.text.split())


def make_article(
    source: str,
    paragraphs_text: list[str],
    *,
    title: str | None,
    format: str,
    published: str | None = None,
    retrieved: str | None = None,
    author: str | None = None,
    removed: tuple[RemovedLine, ...] = (),
    notes: tuple[str, ...] = (),
) -> Article:
    """Build an Article from cleaned paragraphs (joined by blank lines, offsets computed)."""
    paragraphs: list[Paragraph] = []
    pos = 0
    for text in paragraphs_text:
        paragraphs.append(Paragraph(text=text, start=pos, end=pos + len(text)))
        pos += len(text) + 2
    joined = "\n\n".join(paragraphs_text)
    return Article(
        source=source,
        title=title,
        text=joined,
        paragraphs=tuple(paragraphs),
        sha256=hashlib.sha256(joined.encode("utf-8")).hexdigest(),
        format=format,
        published=published,
        retrieved=retrieved or datetime.now(UTC).date().isoformat(),
        author=author,
        removed=removed,
        notes=notes,
    )


# --- Chrome rules ---------------------------------------------------------------------------
# Every pattern must match a WHOLE (stripped) line, case-insensitively, so a body sentence
# that merely mentions "share" or "views" stays. Named groups feed metadata: `today` is the
# retrieval date, `published` a publication date, `age` a relative age, `author` a byline.
# Each stretch of a line must match in ONE way only, or a near-miss line backtracks
# exponentially: never `\s*X?\s*` (write `\s*(?:X\s*)?`), and separators are never empty.


@dataclass(frozen=True)
class ChromeRule:
    pattern: re.Pattern[str]
    reason: str


_DATE = (
    r"(?:[a-z]+day,?\s+)?(?:[a-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+[a-z]{3,9}\.?,?\s+\d{4}|\d{4}-\d{2}-\d{2})"
)
_CLOCK = r"(?:\s*(?:(?:at|,)\s*)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*[a-z]{2,5})?)?"
_AGE = r"(?:\d+|an?|one)\s+(?:second|minute|min|hour|hr|day|week|month|year)s?\s+ago"
_SHARE = (
    r"(?:share(?: (?:this|the) (?:article|story|post))?(?: (?:on|via|to) \w+)?|tweet|e-?mail"
    r"|print|copy link|facebook|twitter|x|whatsapp|linkedin|telegram|reddit|pinterest"
    r"|follow us(?: on [\w, &]++)?)"  # possessive: the list is not split again into items
)
_SHARE_SEP = r"(?:\s*[|·•/,]\s*|\s+)"
_FOOTER_SEP = r"(?:\s*[|·•]\s*|\s+)"
_FOOTER = r"(?:privacy policy|terms of (?:use|service)|terms & conditions|cookie policy|contact us)"
_NAME = r"(?-i:[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})"  # capitalised: not "By then, ..."
_RULE_TABLE: tuple[tuple[str, str], ...] = (
    (rf"today\s*(?::\s*)?(?P<today>{_DATE})", "today's-date banner (kept as retrieval date)"),
    (
        rf"(?:first )?(?:published|posted)(?: on)?\s*(?::\s*)?(?P<published>{_DATE}){_CLOCK}",
        "publication date line",
    ),
    (rf"(?:last )?updated(?: on)?\s*(?::\s*)?{_DATE}{_CLOCK}", "update date line"),
    (rf"(?:(?:posted|updated|published)\s+)?(?P<age>{_AGE})", "relative age"),
    (
        r"\d[\d,.]*(?:\s*[km])?\s+(?:views?|reads|hits)|views?\s*(?::\s*)?\d[\d,.]*[km]?",
        "view counter",
    ),
    (
        r"(?:\d+|an?|one)\s*(?:-\s*)?(?:min|minute)s?\.?\s+read(?:ing)?(?: time)?"
        r"|reading time\s*(?::\s*)?\d+\s*(?:min|minute)s?\.?",
        "reading time",
    ),
    (rf"(?:written )?by\s+(?P<author>{_NAME})(?:\s*[·|•]\s*.*)?", "byline"),
    (
        r"advertisements?|ads?|sponsored(?: content)?|promoted(?: content)?|paid (?:content|post)"
        r"|(?:story|article) continues (?:below|after) (?:this )?(?:advertisement|ad)",
        "advertisement",
    ),
    (
        r"leave a (?:reply|comment)|post (?:a )?comment|submit comment|cancel reply"
        r"|\d+\s+comments?|comments?\s*\(\d+\)|no comments yet\.?|be the first to comment\.?"
        r"|your email address will not be published\.?(?: required fields are marked \*)?"
        r"|required fields are marked \*\.?"
        r"|save my name, email, and website in this browser for the next time i comment\.?",
        "comment form",
    ),
    (rf"{_SHARE}:?(?:{_SHARE_SEP}{_SHARE})*", "share links"),
    (
        r"subscribe(?: now| today)?!?|sign in|log ?in|register|already a subscriber\?.*"
        r"|(?:sign up for|subscribe to|get) (?:our|the) (?:[\w-]+ )?newsletters?(?: now)?[.!]?",
        "subscription or sign-in prompt",
    ),
    (
        r"(?:we|this (?:web)?site) uses? cookies\b.*|accept(?: all)?(?: cookies)?|reject all"
        r"|manage (?:cookies|preferences)|cookie (?:settings|preferences)",
        "cookie notice",
    ),
    (
        r"(?:related(?: stories| articles| posts| coverage)?|read more|read next|more stories"
        r"|recommended(?: for you)?|you (?:may|might) also like|trending(?: now)?|most read):?"
        r"|(?:also read|read also|see also|read more|related)\s*:\s*\S.*",
        "related stories",
    ),
    (r"tags?\s*:.*|filed under\s*:?.*", "tag list"),
    (
        rf"(?:©|\(c\)|copyright)\s*(?:©\s*)?\d{{4}}\b.*|all rights reserved\.?"
        rf"|{_FOOTER}(?:{_FOOTER_SEP}{_FOOTER})*",
        "site footer",
    ),
    (r"(?:[-=_*~#•·]\s*){3,}", "separator line"),
)
CHROME_RULES: tuple[ChromeRule, ...] = tuple(
    ChromeRule(re.compile(rf"(?:{pattern})\Z", re.IGNORECASE), reason)
    for pattern, reason in _RULE_TABLE
)


def _chrome(line: str) -> tuple[ChromeRule, re.Match[str]] | None:
    """The first rule that matches the whole line, with its match."""
    for rule in CHROME_RULES:
        if match := rule.pattern.match(line):
            return rule, match
    return None


@dataclass
class _Found:
    """What cleaning learned about the article besides its paragraphs."""

    title: str | None = None
    author: str | None = None
    published: str | None = None
    retrieved: str | None = None
    notes: list[str] = field(default_factory=list)
    removed: list[RemovedLine] = field(default_factory=list)

    def remove(self, line_no: int, line: str, hit: tuple[ChromeRule, re.Match[str]]) -> None:
        self.removed.append(RemovedLine(line_no, line, hit[0].reason))
        found = {k: v for k, v in hit[1].groupdict().items() if v}
        if "today" in found and self.retrieved is None:
            self.retrieved = _parse_date(found["today"])
            if self.retrieved:
                self.notes.append(f"retrieval date {self.retrieved} is the page's 'Today:' date")
        if "published" in found and self.published is None:
            self.published = _parse_date(found["published"])
        if "author" in found and self.author is None:
            self.author = found["author"]
        if "age" in found:
            self.notes.append(
                f"'{found['age']}' on the page is relative to an unknown date, "
                "so it gives no publication date"
            )


def _parse_date(text: str) -> str | None:
    """'Sunday, July 6th, 2025' / '6 July 2025' / '2025-07-06' -> '2025-07-06'."""
    cleaned = re.sub(r"(\d)(?:st|nd|rd|th)\b|^[a-z]+day\b|(?<=\bsep)t\b", r"\1", text, flags=re.I)
    cleaned = " ".join(cleaned.replace(",", " ").replace(".", " ").split())
    for fmt in ("%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(cleaned, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _iso_timestamp(value: str) -> str | None:
    """Normalise a metadata date; keep the time of day when the page gives one."""
    value = value.strip()
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return _parse_date(value)
    return stamp.date().isoformat() if len(value) <= 10 else stamp.isoformat()


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
_DATELINE = re.compile(rf"[A-Z][A-Za-z .'’-]{{1,40}},\s*(?P<date>(?i:{_DATE}))\s*[—–(-]")


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


_FM_KEY = re.compile(r"(?P<key>[A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(?P<value>.*))?\Z")
_FM_FIELDS = {"title": "title", "date": "published", "published": "published", "author": "author"}


def _front_matter_end(lines: list[str]) -> int:
    """The index of the line closing leading YAML front matter ("---", "key: value" lines,
    "---" or "..."); 0 when the text does not start with front matter."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for end, line in enumerate(lines[1:100], 1):
        if line.rstrip() in ("---", "..."):
            return end if any(_FM_KEY.match(key) for key in lines[1:end]) else 0
        if line.strip() and not (line[0].isspace() or line[0] in "-#" or _FM_KEY.match(line)):
            return 0  # prose between two rules, not metadata
    return 0


def _yaml_value(value: str) -> str:
    """A scalar, quoted or not, or a flow list ("[Jane Doe, John Roe]") as "a, b"."""
    items = value[1:-1].split(",") if value[:1] == "[" and value[-1:] == "]" else [value]
    return ", ".join(re.sub(r"\A(['\"])(.*)\1\Z", r"\2", v.strip()) for v in items if v.strip())


def _read_front_matter(lines: list[str], found: _Found) -> int:
    """Take leading YAML front matter: its title, date (when it has a year) and author go to
    `found`, its lines to the removed ones. Returns the number of lines it spans."""
    end = _front_matter_end(lines)
    for no, line in enumerate(lines[: end + 1] if end else (), 1):
        found.removed.append(RemovedLine(no, line.strip(), "front matter (metadata)"))
        key = _FM_KEY.match(line)
        name = _FM_FIELDS.get(key["key"].lower(), "") if key else ""
        value = _yaml_value(key["value"] or "") if key and name else ""
        if value and getattr(found, name) is None:
            setattr(found, name, _iso_timestamp(value) if name == "published" else value)
    return end + 1 if end else 0


def _clean_lines(text: str, fmt: str, found: _Found) -> list[str]:
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
        elif fmt == "markdown" and line and not _chrome(line):  # "* * *" is a rule, not a list
            line, kind = _strip_markdown(line)
        if line and (hit := _chrome(line)):
            found.remove(no, raw.strip(), hit)
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
            found.published = _parse_date(dateline.group("date"))
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
        self._track(tag, 1)

    def handle_endtag(self, tag: str) -> None:
        self._track(tag, -1)

    def _track(self, tag: str, step: int) -> None:
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
        return next((iso for value in candidates if (iso := _iso_timestamp(value))), None)


def _clean_html(html: str, found: _Found) -> list[str]:
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
    paragraphs = [line for line in lines if line and not _chrome(line)]
    # Report each visible line left out of the text, with the rule that explains it when
    # there is one, so readers can see what the extractor dropped.
    kept, kept_text = {found.title, *paragraphs}, "\n".join(paragraphs)
    for line in scan.lines():
        if line in kept or (len(line) >= 25 and line in kept_text):
            continue
        if hit := _chrome(line):
            found.remove(0, line, hit)
        else:
            found.removed.append(RemovedLine(0, line, "page chrome (trafilatura)"))
    guessed = doc is not None and doc.date and _iso_timestamp(doc.date)
    # The extractor's date may come from a header clock: a date the page shows as today's
    # is when it was saved, never when it was published.
    if found.published is None and guessed and guessed != found.retrieved:
        found.published = guessed
    return paragraphs


# --- Loading --------------------------------------------------------------------------------

_MIN_HTML_WORDS = 20


def _sniff_format(text: str) -> str:
    if looks_like_html(text):
        return "html"
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    return "markdown" if _MD_HEADING.match(first) or _front_matter_end(lines) else "text"


def load_article(
    source: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = 20.0,
    stdin: BinaryIO | None = None,
) -> Article:
    """Read `source` (a path, "-" for stdin, or an http(s) URL) and return the clean article.

    Raises InputError, with one line that says how to fix it, for anything that is not a
    readable article.
    """
    raw = read_source(source, max_bytes=max_bytes, timeout=timeout, stdin=stdin)
    text, label = raw.text, raw.label
    fmt = raw.format_hint or _sniff_format(text)
    found = _Found(notes=list(raw.notes))
    paragraphs = _clean_html(text, found) if fmt == "html" else _clean_lines(text, fmt, found)
    if found.title and found.title not in paragraphs[:1]:
        # Downstream code relies on the title being the first paragraph of the text: move
        # it there. Only its first copy moves; a body paragraph that repeats it stays.
        if found.title in paragraphs:
            paragraphs.remove(found.title)
        paragraphs = [found.title, *paragraphs]
    body_words = sum(len(p.split()) for p in paragraphs[found.title is not None :])
    # A page without an article still yields a few words of navigation from the extractor.
    if body_words < (_MIN_HTML_WORDS if fmt == "html" else 1):
        raise InputError(
            f"no article text {'could be extracted from' if fmt == 'html' else 'in'} {label} "
            "after removing page chrome; paste the article text into a .txt file and pass that"
        )
    return make_article(
        source,
        paragraphs,
        title=found.title,
        format=fmt,
        published=found.published,
        retrieved=found.retrieved,
        author=found.author,
        removed=tuple(found.removed),
        notes=tuple(dict.fromkeys(found.notes)),  # e.g. many "3 hours ago" lines, one note
    )
