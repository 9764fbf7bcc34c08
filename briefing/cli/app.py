"""The `briefing` command: a thin Typer layer over the library.

Commands live one concern per module (`articles`, `generate`, `compare`,
`maintenance`); this module assembles them and holds the single error boundary. Heavy
libraries (openai, trafilatura, WeasyPrint) are imported by the library functions that
need them, so `briefing --help` stays fast.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Annotated, Any, NoReturn

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
from briefing.errors import BriefingError, OutputError


class _ErrorBoundary(TyperGroup):
    """The single error boundary: a BriefingError becomes one line on stderr (its options
    named by their flags) and its documented exit code; anything unexpected becomes exit 1.
    With --debug the traceback is printed too, and the exit code stays the same."""

    def invoke(self, ctx: Any) -> Any:  # typer re-exports click's Context under a private path
        debug = bool(ctx.params.get("debug"))
        # How the command ended, for its row in the run log (`finish_runs`).
        code, error = SUCCESS, None
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # a reader that left shows up here, inside the boundary
            return result
        except BriefingError as exc:
            code, error = exit_code_for(exc), exc.render(flag)
            _fail(exc, debug)
        except BrokenPipeError:
            # The reader chose to stop (`| head -1`): stop quietly, as git and coreutils
            # do, but with the documented code, since the output is incomplete.
            _detach_stdout()
            closed = OutputError(_CLOSED_STDOUT)
            code, error = exit_code_for(closed), _CLOSED_STDOUT
            if debug:
                _fail(closed, debug)
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


_CLOSED_STDOUT = (
    "standard output was closed before everything was written (the program reading it "
    "stopped early), so the output is incomplete; let the reader take all of it, or "
    "redirect it to a file"
)


def _fail(exc: BriefingError, debug: bool) -> NoReturn:
    if debug:
        traceback.print_exc()
    stderr().print(f"error: {exc.render(flag)}", markup=False, soft_wrap=True)
    raise typer.Exit(exit_code_for(exc)) from None


def _detach_stdout() -> None:
    """Point standard output at /dev/null once its reader is gone, so the interpreter's
    final flush does not fail again (the Python documentation's advice for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real descriptor (an in-process test runner)
        pass


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
