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

_LETTER = r"[^\W\d_]"  # a letter of any script
# A date as pages print it, in any language: "Sunday, July 6th, 2025", "6 July 2025",
# "12 mars 2025", "3 de marzo de 2025", "3. März 2025", "12 مارس 2025", "2025-07-06",
# "06/07/2025". Month words are checked by `parse_date`, so any word of letters may
# stand for one here.
DATE_PATTERN = (
    rf"(?:{_LETTER}+(?:-{_LETTER}+)?,?\s+)?"
    rf"(?:{_LETTER}{{3,12}}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th|er|º|\.)?\s+(?:de\s+)?{_LETTER}{{3,12}}\.?,?\s+(?:de\s+)?\d{{4}}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{4})"
)
_CLOCK = (
    r"(?:\s*(?:(?:at|à|a las|às|um|,)\s*)?\d{1,2}(?:[:.]|\s?h\s?)\d{2}"
    r"(?:\s*[ap]\.?m\.?)?(?:\s*[a-z]{2,5})?)?"
)
_AGE = r"(?:\d+|an?|one)\s+(?:second|minute|min|hour|hr|day|week|month|year)s?\s+ago"
_SHARE = (
    r"(?:share(?: (?:this|the) (?:article|story|post))?(?: (?:on|via|to) \w+)?|tweet|e-?mail"
    r"|print|copy link|facebook|twitter|x|whatsapp|linkedin|telegram|reddit|pinterest"
    r"|follow us(?: on [\w, &]++)?)"  # possessive: the list is not split again into items
)
_SHARE_SEP = r"(?:\s*[|·•/,]\s*|\s+)"
_FOOTER_SEP = r"(?:\s*[|·•]\s*|\s+)"
_FOOTER = r"(?:privacy policy|terms of (?:use|service)|terms & conditions|cookie policy|contact us)"
# Capitalised words ("By then, ..." is no byline), with the particles of names between
# them ("João Carlos da Silva", "Paul-Henri de Villiers").
_CAPITAL = r"[A-ZÀ-ÖØ-ÞĀ-Ž]"
_BYLINE_NAME = (
    rf"(?-i:{_CAPITAL}[\w.'’-]*(?:\s+(?:(?:da|de|do|dos|das|del|della|di|du|van|von|der|den"
    rf"|le|la|al|el|bin|ibn)\s+)?{_CAPITAL}[\w.'’-]*){{0,3}})"
)
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
    (rf"(?:(?:written|posted) )?by\s+(?P<author>{_BYLINE_NAME})(?:\s*[·|•]\s*.*)?", "byline"),
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
# The reason shown for each key of a language file's [chrome] table.
_DATA_REASONS = {
    "published": "publication date line",
    "updated": "update date line",
    "age": "relative age",
    "views": "view counter",
    "reading_time": "reading time",
    "byline": "byline",
    "advertisement": "advertisement",
    "comments": "comment form",
    "share": "share links",
    "subscribe": "subscription or sign-in prompt",
    "cookies": "cookie notice",
    "related": "related stories",
    "tags": "tag list",
    "footer": "site footer",
}
# A breadcrumb trail: "Accueil > International > Afrique", "Home / World". A segment
# neither starts nor ends with a space, so each line splits into segments one way only.
_CRUMB = r"[^>›»|/.!?:\s](?:[^>›»|/.!?:\n]{0,38}[^>›»|/.!?:\s])?"


def _data_rules() -> list[tuple[str, str]]:
    """The rules of every language's [chrome] table, placeholders filled in. All
    languages apply to every article: a line of another language's chrome is chrome too."""
    from briefing.text.language import all_languages

    fill = {
        "{clock}": _CLOCK,
        "{name}": f"(?P<author>{_BYLINE_NAME})",
        "{words}": r"(?P<author>\S+(?:\s+\S+){0,3})",
        "{n}": r"\d+",
    }
    rules: list[tuple[str, str]] = []
    homes: list[str] = []
    for lang in all_languages():
        for key, patterns in lang.chrome.items():
            if key == "breadcrumb_home":
                homes += [re.escape(h) for h in patterns]
                continue
            for pattern in patterns:
                date = "(?P<published>" + DATE_PATTERN + ")" if key == "published" else DATE_PATTERN
                for hole, value in {**fill, "{date}": date}.items():
                    pattern = pattern.replace(hole, value)
                if key == "age":
                    pattern = f"(?P<age>{pattern})"
                rules.append((pattern, _DATA_REASONS[key]))
    home = "|".join(sorted(set(homes), key=len, reverse=True))
    rules.append(
        (
            rf"(?:{home}|{_CRUMB})(?:\s*[>›»]\s*{_CRUMB}){{1,6}}|(?:{home})(?:\s*[/|]\s*{_CRUMB}){{1,6}}",
            "breadcrumb trail",
        )
    )
    return rules


CHROME_RULES: tuple[ChromeRule, ...] = tuple(
    ChromeRule(re.compile(rf"(?:{pattern})\Z", re.IGNORECASE), reason)
    for pattern, reason in (*_RULE_TABLE, *_data_rules())
)


def match_chrome_rule(line: str) -> ChromeHit | None:
    """The first rule that matches the whole line, with its match."""
    for rule in CHROME_RULES:
        if match := rule.pattern.match(line):
            return rule, match
    return None


def parse_date(text: str) -> str | None:
    """'Sunday, July 6th, 2025' / '6 July 2025' / '12 mars 2025' / '3 de marzo de 2025' /
    '3. März 2025' / '2025-07-06' / '06/07/2025' (day first) -> '2025-07-06'."""
    cleaned = re.sub(r"(\d)(?:st|nd|rd|th)\b|^[a-z]+day\b|(?<=\bsep)t\b", r"\1", text, flags=re.I)
    cleaned = " ".join(cleaned.replace(",", " ").replace(".", " ").split())
    for fmt in ("%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(cleaned, fmt).date().isoformat()
        except ValueError:
            continue
    return _parse_date_any_language(text)


def _parse_date_any_language(text: str) -> str | None:
    from briefing.text.language import all_languages

    tokens = re.findall(r"\d+|[^\W\d_]+", text.lower())
    digits = [int(t) for t in tokens if t.isdigit()]
    month = next(
        (
            n + 1
            for t in tokens
            for lang in all_languages()
            for n, names in enumerate(lang.months)
            if t in names
        ),
        None,
    )
    if month is None and len(digits) == 3:  # 06/07/2025: day first, as outside the US
        day, month, year = digits
    elif month is not None and len(digits) == 2:
        day, year = digits if digits[1] > 31 else digits[::-1]
    else:
        return None
    try:
        return datetime(year, month, day).date().isoformat()
    except ValueError:
        return None


def iso_timestamp(value: str) -> str | None:
    """Normalise a metadata date; keep the time of day when the page gives one."""
    value = value.strip()
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return parse_date(value)
    return stamp.date().isoformat() if len(value) <= 10 else stamp.isoformat()
