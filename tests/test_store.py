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
