"""Named entities in article text, found with regular expressions and cues.

No language model and no NLP package: names are runs of capitalised words, cleaned of
sentence-initial words, dates and demonyms, joined with their aliases (acronyms defined
in parentheses, initials, surnames, short forms) and classified by cue words in the name
and around its mentions. Places are kept apart from actors. Word lists are generic.

`find_entities(text)` is the public entry point (also used for entity-coverage metrics);
`analyse(text)` also returns the sentences (split by `briefing.text.sentences`) and the places
it found. This module reads the text around names (where runs start and split, aliases,
"government of X", what a mention's neighbours say); what a name's own words say, and
the word lists, are in `briefing.text.names`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from briefing.schema import ActorKind
from briefing.text.collectives import add_collectives, add_states
from briefing.text.groups import Mention, NameGroup
from briefing.text.language import language_data
from briefing.text.long_names import acronym_long_forms, head_start, headed_names
from briefing.text.names import (
    CAPITALISED_WORD,
    DEMONYM,
    KNOWN_ACRONYMS,
    NAME_WORD,
    ORG_HEADS,
    PLACE_NAME,
    SENTENCE_STARTERS,
    TITLES,
    WEEKDAYS,
    capitalises_nouns,
    has_title,
    is_acronym,
    kind_from_name,
    looks_like_org,
    looks_like_person,
    name_words,
    other_language_names,
    sentence_starters,
    strip_particle,
)
from briefing.text.sentences import MONTHS, Sentence, split_sentences

# "KESSARA, 14 March — ", "GENEVA (Reuters) - ", "Rivertown, 3 May — ": a dateline.
DATELINE = re.compile(
    r"(?:[A-Z][A-Z .'’-]{2,40}(?:\([^)]{1,30}\))?,?[^—–\n]{0,30}?|[A-Z][\w.'’ -]{1,30}, "
    r"(?:\d{1,2} [A-Z][a-z]+|[A-Z][a-z]+ \d{1,2})(?:,? \d{4})?)\s[—–-]{1,2}\s"
)
_NAME_RUN = re.compile(
    rf"(?<![\w’'-]){CAPITALISED_WORD}(?:\s+(?:(?:of|for|and|de|du|des|del|la|le|van|von|bin|ibn"
    rf"|da|di|do|dos|das|y|para)(?:\s+(?:the|la|las|los|les|a|o|os|as))?\s+)?{CAPITALISED_WORD})*"
)
_ACRONYM_DEF = re.compile(r"\s*\(([A-Z][A-Za-z&]{1,9})\)")
POSSESSIVE = re.compile(r"[’']s?\s")  # "X's", "Xs'" before the next word
_OF_NEXT = re.compile(r"\s+of\s")
_ELISION = re.compile(r"[LlDd][’'](?=[A-ZÀ-Þ])")
_ELIDED_COMMON = re.compile(r"[LlDd][’'][a-zà-ÿ]")


# Lower-case words next to a mention that say what kind of actor it is.
def _context(kind: ActorKind) -> frozenset[str]:
    """Other languages' context words for `kind` (`context_<kind>` in `[names]`)."""
    return frozenset(" ".join(other_language_names(f"context_{kind.value}")).split())


