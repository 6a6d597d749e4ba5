"""Run dateline on evaluation sets and score the output (``dateline evaluate``).

Each set's task decides which command produces predictions: seeds and ACLED notes go
through ``extract``, CASE 2021 and the Arabic GSR through ``classify``, the geoparsing
corpora through ``geoparse``, the SemEval framing set through the loaded-language detector. Predictions are produced in memory with the same library
functions the CLI uses, so the figures are those a user would get.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice
from pathlib import Path

from dateline.evaluate.datasets import detect_task, find_eval_sets, load_jsonl, load_labels
from dateline.evaluate.scorers import Score, score
from dateline.ingest import read_inputs

#: the bundled linking evaluation (eval/linking/, dateline.evaluate.linking): needs no ../shared
LINKING = "linking"

#: task -> which predictions it needs
PRODUCER = {"seeds": "extract", "acled": "extract", "classify": "classify", "arabic_gsr": "classify",
            "geoparse": "geoparse", "loaded": "loaded"}


def evaluate_files(pred_path: Path, gold_path: Path) -> Score:
    task = detect_task(gold_path)
    return score(task, load_jsonl(pred_path), load_jsonl(gold_path))


def predictions(kind: str, docs_path: Path, limit: int | None = None) -> list[dict]:
    docs = list(islice(read_inputs([docs_path]), limit))
    if kind == "extract":
        from dateline.pipeline import process_stream

        return [ev.to_contract() for r in process_stream(docs) for ev in r.events]
    if kind == "classify":
        from dateline.extract.classify import classify_documents

        return classify_documents(docs)
    if kind == "geoparse":
        from dateline.resolve.geoparse import geoparse_documents

        return list(geoparse_documents(docs))
    if kind == "loaded":
        from dateline.evaluate.loaded import predict

        return predict(docs)
    raise ValueError(f"no producer {kind!r}")


def evaluate_sets(shared: Path, names: list[str] | None = None, *, limit: int | None = None,
                  progress: Callable[[str], None] | None = None) -> dict[str, Score]:
    """Score the named sets (default: every set found, plus the bundled ``linking``)."""
    results: dict[str, Score] = {}
    if names is None or LINKING in names:
        if progress:
            progress(f"{LINKING}: running extract → link on the bundled corpus …")
        from dateline.evaluate.linking import evaluate_linking

        results[LINKING] = evaluate_linking(shared)  # type: ignore[assignment]
        names = [n for n in names if n != LINKING] if names is not None else None
        if names == []:
            return results
    sets = find_eval_sets(shared)
    if not sets:
        if results:
            return results
        raise ValueError(f"no evaluation sets under {shared} (expected eval/*/dev.*.jsonl or gold/seeds.jsonl)")
    chosen = names or list(sets)
    unknown = [n for n in chosen if n not in sets]
    if unknown:
        raise ValueError(f"unknown set(s) {', '.join(unknown)}; available: {', '.join([*sets, LINKING])}")
    for name in chosen:
        docs_path, gold_path = sets[name]
        try:
            task = detect_task(gold_path)
        except ValueError:
            if progress:
                progress(f"{name}: no scorer for this set, skipped")
            continue
        if progress:
            progress(f"{name}: running {PRODUCER[task]} …")
        preds = predictions(PRODUCER[task], docs_path, limit)
        gold = load_jsonl(gold_path)
        if limit is not None:
            ids = {d["id"] for d in islice(load_jsonl(docs_path), limit)}
            gold = [g for g in gold if (g.get("doc") or g.get("id")) in ids]
        labels = None
        if task == "classify" and (docs_path.parent / "labels.txt").exists():
            labels = load_labels(docs_path.parent / "labels.txt")
        results[name] = score(task, preds, gold) if labels is None else _score_classify(preds, gold, labels)
    return results


def _score_classify(preds, gold, labels):
    from dateline.evaluate.scorers import score_classify

    return score_classify(preds, gold, labels)
