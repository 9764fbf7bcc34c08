"""Several processes recording to one cassette at once keep every entry (merge on save)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from briefing.choices import RecordMode, TokenizerMode
from briefing.config import Settings
from briefing.ingest.article import load_article
from briefing.pipeline import GenerateOptions, generate_brief
from briefing.testing import Reply, StubServer, minimal_brief_json
from tests.fixtures import ROOT

WRITERS = 8


def _article(folder: Path, n: int) -> Path:
    path = folder / f"article-{n}.txt"
    path.write_text(
        f"Report number {n}\n\nFloods in district {n} forced families from their homes on "
        f"Monday. Relief teams reached district {n} by boat.\n",
        encoding="utf-8",
    )
    return path


def test_parallel_recordings_keep_every_entry(tmp_path: Path) -> None:
    cassette = tmp_path / "shared.json"
    answer = Reply.json(minimal_brief_json("Relief teams reached"), latency_s=0.05)
    env = {**os.environ, "BRIEFING_TOKENIZER": "offline", "PYTHONPATH": str(ROOT)}
    with StubServer(default=answer) as stub:
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "briefing",
                    "generate",
                    str(_article(tmp_path, n)),
                    "--cassette",
                    str(cassette),
                    "--record-mode",
                    "once",
                    "--base-url",
                    stub.base_url,
                    "--model",
                    "stub-model",
                    "--prompt",
                    "v2",
                    "-o",
                    str(tmp_path / f"brief-{n}.json"),
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(WRITERS)
        ]
        outcomes = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
        for proc in procs:
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()
        assert [code for code, _ in outcomes] == [0] * WRITERS, outcomes
        assert len(stub.chat_bodies) == WRITERS

    entries = json.loads(cassette.read_text(encoding="utf-8"))["entries"]
    assert len(entries) == WRITERS
    assert len({e["key"] for e in entries}) == WRITERS
    assert sorted(p.name for p in tmp_path.glob(".*")) == []  # no lock file left behind

    # Every run replays from the merged cassette, with no model configured at all.
    settings = Settings(model="stub-model", prompt="v2", tokenizer=TokenizerMode.OFFLINE)
    for n in range(WRITERS):
        article = load_article(str(tmp_path / f"article-{n}.txt"))
        options = GenerateOptions(cassette=cassette, record_mode=RecordMode.REPLAY)
        assert generate_brief(article, settings, options).metadata.calls == 1
