"""briefing: turn news articles into trustworthy one-page situation briefs.

The public entry points are imported lazily so that `import briefing` stays cheap
(the CLI's start-up time matters).
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
