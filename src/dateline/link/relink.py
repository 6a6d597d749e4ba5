"""Re-link a store: read its events and the analysts' constraints, link, write back.

Wiring only (like ``pipeline.py``): the linking itself is the pure :func:`dateline.link.dedup.link`
and every read and write is a store method.
"""

from __future__ import annotations

from typing import Any

from dateline.link.dedup import Constraints, Embedder, link
from dateline.link.sources import inputs_from_records


def relink_store(store: Any, *, embedder: Embedder | None = None) -> tuple[list[dict], int]:
    """(incidents written, candidate pairs compared). Must-link and cannot-link decisions
    recorded by ``merge_incidents``/``split_event`` are applied, so they survive. A
    backend without analyst decisions (no ``link_constraints``) links by the rules alone."""
    records = [ev.model_dump(mode="json") for ev in store.iter_events()]
    read_constraints = getattr(store, "link_constraints", None)
    must, cannot = read_constraints() if read_constraints is not None else (set(), set())
    incidents, pairs = link(inputs_from_records(records), constraints=Constraints(must, cannot), embedder=embedder)
    store.replace_incidents(incidents)
    return incidents, pairs
