"""JSON API of ``dateline serve``: events, incidents, documents, map clusters, timeline, exports, review.

Routes parse, call one store read (or :func:`apply_review`) and return JSON; no SQL here.
``open_store`` opens a read-only connection per request (``sqlite3`` connections must not
cross the threads FastAPI runs sync routes on); ``open_writer`` a writable one, only for
review calls and only when the server is not read-only.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from dateline.export.writers import write_csv, write_geojson
from dateline.store.sqlite import SQLiteStore
from dateline.web.params import EventFilters, Filters, Paging
from dateline.web.review import apply_review, reviewed_view
from dateline.web.security import ReviewAuth

#: Export size cap: one download of the current filter, not a bulk dump (use ``dateline export``).
MAX_EXPORT = 100_000

#: Store methods of the linking stage (store/incidents.py) for incident editing; the
#: routes exist only when the store has them (the PostGIS store may not).
LINK_METHODS = ("merge_incidents", "split_event", "undo_link_action", "link_actions")

StoreOpener = Callable[[], SQLiteStore]


class ReviewRequest(BaseModel):
    """One review action sent as JSON with the ``X-Review-Token`` header."""

    action: Literal["accept", "edit", "reject"]
    field: str | None = None
    value: Any = None
    reviewer: str | None = Field(None, description="Name written to the audit log (default 'api')")


def link_editing_available(store_cls: type = SQLiteStore) -> bool:
    """Whether split/merge can be wired: all of the linking stage's store methods exist."""
    return all(hasattr(store_cls, name) for name in LINK_METHODS)


def checked_where(filters: EventFilters, store: SQLiteStore) -> dict[str, Any]:
    """The store filter for ``filters``; 409 when free text is asked of a store without its FTS index."""
    where = filters.where()
    if "q" in where and not store.has_review_schema() and not getattr(store, "has_text_search", False):
        raise HTTPException(409, "free-text search needs migration 003_review_fts; "
                                 "start the server once without --read-only")
    return where


