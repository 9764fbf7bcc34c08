"""The support check as a pipeline step: check every item, clear what its evidence does
not state, and (with strict grounding) remove what it does not support.

`check_support` runs the rules (`briefing.support.rules`) over a grounded brief and
returns one `SupportCheck` per item, in the order of `schema.iter_evidence`, with the
fields to clear. `apply_support` is the step `generate_brief` runs after grounding: it
clears unstated likelihoods, places, dates and timeframes, merges in a model's verdicts
when one was asked, and with `strict` removes unsupported items (and unsupported
sentences of summaries), re-grounding the result so the report's paths match it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from briefing.schema import Brief, GroundingReport, ModelVerdict, SupportCheck
from briefing.support.cues import load_cues
from briefing.support.rules import Outcome, SupportRules, section_items

_VERDICT_STATUS = {"yes": "supported", "partly": "partly", "no": "unsupported"}
_ORDER = {"supported": 0, "partly": 1, "unsupported": 2}
_LIST_PREFIXES = (
    "situation.key_developments",
    "actors",
    "humanitarian.figures",
    "humanitarian.needs",
    "humanitarian.access_constraints",
    "outlook.risks",
    "outlook.indicators",
)


@dataclass
class SupportResult:
    checks: list[SupportCheck]
    # Summary sentences that share nothing with their section's evidence, per section.
    unsupported_sentences: dict[str, list[str]] = field(default_factory=dict)


def check_support(
    brief: Brief, text: str, report: GroundingReport, *, languages: tuple[str, ...] = ()
) -> SupportResult:
    """One check per evidence-bearing item of `brief`, judged against its own evidence as
    located in `text` by `report` (a grounding of this very brief). `languages` (the
    article's and the brief's) choose the cue words; none: every language's."""
    rules = SupportRules(brief, text, report, load_cues(*languages))
    s, h, o = brief.situation, brief.humanitarian, brief.outlook
    out: list[Outcome] = []
    items = section_items(brief)
    if s.summary.strip() or s.evidence:
        texts = [("headline", s.headline), ("summary", s.summary)]
        out.append(rules.section("situation", texts, s.evidence, items["situation"]))
    out += [
        rules.development(f"situation.key_developments[{i}]", d)
        for i, d in enumerate(s.key_developments)
    ]
    out += [rules.actor(f"actors[{i}]", a, i) for i, a in enumerate(brief.actors)]
    if h.summary.strip() or h.evidence:
        texts = [("summary", h.summary)]
        out.append(rules.section("humanitarian", texts, h.evidence, items["humanitarian"]))
    out += [rules.figure(f"humanitarian.figures[{i}]", f) for i, f in enumerate(h.figures)]
    for prefix, claims in (
        ("humanitarian.needs", h.needs),
        ("humanitarian.access_constraints", h.access_constraints),
    ):
        out += [rules.statement(f"{prefix}[{i}]", c.text, c.evidence) for i, c in enumerate(claims)]
    if o.summary.strip() or o.evidence:
        texts = [("summary", o.summary)]
        out.append(rules.section("outlook", texts, o.evidence, items["outlook"]))
    out += [rules.risk(f"outlook.risks[{i}]", r) for i, r in enumerate(o.risks)]
    indicators = enumerate(o.indicators)
    out += [rules.statement(f"outlook.indicators[{i}]", c.text, c.evidence) for i, c in indicators]
    unsupported = {
        o.path: [sentence for status, sentence in o.sentence_status if status == "unsupported"]
        for o in out
        if any(status == "unsupported" for status, _ in o.sentence_status)
    }
    return SupportResult([o.check() for o in out], unsupported)


def with_verdicts(
    checks: list[SupportCheck], verdicts: Mapping[str, ModelVerdict]
) -> list[SupportCheck]:
    """The checks with a model's verdicts noted; an item takes the worse of the rules'
    status and the model's ("partly" from the model names no missing token)."""
    out = []
    for check in checks:
        verdict = verdicts.get(check.path)
        if verdict is None:
            out.append(check)
            continue
        status = max(check.status, _VERDICT_STATUS[verdict], key=_ORDER.__getitem__)
        notes = check.notes + ([f"model: {verdict}"] if verdict != "yes" else [])
        out.append(
            check.model_copy(update={"model_verdict": verdict, "status": status, "notes": notes})
        )
    return out


