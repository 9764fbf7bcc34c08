"""Token-aware chunking: budgets, boundaries, spans, overlap, offline encoding."""

from __future__ import annotations

import re

import pytest

from briefing.ingest.chunking import OFFLINE_ENCODING, Tokenizer, chunk_text, resolve_tokenizer
from tests.fixtures import EXAMPLES


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    resolve_tokenizer.cache_clear()
    return resolve_tokenizer("gpt-4o-mini")


def test_offline_falls_back_to_bundled_encoding_with_notice(tokenizer: Tokenizer) -> None:
    # The network guard makes tiktoken's download fail, as on an offline machine.
    assert tokenizer.encoding_name == OFFLINE_ENCODING
    assert tokenizer.approximate
    assert tokenizer.notice is not None and "approximate" in tokenizer.notice
    assert "\n" not in tokenizer.notice
    assert tokenizer.count("hello world") == 2


def test_offline_mode_never_tries_to_download(monkeypatch: pytest.MonkeyPatch) -> None:
    import briefing.ingest.chunking as chunking

    requested: list[str] = []
    real = chunking._load_encoding
    monkeypatch.setattr(
        chunking, "_load_encoding", lambda name: requested.append(name) or real(name)
    )
    resolve_tokenizer.cache_clear()
    tok = resolve_tokenizer("gpt-4o-mini", offline=True)
    assert requested == [OFFLINE_ENCODING]
    assert tok.approximate and tok.notice and "offline" in tok.notice


def test_unknown_model_is_approximate() -> None:
    resolve_tokenizer.cache_clear()
    tok = resolve_tokenizer("llama3.1:8b")
    assert tok.approximate and tok.notice


def test_short_text_is_one_chunk_covering_everything(tokenizer: Tokenizer) -> None:
    text = "One paragraph.\n\nAnother paragraph here."
    chunks = chunk_text(text, tokenizer, max_tokens=100, overlap=10)
    assert len(chunks) == 1
    assert (chunks[0].start, chunks[0].end) == (0, len(text))
    assert chunks[0].tokens == tokenizer.count(text)


def test_chunks_respect_budget_spans_and_paragraph_boundaries(tokenizer: Tokenizer) -> None:
    text = (EXAMPLES / "dalmar-corridor-report.md").read_text(encoding="utf-8")
    chunks = chunk_text(text, tokenizer, max_tokens=300, overlap=0)
    assert len(chunks) > 3
    for c in chunks:
        assert c.tokens <= 300
        assert text[c.start : c.end] == c.text
        # Without overlap and with paragraphs under budget, chunks start at paragraph starts.
        assert c.start == 0 or text[c.start - 2 : c.start] == "\n\n"
    # Together the chunks cover every paragraph of the text.
    covered = "".join(text[c.start : c.end] for c in chunks)
    assert re.sub(r"\s+", "", covered) == re.sub(r"\s+", "", text)


def test_overlap_repeats_tail_of_previous_chunk(tokenizer: Tokenizer) -> None:
    sentences = [f"Sentence number {i} says something short." for i in range(60)]
    text = "\n\n".join(" ".join(sentences[i : i + 2]) for i in range(0, 60, 2))
    chunks = chunk_text(text, tokenizer, max_tokens=80, overlap=30)
    assert len(chunks) > 2
    for previous, current in zip(chunks, chunks[1:], strict=False):
        assert current.start < previous.end  # overlapping spans
        assert current.tokens <= 80


def test_long_paragraph_splits_at_sentences_never_mid_word(tokenizer: Tokenizer) -> None:
    paragraph = " ".join(f"The convoy number {i} reached the checkpoint today." for i in range(80))
    chunks = chunk_text(paragraph, tokenizer, max_tokens=50, overlap=0)
    assert len(chunks) > 5
    for c in chunks:
        assert c.tokens <= 50
        assert c.text.endswith(".")  # sentence boundary
        assert c.start == 0 or paragraph[c.start - 1] == " "


def test_sentence_longer_than_budget_splits_at_words(tokenizer: Tokenizer) -> None:
    words = [f"word{i}" for i in range(400)]
    text = " ".join(words)
    chunks = chunk_text(text, tokenizer, max_tokens=40, overlap=0)
    assert len(chunks) > 5
    rebuilt = " ".join(c.text for c in chunks).split()
    assert rebuilt == words  # no word was cut


def test_invalid_settings_are_rejected(tokenizer: Tokenizer) -> None:
    with pytest.raises(ValueError):
        chunk_text("x", tokenizer, max_tokens=10, overlap=10)
    assert chunk_text("", tokenizer, max_tokens=10) == []
