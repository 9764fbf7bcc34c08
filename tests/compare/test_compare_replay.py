"""`briefing compare` end to end: the shipped prompt versions replayed from the shipped
cassettes on every example article, through the real pipeline, metrics, gold scoring,
reports and regression gate. Nothing here reaches a network.

What this guards, exactly. The shipped cassettes hold hand-written reference responses,
the same brief for v1 and v2 (`examples/<article>.brief.json`, see
`cassettes/record_reference.py`). So the two versions come out with the same brief and
the same quality scores; only token counts (and the cost derived from them) differ,
because v2's prompt is longer. Replaying them checks that the pipeline, the metrics, the
gold scoring, the reports and the gate machinery work on the shipped versions; it cannot
measure a change in a model's output quality, since no model output is replayed. A
prompt change reaches this gate another way: editing a released version breaks the
prompt lock (tests/test_prompts.py), and a changed or new prompt has no matching cassette
entry, so its runs fail with CassetteMissError and the gate's `failed_runs>0` rule fires.
`test_relative_rules_fire_on_a_quality_drop` shows the relative quality rules firing on
briefs that really differ.
"""

from __future__ import annotations

import json
import re
import shutil
from functools import cache
from pathlib import Path

import pytest
from markupsafe import escape
from typer.testing import CliRunner

from briefing.cli.app import app
from briefing.compare.gate import evaluate_gate
from briefing.compare.gold import load_gold, score_against_gold
from briefing.compare.report_html import diff_lines
from briefing.compare.run import ARTICLE_SUFFIXES, CompareOptions, compare_prompts
from briefing.config import Settings
from briefing.ingest.article import Article
from briefing.pipeline import GenerateOptions
from briefing.prompts import diff_versions, list_versions
from briefing.schema import BriefDocument, SupportCheck
from briefing.support import clear_unstated
from tests.fixtures import CASSETTES, EXAMPLES, REAL_CASSETTES

GOLD = EXAMPLES / "gold"
VERSIONS = ("v1", "v2")
ARTICLES = sorted(p.stem for p in EXAMPLES.iterdir() if p.suffix in ARTICLE_SUFFIXES)
GOLD_KEYS = ("actor_recall", "actor_precision", "figure_recall", "key_fact_recall")

# The rules a real quality regression of a new prompt version would trip: with the
# shipped cassettes the absolute ones hold and the relative ones compare equal briefs.
CI_RULES = (
    "schema_valid<1,grounding_rate<0.95,unverified_claims>0,"
    "actor_recall<baseline-0.05,key_fact_recall<baseline-0.05,fits_page<1,failed_runs>0"
)


def reference(stem: str) -> BriefDocument:
    """The hand-written reference brief that both versions' cassettes replay."""
    path = EXAMPLES / f"{stem}.brief.json"
    return BriefDocument.model_validate_json(path.read_text(encoding="utf-8"))


@cache
def gold_scores(stem: str) -> dict[str, float | None]:
    """Gold scores the replayed runs must report: the reference brief scored directly
    against its gold file. Not a snapshot: the scoring rules themselves are checked on
    hand-computed cases in tests/test_gold.py (the Aleppo reference's actor pairs
    included); here the point is that the comparison delivers the same numbers."""
    return score_against_gold(reference(stem).brief, load_gold(GOLD / f"{stem}.gold.json")).values()


def mean_score(key: str, stems: list[str] | None = None) -> float:
    values = [gold_scores(stem)[key] for stem in stems or ARTICLES]
    assert all(v is not None for v in values), key
    return sum(v for v in values if v is not None) / len(values)


runner = CliRunner()


def compare(*extra: str, cassettes: Path = CASSETTES) -> tuple[int, str, str]:
    """`briefing compare` of v1 and v2 on every example article, replayed, with gold files.

    A wide terminal keeps rich from wrapping the lines asserted on.
    """
    args = ["compare", str(EXAMPLES)]
    if not any(a == "--prompt" for a in extra):
        args += ["--prompt", "v1", "--prompt", "v2"]
    args += ["--cassette-dir", str(cassettes), "--gold", str(GOLD), *extra]
    result = runner.invoke(app, args, env={"COLUMNS": "400"})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def flat(text: str) -> str:
    """Whitespace collapsed, so a message is found even if the console wrapped it."""
    return " ".join(text.split())


