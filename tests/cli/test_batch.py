"""`briefing batch` from the command line: a folder in one command, exit codes that say
whether all, some or none succeeded, the run log, and Ctrl-C then a re-run."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from briefing.testing import RecordedRequest, Reply, StubServer, answer_for
from tests.batch.test_run import town_of, write_articles
from tests.cli.test_cli import assert_one_line_error, run
from tests.fixtures import CASSETTES, EXAMPLES, REAL_CASSETTES, ROOT


def index_of(out: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((out / "index.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_a_folder_of_examples_in_one_command(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, err = run("batch", str(EXAMPLES), "-o", str(out))
    assert code == 0, err
    assert stdout == ""  # stdout stays clean; progress and the summary go to stderr
    assert "offline extractive engine" in err
    assert [line for line in err.splitlines() if line.startswith("[")][-1].startswith("[4/4] done")
    assert "4 of 4 briefs" in err.splitlines()[-1]
    index = index_of(out)
    assert index["counts"] == {"articles": 4, "done": 4}
    for article in index["articles"]:
        assert (out / article["outputs"]["html"]).is_file()
        assert (out / article["outputs"]["json"]).is_file()
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Rebels Overrun Aleppo" in page and "100%" in page
    # The run log has the batch and one row per article.
    code, listing, _ = run("runs", "list", "--json")
    [row] = json.loads(listing)
    assert row["command"] == "batch" and row["exit_code"] == 0 and row["engine"] == "extractive"
    code, shown, _ = run("runs", "show", str(row["id"]), "--json")
    items = json.loads(shown)["items"]
    assert len(items) == 4 and all(i["exit_code"] == 0 and i["grounding_rate"] for i in items)
    assert {Path(i["source"]).name for i in items} == {
        "aleppo-offensive.txt",
        "dalmar-corridor-report.md",
        "kessara-floods-wire.txt",
        "tarsin-ceasefire.html",
    }


def test_replaying_the_shipped_cassettes_through_the_model_path(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, err = run(
        "batch", str(EXAMPLES), "-o", str(out), "--cassette-dir", str(CASSETTES), "-f", "md"
    )
    assert code == 0, err
    index = index_of(out)
    assert index["engine"] == "llm" and index["counts"]["done"] == 4
    assert all("hand-written" in a["origin"] for a in index["articles"])
    assert "hand-written reference, not model output" in (out / "index.html").read_text("utf-8")
    assert (
        sorted(p.suffix for p in out.iterdir() if p.is_file()) == [".html", ".json"] + [".md"] * 4
    )


REAL_MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"


def test_replaying_the_real_recordings_named_after_their_model(tmp_path: Path) -> None:
    # `compare --model M` names its cassettes `<article>.<version>.<M>.json`; batch finds them.
    out = tmp_path / "out"
    code, _, err = run(
        "batch", str(EXAMPLES), "-o", str(out), "--cassette-dir", str(REAL_CASSETTES),
        "--prompt", "v3", "--model", REAL_MODEL, "-f", "json",
    )  # fmt: skip
    assert code == 0, err
    index = index_of(out)
    assert index["counts"]["done"] == 4
    assert all(a["model"] == REAL_MODEL for a in index["articles"])
    assert all(a["origin"] == "model output" and a["calls"] == 1 for a in index["articles"])


def test_some_failed_exits_14_and_the_index_says_why(tmp_path: Path) -> None:
    out = tmp_path / "out"
    listing = f"# today\n{EXAMPLES / 'aleppo-offensive.txt'}\n{tmp_path / 'gone.txt'}\n"
    code, _, err = run(
        "batch", str(EXAMPLES / "kessara-floods-wire.txt"), "--from", "-", "-o", str(out),
        input=listing,
    )  # fmt: skip
    assert code == 14
    assert_one_line_error(err, "1 of 3 articles failed", "gone.txt: no such file")
    index = index_of(out)
    assert [a["status"] for a in index["articles"]] == ["done", "done", "failed"]
    assert "no such file" in (out / "index.html").read_text(encoding="utf-8")
    code, listing_out, _ = run("runs", "list", "--json")
    assert json.loads(listing_out)[0]["exit_code"] == 14


def test_none_succeeded_exits_15(tmp_path: Path) -> None:
    code, _, err = run(
        "batch", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "-o", str(tmp_path / "o")
    )
    assert code == 15
    assert_one_line_error(err, "no article was briefed (2 failed)")


def test_usage_errors(tmp_path: Path) -> None:
    code, _, err = run("batch", str(EXAMPLES))
    assert code == 2 and "--output" in err
    code, _, err = run("batch", "-o", str(tmp_path / "o"))
    assert code == 2 and "--from" in err
    code, _, err = run("batch", str(EXAMPLES), "-o", str(EXAMPLES))
    assert code == 3
    assert_one_line_error(err, "is the output folder", "--output")


def test_the_spending_limit_exits_10_and_says_how_to_resume(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 12)  # more than are ever in flight: some never start

    def priced(request: RecordedRequest) -> Reply:
        return Reply.json(answer_for(request.body), prompt_tokens=2000, completion_tokens=500)

    with StubServer(default=priced) as stub:
        code, _, err = run(
            "batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--base-url", stub.base_url,
            "--model", "gpt-4o-mini", "--concurrency", "1", "--max-cost", "0.004",
        )  # fmt: skip
    assert code == 10
    assert_one_line_error(err, "stopped at the spending limit", "raise --max-cost")
    assert index_of(tmp_path / "out")["counts"]["not started"] >= 1


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _lines(stream: object, into: queue.Queue[str]) -> None:
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        into.put(line)


@pytest.mark.slow
def test_ctrl_c_then_a_rerun_resumes_without_repeating_a_call(
    tmp_path: Path, private_home: Path
) -> None:
    write_articles(tmp_path / "in", 4)
    out = tmp_path / "out"

    def answer(request: RecordedRequest) -> Reply:
        return Reply.json(answer_for(request.body))

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BRIEFING_"))}
    env |= {"HOME": str(private_home), "BRIEFING_TOKENIZER": "offline", "PYTHONUNBUFFERED": "1"}
    # Each call takes 2 s, so the interrupt lands while the second article is being
    # briefed even on a loaded machine that reads the progress lines late.
    with StubServer(default=answer, latency_s=2.0) as stub:
        command = [
            sys.executable, "-c", "from briefing.cli.app import main; main()",
            "batch", str(tmp_path / "in"), "-o", str(out), "--base-url", stub.base_url,
            "--concurrency", "1",
        ]  # fmt: skip
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            # A shell's background job (`make test &`, nohup) starts with SIGINT ignored,
            # and Python keeps an ignored SIGINT ignored: give the child the default back,
            # as a terminal would, so Ctrl-C reaches it.
            preexec_fn=_default_sigint,
        )
        assert proc.stderr is not None
        try:
            lines: queue.Queue[str] = queue.Queue()
            threading.Thread(target=_lines, args=(proc.stderr, lines), daemon=True).start()
            seen: list[str] = []
            deadline = time.monotonic() + 60
            while not any(line.startswith("[1/4] done") for line in seen):
                assert time.monotonic() < deadline and proc.poll() is None, seen
                try:
                    seen.append(lines.get(timeout=0.5))
                except queue.Empty:
                    pass
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=30) == 130
            time.sleep(0.2)
            while not lines.empty():
                seen.append(lines.get())
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stderr.close()  # never left for a later test's warnings
        first_run = stub.chat_bodies
    assert "interrupted: 1 of 4 briefs written" in "".join(seen)
    assert "Traceback" not in "".join(seen)
    index = index_of(out)
    assert index["counts"]["done"] == 1
    assert sorted(a["status"] for a in index["articles"])[0] == "done"
    assert {a["status"] for a in index["articles"]} <= {"done", "interrupted", "not started"}

    with StubServer(default=answer) as stub:
        again = [*command[:-3], stub.base_url, "--concurrency", "1"]  # the new stub's URL
        code = subprocess.run(again, cwd=ROOT, env=env, capture_output=True).returncode
        second_run = stub.chat_bodies
    assert code == 0
    assert len(second_run) == 3  # the finished article is not asked again
    [done] = [a for a in index["articles"] if a["status"] == "done"]
    done_town = str(int(Path(done["source"]).stem.split("-")[1]))
    assert all(town_of(body) != done_town for body in second_run)
    assert not any(body in second_run for body in first_run if town_of(body) == done_town)
    assert index_of(out)["counts"] == {"articles": 4, "done": 3, "unchanged": 1}
    code, listing, _ = run("runs", "list", "--json")
    assert [r["exit_code"] for r in json.loads(listing)] == [0, 130]


def test_the_batch_api_end_to_end_and_resume_by_job_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefing.testing.batch_stub import BatchStubServer

    write_articles(tmp_path / "in", 3, long=1)
    out = tmp_path / "out"

    def answer(request: RecordedRequest) -> Reply:
        return Reply.json(answer_for(request.body), model="gpt-4o-mini")

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with BatchStubServer(default=answer) as stub:
        code, _, err = run(
            "batch", str(tmp_path / "in"), "-o", str(out), "--via", "batch-api",
            "--base-url", stub.base_url, "--poll-interval", "0.01", "--chunk-tokens", "300",
        )  # fmt: skip
        jobs = list(stub.jobs)
    assert code == 0, err
    assert f"Batch API job {jobs[0]} (extraction): completed" in err
    assert f"Batch API job {jobs[1]} (merge): completed" in err
    assert index_of(out)["counts"] == {"articles": 3, "done": 3}
    assert jobs[0] in (out / "index.html").read_text(encoding="utf-8")
    code, shown, _ = run("runs", "show", "1", "--json")
    data = json.loads(shown)
    assert [j["batch_id"] for j in data["batch_api_jobs"]] == jobs
    assert [j["label"] for j in data["batch_api_jobs"]] == ["extraction", "merge"]
    assert data["args"]["settings"]["chunk_tokens"] == 300
    assert "sk-test" not in shown  # the key's variable is kept, never the key

    # --resume ID alone: sources, folder and settings come from the run that made the job
    # (here every article is done, so nothing more is sent).
    with BatchStubServer(default=answer) as stub:
        code, _, err = run(
            "batch", "--resume", jobs[0], "--base-url", stub.base_url, "--poll-interval", "0.01"
        )
        assert stub.jobs == {}
    assert code == 0, err
    assert "3 of 3 briefs" in err and "(3 unchanged)" in err

    code, _, err = run("batch", "--resume", "batch_unknown")
    assert code == 2 and "not in the run log" in err


def test_ctrl_c_during_a_batch_api_job_says_the_job_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI's side of an interruption (the batch's own is tested with a real SIGINT
    above and, for jobs, in tests/batch/test_batch_api.py)."""
    import briefing.batch.run
    from briefing.batch.batch_api import BatchJob

    def interrupted(sources: object, outdir: Path, settings: object, options: object) -> None:
        job = BatchJob(id="batch_abc", status="in_progress", input_file_id="file-1", total=3)
        options.on_job(job)  # type: ignore[attr-defined]
        raise KeyboardInterrupt

    monkeypatch.setattr(briefing.batch.run, "run_batch", interrupted)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    code, _, err = run("batch", str(EXAMPLES), "-o", str(tmp_path / "out"), "--via", "batch-api")
    assert code == 130
    assert "interrupted: no briefs written" in err
    assert "Batch API job batch_abc goes on at the provider" in err
    assert "--resume batch_abc" in err
    code, listing, _ = run("runs", "show", "1", "--json")
    shown = json.loads(listing)
    assert shown["exit_code"] == 130 and shown["batch_api_jobs"][0]["status"] == "in_progress"
