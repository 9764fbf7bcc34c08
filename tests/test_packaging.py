"""The wheel carries prompts/, schemas/ and templates, and an installed copy finds them."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.fixtures import CASSETTES, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # --no-build-isolation and --no-deps: nothing is downloaded, the venv has hatchling.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("briefing-*.whl")
    return built


@pytest.mark.slow
def test_wheel_contains_data_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "briefing/_data/prompts/lock.json",
        "briefing/_data/prompts/v1/system.j2",
        "briefing/_data/prompts/v2/prompt.toml",
        "briefing/_data/schemas/brief.v1.json",
        "briefing/render/templates/brief.html",
        "briefing/compare/templates/compare.html.j2",
        "briefing/batch/templates/index.html.j2",
        "briefing/text/languages/en.toml",
        "briefing/text/languages/ar.toml",
    ):
        assert required in names, required


@pytest.mark.slow
def test_installed_wheel_finds_its_data(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    # Run from an unrelated directory with the installed copy first on the path, so the
    # checkout cannot be found; third-party dependencies come from this environment.
    # BRIEFING_TOKENIZER=offline: a subprocess is outside the network guard, so it must
    # not even try to download an encoding.
    env = {
        **os.environ,
        "PYTHONPATH": str(target),
        "HOME": str(tmp_path),
        "BRIEFING_TOKENIZER": "offline",
    }
    work = tmp_path / "elsewhere"
    work.mkdir()
    sample = ROOT / "examples" / "aleppo-offensive.txt"

    def briefing(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "briefing", *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
        )

    where = subprocess.run(
        [sys.executable, "-c", "import briefing; print(briefing.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip().startswith(str(target))
    listed = briefing("prompts", "list")
    assert listed.returncode == 0 and "v2" in listed.stdout, listed.stderr
    assert briefing("schema", "--check").returncode == 0
    rendered = briefing(
        "render", str(ROOT / "examples" / "aleppo-offensive.brief.json"), "-o", "b.html"
    )
    assert rendered.returncode == 0, rendered.stderr
    assert "<html" in (work / "b.html").read_text(encoding="utf-8")
    replayed = briefing(
        "generate",
        str(sample),
        "--cassette",
        str(CASSETTES / "aleppo-offensive.v2.json"),
        "-o",
        "g.md",
    )
    assert replayed.returncode == 0, replayed.stderr
