"""Re-link a store: read its events and the analysts' constraints, link, write back.

Wiring only (like ``pipeline.py``): the linking itself is the pure :func:`dateline.link.dedup.link_groups`
and every read and write is a store method. Memory stays bounded by the events' link
fields: events stream from the store straight into :class:`~dateline.link.dedup.LinkInput`
(``iter_link_records`` where the store has it: only the columns linking reads), and
incidents stream back into the store's transaction one at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dateline.link.dedup import Constraints, Embedder, iter_incidents, link_groups
from dateline.link.sources import iter_inputs


def _records(store: Any) -> Iterator[dict]:
    light = getattr(store, "iter_link_records", None)
    if light is not None:
        yield from light()
    else:
        for ev in store.iter_events():
            yield ev.model_dump(mode="json")


def relink_store(store: Any, *, embedder: Embedder | None = None, keep: bool = True) -> tuple[list[dict], int]:
    """(incidents written, candidate pairs compared). Must-link and cannot-link decisions
    recorded by ``merge_incidents``/``split_event`` are applied, so they survive. A
    backend without analyst decisions (no ``link_constraints``) links by the rules alone.
    With ``keep=False`` the incidents are written without being held: the list then has
    only each incident's id and report count (enough for a summary line)."""
    evs = list(iter_inputs(_records(store)))
    read_constraints = getattr(store, "link_constraints", None)
    must, cannot = read_constraints() if read_constraints is not None else (set(), set())
    groups, pairs, _, _ = link_groups(evs, constraints=Constraints(must, cannot), embedder=embedder)
    kept: list[dict] = []

    def written() -> Iterator[dict]:
        for inc in iter_incidents(evs, groups):
            kept.append(inc if keep else {"incident_id": inc["incident_id"], "n_reports": inc["n_reports"]})
            yield inc

    store.replace_incidents(written())
    return kept, pairs
