"""The command line end to end: the bundled example, every output shape, bad inputs."""

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from dateline.cli import app

from .conftest import EXAMPLES

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ex")
    r = run("extract", EXAMPLES / "reports.jsonl", "--out", out / "events.jsonl", "--db", out / "dateline.db")
    assert r.exit_code == 0, r.output
    return out


def test_extract_example_finds_the_expected_events(example_run):
    import yaml

    events = [json.loads(line) for line in (example_run / "events.jsonl").read_text().splitlines()]
    expected = yaml.safe_load((EXAMPLES / "expected.yaml").read_text())["events"]
    from dateline.evaluate import score_seeds

    gold = [dict(g, gold_id=f"{g['doc']}-{i}", required=True, tolerance_km=g.get("tolerance_km", 25),
                 date_tolerance_days=g.get("date_tolerance_days", 0), actor1=[], actor2=[], claimed_by=[])
            for i, g in enumerate(expected)]
    s = score_seeds(events, gold)
    assert s.metrics["recall"] == 1.0 and s.metrics["precision"] == 1.0


def test_contract_fields_and_evidence(example_run):
    docs = {json.loads(line)["id"]: json.loads(line)["text"] for line in (EXAMPLES / "reports.jsonl").open()}
    for line in (example_run / "events.jsonl").read_text().splitlines():
        e = json.loads(line)
        for key in ("doc_id", "event_id", "event_date", "time_precision", "disorder_type", "event_type",
                    "sub_event_type", "actor1", "inter1", "actor2", "claimed_by", "country", "iso", "admin1",
                    "location", "latitude", "longitude", "geo_precision", "fatalities", "confidence",
                    "attribution", "evidence", "notes"):
            assert key in e
        assert e["attribution"]["asserted_by"] in {"outlet", "claimant", "cited_media", "official", "anonymous"}
        for ev in e["evidence"]:
            assert docs[e["doc_id"]][ev["start"]:ev["end"]] == ev["text"]


def test_store_and_exports(example_run, tmp_path):
    db = example_run / "dateline.db"
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from documents").fetchone()[0] == 5
    assert con.execute("select count(*) from events").fetchone()[0] >= 7
    assert con.execute("select count(*) from incidents").fetchone()[0] >= 1
    con.close()
    for fmt in ("csv", "jsonl", "geojson", "parquet"):
        r = run("export", "--db", db, "--format", fmt, "--out", tmp_path / f"e.{fmt}")
        assert r.exit_code == 0 and (tmp_path / f"e.{fmt}").stat().st_size > 0


def test_rerun_is_idempotent(example_run):
    db = example_run / "dateline.db"
    r = run("extract", EXAMPLES / "reports.jsonl", "--db", db, "--resume", "-q")
    assert r.exit_code == 0
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from documents").fetchone()[0] == 5


def test_link_cli(example_run, tmp_path):
    r = run("link", example_run / "events.jsonl", "--out", tmp_path / "inc.jsonl")
    assert r.exit_code == 0
    incs = [json.loads(line) for line in (tmp_path / "inc.jsonl").read_text().splitlines()]
    ids = [e for i in incs for e in i["event_ids"]]
    assert len(ids) == len(set(ids)) == len((example_run / "events.jsonl").read_text().splitlines())
    # the Ain al-Asad rocket attack is reported in French and in English
    assert any(i["n_reports"] >= 2 and i["n_outlets"] >= 2 for i in incs)


def test_classify_and_geoparse_shapes(tmp_path):
    r = run("classify", EXAMPLES / "reports.jsonl", "--out", tmp_path / "l.jsonl")
    assert r.exit_code == 0
    labels = [json.loads(line) for line in (tmp_path / "l.jsonl").read_text().splitlines()]
    assert len(labels) == 5 and all(lab["top"][0][0] == lab["label"] for lab in labels)
    r = run("geoparse", EXAMPLES / "reports.jsonl", "--out", tmp_path / "p.jsonl")
    assert r.exit_code == 0
    recs = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    names = {t["text"] for rec in recs for t in rec["toponyms"]}
    assert {"Fallujah", "Diwaniya"} <= names


# -- bad input: one line naming file and line, exit 1, nothing written ------------------
BAD = {
    "binary.jsonl": b"\x89PNG\r\n\x1a\n\x00\x00\x00",
    "truncated.jsonl": b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "cut',
    "empty.jsonl": b"",
    "notext.jsonl": b'{"id": "a", "title": "no text"}\n',
    "latin1.txt": "Un convoi a été visé à Falloujah.".encode("utf-16-le")[:-1],
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_fails_cleanly(tmp_path, name):
    p = tmp_path / name
    p.write_bytes(BAD[name])
    out = tmp_path / "events.jsonl"
    r = runner.invoke(app, ["extract", str(p), "--out", str(out)])
    assert r.exit_code == 1, r.output
    msg = r.output.strip().splitlines()
    assert len(msg) == 1 and name in msg[0] and "Traceback" not in r.output
    assert not out.exists()
    assert not list(tmp_path.glob(".events.jsonl.*"))  # no temp file left behind


def test_skip_bad_processes_the_rest(tmp_path):
    feed = tmp_path / "feed.jsonl"
    lines = [json.dumps({"id": "ok", "text": "Des roquettes ont frappé la base d'Aïn al-Asad mardi.",
                         "published": "2024-05-15", "lang": "fr"}), "{not json", json.dumps({"id": "x", "text": " "})]
    feed.write_text("\n".join(lines) + "\n")
    out, errs = tmp_path / "e.jsonl", tmp_path / "errors.jsonl"
    r = run("extract", feed, "--out", out, "--skip-bad", "--errors", errs)
    assert r.exit_code == 0
    bad = [json.loads(line) for line in errs.read_text().splitlines()]
    assert [b["line"] for b in bad] == [2, 3] and all(b["file"].endswith("feed.jsonl") for b in bad)
    assert len(out.read_text().splitlines()) == 1


def test_usage_error_exit_code():
    assert runner.invoke(app, ["extract"]).exit_code == 2
    assert runner.invoke(app, ["export", "--format", "xlsx"]).exit_code == 2