def build_api(open_store: StoreOpener, open_writer: StoreOpener, auth: ReviewAuth) -> APIRouter:
    """The ``/api`` router over one store."""
    api = APIRouter(prefix="/api")

    @api.get("/events", summary="Events, filtered, sorted and paged")
    def api_events(filters: Filters, paging: Paging,
                   sort: Annotated[str | None, Query(description="Column, '-' prefix for descending")] = None,
                   ) -> dict[str, Any]:
        with open_store() as store:
            where = checked_where(filters, store)
            try:
                events = list(store.iter_events(where=where, limit=paging.limit, offset=paging.offset, sort=sort))
            except ValueError as exc:
                raise HTTPException(422, str(exc)) from None
            statuses = store.review_statuses([ev.event_id for ev in events])
            return {"total": store.count_events(where), "limit": paging.limit, "offset": paging.offset,
                    "events": [ev.to_contract() | {"review_status": statuses.get(ev.event_id, "unreviewed")}
                               for ev in events]}

    @api.get("/events/{event_id:path}", summary="One event: corrected values, machine values, document, incident")
    def api_event(event_id: str) -> dict[str, Any]:
        with open_store() as store:
            event = store.get_event(event_id)
            if event is None:
                raise HTTPException(404, f"no event {event_id!r}")
            doc = store.get_document(event.doc_id)
            return reviewed_view(event, store.review_state(event)) | {
                "document": doc.model_dump(mode="json", include={"id", "title", "published", "outlet", "lang",
                                                                 "url"}) if doc else None,
                "incident": store.incident_for_event(event_id),
                "audit": store.audit_entries(event_id),
            }

    @api.post("/review/{event_id:path}", summary="Accept, edit a field, or reject an event (X-Review-Token)")
    def api_review(event_id: str, request: Request, body: Annotated[ReviewRequest, Body()]) -> dict[str, Any]:
        who = auth.require_header(request, body.reviewer)
        with open_writer() as store:
            return apply_review(store, event_id, action=body.action, who=who, field=body.field, value=body.value)

    @api.get("/audit", summary="Review audit log, newest first")
    def api_audit(event_id: str | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict]:
        with open_store() as store:
            return store.audit_entries(event_id, limit=limit)

    @api.get("/documents/{doc_id:path}", summary="One document with its full text")
    def api_document(doc_id: str) -> dict[str, Any]:
        with open_store() as store:
            doc = store.get_document(doc_id)
        if doc is None:
            raise HTTPException(404, f"no document {doc_id!r}")
        return doc.model_dump(mode="json")

    @api.get("/incidents", summary="Incidents (linked reports), most reported first")
    def api_incidents(paging: Paging, min_reports: Annotated[int, Query(ge=1)] = 1) -> dict[str, Any]:
        with open_store() as store:
            where = {"min_reports": min_reports}
            total = store.count_incidents(where=where)
            incidents = store.list_incidents(where=where, limit=paging.limit, offset=paging.offset)
        return {"total": total, "limit": paging.limit, "offset": paging.offset, "incidents": incidents}

    @api.get("/incidents/{incident_id:path}", summary="One incident with its reports")
    def api_incident(incident_id: str) -> dict[str, Any]:
        with open_store() as store:
            incident = store.get_incident(incident_id)
            if incident is None:
                raise HTTPException(404, f"no incident {incident_id!r}")
            events = [store.get_event(e) for e in incident["event_ids"]]
        return incident | {"events": [e.to_contract() for e in events if e is not None]}

    @api.get("/clusters", summary="Map clusters of the filtered events for a zoom level")
    def api_clusters(filters: Filters, zoom: Annotated[int, Query(ge=0, le=22)] = 2,
                     with_bounds: Annotated[bool, Query(description="Add the filtered events' extent "
                                                                    "(south, west, north, east)")] = False,
                     ) -> dict[str, Any]:
        with open_store() as store:
            where = checked_where(filters, store)
            clusters = store.event_clusters(where, zoom)
            bounds = store.event_bounds(where) if with_bounds else None
        body: dict[str, Any] = {"zoom": zoom, "n_events": sum(c["n"] for c in clusters), "clusters": clusters}
        if with_bounds:
            body["bounds"] = bounds
        return body

    @api.get("/timeline", summary="Events per day and type")
    def api_timeline(filters: Filters) -> dict[str, Any]:
        with open_store() as store:
            where = checked_where(filters, store)
            return {"days": store.daily_counts(where)}

    @api.get("/export.{fmt}", summary="The current filter as CSV or GeoJSON")
    def api_export(fmt: Literal["csv", "geojson"], filters: Filters,
                   sort: Annotated[str | None, Query()] = None) -> Response:
        with open_store() as store:
            where = checked_where(filters, store)
            events = store.iter_events(where=where, limit=MAX_EXPORT, sort=sort)
            body = _export_bytes(events, fmt)
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/geo+json"
        return Response(body, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="dateline-events.{fmt}"'})

    if link_editing_available():
        _add_link_routes(api, open_store, open_writer, auth)
    return api


def _export_bytes(events: Any, fmt: str) -> bytes:
    """Run the export writer (which writes files atomically) into a temporary file and read it back."""
    writer = write_csv if fmt == "csv" else write_geojson
    with tempfile.TemporaryDirectory(prefix="dateline-export-") as tmp:
        path = Path(tmp) / f"events.{fmt}"
        writer(events, path)
        return path.read_bytes()


class MergeRequest(BaseModel):
    incident_ids: list[str] = Field(min_length=2)
    reviewer: str | None = None
    reason: str = ""


def _add_link_routes(api: APIRouter, open_store: StoreOpener, open_writer: StoreOpener, auth: ReviewAuth) -> None:
    """Split / merge / undo over the linking stage's store methods (only when they exist)."""

    @api.get("/link-actions", summary="Incident edits (merge, split, undo), with who, when, before and after")
    def api_link_actions(incident_id: str | None = None) -> Any:
        with open_store() as store:
            return store.link_actions(incident_id)  # type: ignore[attr-defined]

    @api.post("/incidents/merge", summary="Merge incidents (X-Review-Token)")
    def api_merge(request: Request, body: MergeRequest) -> Any:
        who = auth.require_header(request, body.reviewer)
        with open_writer() as store:
            survivor = store.merge_incidents(body.incident_ids, actor=who, reason=body.reason)  # type: ignore[attr-defined]
            return store.get_incident(survivor)

    @api.post("/events/{event_id:path}/split", summary="Split an event out of its incident (X-Review-Token)")
    def api_split(event_id: str, request: Request, reviewer: str | None = None, reason: str = "") -> Any:
        who = auth.require_header(request, reviewer)
        with open_writer() as store:
            new_id = store.split_event(event_id, actor=who, reason=reason)  # type: ignore[attr-defined]
            return store.get_incident(new_id)

    @api.post("/link-actions/{action_id}/undo", summary="Undo one incident edit (X-Review-Token)")
    def api_undo(action_id: int, request: Request, reviewer: str | None = None) -> Any:
        who = auth.require_header(request, reviewer)
        with open_writer() as store:
            store.undo_link_action(action_id, actor=who)  # type: ignore[attr-defined]
            return {"undone": action_id}
