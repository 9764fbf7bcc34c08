"""The command line: each command on the samples, exit codes, one-line errors, no partial files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefing.cli.app import app
from briefing.schema import BriefDocument
from briefing.testing import Reply, StubServer
from tests.fixtures import CASSETTES, EXAMPLES, ROOT, SAMPLE

runner = CliRunner()


def run(*args: str, input: str | bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def assert_one_line_error(stderr: str, *fragments: str) -> None:
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys\nfrom briefing.cli.app import main\nsys.argv = ['briefing', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('openai', 'trafilatura', 'weasyprint', 'httpx')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert "generate" in out.stdout and "compare" in out.stdout


def test_inspect_shows_kept_and_removed_with_reasons() -> None:
    code, out, _ = run("inspect", str(SAMPLE))
    assert code == 0
    assert "36 views" in out and "view counter" in out
    assert "2 mins read" in out and "reading time" in out
    assert "Retrieved: 2025-07-06" in out and "Published: not stated" in out


def test_chunk_prints_a_table() -> None:
    code, out, err = run(
        "chunk",
        str(EXAMPLES / "dalmar-corridor-report.md"),
        "--chunk-tokens",
        "400",
        "--chunk-overlap",
        "50",
    )
    assert code == 0
    assert "max 400 tokens" in out and "first words" in out
    assert "approximate" in err  # offline: the bundled encoding is used


def test_schema_check_passes_for_shipped_files() -> None:
    code, _, err = run("schema", "--check")
    assert code == 0, err


@pytest.mark.parametrize("suffix", ["md", "html", "json"])
def test_render_sample_brief(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"brief.{suffix}"
    code, _, err = run("render", str(EXAMPLES / "aleppo-offensive.brief.json"), "-o", str(out))
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert "Aleppo" in text and "hand-written" in text.lower()


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_generate_replays_sample_cassette_with_every_quote_verified(
    tmp_path: Path, version: str
) -> None:
    out = tmp_path / "brief.json"
    cassette = CASSETTES / f"aleppo-offensive.{version}.json"
    code, _, err = run(
        "generate", str(SAMPLE), "--prompt", version, "--cassette", str(cassette), "-o", str(out)
    )
    assert code == 0, err
    doc = BriefDocument.model_validate_json(out.read_text(encoding="utf-8"))
    assert doc.metadata.engine == "llm" and doc.metadata.prompt_version == version
    assert doc.grounding is not None and doc.grounding.quotes
    assert all(q.status == "exact" for q in doc.grounding.quotes)
    assert all(f.found for f in doc.grounding.figures)
    assert "grounding: " in err and "100.0%" in err


def test_generate_markdown_goes_to_stdout_and_nothing_else() -> None:
    code, out, err = run(
        "generate", str(SAMPLE), "--cassette", str(CASSETTES / "aleppo-offensive.v2.json")
    )
    assert code == 0, err
    assert out.startswith("# ")
    assert "engine llm" not in out and "engine llm" in err


@pytest.mark.pdf
def test_generate_pdf_from_cassette(tmp_path: Path) -> None:
    from pypdf import PdfReader

    out = tmp_path / "brief.pdf"
    code, _, err = run(
        "generate",
        str(SAMPLE),
        "--cassette",
        str(CASSETTES / "aleppo-offensive.v2.json"),
        "-o",
        str(out),
    )
    assert code == 0, err
    assert len(PdfReader(out).pages) == 1


def test_cassette_miss_in_replay_is_exit_8_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "brief.html"
    code, _, err = run(
        "generate",
        str(EXAMPLES / "kessara-floods-wire.txt"),
        "--cassette",
        str(CASSETTES / "aleppo-offensive.v2.json"),
        "-o",
        str(out),
    )
    assert code == 8
    assert_one_line_error(err, "aleppo-offensive.v2.json", "--record-mode once")
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_no_model_configured_uses_extractive_engine_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "brief.json"
    code, _, err = run("generate", str(SAMPLE), "-o", str(out))
    assert code == 0, err
    assert "offline extractive engine" in err
    assert (
        BriefDocument.model_validate_json(out.read_text(encoding="utf-8")).metadata.engine
        == "extractive"
    )


def test_engine_llm_without_model_says_how_to_configure() -> None:
    code, _, err = run("generate", str(SAMPLE), "--engine", "llm")
    assert code == 5
    assert_one_line_error(err, "OPENAI_API_KEY", "--base-url")


def test_unknown_prompt_version_lists_known(tmp_path: Path) -> None:
    code, _, err = run(
        "generate",
        str(SAMPLE),
        "--prompt",
        "v99",
        "--cassette",
        str(CASSETTES / "aleppo-offensive.v2.json"),
    )
    assert code == 13
    assert_one_line_error(err, "v99", "v1, v2")


def test_strict_grounding_writes_verified_brief_and_exits_9(tmp_path: Path) -> None:
    doc = json.loads((EXAMPLES / "aleppo-offensive.brief.json").read_text(encoding="utf-8"))
    doc["brief"]["actors"].append(
        {
            "name": "Invented Brigade",
            "kind": "armed_group",
            "role": "x",
            "aliases": [],
            "evidence": ["The Invented Brigade shelled the northern suburbs at dawn on Friday."],
        }
    )
    out = tmp_path / "brief.json"
    with StubServer(default=Reply.json(doc["brief"])) as stub:
        code, _, err = run(
            "generate",
            str(SAMPLE),
            "--base-url",
            stub.base_url,
            "--strict-grounding",
            "-o",
            str(out),
        )
    assert code == 9
    # The invented actor's quote is not in the article; the reference brief's third risk
    # is quoted with a sentence that does not support it (see tests/test_support.py).
    assert_one_line_error(
        err, "dropped 2 unverified or unsupported item(s)", "Invented Brigade", "outlook.risks[2]"
    )
    written = BriefDocument.model_validate_json(out.read_text(encoding="utf-8"))
    assert "Invented Brigade" not in [a.name for a in written.brief.actors]
    assert written.grounding is not None and len(written.grounding.dropped) == 2


# --- bad input ---------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    code, _, err = run("generate", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "o.md"))
    assert code == 3
    assert_one_line_error(err, "nope.txt")
    assert not (tmp_path / "o.md").exists()


def test_directory(tmp_path: Path) -> None:
    code, _, err = run("inspect", str(tmp_path))
    assert code == 3
    assert_one_line_error(err, "directory")


@pytest.mark.parametrize("content", [b"", b"   \n\t\n"])
def test_empty_input(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    code, _, err = run("generate", str(path), "-o", str(tmp_path / "o.md"))
    assert code == 3
    assert_one_line_error(err, "empty")
    assert not (tmp_path / "o.md").exists()


def test_binary_input(tmp_path: Path) -> None:
    path = tmp_path / "scan.txt"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    code, _, err = run("inspect", str(path))
    assert code == 3
    assert_one_line_error(err, "PDF")


def test_too_big_input(tmp_path: Path) -> None:
    code, _, err = run("inspect", str(SAMPLE), "--max-bytes", "100")
    assert code == 3
    assert_one_line_error(err, "--max-bytes")


def test_stdin_source() -> None:
    code, out, _ = run("inspect", "-", input=SAMPLE.read_bytes())
    assert code == 0 and "view counter" in out


def test_invalid_brief_json_for_render(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": "1", "metadata": {"engine": "llm"', encoding="utf-8")
    out = tmp_path / "out.html"
    code, _, err = run("render", str(bad), "-o", str(out))
    assert code == 4
    assert_one_line_error(err, "bad.json")
    assert not out.exists()


def test_unknown_output_format(tmp_path: Path) -> None:
    code, _, err = run(
        "render", str(EXAMPLES / "aleppo-offensive.brief.json"), "-o", str(tmp_path / "x.docx")
    )
    assert code == 12
    assert_one_line_error(err, "x.docx")


def test_invalid_config_file(private_home: Path) -> None:
    config = private_home / ".config" / "briefing" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("model = [unclosed", encoding="utf-8")
    code, _, err = run("chunk", str(SAMPLE))
    assert code == 5
    assert_one_line_error(err, "config.toml")


def test_config_file_sets_defaults_and_flags_win(private_home: Path) -> None:
    config = private_home / ".config" / "briefing" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("chunk_tokens = 400\nchunk_overlap = 0\n", encoding="utf-8")
    _, out, _ = run("chunk", str(EXAMPLES / "dalmar-corridor-report.md"))
    assert "max 400 tokens" in out
    _, out, _ = run("chunk", str(EXAMPLES / "dalmar-corridor-report.md"), "--chunk-tokens", "900")
    assert "max 900 tokens" in out


def test_debug_shows_the_traceback_and_keeps_the_exit_code(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--debug", "inspect", str(tmp_path / "nope.txt")])
    assert result.exit_code == 3
    assert "Traceback" in result.stderr and "InputError" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("error: ")


# --- prompts and cassettes ---------------------------------------------------------------


def test_prompts_list_show_diff() -> None:
    code, out, _ = run("prompts", "list")
    assert code == 0 and "v1" in out and "v2" in out and "released" in out
    code, out, _ = run("prompts", "show", "v2")
    assert code == 0 and "Evidence first" in out
    code, out, _ = run("prompts", "diff", "v1", "v2")
    assert code == 0 and "+++ v2/system.j2" in out


def test_cassettes_list_show_check() -> None:
    cassette = str(CASSETTES / "aleppo-offensive.v2.json")
    code, out, _ = run("cassettes", "list", cassette)
    assert code == 0 and "hand-written reference response" in out
    key = json.loads(Path(cassette).read_text(encoding="utf-8"))["entries"][0]["key"]
    code, out, _ = run("cassettes", "show", cassette, key[:10])
    assert code == 0 and json.loads(out)["key"] == key
    code, _, err = run("cassettes", "check", str(CASSETTES))
    assert code == 0, err


def test_cassettes_check_flags_stale_entries(tmp_path: Path) -> None:
    stale = tmp_path / "stale.json"
    data = json.loads((CASSETTES / "aleppo-offensive.v1.json").read_text(encoding="utf-8"))
    data["entries"][0]["prompt_hash"] = "0" * 64
    stale.write_text(json.dumps(data), encoding="utf-8")
    shutil.copy(CASSETTES / "aleppo-offensive.v2.json", tmp_path / "fresh.json")
    code, out, _ = run("cassettes", "check", str(tmp_path))
    assert code == 1
    assert (
        "stale.json" in out
        and "prompt v1 or the page budgets changed" in out
        and "fresh.json" not in out
    )


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_one_line_flash_still_gets_a_brief(tmp_path: Path, fmt: str) -> None:
    # No title, no full stop, nothing humanitarian or forward-looking: empty sections
    # must render as empty, not crash, and make no unverified claims.
    source = tmp_path / "flash.txt"
    source.write_text("Rebels seized the airport east of Aleppo on Friday\n", encoding="utf-8")
    out = tmp_path / f"brief.{fmt}"
    code, _, err = run("generate", str(source), "--engine", "extractive", "-o", str(out))
    assert code == 0, err
    assert "Rebels seized the airport east of Aleppo" in out.read_text(encoding="utf-8")
    assert "100.0%" in err and "0 not found" in err


def test_a_bad_output_path_fails_before_any_model_call(tmp_path: Path) -> None:
    with StubServer(default=Reply.json({})) as stub:
        code, _, err = run(
            "generate",
            str(SAMPLE),
            "--base-url",
            stub.base_url,
            "-o",
            str(tmp_path / "no" / "b.md"),
        )
        assert code == 12
        assert_one_line_error(err, "does not exist")
        code, _, err = run(
            "generate", str(SAMPLE), "--base-url", stub.base_url, "-o", str(tmp_path)
        )
        assert code == 12
        assert_one_line_error(err, "is a directory")
        assert stub.chat_bodies == []


def test_pdf_never_goes_to_the_terminal_whatever_the_spelling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import briefing.cli.output

    # CliRunner's stdout is not a terminal, where PDF is written (tests/cli/test_conventions.py)
    monkeypatch.setattr(briefing.cli.output, "stdout_is_terminal", lambda: True)
    code, out, err = run("render", str(EXAMPLES / "aleppo-offensive.brief.json"), "-f", "PDF")
    assert code == 12 and out == ""
    assert_one_line_error(err, "PDF cannot go to the terminal")
