"""FastAPI app for ``dateline serve``: an HTML browser and a JSON API over one store.

Why it is built this way:

- The store is opened inside each route, in the thread that uses it: ``sqlite3``
  connections must not cross threads, and FastAPI runs sync routes (and sync
  dependencies, possibly on another thread) in a thread pool. Routes only read.
- Routes parse parameters, call store reads and render; there is no SQL here
  (STYLE: SQL lives in ``store/``). The two counting helpers below stand in for store
  queries that do not exist yet.
- Article text is hostile input. Templates autoescape, and the highlighted article is
  built from segments each passed through :func:`markupsafe.escape`; nothing from a
  document is ever marked safe as is. HTML responses carry a ``default-src 'self'``
  CSP, so no inline script or style runs even if escaping were ever bypassed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException

from dateline.errors import StoreError
from dateline.model import Document, Event, Evidence
from dateline.store import is_url
from dateline.store import open_store as open_any_store
from dateline.store.sqlite import SQLiteStore
from dateline.taxonomy import EVENT_TYPES

HERE = Path(__file__).parent

DEFAULT_LIMIT = 100
#: Upper bound on one page: 1000 events with their evidence stay a few MB of JSON.
MAX_LIMIT = 1000

#: Headers for every HTML page. The CSP forbids inline scripts and styles, so the
#: templates use classes and the one stylesheet under ``/static``.
HTML_SECURITY_HEADERS = {"Content-Security-Policy": "default-src 'self'", "X-Content-Type-Options": "nosniff"}

#: Fields shown in the event page's definition list, in ACLED order.
EVENT_FIELDS = (
    "event_id", "doc_id", "event_date", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "claimed_by", "country", "iso",
    "admin1", "admin2", "location", "latitude", "longitude", "geo_precision", "geonameid", "fatalities",
    "injuries", "weapon", "confidence", "notes", "lang", "outlet", "published",
)


# -- parameters -------------------------------------------------------------------


@dataclass(frozen=True)
class EventFilters:
    """The ``where`` of :meth:`SQLiteStore.iter_events`, parsed from query parameters.

    Blank values count as absent, because an HTML GET form submits empty fields.
    """

    event_type: str | None = None
    sub_event_type: str | None = None
    country: str | None = None
    doc_id: str | None = None
    outlet: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def where(self) -> dict[str, str]:
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in self.__dict__.items() if v is not None}


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None


def _parse_date(name: str, value: str | None) -> date | None:
    value = _blank_to_none(value)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(422, f"{name} must be an ISO date (YYYY-MM-DD), got {value!r}") from None


def event_filters(
    event_type: str | None = None,
    sub_event_type: str | None = None,
    country: str | None = None,
    doc_id: str | None = None,
    outlet: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> EventFilters:
    return EventFilters(
        event_type=_blank_to_none(event_type),
        sub_event_type=_blank_to_none(sub_event_type),
        country=_blank_to_none(country),
        doc_id=_blank_to_none(doc_id),
        outlet=_blank_to_none(outlet),
        date_from=_parse_date("date_from", date_from),
        date_to=_parse_date("date_to", date_to),
    )


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def page(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page:
    return Page(limit, offset)


Filters = Annotated[EventFilters, Depends(event_filters)]
Paging = Annotated[Page, Depends(page)]


# -- reads the store does not offer yet ---------------------------------------------


def count_events_by_type(store: SQLiteStore, where: dict[str, Any]) -> Counter[str]:
    """Events per ``event_type`` under ``where`` (a GROUP BY in the store)."""
    return Counter(store.event_type_counts(where))


def outlet_profile(name: str | None) -> dict[str, Any] | None:
    """The publishing outlet's profile, shown beside (never merged into) the event's facts."""
    if not name:
        return None
    from dateline.claims.outlets import default_kb

    p = default_kb().find(name)
    if p is None:
        return {"name": name, "known": False}
    return {"name": p.name, "known": True, "country": p.country, "state_affiliated": p.state_affiliated,
            "typology": p.typology, "owner": p.owner, "owner_group": p.owner_group, "source": p.source}


def loaded_summary(doc: Document | None) -> dict[str, Any] | None:
    """Loaded wording in the outlet's own voice (lexicon spans; quotes skipped)."""
    if doc is None:
        return None
    from dateline.claims.loaded import loaded_spans

    spans = loaded_spans(doc.text, doc.lang or "fr")
    return {"n": len(spans), "cues": list(dict.fromkeys(sp.text for sp in spans))[:25]}


def document_summary(doc: Document | None) -> dict[str, Any] | None:
    if doc is None:
        return None
    return doc.model_dump(mode="json", include={"id", "title", "published", "outlet", "lang", "url"})


# -- highlighting -------------------------------------------------------------------


