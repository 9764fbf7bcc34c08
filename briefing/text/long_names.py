"""Names that runs of capitalised words do not find whole.

Many languages capitalise only the first word of an organisation's name: "Programme
alimentaire mondial (PAM)", "Médecins sans frontières (MSF)", "Programa Mundial de
Alimentos (PMA)". When such a name is followed by its acronym in parentheses, the words
whose initials spell the acronym are its long form. Others open with a lower-case head
noun ("ministère de la Santé", "ministerio de Salud"): the language files list those
heads (`[names] org_heads`). Both are language-neutral rules over the text; each looks at
a bounded window, so the pass stays linear.
"""

from __future__ import annotations

import re
from functools import cache

from briefing.text.language import language_data
from briefing.text.names import LOWER_ORG_HEADS, strip_particle

# Lower-case words skipped when spelling an acronym from a long form.
_SKIPPED = frozenset(
    """of for the and de du des la le les l d del y e et pour da do dos das der und von
    al el""".split()
)
_ACRONYM = re.compile(r"\s*\(([A-ZÀ-Þ][A-ZÀ-Þ&]{1,9})\)")
_WORD = re.compile(r"[^\W\d_][\w’'-]*")
_MAX_WORDS = 10
_CONNECTOR = r"(?:de la|de l['’]|des|du|de|del|de los|de las|da|do|dos|das)"
_HEAD = (
    re.compile(rf"(?<![\w-])({'|'.join(sorted(LOWER_ORG_HEADS))})\s+{_CONNECTOR}\s*$")
    if LOWER_ORG_HEADS
    else None
)


def _initials(words: list[str]) -> str:
    out = []
    for w in words:
        if w.lower() in _SKIPPED:
            continue
        parts = [p for p in strip_particle(w).split("-") if p]
        out.append("".join(p[0] for p in parts) if len(parts) > 1 else parts[0][0])
    return "".join(out).upper()


def acronym_long_forms(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """[start, end) of each long form in text[lo:hi] that its acronym defines and that
    has a lower-case content word (all-capitalised ones are runs already)."""
    found: list[tuple[int, int]] = []
    for m in _ACRONYM.finditer(text, lo, hi):
        acronym = m.group(1).replace("&", "")
        words = list(_WORD.finditer(text, max(lo, m.start() - 160), m.start()))[-_MAX_WORDS:]
        for k in range(1, len(words) + 1):
            tail = words[-k:]
            if not tail[0].group()[0].isupper():
                continue
            spelled = _initials([w.group() for w in tail])
            if spelled == acronym.upper() or (len(acronym) > 2 and spelled == acronym[:-1]):
                lower = any(
                    w.group()[0].islower() and w.group().lower() not in _SKIPPED for w in tail
                )
                if lower:
                    found.append((tail[0].start(), tail[-1].end()))
                break
    return found


def head_start(text: str, start: int) -> int:
    """Where a name starting at `start` really starts when a lower-case head opens it
    ("ministère de la Santé"): the head's offset; else `start`."""
    if _HEAD is None:
        return start
    head = _HEAD.search(text, max(0, start - 40), start)
    return head.start() if head else start


def headed_names(text: str, lo: int, hi: int, language: str | None) -> list[tuple[int, int]]:
    """Names in a script without capitals (Arabic): a head word from the language's
    `[names] heads` ("وزارة", "منظمة"), perhaps with a one-letter prefix ("و", "ب"),
    and the words after it that carry the definite prefix ("الصحة العالمية")."""
    pattern = _headed_pattern(language)
    if pattern is None:
        return []
    return [(m.start("name"), m.end("name")) for m in pattern.finditer(text, lo, hi)]


@cache
def _headed_pattern(language: str | None) -> re.Pattern[str] | None:
    lang = language_data(language)
    names = lang.raw.get("names", {}) if lang else {}
    heads, prefix = str(names.get("heads", "")).split(), str(names.get("continuation_prefix", ""))
    if not heads or not prefix:
        return None
    head = "|".join(map(re.escape, sorted(heads, key=len, reverse=True)))
    more = rf"(?:\s+{re.escape(prefix)}\w+){{0,3}}"
    return re.compile(rf"(?<!\w)[وبلف]?(?P<name>(?:{head}){more})(?!\w)")
