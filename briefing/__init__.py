"""briefing: turn news articles into trustworthy one-page situation briefs.

The public API, imported lazily so that `import briefing` (and the CLI's start-up)
stays cheap:

    from briefing import load_article, generate_brief, render_brief
    article = load_article("article.txt")
    document = generate_brief(article)          # extractive without a model configured
    html = render_brief(document, "html")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> the module that defines it.
_EXPORTS = {
    "load_article": "briefing.ingest.article",
    "Article": "briefing.ingest.article",
    "resolve_settings": "briefing.config",
    "Settings": "briefing.config",
    "generate_brief": "briefing.pipeline",
    "agenerate_brief": "briefing.pipeline",
    "GenerateOptions": "briefing.pipeline",
    "compare_prompts": "briefing.compare.run",
    "acompare_prompts": "briefing.compare.run",
    "CompareOptions": "briefing.compare.run",
    "render_brief": "briefing.render.formats",
    "load_document": "briefing.render.document",
    "Brief": "briefing.schema",
    "BriefDocument": "briefing.schema",
    "errors": "briefing.errors",
}
# Names whose definition is called something else in its module.
_RENAMED = {"render_brief": "render"}

__all__ = [
    "Article",
    "Brief",
    "BriefDocument",
    "CompareOptions",
    "GenerateOptions",
    "Settings",
    "__version__",
    "acompare_prompts",
    "agenerate_brief",
    "compare_prompts",
    "errors",
    "generate_brief",
    "load_article",
    "load_document",
    "render_brief",
    "resolve_settings",
]

if TYPE_CHECKING:
    from briefing import errors
    from briefing.compare.run import CompareOptions, acompare_prompts, compare_prompts
    from briefing.config import Settings, resolve_settings
    from briefing.ingest.article import Article, load_article
    from briefing.pipeline import GenerateOptions, agenerate_brief, generate_brief
    from briefing.render.document import load_document
    from briefing.render.formats import render as render_brief
    from briefing.schema import Brief, BriefDocument


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'briefing' has no attribute {name!r}")
    module = importlib.import_module(_EXPORTS[name])
    value = module if name == "errors" else getattr(module, _RENAMED.get(name, name))
    globals()[name] = value
    return value
