"""Article loading: cleaning of the sample articles, metadata, bad input, and URLs."""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import io
import math
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from briefing.cli.options import flag
from briefing.errors import InputError
from briefing.ingest.article import Article, RemovedLine, load_article
from briefing.ingest.chrome import CHROME_RULES
from tests.fixtures import DATA, EXAMPLES, ROOT, serving

DATA = DATA / "article"
TODAY_BANNER = "today's-date banner (kept as retrieval date)"


def _load_text(tmp_path: Path, text: str, name: str = "a.txt") -> Article:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_article(str(path))


def _body(*lines: str) -> str:
    """A headline and two body paragraphs around the given lines."""
    return "\n\n".join(
        [
            "Storm Batters the Coast Overnight",
            "Heavy rain fell across the region on Monday, officials said.",
            *lines,
            "Roads reopened by the evening, the ministry said.",
        ]
    )


def _assert_offsets(article: Article) -> None:
    assert article.sha256 == hashlib.sha256(article.text.encode("utf-8")).hexdigest()
    for para in article.paragraphs:
        assert article.text[para.start : para.end] == para.text
    if article.title is not None:
        assert article.paragraphs[0].text == article.title


# --- The sample articles ------------------------------------------------------------------


def test_aleppo_keeps_every_body_paragraph(sample_path: Path) -> None:
    expected = (DATA / "aleppo-expected-paragraphs.txt").read_text(encoding="utf-8")
    article = load_article(str(sample_path))
    assert [p.text for p in article.paragraphs] == expected.strip().split("\n\n")
    _assert_offsets(article)


def test_aleppo_removes_chrome_and_says_why(sample_path: Path) -> None:
    article = load_article(str(sample_path))
    assert article.removed == (
        RemovedLine(1, "Today:July 6, 2025", TODAY_BANNER),
        RemovedLine(2, "7 months ago", "relative age"),
        RemovedLine(3, "36 views", "view counter"),
        RemovedLine(7, "2 mins read", "reading time"),
        RemovedLine(49, "Leave a Reply", "comment form"),
        RemovedLine(51, "Your email address will not be published.", "comment form"),
        RemovedLine(53, "Advertisement", "advertisement"),
        RemovedLine(55, "Advertisement", "advertisement"),
    )


def test_aleppo_metadata(sample_path: Path) -> None:
    article = load_article(str(sample_path))
    assert article.format == "text"
    assert article.title == (
        "Rebels Overrun Aleppo in Surprise Offensive, Shaking Assad’s Grip on Power"
    )
    # "Today: July 6, 2025" is the day the page was saved, not when the story ran.
    assert article.retrieved == "2025-07-06"
    assert article.published is None
    assert any("'7 months ago'" in note for note in article.notes)
    assert "Regional Dynamics at Play" in [p.text for p in article.paragraphs]
    assert "“No one expected Aleppo to fall this quickly,” he said." in article.text


def test_kessara_wire() -> None:
    article = load_article(str(EXAMPLES / "kessara-floods-wire.txt"))
    assert article.title == (
        "Floods kill 23 in Kessara as river bursts its banks; thousands displaced"
    )
    assert article.removed == ()
    assert len(article.paragraphs) == 9
    assert article.paragraphs[1].text.startswith("KESSARA, 14 March — Flash floods swept")
    assert article.published is None  # the dateline has no year
    assert "“Our teams cannot reach the southern neighbourhoods by road.”" in article.text
    _assert_offsets(article)


def test_dalmar_markdown_loses_markup_but_no_text() -> None:
    article = load_article(str(EXAMPLES / "dalmar-corridor-report.md"))
    texts = [p.text for p in article.paragraphs]
    assert article.format == "markdown"
    assert article.title == (
        "Fighting along the Dalmar corridor displaces tens of thousands as aid convoys stall"
    )
    assert texts[1] == "Special report, 9 October"
    assert texts[2] == "A front that moved in a week"
    assert "Analysis: what happens next" in texts
    assert texts[-1].startswith("This report is fiction, written as an example article;")
    assert "#" not in article.text and "*" not in article.text
    assert len(texts) == 32
    assert article.removed == ()
    quote = '"What we do not have is a road we are allowed to use."'
    assert quote in article.text
    _assert_offsets(article)


