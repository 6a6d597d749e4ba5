"""Web UI and JSON API over a dateline store, served by ``dateline serve``.

Kept apart from the pipeline so that FastAPI and Jinja2 are imported only when serving.
"""

from __future__ import annotations

from dateline.web.app import create_app

__all__ = ["create_app"]
