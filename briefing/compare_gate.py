"""The regression gate: `--baseline VERSION --fail-on RULES` over a comparison result.

Grammar (whitespace is ignored)::

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

Negative absolute thresholds are refused: every metric is non-negative, so
`actor_recall<-0.05` could never fire and almost certainly means `baseline-0.05`.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .compare import ALL_METRICS, ComparisonResult, Variant
from .errors import ConfigError, GateError

# Not a brief metric: how many runs of a variant failed, over all articles.
FAILED_RUNS = "failed_runs"

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_NUMBER = r"\d+(?:\.\d*)?|\.\d+"
_RULE = re.compile(
    rf"^(?P<metric>[a-z_]+)(?P<op><=|>=|<|>)"
    rf"(?:(?P<absolute>-?(?:{_NUMBER}))"
    rf"|baseline(?:(?P<sign>[-+*])(?P<amount>{_NUMBER}))?)$"
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


def parse_rules(text: str) -> list[GateRule]:
    """Parse a --fail-on value; ConfigError on anything that is not a valid rule."""
    rules = []
    for raw in text.split(","):
        compact = "".join(raw.split())
        if not compact:
            continue
        match = _RULE.match(compact)
        if match is None:
            raise ConfigError(
                f"--fail-on: cannot read rule {raw.strip()!r}; write METRIC OP THRESHOLD with "
                f"OP one of < <= > >= and THRESHOLD a number, 'baseline', 'baseline-N', "
                f"'baseline+N' or 'baseline*N', e.g. {EXAMPLE}"
            )
        metric = match["metric"]
        if metric not in known_metrics():
            raise ConfigError(
                f"--fail-on: unknown metric {metric!r} in {compact!r}; known metrics: "
                f"{', '.join(known_metrics())}"
            )
        if match["absolute"] is not None:
            value = float(match["absolute"])
            if value < 0:
                raise ConfigError(
                    f"--fail-on: {compact!r} compares with a negative number, which {metric} "
                    f"never reaches; for a change against the baseline write "
                    f"{metric}{match['op']}baseline{match['absolute']}"
                )
            rules.append(GateRule(compact, metric, match["op"], value))
        else:
            sign = match["sign"]
            amount = float(match["amount"]) if sign else 0.0
            rules.append(GateRule(compact, metric, match["op"], amount, sign or "+"))
    if not rules:
        raise ConfigError(f"--fail-on is empty; give at least one rule, e.g. {EXAMPLE}")
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
        raise ConfigError(f"--baseline {baseline!r} is not among the compared variants: {labels}")
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
                f"--baseline {baseline!r} is ambiguous for {v.label}; name one of: {options}"
            )
        out[v.label] = match[0]
    return out


def _value(result: ComparisonResult, label: str, metric: str) -> float | None:
    if metric == FAILED_RUNS:
        return float(sum(1 for r in result.runs if r.variant == label and r.error is not None))
    stat = result.overall.get(label, {}).get(metric)
    return None if stat is None else stat.mean


def evaluate_gate(
    result: ComparisonResult, baseline: str | None, rules: str | Sequence[GateRule]
) -> list[str]:
    """One message per violated (rule, variant); empty when the gate passes.

    Without a baseline, absolute rules apply to every variant and relative rules are a
    ConfigError.
    """
    parsed = parse_rules(rules) if isinstance(rules, str) else list(rules)
    if baseline is None:
        relative = [r.text for r in parsed if r.relative is not None]
        if relative:
            raise ConfigError(
                f"--fail-on {', '.join(relative)} compares with a baseline; add --baseline VERSION"
            )
        pairs: dict[str, Variant | None] = {v.label: None for v in result.variants}
    else:
        pairs = dict(_baselines(result, baseline))
    messages = []
    for rule in parsed:
        for label, base in pairs.items():
            value = _value(result, label, rule.metric)
            if value is None:
                messages.append(f"{label}: {rule.metric} has no value (rule {rule.text})")
                continue
            if rule.relative is None or base is None:
                if rule.fails(value):
                    messages.append(
                        f"{label}: {rule.metric} {value:.4g} {rule.op} {rule.value:g} "
                        f"(rule {rule.text})"
                    )
                continue
            base_value = _value(result, base.label, rule.metric)
            if base_value is None:
                messages.append(
                    f"{label}: baseline {base.label} has no value for {rule.metric} "
                    f"(rule {rule.text})"
                )
            elif rule.fails(value, base_value):
                messages.append(
                    f"{label}: {rule.metric} {value:.4g} {rule.op} "
                    f"{rule.threshold(base_value):.4g} (baseline {base.label} "
                    f"{base_value:.4g}; rule {rule.text})"
                )
    return messages


def check_gate(result: ComparisonResult, baseline: str | None, rules: str) -> None:
    """Raise GateError (exit code 11) listing every violation."""
    messages = evaluate_gate(result, baseline, rules)
    if messages:
        raise GateError(
            f"regression gate failed ({len(messages)} violation"
            f"{'s' if len(messages) != 1 else ''}):\n  " + "\n  ".join(messages)
        )