def test_tarsin_html() -> None:
    article = load_article(str(EXAMPLES / "tarsin-ceasefire.html"))
    assert article.format == "html"
    assert article.title == "Tarsin truce holds for a third day as prisoners are exchanged"
    assert article.author == "Selin Audran"
    assert article.published == "2025-05-21T08:40:00+00:00"
    assert len(article.paragraphs) == 12
    assert "“The next fourteen days will tell us whether this is a pause or a path,”" in (
        article.text
    )
    assert article.paragraphs[-2].text == (
        "The talks on a permanent settlement are scheduled to open in Castria on 3 June."
    )
    for chrome in (
        "cookies",
        "Advertisement",
        "min read",
        "Share on",
        "Related stories",
        "Peter K.",
        "Leave a Reply",
        "All rights reserved",
        "newsletter",
        "Breaking:",
        "Photo: Ledger staff",
    ):
        assert chrome not in article.text
    removed = {(r.text, r.reason) for r in article.removed}
    assert ("Advertisement", "advertisement") in removed
    assert ("By Selin Audran · 21 May 2025 · 4 min read", "byline") in removed
    assert ("Share on X Share on Facebook Copy link", "share links") in removed
    assert ("12 comments", "comment form") in removed
    assert ("Marguerite says: The Federation broke the last truce, why would this one be "
            "different?", "page chrome (trafilatura)") in removed  # fmt: skip
    assert all(r.line_no == 0 for r in article.removed)
    _assert_offsets(article)


# --- Line rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("1,204 views", "view counter"),
        ("Views: 36", "view counter"),
        ("4 min read", "reading time"),
        ("Reading time: 3 minutes", "reading time"),
        ("Posted 3 hours ago", "relative age"),
        ("an hour ago", "relative age"),
        ("ADVERTISEMENT", "advertisement"),
        ("Story continues below advertisement", "advertisement"),
        ("Leave a comment", "comment form"),
        ("Required fields are marked *", "comment form"),
        ("Share this article", "share links"),
        ("Share on Facebook | Twitter | WhatsApp", "share links"),
        ("Share: Facebook · Twitter · Email", "share links"),
        ("Follow us on Facebook, Twitter & Instagram", "share links"),
        ("Subscribe now", "subscription or sign-in prompt"),
        ("Sign up for our daily newsletter", "subscription or sign-in prompt"),
        ("We use cookies to give you the best experience.", "cookie notice"),
        ("Accept all cookies", "cookie notice"),
        ("Related Articles", "related stories"),
        ("Read more: Floods hit the north again", "related stories"),
        ("Tags: Syria, Aleppo, HTS", "tag list"),
        ("© 2024 Daily Example. All rights reserved.", "site footer"),
        ("Privacy Policy | Terms of Use · Contact Us", "site footer"),
        ("1.2k views", "view counter"),
        ("Posted on: March 3, 2024, 10:15 am", "publication date line"),
        ("* * *", "separator line"),
        ("Updated: March 4, 2025 at 10:15 am", "update date line"),
        ("Today: Sunday, 6th July 2025", TODAY_BANNER),
    ],
)
def test_chrome_lines_are_removed_with_reason(tmp_path: Path, line: str, reason: str) -> None:
    article = _load_text(tmp_path, _body(line))
    assert article.removed == (RemovedLine(5, line, reason),)
    assert line not in article.text


@pytest.mark.parametrize(
    "sentence",
    [
        "Share prices in Damascus fell sharply after the announcement.",
        "The video drew 36 views before it was removed.",
        "Advertisement revenue at state media has fallen by half.",
        "Today the talks resumed in Geneva.",
        "Seven months ago, the city was calm.",
        "By Tuesday, the group had reached the outskirts of Hama.",
        "By then the army had withdrawn.",
        "Readers can subscribe to the view that the war is over.",
        "Leave a reply, the minister told reporters, and we will consider it.",
        "The ministry said it would print 2 million ballots.",
        "Comments",
    ],
)
def test_body_sentences_that_mention_chrome_words_stay(tmp_path: Path, sentence: str) -> None:
    article = _load_text(tmp_path, _body(sentence))
    assert article.removed == ()
    assert sentence in [p.text for p in article.paragraphs]


