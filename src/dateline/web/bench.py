"""Map benchmark: time to first map render with 50,000 events, measured in a real browser.

Not a test (it takes a minute and depends on the machine): run
``python -m dateline.web.bench --n 50000`` and record the figure in ``docs/web.md``.
The store is synthetic (random places in a box over the Middle East and the Sahel,
random types and dates over a year) because the point is the number of events the map
must summarise, not their content.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dateline.model import Attribution, Document, Event
from dateline.store.sqlite import SQLiteStore
from dateline.taxonomy import EVENT_TYPES

CHROMIUM = "/usr/bin/chromium"
#: Synthetic events fall in this box (south, west, north, east): Mali to Iran.
BOX = (10.0, -10.0, 40.0, 60.0)
BATCH = 2000


def synthetic_batches(n_events: int, seed: int = 7) -> Any:
    """``(document, [event])`` batches for :meth:`SQLiteStore.write_batch`, one event per document."""
    rng = random.Random(seed)
    types = [(t, subs[0]) for t, subs in EVENT_TYPES.items()]
    start = date(2024, 1, 1)
    batch = []
    for i in range(n_events):
        event_type, sub = rng.choice(types)
        lat, lon = rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3])
        day = start + timedelta(days=rng.randrange(366))
        text = f"Synthetic report {i}: {sub.lower()} near place {i % 997} on {day.isoformat()}."
        doc = Document(id=f"syn-{i}", text=text, published=day, lang="en", outlet=f"Outlet {i % 50}")
        ev = Event(doc_id=doc.id, event_id=f"syn-{i}-1", event_date=day, event_type=event_type, sub_event_type=sub,
                   location=f"Place {i % 997}", latitude=round(lat, 4), longitude=round(lon, 4),
                   geo_precision=rng.choice((1, 1, 1, 2, 3)), fatalities=rng.choice((None, 0, 1, 2, 5, 12)),
                   confidence=0.5, outlet=doc.outlet, lang="en",
                   attribution=Attribution(asserted_by="outlet", epistemic="asserted"))
        batch.append((doc, [ev]))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def build_store(path: Path, n_events: int) -> float:
    """Write the synthetic store; returns seconds taken."""
    t0 = time.perf_counter()
    with SQLiteStore(path) as store:
        for batch in synthetic_batches(n_events):
            store.write_batch(batch)
    return time.perf_counter() - t0


def map_first_render(n_events: int = 50_000, runs: int = 3, workdir: str | None = None,
                     browser: Any = None) -> dict[str, Any]:
    """Build a store of ``n_events``, serve it, and time the map's first render in chromium.

    ``first_render_ms`` is ``performance.now()`` when the first clusters are drawn (the
    page sets ``data-first-render-ms``), i.e. from navigation start: HTML, Leaflet, the
    extent and the cluster request included. The median of ``runs`` fresh page loads is
    reported, with the cluster API's own latency for the whole area. ``browser`` reuses a
    running Playwright browser (tests); otherwise one is launched.
    """
    from playwright.sync_api import sync_playwright

    from dateline.web.app import create_app
    from dateline.web.server import serving

    with tempfile.TemporaryDirectory(prefix="dateline-map-bench-", dir=workdir) as tmp:
        db = Path(tmp) / "bench.db"
        build_s = build_store(db, n_events)
        with serving(create_app(str(db), review_token="bench")) as url:
            if browser is not None:
                renders, markers = _time_loads(browser, url, runs)
            else:
                with sync_playwright() as p:
                    launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
                    renders, markers = _time_loads(launched, url, runs)
                    launched.close()
            api_ms = _api_latency_ms(url)
    return {"n_events": n_events, "runs": runs, "first_render_ms": statistics.median(renders),
            "first_render_ms_all": renders, "markers_drawn": markers, "clusters_api_ms": api_ms,
            "build_store_s": round(build_s, 1)}


def _time_loads(browser: Any, url: str, runs: int) -> tuple[list[float], int]:
    """First-render times of ``runs`` fresh page loads, and the markers of the first view."""
    renders: list[float] = []
    markers = 0
    for _ in range(runs):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url + "/")
        page.wait_for_selector("#browse[data-map-ready='1']", timeout=120_000)
        renders.append(float(page.get_attribute("#browse", "data-first-render-ms") or "nan"))
        markers = page.locator("path.event-marker, .cluster").count()
        page.close()
    return renders, markers


def _api_latency_ms(page_url: str, zoom: int = 4, repeat: int = 5) -> float:
    """Median wall time of ``/api/clusters`` for the whole box at ``zoom`` (server side plus HTTP)."""
    import httpx

    bbox = f"{BOX[1]},{BOX[0]},{BOX[3]},{BOX[2]}"
    times = []
    with httpx.Client(base_url=page_url, timeout=60) as client:
        for _ in range(repeat):
            t0 = time.perf_counter()
            client.get("/api/clusters", params={"bbox": bbox, "zoom": zoom}).raise_for_status()
            times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(map_first_render(args.n, args.runs)))


if __name__ == "__main__":
    main()
