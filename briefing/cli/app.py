"""The `briefing` command: a thin Typer layer over the library.

Commands live one concern per module (`articles`, `generate`, `compare`,
`maintenance`); this module assembles them and holds the single error boundary. Heavy
libraries (openai, trafilatura, WeasyPrint) are imported by the library functions that
need them, so `briefing --help` stays fast.
"""

from __future__ import annotations

import traceback
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from briefing.cli import articles, batch, compare, config_cmd, generate, maintenance, runs
from briefing.cli.console import stderr
from briefing.cli.exit_codes import (
    EXIT_CODES,
    INTERNAL_ERROR,
    INTERRUPTED,
    SUCCESS,
    exit_code_for,
)
from briefing.cli.options import DebugOpt, flag
from briefing.cli.runlog import finish_runs
from briefing.errors import BriefingError


class _ErrorBoundary(TyperGroup):
    """The single error boundary: a BriefingError becomes one line on stderr (its options
    named by their flags) and its documented exit code; anything unexpected becomes exit 1.
    With --debug the traceback is printed too, and the exit code stays the same."""

    def invoke(self, ctx: Any) -> Any:  # typer re-exports click's Context under a private path
        debug = bool(ctx.params.get("debug"))
        # How the command ended, for its row in the run log (`finish_runs`).
        code, error = SUCCESS, None
        try:
            return super().invoke(ctx)
        except BriefingError as exc:
            if debug:
                traceback.print_exc()
            code, error = exit_code_for(exc), exc.render(flag)
            stderr().print(f"error: {error}", markup=False, soft_wrap=True)
            raise typer.Exit(code) from None
        except typer.Exit as exc:
            code = exc.exit_code
            raise
        except (typer.Abort, KeyboardInterrupt):
            code, error = INTERRUPTED, "interrupted"
            raise
        except typer.TyperException:
            raise
        except Exception as exc:
            if type(exc).__module__.startswith(("typer", "click")):
                raise
            if debug:
                traceback.print_exc()
            code, error = INTERNAL_ERROR, f"unexpected {type(exc).__name__}: {exc}"
            stderr().print(
                f"error: {error} (rerun with --debug and report it)", markup=False, soft_wrap=True
            )
            raise typer.Exit(INTERNAL_ERROR) from None
        finally:
            finish_runs(code, error)


app = typer.Typer(
    cls=_ErrorBoundary,
    name="briefing",
    help="Turn a news article into a one-page situation brief with verified evidence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    # Eager: runs while the options are parsed, so `briefing --version` needs no command.
    if value:
        from briefing import __version__

        typer.echo(f"briefing {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: DebugOpt = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            help="Print the version and exit.",
            is_eager=True,
            callback=_print_version,
            expose_value=True,
        ),
    ] = False,
) -> None:
    """Global options; --debug is read by the error boundary before any command runs."""


app.command()(articles.inspect)
app.command()(articles.chunk)
app.command()(generate.generate)
app.command("render")(generate.render_command)
app.command()(batch.batch)
app.command()(compare.compare)
app.command()(maintenance.schema)
app.command("config")(config_cmd.config)
app.add_typer(maintenance.prompts_app, name="prompts")
app.add_typer(maintenance.cassettes_app, name="cassettes")
app.add_typer(runs.runs_app, name="runs")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="briefing")


__all__ = ["app", "main", "EXIT_CODES"]