def test_examples_and_gold_files_are_all_there() -> None:
    assert ARTICLES == [
        "aleppo-offensive",
        "dalmar-corridor-report",
        "kessara-floods-wire",
        "tarsin-ceasefire",
    ]
    for stem in ARTICLES:
        assert (EXAMPLES / f"{stem}.brief.json").is_file()
        assert (GOLD / f"{stem}.gold.json").is_file()
        for version in VERSIONS:
            assert (CASSETTES / f"{stem}.{version}.json").is_file()


def test_ci_gate_passes_on_the_shipped_versions() -> None:
    """The gate machinery on the shipped versions: every rule is read and checked, and
    passes. The relative rules compare two replays of the same briefs, so they cannot fire
    here (see the module docstring and `test_relative_rules_fire_on_a_quality_drop`)."""
    code, out, err = compare("--baseline", "v1", "--fail-on", CI_RULES)
    assert code == 0, err
    assert f"gate passed: {CI_RULES}" in flat(err)
    assert "error:" not in err
    # The table: both versions, every article, and no failed run.
    assert "Comparison of v1, v2 on 4 articles" in out
    for stem in ARTICLES:
        assert stem in out
    assert "Error" not in out and "failed" not in out
    # Gold scores of the reference briefs, the same for both versions.
    rows = {
        line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:4]]
        for line in out.splitlines()
        if line.count("│") == 4
    }
    for key, label in (("actor_recall", "actor recall"), ("key_fact_recall", "key-fact recall")):
        shown = f"{mean_score(key):.1%}"
        assert rows[f"{label} (gold) ↑"] == [shown, shown]
    assert rows["schema-valid ↑"] == ["100%", "100%"]
    assert rows["grounding rate ↑"] == ["100.0%", "100.0%"]
    assert rows["fits one page ↑"] == ["100%", "100%"]


def test_json_result_holds_every_article_and_version() -> None:
    code, out, err = compare("--json")
    assert code == 0, err
    data = json.loads(out)  # stdout is only the JSON; the table went to stderr
    assert "Comparison of v1, v2 on 4 articles" in err
    assert data["format"] == "briefing-comparison/1"
    assert data["record_mode"] == "replay"
    assert data["model"] == "gpt-4o-mini"
    assert data["repeat"] == 1
    assert [v["label"] for v in data["variants"]] == list(VERSIONS)
    assert all(v["engine"] == "llm" for v in data["variants"])
    assert [a["name"] for a in data["articles"]] == ARTICLES
    for info in data["articles"]:
        assert info["error"] is None
        assert info["gold"] == str(GOLD / f"{info['name']}.gold.json")
        assert info["words"] > 0

    runs = {(r["article"], r["variant"]): r for r in data["runs"]}
    assert len(data["runs"]) == len(runs) == len(ARTICLES) * len(VERSIONS)
    for (stem, version), run in runs.items():
        assert run["error"] is None and run["error_type"] is None
        assert run["cassette"] == str(CASSETTES / f"{stem}.{version}.json")
        metrics = run["metrics"]
        assert metrics["schema_valid"] == 1.0
        assert metrics["grounding_rate"] == 1.0
        assert metrics["unverified_claims"] == 0
        assert metrics["fits_page"] == 1.0
        assert metrics["calls"] == 1  # every example article fits one chunk
        assert run["gold"] == pytest.approx(gold_scores(stem))

    for stem in ARTICLES:
        v1, v2 = runs[(stem, "v1")]["metrics"], runs[(stem, "v2")]["metrics"]
        # The same hand-written response: the same brief, only the prompt differs.
        assert v1["completion_tokens"] == v2["completion_tokens"]
        assert v1["prompt_tokens"] < v2["prompt_tokens"]
        for key in ("words", "actors", "figures", "risks", "entity_coverage", "quotes"):
            assert v1[key] == v2[key], key

    cells = {(c["article"], c["variant"]): c for c in data["cells"]}
    assert set(cells) == set(runs)
    for (stem, _), cell in cells.items():
        assert cell["runs"] == 1 and cell["failed"] == 0 and cell["errors"] == []
        # What both cassettes replay: the hand-written reference brief, unchanged but for
        # the places, dates and timeframes its own quotes do not state (cleared, noted).
        claims = [SupportCheck.model_validate(c) for c in cell["document"]["grounding"]["claims"]]
        expected = clear_unstated(reference(stem).brief, claims)
        assert cell["document"]["brief"] == expected.model_dump(mode="json")
        assert cell["document"]["metadata"]["engine"] == "llm"

    for version in VERSIONS:
        overall = data["overall"][version]
        assert overall["schema_valid"]["mean"] == 1.0
        assert overall["grounding_rate"]["mean"] == 1.0
        assert overall["unverified_claims"]["mean"] == 0
        assert overall["actor_recall"]["n"] == len(ARTICLES)
        for key in GOLD_KEYS:
            assert overall[key]["mean"] == pytest.approx(mean_score(key)), key

    assert [(d["a"], d["b"]) for d in data["prompt_diffs"]] == [("v1", "v2")]
    assert data["prompt_diffs"][0]["diff"] == diff_versions("v1", "v2")


