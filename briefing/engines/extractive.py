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
from briefing.budgets import BUDGETS, Budgets, body_words, trim_words, word_count
from briefing.engines.extractive_reading import (
    OPENING_QUOTES,
    ArticleReading,
    rank_by_cue,
    read_article,
)
from briefing.engines.extractive_roles import actor_role
from briefing.engines.extractive_spans import (
    cue_position,
    display_text,
    join_summary,
    opens_well,
    pick_sentences,
    reported,
    span_around,
    summary_quotes,
    tidy_span,
)
from briefing.ingest.article import Article
from briefing.schema import ActorKind, Brief, Claim, Figure, iter_evidence
from briefing.text.entities import LOCATIVE, POSSESSIVE, Entity
from briefing.text.figures import FigureReading, figures_in, has_figure, reported_by
from briefing.text.language import language_data
from briefing.text.names import TITLES
from briefing.text.sentences import Sentence

_AID_KINDS = (ActorKind.INTERNATIONAL_ORGANISATION, ActorKind.NGO)
_PARTY_KINDS = (ActorKind.ARMED_GROUP, ActorKind.GOVERNMENT, ActorKind.FOREIGN_STATE)
_FigureInSentence = tuple[Sentence, FigureReading]  # a figure read, and the sentence it is in
# Actors and figures the document may hold, as a multiple of the page's budget: the page
# shows the best, the JSON (and what compare scores) the rest too.
_DOCUMENT_LISTS = 2


# --- Sections ----------------------------------------------------------------------------


def _word_stems(text: str, stop: frozenset[str]) -> set[str]:
    return {w[:4] for w in re.findall(r"[^\W\d_]{4,}", text.lower()) if w not in stop}


