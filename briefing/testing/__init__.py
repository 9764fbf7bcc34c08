"""Test doubles that ship with the package, for tests, benchmarks and recorders.

`StubServer` is a scriptable OpenAI-compatible server on 127.0.0.1; `answers` builds
hand-written model answers. Nothing here is imported by the rest of the package.
"""

from briefing.testing.answers import answer_for, minimal_brief_json, partial_brief_json
from briefing.testing.replies import STUB_MODEL, RecordedRequest, Reply
from briefing.testing.stub_server import StubServer

__all__ = [
    "STUB_MODEL",
    "RecordedRequest",
    "Reply",
    "StubServer",
    "answer_for",
    "minimal_brief_json",
    "partial_brief_json",
]
