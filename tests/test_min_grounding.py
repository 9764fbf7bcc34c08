"""Weak grounding never passes quietly: a banner on every page format and one stderr line
below 80% of quotes found; --min-grounding (setting min_grounding) exits 9 below it, with
the brief still written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefing import grounding
from briefing.cli.app import app
from briefing.config import resolve_settings
from briefing.errors import ConfigError
from briefing.render.formats import render
from briefing.schema import BriefDocument
from briefing.testing import Reply, StubServer, minimal_brief_json
from tests.fixtures import EXAMPLES, SAMPLE, raises_saying, tiny_brief, with_grounding

runner = CliRunner()
INVENTED = minimal_brief_json("This sentence appears nowhere in the article at all.")
FOUND = minimal_brief_json("Syrian forces withdrew from several key positions")
WARNING = "Weak grounding: 0% (0 of 3 evidence quotes found in the article, "
# Every quote found, but the summary's number and name are in none of them: the support
# rate, not the quote rate, is what falls short.
UNSUPPORTED = {
    **FOUND,
    "situation": {
        **FOUND["situation"],
        "summary": "Rebels killed 4,500 soldiers near Mosul.",
    },
}


def _generate(answer: dict[str, object], *args: str) -> tuple[int, str, str]:
    with StubServer(default=Reply.json(answer)) as stub:
        result = runner.invoke(
            app, ["generate", str(SAMPLE), "--base-url", stub.base_url, "--model", "m", *args]
        )
    return result.exit_code, result.stdout, result.stderr


def test_a_weak_brief_gets_a_banner_and_one_warning_but_exits_0(tmp_path: Path) -> None:
    out = tmp_path / "brief.md"
    code, _, err = _generate(INVENTED, "-o", str(out))
    assert code == 0
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and WARNING in warnings[0]
    head = out.read_text(encoding="utf-8").split("\n## ")[0]
    assert f"> **⚠ {WARNING}" in head


def test_a_well_grounded_brief_has_neither() -> None:
    code, out, err = _generate(FOUND)
    assert code == 0 and "Weak grounding" not in out and "warning:" not in err


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_banner_is_on_every_page_format(fmt: str) -> None:
    doc = BriefDocument.model_validate_json(
        (EXAMPLES / "aleppo-offensive.brief.json").read_text(encoding="utf-8")
    )
    weak = with_grounding(doc, {f"actors[{i}]": "not_found" for i in range(len(doc.brief.actors))})
    page = render(weak, fmt).decode()
    rate = grounding.weakest_rate(weak.grounding)  # type: ignore[arg-type]
    assert rate < grounding.WEAK_GROUNDING
    assert f"Weak grounding: {rate:.0%}" in page
    assert "Weak grounding" not in render(with_grounding(doc, {}), fmt).decode()


def test_min_grounding_exits_9_and_still_writes_the_brief(tmp_path: Path) -> None:
    out = tmp_path / "brief.json"
    code, _, err = _generate(INVENTED, "-o", str(out), "--min-grounding", "0.5")
    assert code == 9
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: grounding 0.0% is below --min-grounding 0.5 (0 of 3 evidence quotes found in "
        "the article, 3 of 3 claims supported by their quotes); the brief was written — check "
        "it against the source, or lower --min-grounding"
    ]
    assert json.loads(out.read_text(encoding="utf-8"))["grounding"]["quotes"]


def test_min_grounding_judges_the_lower_of_the_quote_and_support_rates(tmp_path: Path) -> None:
    out = tmp_path / "brief.json"
    code, _, err = _generate(UNSUPPORTED, "-o", str(out), "--min-grounding", "0.9")
    assert code == 9, err
    doc = BriefDocument.model_validate_json(out.read_text(encoding="utf-8"))
    assert doc.grounding is not None and doc.grounding.rate == 1.0
    support = doc.grounding.support_rate
    assert support is not None and support < 0.9
    assert f"grounding {support:.1%} is below --min-grounding 0.9" in err
    assert "3 of 3 evidence quotes found" in err
    # With the support check off, only quotes count, and they were all found.
    code, _, _ = _generate(UNSUPPORTED, "--min-grounding", "0.9", "--check-support", "off")
    assert code == 0


def test_min_grounding_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFING_MIN_GROUNDING", "0.9")
    code, out, _ = _generate(INVENTED)
    assert code == 9 and out.startswith("# ")
    code, _, _ = _generate(FOUND)
    assert code == 0


def test_the_setting_resolves_and_is_checked(tmp_path: Path) -> None:
    assert resolve_settings({}, env={}).min_grounding == 0.0
    config = tmp_path / "config.toml"
    config.write_text("min_grounding = 0.75\n", encoding="utf-8")
    assert resolve_settings({}, env={"BRIEFING_CONFIG": str(config)}).min_grounding == 0.75
    for bad in ("1.5", "-0.1", "nan", "80%"):
        with raises_saying(ConfigError, r"invalid value .* for min_grounding"):
            resolve_settings({"min_grounding": bad}, env={})


def test_the_rule_is_a_function_of_the_report() -> None:
    report = with_grounding(
        BriefDocument.model_validate(
            {"metadata": {"engine": "llm", "origin": "x"}, "brief": tiny_brief()}
        ),
        {"situation": "not_found"},
    ).grounding
    assert report is not None
    assert grounding.weakest_rate(report) == report.weakest_rate
    assert grounding.below_minimum(report, report.rate) is None
    assert grounding.below_minimum(report, min(1.0, report.rate + 0.01)) is not None