_CONTEXT_CUES = {
    ActorKind.ARMED_GROUP: _context(ActorKind.ARMED_GROUP)
    | frozenset(
        """rebel rebels insurgent insurgents militant militants fighters militia militias
        jihadist jihadists guerrillas guerrilla""".split()
    ),
    ActorKind.GOVERNMENT: _context(ActorKind.GOVERNMENT)
    | frozenset("government ministry regime cabinet troops".split()),
    ActorKind.MEDIA: frozenset("channel newspaper broadcaster outlet television radio".split()),
    ActorKind.NGO: frozenset("charity ngo aid volunteers nonprofit non-governmental".split()),
    ActorKind.PERSON: _context(ActorKind.PERSON)
    | frozenset(
        """spokesperson spokesman spokeswoman minister president governor commander analyst
        researcher director head chief envoy representative leader founder colonel general
        teacher schoolteacher doctor nurse resident farmer chair chairman chairwoman mayor
        secretary counterpart brother sister son daughter wife husband who he she his her
        professor expert official""".split()
    ),
}
# The text just before a place: a locative word, perhaps after other names ("in A, B and ").
# Other languages add theirs (`[names] locative`: "à", "dans", "districts de", "en").
_OTHER_LOCATIVES = "|".join(other_language_names("locative"))
LOCATIVE = re.compile(
    r"\b(?:in|at|near|toward|towards|into|across|around|outside|inside|through|via|beyond"
    r"|within|northern|southern|eastern|western|central|(?:north|south|east|west) of"
    r"|(?:town|city|village|port|district|province|region|capital|outskirts|area|state|country"
    rf"|suburb)s? of{'|' + _OTHER_LOCATIVES if _OTHER_LOCATIVES else ''})"
    r"\s+(?:(?:the|la|le|les|el|los|las|a|o|os|as)\s+)?"
    r"(?:[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*(?:,\s*|\s+(?:and|or|et|y|e)\s+(?:de\s+)?))?$"
)
_PLACE_AFTER = re.compile(
    r"[’']?s?\s+(?:river|valley|province|district|city|town|village|region|bridge|checkpoint"
    r"|crossing|road|highway|dam|camp|border|airport|port|market|governorate|county|corridor"
    r"|plaza|square|front|coast|area|highlands|neighbourhood|neighborhood)\b"
)
_SPEECH_AFTER = re.compile(
    r"[’']?s?\s*(?:\([A-Z]+\)\s*)?,?\s*(?:said|says|told|noted|added|warned|stated|announced"
    r"|reported|confirmed|denied|claimed|called|urged|estimated|suggested|highlighted)\b"
)
# "government of Kaldera", "the Solen government", "Syrian forces", "Federation fighters".
_INSTITUTION = re.compile(r"(?:Hospital|Clinic|University|School|College)$")


# --- Entities ----------------------------------------------------------------------------


# Mention is part of this module's API (Entity.mentions holds them).
__all__ = [
    "DATELINE",
    "LOCATIVE",
    "POSSESSIVE",
    "Analysis",
    "Entity",
    "Mention",
    "analyse",
    "find_entities",
]


@dataclass(frozen=True)
class Entity:
    name: str
    kind: ActorKind
    aliases: tuple[str, ...]
    mentions: tuple[Mention, ...]  # in text order; name and alias mentions alike

    @property
    def first(self) -> int:
        return self.mentions[0].start

    @property
    def count(self) -> int:
        return len(self.mentions)


@dataclass(frozen=True)
class Analysis:
    sentences: tuple[Sentence, ...]
    entities: tuple[Entity, ...]  # most mentions first, then earliest
    places: tuple[str, ...]  # in order of first mention


def _name_spans(
    text: str,
    sentences: list[Sentence],
    starters: frozenset[str] = SENTENCE_STARTERS,
    language: str | None = None,
) -> list[tuple[int, int, bool, bool]]:
    """(start, end, sentence-initial, right part of "Person of Y") for every name run,
    with long forms that runs miss (`briefing.text.long_names`) in place of their parts."""
    out: list[tuple[int, int, bool, bool]] = []
    # Words capitalised mid-sentence are names; words also written in lower case are not.
    mid = set(re.findall(r"(?<=[\w,;] )[A-ZÀ-Þ][\w’'-]*", text))
    common = frozenset(re.findall(r"(?<![\w’'-])[a-z][a-z’'-]+", text))
    for s in sentences:
        letters = [c for c in s.text if c.isalpha()]
        shouting = len(s.text.split()) > 3 and sum(map(str.isupper, letters)) > 0.6 * len(letters)
        if s.heading or shouting:
            continue  # headings and all-capitals text capitalise everything
        first = s.start + len(s.text) - len(s.text.lstrip(" \"'“‘([*_"))
        date = DATELINE.match(text, first, s.end)
        first = date.end() if date else first
        mine: list[tuple[int, int, bool, bool]] = []  # this sentence's spans
        for run in _NAME_RUN.finditer(text, first, s.end):
            tokens: list[tuple[int, int]] = []
            of_y = False
            for tok in NAME_WORD.finditer(text, run.start(), run.end()):
                word, end = tok.group(), tok.end()
                elided = _ELISION.match(word)
                if elided and not tokens:  # "L'ONU", "d’Action": the article is no name
                    tok_start = tok.start() + elided.end()
                    word = word[elided.end() :]
                else:
                    tok_start = tok.start()
                cut = re.search(r"(?:[’']s?|\.)$", word)  # a possessive or a full stop ends it
                if cut:
                    end, word = end - len(cut.group()), word[: -len(cut.group())]
                # "Residents of X": a common noun opening the sentence, not part of a name.
                opener = not tokens and tok_start == first and word not in mid
                opener = opener and bool(_OF_NEXT.match(text, end)) and word not in TITLES
                opener = opener and not looks_like_org(word) and not PLACE_NAME.search(word)
                bad = (
                    not word
                    or _ELIDED_COMMON.match(word) is not None  # "L'organisation": common
                    or "." in word
                    or (is_acronym(word) and text.startswith(" dollar", end))
                    or re.search(r"-[a-z]", word) is not None  # "Turkish-backed"
                    or word in MONTHS
                    or word in WEEKDAYS
                    or (not tokens and word in starters)
                    or opener
                )
                if not bad:
                    tokens.append((tok_start, end))
                if bad or cut:
                    mine += _split_run(text, tokens, first, common, of_y)
                    tokens, of_y = [], opener  # "Residents of X": X is a place
            mine += _split_run(text, tokens, first, common, of_y)
        # Per sentence, so a long article is read once, not once per sentence.
        out += _with_long_forms(text, s, first, mine)
        out += [(a, z, False, False) for a, z in headed_names(text, first, s.end, language)]
    return out


