"""The comparison runner with a fake pipeline, the gate, and the reports."""

from __future__ import annotations

import asyncio
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from briefing.cli.exit_codes import exit_code_for
from briefing.compare.gate import check_gate, evaluate_gate, gate_outcome, parse_rules
from briefing.compare.report import render_terminal
from briefing.compare.report_briefs import SECTIONS, section_rows, text_view
from briefing.compare.report_html import html_context, page_script, render_html, word_diff
from briefing.compare.run import (
    CompareOptions,
    ComparisonResult,
    acompare_prompts,
    build_variants,
    cassette_name,
    compare_prompts,
)
from briefing.config import Settings
from briefing.errors import (
    BriefingError,
    BriefValidationError,
    CassetteMissError,
    ConfigError,
    GateError,
    InputError,
    ModelOutputError,
    PromptError,
)
from briefing.ingest.article import Article
from briefing.pipeline import GenerateOptions
from briefing.schema import (
    BriefDocument,
    BriefMetadata,
    Claim,
    GroundingReport,
    QuoteCheck,
    iter_evidence,
)
from tests.fixtures import actor, tiny_brief

SETTINGS = Settings(concurrency=3)


class FakePipeline:
    """Stands in for `agenerate_document`; every number it returns is set here.

    v1: 2 actors, grounding 4/4.  v2: 3 actors, grounding 3/4, a different headline.
    prompt_tokens = 100 + 10 * repetition, so repeats have a known mean and spread.
    """

    def __init__(self, fail: dict[tuple[str, str], BriefingError] | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail = fail or {}
        self.running = 0
        self.peak = 0

    async def __call__(
        self, article: Article, settings: Settings, options: GenerateOptions | None = None
    ) -> BriefDocument:
        assert options is not None
        kw = {
            "prompt_version": options.prompt_version,
            "engine": options.engine,
            "cassette_path": options.cassette,
            "record_mode": options.record_mode,
            "repetition": options.repetition,
        }
        stem = Path(article.source).stem
        version = kw["prompt_version"] or "extractive"
        self.calls.append({"article": stem, "model": settings.model, **kw})
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            await asyncio.sleep(0.001)
            if (stem, version) in self.fail:
                raise self.fail[(stem, version)]
            return self.document(stem, version, options.repetition)
        finally:
            self.running -= 1

    @staticmethod
    def document(stem: str, version: str, repetition: int) -> BriefDocument:
        statuses = ["exact", "exact", "fuzzy", "exact"]
        brief = tiny_brief()
        if version == "v2":
            statuses[3] = "not_found"
            brief = tiny_brief(
                headline="Floods <script>alert(1)</script> hit Kessara",
                actors=[*brief.actors, actor("Kessara Rescue Brigade")],
            )
        quotes = [
            QuoteCheck(path=f"outlook.risks[0].evidence[{i}]", quote="q", status=s)
            for i, s in enumerate(statuses)
        ]
        meta = BriefMetadata(
            engine="extractive" if version == "extractive" else "llm",
            origin="test double",
            prompt_version=None if version == "extractive" else version,
            calls=1,
            prompt_tokens=100 + 10 * repetition,
            completion_tokens=50,
            cost_usd=0.001,
            wall_seconds=0.5,
        )
        return BriefDocument(metadata=meta, brief=brief, grounding=GroundingReport(quotes=quotes))


ARTICLE_TEXT = (
    "Floods in Kessara killed 23 people. The Velmar Disaster Management Authority (VDMA) said "
    "8,500 people fled their homes, and Red Cross Society volunteers opened shelters."
)


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for stem in ("alpha", "beta"):
        (folder / f"{stem}.txt").write_text(f"{stem.title()} floods\n\n{ARTICLE_TEXT}\n")
    (folder / "notes.json").write_text("{}")  # not an article: skipped
    return folder


def compare(sources: list[Path], fake: FakePipeline, **kw: Any) -> ComparisonResult:
    versions = kw.pop("versions", ["v1", "v2"])
    return compare_prompts(sources, versions, SETTINGS, CompareOptions(generate=fake, **kw))


def test_aggregates_per_article_and_overall(articles: Path) -> None:
    fake = FakePipeline()
    result = compare([articles], fake)
    assert [a.name for a in result.articles] == ["alpha", "beta"]
    assert [v.label for v in result.variants] == ["v1", "v2"]
    assert len(fake.calls) == 4
    cell = result.cell("alpha", "v2")
    assert cell is not None and cell.runs == 1 and not cell.errors
    assert cell.stats["grounding_rate"].mean == pytest.approx(0.75)
    assert cell.stats["actors"].mean == 3
    assert result.overall["v1"]["grounding_rate"].mean == pytest.approx(1.0)
    assert result.overall["v2"]["grounding_rate"].mean == pytest.approx(0.75)
    assert result.overall["v2"]["unverified_claims"].mean == 0  # one item, one found quote
    assert result.overall["v2"]["cost_usd"].mean == pytest.approx(0.001)
    assert cell.document is not None and "<script>" in cell.document.brief.situation.headline


def test_repeat_reports_mean_and_spread(articles: Path) -> None:
    fake = FakePipeline()
    result = compare([articles / "alpha.txt"], fake, repeat=3)
    assert sorted(c["repetition"] for c in fake.calls if c["prompt_version"] == "v1") == [0, 1, 2]
    cell = result.cell("alpha", "v1")
    assert cell is not None
    stat = cell.stats["prompt_tokens"]
    assert (stat.mean, stat.stdev, stat.min, stat.max, stat.n) == (110, 10, 100, 120, 3)
    assert cell.stats["grounding_rate"].stdev == 0
    # Over articles: the mean of article means, the pooled repeat spread, n = articles.
    overall = result.overall["v1"]["prompt_tokens"]
    assert (overall.mean, overall.stdev, overall.n) == (110, 10, 1)


def test_one_failing_article_is_reported_and_the_rest_go_on(articles: Path) -> None:
    miss = CassetteMissError("cassette cass/beta.v2.json does not exist")
    fake = FakePipeline(fail={("beta", "v2"): miss})
    result = compare([articles], fake)
    failed = result.cell("beta", "v2")
    assert failed is not None and failed.failed == 1 and failed.stats == {}
    assert failed.errors == ["cassette cass/beta.v2.json does not exist"]
    assert [(r.article, r.variant, r.error_type) for r in result.failures] == [
        ("beta", "v2", "CassetteMissError")
    ]
    ok = result.cell("alpha", "v2")
    assert ok is not None and ok.stats and not ok.errors
    # "All articles" compares like with like: only alpha, where every variant has values.
    assert result.overall["v1"]["grounding_rate"].n == 1
    text = render_terminal_text(result)
    assert "beta × v2: CassetteMissError: cassette cass/beta.v2.json does not exist" in text


def test_unusable_model_output_counts_as_not_schema_valid(articles: Path) -> None:
    fake = FakePipeline(fail={("alpha", "v2"): ModelOutputError("invalid JSON after 1 repair")})
    result = compare([articles / "alpha.txt", articles / "beta.txt"], fake)
    cell = result.cell("alpha", "v2")
    assert cell is not None and cell.stats["schema_valid"].mean == 0
    assert result.overall["v2"]["schema_valid"].mean == pytest.approx(0.5)


def test_every_run_failing_raises_with_the_failure_exit_code(articles: Path) -> None:
    miss = CassetteMissError("no cassette")
    fake = FakePipeline(fail={(s, v): miss for s in ("alpha", "beta") for v in ("v1", "v2")})
    with pytest.raises(BriefingError, match=r"every run failed .* alpha × v1: no cassette") as info:
        compare([articles], fake)
    assert exit_code_for(info.value) == exit_code_for(CassetteMissError(""))


def test_unknown_version_fails_before_running(articles: Path) -> None:
    fake = FakePipeline()
    with pytest.raises(PromptError, match="v99.*known versions: v1, v2"):
        compare([articles], fake, versions=["v1", "v99"])
    assert fake.calls == []


@pytest.mark.parametrize(
    ("kw", "error"),
    [
        ({"repeat": 0}, ConfigError),
        ({"record_mode": "sometimes"}, ConfigError),
        ({"versions": []}, ConfigError),
        ({"gold_dir": Path("/nonexistent/gold")}, InputError),
    ],
)
def test_bad_options_fail_fast(articles: Path, kw: dict[str, Any], error: type[Exception]) -> None:
    fake = FakePipeline()
    with pytest.raises(error):
        compare([articles], fake, **kw)
    assert fake.calls == []


def test_missing_and_empty_sources(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        compare([tmp_path / "nope.txt"], FakePipeline())
    with pytest.raises(InputError, match="holds no articles"):
        compare([tmp_path], FakePipeline())


def test_unreadable_article_fails_its_cells_only(articles: Path) -> None:
    (articles / "empty.md").write_text("   \n")
    fake = FakePipeline()
    result = compare([articles], fake, repeat=2)
    info = next(a for a in result.articles if a.name == "empty")
    assert info.error is not None and "InputError" in info.error
    # One failed run per variant and repetition, like any other failure.
    failed = [r for r in result.runs if r.article == "empty"]
    assert sorted((r.variant, r.repetition, r.error_type) for r in failed) == [
        ("v1", 0, "InputError"),
        ("v1", 1, "InputError"),
        ("v2", 0, "InputError"),
        ("v2", 1, "InputError"),
    ]
    assert all(r.error and r.error in info.error and r.metrics is None for r in failed)
    cell = result.cell("empty", "v1")
    assert cell is not None and (cell.runs, cell.failed) == (2, 2)
    assert cell.errors == [failed[0].error] and cell.stats == {} and cell.document is None
    assert {c["article"] for c in fake.calls} == {"alpha", "beta"}  # nothing ran for it
    assert result.cell("alpha", "v1") is not None
    assert evaluate_gate(result, None, "failed_runs>0") == [
        "v1: failed_runs 2 > 0 (rule failed_runs>0)",
        "v2: failed_runs 2 > 0 (rule failed_runs>0)",
    ]
    assert "empty × v1 (2 runs): InputError: " in render_terminal_text(result)


def test_no_readable_article_raises_before_running(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    fake = FakePipeline()
    with pytest.raises(
        BriefingError, match=r"no article could be read \(1 given\).*empty\.txt"
    ) as info:
        compare([empty], fake, versions=["extractive"])
    assert exit_code_for(info.value) == exit_code_for(InputError(""))
    assert fake.calls == []


def test_an_empty_article_fails_the_cli_gate(tmp_path: Path) -> None:
    # The reported case: `briefing compare empty.txt --prompt extractive --fail-on
    # "failed_runs>0"` exited 0 with "gate passed".
    from typer.testing import CliRunner

    from briefing.cli.app import app

    empty = tmp_path / "empty.txt"
    empty.write_text("")
    out = CliRunner().invoke(
        app, ["compare", str(empty), "--prompt", "extractive", "--fail-on", "failed_runs>0"]
    )
    assert out.exit_code == exit_code_for(InputError(""))
    assert "gate passed" not in out.stderr
    assert "no article could be read" in " ".join(out.stderr.split())


def test_cassette_paths_engines_and_repetitions(articles: Path, tmp_path: Path) -> None:
    fake = FakePipeline()
    compare(
        [articles / "alpha.txt"],
        fake,
        versions=["v1", "extractive"],
        cassette_dir=tmp_path / "cass",
        record_mode="replay",
        repeat=2,
    )
    by_version = {(c["prompt_version"], c["repetition"]): c for c in fake.calls}
    llm = by_version[("v1", 1)]
    assert llm["engine"] == "llm" and llm["record_mode"] == "replay"
    assert llm["cassette_path"] == tmp_path / "cass" / "alpha.v1.json"
    extractive = by_version[(None, 0)]
    assert extractive["engine"] == "extractive" and extractive["cassette_path"] is None


def test_models_are_compared_too(articles: Path, tmp_path: Path) -> None:
    fake = FakePipeline()
    result = compare(
        [articles / "alpha.txt"],
        fake,
        versions=["v1", "extractive"],
        models=["gpt-4o-mini", "local/llama 3"],
        cassette_dir=tmp_path,
    )
    assert [v.label for v in result.variants] == [
        "v1@gpt-4o-mini",
        "v1@local/llama 3",
        "extractive",
    ]
    paths = {c["model"]: c["cassette_path"] for c in fake.calls if c["engine"] == "llm"}
    assert paths == {
        "gpt-4o-mini": tmp_path / "alpha.v1.gpt-4o-mini.json",
        "local/llama 3": tmp_path / "alpha.v1.local-llama-3.json",
    }


def test_a_variant_twice_is_an_a_a_run() -> None:
    variants = build_variants(["extractive", "extractive"], None)
    assert [v.label for v in variants] == ["extractive", "extractive#2"]
    twice = build_variants(["v1", "v1"], None)
    assert cassette_name("alpha", twice[1]) == "alpha.v1.2.json"


def test_concurrency_is_bounded(articles: Path) -> None:
    fake = FakePipeline()
    result = asyncio.run(
        acompare_prompts(
            [articles],
            ["v1", "v2", "extractive"],
            SETTINGS,
            CompareOptions(repeat=3, generate=fake),
        )
    )
    assert len(result.runs) == 18
    assert 1 < fake.peak <= SETTINGS.concurrency


def test_gold_scores_where_a_gold_file_exists(articles: Path, tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "alpha.gold.json").write_text(
        json.dumps(
            {
                "label": "hand-written reference (not model output)",
                "article": "alpha.txt",
                "actors": [{"name": "VDMA"}, {"name": "Kessara Rescue Brigade"}],
                "figures": [{"value": "8,500", "counts": "fled"}],
                "key_facts": ["23 killed"],
            }
        )
    )
    result = compare([articles], FakePipeline(), gold_dir=gold)
    alpha_v1, alpha_v2 = result.cell("alpha", "v1"), result.cell("alpha", "v2")
    assert alpha_v1 is not None and alpha_v2 is not None
    assert alpha_v1.stats["actor_recall"].mean == pytest.approx(1 / 2)
    assert alpha_v2.stats["actor_recall"].mean == pytest.approx(2 / 2)
    assert alpha_v2.stats["actor_precision"].mean == pytest.approx(2 / 3)
    assert alpha_v1.stats["figure_recall"].mean == 1
    beta = result.cell("beta", "v1")
    assert beta is not None and "actor_recall" not in beta.stats
    assert result.articles[0].gold_label == "hand-written reference (not model output)"


def test_invalid_gold_stops_before_running(articles: Path, tmp_path: Path) -> None:
    (tmp_path / "alpha.gold.json").write_text(
        json.dumps({"label": "x", "article": "a", "actor": []})
    )
    fake = FakePipeline()
    with pytest.raises(BriefValidationError, match=r"alpha\.gold\.json.*actor"):
        compare([articles], fake, gold_dir=tmp_path)
    assert fake.calls == []


# --- gate -----------------------------------------------------------------------------


@pytest.fixture
def result(articles: Path) -> ComparisonResult:
    return compare([articles], FakePipeline())


def test_gate_grammar() -> None:
    rules = parse_rules(
        "grounding_rate<0.95, actor_recall < baseline-0.05,cost_usd>baseline*1.5,"
        "unverified_claims>=baseline,words>=600"
    )
    assert [(r.metric, r.op, r.value, r.relative) for r in rules] == [
        ("grounding_rate", "<", 0.95, None),
        ("actor_recall", "<", 0.05, "-"),
        ("cost_usd", ">", 1.5, "*"),
        ("unverified_claims", ">=", 0.0, "+"),
        ("words", ">=", 600.0, None),
    ]
    assert rules[1].threshold(0.8) == pytest.approx(0.75)
    assert rules[2].threshold(0.002) == pytest.approx(0.003)


def test_gate_spaces_separate_tokens() -> None:
    rules = parse_rules(" actor_recall < baseline - 0.05 , words >= 600 ,failed_runs>0")
    assert [r.text for r in rules] == ["actor_recall<baseline-0.05", "words>=600", "failed_runs>0"]
    assert [(r.value, r.relative) for r in rules] == [(0.05, "-"), (600.0, None), (0.0, None)]


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("groundedness<0.9", r"unknown metric 'groundedness'.*known metrics: schema_valid, "),
        ("grounding_rate=0.9", r"cannot read rule 'grounding_rate=0.9' \('=' is not"),
        ("grounding_rate<", "cannot read rule"),
        ("actor_recall<-0.05", r"not -0.05; .* write actor_recall<baseline-0.05"),
        ("actor_recall<-0", r"'actor_recall<-0'.*not -0; .* write actor_recall<baseline-0"),
        ("actor_recall < - 0.05", r"not -0.05"),
        ("actor_recall<+0.05", r"not \+0.05"),
        # A space splits a number: not 0.95, and not silently 0.
        ("grounding_rate < 0 .95", r"cannot read rule 'grounding_rate < 0 \.95' \(a space"),
        ("grounding_rate<baseline-0 .05", r"cannot read rule 'grounding_rate<baseline-0 \.05'"),
        ("grounding_rate<1 000", r"cannot read rule 'grounding_rate<1 000' \(a space"),
        ("grounding_rate<0.9.5", r"'0\.9\.5' is not a number"),
        ("grounding_rate<1e3", r"'1e3' is not a number"),
        ("grounding_rate<0.95x", r"'0\.95x' is not a number"),
        ("grounding_rate<baseline 0.05", r"'baseline 0\.05' is not a threshold"),
        ("grounding_rate<*2", r"'\*2' is not a threshold"),
        ("grounding rate<0.9", "does not read METRIC OP THRESHOLD"),
        ("grounding_rate<0.95,,words<", r"cannot read rule 'words<'"),
        (" , ", "empty"),
    ],
)
def test_gate_parse_errors(rules: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_rules(rules)


def test_gate_absolute_and_relative_rules(result: ComparisonResult) -> None:
    assert evaluate_gate(result, "v1", "grounding_rate<0.7,actors<baseline") == []
    messages = evaluate_gate(
        result, "v1", "grounding_rate<0.95,grounding_rate<baseline-0.3,actors>baseline+0.5"
    )
    assert messages == [
        "v2: grounding_rate 0.75 < 0.95 (rule grounding_rate<0.95)",
        "v2: actors 3 > 2.5 (baseline v1 2; rule actors>baseline+0.5)",
    ]
    assert evaluate_gate(result, "v1", "grounding_rate<baseline-0.2") == [
        "v2: grounding_rate 0.75 < 0.8 (baseline v1 1; rule grounding_rate<baseline-0.2)"
    ]


def test_gate_without_baseline_checks_every_variant(result: ComparisonResult) -> None:
    messages = evaluate_gate(result, None, "grounding_rate<0.95")
    assert messages == ["v2: grounding_rate 0.75 < 0.95 (rule grounding_rate<0.95)"]
    with pytest.raises(ConfigError, match="add baseline"):
        evaluate_gate(result, None, "actors>baseline")


def test_gate_unknown_baseline_and_missing_values(result: ComparisonResult) -> None:
    with pytest.raises(ConfigError, match="baseline 'v9' is not among .*v1, v2"):
        evaluate_gate(result, "v9", "actors>1")
    # No gold files: the rule cannot be checked, and a gate must not pass on missing data.
    assert evaluate_gate(result, "v1", "actor_recall<0.5") == [
        "v2: actor_recall has no value (rule actor_recall<0.5)"
    ]


def test_gate_counts_failed_runs(articles: Path) -> None:
    fake = FakePipeline(fail={("beta", "v2"): CassetteMissError("miss")})
    result = compare([articles], fake)
    assert evaluate_gate(result, "v1", "failed_runs>0") == [
        "v2: failed_runs 1 > 0 (rule failed_runs>0)"
    ]


def test_check_gate_raises_gate_error(result: ComparisonResult) -> None:
    check_gate(result, "v1", "grounding_rate<0.5")
    with pytest.raises(GateError, match="1 violation") as info:
        check_gate(result, "v1", "grounding_rate<0.95")
    assert exit_code_for(info.value) == 11


def test_gate_outcome_holds_every_rule_and_variant(result: ComparisonResult) -> None:
    outcome = gate_outcome(result, "v1", "grounding_rate<0.95,actors>baseline+0.5")
    assert not outcome.passed and outcome.baseline == "v1"
    absolute, relative = outcome.checks  # v1 is the baseline: one check per rule, for v2
    assert (absolute.rule, absolute.variant, absolute.value, absolute.threshold) == (
        "grounding_rate<0.95",
        "v2",
        0.75,
        0.95,
    )
    assert not absolute.passed and absolute.baseline is None
    assert (relative.value, relative.threshold, relative.baseline, relative.baseline_value) == (
        3.0,
        2.5,
        "v1",
        2.0,
    )
    # The messages are those the command prints.
    assert outcome.violations == evaluate_gate(
        result, "v1", "grounding_rate<0.95,actors>baseline+0.5"
    )
    passing = gate_outcome(result, None, "grounding_rate<0.5")
    assert passing.passed and [c.variant for c in passing.checks] == ["v1", "v2"]
    assert all(c.message is None for c in passing.checks)
    assert check_gate(result, None, "grounding_rate<0.5") == passing


def test_html_shows_the_gate_outcome(result: ComparisonResult) -> None:
    assert 'id="gate"' not in render_html(result)  # no gate, no banner
    result.gate = gate_outcome(result, "v1", "grounding_rate<0.95,actors<baseline")
    html = render_html(result)
    assert '<section id="gate" class="panel gate failed">' in html
    assert "Regression gate failed: 1 of 2 checks" in html
    rows = re.findall(r'<tr class="(pass|fail)"[^>]*>(.*?)</tr>', html, re.S)
    cells = [(cls, re.findall(r"<td[^>]*>(.*?)</td>", body)) for cls, body in rows]
    assert cells == [
        ("fail", ["<code>grounding_rate&lt;0.95</code>", "v2", "75.0%", "&lt; 95.0%", "–", "FAIL"]),
        ("pass", ["<code>actors&lt;baseline</code>", "v2", "3", "&lt; 2", "v1 2", "pass"]),
    ]
    result.gate = gate_outcome(result, "v1", "grounding_rate<0.5")
    assert "Regression gate passed" in render_html(result)


# --- reports --------------------------------------------------------------------------


def render_terminal_text(result: ComparisonResult) -> str:
    buffer = io.StringIO()
    render_terminal(result, Console(file=buffer, width=160, color_system=None))
    return buffer.getvalue()


def test_terminal_table_marks_the_better_value(result: ComparisonResult) -> None:
    text = render_terminal_text(result)
    assert "alpha" in text and "beta" in text and "all articles (mean)" in text
    row = next(line for line in text.splitlines() if "grounding rate" in line)
    assert "100.0% ★" in row and "75.0% ★" not in row
    actors_row = next(line for line in text.splitlines() if line.startswith("│ actors "))
    assert "★" not in actors_row  # more actors is not better or worse


def test_word_diff() -> None:
    assert word_diff("floods kill 23 in Kessara", "floods kill 25 in Kessara") == [
        ("eq", "floods kill"),
        ("del", "23"),
        ("ins", "25"),
        ("eq", "in Kessara"),
    ]


def test_html_report(result: ComparisonResult) -> None:
    html = render_html(result)
    assert html.startswith("<!DOCTYPE html>")
    assert '<table class="metrics">' in html and "<svg" in html and "<rect" in html
    # Two scripts: the data block and the page's own script, allowed by its hash alone.
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts == ['<script type="application/json" id="report-data">', "<script>"]
    _, script_hash = page_script()
    assert f"script-src '{script_hash}'" in html and "default-src 'none'" in html
    # The hostile headline is escaped, and shown as written: it shares too few words
    # with v1's for a word diff.
    assert "<script>alert(1)" not in html
    assert "Floods &lt;script&gt;alert(1)&lt;/script&gt; hit Kessara" in html
    assert '<span class="tag rew"' in html
    assert '<li class="new">Kessara Rescue Brigade' in html
    assert 'class="best"' in html
    # The real prompt registry's diff of v1 and v2 is shown under the metrics.
    assert "v1 → v2" in html and "+++ v2/system.j2" in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "<link" not in html


def test_text_view_diffs_only_comparable_texts() -> None:
    edited = text_view("Floods kill 25 in Kessara", "Floods kill 23 in Kessara")
    assert edited == {
        "parts": [("eq", "Floods kill"), ("del", "23"), ("ins", "25"), ("eq", "in Kessara")],
        "rewritten": False,
    }
    # One text inside the other: the diff reads as an addition, whatever the ratio.
    longer = "The offensive strained the crisis. Thousands of families face winter without shelter."
    added = text_view(longer, "The offensive strained the crisis.")
    assert added["parts"][0] == ("eq", "The offensive strained the crisis.")
    assert [op for op, _ in added["parts"]] == ["eq", "ins"] and not added["rewritten"]
    # Little in common: both shown as written, nothing struck through.
    other = text_view("Aid convoys reached Dalmar.", "Floods kill 23 in Kessara")
    assert other == {"parts": [("eq", "Aid convoys reached Dalmar.")], "rewritten": True}
    assert text_view("Same.", "Same.") == {"parts": [("eq", "Same.")], "rewritten": False}


def full_document(**changes: Any) -> BriefDocument:
    """A brief with every section filled, its quotes checked (one not found)."""
    brief = tiny_brief(**changes)
    brief.humanitarian.access_constraints = [Claim(text="Roads cut.", evidence=["roads"])]
    brief.outlook.indicators = [Claim(text="River levels.", evidence=["river"])]
    quotes = [
        QuoteCheck(
            path=f"{path}.evidence[{j}]",
            quote=q,
            status="not_found" if path == "outlook.indicators[0]" else "exact",
        )
        for path, items in iter_evidence(brief)
        for j, q in enumerate(items)
    ]
    meta = BriefMetadata(engine="llm", origin="test double", model="m")
    return BriefDocument(metadata=meta, brief=brief, grounding=GroundingReport(quotes=quotes))


def test_side_by_side_shows_every_section_with_its_quotes(articles: Path) -> None:
    ref = full_document()
    other = full_document(summary="Floods killed 25 people in Kessara.", gaps=["Who pays?"])
    rows = section_rows([ref, None, other])
    assert [r["key"] for r in rows] == [key for key, _ in SECTIONS]
    by_key = {r["key"]: r for r in rows}
    # A variant without a brief makes every section differ; its cells are empty.
    assert all(not r["same"] and r["cells"][1] is None for r in rows)
    situation = by_key["situation"]["cells"][2]
    assert situation["summary"]["parts"] == [
        ("eq", "Floods killed"),
        ("del", "23"),
        ("ins", "25"),
        ("eq", "people in Kessara."),
    ]
    assert situation["quotes"] == [
        {"text": "Floods in Kessara killed 23 people", "status": "exact"}
    ]
    access = by_key["access"]["cells"][0]["items"][0]
    assert access["text"]["parts"] == [("eq", "Roads cut.")]
    assert access["quotes"] == [{"text": "roads", "status": "exact"}]
    indicator = by_key["indicators"]["cells"][0]["items"][0]
    assert indicator["quotes"] == [{"text": "river", "status": "not_found"}]
    gap = by_key["gaps"]["cells"][2]["items"][0]
    assert gap["new"] and gap["text"]["parts"] == [("eq", "Who pays?")]
    actor_row = by_key["actors"]["cells"][0]["items"][0]
    assert actor_row["meta"] == ["other", "VDMA"]
    assert actor_row["detail"]["parts"] == [("eq", "Disaster agency reporting toll.")]
    # Sections both briefs wrote alike are marked so (the filter hides them).
    two = {r["key"]: r["same"] for r in section_rows([ref, other])}
    assert two["headline"] and two["actors"] and not two["situation"] and not two["gaps"]
    fake = FixedPipeline({"v1": ref, "v2": other})
    html = render_html(compare([articles / "alpha.txt"], fake))
    for _, title in SECTIONS:
        assert f">{title}<" in html or f">{title} <" in html, title
    assert "“river” ⚠" in html and "1 quote · ⚠ 1 not found in the article" in html


class FixedPipeline(FakePipeline):
    """Returns the given document for each version."""

    def __init__(self, docs: dict[str, BriefDocument]) -> None:
        super().__init__()
        self.docs = docs

    def document(self, stem: str, version: str, repetition: int) -> BriefDocument:  # type: ignore[override]
        return self.docs[version]


def test_html_marks_no_reference_column_for_an_article_without_briefs(articles: Path) -> None:
    # beta fails in every variant: no brief is the reference, none is "(reference)".
    miss = CassetteMissError("miss")
    result = compare([articles], FakePipeline(fail={("beta", "v1"): miss, ("beta", "v2"): miss}))
    context = html_context(result)
    alpha, beta = context["articles"]
    assert [c["is_ref"] for c in alpha["columns"]] == [True, False]
    assert alpha["ref_label"] == "v1"
    assert [c["is_ref"] for c in beta["columns"]] == [False, False]
    assert beta["ref_label"] is None
    html = render_html(result)
    beta_part = html[html.index("<h2>beta") :]
    assert "(reference)" not in beta_part and "Each brief is compared with" not in beta_part


def test_terminal_errors_row_for_one_and_several_articles(articles: Path) -> None:
    fake = FakePipeline(fail={("beta", "v2"): CassetteMissError("no cassette for beta")})
    several = render_terminal_text(compare([articles], fake))
    row = next(line for line in several.splitlines() if line.startswith("│ errors"))
    assert "failed 1/1: no cassette for beta" in row
    assert row.split("│")[2].strip() == ""  # v1 did not fail
    one = render_terminal_text(compare([articles / "beta.txt"], fake))
    row = next(line for line in one.splitlines() if line.startswith("│ errors"))
    assert "failed 1/1: no cassette for beta" in row


def test_html_report_shows_failures(articles: Path) -> None:
    fake = FakePipeline(fail={("beta", "v2"): CassetteMissError("cassette <x> missing")})
    html = render_html(compare([articles], fake))
    assert "Failed runs (1)" in html and "cassette &lt;x&gt; missing" in html


def test_json_round_trip(result: ComparisonResult) -> None:
    data = result.model_dump_json()
    again = ComparisonResult.model_validate_json(data)
    assert again == result
    parsed = json.loads(data)
    assert parsed["format"] == "briefing-comparison/1"
    assert parsed["overall"]["v2"]["grounding_rate"]["mean"] == 0.75


def test_gate_baseline_version_is_matched_model_by_model(articles: Path) -> None:
    result = compare([articles / "alpha.txt"], FakePipeline(), models=["m1", "m2"])
    assert evaluate_gate(result, "v1", "actors>baseline") == [
        "v2@m1: actors 3 > 2 (baseline v1@m1 2; rule actors>baseline)",
        "v2@m2: actors 3 > 2 (baseline v1@m2 2; rule actors>baseline)",
    ]
    # A full label names one baseline for every other variant.
    assert len(evaluate_gate(result, "v1@m1", "actors>baseline")) == 2
    with_extractive = compare(
        [articles / "alpha.txt"], FakePipeline(), versions=["v1", "extractive"], models=["m1", "m2"]
    )
    with pytest.raises(ConfigError, match="ambiguous for extractive; name one of: v1@m1, v1@m2"):
        evaluate_gate(with_extractive, "v1", "actors>baseline")


def test_data_for_the_script_cannot_close_its_block(articles: Path) -> None:
    # A file name is the article's name in the page's data block; "<!--<script>" there
    # would switch the HTML parser into a state where "</script>" no longer ends it.
    hostile = articles / "a<!--<script>b.txt"
    hostile.write_text("Floods\n\n" + ARTICLE_TEXT + "\n")
    html = render_html(compare([hostile], FakePipeline()))
    block = re.search(
        r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S
    )
    assert block is not None and "<" not in block[1]
    data = json.loads(block[1])
    assert {row["article"] for row in data["rows"]} == {"a<!--<script>b"}
    assert "a&lt;!--&lt;script&gt;b" in html and "a<!--" not in html
