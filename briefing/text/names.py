"""Capitalised names: the word lists, and what a name's own words say about it.

Everything here looks at a name alone, never at the text around it: whether a word is a
title, a month or a sentence opener, whether a name reads as an organisation, a place or
a person, and which kind of actor a cue word inside it names ("Ministry", "Red Cross",
"Brigades"). `briefing.text.entities` finds the names in a text and weighs the context;
these lists change for their own reasons (a new kind of organisation, a missed title).
Word lists are generic: no list of real actors beyond well-known acronyms. English's
are here; every other language adds its own from the `[names]` table of its data file
(titles, kind cues, context words): they are specific words, so all languages' apply to
every article, except sentence openers ("Le", "El"), which apply to their language only
(`sentence_starters`).
"""

from __future__ import annotations

import re

from briefing.schema import ActorKind
from briefing.text.language import all_languages, language_data
from briefing.text.sentences import MONTHS


def other_language_names(key: str) -> list[str]:
    """The `[names]` entry `key` of every language file, English's excepted."""
    return [
        str(lang.raw.get("names", {}).get(key, ""))
        for lang in all_languages()
        if lang.code != "en" and lang.raw.get("names", {}).get(key)
    ]


WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
# Capitalised because they open a sentence, not because they are names.
SENTENCE_STARTERS = frozenset(
    """The A An However Meanwhile But And Or So Yet While When Whether If As In On At For By
    With Without After Before Since During Although Though This That These Those Its His Her
    Their Our My Your Some Many Most Several Both Neither Each Every All Also Still Even Only
    Such Other Another One Two Three Four Five Six Seven Eight Nine Ten Thousands Hundreds
    Dozens Tens Millions Local Previous According Under Despite Among Between Until Unlike He
    She It We They I You There Here What Who Which Why How Not No Yes Then Now Today Tomorrow
    Yesterday Last Next Entire Further Earlier Later Analysis Opinion Advertisement Breaking
    Photo Related Special Update Editor Reporting Share Read Subscribe Jan Feb Mar Apr Jun Jul
    Aug Sep Sept Oct Nov Dec""".split()
    + MONTHS
    + WEEKDAYS
)


def sentence_starters(language: str | None) -> frozenset[str]:
    """English's openers plus those of `language` ("Le", "Selon", "Nos" for French), and
    its frequent words capitalised ("Die", "Nach"): no name starts with one."""
    lang = language_data(language)
    if lang is None:
        return SENTENCE_STARTERS
    extra = str(lang.raw.get("names", {}).get("sentence_starters", "")).split()
    # English's openers are listed by hand (its frequent words include names: "Said").
    latin = lang.script == "Latin" and lang.code != "en"
    frequent = [w.capitalize() for w in lang.stopwords] if latin else []
    return SENTENCE_STARTERS | frozenset(extra) | frozenset(frequent)


def capitalises_nouns(language: str | None) -> bool:
    """Whether the language capitalises every noun (German): a single capitalised word
    is then no sign of a name."""
    lang = language_data(language)
    return bool(lang and lang.raw.get("names", {}).get("capitalised_nouns"))


# Lower-case words that open an organisation's name in some languages: "ministère de la
# Santé", "ministerio de Salud".
LOWER_ORG_HEADS = frozenset(" ".join(other_language_names("org_heads")).split())
TITLES = frozenset(
    """President Vice Prime Minister Governor General Gen Colonel Col Major Captain Lieutenant
    Commander Dr Mr Mrs Ms Miss Prof Professor Sheikh Imam King Queen Prince Princess Emir
    Sultan Pope Bishop Archbishop Senator Sen Ambassador Judge Justice Mayor Chancellor
    Secretary Secretary-General Envoy Chief Speaker Deputy Foreign Interior Defence Defense
    Health Finance Supreme Leader Premier Chairman Chairwoman Director Commissioner""".split()
    + " ".join(other_language_names("titles")).split()
)
_CONNECTORS = frozenset(
    "of for and de du des del la le van von bin ibn da di do dos das y the para a o os as".split()
)
NAME_PARTICLE = r"(?:al|el|ad|as|ash|an|ar|az|bin|ibn|de|da|di|du|van|von|der|le|la)"
CAPITALISED_WORD = rf"(?:{NAME_PARTICLE}-)?[A-ZÀ-ÖØ-Þ][\w’'&.-]*"
NAME_WORD = re.compile(CAPITALISED_WORD)
DEMONYM = re.compile(r"[A-Z][a-z]+(?:ian|ean|ish|ese|can|iot)$")