def _with_long_forms(
    text: str, s: Sentence, first: int, spans: list[tuple[int, int, bool, bool]]
) -> list[tuple[int, int, bool, bool]]:
    """The spans of sentence `s` with acronym long forms and lower-case heads applied:
    "Programme alimentaire mondial", "ministère de la Santé"."""
    longs = acronym_long_forms(text, s.start, s.end)
    mine = [sp for sp in spans if not any(a <= sp[0] and sp[1] <= z for a, z in longs)]
    mine += [(a, z, a == first, False) for a, z in longs]
    mine = [(head_start(text, a), z, initial, of_y) for a, z, initial, of_y in mine]
    return sorted(mine)


def _split_run(
    text: str, tokens: list[tuple[int, int]], first: int, common: frozenset[str], of_y: bool
) -> list[tuple[int, int, bool, bool]]:
    """Split a run at "and" (unless it is one organisation) and at "Person of Y" (a titled
    person, or a name that looks like a person's: "Tomas Varga of the Liberal Party")."""
    if not tokens:
        return []
    name = text[tokens[0][0] : tokens[-1][1]]
    for i in range(1, len(tokens)):
        joiner = text[tokens[i - 1][1] : tokens[i][0]].split()[:1]
        left, right = text[tokens[0][0] : tokens[i - 1][1]], text[tokens[i][0] : tokens[-1][1]]
        one_org = ORG_HEADS.search(name) and not ORG_HEADS.search(left)
        person_of = joiner == ["of"] and (
            has_title(left) or (len(left.split()) >= 2 and looks_like_person(left, common))
        )
        if (joiner == ["and"] and not one_org) or person_of:
            y = joiner == ["of"] and not looks_like_org(right)
            tail = _split_run(text, tokens[i:], first, common, of_y)
            return _split_run(text, tokens[:i], first, common, of_y) + [
                (a, z, False, y or o) for a, z, _, o in tail
            ]
    initial = tokens[0][0] == first or text[tokens[0][0] - 1] in '“"‘:'
    return [(tokens[0][0], tokens[-1][1], initial, of_y and not looks_like_org(name))]


