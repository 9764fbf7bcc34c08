"""The README documents every metric, every exit code and both set-up commands."""

from __future__ import annotations

import re

from briefing.cli.exit_codes import EXIT_CODES
from briefing.compare.gold import GOLD_METRICS
from briefing.compare.metrics import METRICS
from tests.fixtures import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_metric_is_defined_in_the_readme() -> None:
    for spec in (*METRICS, *GOLD_METRICS):
        assert f"`{spec.key}`" in README, spec.key


def test_every_exit_code_is_documented() -> None:
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", README, flags=re.MULTILINE)}
    assert documented == set(EXIT_CODES)


def test_readme_holds_the_two_commands_and_ci_runs_the_test_one() -> None:
    assert "make demo" in README and "make test" in README
    assert (ROOT / ".ci" / "run").read_text(encoding="utf-8").rstrip().endswith("make test")


def test_no_placeholders_left() -> None:
    assert "RESULTS_TABLE" not in README and "PERF_TABLE" not in README
