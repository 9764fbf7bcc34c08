"""What a batch is made of as it runs: the stages of an article, each article's
outcome, the options, and the batch itself (what the progress display, the run log and
the index read)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from briefing.batch.index import ArticleSummary
from briefing.batch.sources import BatchSource
from briefing.choices import Engine, OutputFormat, RecordMode, Via
from briefing.errors import BriefingError
from briefing.model.exchange import ChatTransport
from briefing.model.usage import UsageMeter
from briefing.schema import BriefDocument


class Stage(StrEnum):
    QUEUED = "queued"
    CLEANING = "cleaning"
    CALLING = "calling"
    WAITING = "waiting"  # its requests are in a Batch API job
    WRITING = "writing"
    DONE = "done"
    UNCHANGED = "unchanged"  # briefed earlier from the same inputs: not briefed again
    FAILED = "failed"
    NOT_STARTED = "not started"  # the batch stopped (spending limit, bad key) or was interrupted
    INTERRUPTED = "interrupted"


SUCCEEDED = frozenset({Stage.DONE, Stage.UNCHANGED})
FINISHED = SUCCEEDED | {Stage.FAILED, Stage.NOT_STARTED, Stage.INTERRUPTED}


@dataclass
class ArticleRun:
    """One article of the batch, as it goes."""

    position: int
    source: BatchSource
    stage: Stage = Stage.QUEUED
    name: str | None = None
    title: str | None = None
    calls_done: int = 0
    calls_total: int = 0
    reason: str | None = None  # why it failed or was not started
    error: BriefingError | None = None
    summary: ArticleSummary | None = None
    outputs: dict[str, str] = field(default_factory=dict)  # format -> file name in OUTDIR
    seconds: float = 0.0

    @property
    def succeeded(self) -> bool:
        return self.stage in SUCCEEDED


@dataclass
class BatchOptions:
    """How a batch runs, beyond the sources, the folder and the settings."""

    formats: Sequence[OutputFormat] = (OutputFormat.HTML, OutputFormat.JSON)
    force: bool = False  # brief every article again, calling the model again
    prompt_version: str | None = None
    engine: Engine | None = None
    cassette_dir: Path | None = None  # replay `<stem>.<version>.json` cassettes from here
    record_mode: RecordMode = RecordMode.REPLAY  # how `cassette_dir` is used
    strict_grounding: bool = False
    transport: ChatTransport | None = None  # instead of the live client (tests)
    via: Via = Via.DIRECT
    merge_direct: bool = False  # with the Batch API: merges and repairs as direct calls
    resume_jobs: Sequence[str] = ()  # Batch API jobs to look in before making a new one
    poll_interval: float = 30.0  # seconds between looks at a running Batch API job
    on_job: Callable[[Any], None] | None = None  # a Batch API job was made or changed
    on_change: Callable[[Batch], None] | None = None  # an article changed stage or progress
    on_finish: Callable[[ArticleRun, BriefDocument | None], None] | None = None
    notify: Callable[[str], None] | None = None
    name_option: Callable[[str], str] = str  # how failure reasons name settings
    debug: bool = False  # print the traceback of an article's unexpected failure


@dataclass
class Batch:
    """The batch as it runs: what the progress display and the index read."""

    outdir: Path
    articles: list[ArticleRun]
    engine: Engine
    model: str | None
    prompt_version: str | None
    tally: UsageMeter  # live calls: what this run spends
    stopped: BriefingError | None = None
    jobs: dict[str, str] = field(default_factory=dict)  # Batch API job id -> last status
    started: float = field(default_factory=time.perf_counter)

    def count(self, *stages: Stage) -> int:
        return sum(1 for a in self.articles if a.stage in stages)

    @property
    def succeeded(self) -> int:
        return self.count(*SUCCEEDED)
