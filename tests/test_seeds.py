"""The five seed articles of ../shared (skipped when the evaluation data is absent).

Floors are pinned below the current figures (docs/benchmarks.md); raise them when the
extractor improves, never lower them to make a change pass.
"""

import json

import pytest

from dateline.evaluate import load_jsonl, score_seeds
from dateline.ingest import read_inputs
from dateline.pipeline import process_stream

from .conftest import shared_path

RECALL_FLOOR = 0.95
PRECISION_FLOOR = 0.90


@pytest.fixture(scope="module")
def seed_run():
    docs = list(read_inputs([shared_path("seeds", "docs.jsonl")]))
    results = list(process_stream(docs))
    return docs, [ev for r in results for ev in r.events]


def test_required_recall_and_precision(seed_run):
    _, events = seed_run
    gold = load_jsonl(shared_path("gold", "seeds.jsonl"))
    s = score_seeds([e.to_contract() for e in events], gold)
    assert s.metrics["recall"] >= RECALL_FLOOR, json.dumps(s.metrics)
    assert s.metrics["precision"] >= PRECISION_FLOOR, json.dumps(s.metrics)


def test_evidence_offsets_valid(seed_run):
    docs, events = seed_run
    text = {d.id: d.text for d in docs}
    assert events
    for e in events:
        for ev in e.evidence:
            assert text[e.doc_id][ev.start:ev.end] == ev.text


def test_unrelated_captions_produce_no_event(seed_run):
    docs, events = seed_run
    zones = {z["doc"]: z["zones"] for z in load_jsonl(shared_path("gold", "seeds_zones.jsonl"))}
    for e in events:
        trigger = next(ev for ev in e.evidence if ev.field == "sub_event_type")
        for z in zones[e.doc_id]:
            if z["kind"] == "caption_unrelated":
                assert not (z["start"] <= trigger.start < z["end"])
