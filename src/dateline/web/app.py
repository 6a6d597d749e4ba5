"""FastAPI app for ``dateline serve``: map, timeline, table, event pages and review over one store.

Why it is built this way:

- The store is opened inside each route, in the thread that uses it: ``sqlite3``
  connections must not cross threads, and FastAPI runs sync routes in a thread pool.
  Reads use a read-only connection; only review routes open a writable one, and only
  when the server is not ``--read-only``.
- Routes parse parameters, call store reads and render; there is no SQL here
  (STYLE: SQL lives in ``store/``). The JSON API is in :mod:`dateline.web.api`.
- Article text is hostile input. Templates autoescape, and the highlighted article is
  built from segments each passed through :func:`markupsafe.escape`; nothing from a
  document is ever marked safe as is. HTML responses carry a ``default-src 'self'``
  CSP, so no inline script or style runs even if escaping were ever bypassed; the
  pages' scripts are files under ``/static`` and read their data from ``data-``
  attributes or the API.
- Review is authenticated and CSRF-safe as described in :mod:`dateline.web.security`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from dateline.errors import InputError, StoreError
from dateline.model import Document, Event, Evidence
from dateline.store import is_url
from dateline.store import open_store as open_any_store
from dateline.store.review import EDITABLE_FIELDS
from dateline.store.sqlite import SQLiteStore
from dateline.taxonomy import EVENT_TYPES
from dateline.web.api import build_api, checked_where, link_editing_available
from dateline.web.params import Filters, Paging
from dateline.web.review import apply_review
from dateline.web.security import CSRF_COOKIE, ReviewAuth, valid_name

HERE = Path(__file__).parent

#: Headers for every HTML page. The CSP forbids inline scripts and styles, so the
#: templates use classes, the one stylesheet and script files under ``/static``.
HTML_SECURITY_HEADERS = {"Content-Security-Policy": "default-src 'self'", "X-Content-Type-Options": "nosniff",
                         "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}

#: Fields shown in the event page's definition list, in ACLED order.
EVENT_FIELDS = (
    "event_id", "doc_id", "event_date", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "claimed_by", "country", "iso",
    "admin1", "admin2", "location", "latitude", "longitude", "geo_precision", "geonameid", "fatalities",
    "injuries", "weapon", "confidence", "notes", "lang", "outlet", "published",
)

#: Table columns a user may sort by, with their headers (a subset of the store's ``SORT_COLUMNS``).
TABLE_SORTS = (("event_date", "Date"), ("event_type", "Type / sub-type"), ("location", "Location"),
               ("actor1", "Actor 1"), ("fatalities", "Fatalities"), ("confidence", "Confidence"))

#: How each epistemic status reads in the attribution line.
EPISTEMIC_VERBS = {"asserted": "asserted", "reported": "reported", "claimed": "claimed", "alleged": "alleged",
                   "denied": "denied"}

#: How a speaker with no name reads, by ``asserted_by``.
UNNAMED_SPEAKERS = {"official": "an unnamed official", "anonymous": "an anonymous source",
                    "cited_media": "another outlet", "claimant": "the claimant"}


# -- page helpers -------------------------------------------------------------------


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


def attribution_line(event: Event, outlet: dict[str, Any] | None) -> str:
    """Who says so, through whom, relayed by which outlet: the chain a reader must weigh.

    E.g. "Claimed by Ashab al-Kahf via Sabereen News, relayed by Press TV — state-affiliated
    (Iran)", or "Claimed by X; reported by officials, relayed by Y" when the claim reached
    the outlet through someone other than the claimant. Plain text; the template escapes it.
    """
    a = event.attribution
    parts = []
    if event.claimed_by:
        claim = f"claimed by {', '.join(event.claimed_by)}"
        if a.asserted_by == "claimant" and a.source:
            claim += f" via {a.source}"
        parts.append(claim)
    last_speaker = None
    if not (event.claimed_by and a.asserted_by == "claimant"):
        if a.asserted_by == "outlet":
            last_speaker = event.outlet or "the outlet"
        else:
            last_speaker = a.source or UNNAMED_SPEAKERS.get(a.asserted_by, f"an unnamed {a.asserted_by} source")
        parts.append(f"{EPISTEMIC_VERBS.get(a.epistemic, a.epistemic)} by {last_speaker}")
    line = "; ".join(parts)
    if event.outlet and last_speaker != event.outlet:
        line += f", relayed by {event.outlet}"
    if outlet and outlet.get("known"):
        affiliation = "state-affiliated" if outlet.get("state_affiliated") else "independent of the state"
        line += f" — {affiliation}" + (f" ({outlet['country']})" if outlet.get("country") else "")
    return line[0].upper() + line[1:]


def _event_rows(event: Event, corrected: dict[str, Any]) -> list[tuple[str, Any, bool]]:
    """(field, value shown, corrected?) for the fields list; corrected values replace machine ones."""
    data = event.to_contract()
    return [(name, corrected.get(name, data.get(name)), name in corrected) for name in EVENT_FIELDS]


def _field_sources(event: Event) -> dict[str, str]:
    """Fields asserted by someone other than the outlet in its own voice ("per official:
    ministère de la Santé, reported"), by field name; the rest say nothing."""
    out = {}
    for name, a in event.field_attribution.items():
        if a.asserted_by == "outlet" and a.epistemic == "asserted":
            continue
        who = a.asserted_by + (f": {a.source}" if a.source else "")
        out[name] = f"{who}, {a.epistemic}"
    return out


def _display(value: Any) -> str:
    """A field value as the edit box shows it: empty for unknown."""
    return "" if value is None else str(value)


def _sort_link(query: dict[str, str], key: str, current: str | None) -> str:
    """Link that sorts the table by ``key``; clicking the current sort flips its direction."""
    new = f"-{key}" if current == key else key
    return "/?" + urlencode({k: v for k, v in query.items() if k != "offset"} | {"sort": new}) + "#table"


def _templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    return Jinja2Templates(env=env)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _read_form(request: Request) -> dict[str, str]:
    """An urlencoded form body as a dict (first value per key), without python-multipart."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise HTTPException(415, "forms must be application/x-www-form-urlencoded")
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


def _local_path(target: str | None, fallback: str = "/") -> str:
    """A redirect target only if it is a path on this site (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return fallback


# -- app ----------------------------------------------------------------------------

#: Host names a server bound to a loopback address answers to.
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1"]


def allowed_hosts_for(bind: str) -> list[str] | None:
    """Host headers to accept for a bind address: loopback names for a loopback bind, else any."""
    return LOOPBACK_HOSTS if bind in ("127.0.0.1", "localhost", "::1") else None



def tile_origin(url: str) -> str:
    """The CSP source for a tile URL template: its origin, ``{s}`` subdomains as a wildcard."""
    parts = urlsplit(url.replace("{s}.", "*."))
    if parts.scheme != "https" or not parts.netloc or "{" in parts.netloc:
        raise InputError("--tiles must be an https URL template such as https://tile.example.org/{z}/{x}/{y}.png",
                         file=url)
    return f"{parts.scheme}://{parts.netloc}"


def create_app(db_path: str, *, review_token: str | None = None, read_only: bool = False,
               allowed_hosts: list[str] | None = None, tiles: str | None = None,
               tiles_attribution: str = "") -> FastAPI:
    """The app for one store file; the file must exist (opening would create an empty one).

    Review is on when a ``review_token`` is given and ``read_only`` is false; then the
    store is migrated once at start (corrections and the FTS index need ``003``).
    ``allowed_hosts`` rejects other ``Host`` headers: a server on localhost refuses a
    DNS-rebinding page that would otherwise read it from another site's origin.
    ``tiles`` (an https URL template) adds a base map; it is the only network the pages
    use, and the CSP allows images from that origin alone.
    """
    if not is_url(db_path) and not Path(db_path).is_file():
        raise StoreError("no such store file", file=str(db_path))
    if is_url(db_path):
        # review, corrections and the audit log live in SQLite tables the PostGIS store
        # does not have yet (docs/postgis.md): a PostgreSQL store is served read-only
        read_only = True
    auth = ReviewAuth(None if read_only else review_token)
    if not read_only:
        SQLiteStore(db_path).close()  # applies pending migrations once, before requests race to
    app = FastAPI(title="dateline", description="Events from conflict news: browse, search and review.",
                  docs_url=None, redoc_url=None)
    app.state.db_path = str(db_path)
    app.state.auth = auth
    html_headers = dict(HTML_SECURITY_HEADERS)
    if tiles:
        html_headers["Content-Security-Policy"] = f"default-src 'self'; img-src 'self' {tile_origin(tiles)}"
    templates = _templates()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    def open_store() -> SQLiteStore:
        return open_any_store(app.state.db_path, read_only=True)  # type: ignore[return-value]

    def open_writer() -> SQLiteStore:
        if not auth.enabled:
            raise HTTPException(403, "review is disabled (read-only server)")
        return SQLiteStore(app.state.db_path)

    def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
        base = {"reviewer": auth.reviewer(request), "review_enabled": auth.enabled,
                "csrf": request.cookies.get(CSRF_COOKIE, "")}
        return templates.TemplateResponse(request, name, base | context, status_code=status_code)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.update(html_headers)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request) or request.url.path == "/openapi.json":
            return await http_exception_handler(request, exc)
        return render(request, "error.html", {"status": exc.status_code, "detail": exc.detail}, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return await request_validation_exception_handler(request, exc)
        detail = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in exc.errors())
        return render(request, "error.html", {"status": 422, "detail": detail}, 422)

    app.include_router(build_api(open_store, open_writer, auth))
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)

    # -- browse -----------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request, filters: Filters, paging: Paging,
              sort: Annotated[str | None, Query()] = None) -> HTMLResponse:
        query = filters.query()
        with open_store() as store:
            where = checked_where(filters, store)
            by_type = store.event_type_counts(where)
            try:
                events = list(store.iter_events(where=where, limit=paging.limit, offset=paging.offset, sort=sort))
            except ValueError as exc:
                raise HTTPException(422, str(exc)) from None
            statuses = store.review_statuses([ev.event_id for ev in events])
        total = sum(by_type.values())
        keep = query | ({"sort": sort} if sort else {})

        def page_link(offset: int) -> str:
            return "/?" + urlencode(keep | {"limit": paging.limit, "offset": offset}) + "#table"

        return render(request, "index.html", {
            "events": events,
            "statuses": statuses,
            "total": total,
            "by_type": sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0])),
            "type_link": lambda t: "/?" + urlencode(query | {"event_type": t}),
            "event_types": list(EVENT_TYPES),
            "filters": filters,
            "paging": paging,
            "sort": sort,
            "sort_links": [(key, label, _sort_link(keep, key, sort)) for key, label in TABLE_SORTS],
            "filter_query": urlencode(query),
            "tiles": tiles,
            "tiles_attribution": tiles_attribution,
            "export_query": urlencode(keep),
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
            state = store.review_state(event)
            audit = store.audit_entries(event_id)
            incident = store.incident_for_event(event_id)
            others = [e for e in (store.get_event(i) for i in (incident or {}).get("event_ids", []))
                      if e is not None and e.event_id != event_id]
        text = doc.text if doc else ""
        outlet = outlet_profile(event.outlet)
        return render(request, "event.html", {
            "event": event,
            "outlet": outlet,
            "attribution": attribution_line(event, outlet),
            "loaded": loaded_summary(doc),
            "rows": _event_rows(event, state["corrected"]),
            "field_sources": _field_sources(event),
            "state": state,
            "audit": audit,
            "incident": incident,
            "others": others,
            "editable": EDITABLE_FIELDS,
            "current": {f: _display(state["corrected"].get(f, event.model_dump(mode="json").get(f)))
                        for f in EDITABLE_FIELDS},
            "event_types": list(EVENT_TYPES),
            "doc": doc,
            "doc_link": safe_link(doc.url) if doc else None,
            "article": highlight_evidence(text, event.evidence),
            "legend": list(dict.fromkeys(e.field for e in event.evidence if e.start < e.end)),
            "evidence": [(e, text[e.start:e.end] == e.text) for e in event.evidence],
            "next": request.url.path,
        })

    @app.get("/incidents/{incident_id:path}", response_class=HTMLResponse)
    def incident_page(request: Request, incident_id: str) -> HTMLResponse:
        with open_store() as store:
            incident = store.get_incident(incident_id)
            if incident is None:
                raise HTTPException(404, f"no incident {incident_id!r}")
            events = [e for e in (store.get_event(i) for i in incident["event_ids"]) if e is not None]
            actions = store.link_actions(incident_id) if hasattr(store, "link_actions") else []
        return render(request, "incident.html", {"incident": incident, "events": events, "actions": actions,
                                                 "link_editing": link_editing_available(),
                                                 "next": request.url.path})

    @app.post("/incident-edit/{action}")
    async def incident_edit(request: Request, action: str) -> Response:
        """Split an event out of its incident, merge two incidents, or undo one of those:
        the same signed-in reviewer and CSRF check as field review; the store logs who,
        when, why, and the membership before and after, and keeps the decision for re-links."""
        form = await _read_form(request)
        who = auth.require_form(request, form)
        if not link_editing_available():
            raise HTTPException(404, "incident editing is not available on this store")
        reason = form.get("reason", "")
        try:
            with open_writer() as store:
                if action == "split":
                    target = store.split_event(form.get("event_id", ""), actor=who, reason=reason)
                elif action == "merge":
                    ids = [form.get("incident_id", ""), form.get("other_incident_id", "").strip()]
                    target = store.merge_incidents(ids, actor=who, reason=reason)
                elif action == "undo":
                    store.undo_link_action(int(form.get("action_id", "0")), actor=who)
                    target = form.get("incident_id", "")
                    if store.get_incident(target) is None:
                        return RedirectResponse("/", status_code=303)
                else:
                    raise HTTPException(404, f"no incident action {action!r}")
        except (StoreError, ValueError) as exc:
            raise HTTPException(400, str(exc).split(": ", 1)[-1]) from exc
        return RedirectResponse(f"/incidents/{quote(target)}#link-editing", status_code=303)

    @app.get("/audit", response_class=HTMLResponse)
    def audit_page(request: Request, event_id: str | None = None) -> HTMLResponse:
        with open_store() as store:
            entries = store.audit_entries(event_id or None, limit=500)
        return render(request, "audit.html", {"entries": entries, "event_id": event_id})

    @app.get("/docs", response_class=HTMLResponse)
    def api_docs(request: Request) -> HTMLResponse:
        """API reference rendered from the OpenAPI schema: Swagger UI would need a CDN and inline script."""
        return render(request, "docs.html", {"paths": _openapi_paths(app.openapi())})

    # -- review (forms) -----------------------------------------------------------

    @app.get("/review/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str | None = None) -> HTMLResponse:
        if not auth.enabled:
            raise HTTPException(403, "review is disabled (read-only server)")
        return render(request, "login.html", {"next": _local_path(next), "error": None})

    @app.post("/review/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        if not auth.enabled:
            raise HTTPException(403, "review is disabled (read-only server)")
        form = await _read_form(request)
        target = _local_path(form.get("next"))
        if not auth.token_ok(form.get("token")):
            return render(request, "login.html", {"next": target, "error": "wrong review token"}, 401)
        response = RedirectResponse(target, status_code=303)
        auth.sign_in(response, valid_name(form.get("name", "")), secure=request.url.scheme == "https")
        return response

    @app.post("/review/logout")
    async def logout(request: Request) -> Response:
        form = await _read_form(request)
        auth.require_form(request, form)
        response = RedirectResponse("/", status_code=303)
        auth.sign_out(response)
        return response

    @app.post("/review/{event_id:path}")
    async def review_form(request: Request, event_id: str) -> Response:
        form = await _read_form(request)
        who = auth.require_form(request, form)
        with open_writer() as store:
            apply_review(store, event_id, action=form.get("action", ""), who=who, field=form.get("field") or None,
                         value=form.get("value"))
        return RedirectResponse(f"/events/{quote(event_id)}#review", status_code=303)

    return app


def _openapi_paths(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """(method, path, summary, parameters) rows of an OpenAPI schema, for the docs page."""
    rows = []
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            params = [(p["name"], p.get("in", ""), p.get("description") or "") for p in op.get("parameters", [])]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            rows.append({"method": method.upper(), "path": path, "summary": op.get("summary") or op.get("description", ""),
                         "params": params, "body": body.get("$ref", "").rsplit("/", 1)[-1] or None})
    return rows