def test_html_report_is_self_contained(tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    code, out, err = compare("--report", str(report))
    assert code == 0, err
    assert f"wrote {report}" in flat(err)
    html = report.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>")
    # Nothing loaded from elsewhere: no external scripts, styles, images or frames.
    for tag in re.findall(r"<(?:script|link|img|iframe|object|embed|source)\b[^>]*>", html, re.I):
        assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", tag, re.I), tag
    assert "@import" not in html
    assert "<style>" in html
    assert html.count("<svg") >= 5 and html.count("</svg>") == html.count("<svg")
    # Every article and version, and the prompt diff between v1 and v2, line by line.
    for stem in ARTICLES:
        assert f"<h2>{stem}" in html
    assert "Comparison of v1, v2 on 4 articles" in html
    assert "<h3>v1 → v2</h3>" in html
    lines = diff_lines(diff_versions("v1", "v2"))
    assert ("file", "+++ v2/system.j2") in lines
    assert any(cls == "add" for cls, _ in lines) and any(cls == "rem" for cls, _ in lines)
    for cls, line in lines:
        assert f'<span class="{cls}">{escape(line)}</span>' in html, line
    assert "Failed runs" not in html
    # The shipped cassettes hold hand-written responses: the report must say who wrote
    # them, and name the model their answers carry, not the configured one.
    for version in ("v1", "v2"):
        assert (
            f'<li data-variant="{version}"><strong>{version}</strong>: <span class="model">'
            'hand-written-reference</span> <span class="kind">— hand-written reference response '
            "replayed from a cassette (not model output)</span></li>"
        ) in html
    assert "gpt-4o-mini" not in html
    assert "who wrote the briefs: v1: hand-written reference response" in flat(out)


def test_a_gate_that_must_fail_exits_11_and_names_the_rule() -> None:
    code, out, err = compare("--baseline", "v1", "--fail-on", "grounding_rate<1.01")
    assert code == 11
    assert "Comparison of v1, v2 on 4 articles" in out  # the table is printed first
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert errors == ["error: regression gate failed (1 violation):"]
    # Only v2 is checked against the rules; v1 is the baseline.
    assert "v2: grounding_rate 1 < 1.01 (rule grounding_rate<1.01)" in err
    assert "v1: grounding_rate" not in err
    assert "gate passed" not in err


def test_a_relative_gate_names_the_baseline_value() -> None:
    code, _, err = compare("--baseline", "v1", "--fail-on", "prompt_tokens>baseline*1.1")
    assert code == 11
    # v2's longer prompt: 1356 mean prompt tokens against v1's 1080.
    assert "v2: prompt_tokens 1356 > 1188 (baseline v1 1080; rule prompt_tokens>baseline*1.1)" in (
        flat(err)
    )


def test_unknown_prompt_version_fails_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import briefing.pipeline

    calls: list[object] = []

    async def spy(*args: object, **kwargs: object) -> None:
        calls.append(args)
        raise AssertionError("the pipeline ran")

    monkeypatch.setattr(briefing.pipeline, "agenerate_brief", spy)
    report = tmp_path / "report.html"
    code, out, err = compare(
        "--prompt",
        "v1",
        "--prompt",
        "v9",
        "--report",
        str(report),
        "--baseline",
        "v1",
        "--fail-on",
        CI_RULES,
    )
    assert code == 13
    known = ", ".join(list_versions())
    assert "v1" in known and "v2" in known
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        f"error: unknown prompt version 'v9'; known versions: {known}"
    ]
    assert "Traceback" not in err
    assert calls == []
    assert out == ""
    assert not report.exists()


