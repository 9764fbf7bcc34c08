"""The local engine: a GGUF file in this process. Without a model file or without
llama-cpp-python the user gets one line saying what to do; with `BRIEFING_TEST_GGUF`
pointing at a real model, a real brief is made (tests marked real_model)."""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefing.cli.app import app
from briefing.model.gguf import read_gguf
from tests.fixtures import EXAMPLES

runner = CliRunner()
KESSARA = str(EXAMPLES / "kessara-floods-wire.txt")


def fake_gguf(path: Path, file_type: int = 15) -> Path:
    """A GGUF header with two metadata keys (no tensors): enough for the header reader."""

    def text(value: str) -> bytes:
        data = value.encode()
        return struct.pack("<Q", len(data)) + data

    body = b"GGUF" + struct.pack("<IQQ", 3, 0, 2)
    body += text("general.name") + struct.pack("<I", 8) + text("Tiny Test Model")
    body += text("general.file_type") + struct.pack("<II", 4, file_type)
    path.write_bytes(body)
    return path


def generate(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["generate", KESSARA, "--engine", "local", *args])
    return result.exit_code, " ".join(result.stderr.split())


def test_the_header_names_the_model_and_its_quantisation(tmp_path: Path) -> None:
    info = read_gguf(fake_gguf(tmp_path / "tiny-q4.gguf"))
    assert (info.name, info.quantisation, info.stem) == ("Tiny Test Model", "Q4_K_M", "tiny-q4")


def test_a_file_that_is_not_gguf_is_refused_in_one_line(tmp_path: Path) -> None:
    bogus = tmp_path / "model.gguf"
    bogus.write_bytes(b"PK\x03\x04 not a model")
    code, err = generate("--model-path", str(bogus))
    assert code == 5
    assert f"error: {bogus} is not a GGUF model file; pass a .gguf file to --model-path" in err


def test_no_model_file_given_says_how(tmp_path: Path) -> None:
    code, err = generate()
    assert code == 5 and "the local engine needs a model file: pass --model-path" in err
    code, err = generate("--model-path", str(tmp_path / "missing.gguf"))
    assert code == 5 and "does not exist; check --model-path" in err


def test_without_the_extra_the_fix_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes the import fail
    code, err = generate("--model-path", str(fake_gguf(tmp_path / "tiny.gguf")))
    assert code == 5
    assert "the local engine needs llama-cpp-python: install it with pip install" in err
    assert "briefing[local]" in err and "Traceback" not in err


REAL_MODEL = os.environ.get("BRIEFING_TEST_GGUF")
needs_model = pytest.mark.skipif(
    not REAL_MODEL, reason="set BRIEFING_TEST_GGUF to a GGUF model file to run real-model tests"
)


@pytest.mark.real_model
@needs_model
def test_a_real_small_model_briefs_a_short_article_in_process(tmp_path: Path) -> None:
    out = tmp_path / "brief.json"
    result = runner.invoke(
        app,
        ["generate", KESSARA, "--engine", "local", "--model-path", str(REAL_MODEL)]
        + ["--prompt", "v3", "-o", str(out)],
    )
    assert result.exit_code == 0, result.stderr
    from briefing.render.document import load_document

    doc = load_document(out)
    assert doc.metadata.engine == "llm" and doc.metadata.calls >= 1
    assert doc.brief.situation.headline and doc.grounding is not None
    assert doc.grounding.rate > 0.5


@pytest.mark.real_model
@needs_model
def test_a_real_small_model_briefs_a_short_article_through_its_server(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp.server", reason="needs llama-cpp-python[server]")
    import socket
    import subprocess
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(REAL_MODEL)]
        + ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(1)
        out = tmp_path / "brief.json"
        result = runner.invoke(
            app,
            ["generate", KESSARA, "--base-url", base, "--model", "local", "--prompt", "v3"]
            + ["-o", str(out)],
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert result.exit_code == 0, result.stderr
    assert "JSON mode with the schema as a grammar" in " ".join(result.stderr.split())
    from briefing.render.document import load_document

    doc = load_document(out)
    assert doc.metadata.structured_fallback and doc.grounding is not None
    assert doc.grounding.rate > 0.5


@pytest.mark.real_model
@needs_model
def test_a_batch_runs_on_the_local_engine(tmp_path: Path) -> None:
    # The local engine reports tokens as it generates; a batch shows finished calls only.
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["batch", KESSARA, "-o", str(out), "--engine", "local", "--model-path", str(REAL_MODEL)]
        + ["--prompt", "v3", "-f", "json", "--no-log"],
    )
    assert result.exit_code == 0, result.stderr
    import json

    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    [entry] = index["articles"]
    assert entry["status"] == "done" and entry["calls"] >= 1