def analyse(text: str, *, skip_headings: bool = True, language: str | None = None) -> Analysis:
    """Sentences, ranked entities and places of `text` (deterministic, offline);
    `language` adds its abbreviations, sentence openers and name words to English's."""
    sentences = split_sentences(text, language)
    if not skip_headings:
        sentences = [Sentence(s.text, s.start, s.end, s.block, False) for s in sentences]
    groups: dict[str, NameGroup] = {}
    for start, end, initial, of_part in _name_spans(
        text, sentences, sentence_starters(language), language
    ):
        name = text[start:end]
        if all(t in TITLES for t in name.split()) or (" " not in name and DEMONYM.match(name)):
            continue  # "Interior Minister", "Supreme Leader": a title, not yet a name
        g = groups.setdefault(name, NameGroup([name]))
        g.mentions.append(Mention(start, end, name))
        g.tentative &= initial and " " not in name and not is_acronym(name)
        g.from_of |= of_part
    if capitalises_nouns(language):  # German "Nacht", "Menschen": nouns, not names
        groups = {n: g for n, g in groups.items() if " " in n or is_acronym(n) or kind_from_name(n)}
    # A word seen only at the start of sentences ("Meanwhile", "Drevon") is kept when it is
    # also the last word (surname, head noun) of a name used mid-sentence.
    confirmed = {name_words(n)[-1] for n, g in groups.items() if not g.tentative and name_words(n)}
    groups = {n: g for n, g in groups.items() if not g.tentative or strip_particle(n) in confirmed}
    for name, g in groups.items():
        g.place = _is_place(text, name, g)
    _join_aliases(text, groups)
    home = _home_stems(sentences)
    # Context words are English and the cued languages': elsewhere only a name's own
    # words (or a known acronym) say what kind of actor it is.
    lang = language_data(language)
    cued = language in (None, "en") or (lang is not None and lang.full_analysis)
    plain = not capitalises_nouns(language)
    kinds = {n: _classify(text, g, home, set(), cued, plain) for n, g in groups.items()}
    add_collectives(text, sentences, groups, kinds)
    add_states(text, groups, home)
    persons = {t for n in groups if kinds.get(n) is ActorKind.PERSON for t in name_words(n)}
    entities = [
        Entity(
            g.forms[0],
            _classify(text, g, home, persons, cued, plain),
            tuple(g.forms[1:]),
            tuple(g.mentions),
        )
        for g in groups.values()
        if not g.place and (g.collective or not g.from_of)
    ]
    entities.sort(key=lambda e: (-e.count, e.first))
    places = sorted((g for g in groups.values() if g.place), key=lambda g: g.mentions[0].start)
    return Analysis(tuple(sentences), tuple(entities), tuple(g.forms[0] for g in places))


def find_entities(text: str) -> list[Entity]:
    """Named actors in `text` (people, organisations, groups, states), most mentioned first."""
    return list(analyse(text).entities)


def _is_place(text: str, name: str, g: NameGroup) -> bool:
    # An institution that speaks is an actor: "Doctors at Kessara General Hospital said".
    speaks = _INSTITUTION.search(name) is not None and any(
        _SPEECH_AFTER.match(text, m.end) for m in g.mentions
    )
    if (PLACE_NAME.search(name) and not ORG_HEADS.search(name) and not speaks) or g.from_of:
        return True
    if kind_from_name(name) or has_title(name) or is_acronym(name):
        return False
    located = False
    for m in g.mentions:
        after = text[m.end : m.end + 40]
        # "in the Federation's northern command" locates the command, not the Federation.
        loc = not POSSESSIVE.match(after) and bool(
            LOCATIVE.search(text[max(m.start - 60, 0) : m.start])
        )
        if not loc and (_SPEECH_AFTER.match(after) or after.startswith(", who ")):
            return False  # "X said", "X, who": someone, not somewhere
        located |= loc or bool(_PLACE_AFTER.match(after))
    return located


def _join_aliases(text: str, groups: dict[str, NameGroup]) -> None:
    """Fold acronyms, initials, surnames and short forms into the full name's group."""
    defined: dict[str, str] = {}
    for name, g in groups.items():
        for m in g.mentions:
            d = _ACRONYM_DEF.match(text, m.end)
            if d and d.group(1) in groups and d.group(1) != name:
                defined.setdefault(d.group(1), name)

    # Candidates come from an index (by initials, by word), not from every pair of names.
    words = {n: name_words(n) for n in groups}
    by_initials: dict[str, list[str]] = {}
    by_word: dict[str, list[str]] = {}
    for name, toks in words.items():
        by_initials.setdefault("".join(t[0] for t in toks if t[0].isupper()), []).append(name)
        for t in dict.fromkeys(toks):
            by_word.setdefault(t, []).append(name)

    def full_name_for(short: str) -> str | None:
        toks, acronym, best = words[short], is_acronym(short), None
        if short in defined or not toks:
            return defined.get(short)
        for name in by_initials.get(short, []) if acronym else by_word.get(toks[0], []):
            g = groups.get(name)
            if g is None or g.place or len(name) <= len(short):
                continue
            long = words[name]  # acronyms matched their initials ("WHO"); else a surname,
            at = [i for i in range(len(long)) if long[i : i + len(toks)] == toks]  # or a run
            if acronym or (at and (at[-1] + len(toks) == len(long) or len(toks) >= 2)):
                rank = (-len(g.mentions), g.mentions[0].start, name)
                best = rank if best is None or rank < best else best
        return best[2] if best else None

    # Shortest first, so "Assad" joins the full name rather than a longer short form.
    for short in sorted(groups, key=lambda n: (len(n), n)):
        into = None if groups[short].place else full_name_for(short)
        if into is None or into not in groups:
            continue
        g, big = groups.pop(short), groups[into]
        big.forms += [f for f in g.forms if f not in big.forms]
        big.mentions = sorted(big.mentions + g.mentions, key=lambda m: m.start)
        big.tentative = False


