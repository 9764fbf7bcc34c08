"""Offline extractive engine: a brief filled from the article's own sentences.

The brief a user gets with no model configured, and the baseline every prompt must beat.
Every text is a verbatim sentence or clause of `article.text` (summaries join whole
sentences; an ellipsis marks a clause cut short), so every evidence quote is an exact
substring by construction, and `extract_brief` checks it before returning. Nothing is
invented: a place, date, source or timeframe the sentence does not state stays null, and
likelihoods are always null.

Sections are filled by cue words and simple scores (position, events, figures, named
actors), within `briefing.budgets`; `briefing.text.figures` reads the numbers, dates and time
spans and who reports them. Deterministic; no model, no network.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from briefing import schema
from briefing.budgets import BUDGETS, Budgets, trim_words, word_count
from briefing.ingest.article import Article
from briefing.schema import ActorKind, Brief, Claim, Figure, iter_evidence
from briefing.text import entities
from briefing.text.entities import DATELINE, LOCATIVE, POSSESSIVE, Entity, analyse
from briefing.text.figures import (
    TIMEFRAME,
    WHEN,
    FigureReading,
    cue,
    figures_in,
    has_figure,
    reported_by,
)
from briefing.text.names import TITLES
from briefing.text.sentences import Sentence

_EVENT = cue(
    r"seiz\w*|captur\w*|withdr\w*|launch\w*|attack\w*|closed|clos(?:e|ing)|kill\w*|displac\w*"
    r"|fled|flee\w*|struck|strikes?|declar\w*|exchang\w*|overr[au]n|storm\w*|advanc\w*"
    r"|retreat\w*|bomb\w*|shell\w*|crossed|opened|evacuat\w*|swept|burst|collaps\w*"
    r"|deliver\w*|distribut\w*|announc\w*|convened|agreed|signed|brokered|released|freed"
    r"|arrest\w*|destroy\w*|damag\w*|flooded|injur\w*|wounded|push\w*|toppl\w*|occup\w*"
    r"|retak\w*|recaptur\w*|ambush\w*|raid\w*|besieg\w*|deploy\w*|imposed|suspend\w*|halt\w*"
    r"|(?:took|take|taken|taking|claimed) control|confirmed|denied|landed|hit"
)
_HUMANITARIAN = cue(
    r"civilians?|displac\w*|shelter\w*|aid|humanitarian|killed|killing|dead|deaths?|died"
    r"|wounded|injur\w*|refugees?|famil(?:y|ies)|winter|hospitals?|food|water|cholera|disease"
    r"|evacuat\w*|missing|malnutrition|hunger|starv\w*|homeless|homes|medical|medicine|health"
    r"|casualt\w*|victims?|children|camps?|rations|sanitation|outbreaks?|fled|flee\w*"
    r"|survivors?|(?-i:doctors|nurses)|tents|blankets"
)
_NEEDS = cue(
    r"needs?|needed|(?-i:without)|shortages?|short of|run(?:s|ning)? out|ran out|supplies|lack\w*"
    r"|requir\w*|appeal\w*|asked for|(?:has|have|had) no|in need|rely|relied|depend\w*|rations"
)
_BLOCKED = cue(
    r"can ?not reach|unable to reach|could not reach|checkpoints?|permits?|besieged|siege"
    r"|denied access"
)
# "Blocked", "closed" are about access only on the way to people: a road, a convoy, supplies.
_CLOSING = cue(
    r"block\w*|impassable|washed (?:out|away)|cut off|(?:roads?|crossings?|bridges?|borders?"
    r"|highways?|passes)(?: [\w-]+){0,3} (?:is|are|was|were|remains?|ha(?:s|ve) been)"
    r" (?:closed|shut)"
)
_ROUTE = cue(
    r"roads?|routes?|convoys?|trucks?|lorr(?:y|ies)|bridges?|crossings?|borders?|highways?"
    r"|corridors?|passes|ports?|airports?|supplies|deliver\w*|relief|rescuers?"
)
_ACCESS = cue(
    rf"{_BLOCKED.pattern}|{_CLOSING.pattern}|cut|road closures?|held at|not allowed|access"
    r"|escorted|landmines?|not (?:yet )?(?:working|open|operating|passable)"
)
_FORWARD_STRONG = cue(
    r"could(?! not)|(?-i:may)|might|(?:is|are|be|was|were) expected|expected to|likely|unlikely"
    r"|risks?|warn\w*|forecasts?|feared|fears?|threat\w*|possible|potential|remains to be seen"
    r"|scheduled|set to|plans? to|caution\w*|fragile"
)
_FORWARD_WEAK = cue(r"will|would|if|next|coming|hopes?")
_FORWARD = re.compile(f"{_FORWARD_STRONG.pattern}|{_FORWARD_WEAK.pattern}", re.IGNORECASE)
_INDICATOR = cue(
    r"whether|watch\w*|signal\w*|indicators?|signs? of|will (?:tell|show|decide)|depends on"
    r"|hinges on"
)
_WHETHER = cue("whether")
# Background rather than news: "three years ago", "in 2019", "a former colonel".
_PAST = cue(r"years? ago|in (?:19|20)\d\d|for years|decades?|last year|formerly|former")
_PLACE_NOUN = re.compile(r" (?:province|district|city|town|region|valley|governorate)\b")
_TITLE_STOP = frozenset("with from that this their into after over amid says said have".split())

# Clause boundaries: punctuation, after "said", and before words that open a lower-case
# clause (never inside a name such as "Food and Agriculture Organization").
_CUT = re.compile(
    r"[,;:][\"”’]?\s+|\s+[—–]\s+|(?<=\s(?:said|says|told))\s+"
    r"|\s+(?=(?:and|or)\s+[a-z]+(?:ing|ed)\s|(?:but|while|whereas|although|though|after|before"
    r"|because|which|who|whose|where|whether|following|amid|as|that|when|if|once|until|since)"
    r"\s+[a-z0-9\"“$€£])"
)
_APPOSITION = re.compile(r"\s*(?:\([A-Z]+\)\s*)?,\s+(?:who|whose|which|the|a|an|led by)\b")
_HANGING = frozenset(
    """a an the of in on at to for from by with and or but as that which who whose its their
    his her this these those into onto than within without over under after before during about
    against among between through toward towards across around near since until via said says
    told""".split()
)
_QUOTES = ("“", '"', "‘")
_WORD = re.compile(r"\S+")
_AID_KINDS = (ActorKind.INTERNATIONAL_ORGANISATION, ActorKind.NGO)
_PARTY_KINDS = (ActorKind.ARMED_GROUP, ActorKind.GOVERNMENT, ActorKind.FOREIGN_STATE)
_Read = tuple[Sentence, FigureReading]  # a figure read, and the sentence it is in


@dataclass(frozen=True)
class _Doc:
    text: str
    body: list[Sentence]  # body sentences, datelines cut off
    analysis: entities.Analysis
    order: dict[int, int]  # sentence start -> index in body
    starts: list[int]
    mentions: list[tuple[int, Entity]]  # (start, entity) for every mention, by start

    def sentence_at(self, pos: int) -> Sentence | None:
        i = bisect_right(self.starts, pos) - 1
        return self.body[i] if i >= 0 and pos < self.body[i].end else None

    def names_in(self, lo: int, hi: int) -> list[tuple[int, Entity]]:
        i, j = (bisect_left(self.mentions, x, key=_at) for x in (lo, hi))
        return self.mentions[i:j]


def _doc(article: Article) -> _Doc:
    analysis = analyse(article.text)
    if all(s.heading for s in analysis.sentences):
        # Nothing but heading-like lines (a one-line flash without a full stop): they
        # are the article, so read them as body text.
        analysis = analyse(article.text, skip_headings=False)
    body: list[Sentence] = []
    for s in (s for s in analysis.sentences if not s.heading):
        date = DATELINE.match(s.text)
        if date and (not body or body[-1].block != s.block) and date.end() < len(s.text):
            s = Sentence(s.text[date.end() :], s.start + date.end(), s.end, s.block, False)
        body += _pieces(article.text, s)
    mentions = sorted(((m.start, e) for e in analysis.entities for m in e.mentions), key=_at)
    order = {s.start: n for n, s in enumerate(body)}
    return _Doc(article.text, body, analysis, order, [s.start for s in body], mentions)


def _pieces(text: str, s: Sentence, most: int = 80) -> list[Sentence]:
    """A run-on "sentence" (a transcript, a text without full stops) cut at clauses, or at
    every `most`th word, into pieces of at most `most` words: work per sentence stays bounded."""
    if word_count(s.text) <= most:
        return [s]
    words = [s.start + m.end() for m in re.finditer(r"\S+\s+", s.text)][most - 1 :: most]
    cuts = sorted({*(m.end() for m in _CUT.finditer(text, s.start, s.end)), *words, s.end})
    out: list[Sentence] = []
    start = prev = s.start
    for cut in cuts:
        if word_count(text[start:cut]) > most or cut == s.end:
            end = cut if cut == s.end and word_count(text[start:cut]) <= most else prev
            piece = text[start:end].rstrip()
            out.append(Sentence(piece, start, start + len(piece), s.block, False))
            start = end
        prev = cut
    if start < s.end:
        out.append(Sentence(text[start : s.end], start, s.end, s.block, False))
    return [p for p in out if p.text.strip()]


def _at(mention: tuple[int, Entity]) -> int:
    return mention[0]


# --- Spans -------------------------------------------------------------------------------


def _segments(doc: _Doc, s: Sentence) -> list[tuple[int, int]]:
    bounds = [s.start, *(m.end() for m in _CUT.finditer(doc.text, s.start, s.end)), s.end]
    return [(a, z) for a, z in zip(bounds, bounds[1:], strict=False) if z > a]


def _span(doc: _Doc, s: Sentence, lo: int, limit: int) -> str:
    """A verbatim span of `s` containing position `lo`, within `limit` words.

    The longest start of the sentence that reaches `lo` (the subject usually comes first);
    else the clause at `lo` grown by whole clauses to the right, run on word by word when
    much room is left, then grown to the left; else a window of words.
    """
    text = doc.text
    if word_count(s.text) <= limit:
        return _tidy(s.text)
    segs = _segments(doc, s)
    i = next((k for k, (_, z) in enumerate(segs) if lo < z), len(segs) - 1)
    j = i
    if word_count(text[s.start : segs[j][1]]) <= limit:
        i = 0
    if word_count(text[segs[i][0] : segs[j][1]]) <= limit:
        while j + 1 < len(segs) and word_count(text[segs[i][0] : segs[j + 1][1]]) <= limit:
            j += 1
        start, end = segs[i][0], segs[j][1]
        room = limit - word_count(text[start:end])
        # Much room left, or a bare "X said": run on word by word into the next clause (the
        # shown text marks the cut).
        said = re.search(r"\b(?:said|says|told)\s*$", text[start:end]) and room >= 2
        if j + 1 < len(segs) and (room > 0.4 * limit or said):
            more = list(_WORD.finditer(text, end, segs[j + 1][1]))
            return _tidy(_unhang(text[start : more[min(room, len(more)) - 1].end()]))
        while i > 0 and word_count(text[segs[i - 1][0] : end]) <= limit:
            i -= 1
        return _tidy(_unhang(text[segs[i][0] : end]))
    # The anchor's clause alone is too long: `limit` of its words around the anchor.
    words = list(_WORD.finditer(text, segs[i][0], segs[i][1]))
    at = next((k for k, w in enumerate(words) if w.end() > lo), 0)
    first = 0 if at < limit - 2 else max(0, min(at + 3, len(words)) - limit)
    while 0 < first and words[first].group()[0].isupper() and words[first - 1].group()[0].isupper():
        first -= 1  # never start inside a name ("…Today shows")
    last = min(first + limit, len(words)) - 1
    return _tidy(_unhang(text[words[first].start() : words[last].end()]))


def _unhang(span: str) -> str:
    """Drop words that cannot start or end a phrase cut short ("of", "in an", "said")."""
    span = span.strip()
    while (m := re.search(r"\s+(\S+)$", span)) and m.group(1).strip(",;:").lower() in _HANGING:
        span = span[: m.start()]
    while (m := re.match(r"(\S+)\s+", span)) and m.group(1) in _HANGING - {"a", "an", "the"}:
        span = span[m.end() :]
    return span


def _tidy(span: str) -> str:
    """Trim separators, a leading conjunction and unbalanced quotes (still a substring)."""
    span = re.sub(
        r"^(?:and|but|or|while|whereas)\s+", "", span.strip(" \n,;:—–(").rstrip(" ,;:—–(")
    )
    for left, right in (("“", "”"), ("‘", "’")):
        if span.startswith(left) and right not in span:
            span = span[1:]
        if span.endswith(right) and left not in span:
            span = span[:-1].rstrip(" ,;:")
    if span.count('"') % 2:
        span = span[1:] if span.startswith('"') else span.rstrip('"').rstrip(" ,;:")
    return span.strip()


def _show(doc: _Doc, s: Sentence, span: str) -> str:
    """Display text for a span: an ellipsis marks a cut inside a clause."""
    end = doc.text.find(span, s.start) + len(span)
    rest = doc.text[end : s.end].strip()
    if not rest or span.endswith((".", "!", "?")) or rest[0] in ',;:—–)”"’.':
        return span
    return span if _CUT.match(doc.text, end) else span + "…"


def _anchor(doc: _Doc, s: Sentence, cue: re.Pattern[str]) -> int:
    """Where the cue sits in the clause of `s` with the most cue words (first of equals)."""
    best: tuple[int, int] | None = None
    for a, z in _segments(doc, s):
        hits = [m.start() for m in cue.finditer(doc.text, a, z)]
        if hits and (best is None or len(hits) > best[0]):
            best = (len(hits), hits[0])
    return best[1] if best else s.start


def _pick(doc: _Doc, ranked: list[Sentence], limit: int, most: int) -> list[str]:
    """The best whole sentences that fit `limit` words together, in reading order; only a
    best sentence too long on its own is cut to its first clauses."""
    if ranked and word_count(ranked[0].text) > limit:
        return [_span(doc, ranked[0], ranked[0].start, limit)]
    chosen: list[Sentence] = []
    for s in ranked:
        if len(chosen) < most and sum(map(word_count, (c.text for c in chosen + [s]))) <= limit:
            chosen.append(s)
    return [_tidy(s.text) for s in sorted(chosen, key=lambda s: s.start)]


def _join(doc: _Doc, parts: list[str]) -> str:
    """Parts joined; one cut short ends in an ellipsis, a whole list item in a full stop."""
    ends = (doc.text[doc.text.find(p) + len(p) :][:1] for p in parts)
    return " ".join(
        p if p.endswith((".", "!", "?", "”", '"', "’")) else p + ("." if e in "\n" else "…")
        for p, e in zip(parts, ends, strict=True)
    )


def _ranked(
    doc: _Doc,
    cue: re.Pattern[str],
    skip: set[int],
    extra: Callable[[Sentence], float] | None = None,
) -> list[Sentence]:
    """Sentences with the cue, best first: cue words, named actors, early position; quotes
    count a little less."""

    def score(s: Sentence) -> float:
        names = min(len(doc.names_in(s.start, s.end)), 2)
        early = 1 - doc.order[s.start] / len(doc.body)
        quote = 0.5 * s.text.startswith(_QUOTES)
        return (
            2 * len(cue.findall(s.text)) + 0.5 * names + early - quote + (extra(s) if extra else 0)
        )

    hits = [s for s in doc.body if s.start not in skip and cue.search(s.text)]
    return sorted(hits, key=lambda s: (-score(s), s.start))


# --- Sections ----------------------------------------------------------------------------


def _stems(text: str) -> set[str]:
    return {w[:4] for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _TITLE_STOP}


def _where(doc: _Doc, s: Sentence, span: str) -> str | None:
    """The first place named in the span, preferring one after "in", "at", "near"..."""
    base, found = doc.text.find(span, s.start), []
    for place in doc.analysis.places:
        for m in re.finditer(rf"(?<![\w-]){re.escape(place)}(?![\w-]| [A-Z])", span):
            located = LOCATIVE.search(doc.text[max(base + m.start() - 60, 0) : base + m.start()])
            noun = _PLACE_NOUN.match(span, m.end())
            found.append(
                (not located, m.start(), span[m.start() : noun.end() if noun else m.end()])
            )
    return min(found)[2] if found else None


def _fit(label: str | None, limit: int) -> str | None:
    """A label within `limit` words: a leading "in the" and the like go first."""
    words = (label or "").split()
    while len(words) > limit and words[0].lower() in ("in", "the", "on", "at", "over", "during"):
        words.pop(0)
    return trim_words(" ".join(words), limit) if words else None


def _situation(doc: _Doc, article: Article, b: Budgets) -> schema.Situation:
    # The summary: opening sentences ranked by what the title is about (shared stems),
    # events, figures and position; the best that fit, in reading order, quotes left out.
    title = (article.title or "").strip()
    stems, opening = _stems(title), doc.body[:6]
    lead = [s for s in opening if not s.text.startswith(_QUOTES)] or opening

    def lead_score(s: Sentence) -> float:
        events, figure = len(_EVENT.findall(s.text)), has_figure(s.text)
        return len(_stems(s.text) & stems) + 1.5 * events + figure + max(2 - doc.order[s.start], 0)

    parts = _pick(
        doc, sorted(lead, key=lambda s: (-lead_score(s), s.start)), b.situation_summary_words, 4
    )
    used = {s.start for s in lead if any(p in s.text for p in parts)}
    title = title or (parts[0].rstrip(".…") if parts else "")
    heads = [title[: m.start()] for m in _CUT.finditer(title)] + [title]  # cut at a clause
    fits = [h for h in heads if word_count(h) <= b.headline_words]
    headline = fits[-1] if fits else trim_words(title, b.headline_words)

    # Developments: event sentences, dated ones first, background ("years ago") last.
    def dated(s: Sentence) -> float:
        return bool(WHEN.search(s.text)) - 2.0 * bool(_PAST.search(s.text))

    devs = []
    for s in sorted(_ranked(doc, _EVENT, used, dated)[: b.key_developments], key=lambda s: s.start):
        span = _span(doc, s, _anchor(doc, s, _EVENT), b.development_words)
        date = WHEN.search(span)
        where = _fit(_where(doc, s, span), b.label_words)
        when = _fit(date.group() if date else None, b.label_words)
        devs.append(
            schema.Development(what=_show(doc, s, span), where=where, when=when, evidence=[span])
        )
    summary = _join(doc, parts)
    return schema.Situation(
        headline=headline, summary=summary, evidence=parts[:2], key_developments=devs
    )


def _actors(doc: _Doc, b: Budgets, humane: set[int]) -> list[schema.Actor]:
    """Ranked by mentions, plus weight for aid organisations, for actors in sentences about
    the impact on people, and for titled people; the best of each kind first (parties, aid
    organisations, people), then the best within caps so that one kind cannot fill the
    page, then whatever is left."""

    def score(e: Entity) -> float:
        sentences = (doc.sentence_at(m.start) for m in e.mentions)
        impact = any(s is not None and s.start in humane for s in sentences)
        titled = e.kind is ActorKind.PERSON and any(w in TITLES for w in e.name.split())
        return e.count + (e.kind in _AID_KINDS) + impact + 0.5 * titled

    def group(e: Entity) -> str:
        if e.kind in _PARTY_KINDS:
            return "party"
        return "aid" if e.kind in _AID_KINDS else e.kind.value

    pool = sorted(doc.analysis.entities, key=lambda e: (-score(e), e.first))
    caps = {"party": 3, "aid": 3, "person": 2}
    chosen: list[Entity] = []
    for kind in ("party", "aid", "person"):
        chosen += [e for e in pool if group(e) == kind][:1]
    for e in pool:
        taken = sum(group(c) == group(e) for c in chosen)
        if e not in chosen and taken < caps.get(group(e), 1) and len(chosen) < b.actors:
            chosen.append(e)
    chosen += [e for e in pool if e not in chosen]
    chosen = sorted(chosen[: b.actors], key=lambda e: (-score(e), e.first))
    return [_actor(doc, e, b) for e in chosen]


def _actor(doc: _Doc, e: Entity, b: Budgets) -> schema.Actor:
    forms, name = [e.name, *e.aliases], e.name
    if word_count(name) > b.actor_name_words:  # a long official name: its short form
        short = [f for f in forms if word_count(f) <= b.actor_name_words]
        name = max(short, key=len) if short else trim_words(name, b.actor_name_words)
    aliases = [f for f in forms if f != name and word_count(f) <= b.alias_words]
    # The role: the mention that best shows what the actor is or does: one that opens its
    # sentence, one in apposition ("X, who", "..., X,"), the full name; earliest of equals.
    best: tuple[float, Sentence, int] | None = None
    for m in e.mentions:
        s = doc.sentence_at(m.start)
        if s is None:
            continue
        before, after = doc.text[s.start : m.start], doc.text[m.end : min(m.end + 30, s.end)]
        possessive = POSSESSIVE.match(after) is not None  # "X's allies" is not about X
        score = 3.0 * (len(before.split()) <= 1 and not possessive) + (m.text == e.name)
        score += 2 * bool(_APPOSITION.match(after) or before.rstrip().endswith(","))
        score -= 3 * (word_count(m.text) > b.actor_name_words)  # a long name eats the role
        if best is None or score > best[0]:
            best = (score, s, m.start)
    quote = _span(doc, best[1], best[2], b.actor_role_words) if best else e.mentions[0].text
    role = _show(doc, best[1], quote) if best else quote
    return schema.Actor(
        name=name, kind=e.kind, role=role, aliases=aliases[: b.actor_aliases], evidence=[quote]
    )


def _figures(doc: _Doc, b: Budgets, humane: set[int]) -> tuple[list[Figure], list[_Read]]:
    """(the best figures, in reading order; every figure read, with its sentence). A value
    must print whole: "between 6,000 and…" would misstate it. Evidence and source are
    found only for the figures kept."""
    found: list[tuple[float, int, Sentence, FigureReading]] = []
    seen: set[tuple[str, str]] = set()  # (value, counts): a set keeps long reports linear
    for s in doc.body:
        for r in figures_in(doc.text, s, b):
            if (r.value, r.counts) in seen:
                continue
            seen.add((r.value, r.counts))
            late = 0.5 * (1 - doc.order[s.start] / len(doc.body))
            found.append((-(r.weight + (s.start in humane) + late), r.start, s, r))
    fit = [f for f in sorted(found, key=lambda f: f[:2]) if word_count(f[3].value) <= b.label_words]
    figures = []
    for _, _, s, r in sorted(fit[: b.figures], key=lambda f: f[1]):
        by, quote = _source(doc, s, r, b), _span(doc, s, r.start, b.claim_words)
        figures.append(
            Figure(value=r.value, unit=r.unit, counts=r.counts, reported_by=by, evidence=[quote])
        )
    return figures, [(s, r) for _, _, s, r in found]


def _source(doc: _Doc, s: Sentence, r: FigureReading, b: Budgets) -> str | None:
    return reported_by(doc.text, s, r.start, doc.names_in, b.label_words)


def _claims(
    doc: _Doc, cue: re.Pattern[str], rival: re.Pattern[str], most: int, limit: int, taken: set[int]
) -> list[Claim]:
    """Needs or access constraints: sentences about people and aid with the cue; a sentence
    with more of the rival list's cues goes there instead."""
    out: list[Claim] = []
    for s in _ranked(doc, cue, taken):
        route = _BLOCKED.search(s.text) or (_ROUTE.search(s.text) and _CLOSING.search(s.text))
        aid = _HUMANITARIAN.search(s.text) or (cue is _ACCESS and route)
        if len(out) < most and aid and len(rival.findall(s.text)) <= len(cue.findall(s.text)):
            span = _span(doc, s, _anchor(doc, s, cue), limit)
            out.append(Claim(text=_show(doc, s, span), evidence=[span]))
            taken.add(s.start)
    return out


