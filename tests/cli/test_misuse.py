"""The command line under misuse: outputs that must not be replaced, closed pipes, full
devices, malformed inputs and cassettes, and --debug, each with its documented exit code."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefing.cli.app import app
from tests.fixtures import CASSETTES, EXAMPLES, ROOT, ROOT_ONLY, SAMPLE

runner = CliRunner()
BRIEF = EXAMPLES / "aleppo-offensive.brief.json"


def run(*args: str, input: str | bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def one_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


# --- -o ----------------------------------------------------------------------------------


def test_output_to_the_input_article_is_refused(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    shutil.copy(SAMPLE, article)
    before = article.read_bytes()
    code, _, err = run("generate", str(article), "-o", str(article), "-f", "md")
    assert code == 12 and "is the input" in one_error(err)
    assert article.read_bytes() == before


@pytest.mark.parametrize("kind", ["symlink", "hard link"])
def test_output_to_a_link_to_the_input_is_refused(tmp_path: Path, kind: str) -> None:
    article = tmp_path / "article.txt"
    shutil.copy(SAMPLE, article)
    other = tmp_path / "brief.md"
    other.symlink_to(article) if kind == "symlink" else os.link(article, other)
    code, _, err = run("generate", str(article), "-o", str(other))
    assert code == 12 and "is the input" in one_error(err)
    assert article.read_bytes() == SAMPLE.read_bytes()


def test_render_to_its_own_brief_is_refused(tmp_path: Path) -> None:
    doc = tmp_path / "brief.json"
    shutil.copy(BRIEF, doc)
    code, _, err = run("render", str(doc), "-o", str(doc))
    assert code == 12 and "is the input" in one_error(err)
    assert doc.read_bytes() == BRIEF.read_bytes()


def test_output_to_the_cassette_is_refused(tmp_path: Path) -> None:
    cassette = tmp_path / "run.json"
    shutil.copy(CASSETTES / "aleppo-offensive.v2.json", cassette)
    code, _, err = run("generate", str(SAMPLE), "--cassette", str(cassette), "-o", str(cassette))
    assert code == 12 and "is the input" in one_error(err)


def test_dash_means_standard_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("render", str(BRIEF), "-o", "-")
    assert code == 0 and out.startswith("# ")
    code, out, _ = run("render", str(BRIEF), "-o", "-", "-f", "json")
    assert code == 0 and json.loads(out)["metadata"]["engine"] == "hand-written"
    assert not (tmp_path / "-").exists()


def test_output_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "briefs" / "today.md"
    target.parent.mkdir()
    link = tmp_path / "latest.md"
    link.symlink_to(target)
    code, _, _ = run("render", str(BRIEF), "-o", str(link))
    assert code == 0 and link.is_symlink() and target.read_text(encoding="utf-8").startswith("# ")


def test_output_to_a_fifo_writes_into_it(tmp_path: Path) -> None:
    fifo = tmp_path / "brief.md"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    code, _, _ = run("render", str(BRIEF), "-o", str(fifo))
    out, _ = reader.communicate(timeout=10)
    assert code == 0 and out.startswith(b"# ")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@ROOT_ONLY
def test_output_to_a_full_device_is_exit_12(tmp_path: Path) -> None:
    full = tmp_path / "full"  # a private /dev/full: a regression must not replace the real one
    os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    code, _, err = run("render", str(BRIEF), "-o", str(full), "-f", "md")
    assert code == 12 and "No space left on device" in one_error(err)
    assert stat.S_ISCHR(full.stat().st_mode)


# --- closed pipes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["cassettes", "list", str(CASSETTES / "aleppo-offensive.v2.json")],
        ["render", str(BRIEF)],
        ["inspect", str(SAMPLE)],
    ],
    ids=["cassettes list", "render", "inspect"],
)
def test_a_closed_pipe_is_a_quiet_exit_12(args: list[str]) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefing", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader leaves before a byte is written, as `| head -0` would
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 12, err
    assert "error:" not in err and "Traceback" not in err and "Exception ignored" not in err


def test_a_closed_pipe_under_debug_says_why() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefing", "--debug", "render", str(BRIEF)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 12
    assert "BrokenPipeError" in err and "standard output was closed" in err


# --- malformed inputs --------------------------------------------------------------------


def test_a_deeply_nested_brief_json_is_exit_4(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    code, _, err = run("render", str(deep))
    assert code == 4 and "nested deeper than" in one_error(err)


MALFORMED_CASSETTES = {
    "a list": "[]",
    "entry without request": json.dumps(
        {"format": "briefing-cassette/1", "entries": [{"key": "abc", "response": {}}]}
    ),
    "entry that is a string": json.dumps({"format": "briefing-cassette/1", "entries": ["x"]}),
    "usage that is text": json.dumps(
        {
            "format": "briefing-cassette/1",
            "entries": [
                {"key": "k", "request": {}, "response": {"usage": {"prompt_tokens": "many"}}}
            ],
        }
    ),
    "deep nesting": '{"format": "briefing-cassette/1", "entries": '
    + "[" * 50_000
    + "]" * 50_000
    + "}",
}


@pytest.mark.parametrize("content", MALFORMED_CASSETTES.values(), ids=MALFORMED_CASSETTES.keys())
@pytest.mark.parametrize("command", ["list", "check", "generate"])
def test_a_malformed_cassette_is_exit_5(tmp_path: Path, content: str, command: str) -> None:
    cassette = tmp_path / "bad.json"
    cassette.write_text(content, encoding="utf-8")
    if command == "generate":
        code, _, err = run("generate", str(SAMPLE), "--cassette", str(cassette))
    else:
        code, _, err = run("cassettes", command, str(cassette))
    assert code == 5, err
    assert f"cassette {cassette} is unreadable" in one_error(err)


# --- --debug -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["render", "{tmp}/missing.json"], 3),
        (["render", "{tmp}/deep.json"], 4),
        (["cassettes", "list", "{tmp}/list.json"], 5),
        (["render", str(BRIEF), "-o", "{tmp}/nowhere/brief.md"], 12),
        (["prompts", "show", "nope"], 13),
    ],
)
def test_debug_adds_a_traceback_and_keeps_the_exit_code(
    tmp_path: Path, args: list[str], code: int
) -> None:
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    (tmp_path / "list.json").write_text("[]", encoding="utf-8")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    plain = runner.invoke(app, argv)
    debug = runner.invoke(app, ["--debug", *argv])
    assert plain.exit_code == debug.exit_code == code, debug.stderr
    assert "Traceback" in debug.stderr and "Traceback" not in plain.stderr
    assert debug.stderr.rstrip().splitlines()[-1] == one_error(plain.stderr)


@pytest.mark.parametrize("name", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
def test_output_to_dev_stdout_appends_to_what_the_shell_opened(tmp_path: Path, name: str) -> None:
    if not Path(name).exists():
        pytest.skip(f"{name} does not exist here")
    log = tmp_path / "log.md"
    log.write_text("earlier line\n", encoding="utf-8")
    with log.open("ab") as appended:  # as `>> log.md` opens it
        result = subprocess.run(
            [sys.executable, "-m", "briefing", "render", str(BRIEF), "-o", name, "-f", "md"],
            cwd=ROOT,
            stdout=appended,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    text = log.read_text(encoding="utf-8")
    assert text.startswith("earlier line\n# ") and log.is_file()


def test_report_to_stdout_moves_the_table_to_stderr() -> None:
    code, out, err = run(
        "compare", str(EXAMPLES), "-p", "v2", "--cassette-dir", str(CASSETTES), "--report", "-"
    )
    assert code == 0 and out.lstrip().startswith("<!DOCTYPE html>") and "Comparison of" in err
    code, _, err = run(
        "compare",
        str(EXAMPLES),
        "-p",
        "v2",
        "--cassette-dir",
        str(CASSETTES),
        "--report",
        "-",
        "--json",
    )
    assert code == 12 and "both write to stdout" in one_error(err)