def _home_stems(sentences: list[Sentence]) -> set[str]:
    """Stems of capitalised words in the title and first two paragraphs: the home country."""
    blocks = sorted({s.block for s in sentences if not s.heading})[:2]
    text = " ".join(s.text for s in sentences if s.block in blocks or s.block == 0)
    return {w[:4] for w in re.findall(r"[A-Z]\w+", text)}


def _classify(
    text: str,
    g: NameGroup,
    home: set[str],
    persons: set[str],
    cued: bool = True,
    plain_names_are_people: bool = True,
) -> ActorKind:
    name = g.forms[0]
    if g.collective:  # a government not named in the opening is a foreign state's
        key = strip_particle(
            name.split()[-1] if name.startswith("government of") else name.split()[0]
        )
        foreign = key[:1].isupper() and key not in persons and key[:4] not in home
        if g.collective is ActorKind.GOVERNMENT and foreign:
            return ActorKind.FOREIGN_STATE
        return g.collective
    known = [KNOWN_ACRONYMS[f] for f in g.forms if f in KNOWN_ACRONYMS]
    if known or has_title(name):
        return known[0] if known else ActorKind.PERSON
    kind = next((k for k in map(kind_from_name, g.forms) if k), None)
    if kind or not cued:
        return kind or ActorKind.OTHER
    # Two or three plain capitalised words are a person unless a word right beside a
    # mention says otherwise ("opposition channel Aleppo Today"); a name with an acronym
    # is an organisation. Single words look a little further, within their sentence.
    person_like = looks_like_person(name) and len(name_words(name)) >= 2
    person_like &= not any(map(is_acronym, g.forms))
    # Where every noun is capitalised (German), two capitalised words are as often a noun
    # phrase ("Millionen Euro Soforthilfe") as a person; a title or a context word decides.
    person_like &= plain_names_are_people
    reach = 1 if person_like else 3
    votes: Counter[ActorKind] = Counter()
    for m in g.mentions:
        before = re.split(r"[.!?]\s", text[max(m.start - 50, 0) : m.start])[-1]
        after = re.split(r"[.!?]\s", text[m.end : m.end + 50])[0]
        # After a possessive the words name a role *of* this actor ("X's foreign minister").
        after = "" if POSSESSIVE.match(after) else after
        words = re.findall(r"[\w-]+", before.lower())[-reach:]
        # "le porte-parole du ministère, Jean-Baptiste Mbarga": a person's role noun in
        # the apposition before the name outweighs the organisation it names.
        appositive = re.search(r"([\w\s'’-]{1,40}),\s*$", before)
        if (
            person_like
            and appositive
            and _CONTEXT_CUES[ActorKind.PERSON]
            & set(re.findall(r"[\w-]+", appositive.group(1).lower())[-4:])
        ):
            return ActorKind.PERSON
        words += re.findall(r"[\w-]+", after.lower())[:reach]
        for k, cues in _CONTEXT_CUES.items():
            if k is not ActorKind.PERSON or not person_like:
                votes[k] += sum(w in cues for w in words)
    best = max(votes.items(), key=lambda kv: kv[1], default=(ActorKind.OTHER, 0))
    if best[1] > 0:
        return best[0]
    return ActorKind.PERSON if person_like else ActorKind.OTHER
