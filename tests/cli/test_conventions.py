"""What users of gh, httpie or llm expect of a command line: --version, completion,
binary output to a redirected stdout, usage errors, quiet repeats, --json, `config`,
and progress wherever stderr goes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import briefing.cli.output as output_module
from briefing import __version__
from briefing.cli.app import app
from briefing.ingest.chunking import DOWNLOAD_MEMORY, resolve_tokenizer
from tests.fixtures import EXAMPLES, REAL_CASSETTES, ROOT, SAMPLE

runner = CliRunner()
KESSARA = EXAMPLES / "kessara-floods-wire.txt"
REAL_MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


# --- --version, completion ----------------------------------------------------------------


@pytest.mark.parametrize("option", ["--version", "-V"])
def test_version_alone_prints_the_version(option: str) -> None:
    code, out, err = run(option)
    assert code == 0, err
    assert out.strip() == f"briefing {__version__}"


def test_version_wins_over_a_command() -> None:
    code, out, _ = run("--version", "generate")
    assert (code, out.strip()) == (0, f"briefing {__version__}")


def test_help_lists_the_completion_options() -> None:
    _, out, _ = run("--help")
    assert "--install-completion" in out and "--show-completion" in out


def _briefing(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "briefing", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        check=False,
    )


@pytest.mark.slow
def test_show_completion_prints_a_bash_script() -> None:
    done = _briefing("--show-completion", SHELL="/bin/bash")
    assert done.returncode == 0, done.stderr
    assert "_briefing_completion" in done.stdout and "complete " in done.stdout


@pytest.mark.slow
def test_completion_completes_commands_formats_and_prompt_versions() -> None:
    def complete(words: str) -> list[str]:
        done = _briefing(
            _BRIEFING_COMPLETE="complete_bash",
            COMP_WORDS=words,
            COMP_CWORD=str(len(words.split()) - (0 if words.endswith(" ") else 1)),
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert complete("briefing gen") == ["generate"]
    assert complete("briefing generate a.txt --format ") == ["md", "html", "pdf", "json"]
    assert {"v1", "v2", "v3"} <= set(complete("briefing generate a.txt --prompt "))
    assert "extractive" in complete("briefing compare examples --prompt ")


# --- binary output to stdout --------------------------------------------------------------


@pytest.mark.pdf
def test_pdf_goes_to_stdout_when_it_is_redirected() -> None:
    # CliRunner's stdout is not a terminal, as with `> brief.pdf` or a pipe.
    result = runner.invoke(
        app, ["render", str(EXAMPLES / "kessara-floods-wire.brief.json"), "-f", "pdf"]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes.startswith(b"%PDF-")


def test_pdf_is_refused_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output_module, "stdout_is_terminal", lambda: True)
    code, out, err = run("render", str(EXAMPLES / "kessara-floods-wire.brief.json"), "-f", "pdf")
    assert code == 12 and out == ""
    (line,) = error_lines(err)
    assert "terminal" in line and "-o brief.pdf" in line and "> brief.pdf" in line


def test_text_formats_still_go_to_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output_module, "stdout_is_terminal", lambda: True)
    code, out, _ = run("render", str(EXAMPLES / "kessara-floods-wire.brief.json"), "-f", "md")
    assert code == 0 and out.startswith("# ")


# --- usage errors -------------------------------------------------------------------------


def test_unknown_prompt_version_fails_even_with_the_offline_engine(tmp_path: Path) -> None:
    out = tmp_path / "brief.md"
    code, _, err = run(
        "generate", str(KESSARA), "--engine", "extractive", "--prompt", "v99", "-o", str(out)
    )
    assert code == 13
    (line,) = error_lines(err)
    assert "'v99'" in line and "v3" in line
    assert not out.exists()


def test_unknown_prompt_in_the_environment_fails_too() -> None:
    code, _, err = run(
        "generate", str(KESSARA), "--engine", "extractive", env={"BRIEFING_PROMPT": "v99"}
    )
    assert code == 13 and "'v99'" in err


def test_unknown_prompt_fails_a_batch_before_it_starts(tmp_path: Path) -> None:
    code, _, err = run("batch", str(KESSARA), "-o", str(tmp_path / "out"), "--prompt", "v99")
    assert code == 13 and "'v99'" in err
    assert not (tmp_path / "out").exists()


def test_unknown_engine_is_a_usage_error() -> None:
    code, _, err = run("generate", str(KESSARA), "--engine", "foo")
    assert code == 2
    assert "--engine" in err and "foo" in err


# --- the tokenizer download is tried once -------------------------------------------------


def test_a_failed_tokenizer_download_is_said_once_per_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import briefing.ingest.chunking as chunking

    cache = tmp_path / "tiktoken"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    tried: list[str] = []
    real = chunking._load_encoding
    monkeypatch.setattr(chunking, "_load_encoding", lambda n: tried.append(n) or real(n))

    resolve_tokenizer.cache_clear()
    _, _, first = run("chunk", str(KESSARA))
    assert "o200k_base could not be loaded" in first and str(cache / DOWNLOAD_MEMORY) in first
    assert tried.count("o200k_base") == 1
    assert json.loads((cache / DOWNLOAD_MEMORY).read_text())["o200k_base"]["error"]

    resolve_tokenizer.cache_clear()  # a new process
    code, out, second = run("chunk", str(KESSARA))
    assert code == 0 and "1 chunk" in out
    assert "could not be loaded" not in second
    assert tried.count("o200k_base") == 1  # not tried again


def test_the_tokenizer_memory_lives_in_the_user_cache_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    resolve_tokenizer.cache_clear()
    run("chunk", str(KESSARA))
    assert (tmp_path / "cache" / "briefing" / "tiktoken" / DOWNLOAD_MEMORY).is_file()
    resolve_tokenizer.cache_clear()


# --- --json on every command that lists or inspects ---------------------------------------


def test_inspect_json() -> None:
    code, out, _ = run("inspect", str(SAMPLE), "--json")
    data = json.loads(out)
    assert code == 0
    assert data["source"] == str(SAMPLE) and data["language"]["code"] == "en"
    assert {"line": 3, "text": "36 views", "reason": "view counter"} in data["removed"]
    first = data["paragraphs"][0]
    assert first["index"] == 0 and first["start"] == 0 and first["text"] == data["title"]
    assert data["words"] > 600


def test_chunk_json() -> None:
    code, out, _ = run(
        "chunk", str(EXAMPLES / "dalmar-corridor-report.md"), "--chunk-tokens", "400", "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["max_tokens"] == 400 and data["approximate"] is True
    assert len(data["chunks"]) > 2
    assert all(c["tokens"] <= 400 for c in data["chunks"])
    assert [c["index"] for c in data["chunks"]] == list(range(len(data["chunks"])))


def test_prompts_list_json() -> None:
    code, out, _ = run("prompts", "list", "--json")
    versions = {v["version"]: v for v in json.loads(out)}
    assert code == 0
    assert versions["v3"]["status"] == "released" and len(versions["v3"]["sha256"]) == 64
    assert versions["v3"]["evidence"] == "reference"


def test_cassettes_list_json() -> None:
    path = REAL_CASSETTES / f"kessara-floods-wire.v3.{REAL_MODEL}.json"
    code, out, _ = run("cassettes", "list", str(path), "--json")
    data = json.loads(out)
    assert code == 0 and data["path"] == str(path)
    (entry,) = data["entries"]
    assert entry["model"] == REAL_MODEL and entry["prompt_version"] == "v3"
    assert entry["prompt_tokens"] > 0 and len(entry["key"]) == 64


# --- briefing config ----------------------------------------------------------------------


def test_config_shows_each_settings_origin_and_masks_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "sk-test-0123456789abcdefghijWXYZ"
    config = tmp_path / "config.toml"
    config.write_text('concurrency = 2\nmodel = "from-file"\n', encoding="utf-8")
    monkeypatch.setenv("BRIEFING_CONFIG", str(config))
    monkeypatch.setenv("BRIEFING_MODEL", "from-env")
    monkeypatch.setenv("OPENAI_API_KEY", key)
    code, out, _ = run("config", "--json", "--prompt", "v1")
    data = json.loads(out)
    assert code == 0
    by_name = {s["name"]: s for s in data["settings"]}
    assert by_name["prompt"] | {} == {
        "name": "prompt",
        "value": "v1",
        "origin": "flag",
        "where": "--prompt",
    }
    assert (by_name["model"]["value"], by_name["model"]["origin"]) == ("from-env", "env")
    assert by_name["model"]["where"] == "BRIEFING_MODEL"
    assert by_name["concurrency"] == {
        "name": "concurrency",
        "value": 2,
        "origin": "file",
        "where": str(config),
    }
    assert by_name["chunk_tokens"]["origin"] == "default"
    assert data["api_key"]["set"] and data["api_key"]["masked"].startswith("…WXYZ")
    assert data["config_file"] == {"path": str(config), "exists": True}
    assert data["engine_in_effect"] == "llm"

    code, table, _ = run("config")
    assert code == 0
    assert "env BRIEFING_MODEL" in table and f"file {config}" in table
    assert "…WXYZ" in table
    assert key not in out + table


def test_config_hides_a_password_in_the_base_url() -> None:
    code, out, _ = run("config", "--base-url", "https://user:hunter2@llm.example/v1")
    assert code == 0
    assert "hunter2" not in out and "user:***@llm.example" in out


# --- progress wherever stderr goes ----------------------------------------------------------


def test_compare_prints_a_line_per_finished_run_when_stderr_is_not_a_terminal() -> None:
    code, _, err = run(
        "compare",
        str(KESSARA),
        str(EXAMPLES / "aleppo-offensive.txt"),
        "--prompt",
        "v3",
        "--prompt",
        "extractive",
        "--model",
        REAL_MODEL,
        "--cassette-dir",
        str(REAL_CASSETTES),
    )
    assert code == 0, err
    lines = [line for line in err.splitlines() if line.startswith("[")]
    assert len(lines) == 4
    assert {line.split("] ", 1)[0] for line in lines} == {"[1/4", "[2/4", "[3/4", "[4/4"}
    assert any("kessara-floods-wire × v3: done, grounding 100%" in line for line in lines)


def test_compare_shows_a_live_table_of_cells_on_a_terminal() -> None:
    from rich.console import Console

    from briefing.cli.compare_live import CompareDisplay
    from briefing.compare.result import RunRecord
    from briefing.compare.run import RunEvent

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, height=30)
    display = CompareDisplay(console)
    for article in ("a1", "a2"):
        for variant in ("v1", "v2"):
            display.update(RunEvent(article, variant, 0, "queued"))
    display.update(RunEvent("a1", "v1", 0, "running", calls=(1, 4)))
    failed = RunRecord(article="a2", variant="v2", repetition=0, error="miss")
    failed.error_type = "CassetteMissError"
    display.update(RunEvent("a2", "v2", 0, "failed", record=failed, seconds=0.1))
    console.print(display)
    text = screen.getvalue()
    assert "running 1/4 calls" in text and "queued" in text
    assert "✗ CassetteMissError" in text
    assert "1/4 runs" in text and "1 failed" in text


def test_generate_prints_a_line_per_finished_call_when_stderr_is_not_a_terminal(
    tmp_path: Path,
) -> None:
    code, _, err = run(
        "generate",
        str(KESSARA),
        "--cassette",
        str(REAL_CASSETTES / f"kessara-floods-wire.v3.{REAL_MODEL}.json"),
        "--prompt",
        "v3",
        "--model",
        REAL_MODEL,
        "-o",
        str(tmp_path / "brief.md"),
    )
    assert code == 0, err
    assert "extract: call 1 of 1 done (1101+817 tokens so far, cost unknown)" in err
