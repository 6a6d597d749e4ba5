"""Re-link a store: read its events and the analysts' constraints, link, write back.

Wiring only (like ``pipeline.py``): the linking itself is the pure :func:`dateline.link.dedup.link_groups`
and every read and write is a store method. Memory stays bounded by the events' link
fields: events stream from the store straight into :class:`~dateline.link.dedup.LinkInput`
(``iter_link_records`` where the store has it: only the columns linking reads), and
incidents stream back into the store's transaction one at a time.

Incremental (``dateline extract --db``): only the neighbourhood of the events that are in
no incident yet is regrouped — events within the widest date window of theirs and the
incidents those belong to (``link_scope``) — so adding a day's articles to a store of
millions re-links thousands of events, not millions. ``dateline link --db`` re-links all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dateline.link.dedup import DATE_WINDOW, Constraints, Embedder, iter_incidents, link_groups
from dateline.link.sources import iter_inputs


def _records(store: Any, scope: set[str] | None = None) -> Iterator[dict]:
    light = getattr(store, "iter_link_records", None)
    if light is not None:
        yield from (light() if scope is None else light(event_ids=scope))
    else:
        for ev in store.iter_events():
            if scope is None or ev.event_id in scope:
                yield ev.model_dump(mode="json")


def relink_store(store: Any, *, embedder: Embedder | None = None, keep: bool = True,
                 incremental: bool = False) -> tuple[list[dict], int]:
    """(incidents written, candidate pairs compared). Must-link and cannot-link decisions
    recorded by ``merge_incidents``/``split_event`` are applied, so they survive. A
    backend without analyst decisions (no ``link_constraints``) links by the rules alone.
    With ``keep=False`` the incidents are written without being held: the list then has
    only each incident's id and report count (enough for a summary line).
    ``incremental`` regroups only the scope of the unlinked events (a store without
    ``link_scope`` re-links everything); the list then holds the regrouped incidents."""
    scope: set[str] | None = None
    if incremental and hasattr(store, "link_scope"):
        scope = store.link_scope(max(DATE_WINDOW.values()))
        if not scope:
            return [], 0
    evs = list(iter_inputs(_records(store, scope)))
    read_constraints = getattr(store, "link_constraints", None)
    must, cannot = read_constraints() if read_constraints is not None else (set(), set())
    groups, pairs, _, _ = link_groups(evs, constraints=Constraints(must, cannot), embedder=embedder)
    kept: list[dict] = []

    def written() -> Iterator[dict]:
        for inc in iter_incidents(evs, groups):
            kept.append(inc if keep else {"incident_id": inc["incident_id"], "n_reports": inc["n_reports"]})
            yield inc

    if scope is None:
        store.replace_incidents(written())
    else:
        store.replace_incidents_of(scope, written())
    return kept, pairs
