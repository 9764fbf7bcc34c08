"""Screenshots for the README, from the shipped examples: `python docs/screenshots.py`.

Writes docs/compare.png (the comparison report of prompt versions v2 and v3 and the
offline engine, replayed from the real recordings in cassettes/, with gold files and a
gate) and docs/brief.png (the brief page of the sample article, replayed from the real
v3 recording). Nothing reaches a network: the briefs come from cassettes and the pages
are opened from files by the system's Chromium (`apt-get install chromium`) through
Playwright (`pip install -e '.[dev]'`).
"""

from __future__ import annotations

import base64
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's package, whichever interpreter runs it

from briefing.choices import RecordMode, TokenizerMode  # noqa: E402
from briefing.compare.gate import gate_outcome  # noqa: E402
from briefing.compare.report_html import render_html  # noqa: E402
from briefing.compare.run import CompareOptions, compare_prompts  # noqa: E402
from briefing.config import Settings  # noqa: E402
from briefing.ingest.article import load_article  # noqa: E402
from briefing.pipeline import GenerateOptions, generate_brief  # noqa: E402
from briefing.render.formats import render  # noqa: E402

MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"  # the model the shipped recordings are from
SAMPLE = ROOT / "examples" / "aleppo-offensive.txt"
# The offline tokenizer: counting tokens must not try to download one.
SETTINGS = Settings(model=MODEL, tokenizer=TokenizerMode.OFFLINE, run_log=False)
# The README's example gate, against v2.
BASELINE, RULES = "v2", "grounding_rate<0.95,actor_recall<baseline-0.05"


def comparison_page() -> str:
    result = compare_prompts(
        [Path("examples")],
        ["v2", "v3", "extractive"],
        SETTINGS,
        CompareOptions(
            models=[MODEL], cassette_dir=Path("cassettes"), gold_dir=Path("examples", "gold")
        ),
    )
    result.gate = gate_outcome(result, BASELINE, RULES)
    return render_html(result)


def brief_page() -> bytes:
    article = load_article(str(SAMPLE.relative_to(ROOT)))
    doc = generate_brief(
        article,
        SETTINGS,
        GenerateOptions(
            prompt_version="v3",
            cassette=ROOT / "cassettes" / f"{SAMPLE.stem}.v3.{MODEL}.json",
            record_mode=RecordMode.REPLAY,
        ),
    )
    return render(doc, "html")


def compare_shot(page: Any, url: str) -> bytes:
    """The report's top (gate, models, toolbar) above the first article's briefs side by
    side as a reader sees them after filtering and searching: one picture of the parts
    a prompt engineer works in, composed in the browser itself."""
    page.goto(url)
    page.check("#f-differ")
    page.fill("#search", "HTS")
    bottom = page.locator("#toolbar").bounding_box()
    top = page.screenshot(clip={"x": 0, "y": 0, "width": 1280, "height": bottom["y"] + 70})
    page.locator("section.article .side").first.evaluate(
        "side => window.scrollTo(0, side.getBoundingClientRect().top + window.scrollY - 90)"
    )
    briefs = page.screenshot(clip={"x": 0, "y": 0, "width": 1280, "height": 900})
    images = "".join(
        f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}">'
        for png in (top, briefs)
    )
    page.set_content(
        "<style>body{margin:0;background:#8a99a8}img{display:block;margin-bottom:6px}</style>"
        + images
    )
    shot: bytes = page.screenshot(full_page=True)
    return shot


def main() -> int:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        print("no Chromium found: apt-get install chromium", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    # Paths as the README's commands give them, not this machine's.
    os.chdir(ROOT)
    # The pages are built before Playwright starts: its synchronous API keeps an event
    # loop running in this thread, where the comparison's asyncio.run() could not start.
    compare_html, brief_html = comparison_page(), brief_page()
    out = ROOT / "docs"
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        (Path(tmp) / "compare.html").write_text(compare_html, encoding="utf-8")
        (Path(tmp) / "brief.html").write_bytes(brief_html)
        browser = playwright.chromium.launch(executable_path=executable)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        (out / "compare.png").write_bytes(compare_shot(page, (Path(tmp) / "compare.html").as_uri()))
        # A short viewport: the full-page shot is as tall as the brief, no taller.
        page.set_viewport_size({"width": 900, "height": 400})
        page.goto((Path(tmp) / "brief.html").as_uri())
        page.screenshot(path=str(out / "brief.png"), full_page=True)
        browser.close()
    for name in ("compare.png", "brief.png"):
        print(f"wrote docs/{name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
