"""Brief many articles in one run: `run_batch(sources, outdir, settings, BatchOptions())`.

Every article goes through the same pipeline as `briefing generate` (`agenerate_brief`),
concurrently. All model calls of all articles share one client, one concurrency limit
(the `concurrency` setting) and one spending limit (`max_cost`, for the whole batch).
A failed article never stops the others; only what would fail every article the same
way (a rejected key, an unknown prompt, the spending limit) stops the batch from
starting more. Each article has a cassette in OUTDIR (record mode `once`, or `record`
with `force`), so rerunning an interrupted batch repeats no call that succeeded, and a
state file, so an article already briefed from the same inputs is not briefed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from briefing.batch.collector import CURRENT_ARTICLE
from briefing.batch.index import summarize, write_index
from briefing.batch.outcome import (
    FINISHED,
    ArticleRun,
    Batch,
    BatchOptions,
    Stage,
)
from briefing.batch.sources import BatchSource, expand
from briefing.batch.state import ArticleState, OutDir
from briefing.batch.transports import CassetteWriter, LiveTally, SharedLimit, WrittenBehind
from briefing.choices import Engine, OutputFormat, RecordMode, Via
from briefing.config import Settings, with_overrides
from briefing.errors import BriefingError, ConfigError, CostLimitError, InputError, PromptError
from briefing.ingest.article import Article, load_article
from briefing.model.cassette import CassetteTransport
from briefing.model.exchange import ChatTransport
from briefing.model.usage import UsageMeter
from briefing.pipeline import GenerateOptions, agenerate_brief, choose_engine
from briefing.schema import SCHEMA_VERSION, BriefDocument

# Failures that every later article would meet the same way: the batch stops starting
# new articles (those in flight finish) and says why.
FATAL = (ConfigError, PromptError, CostLimitError)
SUFFIXES = {OutputFormat.MD: ".md", OutputFormat.HTML: ".html", OutputFormat.PDF: ".pdf"}
SUFFIXES[OutputFormat.JSON] = ".json"


def run_batch(
    sources: Sequence[str], outdir: Path, settings: Settings, options: BatchOptions | None = None
) -> Batch:
    """Brief every source into `outdir` (see `arun_batch`)."""
    return asyncio.run(arun_batch(sources, outdir, settings, options))


async def arun_batch(
    sources: Sequence[str], outdir: Path, settings: Settings, options: BatchOptions | None = None
) -> Batch:
    """Brief every source into `outdir`; write `index.html` and `index.json` there.

    Returns the batch with each article's outcome; raises only for what stops it from
    starting (no sources, an unusable folder or configuration). Cancelled (Ctrl-C), it
    writes the index of what was done before passing the cancellation on.
    """
    options = options or BatchOptions()
    items = expand(sources, outdir)
    if not items:
        raise InputError("no sources given; pass files, folders or URLs, or a list with ⟨from⟩")
    out = OutDir(outdir)
    out.prepare()
    with out.locked():
        runner = _Runner(items, out, settings, options)
        try:
            await runner.run()
        finally:
            runner.close_out()
        return runner.batch


class _Runner:
    def __init__(
        self, items: list[BatchSource], out: OutDir, settings: Settings, options: BatchOptions
    ) -> None:
        self.out = out
        self.settings = settings
        self.options = options
        self.engine = options.engine or choose_engine(settings, cassette=options.cassette_dir)
        if self.engine == Engine.LOCAL:
            from briefing.pipeline import local_settings

            settings = self.settings = local_settings(settings)  # named after the GGUF file
        llm = self.engine in (Engine.LLM, Engine.LOCAL)
        self.version = self._version() if llm else None
        if OutputFormat.PDF in options.formats:
            from briefing.render.pdf import _weasyprint_html

            _weasyprint_html()  # PDF support missing fails now, not once per article
        self.batch = Batch(
            outdir=out.path,
            articles=[ArticleRun(i, source) for i, source in enumerate(items)],
            engine=self.engine,
            model=settings.model if llm else None,
            prompt_version=self.version.id if self.version else None,
            tally=UsageMeter(settings.model),
        )
        # The batch's guard holds max_cost over every article; per article it is off.
        self.article_settings = with_overrides(settings, max_cost=None)
        self._seen_notices: set[str] = set()
        self._owned: Any = None
        self.writer = CassetteWriter()
        self.collector: Any = None
        self.live: ChatTransport | None
        replaying = options.cassette_dir is not None and options.record_mode == RecordMode.REPLAY
        if self.engine == Engine.LLM and options.via == Via.BATCH_API and not replaying:
            self.live = self.collector = self._batch_api_transport()
            # A job takes all of an article's chunks at once: no per-article limit, or
            # its last chunks would wait for a second job.
            self.article_settings = with_overrides(self.article_settings, concurrency=1 << 20)
        else:
            self.live = self._live_transport() if llm else None

    def _version(self) -> Any:
        from briefing.prompts import usable_version

        # Unknown, malformed or edited after release: every article would fail the same way.
        return usable_version(self.options.prompt_version or self.settings.prompt)

    def _live_transport(self) -> ChatTransport | None:
        """The client every article shares, when any call may reach a model."""
        options, settings = self.options, self.settings
        if options.cassette_dir is not None and options.record_mode == RecordMode.REPLAY:
            return None
        from briefing.ingest.chunking import tokenizer_for
        from briefing.model.usage import BudgetGuard

        inner = options.transport
        if inner is None and self.engine == Engine.LOCAL:
            from briefing.model.local import LocalModel

            # One model in memory for every article; it answers one call at a time.
            inner = self._owned = LocalModel(Path(str(settings.model_path)))
        elif inner is None:
            from briefing.model.client import OpenAIChatClient

            inner = self._owned = OpenAIChatClient(settings, notify=self.notice)
        budget = UsageMeter(settings.model, settings.max_cost)
        tokenizer = tokenizer_for(settings)
        guarded = BudgetGuard(
            LiveTally(inner, self.batch.tally), budget, count_tokens=tokenizer.count
        )
        return SharedLimit(guarded, asyncio.Semaphore(settings.concurrency))

    def _batch_api_transport(self) -> ChatTransport:
        """Calls gathered into Batch API jobs (merges too, unless `merge_direct`)."""
        from briefing.batch.batch_api import BatchApi
        from briefing.batch.collector import BatchApiTransport, JobBook

        settings, options = self.settings, self.options
        UsageMeter(settings.model, settings.max_cost)  # an unpriced model with max_cost: now
        api = BatchApi(settings)  # checks what the direct client would, so it cannot fail next
        direct = self._live_transport() if options.merge_direct else None
        return BatchApiTransport(
            api,
            JobBook(self.out.state / "batch-api.json"),
            in_flight=self._in_flight,
            on_wait=self._on_wait,
            on_job=self._on_job,
            tally=self.batch.tally,
            max_cost=settings.max_cost,
            direct=direct,
            poll_interval=options.poll_interval,
            adopt=options.resume_jobs,
        )

    def _in_flight(self) -> set[int]:
        """Articles that may still ask for a call: a job waits for all of them."""
        working = (Stage.QUEUED, Stage.CLEANING, Stage.CALLING, Stage.WAITING)
        return {a.position for a in self.batch.articles if a.stage in working}

    def _on_wait(self, position: int, waiting: bool) -> None:
        article = self.batch.articles[position]
        if waiting:
            article.stage = Stage.WAITING
        elif article.stage == Stage.WAITING:
            article.stage = Stage.CALLING
        self.changed()

    def _on_job(self, job: Any) -> None:
        self.batch.jobs[job.id] = job.status
        if self.options.on_job is not None:
            self.options.on_job(job)

    def notice(self, line: str) -> None:
        """Notices once per batch: thirty articles need not each say the tokenizer is
        approximate."""
        if line not in self._seen_notices and self.options.notify is not None:
            self._seen_notices.add(line)
            self.options.notify(line)

    def changed(self) -> None:
        if self.collector is not None:
            self.collector.poke()
        if self.options.on_change is not None:
            self.options.on_change(self.batch)

    async def run(self) -> None:
        pending = iter(self.batch.articles)
        workers = len(self.batch.articles)
        if self.collector is None:
            # Enough articles in flight to keep every call slot busy while others clean
            # or write; no more, so memory stays flat however long the list. (A Batch API
            # job takes every article's requests at once.)
            workers = min(workers, max(4, 2 * self.settings.concurrency))
        try:
            async with contextlib.AsyncExitStack() as stack:
                if self.collector is not None:
                    await stack.enter_async_context(self.collector.running())
                async with asyncio.TaskGroup() as group:
                    for _ in range(workers):
                        group.create_task(self._work(pending))
        finally:
            for article in self.batch.articles:
                if article.stage == Stage.QUEUED:
                    article.stage = Stage.NOT_STARTED
                    article.reason = self._why_stopped()
                elif article.stage not in FINISHED:
                    article.stage = Stage.INTERRUPTED
                    article.reason = "interrupted; run the batch again to resume"
            close = getattr(self._owned, "aclose", None)
            if close is not None:
                await close()
            for problem in self.writer.close():  # every recorded call is on disk
                self.notice(
                    f"warning: a cassette was not saved ({problem}); its calls may be made again"
                )

    def _why_stopped(self) -> str:
        stopped = self.batch.stopped
        if stopped is None:
            return "interrupted before it started; run the batch again to resume"
        return f"not started: the batch stopped ({stopped.render(self.options.name_option)})"

    async def _work(self, pending: Any) -> None:
        for article in pending:
            if self.batch.stopped is not None:
                article.stage, article.reason = Stage.NOT_STARTED, self._why_stopped()
                self.changed()
                continue
            await self._one(article)

    async def _one(self, article: ArticleRun) -> None:
        CURRENT_ARTICLE.set(article.position)  # which article a Batch API request is for
        started = time.perf_counter()
        doc: BriefDocument | None = None
        try:
            doc = await self._brief(article)
            article.summary = summarize(doc)
        except BriefingError as exc:
            article.stage, article.error = Stage.FAILED, exc
            article.reason = exc.render(self.options.name_option)
            if isinstance(exc, FATAL) and self.batch.stopped is None:
                self.batch.stopped = exc
        except Exception as exc:  # one article's bug must not cost the others
            if self.options.debug:
                traceback.print_exc()
            article.stage = Stage.FAILED
            article.reason = f"unexpected {type(exc).__name__}: {exc} (please report it)"
        finally:
            article.seconds = round(time.perf_counter() - started, 3)
            if article.stage in FINISHED and self.options.on_finish is not None:
                self.options.on_finish(article, doc)
            self.changed()

    async def _brief(self, article: ArticleRun) -> BriefDocument:
        source, settings = article.source, self.settings
        article.stage = Stage.CLEANING
        self.changed()
        # URLs are fetched and pages parsed in a thread, so calls in flight keep flowing.
        loaded = await asyncio.to_thread(
            load_article,
            source.text,
            max_bytes=settings.max_bytes,
            timeout=settings.fetch_timeout,
        )
        article.title = loaded.title
        article.name = self.out.name_for(source, loaded.title)
        key = self._resume_key(loaded)
        earlier = None if self.options.force else await asyncio.to_thread(self.out.load, source)
        if earlier is not None and earlier.key == key:
            article.outputs = await asyncio.to_thread(
                self._write, article, earlier.document, key, earlier
            )
            article.stage = Stage.UNCHANGED
            return earlier.document
        article.stage = Stage.CALLING
        self.changed()
        doc = await agenerate_brief(loaded, self.article_settings, self._generate_options(article))
        article.stage = Stage.WRITING
        self.changed()
        article.outputs = await asyncio.to_thread(self._write, article, doc, key, None)
        article.stage = Stage.DONE
        return doc

    def _generate_options(self, article: ArticleRun) -> GenerateOptions:
        options = self.options
        cassette, mode, transport = None, RecordMode.OFF, self.live
        if self.engine in (Engine.LLM, Engine.LOCAL):
            version = self.version.id if self.version else ""
            if options.cassette_dir is not None and options.record_mode != RecordMode.OFF:
                cassette = _compare_cassette(
                    options.cassette_dir, article.source.stem, version, self.settings.model
                )
                mode = options.record_mode
            else:
                transport = self._resume_cassette(article)

        def progress(update: Any) -> None:
            # Calls done of planned; `token_progress` is off, so no per-token events come.
            article.calls_done, article.calls_total = update.done, update.total
            self.changed()

        return GenerateOptions(
            prompt_version=self.version.id if self.version else None,
            engine=self.engine,
            cassette=cassette,
            record_mode=mode,
            strict_grounding=options.strict_grounding,
            transport=transport,
            progress=progress,
            token_progress=False,
            notify=self.notice,
        )

    def _resume_cassette(self, article: ArticleRun) -> ChatTransport:
        """The article's own cassette in OUTDIR, in front of the shared transport: calls
        it answered before are replayed, new ones recorded (all again with `force`)."""
        path = self.out.cassette(article.source)
        try:
            cassette = WrittenBehind.open(path, self.writer)
        except ConfigError:
            # Unreadable (a write cut short by a power cut): it only costs the calls again.
            self.notice(f"note: {path} was unreadable; its calls are made again")
            cassette = WrittenBehind(path, writer=self.writer)
        mode = RecordMode.RECORD if self.options.force else RecordMode.ONCE
        return CassetteTransport(cassette, mode, self.live)

    def _resume_key(self, article: Article) -> dict[str, Any]:
        """What a brief depends on: if all of it is unchanged, so is the brief."""
        from briefing.prompts import rendering_fingerprint

        version = self.version
        return {
            "source_sha256": article.sha256,
            "engine": str(self.engine),
            "model": self.settings.model if version else None,
            "prompt_version": version.id if version else None,
            "prompt_hash": version.sha256 if version else None,
            "prompt_fingerprint": rendering_fingerprint(version) if version else None,
            "schema_version": SCHEMA_VERSION,
            "strict_grounding": self.options.strict_grounding,
        }

    def _write(
        self,
        article: ArticleRun,
        doc: BriefDocument,
        key: dict[str, Any],
        earlier: ArticleState | None,
    ) -> dict[str, str]:
        """Write the brief in every chosen format (an unchanged one only where its file
        is missing), then the article's state: the state last, so it never names a file
        that was not written."""
        from briefing.files import write_atomically
        from briefing.render.formats import render

        assert article.name is not None
        outputs = dict(earlier.outputs) if earlier else {}
        for fmt in self.options.formats:
            file = f"{article.name}{SUFFIXES[fmt]}"
            if (
                earlier is not None
                and outputs.get(fmt) == file
                and (self.out.path / file).is_file()
            ):
                continue
            write_atomically(self.out.path / file, render(doc, fmt))
            outputs[str(fmt)] = file
        state = ArticleState(key=key, name=article.name, outputs=outputs, document=doc)
        if earlier is None or outputs != earlier.outputs:
            self.out.save(article.source, state)
        return {fmt: outputs[fmt] for fmt in map(str, self.options.formats)}

    def close_out(self) -> None:
        """Names and the index, whatever happened: a partial run's index shows what was
        done and what was not."""
        self.out.save_names()
        write_index(self.batch)


def _compare_cassette(folder: Path, stem: str, version: str, model: str) -> Path:
    """The cassette `compare` keeps for this article and version, so its cassettes replay
    here too: the one named after the model (`<article>.<version>.<model>.json`, as
    `compare --model` records) when it exists, else `<article>.<version>.json`."""
    from briefing.compare.result import Variant
    from briefing.compare.run import cassette_name

    named = folder / cassette_name(stem, Variant(label=version, version=version, model=model))
    return named if named.is_file() else folder / f"{stem}.{version}.json"
