"""Settings that cannot be switched off by accident: limits must be finite numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefing.cli.app import app
from briefing.config import resolve_settings
from briefing.errors import ConfigError
from tests.fixtures import SAMPLE, raises_saying

runner = CliRunner()


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "Infinity", "-1"])
@pytest.mark.parametrize("name", ["max_cost", "timeout"])
def test_non_finite_or_negative_limits_are_refused_from_flags_and_env(
    name: str, value: str
) -> None:
    flag = "--" + name.replace("_", "-")
    with raises_saying(ConfigError, rf"option {flag}: invalid value .* for {name}"):
        resolve_settings({name: value}, env={})
    var = f"BRIEFING_{name.upper()}"
    with raises_saying(ConfigError, rf"environment variable {var}: invalid value"):
        resolve_settings({}, env={var: value})


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_limits_are_refused_from_the_config_file(tmp_path: Path, value: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"max_cost = {value}\n", encoding="utf-8")  # TOML has nan and inf
    with raises_saying(ConfigError, r"config file .*: invalid value .* \(must be a finite"):
        resolve_settings({}, env={"BRIEFING_CONFIG": str(config)})


def test_finite_limits_still_work() -> None:
    settings = resolve_settings({"max_cost": "0.25"}, env={"BRIEFING_TIMEOUT": "30"})
    assert settings.max_cost == 0.25 and settings.timeout == 30.0
    assert resolve_settings({"max_cost": 0}, env={}).max_cost == 0.0


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_cli_max_cost_nan_or_inf_is_exit_5(value: str) -> None:
    result = runner.invoke(app, ["generate", str(SAMPLE), "--max-cost", value])
    assert result.exit_code == 5, result.stderr
    assert "--max-cost" in result.stderr and "Traceback" not in result.stderr


def test_env_max_cost_nan_is_exit_5(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFING_MAX_COST", "nan")
    result = runner.invoke(app, ["generate", str(SAMPLE)])
    assert result.exit_code == 5 and "BRIEFING_MAX_COST" in result.stderr