def test_chrome_line_inside_a_block_splits_it_but_loses_nothing(tmp_path: Path) -> None:
    text = "Title of the Story Here\n\nFirst paragraph line.\nAdvertisement\nSecond paragraph."
    article = _load_text(tmp_path, text)
    assert [p.text for p in article.paragraphs] == [
        "Title of the Story Here",
        "First paragraph line.",
        "Second paragraph.",
    ]


def test_hard_wrapped_paragraphs_are_joined(tmp_path: Path) -> None:
    text = (
        "Talks Resume in Geneva\n\nDelegates from both sides met on Monday for\n"
        "the first time in a year, the UN said.\n\nA second round is planned."
    )
    article = _load_text(tmp_path, text)
    assert article.paragraphs[1].text == (
        "Delegates from both sides met on Monday for the first time in a year, the UN said."
    )


def test_headline_directly_above_a_long_paragraph_stays_separate(tmp_path: Path) -> None:
    body = "Officials said the river rose two metres overnight and " * 3
    article = _load_text(tmp_path, f"River Floods the Old Town\n{body.strip()}")
    assert article.title == "River Floods the Old Town"
    assert article.paragraphs[1].text == body.strip()


def test_text_without_headline_has_no_title(tmp_path: Path) -> None:
    article = _load_text(tmp_path, "The river rose two metres overnight, officials said.")
    assert article.title is None
    assert article.paragraphs[0].text.startswith("The river rose")


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_line_ends_clean_like_lf(tmp_path: Path, newline: str) -> None:
    text = _body("Advertisement", "Officials said the river rose\ntwo metres overnight.")
    expected = _load_text(tmp_path, text)
    article = _load_text(tmp_path, text.replace("\n", newline), "b.txt")
    assert "\r" not in article.text
    assert article.paragraphs == expected.paragraphs
    assert article.title == "Storm Batters the Coast Overnight"
    assert (
        article.removed == expected.removed == (RemovedLine(5, "Advertisement", "advertisement"),)
    )


# --- Linear time on hostile input -------------------------------------------------------------


@contextlib.contextmanager
def _hang_guard(seconds: float) -> Iterator[None]:
    """Fail instead of hanging when a regex backtracks catastrophically (re checks signals)."""
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"over {seconds:g} s: catastrophic regex backtracking")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _best_time(run: Callable[[str], object], arg: str) -> float:
    best = math.inf
    for _ in range(5):  # the fastest of five runs: a busy machine only ever slows a run down
        start = time.perf_counter()
        run(arg)
        best = min(best, time.perf_counter() - start)
    return best


def _assert_linear(run: Callable[[str], object], small: str, large: str, what: str) -> None:
    """`large` is 4 times `small`: linear work takes about 4 times as long on it, quadratic
    work 16 times. The 20 ms of slack absorbs timer noise on runs of a few microseconds."""
    fast, slow = _best_time(run, small), _best_time(run, large)
    assert slow <= 8 * fast + 0.02, f"{what}: {fast * 1e3:.2f} ms, then {slow * 1e3:.2f} ms on 4x"


# Words and separators from every kind of chrome line, repeated into near misses: long lines
# that almost match a rule and fail at the very end, the worst case for backtracking.
_CHROME_WORDS = (
    "share", "Facebook", "x", "e-mail", "follow us on Facebook,", "privacy policy",
    "terms of use", "today", "published", "updated", "3", "1,204", "views", "min", "read",
    "by", "Jane", "comments", "tags:", "related", "©", "2024", "March 3, 2024", "at", "10:15",
    "am", "*", "-", "•", "a",
)  # fmt: skip
_CHROME_SEPARATORS = ("", " ", "   ", " | ", ", ", "/", " · ")
_CHROME_PREFIXES = (
    "", "today", "today:", "published", "published: March 3, 2024", "updated on", "by Jane",
    "© 2024", "1.2", "views", "4", "4 min", "reading time", "read more", "share:",
    "follow us on", "privacy policy", "written by", "* *",
)  # fmt: skip


