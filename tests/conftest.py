"""Shared fixtures. The gazetteer cache goes under .pytest_cache so test runs never touch
the user's cache and later runs reuse the build (about 20 s once on a fresh machine)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("DATELINE_CACHE", str(ROOT / ".pytest_cache" / "dateline"))

SHARED = ROOT.parent / "shared"
EXAMPLES = ROOT / "examples"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test when the evaluation data is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"evaluation data not available: {p}")
    return p


@pytest.fixture(scope="session")
def gazetteer():
    from dateline.resolve.gazetteer import default_gazetteer

    return default_gazetteer()


@pytest.fixture(scope="session")
def kb():
    from dateline.resolve.actors import default_kb

    return default_kb()