def test_a_cassette_miss_fails_its_cell_and_the_comparison_goes_on(tmp_path: Path) -> None:
    cassettes = tmp_path / "cassettes"
    shutil.copytree(CASSETTES, cassettes, ignore=shutil.ignore_patterns("*.py"))
    missing = cassettes / "tarsin-ceasefire.v2.json"
    missing.unlink()

    code, out, err = compare("--record-mode", "replay", cassettes=cassettes)
    assert code == 0, err  # seven runs succeeded: there is a comparison to show
    assert f"tarsin-ceasefire × v2: CassetteMissError: cassette {missing} does not exist" in flat(
        out
    )
    assert "failed 1/1" in out  # the errors row of the tarsin-ceasefire section
    assert "Comparison of v1, v2 on 4 articles" in out
    assert not missing.exists()  # replay never records

    code, out, err = compare("--json", cassettes=cassettes)
    assert code == 0, err
    data = json.loads(out)
    failed = [r for r in data["runs"] if r["error"] is not None]
    assert [(r["article"], r["variant"], r["error_type"]) for r in failed] == [
        ("tarsin-ceasefire", "v2", "CassetteMissError")
    ]
    assert str(missing) in failed[0]["error"]
    assert sum(1 for r in data["runs"] if r["error"] is None) == 7
    cell = next(
        c for c in data["cells"] if (c["article"], c["variant"]) == ("tarsin-ceasefire", "v2")
    )
    assert cell["runs"] == 1 and cell["failed"] == 1 and cell["document"] is None
    # "All articles" means use the three articles both versions have values for.
    three = [a for a in ARTICLES if a != "tarsin-ceasefire"]
    for version in VERSIONS:
        recall = data["overall"][version]["actor_recall"]
        assert recall["n"] == 3
        assert recall["mean"] == pytest.approx(mean_score("actor_recall", three))

    # The CI gate catches the broken cassette, through failed_runs only.
    code, out, err = compare("--baseline", "v1", "--fail-on", CI_RULES, cassettes=cassettes)
    assert code == 11
    assert "regression gate failed (1 violation):" in err
    assert "v2: failed_runs 1 > 0 (rule failed_runs>0)" in err
    assert "tarsin-ceasefire × v2: CassetteMissError" in flat(out)


def test_extractive_runs_alongside_v1_without_a_cassette(tmp_path: Path) -> None:
    cassettes = tmp_path / "cassettes"
    shutil.copytree(CASSETTES, cassettes, ignore=shutil.ignore_patterns("*.py"))
    before = sorted(p.name for p in cassettes.iterdir())

    code, out, err = compare(
        "--prompt", "v1", "--prompt", "extractive", "--json", cassettes=cassettes
    )
    assert code == 0, err
    assert sorted(p.name for p in cassettes.iterdir()) == before  # nothing recorded
    data = json.loads(out)
    assert [(v["label"], v["engine"]) for v in data["variants"]] == [
        ("v1", "llm"),
        ("extractive", "extractive"),
    ]
    assert len(data["runs"]) == 8
    assert [r for r in data["runs"] if r["error"] is not None] == []
    for run in data["runs"]:
        if run["variant"] == "extractive":
            assert run["cassette"] is None
            assert run["metrics"]["calls"] == 0
            assert run["metrics"]["schema_valid"] == 1.0
            assert run["gold"] is not None
        else:
            assert run["cassette"] == str(cassettes / f"{run['article']}.v1.json")
            assert run["metrics"]["calls"] == 1
    for cell in data["cells"]:
        assert cell["failed"] == 0
        engine = "extractive" if cell["variant"] == "extractive" else "llm"
        assert cell["document"]["metadata"]["engine"] == engine
    # One prompt version only: there is no prompt diff to show.
    assert data["prompt_diffs"] == []
    assert set(data["overall"]) == {"v1", "extractive"}
    assert data["overall"]["extractive"]["schema_valid"]["mean"] == 1.0