def clear_unstated(brief: Brief, checks: list[SupportCheck]) -> Brief:
    """A copy of `brief` without the fields its checks cleared."""
    new = brief.model_copy(deep=True)
    for check in checks:
        if check.cleared:
            item = _item(new, check.path)
            for name in check.cleared:
                setattr(item, name, None)
    return new


def _item(brief: Brief, path: str) -> Any:
    obj: Any = brief
    for part in path.split("."):
        name, _, index = part.partition("[")
        obj = getattr(obj, name)
        if index:
            obj = obj[int(index[:-1])]
    return obj


def drop_unsupported(
    brief: Brief, result: SupportResult
) -> tuple[Brief, list[str], list[SupportCheck]]:
    """Remove unsupported list items and unsupported summary sentences. Returns the new
    brief, what was removed (as "path (label): why") and the remaining checks with paths
    renumbered to the new brief."""
    new = brief.model_copy(deep=True)
    dropped: list[str] = []
    renumber: dict[str, str | None] = {}
    bad = {c.path: c for c in result.checks if c.status == "unsupported"}
    for prefix in _LIST_PREFIXES:
        parent_path, _, attr = prefix.rpartition(".")
        parent = _item(new, parent_path) if parent_path else new
        items = getattr(parent, attr)
        kept: list[Any] = []
        for i, item in enumerate(items):
            path = f"{prefix}[{i}]"
            if path in bad:
                why = "; ".join(bad[path].notes[:2]) or "not supported by its quotes"
                dropped.append(f"{path} ({_label(item)}): not supported by its quotes: {why}")
                renumber[path] = None
            else:
                renumber[path] = f"{prefix}[{len(kept)}]"
                kept.append(item)
        setattr(parent, attr, kept)
    for path, bad_sentences in result.unsupported_sentences.items():
        section = _item(new, path)
        for sentence in bad_sentences:
            if sentence in section.summary:
                section.summary = " ".join(section.summary.replace(sentence, " ").split())
                dropped.append(
                    f"{path}.summary ({_label(sentence)}): sentence not supported "
                    "by the section's quotes"
                )
    checks = []
    for check in result.checks:
        moved = renumber.get(check.path, check.path)
        if moved is not None:
            checks.append(check.model_copy(update={"path": moved}))
    return new, dropped, checks


def _label(item: Any) -> str:
    for name in ("what", "name", "text", "description"):
        if isinstance(getattr(item, name, None), str):
            item = getattr(item, name)
            break
    else:
        if not isinstance(item, str):
            item = f"{getattr(item, 'value', '')} {getattr(item, 'counts', '')}"
    text = " ".join(str(item).split())
    return text if len(text) <= 60 else text[:59].rstrip() + "…"


def apply_support(
    brief: Brief,
    text: str,
    report: GroundingReport,
    *,
    strict: bool = False,
    languages: tuple[str, ...] = (),
    verdicts: Mapping[str, ModelVerdict] | None = None,
    reground: Callable[[Brief], GroundingReport] | None = None,
) -> tuple[Brief, GroundingReport]:
    """Check support, clear unstated fields, optionally drop unsupported items.

    `report` grounds `brief` in `text`. With `strict`, `reground` (grounding of the new
    brief in the same text) gives the returned report paths that match the returned
    brief; its `dropped` lists the earlier removals and these.
    """
    result = check_support(brief, text, report, languages=languages)
    if verdicts:
        result.checks = with_verdicts(result.checks, verdicts)
    brief = clear_unstated(brief, result.checks)
    if not strict:
        return brief, report.model_copy(update={"claims": result.checks})
    kept, dropped, checks = drop_unsupported(brief, result)
    if not dropped:
        return kept, report.model_copy(update={"claims": checks})
    final = reground(kept) if reground is not None else report
    final.dropped = [*report.dropped, *dropped]
    final.claims = checks
    final.support_model = report.support_model
    return kept, final


def support_summary(report: GroundingReport) -> str | None:
    """One line, e.g. "support: 21/27 claims supported (77.8%), 4 partly, 2 unsupported"."""
    if report.claims is None:
        return None
    total = len(report.claims)
    partly = sum(1 for c in report.claims if c.status == "partly")
    unsupported = sum(1 for c in report.claims if c.status == "unsupported")
    rate = report.support_rate if report.support_rate is not None else 1.0
    line = (
        f"support: {report.supported}/{total} claims supported ({rate:.1%}), "
        f"{partly} partly, {unsupported} unsupported"
    )
    cleared = sum(len(c.cleared) for c in report.claims)
    if cleared:
        line += f"; {cleared} field{'s' if cleared != 1 else ''} cleared"
    return line
