"""`briefing compare`: prompt versions (and models) side by side on the same articles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from briefing.choices import OutputFormat, RecordMode
from briefing.cli.articles import resolve
from briefing.cli.console import notify, stderr, stdout
from briefing.cli.options import (
    BaseUrlOpt,
    ChunkTokensOpt,
    ConcurrencyOpt,
    NoLogOpt,
    OverlapOpt,
    RecordModeOpt,
    complete_compared,
)
from briefing.cli.output import is_stdout, output_format, write_file, write_stdout
from briefing.cli.runlog import start_run
from briefing.errors import OutputError


def compare(
    sources: Annotated[
        list[Path], typer.Argument(help="Article files or directories of articles.")
    ],
    prompt: Annotated[
        list[str],
        typer.Option(
            "--prompt",
            "-p",
            help="Prompt version to compare (repeat); 'extractive' too.",
            autocompletion=complete_compared,
        ),
    ],
    model: Annotated[
        list[str] | None, typer.Option("--model", "-m", help="Model to compare (repeatable).")
    ] = None,
    cassette_dir: Annotated[
        Path | None,
        typer.Option("--cassette-dir", help="One cassette per article and version, in DIR."),
    ] = None,
    record_mode: RecordModeOpt = RecordMode.REPLAY,
    repeat: Annotated[int, typer.Option("--repeat", help="Runs per article and version.")] = 1,
    gold: Annotated[
        Path | None, typer.Option("--gold", help="Directory of <article>.gold.json references.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a self-contained HTML report.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the full result as JSON on stdout.")
    ] = False,
    baseline: Annotated[
        str | None, typer.Option("--baseline", help="Version the --fail-on rules compare to.")
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            help="Gate rules, e.g. 'grounding_rate<0.95,actor_recall<baseline-0.05' (exit 11).",
        ),
    ] = None,
    base_url: BaseUrlOpt = None,
    concurrency: ConcurrencyOpt = None,
    chunk_tokens: ChunkTokensOpt = None,
    chunk_overlap: OverlapOpt = None,
    no_log: NoLogOpt = False,
) -> None:
    """Compare prompt versions (and models) side by side on the same articles."""
    from briefing.cli.compare_live import CompareDisplay
    from briefing.compare.gate import enforce_gate, gate_outcome, parse_rules
    from briefing.compare.report import render_terminal
    from briefing.compare.report_html import render_html
    from briefing.compare.run import CompareOptions, compare_prompts

    if fail_on:
        parse_rules(fail_on)  # a bad rule fails before any work is done
    report_to_stdout = report is not None and is_stdout(report)
    if report_to_stdout and as_json:
        raise OutputError("--report - and --json both write to stdout; send one to a file")
    if report is not None:
        articles = [p for s in sources for p in (s.rglob("*") if s.is_dir() else [s])]
        output_format(report, OutputFormat.HTML, inputs=articles)
    settings = resolve(
        base_url=base_url,
        concurrency=concurrency,
        chunk_tokens=chunk_tokens,
        chunk_overlap=chunk_overlap,
    )
    run = start_run(
        "compare",
        settings,
        no_log=no_log,
        source=", ".join(str(s) for s in sources),
        prompt_version=",".join(prompt),
        outputs=[str(report)] if report is not None else [],
    )
    with CompareDisplay() as display:
        result = compare_prompts(
            sources,
            prompt,
            settings,
            CompareOptions(
                models=model or None,
                cassette_dir=cassette_dir,
                record_mode=record_mode,
                repeat=repeat,
                gold_dir=gold,
                on_event=display.update,
            ),
        )
    if run is not None:
        from briefing.cli.exit_codes import exit_code_for_kind
        from briefing.runs.record import comparison_entries, comparison_totals

        run.set(**comparison_totals(result))
        if (run_id := run.begin()) is not None:
            run.log.add_many(comparison_entries(result, run_id, exit_code_for_kind))
    if fail_on:
        # Judged before the reports are written so that they can show the outcome; a
        # failed gate still ends the command (exit 11) only after they are written.
        result.gate = gate_outcome(result, baseline, fail_on)
    render_terminal(result, stderr() if as_json or report_to_stdout else stdout())
    if report is not None:
        html = render_html(result).encode("utf-8")
        if report_to_stdout:
            write_stdout(html)
        else:
            write_file(report, html)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    if result.gate is not None:
        enforce_gate(result.gate)
        notify(f"gate passed: {fail_on}")
