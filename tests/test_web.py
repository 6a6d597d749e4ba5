"""Web stage: JSON API filters and paging, event page highlighting, escaping of hostile text."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from dateline.errors import InputError, StoreError
from dateline.model import Attribution, Document, Event, Evidence
from dateline.store.sqlite import SQLiteStore
from dateline.web.app import create_app, highlight_evidence, safe_link

HOSTILE = "<script>alert(1)</script>"
HOSTILE_IMG = "<img src=x onerror=alert(1)>"
GAO_TEXT = f"Gao, 3 mai. {HOSTILE} Deux civils ont été tués à Gao par des hommes armés. {HOSTILE_IMG}"


def _span(text: str, field: str, needle: str) -> Evidence:
    start = text.index(needle)
    return Evidence(field=field, start=start, end=start + len(needle), text=needle)


def _documents() -> list[tuple[Document, list[Event]]]:
    sentence = "Deux civils ont été tués à Gao par des hommes armés."
    gao = Document(id="doc-gao", text=GAO_TEXT, title=f"Attaque {HOSTILE}", published=date(2024, 5, 3),
                   outlet="Studio Tamani", lang="fr", url="javascript:alert(1)")
    gao_event = Event(
        doc_id="doc-gao", event_id="doc-gao-1", event_date=date(2024, 5, 3), event_type="Violence against civilians",
        sub_event_type="Attack", actor1=f"Hommes armés {HOSTILE_IMG}", actor2="Civilians", country="Mali",
        location="Gao", fatalities=2, confidence=0.81, outlet="Studio Tamani", lang="fr", published=date(2024, 5, 3),
        attribution=Attribution(asserted_by="outlet", epistemic="asserted"),
        evidence=[_span(GAO_TEXT, "event", sentence), _span(GAO_TEXT, "location", "Gao par"),
                  _span(GAO_TEXT, "actor1", "par des hommes armés"), _span(GAO_TEXT, "fatalities", "Deux"),
                  Evidence(field="event_date", start=0, end=0, text="")],
    )
    kabul_text = "Kabul, 1 June. Police said a roadside bomb wounded three soldiers."
    kabul = Document(id="doc-kabul", text=kabul_text, published=date(2024, 6, 1), outlet="Pajhwok", lang="en",
                     url="https://example.org/kabul")
    kabul_event = Event(
        doc_id="doc-kabul", event_id="doc-kabul-1", event_date=date(2024, 6, 1),
        event_type="Explosions/Remote violence", sub_event_type="Remote explosive/landmine/IED",
        country="Afghanistan", location="Kabul", injuries=3, confidence=0.6, outlet="Pajhwok",
        attribution=Attribution(asserted_by="official", source="Police", epistemic="reported", cue="said"),
        evidence=[_span(kabul_text, "location", "Kabul"), _span(kabul_text, "sub_event_type", "roadside bomb")],
    )
    bamako_text = "Bamako, 10 July. Hundreds marched peacefully."
    bamako = Document(id="doc-bamako", text=bamako_text, published=date(2024, 7, 10), outlet="AFP", lang="en")
    bamako_events = [
        Event(doc_id="doc-bamako", event_id=f"doc-bamako-{i}", event_date=date(2024, 7, 10 + i),
              event_type="Protests", sub_event_type="Peaceful protest", country="Mali", location="Bamako",
              confidence=0.5, outlet="AFP")
        for i in range(1, 4)
    ]
    return [(gao, [gao_event]), (kabul, [kabul_event]), (bamako, bamako_events)]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    db = tmp_path_factory.mktemp("web") / "t.db"
    with SQLiteStore(db) as store:
        assert store.write_batch(_documents()) == (3, 5)
    return TestClient(create_app(str(db)))


def _ids(response) -> list[str]:
    return [e["event_id"] for e in response.json()["events"]]


# --------------------------------------------------------------------------- JSON API


def test_api_lists_all_events_in_date_order(client: TestClient) -> None:
    r = client.get("/api/events")
    assert r.status_code == 200
    body = r.json()
    assert (body["total"], body["limit"], body["offset"]) == (5, 100, 0)
    assert _ids(r) == ["doc-gao-1", "doc-kabul-1", "doc-bamako-1", "doc-bamako-2", "doc-bamako-3"]
    gao = body["events"][0]
    assert gao["attribution"] == {"asserted_by": "outlet", "source": None, "epistemic": "asserted", "cue": None}
    assert {e["field"] for e in gao["evidence"]} == {"event", "location", "actor1", "fatalities", "event_date"}
    assert "mentions" not in gao


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"event_type": "Protests"}, ["doc-bamako-1", "doc-bamako-2", "doc-bamako-3"]),
        ({"sub_event_type": "Attack"}, ["doc-gao-1"]),
        ({"country": "Mali"}, ["doc-gao-1", "doc-bamako-1", "doc-bamako-2", "doc-bamako-3"]),
        ({"doc_id": "doc-kabul"}, ["doc-kabul-1"]),
        ({"outlet": "Studio Tamani"}, ["doc-gao-1"]),
        ({"date_from": "2024-06-01", "date_to": "2024-07-12"}, ["doc-kabul-1", "doc-bamako-1", "doc-bamako-2"]),
        ({"country": "Mali", "date_from": "2024-07-01"}, ["doc-bamako-1", "doc-bamako-2", "doc-bamako-3"]),
        ({"country": "", "event_type": ""}, ["doc-gao-1", "doc-kabul-1", "doc-bamako-1", "doc-bamako-2",
                                              "doc-bamako-3"]),
        ({"country": "Nowhere"}, []),
    ],
)
def test_api_filters(client: TestClient, params: dict, expected: list[str]) -> None:
    r = client.get("/api/events", params=params)
    assert r.status_code == 200
    assert _ids(r) == expected
    assert r.json()["total"] == len(expected)


def test_api_pagination_keeps_the_filtered_total(client: TestClient) -> None:
    r = client.get("/api/events", params={"country": "Mali", "limit": 2, "offset": 1})
    body = r.json()
    assert (body["total"], body["limit"], body["offset"]) == (4, 2, 1)
    assert _ids(r) == ["doc-bamako-1", "doc-bamako-2"]
    assert _ids(client.get("/api/events", params={"limit": 2, "offset": 4})) == ["doc-bamako-3"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"offset": -1}, {"date_from": "May 3"}])
def test_api_rejects_bad_parameters(client: TestClient, params: dict) -> None:
    r = client.get("/api/events", params=params)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/json")


def test_api_event_carries_its_document(client: TestClient) -> None:
    r = client.get("/api/events/doc-kabul-1")
    assert r.status_code == 200
    body = r.json()
    assert body["event_id"] == "doc-kabul-1"
    assert body["attribution"]["source"] == "Police"
    assert body["document"] == {"id": "doc-kabul", "title": None, "published": "2024-06-01", "outlet": "Pajhwok",
                                "lang": "en", "url": "https://example.org/kabul"}


def test_api_document_has_text(client: TestClient) -> None:
    r = client.get("/api/documents/doc-gao")
    assert r.status_code == 200
    assert r.json()["text"] == GAO_TEXT
    assert r.json()["outlet"] == "Studio Tamani"


@pytest.mark.parametrize("path", ["/api/events/nope", "/api/documents/nope"])
def test_api_missing_is_json_404(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/json"
    assert "nope" in r.json()["detail"]


# --------------------------------------------------------------------------- HTML


def test_index_lists_counts_and_links(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    html = r.text
    assert "<h1>5 events</h1>" in html
    assert re.search(r"Protests</a> <span class=\"n\">3</span>", html)
    assert re.search(r"Violence against civilians</a> <span class=\"n\">1</span>", html)
    for event_id in ("doc-gao-1", "doc-kabul-1", "doc-bamako-3"):
        assert f'href="/events/{event_id}"' in html
    assert "official (Police)" in html


def test_index_form_filters(client: TestClient) -> None:
    html = client.get("/", params={"event_type": "", "country": "Mali", "date_from": "2024-07-01",
                                   "date_to": ""}).text
    assert "<h1>3 events</h1>" in html
    assert "doc-kabul-1" not in html and "doc-gao-1" not in html
    assert 'value="Mali"' in html


def test_index_pages(client: TestClient) -> None:
    html = client.get("/", params={"limit": 2, "offset": 2}).text
    assert "3–4 of 5" in html
    assert 'href="/?limit=2&amp;offset=0#table"' in html
    assert 'href="/?limit=2&amp;offset=4#table"' in html


def test_event_page_highlights_evidence(client: TestClient) -> None:
    r = client.get("/events/doc-gao-1")
    assert r.status_code == 200
    html = r.text
    # overlapping "location" ("Gao par") and "actor1" ("par des hommes armés") are split at
    # every boundary, inside the "event" sentence
    assert '<mark data-field="event"><mark data-field="location">Gao </mark></mark>' in html
    overlap = '<mark data-field="event"><mark data-field="location"><mark data-field="actor1">par</mark></mark></mark>'
    assert overlap in html
    assert '<mark data-field="event"><mark data-field="actor1"> des hommes armés</mark></mark>' in html
    assert '<mark data-field="event"><mark data-field="fatalities">Deux</mark></mark>' in html
    assert '<p class="legend"><mark data-field="event">event</mark> <mark data-field="location">location</mark>' in html
    assert "Asserted by <strong>outlet</strong>, epistemic <strong>asserted</strong>" in html
    assert "<dt>fatalities</dt>\n    <dd>2</dd>" in html


def test_event_page_attribution_with_source(client: TestClient) -> None:
    html = client.get("/events/doc-kabul-1").text
    assert "Asserted by <strong>official</strong>\n  (Police), epistemic <strong>reported</strong>" in html
    assert 'href="https://example.org/kabul"' in html


@pytest.mark.parametrize("path", ["/", "/events/doc-gao-1", "/events/nope", "/?date_from=%3Cscript%3E"])
def test_html_never_contains_raw_markup_from_articles(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    # the only scripts are the page's own files under /static (no inline script at all)
    assert all(tag.startswith('<script src="/static/') for tag in re.findall(r"<script[^>]*>", html, re.I))
    assert "alert(1)</script>" not in html
    assert "<img" not in html.lower()
    assert "javascript:" not in html  # the hostile document URL is shown, never linked
    assert r.headers["content-security-policy"] == "default-src 'self'"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_event_page_shows_hostile_text_escaped(client: TestClient) -> None:
    html = client.get("/events/doc-gao-1").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Attaque &lt;script&gt;" in html


def test_missing_event_page_is_html_404(client: TestClient) -> None:
    r = client.get("/events/nope")
    assert r.status_code == 404
    assert "not found" in r.text
    assert r.headers["content-security-policy"] == "default-src 'self'"


def test_static_stylesheet_is_served(client: TestClient) -> None:
    r = client.get("/static/style.css")
    assert r.status_code == 200
    assert "mark[data-field=\"location\"]" in r.text


# --------------------------------------------------------------------------- units


def test_highlight_escapes_every_segment_and_skips_bad_spans() -> None:
    text = "a<b>c&d"
    html = highlight_evidence(text, [
        Evidence(field="x", start=1, end=4, text="<b>"),
        Evidence(field="y", start=3, end=3, text=""),  # empty: nothing to mark
        Evidence(field="z", start=5, end=99, text="&d"),  # clipped to the text
        Evidence(field='"><script>', start=0, end=1, text="a"),  # a hostile field name is escaped too
    ])
    assert str(html) == ('<mark data-field="&#34;&gt;&lt;script&gt;">a</mark><mark data-field="x">&lt;b&gt;</mark>'
                         'c<mark data-field="z">&amp;d</mark>')


def test_safe_link_allows_only_http() -> None:
    assert safe_link("https://example.org/a") == "https://example.org/a"
    assert safe_link(" JavaScript:alert(1)") is None
    assert safe_link("data:text/html,x") is None
    assert safe_link(None) is None


def test_create_app_refuses_a_missing_store(tmp_path) -> None:
    with pytest.raises(StoreError):
        create_app(str(tmp_path / "missing.db"))
    assert not (tmp_path / "missing.db").exists()


def test_event_page_shows_the_outlet_profile_beside_the_facts(tmp_path):
    from dateline.model import Document, Event
    from dateline.store import SQLiteStore
    from dateline.web.app import create_app
    from fastapi.testclient import TestClient

    text = "Les forces d'occupation américaines ont été visées par des roquettes à Aïn al-Asad."
    doc = Document(id="p1", text=text, lang="fr", outlet="French Press TV")
    ev = Event(doc_id="p1", event_id="p1-1", event_type="Explosions/Remote violence",
               sub_event_type="Shelling/artillery/missile attack", outlet="French Press TV")
    with SQLiteStore(tmp_path / "o.db") as s:
        s.write_batch([(doc, [ev])])
    html = TestClient(create_app(str(tmp_path / "o.db"))).get("/events/p1-1").text
    assert "state-affiliated" in html and "Islamic Republic of Iran Broadcasting" in html
    assert "Loaded wording" in html


# --------------------------------------------------------------------------- review, search, map


TOKEN = "test-token-123"


@pytest.fixture
def review_client(tmp_path) -> TestClient:
    db = tmp_path / "review.db"
    with SQLiteStore(db) as store:
        store.write_batch(_documents())
        store.replace_incidents([
            {"incident_id": "inc-1", "event_ids": ["doc-bamako-1", "doc-bamako-2"], "n_reports": 2, "n_outlets": 1,
             "n_independent": 1},
            {"incident_id": "inc-2", "event_ids": ["doc-gao-1"], "n_reports": 1, "n_outlets": 1, "n_independent": 1},
        ])
    return TestClient(create_app(str(db), review_token=TOKEN))


def _sign_in(client: TestClient, name: str = "Ana") -> str:
    r = client.post("/review/login", data={"name": name, "token": TOKEN, "next": "/events/doc-gao-1"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/events/doc-gao-1"
    assert "samesite=strict" in r.headers["set-cookie"].lower() and "httponly" in r.headers["set-cookie"].lower()
    return client.cookies["dateline_csrf"]


def test_api_free_text_bbox_actor_lang_and_sort(review_client: TestClient) -> None:
    get = review_client.get
    assert _ids(get("/api/events", params={"q": "hommes armés"})) == ["doc-gao-1"]
    assert _ids(get("/api/events", params={"q": "roadside"})) == ["doc-kabul-1"]  # article text
    assert _ids(get("/api/events", params={"actor": "HOMMES"})) == ["doc-gao-1"]
    assert _ids(get("/api/events", params={"lang": "fr"})) == ["doc-gao-1"]
    assert _ids(get("/api/events", params={"min_independent": 1})) == ["doc-gao-1", "doc-bamako-1", "doc-bamako-2"]
    assert _ids(get("/api/events", params={"sort": "-event_date", "limit": 2})) == ["doc-bamako-3", "doc-bamako-2"]
    assert get("/api/events", params={"sort": "evil"}).status_code == 422
    assert get("/api/events", params={"bbox": "1,2,3"}).status_code == 422


def test_api_incidents_and_clusters(review_client: TestClient) -> None:
    body = review_client.get("/api/incidents").json()
    assert body["total"] == 2 and body["incidents"][0]["incident_id"] == "inc-1"
    one = review_client.get("/api/incidents/inc-1").json()
    assert [e["event_id"] for e in one["events"]] == ["doc-bamako-1", "doc-bamako-2"]
    assert review_client.get("/api/incidents/nope").status_code == 404
    event = review_client.get("/api/events/doc-bamako-1").json()
    assert event["incident"]["event_ids"] == ["doc-bamako-1", "doc-bamako-2"]
    # the test events have no coordinates: no cluster, and the count says so
    assert review_client.get("/api/clusters", params={"zoom": 3}).json() == {"zoom": 3, "n_events": 0,
                                                                             "clusters": []}
    days = review_client.get("/api/timeline", params={"country": "Mali"}).json()["days"]
    assert days[0] == {"date": "2024-05-03", "event_type": "Violence against civilians", "n": 1}


def test_event_page_lists_the_incidents_other_reports(review_client: TestClient) -> None:
    html = review_client.get("/events/doc-bamako-1").text
    assert 'href="/events/doc-bamako-2"' in html and 'href="/incidents/inc-1"' in html
    assert "Split / merge" in review_client.get("/incidents/inc-1").text


def test_export_current_filter_as_csv_and_geojson(review_client: TestClient) -> None:
    r = review_client.get("/api/export.csv", params={"country": "Mali"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text.count("\n") == 1 + 4  # header + 4 Malian events
    g = review_client.get("/api/export.geojson", params={"country": "Mali"})
    assert g.json() == {"type": "FeatureCollection", "features": []}  # no coordinates, no features


def test_api_review_needs_the_token_header(review_client: TestClient) -> None:
    body = {"action": "edit", "field": "fatalities", "value": 3, "reviewer": "bot"}
    assert review_client.post("/api/review/doc-gao-1", json=body).status_code == 401
    assert review_client.post("/api/review/doc-gao-1", json=body, headers={"X-Review-Token": "no"}).status_code == 401
    r = review_client.post("/api/review/doc-gao-1", json=body, headers={"X-Review-Token": TOKEN})
    assert r.status_code == 200 and (r.json()["before"], r.json()["after"]) == (2, 3)
    event = review_client.get("/api/events/doc-gao-1").json()
    assert event["fatalities"] == 3 and event["review"]["machine"] == {"fatalities": 2}
    assert event["audit"][0]["who"] == "bot"
    bad = review_client.post("/api/review/doc-gao-1", json={"action": "edit", "field": "fatalities", "value": "many"},
                             headers={"X-Review-Token": TOKEN})
    assert bad.status_code == 422


def test_form_review_is_csrf_checked_and_audited(review_client: TestClient) -> None:
    assert review_client.post("/review/doc-gao-1", data={"action": "accept"}).status_code == 401
    csrf = _sign_in(review_client)
    assert review_client.post("/review/doc-gao-1", data={"action": "accept", "csrf": "forged"}).status_code == 403
    r = review_client.post("/review/doc-gao-1", data={"action": "edit", "field": "location", "value": "Gao city",
                                                      "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    html = review_client.get("/events/doc-gao-1").text
    assert '<dd class="corrected">Gao city' in html and "machine: Gao" in html
    audit = review_client.get("/audit").text
    assert "Ana" in audit and "Gao city" in audit
    assert review_client.post("/review/doc-gao-1", data={"action": "edit", "field": "doc_id", "value": "x",
                                                          "csrf": csrf}).status_code == 422


def test_wrong_token_does_not_sign_in(review_client: TestClient) -> None:
    r = review_client.post("/review/login", data={"name": "Eve", "token": "guess", "next": "/"})
    assert r.status_code == 401 and "wrong review token" in r.text
    assert "dateline_session" not in review_client.cookies


def test_read_only_server_refuses_review(tmp_path) -> None:
    db = tmp_path / "ro.db"
    with SQLiteStore(db) as store:
        store.write_batch(_documents())
    client = TestClient(create_app(str(db), review_token=TOKEN, read_only=True))
    r = client.post("/api/review/doc-gao-1", json={"action": "accept"}, headers={"X-Review-Token": TOKEN})
    assert r.status_code == 403
    assert client.get("/review/login").status_code == 403
    assert "read-only" in client.get("/").text


def test_login_redirect_stays_on_this_site(review_client: TestClient) -> None:
    r = review_client.post("/review/login", data={"name": "Ana", "token": TOKEN, "next": "//evil.example/x"},
                           follow_redirects=False)
    assert r.headers["location"] == "/"


def test_docs_page_lists_the_api_without_third_party_scripts(review_client: TestClient) -> None:
    r = review_client.get("/docs")
    assert r.status_code == 200 and "/api/clusters" in r.text and "/api/incidents/{incident_id}" in r.text
    assert "cdn" not in r.text.lower()
    assert review_client.get("/openapi.json").json()["info"]["title"] == "dateline"


def test_attribution_line_names_claimant_channel_and_relay() -> None:
    from dateline.web.app import attribution_line

    ev = Event(doc_id="d", event_id="d-1", event_type="Explosions/Remote violence",
               sub_event_type="Shelling/artillery/missile attack", claimed_by=["Ashab al-Kahf"], outlet="Press TV",
               attribution=Attribution(asserted_by="claimant", source="Sabereen News", epistemic="claimed"))
    profile = {"known": True, "state_affiliated": True, "country": "Iran"}
    assert attribution_line(ev, profile) == ("Claimed by Ashab al-Kahf via Sabereen News, relayed by Press TV"
                                             " — state-affiliated (Iran)")
    own = ev.model_copy(update={"claimed_by": [], "attribution": Attribution(asserted_by="outlet",
                                                                             epistemic="asserted")})
    assert attribution_line(own, None) == "Asserted by Press TV"
    anonymous = ev.model_copy(update={"claimed_by": [], "attribution": Attribution(asserted_by="anonymous",
                                                                                   epistemic="reported")})
    assert attribution_line(anonymous, {"known": False}) == "Reported by an anonymous source, relayed by Press TV"
    relayed_claim = ev.model_copy(update={"attribution": Attribution(asserted_by="official", source="officials",
                                                                     epistemic="reported")})
    assert attribution_line(relayed_claim, None) == ("Claimed by Ashab al-Kahf; reported by officials,"
                                                     " relayed by Press TV")


def test_read_only_server_on_a_store_without_migration_003(tmp_path) -> None:
    """An older store opened read-only still browses; free text says what it needs."""
    db = tmp_path / "old.db"
    with SQLiteStore(db) as store:
        store.write_batch(_documents())
        for statement in ("DROP TABLE event_fts", "DROP TABLE corrections", "DROP TABLE audit_log",
                          "DROP TRIGGER events_fts_before_insert", "DROP TRIGGER events_fts_after_insert",
                          "DROP TRIGGER events_fts_after_delete", "DROP TRIGGER events_fts_after_update",
                          "DELETE FROM schema_migrations WHERE name = '003_review_fts'"):
            store.db.execute(statement)
    client = TestClient(create_app(str(db), read_only=True))
    assert client.get("/events/doc-gao-1").status_code == 200
    assert client.get("/api/events/doc-gao-1").json()["review"]["status"] == "unreviewed"
    r = client.get("/api/events", params={"q": "Gao"})
    assert r.status_code == 409 and "003_review_fts" in r.json()["detail"]
    with SQLiteStore(db, read_only=True) as store:
        assert not store.has_review_schema()  # read-only never migrated it


def test_serve_prints_a_generated_token_and_binds_localhost(tmp_path, monkeypatch) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from dateline.cli import app as cli_app

    db = tmp_path / "s.db"
    with SQLiteStore(db) as store:
        store.write_batch(_documents())
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: calls.append((application, kw)))
    r = CliRunner().invoke(cli_app, ["serve", "--db", str(db), "--port", "8123"])
    assert r.exit_code == 0, r.output
    assert calls[0][1]["host"] == "127.0.0.1" and calls[0][1]["port"] == 8123
    token = calls[0][0].state.auth.token
    assert token and len(token) >= 20 and f"review token: {token}" in r.output
    r = CliRunner().invoke(cli_app, ["serve", "--db", str(db), "--read-only"])
    assert calls[1][0].state.auth.token is None and "read-only" in r.output


def test_loopback_server_refuses_foreign_host_headers(tmp_path) -> None:
    from dateline.web.app import allowed_hosts_for

    db = tmp_path / "h.db"
    with SQLiteStore(db) as store:
        store.write_batch(_documents())
    client = TestClient(create_app(str(db), allowed_hosts=allowed_hosts_for("127.0.0.1")), base_url="http://127.0.0.1")
    assert client.get("/api/events").status_code == 200
    assert client.get("/api/events", headers={"host": "rebound.example"}).status_code == 400
    assert allowed_hosts_for("0.0.0.0") is None


def test_table_and_list_show_the_review_status(review_client: TestClient) -> None:
    review_client.post("/api/review/doc-kabul-1", json={"action": "reject"}, headers={"X-Review-Token": TOKEN})
    events = {e["event_id"]: e["review_status"] for e in review_client.get("/api/events").json()["events"]}
    assert events["doc-kabul-1"] == "rejected" and events["doc-gao-1"] == "unreviewed"
    assert '<span class="status status-rejected">rejected</span>' in review_client.get("/").text


def test_tiles_are_opt_in_and_the_csp_allows_only_their_origin(tmp_path) -> None:
    from dateline.web.app import tile_origin

    db = tmp_path / "t.db"
    with SQLiteStore(db) as store:
        store.write_batch(_documents())
    url = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    client = TestClient(create_app(str(db), tiles=url, tiles_attribution="© Example"))
    r = client.get("/")
    assert r.headers["content-security-policy"] == "default-src 'self'; img-src 'self' https://*.tile.example.org"
    assert 'data-tiles="https://{s}.tile.example.org/{z}/{x}/{y}.png"' in r.text
    with pytest.raises(InputError):
        tile_origin("http://tile.example.org/{z}/{x}/{y}.png")  # cleartext tiles would leak the view
    assert 'data-tiles' not in TestClient(create_app(str(db))).get("/").text


def test_edit_box_starts_from_the_current_value(review_client: TestClient) -> None:
    csrf = _sign_in(review_client)
    review_client.post("/review/doc-gao-1", data={"action": "edit", "field": "fatalities", "value": "7", "csrf": csrf})
    html = review_client.get("/events/doc-gao-1").text
    assert '<option value="fatalities" data-current="7">' in html
    assert '<option value="location" data-current="Gao">' in html
    assert '<script src="/static/review.js"></script>' in html


def test_every_table_sort_is_a_store_sort_key() -> None:
    from dateline.store.sqlite import SORT_COLUMNS
    from dateline.web.app import TABLE_SORTS

    assert {key for key, _ in TABLE_SORTS} <= set(SORT_COLUMNS)


def test_event_page_says_who_asserts_a_field(tmp_path):
    from datetime import date as _date

    from fastapi.testclient import TestClient as _TC

    from dateline.model import Attribution, Document, Event, Evidence
    from dateline.store import SQLiteStore
    from dateline.web.app import create_app

    text = "Mardi, une attaque à Kirkouk. Selon le ministère de la Santé, trois policiers ont été tués."
    doc = Document(id="d", text=text, published=_date(2024, 5, 15), lang="fr")
    ev = Event(doc_id="d", event_id="d-1", event_type="Violence against civilians", sub_event_type="Attack",
               fatalities=3, evidence=[Evidence(field="fatalities", start=62, end=67, text=text[62:67])],
               field_attribution={"fatalities": Attribution(asserted_by="official", source="ministère de la Santé",
                                                            epistemic="reported")})
    db = tmp_path / "s.db"
    with SQLiteStore(db) as s:
        s.write_batch([(doc, [ev])])
    page = _TC(create_app(db)).get("/events/d-1").text
    assert "per official: ministère de la Santé, reported" in page


def test_split_merge_undo_from_the_incident_page(review_client: TestClient) -> None:
    csrf = _sign_in(review_client)
    page = review_client.get("/incidents/inc-1").text
    assert "Split doc-bamako-2 out" in page and 'id="merge"' in page

    def incident_of(event_id: str) -> dict:
        return review_client.get(f"/api/events/{event_id}").json()["incident"]

    # CSRF: a form without the token is refused and changes nothing
    assert review_client.post("/incident-edit/split", data={"event_id": "doc-bamako-2"}).status_code == 403
    assert incident_of("doc-bamako-2")["event_ids"] == ["doc-bamako-1", "doc-bamako-2"]
    r = review_client.post("/incident-edit/split", data={"event_id": "doc-bamako-2", "csrf": csrf,
                                                         "reason": "different day"}, follow_redirects=False)
    assert r.status_code == 303
    split_out = r.headers["location"].split("/incidents/")[1].split("#")[0]
    assert incident_of("doc-bamako-2")["incident_id"] == split_out
    assert incident_of("doc-bamako-1")["event_ids"] == ["doc-bamako-1"]
    history = review_client.get(f"/incidents/{split_out}").text
    assert "different day" in history and "Undo" in history
    actions = review_client.get("/api/link-actions").json()
    assert [a["action"] for a in actions] == ["split"] and actions[0]["actor"] == "Ana"
    # merge back, then undo the merge: the split stands again
    r = review_client.post("/incident-edit/merge", data={"incident_id": incident_of("doc-bamako-1")["incident_id"],
                                                         "other_incident_id": split_out, "csrf": csrf},
                           follow_redirects=False)
    assert r.status_code == 303
    assert incident_of("doc-bamako-1")["event_ids"] == ["doc-bamako-1", "doc-bamako-2"]
    merge_id = review_client.get("/api/link-actions").json()[-1]["action_id"]
    survivor = incident_of("doc-bamako-1")["incident_id"]
    r = review_client.post("/incident-edit/undo", data={"action_id": str(merge_id), "incident_id": survivor,
                                                        "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert incident_of("doc-bamako-1")["event_ids"] == ["doc-bamako-1"]
    # a bad merge is a clear 400, not a crash
    bad = review_client.post("/incident-edit/merge", data={"incident_id": survivor, "other_incident_id": "nope",
                                                           "csrf": csrf})
    assert bad.status_code == 400
