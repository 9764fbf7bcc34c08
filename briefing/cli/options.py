"""Options shared by several commands, declared once.

Each names its setting's environment variable and default in its help; the values
resolve in `briefing.config` (flag > environment > config file > default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from briefing.choices import Engine, LanguageDetector, OutputFormat, RecordMode

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


def complete_prompt(incomplete: str) -> list[str]:
    """Shell completion of --prompt: the prompt versions there are."""
    from briefing.prompts import list_versions

    return [v for v in list_versions() if v.startswith(incomplete)]


def complete_compared(incomplete: str) -> list[str]:
    """Shell completion of compare's --prompt: versions, and the offline engine."""
    return [v for v in [*complete_prompt(""), "extractive"] if v.startswith(incomplete)]


PromptOpt = Annotated[
    str | None,
    typer.Option(
        "--prompt",
        "-p",
        help="Prompt version [env BRIEFING_PROMPT; default v3].",
        autocompletion=complete_prompt,
    ),
]
EngineOpt = Annotated[
    Engine | None,
    typer.Option(
        "--engine",
        case_sensitive=False,
        help="llm (a model server), local (a GGUF file in this process, with "
        "--model-path), extractive (offline, no model) or auto (a model if configured, "
        "else extractive) [env BRIEFING_ENGINE].",
    ),
]
ModelPathOpt = Annotated[
    Path | None,
    typer.Option(
        "--model-path",
        help="GGUF model file for --engine local (needs briefing[local]) "
        "[env BRIEFING_MODEL_PATH].",
    ),
]
ApiKeyEnvOpt = Annotated[
    str | None,
    typer.Option(
        "--api-key-env",
        help="Name of the env var holding the API key [default OPENAI_API_KEY].",
    ),
]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        help="Seconds per model call [default 60; none for a server on this machine "
        "or the local engine].",
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
NoLogOpt = Annotated[
    bool,
    typer.Option(
        "--no-log",
        help="Do not record this run in the run log [env BRIEFING_RUN_LOG=0 turns it off].",
    ),
]
BriefLanguageOpt = Annotated[
    str | None,
    typer.Option(
        "--brief-language",
        help="Language the brief is written in, as a code or name (fr, French); evidence "
        "quotes stay in the article's language [env BRIEFING_BRIEF_LANGUAGE; default English].",
    ),
]
LanguageDetectorOpt = Annotated[
    LanguageDetector | None,
    typer.Option(
        "--language-detector",
        case_sensitive=False,
        help="What names the article's language: builtin, or lingua (briefing[lingua]; "
        "better on short texts, slow to load) [env BRIEFING_LANGUAGE_DETECTOR].",
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
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print the result as JSON (shapes in the README).")
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")]


def flag(name: str) -> str:
    """The command-line flag of a setting or option named in a library message."""
    return "--" + name.replace("_", "-")
