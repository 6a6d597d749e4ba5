"""Document-level event classification (``dateline classify``): one label per snippet.

This first classifier scores the trigger lexicon over the whole text (all sentences,
hypothetical ones included) plus cue lists for the five non-ACLED CASE 2021 classes,
and normalises the scores with a softmax. It is the baseline that the learned
classifier of the event-typing issue replaces; its figures are in docs/benchmarks.md.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from dateline import data as curated
from dateline.extract.triggers import GENERIC, find_mentions, type_generic
from dateline.nlp import Analysis
from dateline.taxonomy import ALL_CLASSES

#: softmax temperature over summed cue weights; 1.5 spreads scores of 2-3 competing
#: cues without making a single cue look certain (set by eye on the bundled examples).
TEMPERATURE = 1.5
#: label when nothing matches: CASE's most frequent non-violent class in news snippets.
FALLBACK = "Diplomatic event"


@dataclass(frozen=True)
class Label:
    label: str
    score: float
    top: list[tuple[str, float]]


@lru_cache(maxsize=None)
def _other(lang: str) -> list[tuple[str, float, re.Pattern[str]]]:
    spec = (curated.lexicon("events").get("other_classes") or {}).get(lang) or {}
    return [(label, float(v["weight"]), re.compile(rf"(?<![\w])(?:{v['pattern']})(?![\w])", re.I))
            for label, v in spec.items()]


def classify_text(text: str, analysis: Analysis, lang: str | None, k: int = 3) -> Label:
    votes: Counter[str] = Counter()
    for m in find_mentions(text, analysis.sentences, lang, use_blockers=False):
        for sub, w in m.votes.items():
            if sub == GENERIC:
                sub = type_generic(text[m.sent_start:m.sent_end], lang)
            votes[sub] += w
    for label, weight, pat in _other(lang or "en") or _other("en"):
        n = len(pat.findall(text))
        if n:
            votes[label] += weight * min(n, 3) ** 0.5
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
