"""Scorers behind ``dateline evaluate``: pure functions over plain JSONL records.

Predictions are dicts in the CONTRACT shapes (``extract``, ``classify``, ``geoparse``);
gold rows are read unchanged from ``shared/eval`` and ``shared/gold``. Each scorer returns
a frozen result with a flat ``metrics`` dict (for a table or JSON) and detail rows that
show *which* records were wrong and why, because an aggregate alone does not say what
to fix. Ratios with an empty denominator are 0.0 (scikit-learn's ``zero_division=0``);
error distances that cannot be computed are left out of ``metrics`` rather than faked.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from dateline.evaluate.datasets import event_type_of
from dateline.geo import EARTH_RADIUS_KM, haversine_km  # noqa: F401  (re-exported)

ACLED_DISTANCE_KM = 25.0  # CONTRACT: an ACLED-notes location is right within 25 km.
ACCURACY_KM = 161.0  # 100 miles: the customary geoparsing threshold (Leidner 2008; Gritta et al.).
MAX_ERROR_KM = 20039.0  # Half the Earth's circumference: the worst possible error, used for AUC.
CALIBRATION_BINS = 10  # Reliability table in tenths of confidence, as the brief asks.

MISSING = "(no prediction)"  # Key for a missing prediction in confusion matrices.

# GeoWebNews types that name a place (Gritta et al. 2019's literal and associative
# toponyms). They are exactly the types the corpus authors gave coordinates to;
# Demonym, Language, Homonym and the *_Expression / Non_Toponym annotations are not
# place names and are left out of both span F1 and resolution.
GWN_PLACE_TYPES = frozenset(
    {
        "Literal",
        "Literal_Modifier",
        "Mixed",
        "Coercion",
        "Embedded_Literal",
        "Metonymic",
        "Non_Literal_Modifier",
        "Embedded_Non_Lit",
    }
)

# Arabic GSR (PLOVER) categories and the ACLED event types that count as detecting them.
GSR_POSITIVE_TYPES: dict[str, frozenset[str]] = {
    "ASSAULT": frozenset({"Battles", "Explosions/Remote violence", "Violence against civilians"}),
    "PROTEST": frozenset({"Protests", "Riots"}),
}
GSR_POSITIVE_LABEL = "yes"
GSR_NEGATIVE_LABELS = frozenset({"easy no", "difficult no"})


class _Result:
    """Mixin: every result serialises to plain JSON-ready dicts."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]


# --------------------------------------------------------------------------- helpers


