"""Offline extractive engine: a brief filled from the article's own sentences.

The brief a user gets with no model configured, and the baseline every prompt must beat.
Every text is a verbatim sentence or clause of `article.text` (summaries join whole
sentences; an ellipsis marks a clause cut short), so every evidence quote is an exact
substring by construction, and `extract_brief` checks it before returning. Nothing is
invented: a place, date, source or timeframe the sentence does not state stays null, and
likelihoods are always null.

Sections are filled by cue words and simple scores (position, events, figures, named
actors), within `briefing.budgets`; `briefing.text.figures` reads the numbers, dates and time
spans and who reports them. This module holds the cues and the choices per section; the
article is read once by `extractive_reading` and quoted through `extractive_spans`.
Deterministic; no model, no network.
"""

from __future__ import annotations

import re

from briefing import schema
from briefing.budgets import BUDGETS, Budgets, trim_words, word_count
from briefing.engines.extractive_reading import (
    OPENING_QUOTES,
    ArticleReading,
    rank_by_cue,
    read_article,
)
from briefing.engines.extractive_spans import (
    CLAUSE_BREAK,
    cue_position,
    display_text,
    join_summary,
    pick_sentences,
    span_around,
)
from briefing.ingest.article import Article
from briefing.schema import ActorKind, Brief, Claim, Figure, iter_evidence
from briefing.text.entities import LOCATIVE, POSSESSIVE, Entity
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
_APPOSITION = re.compile(r"\s*(?:\([A-Z]+\)\s*)?,\s+(?:who|whose|which|the|a|an|led by)\b")
_AID_KINDS = (ActorKind.INTERNATIONAL_ORGANISATION, ActorKind.NGO)
_PARTY_KINDS = (ActorKind.ARMED_GROUP, ActorKind.GOVERNMENT, ActorKind.FOREIGN_STATE)
_FigureInSentence = tuple[Sentence, FigureReading]  # a figure read, and the sentence it is in


# --- Sections ----------------------------------------------------------------------------


def _word_stems(text: str) -> set[str]:
    return {w[:4] for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _TITLE_STOP}


def _place_in_span(reading: ArticleReading, s: Sentence, span: str) -> str | None:
    """The first place named in the span, preferring one after "in", "at", "near"..."""
    text = reading.text
    base, found = text.find(span, s.start), []
    for place in reading.analysis.places:
        for m in re.finditer(rf"(?<![\w-]){re.escape(place)}(?![\w-]| [A-Z])", span):
            located = LOCATIVE.search(text[max(base + m.start() - 60, 0) : base + m.start()])
            noun = _PLACE_NOUN.match(span, m.end())
            found.append(
                (not located, m.start(), span[m.start() : noun.end() if noun else m.end()])
            )
    return min(found)[2] if found else None


def _fit_label(label: str | None, limit: int) -> str | None:
    """A label within `limit` words: a leading "in the" and the like go first."""
    words = (label or "").split()
    while len(words) > limit and words[0].lower() in ("in", "the", "on", "at", "over", "during"):
        words.pop(0)
    return trim_words(" ".join(words), limit) if words else None


def _situation(reading: ArticleReading, article: Article, b: Budgets) -> schema.Situation:
    # The summary: opening sentences ranked by what the title is about (shared stems),
    # events, figures and position; the best that fit, in reading order, quotes left out.
    text, title = reading.text, (article.title or "").strip()
    stems, opening = _word_stems(title), reading.body[:6]
    lead = [s for s in opening if not s.text.startswith(OPENING_QUOTES)] or opening

    def lead_score(s: Sentence) -> float:
        events, figure = len(_EVENT.findall(s.text)), has_figure(s.text)
        return (
            len(_word_stems(s.text) & stems)
            + 1.5 * events
            + figure
            + max(2 - reading.order[s.start], 0)
        )

    ranked = sorted(lead, key=lambda s: (-lead_score(s), s.start))
    parts = pick_sentences(text, ranked, b.situation_summary_words, 4)
    used = {s.start for s in lead if any(p in s.text for p in parts)}
    title = title or (parts[0].rstrip(".…") if parts else "")
    heads = [title[: m.start()] for m in CLAUSE_BREAK.finditer(title)] + [title]  # cut at a clause
    fits = [h for h in heads if word_count(h) <= b.headline_words]
    headline = fits[-1] if fits else trim_words(title, b.headline_words)

    # Developments: event sentences, dated ones first, background ("years ago") last.
    def dated_weight(s: Sentence) -> float:
        return bool(WHEN.search(s.text)) - 2.0 * bool(_PAST.search(s.text))

    devs = []
    events = rank_by_cue(reading, _EVENT, used, dated_weight)[: b.key_developments]
    for s in sorted(events, key=lambda s: s.start):
        span = span_around(text, s, cue_position(text, s, _EVENT), b.development_words)
        date = WHEN.search(span)
        where = _fit_label(_place_in_span(reading, s, span), b.label_words)
        when = _fit_label(date.group() if date else None, b.label_words)
        what = display_text(text, s, span)
        devs.append(schema.Development(what=what, where=where, when=when, evidence=[span]))
    summary = join_summary(text, parts)
    return schema.Situation(
        headline=headline,
        summary=summary,
        evidence=parts[: b.evidence_per_item],
        key_developments=devs,
    )


