"""Linking evaluation (evaluate/linking.py): the bundled corpus through the real pipeline,
and ACLED dev rows as negatives when ../shared is present.

The default run scores half the corpus (odd-numbered incidents and their hard
negatives, about 80 documents); ``DATELINE_SLOW=1`` scores the whole corpus.
Floors are the measured figures of docs/linking.md minus a small margin."""

import json
import os
from pathlib import Path

import pytest

from dateline.evaluate.linking import BUNDLED_CORPUS, acled_false_merges, evaluate_linking, load_corpus, pairwise
from tests.conftest import shared_path

SLOW = os.environ.get("DATELINE_SLOW") == "1"
#: every other incident with its hard negative: half the corpus, a fair sample of it
SUBSET = {f"{p}{i:02d}" for p in "IN" for i in range(1, 46, 2)}


def test_corpus_is_well_formed():
    docs, gold = load_corpus()
    incidents = {}
    for g in gold.values():
        incidents[g] = incidents.get(g, 0) + 1
    multi = [k for k, n in incidents.items() if n > 1]
    assert len(multi) >= 40 and all(2 <= incidents[k] <= 4 for k in multi)
    assert sum(1 for n in incidents.values() if n == 1) >= 40
    assert {d.lang for d in docs} == {"en", "fr", "ar"}


def test_pairwise_counts_only_pairs_across_documents():
    records = [{"event_id": "a-1", "doc_id": "a"}, {"event_id": "a-2", "doc_id": "a"},
               {"event_id": "b-1", "doc_id": "b"}, {"event_id": "c-1", "doc_id": "c"}]
    incidents = [{"incident_id": "x", "event_ids": ["a-1", "a-2", "b-1", "c-1"]}]
    m = pairwise(records, incidents, {"a": "I1", "b": "I1", "c": "N1"}).metrics
    assert (m["true_pairs"], m["false_pairs"], m["missed_pairs"]) == (2, 3, 0)


def test_linking_subset_f1(tmp_path):
    subset = tmp_path / "subset.jsonl"
    lines = [ln for ln in BUNDLED_CORPUS.read_text(encoding="utf-8").splitlines()
             if ln.strip() and json.loads(ln)["incident"] in SUBSET]
    subset.write_text("\n".join(lines) + "\n", encoding="utf-8")
    m = evaluate_linking(None, subset).metrics
    # measured P 1.00, R 0.78, F1 0.88 on this half (the whole corpus: F1 0.93, below)
    assert m["pairwise_f1"] >= 0.8, m
    assert m["pairwise_precision"] >= 0.95, m


@pytest.mark.slow
@pytest.mark.skipif(not SLOW, reason="whole linking corpus: set DATELINE_SLOW=1")
def test_linking_corpus_f1():
    m = evaluate_linking(None).metrics
    assert m["pairwise_f1"] >= 0.9, m


def test_acled_dev_false_merge_rate():
    gold = shared_path("eval", "acled_2020_sample", "dev.gold.jsonl")
    m = acled_false_merges(Path(gold), Path(gold).with_name("dev.docs.jsonl"), limit=None if SLOW else 800)
    # measured 2.8% on all rows, 1.5% on the first 800; the target is < 2%. What
    # is left are same-city, same-day, same-type rows of different sources that read alike
    # (docs/linking.md), so the floor pins what was measured
    assert m["acled_false_merge_rate"] <= (0.03 if SLOW else 0.02), m
