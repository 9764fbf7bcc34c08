"""Options shared by several commands, declared once.

Each names its setting's environment variable and default in its help; the values
resolve in `briefing.config` (flag > environment > config file > default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from briefing.choices import OutputFormat, RecordMode

SourceArg = Annotated[
    str, typer.Argument(help="Article: a .txt/.md/.html file, '-' for stdin, or an http(s) URL.")
]
MaxBytesOpt = Annotated[
    int | None,
    typer.Option(
        "--max-bytes",
        help="Largest article accepted, in bytes [env BRIEFING_MAX_BYTES; default 5 MiB].",
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option("--model", "-m", help="Model name [env BRIEFING_MODEL; default gpt-4o-mini]."),
]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="OpenAI-compatible endpoint [env BRIEFING_BASE_URL / OPENAI_BASE_URL].",
    ),
]
ConcurrencyOpt = Annotated[
    int | None, typer.Option("--concurrency", help="Parallel model calls [default 4].")
]
ChunkTokensOpt = Annotated[
    int | None,
    typer.Option(
        "--chunk-tokens", help="Max tokens per chunk [env BRIEFING_CHUNK_TOKENS; default 3000]."
    ),
]
OverlapOpt = Annotated[
    int | None,
    typer.Option(
        "--chunk-overlap",
        help="Tokens of overlap between chunks [env BRIEFING_CHUNK_OVERLAP; default 150].",
    ),
]
FormatOpt = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        case_sensitive=False,
        help="Output format (default: from -o's suffix, else md).",
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Output file (written atomically). Default: stdout."),
]
RecordModeOpt = Annotated[
    RecordMode,
    typer.Option(
        "--record-mode",
        case_sensitive=False,
        help="How the cassette is used: replay, record, once or off.",
    ),
]
KeepSuspiciousOpt = Annotated[
    bool,
    typer.Option(
        "--keep-suspicious",
        help="Keep paragraphs addressed to automated readers ('ignore previous instructions', "
        "notes to AI summarisers); by default they are removed and listed by inspect.",
    ),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")]


def flag(name: str) -> str:
    """The command-line flag of a setting or option named in a library message."""
    return "--" + name.replace("_", "-")