def _point(record: dict) -> tuple[float, float] | None:
    """``(lat, lon)`` of a record, or ``None`` if either is missing or not a number."""
    try:
        lat, lon = float(record.get("latitude")), float(record.get("longitude"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if math.isnan(lat) or math.isnan(lon):
        return None
    return lat, lon


def _distance(a: dict, b: dict) -> float | None:
    pa, pb = _point(a), _point(b)
    if pa is None or pb is None:
        return None
    return haversine_km(pa[0], pa[1], pb[0], pb[1])


def _day(value: Any) -> date | None:
    """ISO day of a value (``YYYY-MM-DD``, time part ignored), else ``None``."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _same(pred: dict, gold: dict, field: str) -> bool:
    """Field present in the prediction and equal to gold (a missing field is wrong)."""
    return pred.get(field) is not None and pred.get(field) == gold.get(field)


def _names(value: Any) -> list[str]:
    """A name field as a list of non-empty strings (accepts null, a string or a list)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    return [v for v in value if isinstance(v, str) and v.strip()]


def _fold(names: Iterable[str]) -> set[str]:
    return {name.strip().casefold() for name in names}


def _greedy(candidates: list[tuple[tuple, int, int]]) -> dict[int, int]:
    """One-to-one assignment: take ``(key, left, right)`` pairs in key order, each side once."""
    used_right: set[int] = set()
    assigned: dict[int, int] = {}
    for _key, left, right in sorted(candidates, key=lambda c: (c[0], c[1], c[2])):
        if left in assigned or right in used_right:
            continue
        assigned[left] = right
        used_right.add(right)
    return assigned


def _index_by_doc(predictions: list[dict], key: str = "doc_id") -> dict[str, list[dict]]:
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for record in predictions:
        by_doc[str(record.get(key))].append(record)
    return by_doc


# --------------------------------------------------------------------------- seeds


@dataclass(frozen=True)
class _SeedTest:
    """Outcome of the gold/README.md tests for one prediction against one gold event."""

    type_credit: float
    date_diff_days: int | None
    distance_km: float | None
    date_ok: bool
    place_ok: bool

    @property
    def credit(self) -> float:
        return self.type_credit if self.date_ok and self.place_ok else 0.0

    @property
    def stage(self) -> int:
        """How far the prediction gets through type, date, place (3 = all pass)."""
        if self.type_credit == 0:
            return 0
        if not self.date_ok:
            return 1
        return 3 if self.place_ok else 2


_SEED_FAILURES = ("type", "date", "place", "taken")


def _seed_test(pred: dict, gold: dict) -> _SeedTest:
    if _same(pred, gold, "sub_event_type"):
        type_credit = 1.0
    elif _same(pred, gold, "event_type"):
        type_credit = 0.5
    else:
        type_credit = 0.0
    pred_day, gold_day = _day(pred.get("event_date")), _day(gold.get("event_date"))
    date_diff = abs((pred_day - gold_day).days) if pred_day and gold_day else None
    tolerance_days = gold.get("date_tolerance_days") or 0
    distance = _distance(pred, gold)
    tolerance_km = gold.get("tolerance_km")
    return _SeedTest(
        type_credit=type_credit,
        date_diff_days=date_diff,
        distance_km=distance,
        date_ok=date_diff is not None and date_diff <= tolerance_days,
        place_ok=distance is not None and tolerance_km is not None and distance <= float(tolerance_km),
    )


def _seed_actor_right(pred: dict, gold: dict) -> bool:
    """Actor1 or a claimant is an alias of gold actor1 or claimed_by; unknown gold wants null/UAG."""
    aliases = _fold(_names(gold.get("actor1")) + _names(gold.get("claimed_by")))
    offered = _names(pred.get("actor1")) + _names(pred.get("claimed_by"))
    if any(name.strip().casefold() in aliases for name in offered):
        return True
    if not _names(gold.get("actor1")):
        actor = _names(pred.get("actor1"))
        return not actor or actor[0].strip().casefold().startswith("unidentified armed group")
    return False


def _seed_claims_right(pred: dict, gold: dict) -> bool:
    """Every predicted claimant is a gold alias, and claims are empty exactly when gold's are."""
    predicted = _names(pred.get("claimed_by"))
    aliases = _fold(_names(gold.get("claimed_by")))
    if not aliases:
        return not predicted
    return bool(predicted) and all(name.strip().casefold() in aliases for name in predicted)


def _attribution(pred: dict) -> dict:
    value = pred.get("attribution")
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class SeedGoldRow:
    """One gold event and what happened to it.

    ``distance_km``/``date_diff_days`` refer to the matched prediction or, when unmatched,
    to ``nearest_event_id``, the prediction that passed the most tests (type, date, place
    in that order). ``failure`` is the first test that nearest prediction failed, ``"taken"``
    when a passing prediction was assigned to another gold event, or ``"no prediction"``.
    """

    gold_id: str
    doc: str
    required: bool
    event_id: str | None
    credit: float
    distance_km: float | None
    date_diff_days: int | None
    failure: str | None
    nearest_event_id: str | None = None
    actor_ok: bool | None = None
    claimed_by_ok: bool | None = None
    fatalities_ok: bool | None = None
    asserted_by_ok: bool | None = None
    epistemic_ok: bool | None = None


@dataclass(frozen=True)
class UnmatchedPrediction:
    """A predicted event that matched no gold event (a false positive)."""

    doc_id: str
    event_id: str
    event_type: str | None
    sub_event_type: str | None
    event_date: str | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class SeedScore(_Result):
    metrics: dict[str, float]
    gold: list[SeedGoldRow]
    unmatched_predictions: list[UnmatchedPrediction]


def _event_id(pred: dict, position: int) -> str:
    event_id = pred.get("event_id")
    return str(event_id) if event_id is not None else f"{pred.get('doc_id')}#{position}"


def score_seeds(predictions: list[dict], gold: list[dict]) -> SeedScore:
    """Score ``extract`` output against ``gold/seeds.jsonl`` with the README matching rule.

    Per document, pairs with credit > 0 are assigned greedily, one-to-one, by highest
    credit, then smaller distance, then smaller date difference (then file order, so the
    result is deterministic). Recall is credit over required gold events; precision counts
    every prediction, including those for documents without gold. Actor, claimant,
    fatalities and attribution agreement are rates over matched pairs.
    """
    preds_by_doc: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for position, pred in enumerate(predictions):
        preds_by_doc[str(pred.get("doc_id"))].append((position, pred))
    gold_by_doc: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for index, row in enumerate(gold):
        gold_by_doc[str(row.get("doc"))].append((index, row))

    gold_rows: dict[int, SeedGoldRow] = {}
    matched_positions: set[int] = set()
    checks: Counter[str] = Counter()
    n_pairs = 0

    for doc, gold_items in gold_by_doc.items():
        doc_preds = preds_by_doc.get(doc, [])
        tests = {
            (gi, pos): _seed_test(pred, row) for gi, row in gold_items for pos, pred in doc_preds
        }
        candidates = [
            (
                (
                    -test.credit,
                    test.distance_km if test.distance_km is not None else math.inf,
                    test.date_diff_days if test.date_diff_days is not None else math.inf,
                ),
                gi,
                pos,
            )
            for (gi, pos), test in tests.items()
            if test.credit > 0
        ]
        assignment = _greedy(candidates)
        pred_at = dict(doc_preds)
        for gi, row in gold_items:
            base = {"gold_id": str(row.get("gold_id")), "doc": doc, "required": bool(row.get("required"))}
            if gi in assignment:
                pos = assignment[gi]
                pred, test = pred_at[pos], tests[(gi, pos)]
                matched_positions.add(pos)
                attribution = _attribution(pred)
                row_checks = {
                    "actor_ok": _seed_actor_right(pred, row),
                    "claimed_by_ok": _seed_claims_right(pred, row),
                    "fatalities_ok": pred.get("fatalities") == row.get("fatalities"),
                    "asserted_by_ok": attribution.get("asserted_by") == row.get("asserted_by"),
                    "epistemic_ok": attribution.get("epistemic") == row.get("epistemic"),
                }
                n_pairs += 1
                checks.update(name for name, ok in row_checks.items() if ok)
                gold_rows[gi] = SeedGoldRow(
                    **base,
                    event_id=_event_id(pred, pos),
                    credit=test.credit,
                    distance_km=test.distance_km,
                    date_diff_days=test.date_diff_days,
                    failure=None,
                    **row_checks,
                )
            elif not doc_preds:
                gold_rows[gi] = SeedGoldRow(
                    **base, event_id=None, credit=0.0, distance_km=None, date_diff_days=None,
                    failure="no prediction",
                )
            else:
                pos, test = min(
                    ((pos, tests[(gi, pos)]) for pos, _ in doc_preds),
                    key=lambda item: (
                        -item[1].stage,
                        item[1].distance_km if item[1].distance_km is not None else math.inf,
                        item[1].date_diff_days if item[1].date_diff_days is not None else math.inf,
                    ),
                )
                gold_rows[gi] = SeedGoldRow(
                    **base,
                    event_id=None,
                    credit=0.0,
                    distance_km=test.distance_km,
                    date_diff_days=test.date_diff_days,
                    failure=_SEED_FAILURES[test.stage],
                    nearest_event_id=_event_id(pred_at[pos], pos),
                )

    rows = [gold_rows[i] for i in sorted(gold_rows)]
    unmatched = [
        UnmatchedPrediction(
            doc_id=str(pred.get("doc_id")),
            event_id=_event_id(pred, pos),
            event_type=pred.get("event_type"),
            sub_event_type=pred.get("sub_event_type"),
            event_date=pred.get("event_date"),
            latitude=pred.get("latitude"),
            longitude=pred.get("longitude"),
        )
        for pos, pred in enumerate(predictions)
        if pos not in matched_positions
    ]
    required = [row for row in rows if row.required]
    recall = _ratio(sum(row.credit for row in required), len(required))
    precision = _ratio(len(matched_positions), len(predictions))
    metrics: dict[str, float] = {
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
        "n_predictions": len(predictions),
        "n_matched_predictions": len(matched_positions),
        "n_gold": len(rows),
        "n_required": len(required),
        "required_credit": sum(row.credit for row in required),
        "n_full_credit": sum(1 for row in rows if row.credit == 1.0),
        "n_half_credit": sum(1 for row in rows if row.credit == 0.5),
        "n_predictions_outside_gold_docs": sum(
            len(items) for doc, items in preds_by_doc.items() if doc not in gold_by_doc
        ),
        "actor_right_rate": _ratio(checks["actor_ok"], n_pairs),
        "claimed_by_right_rate": _ratio(checks["claimed_by_ok"], n_pairs),
        "fatalities_right_rate": _ratio(checks["fatalities_ok"], n_pairs),
        "asserted_by_agreement": _ratio(checks["asserted_by_ok"], n_pairs),
        "epistemic_agreement": _ratio(checks["epistemic_ok"], n_pairs),
    }
    return SeedScore(metrics=metrics, gold=rows, unmatched_predictions=unmatched)


# --------------------------------------------------------------------------- classify


@dataclass(frozen=True)
class LabelRow:
    """Per-label precision/recall/F1; ``support`` = gold count, ``predicted`` = predicted count."""

    label: str
    precision: float
    recall: float
    f1: float
    support: int
    predicted: int


@dataclass(frozen=True)
class ClassifyError:
    doc_id: str
    gold: str
    predicted: str | None


@dataclass(frozen=True)
class ClassifyScore(_Result):
    metrics: dict[str, float]
    per_label: list[LabelRow]
    confusion: dict[str, dict[str, int]]
    per_event_type: list[LabelRow]
    event_type_confusion: dict[str, dict[str, int]]
    errors: list[ClassifyError]


def _label_report(
    y_true: list[str], y_pred: list[str | None], labels: list[str]
) -> tuple[dict[str, float], list[LabelRow], dict[str, dict[str, int]]]:
    """Accuracy and sklearn-equivalent weighted/macro F1 over ``labels`` (zero_division=0).

    As in ``f1_score(labels=...)``, a wrong prediction outside ``labels`` still costs the
    gold label recall but adds no false positive to a listed label.
    """
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    confusion: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for truth, guess in zip(y_true, y_pred, strict=True):
        confusion[truth][guess if guess is not None else MISSING] += 1
        if guess is not None:
            predicted[guess] += 1
        if truth == guess:
            tp[truth] += 1
        else:
            fn[truth] += 1
            if guess is not None:
                fp[guess] += 1
    rows = []
    for label in labels:
        precision = _ratio(tp[label], tp[label] + fp[label])
        recall = _ratio(tp[label], tp[label] + fn[label])
        rows.append(
            LabelRow(
                label=label,
                precision=precision,
                recall=recall,
                f1=_f1(precision, recall),
                support=tp[label] + fn[label],
                predicted=predicted[label],
            )
        )
    total_support = sum(row.support for row in rows)
    metrics = {
        "accuracy": _ratio(sum(tp.values()), len(y_true)),
        "f1_weighted": _ratio(sum(row.f1 * row.support for row in rows), total_support),
        "f1_macro": _ratio(sum(row.f1 for row in rows), len(rows)),
    }
    plain_confusion = {truth: dict(guesses) for truth, guesses in confusion.items()}
    return metrics, rows, plain_confusion


def score_classify(
    predictions: list[dict], gold: list[dict], labels: list[str] | None = None
) -> ClassifyScore:
    """Score ``classify`` output (``doc_id``, ``label``) against gold (``id``, ``label``).

    Labels default to the sorted gold labels. A gold document without a prediction counts
    as wrong (predicted ``None``); the first prediction per document wins. The same report
    is repeated at the ACLED event-type level (sub-type mapped to its type; non-ACLED classes
    and unknown labels map to themselves).
    """
    predicted_by_doc: dict[str, str | None] = {}
    for pred in predictions:
        predicted_by_doc.setdefault(str(pred.get("doc_id")), pred.get("label"))
    gold_ids = [str(row.get("id")) for row in gold]
    y_true = [str(row.get("label")) for row in gold]
    y_pred = [predicted_by_doc.get(doc_id) for doc_id in gold_ids]
    label_list = list(labels) if labels is not None else sorted(set(y_true))

    metrics, per_label, confusion = _label_report(y_true, y_pred, label_list)
    type_true = [event_type_of(label) or "" for label in y_true]
    type_pred = [event_type_of(label) for label in y_pred]
    type_labels = list(dict.fromkeys(event_type_of(label) or "" for label in label_list))
    type_metrics, per_type, type_confusion = _label_report(type_true, type_pred, type_labels)

    gold_id_set = set(gold_ids)
    flat: dict[str, float] = {
        **metrics,
        **{f"event_type_{name}": value for name, value in type_metrics.items()},
        "n_gold": len(gold),
        "n_missing": sum(1 for guess in y_pred if guess is None),
        "n_predictions_outside_gold": sum(1 for doc in predicted_by_doc if doc not in gold_id_set),
    }
    errors = [
        ClassifyError(doc_id=doc_id, gold=truth, predicted=guess)
        for doc_id, truth, guess in zip(gold_ids, y_true, y_pred, strict=True)
        if truth != guess
    ]
    return ClassifyScore(
        metrics=flat,
        per_label=per_label,
        confusion=confusion,
        per_event_type=per_type,
        event_type_confusion=type_confusion,
        errors=errors,
    )


# --------------------------------------------------------------------------- geoparse


@dataclass(frozen=True)
class ToponymRow:
    """One scored gold toponym: how it was matched and, if resolved, how far off."""

    doc_id: str
    start: int
    end: int
    text: str | None
    exact: bool
    overlap: bool
    pred_start: int | None = None
    pred_end: int | None = None
    pred_text: str | None = None
    error_km: float | None = None
    resolved: bool | None = None  # None when unmatched or the gold toponym has no coordinates


@dataclass(frozen=True)
class SpuriousToponym:
    """A predicted span that overlaps no gold toponym (a false positive)."""

    doc_id: str
    start: int | None
    end: int | None
    text: str | None


@dataclass(frozen=True)
class GeoScore(_Result):
    metrics: dict[str, float]
    toponyms: list[ToponymRow]
    spurious: list[SpuriousToponym]


def is_place_mention(toponym: dict) -> bool:
    """True for gold toponyms that name a place; untyped corpora (LGL, GeoVirus) keep all."""
    kind = toponym.get("type")
    return kind is None or kind in GWN_PLACE_TYPES


def _span(toponym: dict) -> tuple[int, int] | None:
    start, end = toponym.get("start"), toponym.get("end")
    if isinstance(start, int) and isinstance(end, int) and not isinstance(start, bool) and end > start:
        return start, end
    return None


def _gold_toponyms(record: dict) -> list[dict]:
    """Place-mention toponyms of one gold record, one per span (first with coordinates wins)."""
    by_span: dict[tuple[int, int], dict] = {}
    for toponym in record.get("toponyms") or []:
        span = _span(toponym)
        if span is None or not is_place_mention(toponym):
            continue
        if span not in by_span or (_point(by_span[span]) is None and _point(toponym) is not None):
            by_span[span] = toponym
    return [by_span[span] for span in sorted(by_span)]


def _log_error_auc(errors_km: list[float]) -> float:
    """Area under the sorted, normalised log-error curve (Gritta et al. 2018); 0 is perfect."""
    scaled = sorted(math.log1p(e) / math.log1p(MAX_ERROR_KM) for e in errors_km)
    if len(scaled) == 1:
        return scaled[0]
    area = sum((a + b) / 2 for a, b in zip(scaled, scaled[1:]))
    return area / (len(scaled) - 1)


def score_geoparse(predictions: list[dict], gold: list[dict]) -> GeoScore:
    """Score ``geoparse`` output against the ``geo_*`` gold sets.

    Gold toponyms: all of LGL and GeoVirus; for GeoWebNews only :data:`GWN_PLACE_TYPES`
    (the types the corpus annotates with coordinates; Demonym, Language, Homonym and
    non-toponym expressions are not place mentions). Span F1 is reported exact (same
    start and end) and overlap (any shared character; one-to-one, greedy by longest
    overlap). Resolution uses overlap-matched pairs whose gold toponym has coordinates:
    a pair without a predicted point counts as a miss in ``accuracy_at_161`` and as the
    maximal error in ``auc_log_error``; median and mean error cover resolved points only.
    Documents without a prediction count as all misses; predictions for documents
    without gold are ignored (counted in ``n_docs_outside_gold``).
    """
    preds_by_doc = _index_by_doc(predictions)
    gold_ids = {str(record.get("id")) for record in gold}
    rows: list[ToponymRow] = []
    spurious: list[SpuriousToponym] = []
    n_predicted = n_exact = 0
    errors_km: list[float] = []
    n_unresolved = 0

    for record in gold:
        doc_id = str(record.get("id"))
        gold_tops = _gold_toponyms(record)
        pred_tops = [t for pred in preds_by_doc.get(doc_id, []) for t in pred.get("toponyms") or []]
        n_predicted += len(pred_tops)
        pred_spans = [_span(t) for t in pred_tops]
        gold_spans = [_span(t) for t in gold_tops]

        exact_pairs = _greedy(
            [
                ((0,), gi, pi)
                for gi, gs in enumerate(gold_spans)
                for pi, ps in enumerate(pred_spans)
                if ps == gs
            ]
        )
        overlap_candidates = []
        for gi, (gs, ge) in enumerate(gold_spans):  # type: ignore[misc]
            for pi, ps in enumerate(pred_spans):
                if ps is None:
                    continue
                shared = min(ge, ps[1]) - max(gs, ps[0])
                if shared > 0:
                    offset = abs(gs - ps[0]) + abs(ge - ps[1])
                    # Exact pairs first, so every exact match is also an overlap match.
                    overlap_candidates.append(((offset != 0, -shared, offset), gi, pi))
        overlap_pairs = _greedy(overlap_candidates)
        n_exact += len(exact_pairs)

        for gi, toponym in enumerate(gold_tops):
            start, end = gold_spans[gi]  # type: ignore[misc]
            pi = overlap_pairs.get(gi)
            if pi is None:
                rows.append(
                    ToponymRow(doc_id=doc_id, start=start, end=end, text=toponym.get("text"),
                               exact=gi in exact_pairs, overlap=False)
                )
                continue
            pred = pred_tops[pi]
            error: float | None = None
            resolved: bool | None = None
            if _point(toponym) is not None:
                error = _distance(pred, toponym)
                resolved = error is not None
                if error is None:
                    n_unresolved += 1
                else:
                    errors_km.append(error)
            rows.append(
                ToponymRow(
                    doc_id=doc_id, start=start, end=end, text=toponym.get("text"),
                    exact=gi in exact_pairs, overlap=True,
                    pred_start=pred.get("start"), pred_end=pred.get("end"), pred_text=pred.get("text"),
                    error_km=error, resolved=resolved,
                )
            )
        matched_preds = set(overlap_pairs.values())
        spurious.extend(
            SpuriousToponym(doc_id=doc_id, start=t.get("start"), end=t.get("end"), text=t.get("text"))
            for pi, t in enumerate(pred_tops)
            if pi not in matched_preds
        )

    n_gold = len(rows)
    n_overlap = sum(1 for row in rows if row.overlap)
    exact_p, exact_r = _ratio(n_exact, n_predicted), _ratio(n_exact, n_gold)
    over_p, over_r = _ratio(n_overlap, n_predicted), _ratio(n_overlap, n_gold)
    n_scored = len(errors_km) + n_unresolved
    metrics: dict[str, float] = {
        "exact_precision": exact_p,
        "exact_recall": exact_r,
        "exact_f1": _f1(exact_p, exact_r),
        "overlap_precision": over_p,
        "overlap_recall": over_r,
        "overlap_f1": _f1(over_p, over_r),
        "n_gold": n_gold,
        "n_predicted": n_predicted,
        "n_exact": n_exact,
        "n_overlap": n_overlap,
        "n_scored_for_resolution": n_scored,
        "n_unresolved": n_unresolved,
        "accuracy_at_161": _ratio(sum(1 for e in errors_km if e <= ACCURACY_KM), n_scored),
        "n_docs_outside_gold": sum(1 for doc in preds_by_doc if doc not in gold_ids),
    }
    if errors_km:
        metrics["median_error_km"] = statistics.median(errors_km)
        metrics["mean_error_km"] = statistics.fmean(errors_km)
    if n_scored:
        metrics["auc_log_error"] = _log_error_auc(errors_km + [MAX_ERROR_KM] * n_unresolved)
    return GeoScore(metrics=metrics, toponyms=rows, spurious=spurious)


# --------------------------------------------------------------------------- ACLED notes


@dataclass(frozen=True)
class AcledRow:
    """The top-confidence prediction for one ACLED note, field by field."""

    doc_id: str
    event_id: str | None
    confidence: float | None
    gold_sub_event_type: str | None
    predicted_sub_event_type: str | None
    sub_event_type_ok: bool
    event_type_ok: bool
    date_ok: bool
    distance_km: float | None
    distance_ok: bool
    fatalities_ok: bool
    end_to_end: bool
    actor1_ok: bool = False
    predicted_actor1: str | None = None
    gold_actor1: str | None = None


@dataclass(frozen=True)
class ReliabilityBin:
    """Confidence bin ``[lower, upper)`` (the last bin includes 1.0)."""

    lower: float
    upper: float
    count: int
    mean_confidence: float | None
    accuracy: float | None


@dataclass(frozen=True)
class AcledScore(_Result):
    metrics: dict[str, float]
    documents: list[AcledRow]
    reliability: list[ReliabilityBin]


def _confidence(pred: dict) -> float | None:
    value = pred.get("confidence")
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)


def _top_prediction(preds: list[dict]) -> dict | None:
    """Highest confidence wins; ties (and missing confidences) keep the earlier event."""
    best: dict | None = None
    best_conf = -math.inf
    for pred in preds:
        conf = _confidence(pred)
        score = conf if conf is not None else -math.inf
        if best is None or score > best_conf:
            best, best_conf = pred, score
    return best


def _fatalities_ok(predicted: Any, gold: Any) -> bool:
    """Null means "the text gives none", which ACLED codes as 0: so null and 0 are equal.

    A null prediction is therefore wrong only when gold counts deaths (gold != 0).
    A non-integer prediction is always wrong.
    """
    def as_count(value: Any) -> int | None:
        if value is None:
            return 0
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            return None
        return int(value)

    guess = as_count(predicted)
    return guess is not None and guess == as_count(gold)


def _bin_index(confidence: float) -> int:
    clamped = min(max(confidence, 0.0), 1.0)
    # round() absorbs float noise such as 0.7 * 10 = 7.000000000000001 or 0.3 * 10 = 2.9999.
    return min(int(math.floor(round(clamped * CALIBRATION_BINS, 9))), CALIBRATION_BINS - 1)


def reliability_table(
    confidences: list[float], correct: list[bool]
) -> tuple[list[ReliabilityBin], float]:
    """Reliability bins and expected calibration error (count-weighted |accuracy - confidence|)."""
    members: list[list[int]] = [[] for _ in range(CALIBRATION_BINS)]
    for index, conf in enumerate(confidences):
        members[_bin_index(conf)].append(index)
    bins: list[ReliabilityBin] = []
    ece = 0.0
    total = len(confidences)
    for b, indices in enumerate(members):
        lower, upper = b / CALIBRATION_BINS, (b + 1) / CALIBRATION_BINS
        if not indices:
            bins.append(ReliabilityBin(lower, upper, 0, None, None))
            continue
        mean_conf = statistics.fmean(confidences[i] for i in indices)
        accuracy = sum(correct[i] for i in indices) / len(indices)
        ece += len(indices) / total * abs(accuracy - mean_conf)
        bins.append(ReliabilityBin(lower, upper, len(indices), mean_conf, accuracy))
    return bins, ece


_PERIOD = re.compile(r"\s*\((?:\d{4})-(?:\d{4})?\)")


def actor_key(name: str | None) -> str:
    """An ACLED actor name without its period ("Military Forces of Iraq (2020-2022)" and
    "(2020-)" are one actor: ACLED renames closed periods in later exports), case-folded;
    unknown is the empty string, so a missing actor1 matches a missing one."""
    if not name:
        return ""
    return " ".join(_PERIOD.sub("", name).casefold().split())


def score_acled(predictions: list[dict], gold: list[dict]) -> AcledScore:
    """Score ``extract`` on ACLED notes: the top-confidence event per document vs the gold row.

    ``end_to_end`` needs sub_event_type, exact date and distance <= 25 km all right;
    ``end_to_end_event_type`` is the same with event_type (the CONTRACT's "type" is read
    strictly, the looser variant is reported beside it). Documents with no prediction are
    wrong on every metric and absent from the reliability table, as are predictions
    without a numeric confidence. Fatalities: null and 0 are equal (see ``_fatalities_ok``).
    ``actor1_accuracy`` compares actor names without their period (:func:`actor_key`).
    """
    preds_by_doc = _index_by_doc(predictions)
    rows: list[AcledRow] = []
    e2e_type = 0
    confidences: list[float] = []
    correct: list[bool] = []
    distances: list[float] = []
    missing = 0

    for record in gold:
        doc_id = str(record.get("id"))
        pred = _top_prediction(preds_by_doc.get(doc_id, []))
        if pred is None:
            missing += 1
            rows.append(
                AcledRow(doc_id, None, None, record.get("sub_event_type"), None,
                         False, False, False, None, False, False, False)
            )
            continue
        sub_ok = _same(pred, record, "sub_event_type")
        type_ok = _same(pred, record, "event_type")
        pred_day = _day(pred.get("event_date"))
        date_ok = pred_day is not None and pred_day == _day(record.get("event_date"))
        distance = _distance(pred, record)
        distance_ok = distance is not None and distance <= ACLED_DISTANCE_KM
        if distance is not None:
            distances.append(distance)
        e2e_type += type_ok and date_ok and distance_ok
        conf = _confidence(pred)
        if conf is not None:
            confidences.append(conf)
            correct.append(sub_ok)
        event_id = pred.get("event_id")
        rows.append(
            AcledRow(
                doc_id=doc_id,
                event_id=str(event_id) if event_id is not None else None,
                confidence=conf,
                gold_sub_event_type=record.get("sub_event_type"),
                predicted_sub_event_type=pred.get("sub_event_type"),
                sub_event_type_ok=sub_ok,
                event_type_ok=type_ok,
                date_ok=date_ok,
                distance_km=distance,
                distance_ok=distance_ok,
                fatalities_ok=_fatalities_ok(pred.get("fatalities"), record.get("fatalities")),
                end_to_end=sub_ok and date_ok and distance_ok,
                actor1_ok=actor_key(pred.get("actor1")) == actor_key(record.get("actor1")),
                predicted_actor1=pred.get("actor1"),
                gold_actor1=record.get("actor1"),
            )
        )

    bins, ece = reliability_table(confidences, correct)
    n = len(rows)
    gold_ids = {row.doc_id for row in rows}
    metrics: dict[str, float] = {
        "sub_event_type_accuracy": _ratio(sum(r.sub_event_type_ok for r in rows), n),
        "event_type_accuracy": _ratio(sum(r.event_type_ok for r in rows), n),
        "date_accuracy": _ratio(sum(r.date_ok for r in rows), n),
        "distance_accuracy": _ratio(sum(r.distance_ok for r in rows), n),
        "fatalities_accuracy": _ratio(sum(r.fatalities_ok for r in rows), n),
        "actor1_accuracy": _ratio(sum(r.actor1_ok for r in rows), n),
        "end_to_end": _ratio(sum(r.end_to_end for r in rows), n),
        "end_to_end_event_type": _ratio(e2e_type, n),
        "expected_calibration_error": ece,
        "n_docs": n,
        "n_missing": missing,
        "n_calibrated": len(confidences),
        "n_docs_outside_gold": sum(1 for doc in preds_by_doc if doc not in gold_ids),
    }
    if distances:
        metrics["median_distance_km"] = statistics.median(distances)
    return AcledScore(metrics=metrics, documents=rows, reliability=bins)


# --------------------------------------------------------------------------- Arabic GSR


@dataclass(frozen=True)
class GsrRow:
    """A judged sentence the classifier got wrong."""

    doc_id: str
    event_type: str
    gold_label: str
    predicted_label: str | None
    predicted_positive: bool


@dataclass(frozen=True)
class ArabicGsrScore(_Result):
    metrics: dict[str, float]
    errors: list[GsrRow]


def score_arabic_gsr(predictions: list[dict], gold: list[dict]) -> ArabicGsrScore:
    """Event detection on ``arabic_event_gsr`` from ``classify`` labels.

    A sentence is predicted positive for ASSAULT when its label's ACLED event type is
    Battles, Explosions/Remote violence or Violence against civilians, and for PROTEST when
    it is Protests or Riots. Gold "yes" is positive, "easy no"/"difficult no" negative,
    "ambiguous" is skipped. A missing prediction is a negative prediction (nothing was
    detected), counted in ``n_missing``. P/R/F1 are on the positive class, per event type
    and pooled over both.
    """
    predicted_by_doc: dict[str, str | None] = {}
    for pred in predictions:
        predicted_by_doc.setdefault(str(pred.get("doc_id")), pred.get("label"))

    counts: dict[str, Counter[str]] = {scope: Counter() for scope in (*GSR_POSITIVE_TYPES, "overall")}
    negatives_flagged: Counter[str] = Counter()
    negatives_seen: Counter[str] = Counter()
    errors: list[GsrRow] = []
    skipped = missing = 0

    for record in gold:
        kind, label = record.get("event_type"), record.get("label")
        judged = label == GSR_POSITIVE_LABEL or label in GSR_NEGATIVE_LABELS
        if kind not in GSR_POSITIVE_TYPES or not judged:
            skipped += 1
            continue
        doc_id = str(record.get("id"))
        if doc_id not in predicted_by_doc:
            missing += 1
        guess = predicted_by_doc.get(doc_id)
        predicted_positive = event_type_of(guess) in GSR_POSITIVE_TYPES[kind]
        gold_positive = label == GSR_POSITIVE_LABEL
        outcome = {(True, True): "tp", (True, False): "fp", (False, True): "fn", (False, False): "tn"}[
            (predicted_positive, gold_positive)
        ]
        counts[kind][outcome] += 1
        counts["overall"][outcome] += 1
        if not gold_positive:
            negatives_seen[label] += 1
            negatives_flagged[label] += predicted_positive
        if predicted_positive != gold_positive:
            errors.append(GsrRow(doc_id, kind, label, guess, predicted_positive))

    metrics: dict[str, float] = {}
    for scope, c in counts.items():
        precision = _ratio(c["tp"], c["tp"] + c["fp"])
        recall = _ratio(c["tp"], c["tp"] + c["fn"])
        prefix = scope.lower()
        metrics[f"{prefix}_precision"] = precision
        metrics[f"{prefix}_recall"] = recall
        metrics[f"{prefix}_f1"] = _f1(precision, recall)
        metrics[f"{prefix}_n"] = sum(c.values())
    overall = counts["overall"]
    metrics["overall_accuracy"] = _ratio(overall["tp"] + overall["tn"], sum(overall.values()))
    for label in sorted(GSR_NEGATIVE_LABELS):
        key = label.replace(" ", "_")
        metrics[f"false_positive_rate_{key}"] = _ratio(negatives_flagged[label], negatives_seen[label])
    metrics["n_skipped"] = skipped
    metrics["n_missing"] = missing
    return ArabicGsrScore(metrics=metrics, errors=errors)


# --------------------------------------------------------------------------- dispatch

Score = SeedScore | ClassifyScore | GeoScore | AcledScore | ArabicGsrScore

SCORERS: dict[str, Callable[[list[dict], list[dict]], Score]] = {
    "seeds": score_seeds,
    "classify": score_classify,
    "geoparse": score_geoparse,
    "acled": score_acled,
    "arabic_gsr": score_arabic_gsr,
}


def _score_loaded(predictions: list[dict], gold: list[dict]):
    from dateline.evaluate.loaded import score_loaded

    return score_loaded(predictions, gold)


SCORERS["loaded"] = _score_loaded


def score(task: str, predictions: list[dict], gold: list[dict]) -> Score:
    """Run the scorer for ``task`` (a name from :func:`~dateline.evaluate.datasets.detect_task`)."""
    try:
        scorer = SCORERS[task]
    except KeyError:
        raise ValueError(f"unknown task {task!r}; expected one of {sorted(SCORERS)}") from None
    return scorer(predictions, gold)