def _place_in_span(reading: ArticleReading, s: Sentence, span: str) -> str | None:
    """The first place named in the span, preferring one after "in", "at", "near"..."""
    text = reading.text
    base, found = text.find(span, s.start), []
    for place in reading.analysis.places:
        for m in re.finditer(rf"(?<![\w-]){re.escape(place)}(?![\w-]| [A-Z])", span):
            located = LOCATIVE.search(text[max(base + m.start() - 60, 0) : base + m.start()])
            noun = reading.lex.place_noun.match(span, m.end())
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
    text, title, lex = reading.text, (article.title or "").strip(), reading.lex
    stems, opening = _word_stems(title, lex.title_stop), reading.body[:6]
    lead = [s for s in opening if not s.text.startswith(OPENING_QUOTES)] or opening

    def lead_score(s: Sentence) -> float:
        events, figure = len(lex.event.findall(s.text)), has_figure(s.text, lex)
        return (
            len(_word_stems(s.text, lex.title_stop) & stems)
            + 1.5 * events
            + figure
            + max(2 - reading.order[s.start], 0)
        )

    ranked = sorted(lead, key=lambda s: (-lead_score(s), s.start))
    parts = pick_sentences(text, ranked, b.situation_summary_words, 4, lex)
    used = {s.start for s in lead if any(p in s.text for p in parts)}
    title = title or (parts[0].rstrip(".…") if parts else "")
    heads = [title[: m.start()] for m in lex.clause_break.finditer(title)] + [title]
    fits = [h for h in heads if word_count(h) <= b.headline_words]
    headline = fits[-1] if fits else trim_words(title, b.headline_words)

    # Developments: event sentences, dated ones first, background ("years ago") last.
    def dated_weight(s: Sentence) -> float:
        return bool(lex.when.search(s.text)) - 2.0 * bool(lex.past.search(s.text))

    devs = []
    events: list[tuple[Sentence, str]] = []
    for s in rank_by_cue(reading, lex.event, used, dated_weight):
        if len(events) == b.key_developments:
            break
        span = span_around(text, s, cue_position(text, s, lex.event, lex), b.development_words, lex)
        if opens_well(text, s, span):
            events.append((s, span))  # a bullet a reader can start: not "holding rural..."
    for s, span in sorted(events, key=lambda e: e[0].start):
        date = lex.when.search(span)
        where = _fit_label(_place_in_span(reading, s, span), b.label_words)
        when = _fit_label(date.group() if date else None, b.label_words)
        what = display_text(text, s, span, lex)
        devs.append(schema.Development(what=what, where=where, when=when, evidence=[span]))
    summary = join_summary(text, parts)
    return schema.Situation(
        headline=headline,
        summary=summary,
        evidence=summary_quotes(text, parts, b.evidence_per_item),
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
    # The page's actors within the caps; then the document's, within twice the caps, so
    # that people quoted as sources do not crowd out the parties.
    rank = {"party": 0, "aid": 1, "person": 3}
    by_kind = sorted(pool, key=lambda e: rank.get(kind_group(e), 2))  # stable: score within
    for scale, most in ((1, b.actors), (_DOCUMENT_LISTS, _DOCUMENT_LISTS * b.actors)):
        for e in pool if scale == 1 else by_kind:
            taken = sum(kind_group(c) == kind_group(e) for c in chosen)
            room = taken < scale * caps.get(kind_group(e), 1) and len(chosen) < most
            if e not in chosen and room:
                chosen.append(e)
    chosen += [e for e in pool if e not in chosen]
    # The page shows `b.actors`; the document keeps as many again, ranked after them,
    # for readers of the JSON (the page says how many it leaves out).
    chosen = (
        sorted(chosen[: b.actors], key=lambda e: (-score(e), e.first))
        + chosen[b.actors : _DOCUMENT_LISTS * b.actors]
    )
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
        score += 2 * bool(reading.lex.apposition.match(after) or before.rstrip().endswith(","))
        score -= 3 * (word_count(m.text) > b.actor_name_words)  # a long name eats the role
        if best is None or score > best[0]:
            best = (score, s, m.start)
    lex = reading.lex
    quote = (
        span_around(text, best[1], best[2], b.actor_role_words, lex) if best else e.mentions[0].text
    )
    mention = next((m.text for m in e.mentions if best and m.start == best[2]), e.name)
    if best and mention not in quote:
        # The cut fell inside the name ("...after Labour Minister Ivo"): quote from the
        # name on, so the actor's quote names it (the support check holds it to that).
        end = min(best[1].end, best[2] + len(mention) + 200)
        quote = span_around(
            text,
            Sentence(text[best[2] : end], best[2], end, 0, False),
            best[2],
            b.actor_role_words,
            lex,
        )
    role = display_text(text, best[1], quote, lex) if best else quote
    phrase = actor_role(reading, e, b.actor_role_words) if lex.full else None
    if phrase is not None:  # what the article calls it, not the sentence it is in
        role = phrase.text
        evidence = tidy_span(text[phrase.start : phrase.end])
        quote = evidence if word_count(evidence) <= b.claim_words * 2 else quote
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
        for r in figures_in(reading.text, s, b, reading.lex):
            if (r.value, r.counts) in seen:
                continue
            seen.add((r.value, r.counts))
            late = 0.5 * (1 - reading.order[s.start] / len(reading.body))
            found.append((-(r.weight + (s.start in impact_starts) + late), r.start, s, r))
    fit = [f for f in sorted(found, key=lambda f: f[:2]) if word_count(f[3].value) <= b.label_words]
    figures = []
    # The best that fit the page in reading order, then as many again (see `_actors`).
    page = sorted(fit[: b.figures], key=lambda f: f[1])
    extra = sorted(fit[b.figures : _DOCUMENT_LISTS * b.figures], key=lambda f: f[1])
    for _, _, s, r in page + extra:
        by = _figure_source(reading, s, r, b)
        quote = _figure_quote(reading, s, r, b)
        figures.append(
            Figure(value=r.value, unit=r.unit, counts=r.counts, reported_by=by, evidence=[quote])
        )
    return figures, [(s, r) for _, _, s, r in found]


def _figure_quote(reading: ArticleReading, s: Sentence, r: FigureReading, b: Budgets) -> str:
    """The span around the number; when what it counts ("villages of Dorran district")
    runs past that span, the span that reaches the end of it too, if it still holds the
    number (or the whole sentence, when it is short enough): a figure's quote states
    everything its label says."""
    text = reading.text
    quote = span_around(text, s, r.start, b.claim_words, reading.lex)
    at = text.find(r.counts, r.start, s.end) if r.counts else -1
    if at < 0 or r.counts in quote:
        return quote
    whole = tidy_span(text[s.start : s.end])
    if word_count(whole) <= b.claim_words * 2:
        return whole
    end = at + len(r.counts) - 1
    wider = span_around(text, s, end, b.claim_words, reading.lex)
    start = text.find(wider, s.start)
    return wider if start != -1 and start <= r.start < start + len(wider) else quote


def _figure_source(
    reading: ArticleReading, s: Sentence, r: FigureReading, b: Budgets
) -> str | None:
    return reported_by(reading.text, s, r.start, reading.names_in, b.label_words, reading.lex)


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
    text, lex = reading.text, reading.lex
    out: list[Claim] = []
    for s in rank_by_cue(reading, cue, taken):
        route = lex.blocked.search(s.text) or (
            lex.route.search(s.text) and lex.closing.search(s.text)
        )
        aid = lex.humanitarian.search(s.text) or (cue is lex.access and route)
        if len(out) < most and aid and len(rival.findall(s.text)) <= len(cue.findall(s.text)):
            span = span_around(text, s, cue_position(text, s, cue, lex), limit, lex)
            out.append(Claim(text=display_text(text, s, span, lex), evidence=[span]))
            taken.add(s.start)
    return out


def _outlook(reading: ArticleReading, b: Budgets) -> schema.Outlook:
    text, lex = reading.text, reading.lex
    indicators: list[Claim] = []
    used: set[int] = set()
    for s in rank_by_cue(reading, lex.indicator, set()):
        if len(indicators) >= b.indicators:
            break
        used.add(s.start)
        marks = [s.start + m.start() for m in lex.whether.finditer(s.text)]
        ends = [*marks[1:], s.end]  # "...: whether A, whether B, and whether C": one sign each
        pieces = [
            re.sub(r"[\s,;.]+(?:and|or)?\s*$", "", text[a:z])
            for a, z in zip(marks, ends, strict=False)
        ]
        if len(marks) < 2:
            cue = lex.whether if marks else lex.indicator
            pieces = [span_around(text, s, cue_position(text, s, cue, lex), b.claim_words, lex)]
        for piece in pieces[: b.indicators - len(indicators)]:
            if word_count(piece) > b.claim_words:
                piece = span_around(text, s, text.find(piece, s.start), b.claim_words, lex)
            # "whether the permit backlog clears" is a sign to watch as it stands; a bullet
            # opening mid-clause otherwise ("signaling that...") is not.
            if not (opens_well(text, s, piece) or lex.whether.match(piece)):
                continue
            indicators.append(Claim(text=display_text(text, s, piece, lex), evidence=[piece]))

    # Forward-looking weight; later sentences a little more.
    def forward_weight(s: Sentence) -> float:
        late = 0.5 * reading.order[s.start] / len(reading.body) - s.text.startswith(OPENING_QUOTES)
        strong = len(lex.forward_strong.findall(s.text)) + len(lex.plan.findall(s.text))
        return 2 * strong + bool(lex.timeframe.search(s.text)) + late

    forward = rank_by_cue(reading, lex.forward, used, forward_weight)
    parts = pick_sentences(text, forward, b.outlook_summary_words, 2, lex)
    risks: list[schema.Risk] = []
    left = [s for s in forward if not any(p in s.text for p in parts)] or forward
    # A risk needs a word of risk ("could", "warned"); a plan ("is expected in Damascus")
    # is one only when the article gives nothing stronger.
    strong_ones = [s for s in left if lex.forward_strong.search(s.text)] or [
        s for s in forward if lex.forward_strong.search(s.text)
    ]
    for s in strong_ones or left:
        if len(risks) == b.risks:
            break
        strong = lex.forward_strong.search(s.text)
        anchor = cue_position(text, s, lex.forward_strong if strong else lex.forward, lex)
        span = span_around(text, s, anchor, b.risk_words, lex)
        said = re.match(r"(\S+)\s+that\s+", span)  # "warned that X": the risk is X
        if said and (
            lex.reporting.fullmatch(said.group(1)) or lex.forward_strong.fullmatch(said.group(1))
        ):
            span = span[said.end() :]
        # A risk may be what someone said ("said the most likely outcome was..."): it
        # reads whole after an ellipsis. Any other lower-case start does not.
        heard = not opens_well(text, s, span) and reported(text, s, span, lex)
        if not opens_well(text, s, span) and not heard:
            continue
        frame = lex.timeframe.search(span) or lex.timeframe.search(s.text)
        timeframe = _fit_label(frame.group() if frame else None, b.label_words)
        shown = ("…" if heard else "") + display_text(text, s, span, lex)
        risks.append(
            schema.Risk(description=shown, likelihood=None, timeframe=timeframe, evidence=[span])
        )
    summary = join_summary(text, parts)
    return schema.Outlook(
        summary=summary,
        evidence=summary_quotes(text, parts, b.evidence_per_item),
        risks=risks,
        indicators=indicators,
    )


def _gaps(
    brief: Brief, reading: ArticleReading, found: list[_FigureInSentence], b: Budgets
) -> list[str]:
    """Standard questions the article leaves open, most important first; `found` holds
    every figure read, kept or not. A gap is claimed only when the engine can tell it is
    one: never for a language it has no cue words for, and a missing casualty or
    displacement figure only when no sentence states a number next to such a cue."""
    lex = reading.lex
    if not lex.full:
        return []
    h = brief.humanitarian
    kinds = {r.kind for _, r in found}
    # Attributed: the brief's own figures first, then the others until one has a source.
    attributed = any(f.reported_by for f in h.figures) or any(
        _figure_source(reading, *f, b) for f in found
    )
    checks = [
        (not h.summary, "impact"),
        ("killed" not in kinds and not _stated(reading, "killed"), "casualties"),
        ("displaced" not in kinds and not _stated(reading, "displaced"), "displacement"),
        (not h.needs, "needs"),
        (not h.access_constraints, "access"),
        (bool(found) and not attributed, "attribution"),
        (not brief.outlook.risks, "outlook"),
        (not lex.when.search(reading.text), "dates"),
    ]
    lang = language_data(lex.code)
    english = language_data("en")
    phrasing = {**(english.gaps if english else {}), **(lang.gaps if lang else {})}
    return [trim_words(phrasing[g], b.gap_words) for wanted, g in checks if wanted][: b.gaps]


def _stated(reading: ArticleReading, kind: str) -> bool:
    """Whether some sentence puts a number next to a cue of `kind` ("killed"): a figure
    the engine did not read is still a figure the article gives."""
    cues = [st.pattern for st in reading.lex.status if st.kind == kind]
    return any(
        has_figure(s.text, reading.lex) and any(c.search(s.text) for c in cues)
        for s in reading.body
    )


def _check_quotes(brief: Brief, text: str, b: Budgets) -> None:
    """Keep the page's quote budget (items' second quotes go, from the end), then hold the
    engine to its promise: every quote is an exact substring of the article."""
    lists = [quotes for _, quotes in iter_evidence(brief)]
    summaries = [s.evidence for s in (brief.situation, brief.humanitarian, brief.outlook)]
    extra = sum(map(len, lists)) - b.evidence_total
    # Only items' second quotes go: a summary is its quoted sentences joined, and cutting
    # one of its quotes would leave a sentence the support check finds unsupported (the
    # page shows what the quote budget allows; the JSON keeps the rest).
    items = [q for q in lists if not any(q is s for s in summaries)]
    for quotes in reversed(items):
        while extra > 0 and len(quotes) > 1:
            quotes.pop()
            extra -= 1
    for section in (brief.situation, brief.humanitarian, brief.outlook):
        if section.evidence:  # at most `evidence_per_item` quotes: the summary is those
            section.summary = join_summary(text, section.evidence)
    for path, quotes in iter_evidence(brief):
        if any(not q or q not in text for q in quotes):
            raise RuntimeError(f"extractive engine made a quote not in the article ({path})")


def extract_brief(article: Article, budgets: Budgets = BUDGETS) -> Brief:
    """A brief filled from the article's own sentences: no model, no network, deterministic."""
    b, reading = budgets, read_article(article)
    lex = reading.lex
    impact_starts = {s.start for s in reading.body if lex.humanitarian.search(s.text)}
    about_people = rank_by_cue(reading, lex.humanitarian, set())
    impact = pick_sentences(reading.text, about_people, b.humanitarian_summary_words, 3, lex)
    figures, found = _figures(reading, b, impact_starts)
    taken: set[int] = set()
    access = _cued_claims(
        reading, lex.access, lex.needs, b.access_constraints, b.claim_words, taken
    )
    needs = _cued_claims(reading, lex.needs, lex.access, b.needs, b.claim_words, taken)
    humanitarian = schema.HumanitarianImpact(
        summary=join_summary(reading.text, impact),
        evidence=summary_quotes(reading.text, impact, b.evidence_per_item),
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
    _within_page_words(brief, b)
    _check_quotes(brief, article.text, b)
    return brief


def _within_page_words(brief: Brief, b: Budgets) -> None:
    """The document's extra actors and figures (beyond the page's lists) make room, while
    the brief's body is over the page's word cap: their roles shorten first, then they go,
    last first. Extras never make the brief itself too long for a page."""
    h = brief.humanitarian
    if body_words(brief) > b.total_words:  # extras first keep only the start of a role
        for a in brief.actors[b.actors :]:
            a.role = trim_words(a.role, b.label_words + 2)
    while body_words(brief) > b.total_words:
        # The longer of the two lists of extras gives first: a figure line is short.
        actors, figures = len(brief.actors) - b.actors, len(h.figures) - b.figures
        if actors > 0 and actors >= 2 * figures:
            brief.actors.pop()
        elif figures > 0:
            h.figures.pop()
        elif actors > 0:
            brief.actors.pop()
        else:
            return
