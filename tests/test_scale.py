"""Scale-out runners: --workers and --dask give the very output of a one-process run.

The Dask test starts a real LocalCluster of two worker processes (spawned, so this
module must stay importable without side effects: Dask's ``__main__`` rule).
"""

from __future__ import annotations

import io
import json
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dateline.cli import app
from dateline.errors import ClusterError
from dateline.scale.runner import run_ordered
from dateline.scale.stream import iter_documents, scan_inputs

from .conftest import EXAMPLES

runner = CliRunner()

#: Three partitions of 64 and a short last one: enough for out-of-order completion.
FEED_DOCS = 150


def run(*args, input: str | None = None):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False, input=input)


def _feed(path: Path, n: int = FEED_DOCS) -> Path:
    """Short variants of the example reports (700 characters, so a run takes seconds)."""
    examples = [json.loads(line) for line in (EXAMPLES / "reports.jsonl").read_text("utf-8").splitlines()]
    with open(path, "w", encoding="utf-8") as fh:
        for k in range(n):
            doc = dict(examples[k % len(examples)])
            doc["id"] = f"s{k:04d}"
            doc["text"] = doc["text"][:700] + f"\n\nDépêche {k}."
            fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return path


def store_rows(db: Path) -> dict:
    """A store's contents without wall-clock timestamps, comparable across runs."""
    con = sqlite3.connect(db)
    try:
        def rows(sql: str) -> list:
            return sorted(tuple(r) for r in con.execute(sql))

        return {
            "documents": rows("SELECT id, content_hash, title, published, lang, outlet, url, source_line, text, zones"
                              " FROM documents"),
            "events": rows("SELECT * FROM events"),
            "attribution": rows("SELECT * FROM attribution"),
            "evidence": rows('SELECT event_id, field, start, "end", text FROM evidence'),
            "incidents": rows("SELECT incident_id, n_reports, n_outlets, n_independent, conflicts FROM incidents"),
            "incident_events": rows("SELECT * FROM incident_events"),
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The one-process run every runner must reproduce."""
    root = tmp_path_factory.mktemp("scale")
    feed = _feed(root / "feed.jsonl")
    r = run("extract", feed, "--out", root / "events.jsonl", "--db", root / "ref.db", "-q")
    assert r.exit_code == 0, r.output
    events = (root / "events.jsonl").read_text("utf-8")
    assert events.count("\n") >= FEED_DOCS  # short reports still have events
    return feed, events, store_rows(root / "ref.db")


def test_workers_give_the_output_of_one_process(reference, tmp_path):
    feed, events, rows = reference
    r = run("extract", feed, "--workers", "2", "--out", tmp_path / "events.jsonl", "--db", tmp_path / "w.db", "-q")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "events.jsonl").read_text("utf-8") == events
    assert store_rows(tmp_path / "w.db") == rows


def test_resume_with_workers_completes_a_partial_store(reference, tmp_path):
    feed, _events, rows = reference
    lines = feed.read_text("utf-8").splitlines(keepends=True)
    half = tmp_path / "half.jsonl"
    half.write_text("".join(lines[:70]), encoding="utf-8")
    db = tmp_path / "resume.db"
    assert run("extract", half, "--db", db, "-q").exit_code == 0
    r = run("extract", feed, "--db", db, "--resume", "--workers", "2")
    assert r.exit_code == 0, r.output
    assert "resume: 70 document(s) already in the store" in r.output
    assert store_rows(db) == rows


def test_dask_local_cluster_gives_the_output_of_one_process(reference, tmp_path):
    pytest.importorskip("distributed")
    feed, events, rows = reference
    start = time.monotonic()
    r = run("extract", feed, "--dask", "local:2", "--out", tmp_path / "events.jsonl", "--db", tmp_path / "d.db", "-q")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "events.jsonl").read_text("utf-8") == events
    assert store_rows(tmp_path / "d.db") == rows
    assert time.monotonic() - start < 120  # cluster start, two model loads, 150 short documents


def test_dask_scheduler_address_spreads_partitions_over_both_workers(reference, tmp_path):
    """``--dask tcp://…``: a running cluster (here a LocalCluster started by the test);
    both workers run partitions and the output is still the one-process output."""
    distributed = pytest.importorskip("distributed")
    feed, events, _rows = reference
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        r = run("extract", feed, "--dask", cluster.scheduler_address, "--out", tmp_path / "events.jsonl", "-q")
        assert r.exit_code == 0, r.output
        with distributed.Client(cluster) as client:
            executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
            loaded = client.run(lambda: __import__("dateline.scale.runner").scale.runner._RESOURCES is not None)
    assert (tmp_path / "events.jsonl").read_text("utf-8") == events
    assert len(executed) == 2 and all(n >= 1 for n in executed.values()), executed
    assert all(loaded.values())  # the warm-up plugin ran on every worker


@pytest.mark.parametrize("spec", ["local:0", "local:x", "myhost:8786"])
def test_bad_dask_target_is_a_usage_error(spec, tmp_path):
    feed = _feed(tmp_path / "feed.jsonl", 2)
    r = run("extract", feed, "--dask", spec, "--out", tmp_path / "e.jsonl", "--db", tmp_path / "s.db")
    assert r.exit_code == 1
    assert "[E030]" in r.output and not (tmp_path / "e.jsonl").exists() and not (tmp_path / "s.db").exists()


def test_workers_and_dask_together_is_a_usage_error(tmp_path):
    feed = _feed(tmp_path / "feed.jsonl", 2)
    assert run("extract", feed, "--dask", "local:2", "--workers", "2").exit_code == 2
    assert run("extract", feed, "--workers", "0").exit_code == 2


def test_run_ordered_restores_input_order_and_bounds_work_in_flight():
    """Later partitions finish first (spooled to disk); results still come out in order."""
    in_flight, peak = 0, 0
    lock = threading.Lock()

    def work(part: list[int]) -> list[int]:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.05 if part[0] % 20 == 0 else 0.001)  # every other partition is slow
        with lock:
            in_flight -= 1
        return [x * 10 for x in part]

    parts = [list(range(i, i + 10)) for i in range(0, 200, 10)]
    with ThreadPoolExecutor(4) as pool:
        out = list(run_ordered(lambda p: pool.submit(work, p), iter(parts), max_in_flight=3))
    assert out == [x * 10 for x in range(200)]
    assert peak <= 3


def test_run_ordered_raises_a_worker_error():
    def work(part: list[int]) -> list[int]:
        if part[0] == 3:
            raise ValueError("boom")
        return part

    with ThreadPoolExecutor(2) as pool, pytest.raises(ValueError, match="boom"):
        list(run_ordered(lambda p: pool.submit(work, p), iter([[i] for i in range(6)]), max_in_flight=2))


def test_scan_then_stream_reads_stdin_twice(monkeypatch):
    lines = "".join(json.dumps({"id": f"d{i}", "text": f"texte {i}"}) + "\n" for i in range(3))
    lines += "not json\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(lines.encode())))
    scan = scan_inputs(["-"], skip_bad=True)
    try:
        assert scan.n_documents == 3 and [e.line for e in scan.errors] == [4]
        assert [d.id for d in iter_documents(scan)] == ["d0", "d1", "d2"]
        assert [d.id for d in iter_documents(scan)] == ["d0", "d1", "d2"]  # any number of passes
    finally:
        path = scan.stdin_copy
        scan.cleanup()
    assert path is not None and not path.exists()


def test_scan_without_skip_bad_raises_before_streaming(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a", "text": "x"}\n{oops\n', encoding="utf-8")
    with pytest.raises(Exception) as info:
        scan_inputs([str(feed)])
    assert "feed.jsonl:2" in str(info.value)


def test_cluster_error_names_the_target():
    from dateline.scale.dask_runner import parse_target

    with pytest.raises(ClusterError, match="local:N"):
        parse_target("local:-1")
    assert parse_target("local:3").n_workers == 3
    assert parse_target("tcp://10.0.0.1:8786").address == "tcp://10.0.0.1:8786"


def test_one_process_extract_imports_no_scale_out_or_server_stack():
    """Cold start: a plain ``dateline extract`` must not pay for Dask, the web stack,
    Parquet or the PostgreSQL driver (docs/benchmarks.md, cold start)."""
    import subprocess
    import sys

    code = ("import sys; from dateline.cli import app; from dateline.scale import results_stream;"
            " from dateline.scale.stream import scan_inputs; from dateline.store import open_store;"
            " import dateline.pipeline;"
            " print(sorted(m for m in ('dask', 'distributed', 'fastapi', 'uvicorn', 'pyarrow', 'psycopg')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_reader_warnings_are_logged_once_for_two_passes(tmp_path, caplog):
    """The scan reads every input too; only the streaming pass reports how it read them."""
    import logging

    latin1 = tmp_path / "fr.txt"
    latin1.write_bytes("Une roquette est tombée près de la base aérienne, a indiqué l'armée.".encode("cp1252"))
    with caplog.at_level(logging.INFO):
        scan = scan_inputs([str(latin1)])
        assert not [r for r in caplog.records if r.name == "dateline.ingest.readers"]
        assert [d.id for d in iter_documents(scan)] == ["fr"]
    notes = [r for r in caplog.records if r.name == "dateline.ingest.readers" and r.levelno >= logging.WARNING]
    assert len(notes) == 1 and "not UTF-8" in notes[0].getMessage()
