"""Named entities in article text, found with regular expressions and cues.

No language model and no NLP package: names are runs of capitalised words, cleaned of
sentence-initial words, dates and demonyms, joined with their aliases (acronyms defined
in parentheses, initials, surnames, short forms) and classified by cue words in the name
and around its mentions. Places are kept apart from actors. Word lists are generic.

`find_entities(text)` is the public entry point (also used for entity-coverage metrics);
`analyse(text)` also returns the sentences (split by `briefing.text.sentences`) and the places
it found.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field

from briefing.schema import ActorKind
from briefing.text.sentences import MONTHS, Sentence, split_sentences

# --- Word lists --------------------------------------------------------------------------

WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
_STARTERS = frozenset(
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
# "KESSARA, 14 March — ", "GENEVA (Reuters) - ", "Rivertown, 3 May — ": a dateline.
DATELINE = re.compile(
    r"(?:[A-Z][A-Z .'’-]{2,40}(?:\([^)]{1,30}\))?,?[^—–\n]{0,30}?|[A-Z][\w.'’ -]{1,30}, "
    r"(?:\d{1,2} [A-Z][a-z]+|[A-Z][a-z]+ \d{1,2})(?:,? \d{4})?)\s[—–-]{1,2}\s"
)
TITLES = frozenset(
    """President Vice Prime Minister Governor General Gen Colonel Col Major Captain Lieutenant
    Commander Dr Mr Mrs Ms Miss Prof Professor Sheikh Imam King Queen Prince Princess Emir
    Sultan Pope Bishop Archbishop Senator Sen Ambassador Judge Justice Mayor Chancellor
    Secretary Secretary-General Envoy Chief Speaker Deputy Foreign Interior Defence Defense
    Health Finance Supreme Leader Premier Chairman Chairwoman Director Commissioner""".split()
)
_CONNECTORS = frozenset("of for and de du des del la le van von bin ibn da di y the".split())
_PARTICLE = r"(?:al|el|ad|as|ash|an|ar|az|bin|ibn|de|da|di|du|van|von|der|le|la)"
_CAPWORD = rf"(?:{_PARTICLE}-)?[A-ZÀ-ÖØ-Þ][\w’'&.-]*"
_TOKEN = re.compile(_CAPWORD)
_RUN = re.compile(
    rf"(?<![\w’'-]){_CAPWORD}(?:\s+(?:(?:of|for|and|de|du|des|del|la|le|van|von|bin|ibn|da|di"
    rf"|y)(?:\s+the)?\s+)?{_CAPWORD})*"
)
_ACRONYM_DEF = re.compile(r"\s*\(([A-Z][A-Za-z&]{1,9})\)")
_DEMONYM = re.compile(r"[A-Z][a-z]+(?:ian|ean|ish|ese|can|iot)$")
POSSESSIVE = re.compile(r"[’']s?\s")  # "X's", "Xs'" before the next word
_OF_NEXT = re.compile(r"\s+of\s")

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
_NAME_PATTERNS = {kind: re.compile(pattern) for kind, pattern in _NAME_CUES.items()}
KNOWN_ACRONYMS: dict[str, ActorKind] = dict.fromkeys(
    """UN UNHCR UNICEF WFP WHO OCHA IOM FAO UNDP UNFPA UNRWA ICRC IFRC NATO EU AU IMF ICC ECOWAS
    ASEAN IAEA""".split(),
    ActorKind.INTERNATIONAL_ORGANISATION,
) | dict.fromkeys("MSF ICG HRW IRC NRC".split(), ActorKind.NGO)
# Lower-case words next to a mention that say what kind of actor it is.
_CONTEXT_CUES = {
    ActorKind.ARMED_GROUP: frozenset(
        """rebel rebels insurgent insurgents militant militants fighters militia militias
        jihadist jihadists guerrillas guerrilla""".split()
    ),
    ActorKind.GOVERNMENT: frozenset("government ministry regime cabinet troops".split()),
    ActorKind.MEDIA: frozenset("channel newspaper broadcaster outlet television radio".split()),
    ActorKind.NGO: frozenset("charity ngo aid volunteers nonprofit non-governmental".split()),
    ActorKind.PERSON: frozenset(
        """spokesperson spokesman spokeswoman minister president governor commander analyst
        researcher director head chief envoy representative leader founder colonel general
        teacher schoolteacher doctor nurse resident farmer chair chairman chairwoman mayor
        secretary counterpart brother sister son daughter wife husband who he she his her
        professor expert official""".split()
    ),
}
_ORG_HEADS = re.compile(
    r"(?:Organi[sz]ation|Programme|Committee|Office|Agency|Authority|Ministry|Department|Union"
    r"|Council|Group|Foundation|Institute|Society|Front|Forces|Army|Bank|Fund|Court|Commission"
    r"|Federation|Movement|Party|Association|Coalition|Alliance|Network|Centre|Center|Republic"
    r"|Kingdom|States|Emirates|Affairs|Coordination|Migration|Chamber|Bureau|Board|Service"
    r"|Corporation|Company|League|Academy|Tribunal|Parliament|Assembly|Senate|Congress"
    r"|Cabinet|Police|Secretariat|Mission|Treasury|Reserve)$"
)
_PLACE_NAME = re.compile(
    r"(?:River|Valley|Province|District|Region|Mountains?|Hills|Sea|Ocean|Gulf|Bay|Lake|Islands?"
    r"|Bridge|Road|Highway|Street|Square|Airport|Hospital|School|University|Mosque|Camp|Base"
    r"|Dam|Corridor|Desert|Plain|Strait|Peninsula|East|West|North|South)$|^(?:Port|Mount|Lake"
    r"|Cape|Fort|Saint|St|Old|New|North|South|East|West|Upper|Lower)\s"
)
# The text just before a place: a locative word, perhaps after other names ("in A, B and ").
LOCATIVE = re.compile(
    r"\b(?:in|at|near|toward|towards|into|across|around|outside|inside|through|via|beyond"
    r"|within|northern|southern|eastern|western|central|(?:north|south|east|west) of"
    r"|(?:town|city|village|port|district|province|region|capital|outskirts|area|state|country"
    r"|suburb)s? of)\s+(?:the\s+)?(?:[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*(?:,\s*|\s+(?:and|or)\s+))?$"
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
_COLLECTIVE = re.compile(
    r"(?<![\w-])(?:[Tt]he\s+)?government\s+of\s+(?P<y>(?:[A-Z][\w’'-]+\s+){0,3}[A-Z][\w’'-]+)"
    r"|(?<![\w-])(?:[Tt]he\s+)?(?P<x>[A-Z][\w’']*(?:-[A-Z][\w’']*)*(?:\s+[A-Z][\w’']*)?)"
    r"(?:’s|'s)?\s+(?P<noun>government|regime|authorities|administration|army|military|forces"
    r"|troops|rebels|militias?|fighters|insurgents|militants)\b"
)
_ARMED_NOUNS = frozenset("rebels militia militias fighters insurgents militants".split())
_STATE_NOUNS = frozenset("government regime authorities administration".split())


# --- Entities ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str


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


@dataclass
class _Group:
    forms: list[str]  # distinct surface forms, the canonical name first
    mentions: list[Mention] = field(default_factory=list)
    tentative: bool = True  # one word, only ever seen at the start of a sentence
    place: bool = False
    collective: ActorKind | None = None
    from_of: bool = False  # the "Y" of "Person of Y" with no organisation cue: a place


def _norm(token: str) -> str:
    return re.sub(rf"^{_PARTICLE}-", "", token)


def _tokens(name: str) -> list[str]:
    return [_norm(t) for t in _TOKEN.findall(name) if t not in _CONNECTORS]


def _is_acronym(token: str) -> bool:
    return 2 <= sum(c.isupper() for c in token) and not re.search(r"[a-z]{2}", token)


def _name_kind(name: str) -> ActorKind | None:
    """The kind a cue word in the name says; the head of "X of Y" is asked first."""
    parts = (name.split(" of ")[0], name)
    return next((k for part in parts for k, p in _NAME_PATTERNS.items() if p.search(part)), None)


def _has_title(name: str) -> bool:
    """A title word ("Governor", "Interior Minister") before a personal name."""
    toks = name.split()
    for i, tok in enumerate(toks[:-1]):
        if tok.rstrip(".") in TITLES:
            rest = " ".join(toks[i + 1 :])
            return not _ORG_HEADS.search(rest) and not _PLACE_NAME.search(rest)
        if not _DEMONYM.match(tok):
            return False
    return False


def _person_like(name: str, common: frozenset[str] = frozenset()) -> bool:
    """One to three plain capitalised words (titles aside) that could be a personal name:
    no organisation or place word, none also written in lower case in the text."""
    toks = [t for t in name.split() if t.rstrip(".") not in TITLES]
    plain = not any(_org_like(t) or t.lower() in common for t in toks)
    return 1 <= len(toks) <= 3 and plain and not _PLACE_NAME.search(name) and not _org_like(name)


def _org_like(name: str) -> bool:
    """An organisation's name (or an acronym), not a place's."""
    return bool(_name_kind(name) or _is_acronym(name) or any(map(_ORG_HEADS.search, name.split())))


def _candidates(text: str, sentences: list[Sentence]) -> list[tuple[int, int, bool, bool]]:
    """(start, end, sentence-initial, right part of "Person of Y") for every name run."""
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
        for run in _RUN.finditer(text, first, s.end):
            tokens: list[tuple[int, int]] = []
            of_y = False
            for tok in _TOKEN.finditer(text, run.start(), run.end()):
                word, end = tok.group(), tok.end()
                cut = re.search(r"(?:[’']s?|\.)$", word)  # a possessive or a full stop ends it
                if cut:
                    end, word = end - len(cut.group()), word[: -len(cut.group())]
                # "Residents of X": a common noun opening the sentence, not part of a name.
                opener = not tokens and tok.start() == first and word not in mid
                opener = opener and bool(_OF_NEXT.match(text, end)) and word not in TITLES
                opener = opener and not _org_like(word) and not _PLACE_NAME.search(word)
                bad = (
                    not word
                    or "." in word
                    or (_is_acronym(word) and text.startswith(" dollar", end))
                    or re.search(r"-[a-z]", word) is not None  # "Turkish-backed"
                    or word in MONTHS
                    or word in WEEKDAYS
                    or (not tokens and word in _STARTERS)
                    or opener
                )
                if not bad:
                    tokens.append((tok.start(), end))
                if bad or cut:
                    out += _split(text, tokens, first, common, of_y)
                    tokens, of_y = [], opener  # "Residents of X": X is a place
            out += _split(text, tokens, first, common, of_y)
    return out


def _split(
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
        one_org = _ORG_HEADS.search(name) and not _ORG_HEADS.search(left)
        person_of = joiner == ["of"] and (
            _has_title(left) or (len(left.split()) >= 2 and _person_like(left, common))
        )
        if (joiner == ["and"] and not one_org) or person_of:
            y = joiner == ["of"] and not _org_like(right)
            tail = _split(text, tokens[i:], first, common, of_y)
            return _split(text, tokens[:i], first, common, of_y) + [
                (a, z, False, y or o) for a, z, _, o in tail
            ]
    initial = tokens[0][0] == first or text[tokens[0][0] - 1] in '“"‘:'
    return [(tokens[0][0], tokens[-1][1], initial, of_y and not _org_like(name))]


def analyse(text: str, *, skip_headings: bool = True) -> Analysis:
    """Sentences, ranked entities and places of `text` (deterministic, offline)."""
    sentences = split_sentences(text)
    if not skip_headings:
        sentences = [Sentence(s.text, s.start, s.end, s.block, False) for s in sentences]
    groups: dict[str, _Group] = {}
    for start, end, initial, of_part in _candidates(text, sentences):
        name = text[start:end]
        if all(t in TITLES for t in name.split()) or (" " not in name and _DEMONYM.match(name)):
            continue  # "Interior Minister", "Supreme Leader": a title, not yet a name
        g = groups.setdefault(name, _Group([name]))
        g.mentions.append(Mention(start, end, name))
        g.tentative &= initial and " " not in name and not _is_acronym(name)
        g.from_of |= of_part
    # A word seen only at the start of sentences ("Meanwhile", "Drevon") is kept when it is
    # also the last word (surname, head noun) of a name used mid-sentence.
    confirmed = {_tokens(n)[-1] for n, g in groups.items() if not g.tentative and _tokens(n)}
    groups = {n: g for n, g in groups.items() if not g.tentative or _norm(n) in confirmed}
    for name, g in groups.items():
        g.place = _is_place(text, name, g)
    _join_aliases(text, groups)
    home = _home_stems(sentences)
    kinds = {n: _classify(text, g, home, set()) for n, g in groups.items()}
    _add_collectives(text, sentences, groups, kinds)
    persons = {t for n in groups if kinds.get(n) is ActorKind.PERSON for t in _tokens(n)}
    entities = [
        Entity(g.forms[0], _classify(text, g, home, persons), tuple(g.forms[1:]), tuple(g.mentions))
        for g in groups.values()
        if not g.place and (g.collective or not g.from_of)
    ]
    entities.sort(key=lambda e: (-e.count, e.first))
    places = sorted((g for g in groups.values() if g.place), key=lambda g: g.mentions[0].start)
    return Analysis(tuple(sentences), tuple(entities), tuple(g.forms[0] for g in places))


def find_entities(text: str) -> list[Entity]:
    """Named actors in `text` (people, organisations, groups, states), most mentioned first."""
    return list(analyse(text).entities)


def _is_place(text: str, name: str, g: _Group) -> bool:
    if (_PLACE_NAME.search(name) and not _ORG_HEADS.search(name)) or g.from_of:
        return True
    if _name_kind(name) or _has_title(name) or _is_acronym(name):
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


def _join_aliases(text: str, groups: dict[str, _Group]) -> None:
    """Fold acronyms, initials, surnames and short forms into the full name's group."""
    defined: dict[str, str] = {}
    for name, g in groups.items():
        for m in g.mentions:
            d = _ACRONYM_DEF.match(text, m.end)
            if d and d.group(1) in groups and d.group(1) != name:
                defined.setdefault(d.group(1), name)

    # Candidates come from an index (by initials, by word), not from every pair of names.
    words = {n: _tokens(n) for n in groups}
    by_initials: dict[str, list[str]] = {}
    by_word: dict[str, list[str]] = {}
    for name, toks in words.items():
        by_initials.setdefault("".join(t[0] for t in toks if t[0].isupper()), []).append(name)
        for t in dict.fromkeys(toks):
            by_word.setdefault(t, []).append(name)

    def target(short: str) -> str | None:
        toks, acronym, best = words[short], _is_acronym(short), None
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
        into = None if groups[short].place else target(short)
        if into is None or into not in groups:
            continue
        g, big = groups.pop(short), groups[into]
        big.forms += [f for f in g.forms if f not in big.forms]
        big.mentions = sorted(big.mentions + g.mentions, key=lambda m: m.start)
        big.tentative = False


