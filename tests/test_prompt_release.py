"""A released prompt version edited after release is refused by every command that runs
it (exit 13), naming the changed files and the fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefing import prompts
from briefing.cli.app import app
from briefing.errors import PromptError
from briefing.resources import data_dir
from tests.fixtures import CASSETTES, EXAMPLES, SAMPLE, raises_saying

runner = CliRunner()


@pytest.fixture
def prompt_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of prompts/ that the package reads instead of the shipped one."""
    root = tmp_path / "prompts"
    shutil.copytree(data_dir("prompts"), root)
    monkeypatch.setattr(prompts, "data_dir", lambda name: root)
    return root


def _edit(root: Path, version: str, name: str) -> None:
    path = root / version / name
    added = "# edited\n" if name.endswith(".toml") else "A new rule.\n"
    path.write_text(path.read_text(encoding="utf-8") + added, encoding="utf-8")


def test_the_lock_records_each_file_of_each_released_version() -> None:
    hashes = prompts.read_file_hashes()
    for version in prompts.read_lock():
        assert hashes[version] == prompts.file_hashes(prompts.load_version(version).path)


def test_an_edited_release_names_the_changed_file_and_the_fix(prompt_copy: Path) -> None:
    _edit(prompt_copy, "v2", "extract.j2")
    with raises_saying(PromptError, r"prompt v2 changed after release \(\S+extract\.j2 changed;"):
        prompts.usable_version("v2")
    problem = prompts.changed_after_release(prompts.load_version("v2"))
    assert (
        problem is not None
        and "system.j2" not in problem
        and "prompts new NEW --from v2" in problem
    )
    assert prompts.usable_version("v1").id == "v1"  # the other release is untouched


def test_a_draft_may_change_freely(prompt_copy: Path) -> None:
    prompts.new_version("v9", "v2")
    _edit(prompt_copy, "v9", "system.j2")
    assert prompts.usable_version("v9").id == "v9"


def test_releasing_records_the_new_versions_files(prompt_copy: Path) -> None:
    prompts.new_version("v9", "v2")
    released = prompts.release_version("v9")
    assert prompts.read_file_hashes()["v9"] == prompts.file_hashes(released.path)
    assert set(prompts.read_file_hashes()) >= {"v1", "v2", "v9"}


def test_generate_with_an_edited_release_is_exit_13(prompt_copy: Path) -> None:
    _edit(prompt_copy, "v2", "system.j2")
    cassette = CASSETTES / "aleppo-offensive.v2.json"
    result = runner.invoke(app, ["generate", str(SAMPLE), "--cassette", str(cassette)])
    assert result.exit_code == 13, result.stderr
    assert "system.j2 changed" in result.stderr and "prompts new NEW --from v2" in result.stderr
    assert result.stdout == ""


def test_compare_with_an_edited_release_is_exit_13_before_any_run(prompt_copy: Path) -> None:
    _edit(prompt_copy, "v1", "prompt.toml")
    result = runner.invoke(
        app,
        ["compare", str(EXAMPLES), "-p", "v1", "-p", "v2", "--cassette-dir", str(CASSETTES)],
    )
    assert result.exit_code == 13, result.stderr
    assert "prompt v1 changed after release" in result.stderr and result.stdout == ""


def test_prompts_list_still_shows_the_change(prompt_copy: Path) -> None:
    _edit(prompt_copy, "v1", "merge.j2")
    result = runner.invoke(app, ["prompts", "list"])
    assert result.exit_code == 0 and "CHANGED" in result.stdout
