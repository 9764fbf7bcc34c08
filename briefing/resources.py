"""Locate the data directories (prompts/, schemas/) from a checkout or an installed wheel.

In a checkout they sit beside the package; the wheel carries them inside the package
as `briefing/_data/` (see `force-include` in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the directory `name` ("prompts" or "schemas"), preferring a checkout's copy."""
    checkout = _PACKAGE_DIR.parent / name
    if checkout.is_dir() and (_PACKAGE_DIR.parent / "pyproject.toml").is_file():
        return checkout
    return _PACKAGE_DIR / "_data" / name


def templates_dir(concern: str) -> Path:
    """The Jinja templates of one folder of the package ("render" or "compare")."""
    return _PACKAGE_DIR / concern / "templates"
