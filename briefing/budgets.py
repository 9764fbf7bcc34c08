"""Section budgets for a one-page brief: the single place they live.

About 450-550 words of body text fit one A4 page at 10-11 pt. The budgets are enforced
after parsing (never in the JSON Schema, which strict structured outputs forbid) and
the renderer lists whatever was cut.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Budgets:
    headline_words: int = 15
    situation_summary_words: int = 80
    key_developments: int = 5
    development_words: int = 30
    actors: int = 7
    actor_role_words: int = 20
    humanitarian_summary_words: int = 60
    figures: int = 6
    needs: int = 4
    access_constraints: int = 3
    claim_words: int = 25
    outlook_summary_words: int = 60
    risks: int = 4
    risk_words: int = 30
    indicators: int = 4
    gaps: int = 4
    gap_words: int = 20
    evidence_per_item: int = 2
    total_words: int = 550


BUDGETS = Budgets()