def _outlook(doc: _Doc, b: Budgets) -> schema.Outlook:
    indicators: list[Claim] = []
    used: set[int] = set()
    for s in _ranked(doc, _INDICATOR, set())[: b.indicators]:
        used.add(s.start)
        marks = [s.start + m.start() for m in _WHETHER.finditer(s.text)]
        ends = [*marks[1:], s.end]  # "...: whether A, whether B, and whether C": one sign each
        pieces = [
            re.sub(r"[\s,;.]+(?:and|or)?\s*$", "", doc.text[a:z])
            for a, z in zip(marks, ends, strict=False)
        ]
        if len(marks) < 2:
            cue = _WHETHER if marks else _INDICATOR
            pieces = [_span(doc, s, _anchor(doc, s, cue), b.claim_words)]
        for piece in pieces[: b.indicators - len(indicators)]:
            if word_count(piece) > b.claim_words:
                piece = _span(doc, s, doc.text.find(piece, s.start), b.claim_words)
            indicators.append(Claim(text=_show(doc, s, piece), evidence=[piece]))

    def ahead(s: Sentence) -> float:  # forward-looking weight; later sentences a little more
        late = 0.5 * doc.order[s.start] / len(doc.body) - s.text.startswith(_QUOTES)
        return 2 * len(_FORWARD_STRONG.findall(s.text)) + bool(TIMEFRAME.search(s.text)) + late

    forward = _ranked(doc, _FORWARD, used, ahead)
    parts = _pick(doc, forward, b.outlook_summary_words, 2)
    risks: list[schema.Risk] = []
    for s in [s for s in forward if not any(p in s.text for p in parts)] or forward:
        if len(risks) == b.risks:
            break
        strong = _FORWARD_STRONG.search(s.text)
        span = _span(doc, s, _anchor(doc, s, _FORWARD_STRONG if strong else _FORWARD), b.risk_words)
        frame = TIMEFRAME.search(span) or TIMEFRAME.search(s.text)
        timeframe = _fit(frame.group() if frame else None, b.label_words)
        shown = _show(doc, s, span)
        risks.append(
            schema.Risk(description=shown, likelihood=None, timeframe=timeframe, evidence=[span])
        )
    summary = _join(doc, parts)
    return schema.Outlook(summary=summary, evidence=parts[:2], risks=risks, indicators=indicators)