def test_relative_rules_fire_on_a_quality_drop() -> None:
    """The relative rules of CI_RULES do fire when a version's briefs get worse: v1 returns
    the reference briefs, v2 the same briefs with every other actor removed."""
    calls: list[tuple[str, str | None]] = []

    async def generate(
        article: Article, settings: Settings, options: GenerateOptions | None = None
    ) -> BriefDocument:
        assert options is not None
        stem = Path(article.source).stem
        calls.append((stem, options.prompt_version))
        doc = reference(stem)
        if options.prompt_version == "v2":
            brief = doc.brief
            doc = doc.model_copy(
                update={"brief": brief.model_copy(update={"actors": brief.actors[::2]})}
            )
        return doc

    result = compare_prompts(
        [EXAMPLES], list(VERSIONS), Settings(), CompareOptions(gold_dir=GOLD, generate=generate)
    )
    assert sorted(calls) == sorted((stem, v) for stem in ARTICLES for v in VERSIONS)
    v1, v2 = (result.overall[v]["actor_recall"].mean for v in VERSIONS)
    assert v1 == pytest.approx(mean_score("actor_recall"))
    assert v2 < v1 - 0.05  # half the actors gone: a clear drop

    messages = evaluate_gate(result, "v1", "actor_recall<baseline-0.05")
    assert messages == [
        f"v2: actor_recall {v2:.4g} < {v1 - 0.05:.4g} (baseline v1 {v1:.4g}; "
        "rule actor_recall<baseline-0.05)"
    ]
    # The relative rules of CI_RULES catch it too. (The fake returns documents without
    # a grounding report, so the absolute grounding rules have no value to check here.)
    relative = ",".join(rule for rule in CI_RULES.split(",") if "baseline" in rule)
    violations = evaluate_gate(result, "v1", relative)
    assert [m.split(" ")[:2] for m in violations] == [["v2:", "actor_recall"]]


REAL_MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"


def test_report_names_the_model_that_wrote_each_variant(tmp_path: Path) -> None:
    # Real recordings name their model; the offline engine has none; the configured
    # model (gpt-4o-mini by default) wrote nothing and is not shown as if it had.
    report = tmp_path / "real.html"
    code, _, err = compare(
        "--prompt",
        "v3",
        "--prompt",
        "extractive",
        "--model",
        REAL_MODEL,
        "--report",
        str(report),
        cassettes=REAL_CASSETTES,
    )
    assert code == 0, err
    html = report.read_text(encoding="utf-8")
    assert f'<strong>v3</strong>: <span class="model">{REAL_MODEL}</span>' in html
    assert '<strong>extractive</strong>: <span class="model">no model</span>' in html
    assert "gpt-4o-mini" not in html
    # Each column of the side-by-side briefs says it too.
    assert html.count(f"<small>{REAL_MODEL}</small>") == len(ARTICLES)
    assert html.count("<small>no model</small>") == len(ARTICLES)


def test_a_failed_gate_is_in_the_report_and_the_json(tmp_path: Path) -> None:
    report = tmp_path / "gate.html"
    code, out, err = compare(
        "--baseline", "v1", "--fail-on", "grounding_rate<1.01", "--report", str(report), "--json"
    )
    assert code == 11  # the exit code is unchanged, and the report is written first
    html = report.read_text(encoding="utf-8")
    assert '<section id="gate" class="panel gate failed">' in html
    assert "Regression gate failed: 1 of 1 checks" in html
    gate = json.loads(out)["gate"]
    assert gate["rules"] == "grounding_rate<1.01" and gate["baseline"] == "v1"
    [check] = gate["checks"]
    assert (check["variant"], check["value"], check["threshold"], check["passed"]) == (
        "v2",
        1.0,
        1.01,
        False,
    )
    assert check["message"] == "v2: grounding_rate 1 < 1.01 (rule grounding_rate<1.01)"