def _near_miss_lines(n: int) -> list[str]:
    lines = [sep.join([word] * n) + " ?" for word in _CHROME_WORDS for sep in _CHROME_SEPARATORS]
    lines += [prefix + " " * (10 * n) + "?" for prefix in _CHROME_PREFIXES]  # long blank runs
    lines.append(" ".join(_CHROME_WORDS[:6] * n) + " More")  # a share bar that ends in "More"
    return lines


def test_chrome_rules_take_linear_time_on_near_miss_lines() -> None:
    # Before, a 28-word share bar ending in "More" took minutes: spaces between words could
    # match in two ways each, so a near miss retried 2**n splits.
    lines = list(zip(_near_miss_lines(100), _near_miss_lines(400), strict=True))
    with _hang_guard(30):
        for rule in CHROME_RULES:
            for small, large in lines:
                _assert_linear(rule.pattern.match, small, large, f"{rule.reason}: {small[:40]!r}")


# Unclosed inline markers, repeated: each used to make the Markdown cleaner scan to the end of
# the line, so 80 KB of "**a " took over a minute.
_MARKDOWN_NEAR_MISSES = ("**a ", "__a ", "*a ", "_a ", "a_b _", "[a ", "[a](", "![a](", "<http://a")


@pytest.mark.parametrize("unit", [*_MARKDOWN_NEAR_MISSES, " "])
def test_markdown_cleaning_takes_linear_time(tmp_path: Path, unit: str) -> None:
    paths = []
    for count in (2000, 8000):
        line = f"# a{unit * count}b" if unit == " " else unit * count  # " ": a heading's gap
        paths.append(tmp_path / f"{count}.md")
        paths[-1].write_text(f"Water Returns to the City\n\n{line}\n", encoding="utf-8")
    with _hang_guard(30):
        _assert_linear(load_article, str(paths[0]), str(paths[1]), f"Markdown {unit!r}")


# --- Dates ----------------------------------------------------------------------------------


def test_publication_line_sets_published_and_today_sets_retrieved(tmp_path: Path) -> None:
    article = _load_text(tmp_path, _body("Published: March 3, 2024", "Today: July 6, 2025"))
    assert article.published == "2024-03-03"
    assert article.retrieved == "2025-07-06"


def test_dateline_with_year_is_a_publication_date(tmp_path: Path) -> None:
    text = "Quake Hits Valley\n\nVELMAR, 14 March 2024 — A strong earthquake struck."
    assert _load_text(tmp_path, text).published == "2024-03-14"


def test_retrieved_defaults_to_load_date(tmp_path: Path) -> None:
    before = datetime.now(UTC).date().isoformat()
    article = _load_text(tmp_path, _body())
    after = datetime.now(UTC).date().isoformat()  # differs from `before` across midnight
    assert article.retrieved in (before, after)
    assert article.published is None


def test_html_today_banner_is_not_the_publication_date(tmp_path: Path) -> None:
    html = (
        "<html><body><header><time datetime='2025-07-06'>Sunday</time></header>"
        "<div class='top'>Today: July 6, 2025</div><article>"
        "<h1>Talks Resume in Geneva After a Year</h1>"
        "<p>Delegates met on Monday for the first time in a year, the UN said.</p>"
        "<p>Both sides agreed to a prisoner exchange and to meet again next month.</p>"
        + "</article></body></html>"
    )
    article = _load_text(tmp_path, html, "page.html")
    assert article.retrieved == "2025-07-06"
    assert article.published is None
    assert RemovedLine(0, "Today: July 6, 2025", TODAY_BANNER) in article.removed


# --- Markdown -------------------------------------------------------------------------------


