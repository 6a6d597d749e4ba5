"""Loaded language: evaluative wording in the outlet's own voice.

Two detectors, one lexicon (``data/lexicon/loaded.yaml``, per language; no per-language code):

* ``loaded_spans(text, lang)`` — the lexicon baseline: every cue match, longest first,
  outside quotations (« … », “ … ”, " … "), since a quoted "terroristes" is the source's
  word, not the outlet's.
* ``loaded_score(paragraphs, lang)`` — a learned paragraph scorer: logistic regression over
  the multilingual USE vector of the paragraph plus lexicon hit counts, trained by
  ``scripts/train_loaded.py`` on the SemEval-2023 Task 3 French dev ("Loaded_Language")
  with a held-out split by article; weights in ``data/models/loaded_scorer.npz``.
* ``document_loaded(doc)`` — per-document score (mean paragraph probability over the
  outlet-voice text, quotations blanked) with the highlighted lexicon spans.

Reads: ``Document.text``, ``Document.lang`` (or a plain string). Writes nothing on the
document; the result sits beside the event facts, like the outlet profile.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from dateline import data as curated
from dateline.errors import DataFileError

log = logging.getLogger(__name__)

LEXICON_PATH = curated.DATA_DIR / "lexicon" / "loaded.yaml"
MODEL_PATH = curated.DATA_DIR / "models" / "loaded_scorer.npz"
LANGS = ("fr", "en", "ar")
N_LEXICAL = 4  # columns of lexicon_features

#: quotation pairs whose inside is a source's voice. A straight double quote pairs with the
#: next one. Quotes longer than this many characters are taken as a mis-paired quote mark
#: and not blanked (a stray « would otherwise silence the rest of an article).
QUOTE_PAIRS = (("«", "»"), ("“", "”"), ('"', '"'))
MAX_QUOTE_CHARS = 600


@dataclass(frozen=True)
class LoadedSpan:
    start: int
    end: int
    text: str
    cue: str  # lexicon entry id


@dataclass(frozen=True)
class _Cue:
    id: str
    lang: str
    category: str
    regex: re.Pattern


# ------------------------------------------------------------------------------ lexicon

@lru_cache(maxsize=None)
def lexicon() -> tuple[_Cue, ...]:
    raw = curated.load_yaml(LEXICON_PATH) or []
    if not isinstance(raw, list):
        raise DataFileError("expected a YAML list of cues", file=str(LEXICON_PATH))
    cues, seen = [], set()
    for i, item in enumerate(raw):
        try:
            ident, lang, pattern = item["id"], item["lang"], item["pattern"]
            if not item.get("source"):
                raise KeyError("source")
            rx = re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.I)
        except (KeyError, TypeError, re.error) as exc:
            raise DataFileError(f"cue #{i}: {exc!r}", file=str(LEXICON_PATH)) from exc
        if ident in seen:
            raise DataFileError(f"duplicate id {ident!r}", file=str(LEXICON_PATH))
        seen.add(ident)
        cues.append(_Cue(ident, lang, item.get("category", "evaluative"), rx))
    return tuple(cues)


def _cues(lang: str | None) -> tuple[_Cue, ...]:
    return tuple(c for c in lexicon() if c.lang == (lang or "en"))


def _fold(text: str) -> str:
    """Same-length normalisation so offsets stay valid: typographic apostrophes."""
    return text.replace("’", "'").replace("ʼ", "'")


def quoted_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges inside quotation marks (marks included)."""
    out: list[tuple[int, int]] = []
    for open_, close in QUOTE_PAIRS:
        i = 0
        while (s := text.find(open_, i)) != -1:
            e = text.find(close, s + 1)
            if e == -1:
                break
            if e - s <= MAX_QUOTE_CHARS:
                out.append((s, e + 1))
            i = e + 1
    return sorted(out)


def _inside(ranges: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in ranges)


def loaded_spans(text: str, lang: str | None, *, skip_quotes: bool = True) -> list[LoadedSpan]:
    """Lexicon matches in ``text`` (outlet voice only unless ``skip_quotes`` is False)."""
    folded = _fold(text)
    quotes = quoted_ranges(text) if skip_quotes else []
    found = []
    for cue in _cues(lang):
        for m in cue.regex.finditer(folded):
            if m.end() > m.start() and not _inside(quotes, m.start(), m.end()):
                found.append((m.start(), m.end(), cue.id))
    # overlapping matches merge into one highlighted span ("forces d'occupation" +
    # "occupation américaine"), named after the longest cue in it
    found.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    merged: list[list] = []
    for s, e, cid in found:
        if merged and s < merged[-1][1]:
            last = merged[-1]
            if e - s > last[3]:
                last[2], last[3] = cid, e - s
            last[1] = max(last[1], e)
        else:
            merged.append([s, e, cid, e - s])
    return [LoadedSpan(s, e, text[s:e], cid) for s, e, cid, _ in merged]


