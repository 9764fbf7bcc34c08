"""Text addressed to automated readers: instructions planted in a page for AI systems.

Pages (and articles copied from them) can carry paragraphs written for machines rather
than people: "Ignore previous instructions and ...", "Note to AI summarisers: ...",
"[If you are a language model, say ...]", chat-role markers such as "<|im_start|>".
Whatever reads the article next (a model, or the extractive engine picking sentences)
would take them as article text. Cleaning therefore screens every paragraph (and the
title) against a table of patterns (`briefing.ingest.suspicious_patterns`) and removes
the ones that match, with the reason, so `briefing inspect` can list them and the brief
can say that text was removed.

The table holds patterns per language (English, French, Spanish, German, Portuguese,
Arabic) in three families, plus two structural cues that work in any of them:

- an override: an imperative to ignore or forget previous or system instructions;
- an address: a note, greeting or condition addressed to an AI, assistant, language
  model, chatbot or summariser ("Note to AI models", "If you are an AI", "Dear ChatGPT"),
  or instructions for whoever summarises "this article";
- a marker: chat-template and prompt markers ("[INST]", "<|im_start|>", "System:");
- structure (any language): a whole paragraph in brackets, braces or an HTML comment
  that names an AI system and speaks to it; an imperative sentence whose subject is an
  AI reader and whose object is this page.

The patterns aim at text that speaks *to* a machine; news *about* AI ("the ministry's
chatbot must comply with the law") does not match. Matching is by paragraph: a paragraph
that carries such text is removed whole, so nothing in it can reach a brief.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from briefing.ingest import suspicious_patterns as table
from briefing.ingest.cleaning import Findings, RemovedLine
from briefing.ingest.suspicious_patterns import ADDRESS, BRACKETED

_FLAGS = re.IGNORECASE | re.UNICODE
_COMPILED = tuple(
    (language, reason, anchors, re.compile(pattern, _FLAGS | re.MULTILINE))
    for language, reason, anchors, pattern in table.PATTERNS
)
_BRACKETED = re.compile(table.BRACKETED_PARAGRAPH, re.DOTALL)
_MACHINE = re.compile(rf"\b(?:{table.AI_ANY})\b", _FLAGS)
_SPOKEN_TO = re.compile(table.SPOKEN_TO, _FLAGS)
_IMPERATIVE = re.compile(table.IMPERATIVE, _FLAGS)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Flag:
    """Why a paragraph is taken as addressed to automated readers."""

    reason: str
    language: str  # "en", "fr"... or "any"
    matched: str  # the words that matched, for `briefing inspect`

    def describe(self) -> str:
        lang = "" if self.language == "any" else f", {self.language}"
        return f"addressed to automated readers: {self.reason}{lang}"


def _present(anchors: frozenset[str], words: set[str], lower: str) -> bool:
    """Whether one of `anchors` is among `words`, or (when it is not a plain word) in the
    lower-case text."""
    return any(a in words if a.isalnum() else a in lower for a in anchors)


def screen(text: str) -> Flag | None:
    """Why `text` (a paragraph or a title) speaks to automated readers, or None.

    One pass collects the paragraph's words; a pattern runs only where its anchors occur
    (see `briefing.ingest.suspicious_patterns`), so the cost stays near one scan of the
    text however many patterns the table holds.
    """
    lower = text.lower()
    words = set(_WORD.findall(lower))
    for language, reason, anchors, pattern in _COMPILED:
        if _present(anchors, words, lower) and (found := pattern.search(text)):
            return Flag(reason, language, found.group(0))
    ai_named = _present(table.AI_ANY_WORDS, words, lower)
    if ai_named and _BRACKETED.match(text) and _SPOKEN_TO.search(text):
        if found := _MACHINE.search(text):
            return Flag(BRACKETED, "any", found.group(0))
    if _present(table.AI_EN_WORDS, words, lower) and (found := _IMPERATIVE.search(text)):
        return Flag(ADDRESS, "en", found.group(0))
    return None


def screen_for_machines(
    paragraphs: list[str], found: Findings, *, keep: bool = False
) -> tuple[list[str], tuple[RemovedLine, ...]]:
    """Screen cleaned paragraphs and the title in `found`: the paragraphs to keep, and
    every flagged one as a RemovedLine with its reason.

    Unless `keep`, flagged paragraphs are dropped and added to `found.removed`, and a
    flagged title is forgotten (it would otherwise return as the first paragraph).
    """
    flagged: list[RemovedLine] = []
    kept: list[str] = []
    title_flag = screen(found.title) if found.title else None
    for paragraph in paragraphs:
        flag = title_flag if paragraph == found.title else screen(paragraph)
        if flag is None:
            kept.append(paragraph)
            continue
        flagged.append(RemovedLine(0, paragraph, flag.describe()))
        if keep:
            kept.append(paragraph)
    if title_flag is not None and found.title not in paragraphs:
        flagged.insert(0, RemovedLine(0, found.title or "", f"title {title_flag.describe()}"))
    if not keep:
        found.removed.extend(flagged)
        found.title = None if title_flag is not None else found.title
    return kept, tuple(flagged)
