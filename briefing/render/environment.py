"""The Jinja environment of the brief templates, and the filters they use.

Jinja2 is imported on first use, so importing the render package stays cheap.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from briefing.budgets import shorten_chars

if TYPE_CHECKING:
    from jinja2 import Environment, Template

_ENV: Environment | None = None


def template(name: str) -> Template:
    global _ENV
    if _ENV is None:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

        from briefing.resources import templates_dir

        _ENV = Environment(
            loader=FileSystemLoader(templates_dir("render")),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        _ENV.filters["md"] = md_escape
        _ENV.filters["tidy"] = tidy
        _ENV.filters["clip"] = shorten_chars
        _ENV.filters["kind"] = _kind_label
        _ENV.filters["shown_unit"] = shown_unit
    return _ENV.get_template(name)


def tidy(text: str) -> str:
    """Model text may carry newlines; inside a bullet or table cell they break the layout."""
    return " ".join(str(text).split())


def shown_unit(figure: Any) -> str:
    """A figure's unit as printed after its value, or "" when the value or what it
    counts already says it ("23 people" + "people killed" is not "23 people people")."""
    unit = " ".join(str(figure.unit or "").split())
    low = unit.lower()
    value, counts = str(figure.value).lower(), str(figure.counts).lower()
    if not unit or value.endswith(low) or counts.startswith(low) or f" {low} " in f" {counts} ":
        return ""
    return unit


# Actor kinds as printed in the small tag; the long ones are shortened so that a tag
# seldom pushes an actor's role onto another line.
_KIND_LABELS = {"international_organisation": "int’l org", "ngo": "NGO"}


def _kind_label(kind: str) -> str:
    return _KIND_LABELS.get(kind, kind.replace("_", " "))


# Characters that form inline markup anywhere in a line: code, emphasis, HTML and
# autolinks, links and footnotes, tables, strikethrough; "#" also closes a heading
# ("# Title #").
_MD_SPECIAL = re.compile(r"([\\`*_<>\[\]|~#])")
# "&copy;", "&#169;": an entity reference would print as the character it names.
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# Block markers at the start of a line: lists ("- ", "+ ", "1. ", "2) "), rules and
# setext underlines ("---", "==="). Headings, quotes, fences and tables start with a
# character escaped everywhere; leading spaces, which would make code, are tidied away.
_MD_LINE_START = re.compile(r"^([-+=])")
_MD_LIST_NUMBER = re.compile(r"^(\d{1,9})([.)])")


def md_escape(text: str) -> str:
    """`text` as Markdown that prints literally, wherever on a line the template puts it.

    Backslash escapes keep "<script>" and "&copy;" literal, stop text from forming
    links, footnotes or emphasis, and stop a text that opens a line or a list item from
    starting a list, heading, quote or rule of its own.
    """
    escaped = _MD_SPECIAL.sub(r"\\\1", tidy(text))
    escaped = _MD_ENTITY.sub(r"\\&", escaped)
    escaped = _MD_LIST_NUMBER.sub(r"\1\\\2", escaped)
    return _MD_LINE_START.sub(r"\\\1", escaped)