def test_markdown_inline_markup_is_stripped(tmp_path: Path) -> None:
    text = (
        "# Aid **Reaches** the City\n\n"
        "Officials said the [convoy](https://example.org/c) had *finally* arrived.\n\n"
        "> “We waited _nine_ days,” said a resident.\n\n"
        "- 12 trucks of `food`\n- 3 trucks of medicine\n\n"
        "![a photo](img.jpg)\n\n[1]: https://example.org/ref\n\n## Related stories\n"
    )
    article = _load_text(tmp_path, text, "a.md")
    assert [p.text for p in article.paragraphs] == [
        "Aid Reaches the City",
        "Officials said the convoy had finally arrived.",
        "“We waited nine days,” said a resident.",
        "12 trucks of food",
        "3 trucks of medicine",
    ]
    assert article.title == "Aid Reaches the City"
    assert [(r.line_no, r.reason) for r in article.removed] == [
        (10, "link, image or comment (markup)"),
        (12, "link, image or comment (markup)"),
        (14, "related stories"),
    ]


def test_markdown_setext_headings(tmp_path: Path) -> None:
    text = (
        "Floods Hit the Valley\n=====================\n\nThe river rose overnight.\n\n"
        "Background\n----------\nThe dam was built in 1960.\n\n## Outlook ##\n\n"
        "- Roads closed\n---\n"  # under a list item, "---" is a rule
    )
    article = _load_text(tmp_path, text, "a.md")
    assert article.title == "Floods Hit the Valley"
    assert [p.text for p in article.paragraphs] == [
        "Floods Hit the Valley",
        "The river rose overnight.",
        "Background",
        "The dam was built in 1960.",
        "Outlook",
        "Roads closed",
    ]
    assert article.removed == (RemovedLine(13, "---", "separator line"),)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_markdown_front_matter_gives_metadata_not_text(tmp_path: Path, newline: str) -> None:
    header = [
        "---",
        'title: "Floods Hit the Valley"',
        "date: 2025-07-06",
        "author: Jane Doe",
        "tags: [floods, valley]",
        "---",
    ]
    body = ["", "# Floods Hit the Valley", "", "The river rose two metres overnight."]
    article = _load_text(tmp_path, newline.join(header + body), "a.md")
    assert (article.title, article.published, article.author) == (
        "Floods Hit the Valley",
        "2025-07-06",
        "Jane Doe",
    )
    assert [p.text for p in article.paragraphs] == [
        "Floods Hit the Valley",
        "The river rose two metres overnight.",
    ]
    reason = "front matter (metadata)"
    assert article.removed == tuple(
        RemovedLine(n, line, reason) for n, line in enumerate(header, 1)
    )
    # Without an extension, front matter marks the text as Markdown.
    assert _load_text(tmp_path, "\n".join(header + body), "story").format == "markdown"


def test_front_matter_date_without_a_year_is_no_publication_date(tmp_path: Path) -> None:
    text = "---\ntitle: Floods Hit the Valley\ndate: 6 July\n---\nThe river rose overnight.\n"
    article = _load_text(tmp_path, text, "a.md")
    assert article.title == "Floods Hit the Valley"
    assert article.published is None


def test_prose_between_two_rules_is_not_front_matter(tmp_path: Path) -> None:
    text = "---\nThe river rose: officials said so.\n\n---\nMore rain is due on Tuesday.\n"
    article = _load_text(tmp_path, text, "a.md")
    assert [p.text for p in article.paragraphs] == [
        "The river rose: officials said so.",
        "More rain is due on Tuesday.",
    ]
    assert [r.reason for r in article.removed] == ["separator line", "separator line"]


def test_moving_the_title_first_keeps_a_body_paragraph_that_repeats_it(tmp_path: Path) -> None:
    text = (
        "Special report\n\n# Floods Hit the Valley\n\nThe river rose overnight.\n\n"
        "## Floods Hit the Valley\n\nMore rain is due."
    )
    article = _load_text(tmp_path, text, "a.md")
    assert [p.text for p in article.paragraphs] == [
        "Floods Hit the Valley",
        "Special report",
        "The river rose overnight.",
        "Floods Hit the Valley",
        "More rain is due.",
    ]
    _assert_offsets(article)


