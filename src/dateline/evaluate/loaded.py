"""Scoring the loaded-language detector on SemEval-2023 Task 3 style gold (``dateline evaluate``).

Gold records carry ``paragraph_techniques`` (one entry per paragraph with its character
range and the persuasion techniques annotated in it) and ``spans`` (technique spans).
Only the ``Loaded_Language`` technique is scored, two ways, each for the learned
paragraph scorer and for the lexicon baseline it must beat:

- **paragraph**: does the paragraph contain a Loaded_Language span? The learned
  detector says yes when its probability reaches the shipped threshold; the lexicon
  baseline when one of its cues is in the paragraph.
- **span** (overlap): a predicted span is right when it overlaps a gold span
  (precision); a gold span is found when a predicted span overlaps it (recall). The
  lexicon spans are scored as they are, and gated by the learned paragraph decision.

The learned scorer was fit on three quarters of the public dev articles (see
docs/loaded_language.md): on that set these figures are optimistic; the held-out
articles (``sha256(id) mod 4 == 0``) are reported apart as ``held_out_*``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from dateline.evaluate.scorers import _f1, _Result

LABEL = "Loaded_Language"


@dataclass(frozen=True)
class LoadedScore(_Result):
    metrics: dict[str, float]


def held_out(doc_id: str) -> bool:
    """The articles kept out of the scorer's training (scripts/train_loaded.py)."""
    return int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % 4 == 0


def predict(docs: list[Any]) -> list[dict]:
    """One prediction per document: learned paragraph decisions and lexicon spans."""
    from dateline.claims.loaded import document_loaded

    out = []
    for doc in docs:
        r = document_loaded(doc)
        out.append({
            "id": doc.id,
            "paragraphs": [{"start": p["start"], "end": p["end"], "loaded": bool(p["loaded"])}
                           for p in r["paragraphs"]],
            "spans": [{"start": s.start, "end": s.end} for s in r["spans"]],
        })
    return out


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class _Counts:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0
        self.n_pred = self.n_pred_ok = self.n_gold = self.n_gold_found = 0

    def paragraph(self, predicted: bool, gold: bool) -> None:
        self.tp += predicted and gold
        self.fp += predicted and not gold
        self.fn += gold and not predicted

    def spans(self, predicted: list[tuple[int, int]], gold: list[tuple[int, int]]) -> None:
        self.n_pred += len(predicted)
        self.n_gold += len(gold)
        self.n_pred_ok += sum(any(_overlaps(p, g) for g in gold) for p in predicted)
        self.n_gold_found += sum(any(_overlaps(p, g) for p in predicted) for g in gold)

    def prf(self, prefix: str) -> dict[str, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return {f"{prefix}_precision": p, f"{prefix}_recall": r, f"{prefix}_f1": _f1(p, r)}

    def span_prf(self, prefix: str) -> dict[str, float]:
        p = self.n_pred_ok / self.n_pred if self.n_pred else 0.0
        r = self.n_gold_found / self.n_gold if self.n_gold else 0.0
        return {f"{prefix}_precision": p, f"{prefix}_recall": r, f"{prefix}_f1": _f1(p, r)}


def score_loaded(predictions: list[dict], gold: list[dict]) -> LoadedScore:
    """Paragraph- and span-level P/R/F1 of the learned detector and the lexicon baseline."""
    by_id = {str(p.get("id")): p for p in predictions}
    scopes = {"": {k: _Counts() for k in ("learned", "lexicon", "span_lexicon", "span_gated")},
              "held_out_": {k: _Counts() for k in ("learned", "lexicon", "span_lexicon", "span_gated")}}
    n_paragraphs = n_positive = missing = 0
    for g in gold:
        doc_id = str(g.get("id"))
        pred = by_id.get(doc_id)
        if pred is None:
            missing += 1
            pred = {"paragraphs": [], "spans": []}
        paras = [(p["start"], p["end"]) for p in pred["paragraphs"]]
        flagged = [p["loaded"] for p in pred["paragraphs"]]
        spans = [(s["start"], s["end"]) for s in pred["spans"]]
        gold_spans = [(s["start"], s["end"]) for s in g.get("spans") or () if s.get("technique") == LABEL]
        gated = [s for s in spans if any(f and _overlaps(s, p) for p, f in zip(paras, flagged))]
        targets = [scopes[""]] + ([scopes["held_out_"]] if held_out(doc_id) else [])
        for gp in g.get("paragraph_techniques") or ():
            span = (gp["start"], gp["end"])
            is_gold = LABEL in gp.get("techniques", ())
            learned = any(f and _overlaps(span, p) for p, f in zip(paras, flagged))
            lexicon = any(_overlaps(span, s) for s in spans)
            n_paragraphs += 1
            n_positive += is_gold
            for c in targets:
                c["learned"].paragraph(learned, is_gold)
                c["lexicon"].paragraph(lexicon, is_gold)
        for c in targets:
            c["span_lexicon"].spans(spans, gold_spans)
            c["span_gated"].spans(gated, gold_spans)
    metrics: dict[str, float] = {}
    for prefix, c in scopes.items():
        metrics |= c["learned"].prf(f"{prefix}paragraph_learned")
        metrics |= c["lexicon"].prf(f"{prefix}paragraph_lexicon")
        metrics |= c["span_lexicon"].span_prf(f"{prefix}span_lexicon")
        metrics |= c["span_gated"].span_prf(f"{prefix}span_gated")
    metrics |= {"n_paragraphs": n_paragraphs, "n_positive_paragraphs": n_positive, "n_missing": missing}
    return LoadedScore(metrics=metrics)
