"""Page chrome: the whole-line rules that remove it, each with the reason it reports.

Plain text and Markdown carry no markup to tell the article from the page around it (view
counters, share buttons, comment forms...), so whole-line rules do: a line goes only when
a rule matches all of it, and the rule's reason is what `briefing inspect` shows, so a
reader can check that no sentence was lost. Some chrome lines also say something about the
article (a "Today:" banner, a byline): the rules' named groups carry it, and the page's
dates are read here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

# Every pattern must match a WHOLE (stripped) line, case-insensitively, so a body sentence
# that merely mentions "share" or "views" stays. Named groups feed metadata: `today` is the
# retrieval date, `published` a publication date, `age` a relative age, `author` a byline.
# Each stretch of a line must match in ONE way only, or a near-miss line backtracks
# exponentially: never `\s*X?\s*` (write `\s*(?:X\s*)?`), and separators are never empty.


@dataclass(frozen=True)
class ChromeRule:
    pattern: re.Pattern[str]
    reason: str


ChromeHit = tuple[ChromeRule, re.Match[str]]

DATE_PATTERN = (
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
_BYLINE_NAME = r"(?-i:[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})"  # capitalised: not "By then, ..."
_RULE_TABLE: tuple[tuple[str, str], ...] = (
    (
        rf"today\s*(?::\s*)?(?P<today>{DATE_PATTERN})",
        "today's-date banner (kept as retrieval date)",
    ),
    (
        rf"(?:first )?(?:published|posted)(?: on)?\s*(?::\s*)?"
        rf"(?P<published>{DATE_PATTERN}){_CLOCK}",
        "publication date line",
    ),
    (rf"(?:last )?updated(?: on)?\s*(?::\s*)?{DATE_PATTERN}{_CLOCK}", "update date line"),
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
    (rf"(?:written )?by\s+(?P<author>{_BYLINE_NAME})(?:\s*[·|•]\s*.*)?", "byline"),
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


def match_chrome_rule(line: str) -> ChromeHit | None:
    """The first rule that matches the whole line, with its match."""
    for rule in CHROME_RULES:
        if match := rule.pattern.match(line):
            return rule, match
    return None


def parse_date(text: str) -> str | None:
    """'Sunday, July 6th, 2025' / '6 July 2025' / '2025-07-06' -> '2025-07-06'."""
    cleaned = re.sub(r"(\d)(?:st|nd|rd|th)\b|^[a-z]+day\b|(?<=\bsep)t\b", r"\1", text, flags=re.I)
    cleaned = " ".join(cleaned.replace(",", " ").replace(".", " ").split())
    for fmt in ("%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(cleaned, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def iso_timestamp(value: str) -> str | None:
    """Normalise a metadata date; keep the time of day when the page gives one."""
    value = value.strip()
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return parse_date(value)
    return stamp.date().isoformat() if len(value) <= 10 else stamp.isoformat()
