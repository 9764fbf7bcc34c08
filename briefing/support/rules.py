"""The deterministic support rules: does each item's own evidence state what it says?

Grounding asks whether a quote occurs in the article; this asks whether an item's quotes
(as found in the article, so a fuzzy match is read as the article has it) back the item:

- numbers: every number the item states (a figure's value, counts in a summary, a
  development, a role) occurs in its evidence, read as grounding reads figures;
- names: every proper name in the item occurs in its evidence, or is an actor of the
  brief whose own evidence names it (aliases count); an actor's own name must be in its
  evidence; a figure's `reported_by` must be in its evidence or the sentences around it;
- likelihood: a risk's likelihood stays only when its evidence carries a likelihood cue
  that can support that level (`cues/*.toml`); otherwise it is cleared;
- where/when: a development's place and time and a risk's timeframe stay only when the
  evidence or the sentences around it state them; otherwise they are cleared;
- actor kind: a kind that a cue in the name, a well-known body or the words next to the
  name in its evidence contradict ("World Food Programme", "ngo") is flagged;
- overlap: a claim that shares no content word with its evidence is not supported by it.

Summaries (and the headline) are checked sentence by sentence against the evidence of
their whole section (the summary's quotes and every quote of the section's items).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from briefing.schema import (
    Actor,
    ActorKind,
    Brief,
    Development,
    Figure,
    GroundingReport,
    Risk,
    SupportCheck,
    iter_evidence,
)
from briefing.support.cues import Cues, KindCue
from briefing.support.text import (
    Passage,
    article_sentences,
    claim_numbers,
    content_words,
    joined,
    proper_names,
    same_name_word,
    sentences,
    stem,
    words,
)
from briefing.text.names import has_title, is_acronym, looks_like_person

# Function words of a place or time ("in", "from", "the", "à", "desde") that need not
# occur in the evidence for the place or time to be stated there.
_FUNCTION_WORDS = frozenset(
    """in at on from to near since by during the of into until till through around across
    within a an and or its their this that de du des le la les au aux en dans depuis pendant
    jusqu el los las del al desde hasta durante entre sur vers""".split()
)
_SECTIONS = ("situation", "humanitarian", "outlook")
_DETERMINER = r"(?:a|an|the|un|une|le|la|les|l'|l’|el|los|las|una|uno)"


@dataclass
class Finding:
    token: str  # what the evidence does not state: "8,500", "VDMA", "likelihood medium"
    note: str
    core: bool = False  # the item's point (a figure's number, an actor's name)
    unrelated: bool = False  # nothing in common with the evidence


@dataclass
class Outcome:
    """The result for one item, before it becomes a `SupportCheck`."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    cleared: dict[str, str] = field(default_factory=dict)
    has_evidence: bool = True
    sentence_status: list[tuple[str, str]] = field(default_factory=list)  # summaries

    def check(self) -> SupportCheck:
        missing = list(dict.fromkeys(f.token for f in self.findings))
        notes = [f.note for f in self.findings]
        if not self.has_evidence:
            status, missing, notes = "unsupported", [], ["no evidence"]
        elif self.sentence_status:
            statuses = {s for s, _ in self.sentence_status}
            status = statuses.pop() if len(statuses) == 1 else "partly"
        elif any(f.core or f.unrelated for f in self.findings):
            status = "unsupported"
        else:
            status = "partly" if self.findings or self.cleared else "supported"
        return SupportCheck(
            path=self.path, status=status, missing=missing, notes=notes, cleared=self.cleared
        )


@dataclass(frozen=True)
class _ActorNames:
    forms: tuple[tuple[str, ...], ...]  # every name and alias, as folded words
    vouched: bool  # its own evidence names it


