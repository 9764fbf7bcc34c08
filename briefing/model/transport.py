"""The transport chain a generation talks to: cassette, then spending guard, then client.

Built once per run from the settings and the caller's choices; the rest of the package
sees only a `ChatTransport`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from briefing.choices import RecordMode
from briefing.config import Settings
from briefing.errors import ConfigError
from briefing.model.cassette import Cassette, CassetteTransport
from briefing.model.exchange import ChatTransport
from briefing.model.usage import BudgetGuard, UsageMeter


def open_transport(
    settings: Settings,
    *,
    cassette_path: Path | None,
    record_mode: RecordMode,
    origin: str | None,
    transport: ChatTransport | None,
    notify: Callable[[str], None],
    meter: UsageMeter | None = None,
    count_tokens: Callable[[str], int] | None = None,
    local_model: Path | None = None,
    on_tokens: Callable[[str, int, float], None] | None = None,
) -> tuple[ChatTransport, ChatTransport | None]:
    """The transport chain and the client this run owns (to close), if it opened one.

    The guard (`BudgetGuard`, given a `meter`) wraps only what reaches a model: the
    client opened here, or a transport the caller passes in. A caller's
    `CassetteTransport` is the exception: its replays cost nothing, so only the
    transport it records through is guarded (in an equivalent CassetteTransport over
    the same cassette).
    """

    def guarded(live: ChatTransport | None) -> ChatTransport | None:
        if live is None or meter is None:
            return live
        if isinstance(live, CassetteTransport):
            inner = guarded(live.inner)
            return CassetteTransport(live.cassette, live.mode, inner, origin=live.origin)
        return BudgetGuard(live, meter, count_tokens=count_tokens)

    # The cassette first: an unreadable one fails before any client is opened.
    cassette = (
        None
        if cassette_path is None
        else Cassette.load(cassette_path, must_exist=record_mode == RecordMode.REPLAY)
    )
    own: ChatTransport | None = None
    needs_live = cassette is None or record_mode in (RecordMode.RECORD, RecordMode.ONCE)
    if transport is None and needs_live and local_model is not None:
        from briefing.model.local import LocalModel

        own = LocalModel(local_model, on_tokens=on_tokens)
    elif transport is None and needs_live and settings.model_configured:
        from briefing.model.client import OpenAIChatClient

        own = OpenAIChatClient(settings, notify=notify, on_tokens=on_tokens)
    inner = guarded(transport or own)
    if cassette is None:
        if inner is None:
            raise ConfigError(
                "no model is configured; set OPENAI_API_KEY (OpenAI), or ⟨base_url⟩ "
                "http://localhost:11434/v1 (Ollama, vLLM, llama.cpp), or replay a cassette "
                "with ⟨cassette⟩ FILE, or use ⟨engine⟩ extractive"
            )
        return inner, own
    return CassetteTransport(cassette, record_mode, inner, origin=origin), own


async def close_transport(owned: ChatTransport | None) -> None:
    """Close a client `open_transport` opened (a transport the caller passed is theirs)."""
    close = getattr(owned, "aclose", None)
    if close is not None:
        await close()
