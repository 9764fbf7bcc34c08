"""The regression gate: `--baseline VERSION --fail-on RULES` over a comparison result.

Grammar (spaces may separate the tokens of a rule, but never split a name or number)::

    RULES     := RULE ("," RULE)*
    RULE      := METRIC OP THRESHOLD
    OP        := "<" | "<=" | ">" | ">="
    THRESHOLD := NUMBER                        absolute
               | "baseline"                    the baseline's own value
               | "baseline" ("+" | "-") NUMBER  baseline plus or minus an amount
               | "baseline" "*" NUMBER          baseline times a factor

A rule states the failing condition. It is checked against the "all articles" mean of
every variant except the baseline: `grounding_rate<0.95` fails a version whose mean
grounding rate is below 0.95; `actor_recall<baseline-0.05` fails one whose actor recall
is more than 0.05 below the baseline's; `cost_usd>baseline*1.5` fails one that costs
over half as much again. A variant without a value for a rule's metric (all its runs
failed, or no gold file) fails that rule: a gate must not pass on missing data.

A NUMBER is digits with an optional decimal part ("0.95", "2", ".5"). Signed absolute
thresholds are refused, "-0" included: every metric is non-negative, so
`actor_recall<-0.05` could never fire and almost certainly means `baseline-0.05`.
Anything else that does not read as these tokens in this order is refused too, with a
ConfigError naming the rule: "0 .95" is two numbers, not 0.95; "1e3" and "0.9.5" are
not numbers.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from briefing.compare.result import (
    ALL_METRICS,
    ComparisonResult,
    GateCheck,
    GateOutcome,
    Variant,
)
from briefing.errors import ConfigError, GateError

# Not a brief metric: how many runs of a variant failed, over all articles.
FAILED_RUNS = "failed_runs"

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
# One token per match; whitespace only separates tokens. A word or number glued to
# another ("0.9.5", "1e3", "2x") is one "bad" token, never a shorter valid one.
_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?![\w.]))"
    r"|(?P<name>[A-Za-z_]\w*)"
    r"|(?P<op><=|>=|<|>)"
    r"|(?P<sign>[-+*])"
    r"|(?P<bad>[\w.]+|\S))"
)
EXAMPLE = "grounding_rate<0.95,actor_recall<baseline-0.05,cost_usd>baseline*1.5"


def known_metrics() -> list[str]:
    return [spec.key for spec in ALL_METRICS] + [FAILED_RUNS]


@dataclass(frozen=True)
class GateRule:
    text: str
    metric: str
    op: str
    value: float  # the absolute threshold, or the amount/factor applied to the baseline
    relative: str | None = None  # None (absolute), "+", "-" or "*"

    def threshold(self, baseline: float = 0.0) -> float:
        """The value a variant is compared with (`baseline` is ignored by absolute rules)."""
        if self.relative is None:
            return self.value
        if self.relative == "*":
            return baseline * self.value
        return baseline + self.value if self.relative == "+" else baseline - self.value

    def fails(self, value: float, baseline: float = 0.0) -> bool:
        return _OPS[self.op](value, self.threshold(baseline))


def _tokens(rule: str) -> list[tuple[str, str, int]]:
    """(kind, text, offset) triples: kind is number, name, op, sign or bad."""
    out: list[tuple[str, str, int]] = []
    for match in _TOKEN.finditer(rule.rstrip()):
        kind = match.lastgroup or "bad"
        out.append((kind, match[kind], match.start(kind)))
    return out


def _unreadable(raw: str, problem: str) -> ConfigError:
    return ConfigError(
        f"⟨fail_on⟩: cannot read rule {raw.strip()!r} ({problem}); write METRIC OP THRESHOLD "
        f"with OP one of < <= > >= and THRESHOLD a number such as 0.95, 'baseline', "
        f"'baseline-N', 'baseline+N' or 'baseline*N', e.g. {EXAMPLE}"
    )


def parse_rule(raw: str) -> GateRule:
    """One rule, e.g. "actor_recall < baseline-0.05"; ConfigError naming it otherwise."""
    tokens = _tokens(raw)
    bad = [text for kind, text, _ in tokens if kind == "bad"]
    if bad:
        raise _unreadable(raw, f"{bad[0]!r} is not a number, metric name or operator")
    kinds = [kind for kind, _, _ in tokens]
    texts = [text for _, text, _ in tokens]
    compact = "".join(texts)
    if kinds[:2] != ["name", "op"] or len(tokens) < 3:
        raise _unreadable(raw, "it does not read METRIC OP THRESHOLD")
    metric, op = texts[0], texts[1]
    if metric not in known_metrics():
        raise ConfigError(
            f"⟨fail_on⟩: unknown metric {metric!r} in {compact!r}; known metrics: "
            f"{', '.join(known_metrics())}"
        )
    # The threshold's shape: token kinds, with names spelled out ("baseline").
    shape = [text if kind == "name" else kind for kind, text, _ in tokens[2:]]
    number = texts[-1]
    if shape == ["number"]:
        return GateRule(compact, metric, op, float(number))
    if shape == ["baseline"]:
        return GateRule(compact, metric, op, 0.0, "+")
    if shape == ["baseline", "sign", "number"]:
        return GateRule(compact, metric, op, float(number), texts[3])
    if shape == ["sign", "number"] and texts[2] != "*":
        raise ConfigError(
            f"⟨fail_on⟩: {compact!r}: an absolute threshold is an unsigned number ({metric} "
            f"is never negative), not {texts[2]}{number}; for a change against the baseline "
            f"write {metric}{op}baseline{texts[2]}{number}"
        )
    if kinds[2:].count("number") > 1:
        raise _unreadable(raw, "a space splits a number, or two numbers follow each other")
    raise _unreadable(raw, f"{raw[tokens[2][2] :].strip()!r} is not a threshold")


def parse_rules(text: str) -> list[GateRule]:
    """Parse a --fail-on value; ConfigError on anything that is not a valid rule."""
    rules = [parse_rule(raw) for raw in text.split(",") if raw.strip()]
    if not rules:
        raise ConfigError(f"⟨fail_on⟩ is empty; give at least one rule, e.g. {EXAMPLE}")
    return rules


def _baselines(result: ComparisonResult, baseline: str) -> dict[str, Variant]:
    """Non-baseline variant label -> the variant it is compared with.

    `baseline` is a variant label ("v1", "v1@gpt-4o") or a prompt version; a version
    compared under several models is matched model by model.
    """
    variants = result.variants
    exact = [v for v in variants if v.label == baseline]
    if exact:
        return {v.label: exact[0] for v in variants if v.label != baseline}
    same_version = [v for v in variants if v.version == baseline]
    if not same_version:
        labels = ", ".join(v.label for v in variants)
        raise ConfigError(f"⟨baseline⟩ {baseline!r} is not among the compared variants: {labels}")
    out: dict[str, Variant] = {}
    for v in variants:
        if v.version == baseline:
            continue
        match = [b for b in same_version if b.model == v.model] or (
            same_version if len(same_version) == 1 else []
        )
        if not match:
            options = ", ".join(b.label for b in same_version)
            raise ConfigError(
                f"⟨baseline⟩ {baseline!r} is ambiguous for {v.label}; name one of: {options}"
            )
        out[v.label] = match[0]
    return out


def _value(result: ComparisonResult, label: str, metric: str) -> float | None:
    if metric == FAILED_RUNS:
        return float(sum(1 for r in result.runs if r.variant == label and r.error is not None))
    stat = result.overall.get(label, {}).get(metric)
    return None if stat is None else stat.mean


def gate_outcome(
    result: ComparisonResult, baseline: str | None, rules: str | Sequence[GateRule]
) -> GateOutcome:
    """Every (rule, variant) check with its values, passed or not.

    Without a baseline, absolute rules apply to every variant and relative rules are a
    ConfigError.
    """
    parsed = parse_rules(rules) if isinstance(rules, str) else list(rules)
    if baseline is None:
        relative = [r.text for r in parsed if r.relative is not None]
        if relative:
            raise ConfigError(
                f"⟨fail_on⟩ {', '.join(relative)} compares with a baseline; add ⟨baseline⟩ VERSION"
            )
        pairs: dict[str, Variant | None] = {v.label: None for v in result.variants}
    else:
        pairs = dict(_baselines(result, baseline))
    text = rules if isinstance(rules, str) else ",".join(r.text for r in parsed)
    outcome = GateOutcome(rules=text, baseline=baseline)
    for rule in parsed:
        for label, base in pairs.items():
            outcome.checks.append(_check(result, rule, label, base))
    return outcome


def _check(result: ComparisonResult, rule: GateRule, label: str, base: Variant | None) -> GateCheck:
    value = _value(result, label, rule.metric)
    check = GateCheck(
        rule=rule.text,
        metric=rule.metric,
        op=rule.op,
        variant=label,
        value=value,
        threshold=None,
        passed=False,
    )
    if value is None:
        check.message = f"{label}: {rule.metric} has no value (rule {rule.text})"
        return check
    if rule.relative is None or base is None:
        check.threshold = rule.value
        check.passed = not rule.fails(value)
        if not check.passed:
            check.message = (
                f"{label}: {rule.metric} {value:.4g} {rule.op} {rule.value:g} (rule {rule.text})"
            )
        return check
    base_value = _value(result, base.label, rule.metric)
    check.baseline, check.baseline_value = base.label, base_value
    if base_value is None:
        check.message = (
            f"{label}: baseline {base.label} has no value for {rule.metric} (rule {rule.text})"
        )
        return check
    check.threshold = rule.threshold(base_value)
    check.passed = not rule.fails(value, base_value)
    if not check.passed:
        check.message = (
            f"{label}: {rule.metric} {value:.4g} {rule.op} {check.threshold:.4g} (baseline "
            f"{base.label} {base_value:.4g}; rule {rule.text})"
        )
    return check


def evaluate_gate(
    result: ComparisonResult, baseline: str | None, rules: str | Sequence[GateRule]
) -> list[str]:
    """One message per violated (rule, variant); empty when the gate passes."""
    return gate_outcome(result, baseline, rules).violations


def enforce_gate(outcome: GateOutcome) -> None:
    """Raise GateError (exit code 11) listing every violation of `outcome`."""
    messages = outcome.violations
    if messages:
        raise GateError(
            f"regression gate failed ({len(messages)} violation"
            f"{'s' if len(messages) != 1 else ''}):\n  " + "\n  ".join(messages),
            violations=messages,
        )


def check_gate(result: ComparisonResult, baseline: str | None, rules: str) -> GateOutcome:
    """The gate's outcome; GateError (exit code 11) listing every violation when it fails."""
    outcome = gate_outcome(result, baseline, rules)
    enforce_gate(outcome)
    return outcome