def _actors(reading: ArticleReading, b: Budgets, impact_starts: set[int]) -> list[schema.Actor]:
    """Ranked by mentions, plus weight for aid organisations, for actors in sentences about
    the impact on people, and for titled people; the best of each kind first (parties, aid
    organisations, people), then the best within caps so that one kind cannot fill the
    page, then whatever is left."""

    def score(e: Entity) -> float:
        sentences = (reading.sentence_at(m.start) for m in e.mentions)
        impact = any(s is not None and s.start in impact_starts for s in sentences)
        titled = e.kind is ActorKind.PERSON and any(w in TITLES for w in e.name.split())
        return e.count + (e.kind in _AID_KINDS) + impact + 0.5 * titled

    def kind_group(e: Entity) -> str:
        if e.kind in _PARTY_KINDS:
            return "party"
        return "aid" if e.kind in _AID_KINDS else e.kind.value

    pool = sorted(reading.analysis.entities, key=lambda e: (-score(e), e.first))
    caps = {"party": 3, "aid": 3, "person": 2}
    chosen: list[Entity] = []
    for kind in ("party", "aid", "person"):
        chosen += [e for e in pool if kind_group(e) == kind][:1]
    for e in pool:
        taken = sum(kind_group(c) == kind_group(e) for c in chosen)
        if e not in chosen and taken < caps.get(kind_group(e), 1) and len(chosen) < b.actors:
            chosen.append(e)
    chosen += [e for e in pool if e not in chosen]
    chosen = sorted(chosen[: b.actors], key=lambda e: (-score(e), e.first))
    return [_describe_actor(reading, e, b) for e in chosen]


def _describe_actor(reading: ArticleReading, e: Entity, b: Budgets) -> schema.Actor:
    text, forms, name = reading.text, [e.name, *e.aliases], e.name
    if word_count(name) > b.actor_name_words:  # a long official name: its short form
        short = [f for f in forms if word_count(f) <= b.actor_name_words]
        name = max(short, key=len) if short else trim_words(name, b.actor_name_words)
    aliases = [f for f in forms if f != name and word_count(f) <= b.alias_words]
    # The role: the mention that best shows what the actor is or does: one that opens its
    # sentence, one in apposition ("X, who", "..., X,"), the full name; earliest of equals.
    best: tuple[float, Sentence, int] | None = None
    for m in e.mentions:
        s = reading.sentence_at(m.start)
        if s is None:
            continue
        before, after = text[s.start : m.start], text[m.end : min(m.end + 30, s.end)]
        possessive = POSSESSIVE.match(after) is not None  # "X's allies" is not about X
        score = 3.0 * (len(before.split()) <= 1 and not possessive) + (m.text == e.name)
        score += 2 * bool(_APPOSITION.match(after) or before.rstrip().endswith(","))
        score -= 3 * (word_count(m.text) > b.actor_name_words)  # a long name eats the role
        if best is None or score > best[0]:
            best = (score, s, m.start)
    quote = span_around(text, best[1], best[2], b.actor_role_words) if best else e.mentions[0].text
    mention = next((m.text for m in e.mentions if best and m.start == best[2]), e.name)
    if best and mention not in quote:
        # The cut fell inside the name ("...after Labour Minister Ivo"): quote from the
        # name on, so the actor's quote names it (the support check holds it to that).
        end = min(best[1].end, best[2] + len(mention) + 200)
        quote = span_around(
            text, Sentence(text[best[2] : end], best[2], end, 0, False), best[2], b.actor_role_words
        )
    role = display_text(text, best[1], quote) if best else quote
    return schema.Actor(
        name=name, kind=e.kind, role=role, aliases=aliases[: b.actor_aliases], evidence=[quote]
    )


