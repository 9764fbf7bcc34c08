"""Support of claims by their own evidence: after grounding has found each quote in the
article, check that each item's quotes state what the item says.

`check_support` runs the deterministic rules (`briefing.support.rules`, cue words in
`briefing/support/cues/<language>.toml`); `apply_support` is the pipeline step (clearing
unstated likelihoods, places and dates, and, with strict grounding, removing unsupported
items); `briefing.support.model` asks a model the same question, item by item, when the
`check_support` setting is `model`.
"""

from briefing.support.check import (
    SupportResult,
    apply_support,
    check_support,
    clear_unstated,
    drop_unsupported,
    support_summary,
    with_verdicts,
)

__all__ = [
    "SupportResult",
    "apply_support",
    "check_support",
    "clear_unstated",
    "drop_unsupported",
    "support_summary",
    "with_verdicts",
]
