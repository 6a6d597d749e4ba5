"""Linking evaluation (``dateline evaluate linking``).

Two measurements, both through the real code paths:

1. **Bundled corpus** (``eval/linking/docs.jsonl``, written for dateline): documents
   with a gold ``incident`` key run through ``pipeline.process_stream`` (extract) and
   :func:`dateline.link.dedup.link`. Pairwise precision, recall and F1 over pairs of
   events from *different* documents: a pair is gold-positive when its documents share
   a gold incident, predicted-positive when its events share an incident.
2. **ACLED false merges** (when ``../shared/eval/acled_*/dev.gold.jsonl`` exists): ACLED
   rows are distinct events by construction, so each row becomes a LinkInput from its
   own fields (date, precision, coordinates, type, actors, notes as text, source as
   outlet) and any merge is a false merge. The rate is the share of rows that end up in
   an incident with another row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from dateline.evaluate.scorers import _Result
from dateline.link.dedup import LinkInput, link
from dateline.link.sources import inputs_from_records

#: the corpus shipped with the repository (source checkout)
BUNDLED_CORPUS = Path(__file__).resolve().parents[3] / "eval" / "linking" / "docs.jsonl"
#: evaluation sets whose dev gold rows are ACLED events
ACLED_SETS = ("acled_2020_sample",)


@dataclass(frozen=True)
class LinkingScore(_Result):
    metrics: dict[str, float]
    false_pairs: list[dict[str, Any]] = field(default_factory=list)
    missed_pairs: list[dict[str, Any]] = field(default_factory=list)


def load_corpus(path: Path = BUNDLED_CORPUS) -> tuple[list[Any], dict[str, str]]:
    """(documents for the pipeline, doc id -> gold incident)."""
    from dateline.model import Document

    docs, gold = [], {}
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            r = json.loads(line)
            gold[r["id"]] = r["incident"]
            docs.append(Document(id=r["id"], text=r["text"], published=r.get("published"), lang=r.get("lang"),
                                 outlet=r.get("outlet")))
    return docs, gold


def extract_events(docs: list[Any]) -> list[dict]:
    """CONTRACT event records from the real pipeline."""
    from dateline.pipeline import process_stream

    return [ev.to_contract() for res in process_stream(docs) for ev in res.events]


def pairwise(records: list[dict], incidents: list[dict], gold: dict[str, str]) -> LinkingScore:
    """Pairwise P/R/F1 over event pairs from different documents."""
    predicted = {e: inc["incident_id"] for inc in incidents for e in inc["event_ids"]}
    doc_of = {r["event_id"]: r["doc_id"] for r in records}
    tp = fp = fn = 0
    false_pairs, missed = [], []
    for a, b in combinations(sorted(doc_of), 2):
        da, db = doc_of[a], doc_of[b]
        if da == db:
            continue
        same_gold = gold.get(da) is not None and gold.get(da) == gold.get(db)
        same_pred = predicted.get(a) == predicted.get(b)
        if same_gold and same_pred:
            tp += 1
        elif same_pred:
            fp += 1
            false_pairs.append({"a": a, "b": b, "gold": [gold.get(da), gold.get(db)]})
        elif same_gold:
            fn += 1
            missed.append({"a": a, "b": b, "gold": gold.get(da)})
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    docs_with_events = len(set(doc_of.values()))
    metrics = {"pairwise_precision": p, "pairwise_recall": r, "pairwise_f1": f1, "true_pairs": tp,
               "false_pairs": fp, "missed_pairs": fn, "documents": len(gold),
               "documents_with_events": docs_with_events, "events": len(records), "incidents": len(incidents)}
    return LinkingScore(metrics=metrics, false_pairs=false_pairs, missed_pairs=missed)


def score_corpus(path: Path = BUNDLED_CORPUS) -> LinkingScore:
    """Extract, link and score the bundled (or given) linking corpus."""
    docs, gold = load_corpus(path)
    records = extract_events(docs)
    incidents, pairs = link(inputs_from_records(records))
    score = pairwise(records, incidents, gold)
    score.metrics["candidate_pairs"] = pairs
    return score


def acled_inputs(rows: list[dict], notes: dict[str, str]) -> list[LinkInput]:
    """LinkInputs from ACLED gold rows' own fields; each row is its own document."""
    records = []
    for r in rows:
        rid = r.get("id") or r.get("event_id_cnty")
        records.append({
            "event_id": rid, "doc_id": rid, "event_date": r.get("event_date"),
            "time_precision": r.get("time_precision"), "event_type": r.get("event_type"),
            "sub_event_type": r.get("sub_event_type"), "actor1": r.get("actor1"), "actor2": r.get("actor2"),
            "assoc_actor_1": r.get("assoc_actor_1"), "assoc_actor_2": r.get("assoc_actor_2"),
            "country": r.get("country"), "admin1": r.get("admin1"), "admin2": r.get("admin2"),
            "location": r.get("location"), "latitude": r.get("latitude"), "longitude": r.get("longitude"),
            "geo_precision": r.get("geo_precision"), "fatalities": r.get("fatalities"),
            "notes": notes.get(rid), "outlet": (r.get("source") or "").split(";")[0].strip() or None,
            "lang": "en",  # ACLED notes are written in English
        })
    return inputs_from_records(records)


def acled_false_merges(gold_path: Path, docs_path: Path, limit: int | None = None) -> dict[str, float]:
    """Share of ACLED dev rows (distinct events) that linking merges with another row;
    ``limit`` takes the first rows only (the file is in date order, so still dense)."""
    from dateline.evaluate.datasets import load_jsonl

    rows = load_jsonl(gold_path)[:limit]
    notes = {d["id"]: d.get("text") for d in load_jsonl(docs_path)} if docs_path.exists() else {}
    incidents, pairs = link(acled_inputs(rows, notes))
    merged = sum(i["n_reports"] for i in incidents if i["n_reports"] > 1)
    return {"acled_rows": len(rows), "acled_false_merge_rate": merged / len(rows) if rows else 0.0,
            "acled_rows_merged": merged, "acled_candidate_pairs": pairs}


def evaluate_linking(shared: Path | None = None, corpus: Path = BUNDLED_CORPUS) -> LinkingScore:
    """The ``linking`` entry of ``dateline evaluate``: corpus F1, plus the ACLED
    false-merge rate when the shared ACLED dev set is present."""
    score = score_corpus(corpus)
    if shared is not None:
        for name in ACLED_SETS:
            gold = Path(shared) / "eval" / name / "dev.gold.jsonl"
            if gold.is_file():
                score.metrics.update(acled_false_merges(gold, gold.with_name("dev.docs.jsonl")))
    return score