def _add_collectives(
    text: str, sentences: list[Sentence], groups: dict[str, _Group], kinds: dict[str, ActorKind]
) -> None:
    """Governments and forces named by a modifier ("Syrian forces", "government of X").

    The span joins the organisation or group it names ("Federation fighters"); a bare name
    it governs ("Kaldera") becomes that state's government; else it is a new actor.
    """
    by_token: dict[str, str] = {}
    for name, g in groups.items():
        if not g.place and kinds[name] is not ActorKind.PERSON:
            for form in g.forms:
                by_token.setdefault(_norm(form), name)
    created: dict[tuple[str, bool], str] = {}
    spans: list[tuple[int, int]] = []
    added: list[tuple[_Group, Mention]] = []
    for s in sentences:
        for m in _COLLECTIVE.finditer(text, s.start, s.end) if not s.heading else ():
            x = m.group("x") or m.group("y")
            if x.split()[0] in _STARTERS or (x.split()[0] in TITLES and not m.group("y")):
                continue
            key, noun = _norm(x.split()[-1]), (m.group("noun") or "government").lower()
            armed, start, end = noun in _ARMED_NOUNS, m.start(), m.end()
            label = re.sub(r"^[Tt]he\s+", "", m.group())
            if key in by_token:
                g = groups[by_token[key]]
                if noun in _STATE_NOUNS and not g.collective and not any(map(_name_kind, g.forms)):
                    g.collective = ActorKind.GOVERNMENT
                    g.forms.insert(0, label)
            elif (key, armed) in created:
                g = groups[created[(key, armed)]]
            else:
                created[(key, armed)] = label
                g = groups.setdefault(label, _Group([label], tentative=False))
                g.collective = ActorKind.ARMED_GROUP if armed else ActorKind.GOVERNMENT
            if label not in g.forms and g.collective:
                g.forms.append(label)
            spans.append((start, end))
            added.append((g, Mention(end - len(label), end, label)))
    # A name inside a span ("Kaldera" in "government of Kaldera") is that span's mention.
    starts = [a for a, _ in spans]
    for g in groups.values():
        if not _has_title(g.forms[0]):
            inside = ((bisect_right(starts, n.start) - 1, n) for n in g.mentions)
            g.mentions = [n for i, n in inside if i < 0 or n.start >= spans[i][1]]
    for g, mention in added:
        g.mentions = sorted([*g.mentions, mention], key=_start)
    for name in [n for n, g in groups.items() if not g.mentions]:
        del groups[name]
    for g in groups.values():
        if g.collective:  # "Syrian government" names the actor better than "Syrian forces"
            g.forms.sort(key=lambda f: "government" not in f and "regime" not in f)


