"""Sentence splitting for article text, with offsets, by regular expressions and cues.

`split_sentences(text)` cuts the text into paragraphs (line blocks, joining wrapped lines)
and those into sentences, and tells headings (titles, subheadings: short lines without
final punctuation) from list items (after a list marker, or stating a number or a verb).
Every `Sentence` keeps its offsets, so `text[s.start:s.end] == s.text`.

This is its own concern, apart from `briefing.text.entities` (which finds names within these
sentences): the extractive engine and `briefing.text.figures` work on `Sentence`s too, and the
rules for where sentences and headings end change for their own reasons. No dependencies
inside the package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from briefing.text.language import language_data

# Month names; dates, years and clock times state no figure (see `_item_like`).
MONTHS = (
    "January February March April May June July August September October November December"
).split()
MONTH_PATTERN = "|".join(MONTHS)  # an alternation for regular expressions
_DATES = re.compile(
    rf"\b(?:\d{{1,2}} (?:{MONTH_PATTERN})|(?:{MONTH_PATTERN}) \d{{1,2}}|(?:19|20)\d\d"
    r"|\d{1,2}:\d\d)\b"
)
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen col lt sgt capt maj st mt no vs etc jr sr rev gov sen rep u.s u.n
    u.k e.g i.e jan feb mar apr jun jul aug sep sept oct nov dec inc ltd co corp approx""".split()
)
# A sentence ends at . ! ? (and closing quotes) before whitespace and a capital, digit or
# opening quote (« ¿ ¡ „ too); the look-ahead keeps "U.S. bounty" in one piece. Scripts
# without capitals (Arabic, Hebrew...) end a sentence before any letter: the loop in
# `split_sentences` checks that the next letter is not a lower-case one. "؟" is Arabic's
# question mark; "。！？" end CJK sentences, which need no space after them.
_SENTENCE_END = re.compile(
    r"[.!?…؟]+[\"'”’»)\]*_]*(?=\s+[\"'“‘«„¿¡(\[*_]*\s?[^\W_])|[。！？]+[”’」』)]*"
)
_FINAL = tuple(".!?:;\"'”’)…")
HEADING_MAX_WORDS = 14
_LIST_MARKER = re.compile(r"[ \t]*(?:[-*+•]|\d{1,2}[.)])[ \t]+\S")
_VERB = re.compile(
    r"(?<![\w-])(?:is|are|was|were|has|have|had|will|would|can|could|need|needs|remain|remains"
    r"|[a-z]{3,}(?:ed|ing))(?![\w-])"
)


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offsets in the analysed text: text[start:end] == self.text
    end: int
    block: int  # index of the paragraph (line block) it belongs to
    heading: bool  # a title, subheading or other short line without final punctuation


def _blocks(text: str) -> list[tuple[int, int, bool]]:
    """Paragraph spans: non-blank lines; a line starting in lower case continues a wrap.
    The flag tells whether the line opened with a list marker ("- ", "* ", "1. ")."""
    spans: list[tuple[int, int, bool]] = []
    for m in re.finditer(r"[^\n]+", text):
        s, e = m.start(), m.end()
        listed = _LIST_MARKER.match(text, s, e) is not None
        while s < e and text[s] in " \t#>*_-•":
            s += 1
        while e > s and text[e - 1] in " \t*_":
            e -= 1
        if s < e and spans and text[s].islower() and text[spans[-1][1] : s].count("\n") == 1:
            spans[-1] = (spans[-1][0], e, spans[-1][2])
        elif s < e:
            spans.append((s, e, listed))
    return spans


def _short(block: str) -> bool:
    return len(block.split()) <= HEADING_MAX_WORDS and not block.endswith(_FINAL)


def _item_like(block: str) -> tuple[bool, bool]:
    """(states a number, has a verb) for a short line without final punctuation. Dates,
    years and Title Case lines (headlines, subheadings) state nothing."""
    words = [w for w in re.findall(r"[A-Za-z][\w’'-]*", block) if len(w) > 3]
    if not _short(block) or (len(words) > 1 and all(w[0].isupper() for w in words)):
        return False, False
    bare = _DATES.sub(" ", block)
    return re.search(r"\d", bare) is not None, _VERB.search(bare) is not None


def _next_word(block: str, at: int) -> str:
    found = re.match(r"\s*([^\W\d_]+)", block[at : at + 40])
    return found.group(1) if found else ""


# Both scans below stay within one sentence (from the previous sentence's end, or over
# the whitespace after a full stop), so a block is read a bounded number of times: the
# splitter is linear in the text, even for a megabyte-long single-line article.
def _word_before(block: str, end: int, floor: int) -> str:
    """The whitespace-delimited word ending at `end`, looking back no further than `floor`."""
    start = end
    while start > floor and not block[start - 1].isspace():
        start -= 1
    return block[start:end]


def _skip_space(block: str, pos: int) -> int:
    while pos < len(block) and block[pos].isspace():
        pos += 1
    return pos


def split_sentences(text: str, language: str | None = None) -> list[Sentence]:
    """Split `text` into sentences with offsets; short unpunctuated lines are headings,
    unless they are list items: a line after a list marker, one that states a number, or
    one with a verb next to another such line and not right above a paragraph (that is a
    subheading). The first line, the title, stays a heading. `language` adds its
    abbreviations ("M.", "Sra.") to English's."""
    out: list[Sentence] = []
    lang = language_data(language)
    abbreviations = _ABBREVIATIONS | (lang.abbreviations if lang else frozenset())
    months = {name for names in lang.months for name in names} if lang else set()
    blocks = _blocks(text)
    like = [_item_like(text[s:e]) if n else (False, False) for n, (s, e, _) in enumerate(blocks)]
    for n, (bs, be, listed) in enumerate(blocks):
        block = text[bs:be]
        marked = text[text.rfind("\n", 0, bs) + 1 : be].lstrip().startswith("#")
        near = any(0 < k < len(blocks) and (any(like[k]) or blocks[k][2]) for k in (n - 1, n + 1))
        prose = n + 1 < len(blocks) and not _short(text[blocks[n + 1][0] : blocks[n + 1][1]])
        item = listed or like[n][0] or (like[n][1] and near and not prose)  # not a subheading
        if marked or (_short(block) and not item):
            out.append(Sentence(block, bs, be, n, True))
            continue
        start = 0
        for m in _SENTENCE_END.finditer(block):
            # A bounded look ahead keeps the scan linear (see above).
            nxt = block[m.end() : m.end() + 40].lstrip(" \t\n\"'“‘«„¿¡([*_")[:1]
            if nxt.islower():
                continue  # "e.g. the", "approx. five": not a new sentence
            word = _word_before(block, m.start(), start).lstrip("(\"“'‘«").lower()
            if word in abbreviations or (len(word) == 1 and word.isalpha()):
                continue
            if word.isdigit() and _next_word(block, m.end()).lower() in months:
                continue  # "3. März": a German or Scandinavian ordinal date
            out.append(Sentence(block[start : m.end()], bs + start, bs + m.end(), n, False))
            start = _skip_space(block, m.end())
        if start < len(block):
            out.append(Sentence(block[start:], bs + start, be, n, False))
    return out
