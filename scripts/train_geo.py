"""Train dateline's English toponym recogniser and candidate ranker (numpy only).

    python scripts/train_geo.py words [--shared ../shared]   # word statistics table
    python scripts/train_geo.py train [--shared ../shared]   # recogniser + ranker
    python scripts/train_geo.py eval  [--shared ../shared]   # held-out split figures

Data: the public dev halves of the geoparsing corpora (``eval/geo_lgl``, ``geo_gwn``,
``geo_geovirus``). Documents are split by a hash of their id: one in five is held out
(``--val``) and never trained on, so the figures printed for it are honest; TR-News is
held out entirely by the evaluation and never seen here.

Outputs (in the package): ``data/models/geo_words.json`` (how often a word is written
lower-case vs capitalised mid-sentence in the English dev texts: an unsupervised
"common word" statistic) and ``data/models/geo_model.json`` (both models' weights).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dateline.evaluate.scorers import _gold_toponyms, _point, haversine_km  # noqa: E402
from dateline.resolve import places as P  # noqa: E402
from dateline.resolve.gazetteer import default_gazetteer  # noqa: E402
from dateline.text import fold  # noqa: E402

CORPORA = ("geo_lgl", "geo_gwn", "geo_geovirus")
#: L2 strengths and minimum feature counts, chosen on the training folds (see docs/geoparsing.md)
REC_L2, REC_MIN_COUNT, RANK_L2 = 3e-4, 3, 1e-4
MODELS = ROOT / "src" / "dateline" / "data" / "models"


def is_val(doc_id: str) -> bool:
    return int(hashlib.md5(doc_id.encode()).hexdigest(), 16) % 5 == 0


def load(shared: Path, name: str):
    d = shared / "eval" / name
    docs = [json.loads(x) for x in open(d / "dev.docs.jsonl", encoding="utf-8")]
    gold = {r["id"]: r for r in (json.loads(x) for x in open(d / "dev.gold.jsonl", encoding="utf-8"))}
    return docs, gold


# --------------------------------------------------------------------------- words


_PERSON_AFTER = re.compile(r"^(?:,? (?:said|says|told|added)\b|, \d{1,3},)")
_PERSON_BEFORE = re.compile(r"\b(?:said|says|told)\s$")


def build_words(shared: Path) -> None:
    """Word statistics of the English dev texts (unsupervised: no gold is read).

    For every word: how often it is written in lower case and how often capitalised in
    mid-sentence; words seen at least 3 times are kept. ``__first_names__``: first words
    of two- or three-word names that news introduces as people ("John Smith said",
    "Jane Doe, 34,"), seen at least twice."""
    lc, cap = Counter(), Counter()
    first = Counter()
    for f in sorted((shared / "eval").glob("*/dev.docs.jsonl")):
        for line in open(f, encoding="utf-8"):
            r = json.loads(line)
            if r.get("lang") not in (None, "en"):
                continue
            text = r["text"]
            toks = P._tokens(text)
            for s, e, w in toks:
                k = fold(w)
                if w[:1].islower():
                    lc[k] += 1
                elif w[:1].isupper() and not P._sentence_initial(text, s):
                    cap[k] += 1
            k = 0
            while k < len(toks):
                if not toks[k][2][:1].isupper():
                    k += 1
                    continue
                r_ = k
                while r_ + 1 < len(toks) and toks[r_ + 1][2][:1].isupper() and \
                        text[toks[r_][1]:toks[r_ + 1][0]] == " ":
                    r_ += 1
                if 1 <= r_ - k <= 2 and not toks[k][2].isupper():
                    after = text[toks[r_][1]:toks[r_][1] + 12]
                    before = text[max(0, toks[k][0] - 6):toks[k][0]]
                    titled = k > 0 and fold(toks[k - 1][2]).rstrip(".") in P._TITLES and toks[k - 1][2][:1].isupper()
                    if _PERSON_AFTER.match(after) or _PERSON_BEFORE.search(before) or (titled and r_ - k == 1):
                        first[fold(toks[k][2])] += 1
                k = r_ + 1
    keep = {k: [lc[k], cap[k]] for k in set(lc) | set(cap) if lc[k] + cap[k] >= 3}
    gaz = default_gazetteer()
    areas = {k for k in first if any(p.origin in (1, 2, 5) for p in gaz.lookup(k)) or k in gaz.demonyms}
    names = sorted(k for k, n in first.items() if n >= 2 and lc[k] <= 0.1 * (lc[k] + cap[k]) and len(k) > 1
                   and k not in areas and k.rstrip(".") not in P._TITLES)
    keep["__first_names__"] = names
    MODELS.mkdir(parents=True, exist_ok=True)
    (MODELS / "geo_words.json").write_text(json.dumps(keep, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
                                           encoding="utf-8")
    print(f"geo_words.json: {len(keep) - 1} words, {len(names)} first names")


# --------------------------------------------------------------------------- logistic regression


def sparse_design(rows: list[dict[str, float]], vocab: dict[str, int]):
    r, c, v = [], [], []
    for i, f in enumerate(rows):
        for k, x in f.items():
            j = vocab.get(k)
            if j is not None and x:
                r.append(i)
                c.append(j)
                v.append(x)
    return np.array(r), np.array(c), np.array(v, dtype=float)


def train_logreg(rows, y, vocab, l2: float, iters: int = 600, lr: float = 0.05):
    r, c, v = sparse_design(rows, vocab)
    n, d = len(rows), len(vocab)
    w = np.zeros(d)
    m, s = np.zeros(d), np.zeros(d)
    y = np.asarray(y, dtype=float)
    pos_w = 1.0
    for t in range(1, iters + 1):
        z = np.bincount(r, weights=v * w[c], minlength=n)
        p = 1 / (1 + np.exp(-np.clip(z, -30, 30)))
        err = (p - y) * np.where(y > 0, pos_w, 1.0)
        g = np.bincount(c, weights=v * err[r], minlength=d) / n + l2 * w
        g[vocab["bias"]] -= l2 * w[vocab["bias"]]
        m = 0.9 * m + 0.1 * g
        s = 0.999 * s + 0.001 * g * g
        w -= lr * (m / (1 - 0.9 ** t)) / (np.sqrt(s / (1 - 0.999 ** t)) + 1e-8)
    return w


def predict_logreg(rows, vocab, w):
    r, c, v = sparse_design(rows, vocab)
    z = np.bincount(r, weights=v * w[c], minlength=len(rows))
    return 1 / (1 + np.exp(-np.clip(z, -30, 30)))


# --------------------------------------------------------------------------- recogniser data


def recogniser_rows(docs, gold, gaz):
    """Per document: candidates, their features, labels (exact gold span), gold count."""
    out = []
    for d in docs:
        text = d["text"]
        toks = P.english_tokens(text, gaz)
        cands = P.scan_candidates(text, gaz, toks)
        ctx = P._doc_context(text, toks, gaz)
        gspans = {(t["start"], t["end"]) for t in _gold_toponyms(gold.get(d["id"], {}))}
        feats = [P.span_features(c, ctx, gaz) for c in cands]
        labels = [int((c.start, c.end) in gspans) for c in cands]
        out.append((d["id"], cands, feats, labels, len(gspans)))
    return out


def select(cands, probs, thr):
    order = sorted(range(len(cands)), key=lambda i: -probs[i])
    chosen = []
    for i in order:
        if probs[i] < thr:
            break
        c = cands[i]
        if not any(cands[o].start < c.end and c.start < cands[o].end for o in chosen):
            chosen.append(i)
    return chosen


def span_f1(docrows, probs_by_doc, thr):
    tp = npred = ngold = 0
    for (doc_id, cands, feats, labels, ng), probs in zip(docrows, probs_by_doc):
        ch = select(cands, probs, thr)
        npred += len(ch)
        tp += sum(labels[i] for i in ch)
        ngold += ng
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


# --------------------------------------------------------------------------- ranker


RANK_BASE = ["null", "null_log_ncands"]


def outlet_profiles(docs, gaz, model_spans):
    """Each document's outlet profile (P.OutletProfiles) from a first pass of the installed
    model over the whole corpus, as ``dateline geoparse`` builds it at run time."""
    profiles = P.OutletProfiles()
    for d in docs:
        tops = P.resolve(model_spans[d["id"]], gaz, text=d["text"], outlet=d.get("outlet"), best_guess=True)
        profiles.add(d["id"], d.get("outlet"), tops)
    return {d["id"]: profiles.profile(d["id"], d.get("outlet")) for d in docs}


def ranker_groups(docs, gold, gaz, model_spans, model=None, profiles=None):
    """Groups (features, label index or -1 for NULL) for spans overlapping gold with a point."""
    groups = []
    for d in docs:
        text = d["text"]
        spans = model_spans[d["id"]]
        if not spans:
            continue
        rows = P.rank_training_rows(spans, gaz, text, d.get("outlet"), model,
                                    (profiles or {}).get(d["id"]))
        golds = [t for t in _gold_toponyms(gold.get(d["id"], {})) if _point(t) is not None]
        for k, cs, feats in rows:
            s, e, _ = spans[k]
            g = next((t for t in golds if t["start"] < e and s < t["end"]), None)
            if g is None or not cs:
                continue
            lat, lon = _point(g)
            dists = [haversine_km(lat, lon, p.latitude, p.longitude) for p in cs]
            best = int(np.argmin(dists))
            label = best if dists[best] <= 161 else -1
            supp = [p.origin == 0 for p in cs]
            groups.append((feats, label, supp, dists))
    return groups


def train_ranker(groups, vocab, l2, iters=500, lr=0.05):
    G = len(groups)
    K = max(len(g[0]) for g in groups) + 1
    d = len(vocab)
    X = np.zeros((G, K, d))
    mask = np.zeros((G, K), dtype=bool)
    offset = np.zeros((G, K))
    Y = np.zeros((G, K))
    null_j, nlog_j = vocab["null"], vocab["null_log_ncands"]
    for gi, (feats, label, supp, _) in enumerate(groups):
        X[gi, 0, null_j] = 1.0
        X[gi, 0, nlog_j] = math.log1p(len(feats))
        mask[gi, 0] = True
        for ci, f in enumerate(feats):
            for k, v in f.items():
                j = vocab.get(k)
                if j is not None:
                    X[gi, ci + 1, j] = v
            mask[gi, ci + 1] = True
            offset[gi, ci + 1] = P.SUPPLEMENT_PRIOR if supp[ci] else 0.0
        Y[gi, 0 if label < 0 else label + 1] = 1.0
    w = np.zeros(d)
    m, s = np.zeros(d), np.zeros(d)
    for t in range(1, iters + 1):
        z = np.einsum("gkd,d->gk", X, w) + offset
        z = np.where(mask, z, -1e9)
        z -= z.max(axis=1, keepdims=True)
        ez = np.exp(z) * mask
        p = ez / ez.sum(axis=1, keepdims=True)
        g = np.einsum("gk,gkd->d", p - Y, X) / G + l2 * w
        m = 0.9 * m + 0.1 * g
        s = 0.999 * s + 0.001 * g * g
        w -= lr * (m / (1 - 0.9 ** t)) / (np.sqrt(s / (1 - 0.999 ** t)) + 1e-8)
    return w


def ranker_accuracy(groups, weights):
    ok = 0
    errs = []
    for feats, label, supp, dists in groups:
        sc = [sum(weights.get(k, 0.0) * v for k, v in f.items()) + (P.SUPPLEMENT_PRIOR if s else 0.0)
              for f, s in zip(feats, supp)]
        bi = int(np.argmax(sc))
        errs.append(dists[bi])
        ok += dists[bi] <= 161
    return ok / max(1, len(groups)), statistics.median(errs) if errs else None


# --------------------------------------------------------------------------- main


def train(shared: Path) -> None:
    t0 = time.perf_counter()
    gaz = default_gazetteer()
    P.load_model.cache_clear()
    all_rows = {"train": [], "val": []}
    data = {}
    for name in CORPORA:
        docs, gold = load(shared, name)
        data[name] = (docs, gold)
        for row in recogniser_rows(docs, gold, gaz):
            all_rows["val" if is_val(row[0]) else "train"].append((name, row))
    print(f"candidates built in {time.perf_counter() - t0:.0f}s")
    tr = [r for _, r in all_rows["train"]]
    counts = Counter(k for r in tr for f in r[2] for k in f)
    lexical = ("w=", "prev=", "next=")
    vocab_keys = sorted(k for k, n in counts.items() if n >= (REC_MIN_COUNT if k.startswith(lexical) else 1))
    vocab = {k: i for i, k in enumerate(vocab_keys)}
    X = [f for r in tr for f in r[2]]
    y = [lab for r in tr for lab in r[3]]
    print(f"recogniser: {len(X)} training candidates, {sum(y)} positive, {len(vocab)} features")
    w = train_logreg(X, y, vocab, REC_L2)

    def probs_for(rows):
        out = []
        for r in rows:
            out.append(predict_logreg(r[2], vocab, w) if r[2] else np.zeros(0))
        return out

    ptr = probs_for(tr)
    best = max((span_f1(tr, ptr, t)[0], t) for t in np.arange(0.2, 0.8, 0.025))
    thr = float(round(best[1], 3))
    for split in ("train", "val"):
        rows = [r for _, r in all_rows[split]]
        f1, p, rr = span_f1(rows, probs_for(rows), thr)
        print(f"  {split}: exact span P {p:.3f} R {rr:.3f} F1 {f1:.3f} (threshold {thr})")
        for name in CORPORA:
            sub = [r for n, r in all_rows[split] if n == name]
            f1, p, rr = span_f1(sub, probs_for(sub), thr)
            print(f"    {name:13s} P {p:.3f} R {rr:.3f} F1 {f1:.3f}")
    rec_weights = {k: round(float(w[i]), 5) for k, i in vocab.items() if abs(w[i]) > 1e-4}

    # ranker: trained on the spans the recogniser outputs
    model_spans = {}
    for split in ("train", "val"):
        rows = [r for _, r in all_rows[split]]
        for r, pr in zip(rows, probs_for(rows)):
            ch = sorted(select(r[1], pr, thr), key=lambda i: r[1][i].start)
            model_spans[r[0]] = [(r[1][i].start, r[1][i].end, r[1][i].text) for i in ch]
    # outlet profiles: per corpus (each is parsed as one input), from the installed model;
    # run the training twice so that the profiles come from a model like the one it writes
    profiles = {}
    for name in CORPORA:
        profiles.update(outlet_profiles(data[name][0], gaz, model_spans))
    print(f"outlet profiles: {sum(1 for v in profiles.values() if v is not None)} documents have one")

    def fit(model):
        groups = {"train": [], "val": []}
        for name in CORPORA:
            docs, gold = data[name]
            for split in ("train", "val"):
                sel = [d for d in docs if is_val(d["id"]) == (split == "val")]
                groups[split] += [(name, g) for g in ranker_groups(sel, gold, gaz, model_spans, model, profiles)]
        gtr = [g for _, g in groups["train"]]
        rcounts = Counter(k for g in gtr for f in g[0] for k in f)
        rvocab = {k: i for i, k in enumerate(RANK_BASE + sorted(rcounts))}
        print(f"ranker: {len(gtr)} training spans, {sum(1 for g in gtr if g[1] < 0)} without a correct candidate, "
              f"{len(rvocab)} features")
        rw = train_ranker(gtr, rvocab, RANK_L2)
        weights = {k: round(float(rw[i]), 5) for k, i in rvocab.items()}
        for split in ("train", "val"):
            for name in CORPORA:
                sub = [g for n, g in groups[split] if n == name]
                acc, med = ranker_accuracy(sub, weights)
                ceiling = sum(1 for g in sub if g[1] >= 0) / max(1, len(sub))
                print(f"  {split} {name:13s} acc@161 {acc:.3f} (candidate ceiling {ceiling:.3f}) median {med:.1f} km")
        return weights

    print("first pass (equal votes):")
    pass1 = fit(None)
    print("second pass (votes weighted by the first pass):")
    rank_weights = fit({"ranker_pass1": {"weights": pass1}})
    model = {
        "about": "dateline English toponym recogniser (logistic regression) and candidate ranker "
                 "(conditional logit with NULL); trained by scripts/train_geo.py on the train folds "
                 "of geo_lgl, geo_gwn and geo_geovirus dev sets",
        "recogniser": {"threshold": thr, "weights": rec_weights},
        "ranker_pass1": {"weights": pass1},
        "ranker": {"weights": rank_weights},
    }
    (MODELS / "geo_model.json").write_text(json.dumps(model, indent=0, sort_keys=True), encoding="utf-8")
    print(f"wrote geo_model.json in {time.perf_counter() - t0:.0f}s")
    print("top ranker weights:", sorted(rank_weights.items(), key=lambda kv: -abs(kv[1]))[:25])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["words", "train"])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    a = ap.parse_args()
    if a.what == "words":
        build_words(a.shared)
    else:
        train(a.shared)


if __name__ == "__main__":
    main()