def _gaps(brief: Brief, doc: _Doc, found: list[_Read], b: Budgets) -> list[str]:
    """Standard questions the article leaves open, most important first; `found` holds
    every figure read, kept or not."""
    h, counts = brief.humanitarian, " | ".join(r.counts for _, r in found)
    dead, fled = (re.search(rf"\b(?:{w})\b", counts) for w in ("killed|dead|deaths?", "displaced"))
    # Attributed: the brief's own figures first, then the others until one has a source.
    attributed = any(f.reported_by for f in h.figures) or any(_source(doc, *f, b) for f in found)
    checks = [
        (not h.summary, "Impact on civilians not described."),
        (not dead, "No casualty figures given."),
        (not fled, "No displacement figures given."),
        (not h.needs, "Aid needs not stated."),
        (not h.access_constraints, "Humanitarian access not described."),
        (bool(found) and not attributed, "Figures not attributed."),
        (not brief.outlook.risks, "No outlook given."),
        (not WHEN.search(doc.text), "No dates given for events."),
    ]
    return [trim_words(g, b.gap_words) for wanted, g in checks if wanted][: b.gaps]


def _check(brief: Brief, text: str, b: Budgets) -> None:
    """Keep the page's quote budget (second quotes go first, from the end), then hold the
    engine to its promise: every quote is an exact substring of the article."""
    lists = [quotes for _, quotes in iter_evidence(brief)]
    extra = sum(map(len, lists)) - b.evidence_total
    for quotes in reversed(lists):
        while extra > 0 and len(quotes) > 1:
            quotes.pop()
            extra -= 1
    for path, quotes in iter_evidence(brief):
        if any(not q or q not in text for q in quotes):
            raise RuntimeError(f"extractive engine made a quote not in the article ({path})")


def extract_brief(article: Article, budgets: Budgets = BUDGETS) -> Brief:
    """A brief filled from the article's own sentences: no model, no network, deterministic."""
    b, doc = budgets, _doc(article)
    humane = {s.start for s in doc.body if _HUMANITARIAN.search(s.text)}
    impact = _pick(doc, _ranked(doc, _HUMANITARIAN, set()), b.humanitarian_summary_words, 3)
    figures, found = _figures(doc, b, humane)
    taken: set[int] = set()
    access = _claims(doc, _ACCESS, _NEEDS, b.access_constraints, b.claim_words, taken)
    needs = _claims(doc, _NEEDS, _ACCESS, b.needs, b.claim_words, taken)
    humanitarian = schema.HumanitarianImpact(
        summary=_join(doc, impact),
        evidence=impact[:2],
        figures=figures,
        needs=needs,
        access_constraints=access,
    )
    situation, actors, outlook = (
        _situation(doc, article, b),
        _actors(doc, b, humane),
        _outlook(doc, b),
    )
    brief = Brief(
        situation=situation, actors=actors, humanitarian=humanitarian, outlook=outlook, gaps=[]
    )
    brief.gaps = _gaps(brief, doc, found, b)
    _check(brief, article.text, b)
    return brief