# --- Formats, stdin and encodings -------------------------------------------------------------


def test_stdin_text_and_html() -> None:
    text = (EXAMPLES / "kessara-floods-wire.txt").read_bytes()
    article = load_article("-", stdin=io.BytesIO(text))
    assert article.source == "-"
    assert article.title is not None and article.title.startswith("Floods kill 23")
    html = (EXAMPLES / "tarsin-ceasefire.html").read_bytes()
    assert load_article("-", stdin=io.BytesIO(html)).format == "html"


_FRAGMENT = (
    "<p>Floods Hit the Valley Overnight</p><p>The river rose two metres overnight and "
    "flooded the old town, where thousands of residents were moved to schools and churches, "
    "officials said on Monday.</p><p>More rain is due on Tuesday.</p>"
)


def test_html_fragment_without_html_or_body_is_read_as_html(tmp_path: Path) -> None:
    for article in (
        load_article("-", stdin=io.BytesIO(_FRAGMENT.encode())),
        _load_text(tmp_path, _FRAGMENT, "story"),
    ):
        assert article.format == "html"
        assert "<" not in article.text
        assert "More rain is due on Tuesday." in [p.text for p in article.paragraphs]


def test_text_that_mentions_a_tag_stays_text() -> None:
    text = b"Editors Changed the Layout\n\nThe site wraps each paragraph in a <p> tag now."
    article = load_article("-", stdin=io.BytesIO(text))
    assert article.format == "text"
    assert "<p>" in article.text


def test_unknown_extension_text_is_read_as_text(tmp_path: Path) -> None:
    article = _load_text(tmp_path, _body(), "story.log")
    assert article.format == "text"
    assert article.notes == ("unknown extension .log: format chosen from the content",)


_CAFE = "Café “crisis” talks\n\nThe minister spoke on Monday."


@pytest.mark.parametrize(
    ("encoded", "note"),
    [
        (codecs.BOM_UTF8 + _CAFE.encode(), None),
        (_CAFE.encode("utf-16"), "decoded as utf-16 (byte-order mark)"),
        (_CAFE.encode("cp1252"), "decoded as cp1252 (the text is not UTF-8)"),
    ],
)
def test_encodings(tmp_path: Path, encoded: bytes, note: str | None) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(encoded)
    article = load_article(str(path))
    assert [p.text for p in article.paragraphs] == _CAFE.split("\n\n")
    assert article.notes == ((note,) if note else ())


_POLISH = (
    "Powódź zalała dolinę",
    "Rzeka wystąpiła z brzegów w nocy, a mieszkańcy wielu wsi musieli opuścić swoje domy. "
    "Służby ratunkowe ewakuowały ponad dwa tysiące osób, poinformował wojewoda w środę.",
)


def _polish_page(head: str = "", prolog: str = "") -> str:
    return (
        f"{prolog}<html><head>{head}<title>{_POLISH[0]}</title></head><body><article>"
        f"<h1>{_POLISH[0]}</h1><p>{_POLISH[1]}</p></article></body></html>"
    )