def highlight_evidence(text: str, evidence: list[Evidence]) -> Markup:
    """The article as HTML, every evidence span wrapped in ``<mark data-field="...">``.

    Spans may overlap (the ``event`` sentence contains the ``location`` span), so the
    text is cut at every span boundary; each piece is escaped and wrapped in one mark
    per span covering it, outermost first, so the innermost field's colour shows.
    Empty spans and offsets outside the text are skipped (they have nothing to show).
    """
    n = len(text)
    spans = [(max(0, e.start), min(n, e.end), e.field) for e in evidence]
    spans = [s for s in spans if s[0] < s[1]]
    cuts = sorted({0, n, *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    parts: list[str] = []
    for a, b in zip(cuts, cuts[1:]):
        piece = str(escape(text[a:b]))
        covering = sorted((s for s in spans if s[0] <= a and b <= s[1]), key=lambda s: (s[0], -s[1]))
        seen: set[str] = set()
        for _, _, field in reversed(covering):
            if field in seen:  # the same field twice over one piece: one mark is enough
                continue
            seen.add(field)
            piece = f'<mark data-field="{escape(field)}">{piece}</mark>'
        parts.append(piece)
    return Markup("".join(parts))


def safe_link(url: str | None) -> str | None:
    """The URL if it may be an ``href``: only http(s), never ``javascript:`` or ``data:``."""
    if url and urlsplit(url.strip()).scheme.lower() in {"http", "https"}:
        return url.strip()
    return None


def _event_rows(event: Event) -> list[tuple[str, Any]]:
    data = event.to_contract()
    return [(name, data.get(name)) for name in EVENT_FIELDS]


# -- app ----------------------------------------------------------------------------


def _templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    return Jinja2Templates(env=env)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def create_app(db_path: str) -> FastAPI:
    """The app for one store: a SQLite file, which must exist (opening would create an empty
    one), or a ``postgresql://`` URL (docs/postgis.md)."""
    if not is_url(db_path) and not Path(db_path).is_file():
        raise StoreError("no such store file", file=str(db_path))
    app = FastAPI(title="dateline", docs_url=None, redoc_url=None)
    app.state.db_path = str(db_path)
    templates = _templates()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    def open_store() -> SQLiteStore:
        return open_any_store(app.state.db_path, read_only=True)  # type: ignore[return-value]

    def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.update(HTML_SECURITY_HEADERS)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            return await http_exception_handler(request, exc)
        return render(request, "error.html", {"status": exc.status_code, "detail": exc.detail}, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return await request_validation_exception_handler(request, exc)
        detail = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in exc.errors())
        return render(request, "error.html", {"status": 422, "detail": detail}, 422)

    # -- JSON API ---------------------------------------------------------------

    @app.get("/api/events")
    def api_events(filters: Filters, paging: Paging) -> dict[str, Any]:
        where = filters.where()
        with open_store() as store:
            total = store.count_events(where)
            events = store.iter_events(where=where, limit=paging.limit, offset=paging.offset)
            return {"total": total, "limit": paging.limit, "offset": paging.offset,
                    "events": [ev.to_contract() for ev in events]}

    @app.get("/api/events/{event_id:path}")
    def api_event(event_id: str) -> dict[str, Any]:
        with open_store() as store:
            event = store.get_event(event_id)
            if event is None:
                raise HTTPException(404, f"no event {event_id!r}")
            return event.to_contract() | {"document": document_summary(store.get_document(event.doc_id))}

    @app.get("/api/documents/{doc_id:path}")
    def api_document(doc_id: str) -> dict[str, Any]:
        with open_store() as store:
            doc = store.get_document(doc_id)
        if doc is None:
            raise HTTPException(404, f"no document {doc_id!r}")
        return doc.model_dump(mode="json")

    # -- HTML -------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request, filters: Filters, paging: Paging) -> HTMLResponse:
        where = filters.where()
        with open_store() as store:
            by_type = count_events_by_type(store, where)
            events = list(store.iter_events(where=where, limit=paging.limit, offset=paging.offset))
        total = sum(by_type.values())

        def page_link(offset: int) -> str:
            return "/?" + urlencode(where | {"limit": paging.limit, "offset": offset})

        return render(request, "index.html", {
            "events": events,
            "total": total,
            "by_type": sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0])),
            "type_link": lambda t: "/?" + urlencode(where | {"event_type": t}),
            "event_types": list(EVENT_TYPES),
            "filters": filters,
            "paging": paging,
            "prev_link": page_link(max(0, paging.offset - paging.limit)) if paging.offset > 0 else None,
            "next_link": page_link(paging.offset + paging.limit) if paging.offset + paging.limit < total else None,
        })

    @app.get("/events/{event_id:path}", response_class=HTMLResponse)
    def event_page(request: Request, event_id: str) -> HTMLResponse:
        with open_store() as store:
            event = store.get_event(event_id)
            if event is None:
                raise HTTPException(404, f"no event {event_id!r}")
            doc = store.get_document(event.doc_id)
        text = doc.text if doc else ""
        return render(request, "event.html", {
            "event": event,
            "outlet": outlet_profile(event.outlet),
            "loaded": loaded_summary(doc),
            "rows": _event_rows(event),
            "doc": doc,
            "doc_link": safe_link(doc.url) if doc else None,
            "article": highlight_evidence(text, event.evidence),
            "legend": list(dict.fromkeys(e.field for e in event.evidence if e.start < e.end)),
            "evidence": [(e, text[e.start:e.end] == e.text) for e in event.evidence],
        })

    return app
