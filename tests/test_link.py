"""Cross-document linking (link/dedup.py)."""

from datetime import date

from dateline.link.dedup import LinkInput, link


def _e(eid, doc, day, lat, lon, outlet, etype="Explosions/Remote violence", fat=None, prec=1):
    return LinkInput(eid, doc, etype, "Remote explosive/landmine/IED", date(2024, 5, day), 1, lat, lon, prec,
                     outlet, outlet, fat, None)


def test_same_incident_across_outlets_merges_and_conflicts_show():
    incs, pairs = link([
        _e("a-1", "a", 9, 31.90, 44.90, "Dépêche Monde", fat=0),
        _e("b-1", "b", 9, 31.95, 44.93, "Orient TV", fat=2),
        _e("c-1", "c", 12, 31.90, 44.90, "Orient TV"),           # three days later: another incident
        _e("d-1", "d", 9, 33.30, 44.40, "Wire"),                 # same day, 250 km away
        _e("e-1", "e", 9, 31.90, 44.90, "Wire", etype="Battles"),  # another type
    ])
    merged = [i for i in incs if i["n_reports"] > 1]
    assert len(incs) == 4 and len(merged) == 1
    m = merged[0]
    assert m["event_ids"] == ["a-1", "b-1"] and m["n_outlets"] == 2
    assert {c["field"] for c in m["conflicts"]} == {"fatalities"}
    assert pairs >= 1
    assert sorted(e for i in incs for e in i["event_ids"]) == ["a-1", "b-1", "c-1", "d-1", "e-1"]


def test_reports_of_one_document_never_merge():
    incs, _ = link([_e("a-1", "a", 9, 31.9, 44.9, "X"), _e("a-2", "a", 9, 31.9, 44.9, "X")])
    assert len(incs) == 2