def _figures(
    reading: ArticleReading, b: Budgets, impact_starts: set[int]
) -> tuple[list[Figure], list[_FigureInSentence]]:
    """(the best figures, in reading order; every figure read, with its sentence). A value
    must print whole: "between 6,000 and…" would misstate it. Evidence and source are
    found only for the figures kept."""
    found: list[tuple[float, int, Sentence, FigureReading]] = []
    seen: set[tuple[str, str]] = set()  # (value, counts): a set keeps long reports linear
    for s in reading.body:
        for r in figures_in(reading.text, s, b):
            if (r.value, r.counts) in seen:
                continue
            seen.add((r.value, r.counts))
            late = 0.5 * (1 - reading.order[s.start] / len(reading.body))
            found.append((-(r.weight + (s.start in impact_starts) + late), r.start, s, r))
    fit = [f for f in sorted(found, key=lambda f: f[:2]) if word_count(f[3].value) <= b.label_words]
    figures = []
    for _, _, s, r in sorted(fit[: b.figures], key=lambda f: f[1]):
        by = _figure_source(reading, s, r, b)
        quote = span_around(reading.text, s, r.start, b.claim_words)
        figures.append(
            Figure(value=r.value, unit=r.unit, counts=r.counts, reported_by=by, evidence=[quote])
        )
    return figures, [(s, r) for _, _, s, r in found]


def _figure_source(
    reading: ArticleReading, s: Sentence, r: FigureReading, b: Budgets
) -> str | None:
    return reported_by(reading.text, s, r.start, reading.names_in, b.label_words)


def _cued_claims(
    reading: ArticleReading,
    cue: re.Pattern[str],
    rival: re.Pattern[str],
    most: int,
    limit: int,
    taken: set[int],
) -> list[Claim]:
    """Needs or access constraints: sentences about people and aid with the cue; a sentence
    with more of the rival list's cues goes there instead."""
    text = reading.text
    out: list[Claim] = []
    for s in rank_by_cue(reading, cue, taken):
        route = _BLOCKED.search(s.text) or (_ROUTE.search(s.text) and _CLOSING.search(s.text))
        aid = _HUMANITARIAN.search(s.text) or (cue is _ACCESS and route)
        if len(out) < most and aid and len(rival.findall(s.text)) <= len(cue.findall(s.text)):
            span = span_around(text, s, cue_position(text, s, cue), limit)
            out.append(Claim(text=display_text(text, s, span), evidence=[span]))
            taken.add(s.start)
    return out


def _outlook(reading: ArticleReading, b: Budgets) -> schema.Outlook:
    text = reading.text
    indicators: list[Claim] = []
    used: set[int] = set()
    for s in rank_by_cue(reading, _INDICATOR, set())[: b.indicators]:
        used.add(s.start)
        marks = [s.start + m.start() for m in _WHETHER.finditer(s.text)]
        ends = [*marks[1:], s.end]  # "...: whether A, whether B, and whether C": one sign each
        pieces = [
            re.sub(r"[\s,;.]+(?:and|or)?\s*$", "", text[a:z])
            for a, z in zip(marks, ends, strict=False)
        ]
        if len(marks) < 2:
            cue = _WHETHER if marks else _INDICATOR
            pieces = [span_around(text, s, cue_position(text, s, cue), b.claim_words)]
        for piece in pieces[: b.indicators - len(indicators)]:
            if word_count(piece) > b.claim_words:
                piece = span_around(text, s, text.find(piece, s.start), b.claim_words)
            indicators.append(Claim(text=display_text(text, s, piece), evidence=[piece]))

    # Forward-looking weight; later sentences a little more.
    def forward_weight(s: Sentence) -> float:
        late = 0.5 * reading.order[s.start] / len(reading.body) - s.text.startswith(OPENING_QUOTES)
        return 2 * len(_FORWARD_STRONG.findall(s.text)) + bool(TIMEFRAME.search(s.text)) + late

    forward = rank_by_cue(reading, _FORWARD, used, forward_weight)
    parts = pick_sentences(text, forward, b.outlook_summary_words, 2)
    risks: list[schema.Risk] = []
    for s in [s for s in forward if not any(p in s.text for p in parts)] or forward:
        if len(risks) == b.risks:
            break
        strong = _FORWARD_STRONG.search(s.text)
        anchor = cue_position(text, s, _FORWARD_STRONG if strong else _FORWARD)
        span = span_around(text, s, anchor, b.risk_words)
        frame = TIMEFRAME.search(span) or TIMEFRAME.search(s.text)
        timeframe = _fit_label(frame.group() if frame else None, b.label_words)
        shown = display_text(text, s, span)
        risks.append(
            schema.Risk(description=shown, likelihood=None, timeframe=timeframe, evidence=[span])
        )
    summary = join_summary(text, parts)
    return schema.Outlook(
        summary=summary, evidence=parts[: b.evidence_per_item], risks=risks, indicators=indicators
    )


