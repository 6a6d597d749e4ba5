"""The web UI in a real browser: Playwright driving Debian's chromium against ``dateline serve``.

The store is built from the bundled examples (extract, then link) plus one hostile
document. Set ``DATELINE_SCREENSHOTS=docs/img`` to refresh the README's screenshots from
the same run.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dateline.cli import app as cli_app
from dateline.model import Attribution, Document, Event, Evidence
from dateline.store.sqlite import SQLiteStore

from .conftest import EXAMPLES

CHROMIUM = Path("/usr/bin/chromium")
TOKEN = "browser-test-token"
XSS_TEXT = ("Mossoul, 2 mars. <script>window.__xss = 'script'</script> Un obus est tombé sur le marché. "
            "<img src=x onerror=\"window.__xss = 'img'; alert('xss')\"> Trois civils ont été tués.")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"browser tests need Debian's chromium at {CHROMIUM} "
                                                              "(apt-get install chromium)")
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")


def _hostile() -> tuple[Document, list[Event]]:
    sentence = "Un obus est tombé sur le marché."
    start = XSS_TEXT.index(sentence)
    doc = Document(id="xss", text=XSS_TEXT, title="<script>window.__xss='title'</script>", lang="fr",
                   published=date(2020, 3, 2), outlet="<img src=x onerror=alert(1)>")
    event = Event(doc_id="xss", event_id="xss-1", event_date=date(2020, 3, 2), event_type="Explosions/Remote violence",
                  sub_event_type="Shelling/artillery/missile attack", location="<img src=x onerror=alert(2)>",
                  latitude=36.34, longitude=43.13, geo_precision=3, fatalities=3, country="Iraq",
                  actor1="<script>window.__xss='actor'</script>",
                  attribution=Attribution(asserted_by="outlet", epistemic="asserted"),
                  evidence=[Evidence(field="event", start=start, end=start + len(sentence), text=sentence)])
    return doc, [event]


@pytest.fixture(scope="module")
def example_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled examples, extracted and linked through the CLI, as a user would."""
    db = tmp_path_factory.mktemp("browser") / "examples.db"
    runner = CliRunner()
    r = runner.invoke(cli_app, ["extract", str(EXAMPLES / "reports.jsonl"), "--db", str(db)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli_app, ["link", "--db", str(db)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return db


@pytest.fixture(scope="module")
def base_url(example_db: Path):
    from dateline.web.app import create_app
    from dateline.web.server import serving

    with serving(create_app(str(example_db), review_token=TOKEN)) as url:
        yield url


@pytest.fixture(scope="module")
def hostile_url(example_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """The examples plus one document and event full of markup (a copy: the other store stays clean)."""
    from dateline.web.app import create_app
    from dateline.web.server import serving

    db = tmp_path_factory.mktemp("hostile") / "hostile.db"
    with SQLiteStore(example_db) as src, SQLiteStore(db) as dst:
        dst.write_batch((src.get_document(doc_id), [ev for ev in src.iter_events(where={"doc_id": doc_id})])
                        for doc_id in sorted({ev.doc_id for ev in src.iter_events()}))
        dst.write_batch([_hostile()])
    with serving(create_app(str(db), review_token=TOKEN)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.problems = []  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.problems.append(f"dialog: {d.message}"), d.dismiss()))
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(f"console: {m.text}"))
    yield pg
    context.close()


def _shot(page, name: str, locator: str | None = None) -> None:
    """Save a screenshot to ``$DATELINE_SCREENSHOTS`` (the README's docs/img) when asked to.

    ``locator`` shoots one element; without it, the visible viewport (full pages run past
    the 300 KB the README's images are kept under).
    """
    folder = os.environ.get("DATELINE_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    target = page.locator(locator) if locator else page
    target.screenshot(path=str(Path(folder) / f"{name}.png"))


def test_map_marker_event_page_evidence_and_review(page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.wait_for_selector("#browse[data-map-ready='1']", timeout=20_000)
    markers = page.locator("path.event-marker")
    clusters = page.locator(".cluster")
    assert markers.count() + clusters.count() == 5  # Ain al-Asad (2 reports), Diwaniyah (2), Nasiriyah, Fallujah, Balad
    assert "7 events in view" in page.locator("#map-status").inner_text()
    assert page.locator("#timeline rect.bar").count() >= 4
    page.wait_for_timeout(300)  # let the fitted view settle before the screenshots
    _shot(page, "map", ".map-panel")
    _shot(page, "timeline-table", "body")

    # a single marker opens a popup linking to its event
    markers.first.click()
    link = page.locator(".leaflet-popup a.open-event").first
    link.wait_for(timeout=5_000)
    assert (link.get_attribute("href") or "").startswith("/events/")
    # reports of one place share one point: their cluster lists them; open the claimed rocket attack
    for i in range(clusters.count()):
        clusters.nth(i).click()
        popup = page.locator(".leaflet-popup")
        sync_api.expect(popup).to_have_count(1)  # the previous popup has closed
        if "ex-en-1-1" in popup.inner_text():
            break
    assert page.locator(".leaflet-popup .cluster-events a").count() == 2
    page.locator(".leaflet-popup a.open-event", has_text="ex-en-1-1").click()
    page.wait_for_url(re.compile(r"/events/ex-en-1-1$"))
    assert page.locator("#attribution-line").inner_text() == (
        "Claimed by Ashab al-Kahf; reported by officials, relayed by Meridian News")
    assert page.locator("#article mark[data-field]").count() >= 1
    event_url = page.url

    # sign in with the token, correct a field, see the machine value kept and the audit line
    page.click("text=Sign in with the review token")
    page.fill("#name", "Ana Analyst")
    page.fill("#token", TOKEN)
    page.click("#sign-in")
    page.wait_for_url(event_url)
    page.select_option("#edit-field", "fatalities")
    page.fill("#edit-value", "4")
    page.click("#edit-submit")
    page.wait_for_selector("#audit")
    row = page.locator("#audit tbody tr").first
    assert "Ana Analyst" in row.inner_text() and "fatalities" in row.inner_text()
    assert row.locator("td.after").inner_text() == "4"
    assert "machine:" in page.locator("dd.corrected").inner_text()
    page.click("#accept")
    assert page.locator("#review-status").inner_text() == "accepted"
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, "event")  # the viewport: title, attribution, fields and the highlighted article
    _shot(page, "review", "#review")

    page.goto(base_url + "/audit")
    assert page.locator("#audit tbody tr").count() == 2
    assert page.problems == []  # type: ignore[attr-defined]


def test_brushing_the_timeline_filters_the_map(page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.wait_for_selector("#browse[data-map-ready='1']", timeout=20_000)
    box = page.locator("#timeline svg").bounding_box()
    assert box is not None
    # the examples span 8 days (9 to 16 May 2024), one bar each: drag over the first two
    page.mouse.move(box["x"] + 2, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 2 / 8 - 4, box["y"] + 40, steps=5)
    page.mouse.up()
    assert page.locator("#timeline-status").inner_text() == "2024-05-09 – 2024-05-10"
    sync_api.expect(page.locator("#map-status")).to_contain_text("2 events in view")
    assert "date_from=2024-05-09" in (page.get_attribute("#apply-range", "href") or "")
    page.mouse.click(box["x"] + 10, box["y"] + 40)  # a click clears the range
    sync_api.expect(page.locator("#map-status")).to_contain_text("7 events in view")
    assert page.problems == []  # type: ignore[attr-defined]


def test_hostile_article_executes_nothing(page, hostile_url: str) -> None:
    base_url = hostile_url
    page.goto(base_url + "/events/xss-1")
    assert "<script>window.__xss" in page.locator("#article").inner_text()  # shown as text
    assert page.locator("#article img, #article script").count() == 0
    page.goto(base_url + "/?q=obus")
    page.wait_for_selector("#browse[data-map-ready='1']", timeout=20_000)
    page.locator("path.event-marker").first.click()
    page.locator(".leaflet-popup").wait_for(timeout=5_000)
    assert "<img src=x" in page.locator(".leaflet-popup").inner_text()  # the hostile place name, as text
    assert page.locator("path.precision-ring").count() == 1  # geo_precision 3: a region, drawn as a ring
    assert page.evaluate("window.__xss") is None
    assert page.locator("main img").count() == 0
    assert page.problems == []  # type: ignore[attr-defined]


def test_map_benchmark_runs_end_to_end(browser, tmp_path) -> None:
    """The 50k benchmark's code path on a small store (the figure itself lives in docs/web.md)."""
    from dateline.web.bench import map_first_render

    result = map_first_render(n_events=300, runs=1, workdir=str(tmp_path), browser=browser)
    assert result["n_events"] == 300 and result["runs"] == 1
    assert result["markers_drawn"] > 0
    assert 0 < result["first_render_ms"] < 60_000
