"""Scorers behind ``dateline evaluate``, on tiny hand-made fixtures with hand-computed values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dateline.evaluate import (
    DISORDER_OF_TYPE,
    EVENT_TYPES,
    SUB_TO_TYPE,
    detect_task,
    find_eval_sets,
    haversine_km,
    load_jsonl,
    score_acled,
    score_arabic_gsr,
    score_classify,
    score_geoparse,
    score_seeds,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"

# ----------------------------------------------------------------- seed fixtures


def gold_event(gold_id: str = "A-1", **overrides) -> dict:
    """A seed gold row in the gold/README.md shape (only the fields the scorer reads)."""
    row = {
        "doc": "A",
        "gold_id": gold_id,
        "required": True,
        "event_date": "2020-07-24",
        "date_tolerance_days": 1,
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Shelling/artillery/missile attack",
        "actor1": ["Ashab al-Kahf", "Companions of the Cave"],
        "actor2": ["US forces"],
        "claimed_by": ["Ashab al-Kahf", "Companions of the Cave"],
        "latitude": 33.0,
        "longitude": 44.0,
        "tolerance_km": 30,
        "fatalities": None,
        "asserted_by": "outlet",
        "epistemic": "asserted",
    }
    row.update(overrides)
    return row


def predicted_event(event_id: str = "A-p1", **overrides) -> dict:
    """A prediction in the CONTRACT ``extract`` shape that matches :func:`gold_event`."""
    row = {
        "doc_id": "A",
        "event_id": event_id,
        "event_date": "2020-07-24",
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Shelling/artillery/missile attack",
        "actor1": "Ashab al-Kahf",
        "claimed_by": ["Companions of the Cave"],
        "latitude": 33.0,
        "longitude": 44.0,
        "fatalities": None,
        "confidence": 0.8,
        "attribution": {"asserted_by": "outlet", "source": None, "epistemic": "asserted"},
    }
    row.update(overrides)
    return row


def test_duplicate_prediction_is_a_false_positive():
    gold = [gold_event()]
    preds = [predicted_event("A-p1"), predicted_event("A-p2")]
    result = score_seeds(preds, gold)
    assert result.metrics["recall"] == 1.0
    assert result.metrics["precision"] == 0.5
    assert result.metrics["f1"] == pytest.approx(2 / 3)
    assert result.gold[0].event_id == "A-p1"
    assert [p.event_id for p in result.unmatched_predictions] == ["A-p2"]


def test_half_credit_when_only_event_type_matches():
    gold = [gold_event()]
    preds = [predicted_event(sub_event_type="Air/drone strike")]
    result = score_seeds(preds, gold)
    assert result.gold[0].credit == 0.5
    assert result.metrics["recall"] == 0.5
    assert result.metrics["precision"] == 1.0  # a half-credit match is still a match
    assert result.metrics["n_half_credit"] == 1


def test_wrong_event_type_fails_on_type():
    pred = predicted_event(event_type="Battles", sub_event_type="Armed clash")
    result = score_seeds([pred], [gold_event()])
    assert result.gold[0].credit == 0.0
    assert result.gold[0].failure == "type"
    assert result.gold[0].nearest_event_id == "A-p1"
    assert result.metrics["precision"] == 0.0


@pytest.mark.parametrize(
    ("predicted_date", "credit", "failure"),
    [
        ("2020-07-25", 1.0, None),  # exactly the tolerance (1 day): inclusive
        ("2020-07-23", 1.0, None),
        ("2020-07-26", 0.0, "date"),  # one day past the tolerance
        (None, 0.0, "date"),  # a missing date fails
        ("juillet", 0.0, "date"),  # an unparseable date fails
    ],
)
def test_date_tolerance_boundary(predicted_date, credit, failure):
    result = score_seeds([predicted_event(event_date=predicted_date)], [gold_event()])
    assert result.gold[0].credit == credit
    assert result.gold[0].failure == failure


def test_distance_boundary_is_inclusive():
    # One degree of latitude north: the tolerance is set to the exact haversine distance.
    exact_km = haversine_km(33.0, 44.0, 34.0, 44.0)
    assert exact_km == pytest.approx(6371 * 3.141592653589793 / 180)
    pred = predicted_event(latitude=34.0)
    assert score_seeds([pred], [gold_event(tolerance_km=exact_km)]).gold[0].credit == 1.0
    failed = score_seeds([pred], [gold_event(tolerance_km=exact_km - 0.01)]).gold[0]
    assert (failed.credit, failed.failure) == (0.0, "place")
    assert failed.distance_km == pytest.approx(exact_km)


def test_missing_coordinates_fail_the_place_test():
    result = score_seeds([predicted_event(latitude=None)], [gold_event()])
    assert result.gold[0].failure == "place"
    assert result.gold[0].distance_km is None


def test_greedy_prefers_higher_credit_over_distance():
    # p1 gets half credit on A-1 (same spot) but full credit on A-2 (20 km away).
    gold = [
        gold_event("A-1", sub_event_type="Air/drone strike"),
        gold_event("A-2", latitude=33.18),
    ]
    result = score_seeds([predicted_event("p1")], gold)
    by_id = {row.gold_id: row for row in result.gold}
    assert by_id["A-2"].event_id == "p1" and by_id["A-2"].credit == 1.0
    assert by_id["A-1"].event_id is None and by_id["A-1"].failure == "taken"


def test_greedy_ties_break_by_distance_then_date():
    # Same credit: the nearer gold event wins.
    gold = [gold_event("A-far", latitude=33.1), gold_event("A-near", latitude=33.05)]
    by_id = {row.gold_id: row for row in score_seeds([predicted_event("p1")], gold).gold}
    assert by_id["A-near"].event_id == "p1"
    assert by_id["A-far"].event_id is None
    # Same credit and distance: the smaller date difference wins.
    gold = [gold_event("A-later", event_date="2020-07-25"), gold_event("A-same")]
    by_id = {row.gold_id: row for row in score_seeds([predicted_event("p1")], gold).gold}
    assert by_id["A-same"].event_id == "p1"
    assert by_id["A-later"].event_id is None


def test_greedy_assignment_is_global_not_first_come():
    # p1 is equally valid for both gold events but nearer to A-2; p2 only fits A-1.
    gold = [gold_event("A-1", latitude=33.0), gold_event("A-2", latitude=33.1)]
    preds = [predicted_event("p1", latitude=33.09), predicted_event("p2", latitude=32.95)]
    by_id = {row.gold_id: row for row in score_seeds(preds, gold).gold}
    assert by_id["A-1"].event_id == "p2"
    assert by_id["A-2"].event_id == "p1"


def test_recall_counts_required_only_and_other_documents_do_not_match():
    gold = [
        gold_event("A-1"),
        gold_event("A-2", required=False, sub_event_type="Air/drone strike", latitude=35.0),
        gold_event("B-1", doc="B"),
    ]
    # The C prediction sits on A-1's spot but in document C, so it cannot match.
    preds = [predicted_event("A-p1"), predicted_event("C-p1", doc_id="C")]
    result = score_seeds(preds, gold)
    by_id = {row.gold_id: row for row in result.gold}
    assert result.metrics["recall"] == 0.5  # A-1 found, B-1 (required) missed
    assert result.metrics["precision"] == 0.5
    assert by_id["B-1"].failure == "no prediction"
    assert by_id["A-2"].failure == "place"  # half-credit type and date, 222 km off
    assert result.metrics["n_predictions_outside_gold_docs"] == 1


def test_actor_claimant_fatalities_and_attribution_on_matched_pairs():
    gold = [
        gold_event("A-1"),
        gold_event("A-2", latitude=35.0, actor1=[], claimed_by=[], fatalities=4,
                   asserted_by="cited_media", epistemic="reported"),
    ]
    preds = [
        # Actor named only as claimant, in another case: right. Extra non-alias claimant: wrong.
        predicted_event("p1", actor1=None, claimed_by=["ashab AL-KAHF", "Kataib Hezbollah"]),
        # Unknown gold actor: "Unidentified Armed Group (Iraq)" is right; no claims, as gold.
        predicted_event("p2", latitude=35.0, actor1="Unidentified Armed Group (Iraq)", claimed_by=[],
                        fatalities=4, attribution={"asserted_by": "cited_media", "epistemic": "claimed"}),
    ]
    result = score_seeds(preds, gold)
    by_id = {row.gold_id: row for row in result.gold}
    assert by_id["A-1"].actor_ok is True
    assert by_id["A-1"].claimed_by_ok is False
    assert by_id["A-1"].fatalities_ok is True  # null == null
    assert by_id["A-2"].actor_ok is True
    assert by_id["A-2"].claimed_by_ok is True
    assert by_id["A-2"].asserted_by_ok is True
    assert by_id["A-2"].epistemic_ok is False
    assert result.metrics["actor_right_rate"] == 1.0
    assert result.metrics["claimed_by_right_rate"] == 0.5
    assert result.metrics["fatalities_right_rate"] == 1.0
    assert result.metrics["asserted_by_agreement"] == 1.0
    assert result.metrics["epistemic_agreement"] == 0.5


def test_named_actor_for_unknown_gold_actor_is_wrong():
    gold = [gold_event(actor1=[], claimed_by=[])]
    result = score_seeds([predicted_event(actor1="Islamic State (Iraq)", claimed_by=[])], gold)
    assert result.gold[0].actor_ok is False


def test_seed_result_serialises_to_json():
    result = score_seeds([predicted_event()], [gold_event()])
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["metrics"]["f1"] == 1.0
    assert payload["gold"][0]["gold_id"] == "A-1"


# ----------------------------------------------------------------- classify


def test_classify_f1_by_hand():
    gold = [
        {"id": "1", "label": "Peaceful protest"},
        {"id": "2", "label": "Peaceful protest"},
        {"id": "3", "label": "Protest with intervention"},
        {"id": "4", "label": "Armed clash"},
        {"id": "5", "label": "Natural disaster"},
    ]
    preds = [
        {"doc_id": "1", "label": "Peaceful protest"},
        {"doc_id": "2", "label": "Protest with intervention"},
        {"doc_id": "3", "label": "Protest with intervention"},
        {"doc_id": "5", "label": "Natural disaster"},
        {"doc_id": "99", "label": "Armed clash"},  # no gold: ignored
    ]
    result = score_classify(preds, gold)
    # Per label: Peaceful protest P=1 R=1/2 F1=2/3 (support 2); Protest with intervention
    # P=1/2 R=1 F1=2/3 (1); Armed clash F1=0 (1, missing prediction); Natural disaster F1=1 (1).
    rows = {row.label: row for row in result.per_label}
    assert rows["Peaceful protest"].f1 == pytest.approx(2 / 3)
    assert rows["Protest with intervention"].precision == pytest.approx(0.5)
    assert rows["Armed clash"].f1 == 0.0 and rows["Armed clash"].support == 1
    assert result.metrics["accuracy"] == pytest.approx(3 / 5)
    assert result.metrics["f1_macro"] == pytest.approx((2 / 3 + 2 / 3 + 0 + 1) / 4)  # 7/12
    assert result.metrics["f1_weighted"] == pytest.approx((2 / 3 * 2 + 2 / 3 + 0 + 1) / 5)  # 3/5
    assert result.metrics["n_missing"] == 1
    assert result.metrics["n_predictions_outside_gold"] == 1
    assert result.confusion["Armed clash"] == {"(no prediction)": 1}
    assert result.confusion["Peaceful protest"] == {"Peaceful protest": 1, "Protest with intervention": 1}
    # Event types: Protests 3/3 (F1 1), Battles missed (F1 0), Natural disaster kept as itself (F1 1).
    assert result.metrics["event_type_accuracy"] == pytest.approx(4 / 5)
    assert result.metrics["event_type_f1_macro"] == pytest.approx(2 / 3)
    assert result.metrics["event_type_f1_weighted"] == pytest.approx(4 / 5)
    assert {row.label for row in result.per_event_type} == {"Protests", "Battles", "Natural disaster"}
    assert [(e.doc_id, e.predicted) for e in result.errors] == [
        ("2", "Protest with intervention"),
        ("4", None),
    ]


def test_classify_prediction_outside_labels_costs_recall_only():
    # Like sklearn's f1_score(labels=gold labels): "Attack" is not a gold label, so it adds
    # no false positive to a listed label but still misses "Armed clash".
    gold = [{"id": "1", "label": "Armed clash"}, {"id": "2", "label": "Armed clash"}]
    preds = [{"doc_id": "1", "label": "Armed clash"}, {"doc_id": "2", "label": "Attack"}]
    result = score_classify(preds, gold)
    assert [row.label for row in result.per_label] == ["Armed clash"]
    assert result.per_label[0].precision == 1.0
    assert result.metrics["f1_macro"] == pytest.approx(2 / 3)


# ----------------------------------------------------------------- geoparse

GEO_TEXT = "Fighting in Mosul and Baghdad near New York City. Iraqi"


def toponym(text: str, lat: float | None = None, lon: float | None = None, **extra) -> dict:
    """A toponym dict spanning the first occurrence of ``text`` in :data:`GEO_TEXT`."""
    start = GEO_TEXT.index(text)
    span = {"start": start, "end": start + len(text), "text": text}
    return {**span, "latitude": lat, "longitude": lon, **extra}


def test_geoparse_exact_versus_overlap():
    gold_toponyms = [
        toponym("Mosul", 36.34, 43.13, type="Literal"),
        toponym("Baghdad", 33.31, 44.36, type="Metonymic"),
        toponym("New York City", 40.71, -74.0, type="Literal"),
        toponym("Iraqi", type="Demonym"),  # not a place mention: excluded from gold
    ]
    predicted = [
        toponym("Mosul", 36.34, 43.13),  # exact, 0 km
        toponym("Baghda", 36.34, 43.13),  # overlap only, Mosul's point: far off
        toponym("New York", None, None),  # overlap only, unresolved
        toponym("Fighting", 1.0, 1.0),  # spurious
        toponym("Iraqi", 33.0, 44.0),  # a demonym is not a place: spurious
    ]
    gold = [{"id": "g1", "toponyms": gold_toponyms}]
    result = score_geoparse([{"doc_id": "g1", "toponyms": predicted}], gold)
    m = result.metrics
    assert (m["n_gold"], m["n_predicted"], m["n_exact"], m["n_overlap"]) == (3, 5, 1, 3)
    assert m["exact_precision"] == pytest.approx(1 / 5)
    assert m["exact_recall"] == pytest.approx(1 / 3)
    assert m["exact_f1"] == pytest.approx(0.25)
    assert m["overlap_precision"] == pytest.approx(3 / 5)
    assert m["overlap_f1"] == pytest.approx(0.75)
    baghdad_error = haversine_km(36.34, 43.13, 33.31, 44.36)
    assert baghdad_error > 161
    assert m["n_scored_for_resolution"] == 3
    assert m["n_unresolved"] == 1
    assert m["accuracy_at_161"] == pytest.approx(1 / 3)
    assert m["median_error_km"] == pytest.approx(baghdad_error / 2)
    assert [s.text for s in result.spurious] == ["Fighting", "Iraqi"]
    rows = {row.text: row for row in result.toponyms}
    assert rows["Mosul"].exact and rows["Mosul"].error_km == pytest.approx(0.0)
    assert not rows["Baghdad"].exact and rows["Baghdad"].overlap
    assert rows["New York City"].resolved is False


def test_geoparse_missing_document_counts_as_misses():
    gold = [{"id": "g1", "toponyms": [toponym("Mosul", 36.34, 43.13)]}]
    result = score_geoparse([], gold)
    assert result.metrics["overlap_recall"] == 0.0
    assert result.metrics["n_scored_for_resolution"] == 0
    assert "median_error_km" not in result.metrics  # undefined, not faked as 0 km


def test_geoparse_one_prediction_overlaps_only_one_gold():
    gold = [
        {
            "id": "g1",
            "toponyms": [
                {"start": 0, "end": 3, "text": "Ain", "latitude": None, "longitude": None},
                {"start": 4, "end": 9, "text": "Zalah", "latitude": None, "longitude": None},
            ],
        }
    ]
    preds = [{"doc_id": "g1", "toponyms": [{"start": 0, "end": 9, "text": "Ain Zalah"}]}]
    result = score_geoparse(preds, gold)
    assert result.metrics["n_overlap"] == 1  # one-to-one
    assert result.metrics["overlap_precision"] == 1.0
    assert result.metrics["overlap_recall"] == 0.5


# ----------------------------------------------------------------- ACLED notes


def acled_gold(doc_id: str, **overrides) -> dict:
    row = {
        "id": doc_id,
        "event_date": "2020-05-01",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "latitude": 10.0,
        "longitude": 10.0,
        "fatalities": 0,
    }
    row.update(overrides)
    return row


def acled_pred(doc_id: str, event_id: str, confidence: float | None, **overrides) -> dict:
    row = {
        "doc_id": doc_id,
        "event_id": event_id,
        "event_date": "2020-05-01",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "latitude": 10.0,
        "longitude": 10.0,
        "fatalities": None,
        "confidence": confidence,
    }
    row.update(overrides)
    return row


def test_acled_top_confidence_event_is_scored():
    gold = [
        acled_gold("d1"),
        acled_gold("d2", fatalities=3),
        acled_gold("d3"),
        acled_gold("d4", fatalities=2),
    ]
    wrong_type = {"event_type": "Violence against civilians", "sub_event_type": "Attack"}
    preds = [
        acled_pred("d1", "d1-1", 0.4),  # all right but not the most confident
        acled_pred("d1", "d1-2", 0.9, latitude=10.1, **wrong_type),  # chosen: first of the 0.9 tie
        acled_pred("d1", "d1-3", 0.9),
        acled_pred("d2", "d2-1", 0.75, latitude=10.3),  # ~33 km off; null fatalities vs 3
        acled_pred("d4", "d4-1", 1.0, fatalities=2),
    ]
    result = score_acled(preds, gold)
    rows = {row.doc_id: row for row in result.documents}
    assert rows["d1"].event_id == "d1-2"
    assert rows["d1"].fatalities_ok  # null reads as "none given" == ACLED 0
    assert rows["d1"].distance_ok and rows["d1"].distance_km == pytest.approx(11.12, abs=0.01)
    assert not rows["d2"].distance_ok and not rows["d2"].fatalities_ok
    assert rows["d3"].event_id is None and not rows["d3"].date_ok
    m = result.metrics
    assert m["sub_event_type_accuracy"] == 0.5
    assert m["event_type_accuracy"] == 0.5
    assert m["date_accuracy"] == 0.75
    assert m["distance_accuracy"] == 0.5
    assert m["fatalities_accuracy"] == 0.5
    assert m["end_to_end"] == 0.25
    assert m["n_missing"] == 1
    # Reliability: bin 0.9-1.0 holds d1 (0.9, wrong) and d4 (1.0, right); bin 0.7-0.8 holds d2 (right).
    top, seventh = result.reliability[9], result.reliability[7]
    assert (top.count, top.mean_confidence, top.accuracy) == (2, pytest.approx(0.95), 0.5)
    assert (seventh.count, seventh.accuracy) == (1, 1.0)
    assert sum(b.count for b in result.reliability) == 3
    assert m["expected_calibration_error"] == pytest.approx(2 / 3 * 0.45 + 1 / 3 * 0.25)


def test_acled_null_fatalities_wrong_when_gold_counts_deaths():
    gold = [acled_gold("d1", fatalities=0), acled_gold("d2", fatalities=5), acled_gold("d3", fatalities=0)]
    preds = [
        acled_pred("d1", "d1-1", 0.5, fatalities=None),
        acled_pred("d2", "d2-1", 0.5, fatalities=None),
        acled_pred("d3", "d3-1", 0.5, fatalities=0),
    ]
    rows = {row.doc_id: row.fatalities_ok for row in score_acled(preds, gold).documents}
    assert rows == {"d1": True, "d2": False, "d3": True}


# ----------------------------------------------------------------- Arabic GSR


def test_arabic_gsr_precision_recall_per_event_type():
    gold = [
        {"id": "a1", "event_type": "ASSAULT", "label": "yes"},
        {"id": "a2", "event_type": "ASSAULT", "label": "easy no"},
        {"id": "a3", "event_type": "ASSAULT", "label": "difficult no"},
        {"id": "a4", "event_type": "ASSAULT", "label": "yes"},
        {"id": "a5", "event_type": "ASSAULT", "label": "ambiguous"},
        {"id": "p1", "event_type": "PROTEST", "label": "yes"},
        {"id": "p2", "event_type": "PROTEST", "label": "easy no"},
        {"id": "p3", "event_type": "PROTEST", "label": "yes"},
    ]
    preds = [
        {"doc_id": "a1", "label": "Attack"},  # TP
        {"doc_id": "a2", "label": "Peaceful protest"},  # TN: a protest is not an assault
        {"doc_id": "a3", "label": "Armed clash"},  # FP on a difficult no
        # a4 missing: FN
        {"doc_id": "a5", "label": "Attack"},  # ambiguous: skipped
        {"doc_id": "p1", "label": "Violent demonstration"},  # TP (Riots)
        {"doc_id": "p2", "label": "Natural disaster"},  # TN
        {"doc_id": "p3", "label": "Attack"},  # FN
    ]
    m = score_arabic_gsr(preds, gold).metrics
    assert (m["assault_precision"], m["assault_recall"], m["assault_f1"]) == (0.5, 0.5, 0.5)
    assert (m["protest_precision"], m["protest_recall"]) == (1.0, 0.5)
    assert m["protest_f1"] == pytest.approx(2 / 3)
    assert m["overall_precision"] == pytest.approx(2 / 3)
    assert m["overall_recall"] == 0.5
    assert m["overall_f1"] == pytest.approx(4 / 7)
    assert m["overall_accuracy"] == pytest.approx(4 / 7)
    assert m["false_positive_rate_difficult_no"] == 1.0
    assert m["false_positive_rate_easy_no"] == 0.0
    assert (m["n_skipped"], m["n_missing"]) == (1, 1)


# ----------------------------------------------------------------- datasets


def test_taxonomy_shape():
    assert len(EVENT_TYPES) == 6
    assert sum(len(subs) for subs in EVENT_TYPES.values()) == 25
    assert len(SUB_TO_TYPE) == 25
    assert SUB_TO_TYPE["Remote explosive/landmine/IED"] == "Explosions/Remote violence"
    assert DISORDER_OF_TYPE["Riots"] == "Demonstrations"
    assert set(DISORDER_OF_TYPE) == set(EVENT_TYPES)


def test_taxonomy_agrees_with_dateline_taxonomy():
    taxonomy = pytest.importorskip("dateline.taxonomy")
    assert {k: list(v) for k, v in taxonomy.EVENT_TYPES.items()} == EVENT_TYPES
    assert taxonomy.DISORDER_OF_TYPE == DISORDER_OF_TYPE


def test_load_jsonl_names_file_and_line(tmp_path):
    path = tmp_path / "preds.jsonl"
    path.write_text('{"doc_id": "1"}\n\n{"doc_id": \n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"preds\.jsonl:3: malformed JSON"):
        load_jsonl(path)
    path.write_text('{"doc_id": "1"}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"preds\.jsonl:2: expected a JSON object"):
        load_jsonl(path)
    path.write_text('{"doc_id": "1"}\n\n{"doc_id": "2"}\n', encoding="utf-8")
    assert [r["doc_id"] for r in load_jsonl(path)] == ["1", "2"]


@pytest.mark.parametrize(
    ("record", "task"),
    [
        ({"doc": "000", "gold_id": "000-1", "tolerance_km": 30, "event_date": "2020-07-24"}, "seeds"),
        ({"id": "x", "label": "Peaceful protest"}, "classify"),
        ({"id": "x", "toponyms": []}, "geoparse"),
        (
            {"id": "x", "event_date": "2020-05-01", "sub_event_type": "Attack", "latitude": 1.0, "longitude": 2},
            "acled",
        ),
        ({"id": "x", "event_type": "PROTEST", "label": "yes", "accept": 3}, "arabic_gsr"),
    ],
)
def test_detect_task_by_shape_not_name(tmp_path, record, task):
    # A misleading folder name: the keys decide.
    path = tmp_path / "geo_misnamed" / "dev.gold.jsonl"
    path.parent.mkdir()
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert detect_task(path) == task


def test_detect_task_empty_file_falls_back_to_name_and_rejects_unknown(tmp_path):
    empty = tmp_path / "case2021" / "dev.gold.jsonl"
    empty.parent.mkdir()
    empty.write_text("", encoding="utf-8")
    assert detect_task(empty) == "classify"
    other = tmp_path / "frames.jsonl"
    other.write_text(json.dumps({"id": "x", "frames": []}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no scorer"):
        detect_task(other)


# ----------------------------------------------------------------- shared data


def seed_gold_as_prediction(row: dict) -> dict:
    """The prediction a perfect extractor would write for a seed gold row."""
    return {
        "doc_id": row["doc"],
        "event_id": row["gold_id"],
        "event_date": row["event_date"],
        "event_type": row["event_type"],
        "sub_event_type": row["sub_event_type"],
        "actor1": row["actor1"][0] if row["actor1"] else None,
        "actor2": row["actor2"][0] if row["actor2"] else None,
        "claimed_by": row["claimed_by"][:1],
        "latitude": row["latitude"],
        "longitude": row["longitude"],
        "fatalities": row["fatalities"],
        "confidence": 1.0,
        "attribution": {
            "asserted_by": row["asserted_by"],
            "source": row["source_named"],
            "epistemic": row["epistemic"],
        },
    }


def test_shared_eval_sets_and_seed_gold_scores_perfectly():
    if not (SHARED / "gold" / "seeds.jsonl").is_file():
        pytest.skip(f"shared data not found at {SHARED}")
    sets = find_eval_sets(SHARED)
    expected = {"seeds": "seeds", "case2021": "classify", "acled_2020_sample": "acled",
                "geo_lgl": "geoparse", "geo_gwn": "geoparse", "geo_geovirus": "geoparse",
                "arabic_event_gsr": "arabic_gsr"}
    for name, task in expected.items():
        assert name in sets, f"{name} not found under {SHARED}"
        docs_path, gold_path = sets[name]
        assert docs_path.is_file() and gold_path.is_file()
        assert detect_task(gold_path) == task

    gold = load_jsonl(sets["seeds"][1])
    result = score_seeds([seed_gold_as_prediction(row) for row in gold], gold)
    assert result.metrics["recall"] == 1.0
    assert result.metrics["precision"] == 1.0
    assert result.metrics["n_required"] == 14
    for rate in ("actor_right_rate", "claimed_by_right_rate", "fatalities_right_rate",
                 "asserted_by_agreement", "epistemic_agreement"):
        assert result.metrics[rate] == 1.0, rate
    assert [row.event_id for row in result.gold] == [row["gold_id"] for row in gold]


def test_acled_actor1_is_compared_without_its_period():
    from dateline.evaluate.scorers import actor_key, score_acled

    assert actor_key("Military Forces of Iraq (2020-2022)") == actor_key("military forces of iraq (2020-)")
    assert actor_key("Military Forces of Yemen (2016-) Supreme Political Council") == \
        "military forces of yemen supreme political council"
    assert actor_key(None) == ""
    gold = [{"id": "a", "event_date": "2020-05-09", "sub_event_type": "Attack", "event_type": "Violence against civilians",
             "latitude": 1.0, "longitude": 1.0, "actor1": "Military Forces of Ukraine (2019-)", "fatalities": 0},
            {"id": "b", "event_date": "2020-05-09", "sub_event_type": "Attack", "event_type": "Violence against civilians",
             "latitude": 1.0, "longitude": 1.0, "actor1": "Taliban", "fatalities": 0}]
    preds = [{"doc_id": "a", "event_id": "a-1", "actor1": "Military Forces of Ukraine (2019-2024)", "confidence": 0.9},
             {"doc_id": "b", "event_id": "b-1", "actor1": "Unidentified Armed Group (Afghanistan)", "confidence": 0.9}]
    assert score_acled(preds, gold).metrics["actor1_accuracy"] == 0.5