def _gaps(
    brief: Brief, reading: ArticleReading, found: list[_FigureInSentence], b: Budgets
) -> list[str]:
    """Standard questions the article leaves open, most important first; `found` holds
    every figure read, kept or not."""
    h, counts = brief.humanitarian, " | ".join(r.counts for _, r in found)
    dead, fled = (re.search(rf"\b(?:{w})\b", counts) for w in ("killed|dead|deaths?", "displaced"))
    # Attributed: the brief's own figures first, then the others until one has a source.
    attributed = any(f.reported_by for f in h.figures) or any(
        _figure_source(reading, *f, b) for f in found
    )
    checks = [
        (not h.summary, "Impact on civilians not described."),
        (not dead, "No casualty figures given."),
        (not fled, "No displacement figures given."),
        (not h.needs, "Aid needs not stated."),
        (not h.access_constraints, "Humanitarian access not described."),
        (bool(found) and not attributed, "Figures not attributed."),
        (not brief.outlook.risks, "No outlook given."),
        (not WHEN.search(reading.text), "No dates given for events."),
    ]
    return [trim_words(g, b.gap_words) for wanted, g in checks if wanted][: b.gaps]


def _check_quotes(brief: Brief, text: str, b: Budgets) -> None:
    """Keep the page's quote budget (second quotes go first, from the end), then hold the
    engine to its promise: every quote is an exact substring of the article."""
    lists = [quotes for _, quotes in iter_evidence(brief)]
    extra = sum(map(len, lists)) - b.evidence_total
    for quotes in reversed(lists):
        while extra > 0 and len(quotes) > 1:
            quotes.pop()
            extra -= 1
    # A section summary is its quoted sentences joined: it says no more than its quotes
    # once some were cut for the budget (the support check holds it to that).
    for section in (brief.situation, brief.humanitarian, brief.outlook):
        if section.evidence:
            section.summary = join_summary(text, section.evidence)
    for path, quotes in iter_evidence(brief):
        if any(not q or q not in text for q in quotes):
            raise RuntimeError(f"extractive engine made a quote not in the article ({path})")


def extract_brief(article: Article, budgets: Budgets = BUDGETS) -> Brief:
    """A brief filled from the article's own sentences: no model, no network, deterministic."""
    b, reading = budgets, read_article(article)
    impact_starts = {s.start for s in reading.body if _HUMANITARIAN.search(s.text)}
    about_people = rank_by_cue(reading, _HUMANITARIAN, set())
    impact = pick_sentences(reading.text, about_people, b.humanitarian_summary_words, 3)
    figures, found = _figures(reading, b, impact_starts)
    taken: set[int] = set()
    access = _cued_claims(reading, _ACCESS, _NEEDS, b.access_constraints, b.claim_words, taken)
    needs = _cued_claims(reading, _NEEDS, _ACCESS, b.needs, b.claim_words, taken)
    humanitarian = schema.HumanitarianImpact(
        summary=join_summary(reading.text, impact),
        evidence=impact[: b.evidence_per_item],
        figures=figures,
        needs=needs,
        access_constraints=access,
    )
    situation, actors, outlook = (
        _situation(reading, article, b),
        _actors(reading, b, impact_starts),
        _outlook(reading, b),
    )
    brief = Brief(
        situation=situation, actors=actors, humanitarian=humanitarian, outlook=outlook, gaps=[]
    )
    brief.gaps = _gaps(brief, reading, found, b)
    _check_quotes(brief, article.text, b)
    return brief