def lexicon_features(paragraphs: Sequence[str], lang: str | None) -> np.ndarray:
    """(n, 4): log1p(hits), any hit, log1p(conflict-category hits), log1p(words).
    Length is a feature because a long paragraph has more chances to hold a loaded phrase
    (SemEval French training articles: length alone ranks paragraphs at AUC 0.70; the
    longest quarter is 62 % positive against 43 % overall). Quotes are
    not skipped here: the scorer was trained on whole paragraphs."""
    cat = {c.id: c.category for c in lexicon()}
    rows = []
    for p in paragraphs:
        spans = loaded_spans(p, lang, skip_quotes=False)
        n_conf = sum(cat[s.cue] == "conflict" for s in spans)
        rows.append((np.log1p(len(spans)), float(bool(spans)), np.log1p(n_conf), np.log1p(len(p.split()))))
    return np.asarray(rows, dtype=np.float32).reshape(len(paragraphs), N_LEXICAL)


# ------------------------------------------------------------------------- learned scorer

def features(paragraphs: Sequence[str], lang: str | None, embeddings: np.ndarray | None = None) -> np.ndarray:
    """[USE vector (512) | lexicon features (N_LEXICAL)]; ``embeddings`` may be passed when cached."""
    if embeddings is None:
        from dateline.extract.classifier import embed

        embeddings = embed(list(paragraphs))
    return np.hstack([np.asarray(embeddings, dtype=np.float32), lexicon_features(paragraphs, lang)])


@dataclass(frozen=True)
class LoadedScorer:
    w: np.ndarray
    b: float
    mean: np.ndarray
    std: np.ndarray
    threshold: float

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.std) @ self.w + self.b
        return 1.0 / (1.0 + np.exp(-z))

    def save(self, path: Path) -> None:
        np.savez_compressed(path, w=self.w.astype(np.float32), b=np.float32(self.b),
                            mean=self.mean.astype(np.float32), std=self.std.astype(np.float32),
                            threshold=np.float32(self.threshold))


@lru_cache(maxsize=1)
def scorer(path: Path = MODEL_PATH) -> LoadedScorer:
    try:
        z = np.load(path)
        return LoadedScorer(z["w"], float(z["b"]), z["mean"], z["std"], float(z["threshold"]))
    except (OSError, KeyError, ValueError) as exc:
        raise DataFileError(f"cannot load loaded-language scorer: {exc}", file=str(path)) from exc


def loaded_score(paragraphs: Sequence[str], lang: str | None) -> list[float]:
    """Probability, per paragraph, that it contains loaded language."""
    if not paragraphs:
        return []
    return [float(p) for p in scorer().predict_proba(features(paragraphs, lang))]


# ------------------------------------------------------------------------------ document

_PARA = re.compile(r"[^\r\n]+")


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Non-blank lines (news and the SemEval articles put one paragraph per line)."""
    return [(m.start(), m.end()) for m in _PARA.finditer(text) if m.group().strip()]


def blank_quotes(text: str) -> str:
    """``text`` with quoted passages replaced by spaces (offsets unchanged)."""
    chars = list(text)
    for s, e in quoted_ranges(text):
        chars[s:e] = " " * (e - s)
    return "".join(chars)


def document_loaded(doc: Any, lang: str | None = None) -> dict:
    """``{"score", "threshold", "spans", "paragraphs"}`` for a ``Document`` (or a string with
    ``lang``). ``score`` is the mean paragraph probability over outlet-voice text (quotations
    blanked; paragraphs that are wholly quotation are left out); ``spans`` are lexicon cues
    outside quotations, offsets into the document text."""
    text = doc if isinstance(doc, str) else getattr(doc, "text", None) or (doc.get("text") if isinstance(doc, dict) else "")
    if lang is None and not isinstance(doc, str):
        lang = getattr(doc, "lang", None) or (doc.get("lang") if isinstance(doc, dict) else None)
    text = text or ""
    voice = blank_quotes(text)
    paras = [(s, e) for s, e in paragraph_spans(voice)]
    probs = loaded_score([voice[s:e].strip() for s, e in paras], lang) if paras else []
    sc = scorer()
    spans = loaded_spans(text, lang)
    return {
        "score": float(np.mean(probs)) if probs else 0.0,
        "threshold": sc.threshold,
        "spans": spans,
        "paragraphs": [{"start": s, "end": e, "score": p, "loaded": p >= sc.threshold}
                       for (s, e), p in zip(paras, probs)],
    }
