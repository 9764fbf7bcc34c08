"""Text normalised for matching quotes, with a way back to the original offsets.

A model copies a quote with other quote marks, dashes, spaces or Unicode forms than the
article's, so article and quote are normalised alike before they are compared: Unicode
NFC (so "o" + combining acute and "ó" are one letter); whitespace runs become one space;
curly, low and prime quote marks become ' or "; dashes (and "--") become "-" and lose the
spaces around them; "…" becomes "..."; zero-width characters and soft hyphens vanish;
case is kept. Every normalised char keeps the [start, end) of the original text it came
from, so a match is reported at offsets into the text as given.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_CHAR_MAP = {
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2039\u203a`\u00b4", "'"),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    "\u2026": "...",
}
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")


def _nfc_with_offsets(s: str) -> tuple[str, Sequence[int], Sequence[int]]:
    """NFC-composed text plus, per char, the [start, end) it came from in `s`.

    Composition only joins a char with the marks (and Hangul vowel/final jamo) after it,
    so each such cluster is composed alone and all its output chars map to the cluster.
    """
    if unicodedata.is_normalized("NFC", s):
        return s, range(len(s)), range(1, len(s) + 1)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(s)
    while i < n:
        j = i + 1
        while j < n and (unicodedata.category(s[j])[0] == "M" or "\u1160" <= s[j] <= "\u11ff"):
            j += 1
        piece = unicodedata.normalize("NFC", s[i:j])
        out.append(piece)
        starts += [i] * len(piece)
        ends += [j] * len(piece)
        i = j
    return "".join(out), starts, ends


# What normalising may change: whitespace (but a lone " " between ordinary chars, by far
# the most common, which stays as it is), invisible and mapped chars, "-" (for "--"). \Z
# flushes the last run of ordinary text.
_CHANGEABLE = re.escape("".join(sorted(_INVISIBLE | set(_CHAR_MAP) | {"-"})))
_TO_REWRITE = re.compile(
    rf"\s{{2,}}|[^\S ]|\A | (?=[{_CHANGEABLE}])|(?<=[{_CHANGEABLE}]) | \Z|[{_CHANGEABLE}]|\Z"
)


def normalise_with_offsets(s: str) -> tuple[str, list[int], list[int]]:
    """Normalised text plus, per normalised char, its original [start, end) offsets."""
    t, t_starts, t_ends = _nfc_with_offsets(s)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last = ""  # the last normalised char
    space_from: int | None = None  # start of a whitespace run not yet emitted
    space_to = 0
    pos = 0
    for m in _TO_REWRITE.finditer(t):
        a, b = m.span()
        if pos < a:  # t[pos:a] is kept as it is
            if space_from is not None and last and last != "-":
                out.append(" ")
                starts.append(space_from)
                ends.append(space_to)
            space_from = None
            out.append(t[pos:a])
            starts += t_starts[pos:a]
            ends += t_ends[pos:a]
            last = t[a - 1]
        pos = b
        if a == len(t):
            break
        ch = t[a]
        if ch.isspace():
            if space_from is None:
                space_from = t_starts[a]
            space_to = t_ends[b - 1]
            continue
        if ch in _INVISIBLE:
            continue
        rep = _CHAR_MAP.get(ch, ch)
        if rep == "-" and last == "-":  # "--" typed for a dash
            space_from = None
            continue
        if space_from is not None and rep != "-" and last and last != "-":
            out.append(" ")
            starts.append(space_from)
            ends.append(space_to)
        space_from = None
        out.append(rep)  # "…" expands to three chars that all map back to it
        starts += [t_starts[a]] * len(rep)
        ends += [t_ends[a]] * len(rep)
        last = rep[-1]
    return "".join(out), starts, ends


def lower_same_length(s: str) -> str:
    """Lower case, char for char (a char whose lower case is longer is kept as is), so
    offsets into the result are offsets into `s`."""
    low = s.lower()
    if len(low) == len(s):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in s)