# Words inside a name that say what it is; checked in this order.
_NAME_CUES = {
    ActorKind.OTHER: r"\bParty$",  # a political party ("Civic Union Party"), before "Union"
    ActorKind.NGO: r"Crisis Group|Red Cross|Red Crescent|[a-z]Aid\b|\bAid\b"
    r"|Relief|Rescue|Sans Fronti|Without Borders|Foundation|Institute|Watch\b|Amnesty|Oxfam"
    r"|Society|Charity|Trust\b|Refugee Council|Save the Children|Mercy|Caritas|Centre|Center",
    ActorKind.INTERNATIONAL_ORGANISATION: r"^UN\b|^U\.N\.|United Nations|Organi[sz]ation"
    r"|Programme|Program\b|High Commissioner|Union\b|^(?:International|World|European|African) "
    r"|Fund\b|Development Bank\b|NATO",
    ActorKind.GOVERNMENT: r"Ministry|Authority|Authorities|Department|Government|Parliament"
    r"|(?:Central|National|Reserve) Bank\b|Federal Reserve|Treasury\b"
    r"|Assembly|Police|Armed Forces|Army\b|Navy|Air Force|Military|Presidency|Cabinet|Senate",
    ActorKind.ARMED_GROUP: r"Front\b|Brigades?\b|Battalions?\b|Militias?\b|Liberation"
    r"|Resistance|Mujahideen|Rebels?\b|Forces\b|Movement\b|Guard\b",
    ActorKind.MEDIA: r"News\b|Times\b|Post\b|\bTV\b|Television|Radio|Broadcasting"
    r"|Press\b|Herald|Gazette|Tribune|Journal\b|Ledger|Channel|Network|Reuters|Agence",
}
_NAME_PATTERNS = {
    kind: re.compile("|".join([pattern, *other_language_names(kind.value)]))
    for kind, pattern in _NAME_CUES.items()
}
KNOWN_ACRONYMS: dict[str, ActorKind] = dict.fromkeys(
    """UN UNHCR UNICEF WFP WHO OCHA IOM FAO UNDP UNFPA UNRWA ICRC IFRC NATO EU AU IMF ICC ECOWAS
    ASEAN IAEA""".split(),
    ActorKind.INTERNATIONAL_ORGANISATION,
) | dict.fromkeys("MSF ICG HRW IRC NRC".split(), ActorKind.NGO)
ORG_HEADS = re.compile(
    r"(?:Organi[sz]ation|Programme|Committee|Office|Agency|Authority|Ministry|Department|Union"
    r"|Council|Group|Foundation|Institute|Society|Front|Forces|Army|Bank|Fund|Court|Commission"
    r"|Federation|Movement|Party|Association|Coalition|Alliance|Network|Centre|Center|Republic"
    r"|Kingdom|States|Emirates|Affairs|Coordination|Migration|Chamber|Bureau|Board|Service"
    r"|Corporation|Company|League|Academy|Tribunal|Parliament|Assembly|Senate|Congress"
    r"|Cabinet|Police|Secretariat|Mission|Treasury|Reserve)$"
)
PLACE_NAME = re.compile(
    r"(?:River|Valley|Province|District|Region|Mountains?|Hills|Sea|Ocean|Gulf|Bay|Lake|Islands?"
    r"|Bridge|Road|Highway|Street|Square|Airport|Hospital|School|University|Mosque|Camp|Base"
    r"|Dam|Corridor|Desert|Plain|Strait|Peninsula|East|West|North|South)$|^(?:Port|Mount|Lake"
    r"|Cape|Fort|Saint|St|Old|New|North|South|East|West|Upper|Lower)\s"
)


def strip_particle(word: str) -> str:
    """The form a surname is mentioned by on its own: "al-Assad" -> "Assad"."""
    return re.sub(rf"^{NAME_PARTICLE}-", "", word)


def name_words(name: str) -> list[str]:
    """The name's capitalised words, particles stripped, connectors ("of", "de") left out."""
    return [strip_particle(t) for t in NAME_WORD.findall(name) if t not in _CONNECTORS]


def is_acronym(word: str) -> bool:
    return 2 <= sum(c.isupper() for c in word) and not re.search(r"[a-z]{2}", word)


def kind_from_name(name: str) -> ActorKind | None:
    """The kind a cue word in the name says; the head of "X of Y" is asked first."""
    parts = (name.split(" of ")[0], name)
    return next((k for part in parts for k, p in _NAME_PATTERNS.items() if p.search(part)), None)


def has_title(name: str) -> bool:
    """A title word ("Governor", "Interior Minister") before a personal name."""
    toks = name.split()
    for i, tok in enumerate(toks[:-1]):
        if tok.rstrip(".") in TITLES:
            rest = " ".join(toks[i + 1 :])
            return not ORG_HEADS.search(rest) and not PLACE_NAME.search(rest)
        if not DEMONYM.match(tok):
            return False
    return False


def looks_like_person(name: str, common: frozenset[str] = frozenset()) -> bool:
    """One to three plain capitalised words (titles aside) that could be a personal name:
    no organisation or place word, none also written in lower case in the text."""
    toks = [t for t in name.split() if t.rstrip(".") not in TITLES]
    plain = not any(looks_like_org(t) or t.lower() in common for t in toks)
    return (
        1 <= len(toks) <= 3 and plain and not PLACE_NAME.search(name) and not looks_like_org(name)
    )


def looks_like_org(name: str) -> bool:
    """An organisation's name (or an acronym), not a place's."""
    return bool(
        kind_from_name(name) or is_acronym(name) or any(map(ORG_HEADS.search, name.split()))
    )