class SupportRules:
    """The rules applied to one brief, its article and its grounding report."""

    def __init__(self, brief: Brief, text: str, report: GroundingReport, cues: Cues) -> None:
        self.brief, self.text, self.cues = brief, text, cues
        self._evidence: dict[tuple[str, tuple[str, ...]], Passage] = {}
        self.spans: dict[str, list[tuple[int, int] | None]] = {}
        for q in report.quotes:
            item, _, index = q.path.rpartition(".evidence")
            if index:
                found = q.start is not None and q.end is not None and q.status != "not_found"
                span = (q.start or 0, q.end or 0) if found else None
                self.spans.setdefault(item, []).append(span)
        self.actors = []
        for i, a in enumerate(brief.actors):
            own = self.evidence(f"actors[{i}]", a.evidence)
            names = [n for n in (a.name, *a.aliases) if words(n)]
            vouched = any(_named(n, words(n), own) for n in names)
            self.actors.append(_ActorNames(tuple(tuple(words(n)) for n in names), vouched))

    # --- evidence -------------------------------------------------------------------

    def evidence(self, path: str, quotes: list[str]) -> Passage:
        """The item's quotes as the article has them (the quote itself when not found)."""
        key = (path, tuple(quotes))
        if key not in self._evidence:
            self._evidence[key] = self._read_evidence(path, quotes)
        return self._evidence[key]

    def _read_evidence(self, path: str, quotes: list[str]) -> Passage:
        spans = self.spans.get(path, [])
        parts = [
            self.text[span[0] : span[1]] if i < len(spans) and (span := spans[i]) else quote
            for i, quote in enumerate(quotes)
        ]
        return Passage("\n".join(parts))

    def context(self, path: str, quotes: list[str]) -> Passage:
        """The article sentences around the item's found quotes, with the quotes."""
        parts = [self.evidence(path, quotes).text]
        for span in self.spans.get(path, []):
            if span is None:
                continue
            around = [
                s for s in article_sentences(self.text) if s.start < span[1] and s.end > span[0]
            ]
            if around:
                parts.append(self.text[around[0].start : around[-1].end])
        return Passage("\n".join(parts))

    # --- token rules ----------------------------------------------------------------

    def numbers(self, text: str, evidence: Passage, where: str = "its quotes") -> list[Finding]:
        return [
            Finding(written, f"{written} is not in {where}")
            for m in claim_numbers(text)
            if not evidence.states_number(m)
            for written in [text[m.start : m.end]]
        ]

    def names(
        self, text: str, evidence: Passage, *, vouch: bool = True, where: str = "its quotes"
    ) -> list[Finding]:
        out = []
        for name in proper_names(text, self.text):
            toks = words(name)
            if _named(name, toks, evidence):
                continue
            actor = self._actor_for(toks)
            if actor and (
                (vouch and actor.vouched) or any(evidence.has_words(list(f)) for f in actor.forms)
            ):
                continue
            out.append(Finding(name, f"{name} is not named in {where}"))
        return out

    def _actor_for(self, toks: list[str]) -> _ActorNames | None:
        def inside(small: Sequence[str], big: Sequence[str]) -> bool:
            n = len(small)
            return any(
                all(same_name_word(big[i + k], small[k]) for k in range(n))
                for i in range(len(big) - n + 1)
            )

        for actor in self.actors:
            if any(inside(toks, f) or inside(f, toks) for f in actor.forms):
                return actor
        return None

    def unrelated(self, text: str, evidence: Passage) -> list[Finding]:
        found = content_words(text, self.cues.stopwords)
        if len(found) >= 2 and not any(stem(w) in evidence.stems for w in found):
            return [Finding("no shared words", "shares no word with its quotes", unrelated=True)]
        return []

    def claim(self, text: str, evidence: Passage) -> list[Finding]:
        return (
            self.numbers(text, evidence)
            + self.names(text, evidence)
            + self.unrelated(text, evidence)
        )

    def states(self, value: str, context: Passage) -> bool:
        """Whether a place or time ("from Port Alen", "overnight on Thursday") is stated."""
        toks = [w for w in words(value) if w not in _FUNCTION_WORDS]
        if not toks or context.has_words(toks, demonyms=False):
            return True
        if any(not context.states_number(m) for m in claim_numbers(value)):
            return False
        if any(not context.has_words(words(n)) for n in proper_names(value, self.text)):
            return False
        rest = [w for w in toks if not w.isdigit() and len(w) >= 3]
        return all(stem(w) in context.stems for w in rest)

    # --- items ----------------------------------------------------------------------

    def development(self, path: str, d: Development) -> Outcome:
        out = Outcome(path, has_evidence=bool(d.evidence))
        evidence, context = self.evidence(path, d.evidence), self.context(path, d.evidence)
        out.findings += self.claim(d.what, evidence)
        for name, value in (("where", d.where), ("when", d.when)):
            if value and not self.states(value, context):
                out.cleared[name] = value
                out.findings.append(
                    Finding(
                        f"{name} '{value}' cleared",
                        f"{name} '{value}' cleared: not stated in its quotes or their sentences",
                    )
                )
        return out

    def actor(self, path: str, a: Actor, index: int) -> Outcome:
        out = Outcome(path, has_evidence=bool(a.evidence))
        evidence, context = self.evidence(path, a.evidence), self.context(path, a.evidence)
        if a.evidence and not self.actors[index].vouched:
            # "Syrian government" quoted as "the Syrian military": partly, by one word.
            some = any(
                evidence.has_words([w])
                for n in (a.name, *a.aliases)
                for w in words(n)
                if len(w) >= 4 and w not in self.cues.stopwords
            )
            note = f"{a.name} is {'only in part ' if some else 'not '}named in its quotes"
            out.findings.append(Finding(a.name, note, core=not some))
        out.findings += self.numbers(a.role, evidence) + self.names(a.role, evidence)
        out.findings += self.kind(a, context)
        return out

    def kind(self, a: Actor, context: Passage) -> list[Finding]:
        if a.kind is ActorKind.OTHER:
            return []  # "other" claims nothing a cue could contradict
        said: list[str] = []
        allowed: set[ActorKind] = set()
        for cue in self.cues.kinds:
            if self._kind_cue(cue, a, context):
                said.append(cue.says)
                allowed |= cue.allowed
        if has_title(a.name):
            said.append("a person's title")
            allowed.add(ActorKind.PERSON)
        if not said or a.kind in allowed:
            return []
        token = f"kind {a.kind.value}"
        return [Finding(token, f"kind '{a.kind.value}' contradicts '{a.name}' ({said[0]})")]

    def _kind_cue(self, cue: KindCue, a: Actor, context: Passage) -> bool:
        names = [n for n in (a.name, *a.aliases) if n.strip()]
        if any(cue.name and cue.name.search(n) for n in names):
            return True
        if any(" ".join(n.split()).casefold() in cue.known for n in names):
            return True
        if cue.evidence is None:
            return False
        # Each cue in the evidence ("the UN agency", "a charity") counts when one of the
        # actor's names stands right after it ("the UN agency WFP") or right before it,
        # as an apposition ("WFP, the UN food agency").
        for m in cue.evidence.finditer(context.text):
            before = context.text[max(0, m.start() - 60) : m.start()]
            after = context.text[m.end() : m.end() + 60]
            for n in names:
                name = r"\s+".join(map(re.escape, n.split()))
                if re.search(
                    rf"{name}(?:['’]s)?\s*,\s+{_DETERMINER}\s+(?:[\w'’-]+\s+){{0,3}}$", before
                ) or (
                    re.match(rf",?\s+(?:the\s+)?{name}\b", after)
                    and re.search(rf"(?i:\b{_DETERMINER}\s+(?:[\w'’-]+\s+){{0,2}})$", before)
                ):
                    return True
        return False

    def figure(self, path: str, f: Figure) -> Outcome:
        out = Outcome(path, has_evidence=bool(f.evidence))
        evidence, context = self.evidence(path, f.evidence), self.context(path, f.evidence)
        value = self.numbers(f.value, evidence)
        stated = claim_numbers(f.value)
        for finding in value:
            finding.core = len(value) == len(stated)  # "between 6,000 and 8,000": one found
        out.findings += value + self.numbers(f.counts, evidence) + self.names(f.counts, evidence)
        if f.reported_by:
            out.findings += self.reporter(f.reported_by, context)
        return out

    def reporter(self, who: str, context: Passage) -> list[Finding]:
        """Who reported a figure is part of the figure's claim: no vouching by actors."""
        where = "its quotes or their sentences"
        names = self.names(who, context, vouch=False, where=where)
        if names:
            return [Finding(f"reported by {who}", f"reported by '{who}': {n.note}") for n in names]
        if next(proper_names(who, self.text), None) is not None:
            return []  # named, and every name found
        rest = content_words(who, self.cues.stopwords)
        if rest and not all(stem(w) in context.stems for w in rest):
            return [Finding(f"reported by {who}", f"reported by '{who}': not stated in {where}")]
        return []

    def risk(self, path: str, r: Risk) -> Outcome:
        out = Outcome(path, has_evidence=bool(r.evidence))
        evidence, context = self.evidence(path, r.evidence), self.context(path, r.evidence)
        out.findings += self.claim(r.description, evidence)
        if r.likelihood is not None:
            said = self.likelihood_cues(evidence)
            level = r.likelihood.value
            if not any(r.likelihood in levels for _, levels in said):
                why = (
                    f"its quotes say '{said[0][0]}'" if said else "no likelihood word in its quotes"
                )
                out.cleared["likelihood"] = level
                out.findings.append(
                    Finding(f"likelihood '{level}' cleared", f"likelihood '{level}' cleared: {why}")
                )
        if r.timeframe and not self.states(r.timeframe, context):
            out.cleared["timeframe"] = r.timeframe
            out.findings.append(
                Finding(
                    f"timeframe '{r.timeframe}' cleared",
                    f"timeframe '{r.timeframe}' cleared: not "
                    "stated in its quotes or their sentences",
                )
            )
        return out

    def likelihood_cues(self, evidence: Passage) -> list[tuple[str, frozenset[object]]]:
        """(cue as written, likelihoods it can support) for each cue in the evidence."""
        pattern = self.cues.likelihood_pattern
        if pattern is None:
            return []
        table = dict(self.cues.likelihood)
        found: list[tuple[str, frozenset[object]]] = []
        for m in pattern.finditer(evidence.text):
            key = " ".join(m.group().casefold().split())
            found.append((m.group(), frozenset(table.get(key, frozenset()))))
        return found

    def statement(self, path: str, text: str, quotes: list[str]) -> Outcome:
        """A need, access constraint or indicator."""
        out = Outcome(path, has_evidence=bool(quotes))
        out.findings += self.claim(text, self.evidence(path, quotes))
        return out

    def section(
        self,
        path: str,
        texts: list[tuple[str, str]],
        quotes: list[str],
        items: list[tuple[str, list[str]]],
    ) -> Outcome:
        """A summary (and the headline), sentence by sentence, against every quote of
        its section; `texts` are (label, text) pairs, `items` the section's items."""
        out = Outcome(path, has_evidence=bool(quotes) or any(q for _, q in items))
        evidence = joined([self.evidence(path, quotes)] + [self.evidence(p, q) for p, q in items])
        for label, text in texts:
            if label == "headline" and " ".join(text.split()) in " ".join(self.text.split()):
                continue  # the article's own headline, quoted whole
            for n, sentence in enumerate(sentences(text), start=1):
                if self.cues.absence and self.cues.absence.search(sentence):
                    continue  # "No casualty figures are given": a gap, not a claim to quote
                found = self.claim(sentence, evidence)
                where = label if label == "headline" else f"{label} sentence {n}"
                for f in found:
                    f.note = f"{where}: {f.note}".replace("its quotes", "the section's quotes")
                    f.token = f"{where} unsupported" if f.unrelated else f.token
                out.findings += found
                status = (
                    "unsupported"
                    if any(f.unrelated for f in found)
                    else "partly"
                    if found
                    else "supported"
                )
                out.sentence_status.append((status, sentence))
        return out


def section_items(brief: Brief) -> dict[str, list[tuple[str, list[str]]]]:
    """Each section's items with their quotes (the evidence a summary is read against)."""
    out: dict[str, list[tuple[str, list[str]]]] = {section: [] for section in _SECTIONS}
    for path, quotes in iter_evidence(brief):
        section = path.split(".")[0]
        if "[" in path and section in out:
            out[section].append((path, quotes))
    return out


def _named(name: str, toks: list[str], evidence: Passage) -> bool:
    """A name is in the evidence when its words are; a person's also by the surname
    alone ("Assad" names "Bashar al-Assad")."""
    if evidence.has_words(toks):
        return True
    if is_acronym(name) and name.replace(".", "") in evidence.initials:
        return True
    return (
        len(toks) >= 2
        and len(toks[-1]) >= 4
        and looks_like_person(name)
        and (evidence.has_words(toks[-1:]))
    )


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