def _start(m: Mention) -> int:
    return m.start


def _home_stems(sentences: list[Sentence]) -> set[str]:
    """Stems of capitalised words in the title and first two paragraphs: the home country."""
    blocks = sorted({s.block for s in sentences if not s.heading})[:2]
    text = " ".join(s.text for s in sentences if s.block in blocks or s.block == 0)
    return {w[:4] for w in re.findall(r"[A-Z]\w+", text)}


def _classify(text: str, g: _Group, home: set[str], persons: set[str]) -> ActorKind:
    name = g.forms[0]
    if g.collective:  # a government not named in the opening is a foreign state's
        key = _norm(name.split()[-1] if name.startswith("government of") else name.split()[0])
        if g.collective is ActorKind.GOVERNMENT and key not in persons and key[:4] not in home:
            return ActorKind.FOREIGN_STATE
        return g.collective
    known = [KNOWN_ACRONYMS[f] for f in g.forms if f in KNOWN_ACRONYMS]
    if known or _has_title(name):
        return known[0] if known else ActorKind.PERSON
    kind = next((k for k in map(_name_kind, g.forms) if k), None)
    if kind:
        return kind
    # Two or three plain capitalised words are a person unless a word right beside a
    # mention says otherwise ("opposition channel Aleppo Today"); a name with an acronym
    # is an organisation. Single words look a little further, within their sentence.
    person_like = _person_like(name) and len(_tokens(name)) >= 2
    person_like &= not any(map(_is_acronym, g.forms))
    reach = 1 if person_like else 3
    votes: Counter[ActorKind] = Counter()
    for m in g.mentions:
        before = re.split(r"[.!?]\s", text[max(m.start - 50, 0) : m.start])[-1]
        after = re.split(r"[.!?]\s", text[m.end : m.end + 50])[0]
        # After a possessive the words name a role *of* this actor ("X's foreign minister").
        after = "" if POSSESSIVE.match(after) else after
        words = re.findall(r"[\w-]+", before.lower())[-reach:]
        words += re.findall(r"[\w-]+", after.lower())[:reach]
        for k, cues in _CONTEXT_CUES.items():
            if k is not ActorKind.PERSON or not person_like:
                votes[k] += sum(w in cues for w in words)
    best = max(votes.items(), key=lambda kv: kv[1], default=(ActorKind.OTHER, 0))
    if best[1] > 0:
        return best[0]
    return ActorKind.PERSON if person_like else ActorKind.OTHER
