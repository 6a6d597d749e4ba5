"""SQLite store (store/sqlite.py): migrations, idempotent re-ingest, transactions."""

from datetime import date

import pytest

from dateline.model import Attribution, Document, Event, Evidence
from dateline.store import SQLiteStore


def _doc(i="d1", text="Un convoi a été visé à Samawa."):
    return Document(id=i, text=text, published=date(2024, 5, 1), lang="fr", outlet="X")


def _event(doc, n=1):
    return Event(doc_id=doc.id, event_id=f"{doc.id}-{n}", event_type="Explosions/Remote violence",
                 sub_event_type="Remote explosive/landmine/IED", event_date=date(2024, 5, 1), latitude=31.3,
                 longitude=45.28, country="Iraq", claimed_by=["Ashab al-Kahf"],
                 attribution=Attribution(asserted_by="claimant", source="Sabereen News", epistemic="claimed"),
                 evidence=[Evidence(field="event", start=0, end=9, text=doc.text[:9])])


def test_roundtrip_and_idempotent_reingest(tmp_path):
    db = tmp_path / "s.db"
    d = _doc()
    with SQLiteStore(db) as s:
        assert s.write_batch([(d, [_event(d)])]) == (1, 1)
        assert s.write_batch([(d, [_event(d)])]) == (0, 0)  # same content hash: nothing new
        got = s.get_event("d1-1")
    assert got.claimed_by == ["Ashab al-Kahf"] and got.attribution.source == "Sabereen News"
    assert got.evidence[0].text == "Un convoi"
    with SQLiteStore(db) as s:  # migrations are not re-applied
        assert s.migrate() == []
        assert s.count("documents") == 1


def test_changed_document_replaces_its_events(tmp_path):
    with SQLiteStore(tmp_path / "s.db") as s:
        d1 = _doc()
        s.write_batch([(d1, [_event(d1, 1), _event(d1, 2)])])
        d2 = _doc(text="Un convoi a été visé à Diwaniya.")
        s.write_batch([(d2, [_event(d2, 1)])])
        assert s.count("documents") == 1 and s.count("events") == 1


def test_failed_batch_leaves_nothing(tmp_path):
    with SQLiteStore(tmp_path / "s.db") as s:
        d = _doc()
        bad = _event(d)
        with pytest.raises(Exception):
            s.write_batch([(d, [bad, bad.model_copy(update={"evidence": None})])])
        assert s.count("documents") == 0 and s.count("events") == 0


def test_filters(tmp_path):
    with SQLiteStore(tmp_path / "s.db") as s:
        d = _doc()
        s.write_batch([(d, [_event(d)])])
        assert len(list(s.iter_events(where={"country": "Iraq"}))) == 1
        assert list(s.iter_events(where={"date_from": "2024-06-01"})) == []


def test_concurrent_reader_sees_whole_documents(tmp_path):
    """A reader (the web UI) during writes sees every document with all its events or
    not at all: WAL snapshots plus one transaction per batch."""
    import threading

    db = tmp_path / "c.db"
    SQLiteStore(db).close()
    n_docs, per_doc = 60, 3
    done = threading.Event()
    errors: list[str] = []

    def write():
        with SQLiteStore(db) as s:
            for i in range(n_docs):
                d = _doc(i=f"d{i}", text=f"Un convoi a été visé à Samawa ({i}).")
                s.write_batch([(d, [_event(d, n) for n in range(1, per_doc + 1)])])
        done.set()

    t = threading.Thread(target=write)
    t.start()
    seen = 0
    with SQLiteStore(db, read_only=True) as r:
        while not done.is_set() or seen < n_docs:
            r.db.execute("BEGIN")  # one snapshot for both reads, as a page render would take
            docs = r.count("documents")
            events = list(r.iter_events())
            r.db.execute("COMMIT")
            by_doc: dict[str, int] = {}
            for e in events:
                by_doc[e.doc_id] = by_doc.get(e.doc_id, 0) + 1
            if any(v != per_doc for v in by_doc.values()):
                errors.append(f"partial document visible: {by_doc}")
            if len(by_doc) > docs + 1:  # the writer may commit between the two reads
                errors.append("events without their document")
            seen = max(seen, len(by_doc))
            if done.is_set() and seen >= n_docs:
                break
    t.join()
    assert not errors, errors[:3]
    assert seen == n_docs


def test_field_attribution_roundtrip(tmp_path):
    d = _doc()
    ev = _event(d)
    ev.field_attribution = {"fatalities": Attribution(asserted_by="official", source="ministère de la Santé",
                                                      epistemic="reported", cue="Selon")}
    with SQLiteStore(tmp_path / "s.db") as s:
        s.write_batch([(d, [ev])])
        got = s.get_event("d1-1")
    assert got.field_attribution == ev.field_attribution