@pytest.mark.parametrize(
    ("page", "name"),
    [
        (_polish_page('<meta charset="iso-8859-2">'), "a.htm"),
        (
            _polish_page("<meta http-equiv=Content-Type content='text/html; charset=ISO-8859-2'>"),
            "a.html",
        ),
        (_polish_page(prolog='<?xml version="1.0" encoding="iso-8859-2"?>'), "a.xhtml"),
        (_polish_page('<meta charset="iso-8859-2">'), "page"),  # HTML by its content
    ],
)
def test_html_file_is_decoded_with_the_charset_it_declares(
    tmp_path: Path, page: str, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(page.encode("iso-8859-2"))
    article = load_article(str(path))
    assert article.title == _POLISH[0]
    assert _POLISH[1] in article.text
    assert "decoded as iso-8859-2 (declared by the page)" in article.notes


def test_latin1_declaration_means_windows_1252(tmp_path: Path) -> None:
    page = _polish_page('<meta charset="iso-8859-1">').replace(_POLISH[0], "Café “crisis” talks")
    page = page.replace(_POLISH[1], "The minister spoke on Monday. " * 5)
    path = tmp_path / "a.html"
    path.write_bytes(page.encode("cp1252"))  # as browsers read it: curly quotes are cp1252's
    article = load_article(str(path))
    assert article.title == "Café “crisis” talks"
    assert article.notes == ("decoded as cp1252 (declared by the page)",)


def test_utf8_page_with_a_stale_charset_declaration_stays_utf8(tmp_path: Path) -> None:
    path = tmp_path / "a.html"
    path.write_bytes(_polish_page('<meta charset="windows-1252">').encode("utf-8"))
    article = load_article(str(path))
    assert article.title == _POLISH[0]
    assert article.notes == ()


# --- Bad input ------------------------------------------------------------------------------


def _error(source: str, **kwargs: Any) -> str:
    with pytest.raises(InputError) as info:
        load_article(source, **kwargs)
    message = info.value.render(flag)  # as the CLI prints it
    assert "\n" not in message
    return message


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file; check the path" in _error(str(tmp_path / "nope.txt"))


def test_directory(tmp_path: Path) -> None:
    assert "is a directory; pass one article file (supported: .txt, .md" in _error(str(tmp_path))


@pytest.mark.parametrize(
    ("name", "payload", "expected"),
    [
        ("a.pdf", b"%PDF-1.7\n%\xe2\xe3", "looks like a PDF, not text; convert it to text first"),
        ("a.png", b"\x89PNG\r\n\x1a\n\x00\x00", "looks like a PNG image"),
        ("a.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", "looks like a JPEG image"),
        ("a.gif", b"GIF89a\x01\x00", "looks like a GIF image"),
        ("a.docx", b"PK\x03\x04\x14\x00", "looks like a ZIP archive (.docx, .odt and .epub"),
        ("a.txt", b"text\x00with NUL", "contains NUL bytes"),
        ("a.txt", b"", "is empty; pass a file that contains the article text"),
        ("a.txt", b"  \n\t\n ", "is empty"),
        ("a.txt", b"36 views\n\nAdvertisement\n", "no article text in"),
        ("a.html", b"<html><body><nav>Home</nav></body></html>", "no article text could be"),
        ("a.txt", bytes(range(1, 256)) * 4, "is neither UTF-8 (bad byte 0x80 at offset 127)"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, payload: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(payload)
    message = _error(str(path))
    assert expected in message
    assert str(path) in message


def test_undecodable_text_suggests_iconv(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(bytes(range(1, 256)) * 4)
    assert f"`iconv -f <its encoding> -t utf-8 {path} > article.txt`" in _error(str(path))


def test_file_over_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 400, encoding="utf-8")
    assert _error(str(path), max_bytes=1000) == (
        f"{path} is 2,000 bytes, over the 1,000-byte limit; "
        "raise the limit with --max-bytes or BRIEFING_MAX_BYTES"
    )


def test_stdin_over_the_cap() -> None:
    message = _error("-", max_bytes=100, stdin=io.BytesIO(b"x" * 500))
    assert message.startswith("standard input is larger than that, over the 100-byte limit")


# --- URLs -----------------------------------------------------------------------------------

_ARTICLE_HTML = (EXAMPLES / "tarsin-ceasefire.html").read_bytes()
# path -> (status, headers, body). A body sent without Content-Length runs until the close.
_ROUTES: dict[str, tuple[int, dict[str, str], bytes]] = {
    "/article": (200, {"Content-Type": "text/html; charset=utf-8"}, _ARTICLE_HTML),
    "/old": (301, {"Location": "/article"}, b""),
    "/slow": (200, {"Content-Type": "text/html"}, _ARTICLE_HTML),
    "/plain": (
        200,
        {"Content-Type": "text/plain"},
        (EXAMPLES / "kessara-floods-wire.txt").read_bytes(),
    ),
    "/report.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.7\n"),
    "/photo": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n"),
    "/missing": (404, {"Content-Type": "text/html"}, b"<h1>Not found</h1>"),
    "/big": (200, {"Content-Type": "text/html"}, b"<p>" + b"x" * 5000),
    "/stream": (200, {"Content-Type": "text/html", "Content-Length": ""}, b"<p>" + b"y" * 50_000),
    "/polish": (
        200,
        {"Content-Type": "text/html; charset=iso-8859-2"},
        _polish_page().encode("iso-8859-2"),
    ),
    "/polish-stale-meta": (  # the server's charset wins over the page's own
        200,
        {"Content-Type": "text/html; charset=iso-8859-2"},
        _polish_page('<meta charset="windows-1252">').encode("iso-8859-2"),
    ),
}


class _Handler(BaseHTTPRequestHandler):
    user_agents: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.user_agents.append(self.headers.get("User-Agent", ""))
        status, headers, body = _ROUTES[self.path]
        if self.path == "/slow":
            time.sleep(1.0)
        self.send_response(status)
        headers = {"Content-Length": str(len(body)), **headers}
        for name, value in headers.items():
            if value:  # an empty value means: leave the header out
                self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading at its cap, or gave up waiting, as it should

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    with serving(_Handler) as url:
        yield url


def test_url_html(server: str) -> None:
    _Handler.user_agents.clear()
    article = load_article(f"{server}/old")  # redirected to /article
    assert article.source == f"{server}/article" and article.requested == f"{server}/old"
    assert article.title == "Tarsin truce holds for a third day as prisoners are exchanged"
    assert article.published == "2025-05-21T08:40:00+00:00"
    assert article.author == "Selin Audran"
    assert _Handler.user_agents[0].startswith("briefing/")


@pytest.mark.parametrize("path", ["/polish", "/polish-stale-meta"])
def test_url_is_decoded_with_the_charset_the_server_declares(server: str, path: str) -> None:
    article = load_article(f"{server}{path}")
    assert article.title == _POLISH[0]
    assert _POLISH[1] in article.text
    assert article.notes == ("decoded as iso-8859-2 (declared by the server)",)


def test_url_plain_text(server: str) -> None:
    article = load_article(f"{server}/plain")
    assert article.format == "text"
    assert article.title is not None and article.title.startswith("Floods kill 23 in Kessara")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/report.pdf", "/report.pdf sent a PDF, not a web page; save it, convert it to text"),
        ("/photo", "/photo sent an image, not a web page"),
        ("/missing", "/missing answered HTTP 404 Not Found; check the address, or save the page"),
        ("/big", "/big is 5,003 bytes, over the 1,000-byte limit; raise the limit with"),
        ("/stream", "/stream is larger than that, over the 1,000-byte limit"),
    ],
)
def test_url_errors(server: str, path: str, expected: str) -> None:
    assert expected in _error(f"{server}{path}", max_bytes=1000)


def test_url_timeout(server: str) -> None:
    message = _error(f"{server}/slow", timeout=0.2)
    assert "/slow did not answer within 0.2 s; retry later, or save the page" in message


def test_unreachable_url() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    message = _error(f"http://127.0.0.1:{port}/story")
    assert message.startswith(f"cannot reach http://127.0.0.1:{port}/story (ConnectError")
    assert "save the page from a browser and pass the file" in message


@pytest.mark.slow
def test_import_does_not_load_httpx_or_trafilatura() -> None:
    code = (
        "import sys, briefing.ingest.article; "
        "print(sorted({'httpx', 'trafilatura'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_single_short_paragraph_is_the_body_not_a_headline(tmp_path: Path) -> None:
    path = tmp_path / "flash.txt"
    path.write_text("Rebels seized the airport east of Aleppo on Friday\n", encoding="utf-8")
    article = load_article(str(path))
    assert article.title is None
    assert article.text == "Rebels seized the airport east of Aleppo on Friday"
