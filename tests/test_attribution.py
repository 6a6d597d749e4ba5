"""Attribution cues (claims/attribution.py), and accuracy on the hand-written set.

``fixtures/attribution.jsonl`` holds FR/EN/AR report sentences written for dateline (not
taken from any corpus), each with the expected ``asserted_by``, ``epistemic`` and
``source``. Batch 1 (86 sentences) was written before the cue lexicon was rewritten and
then used to tune it; batch 2 (32) was written afterwards as a held-out check, scored once
(0.72 on first pass), and only then used for further fixes, so both batches are now tuning
data: a fresh batch is the honest estimate of accuracy on new text. A sentence counts as right when all three agree; ``source`` agrees when both
are null, when the folded strings are equal or one contains the other with comparable
length ("sources sécuritaires à Bagdad" for "sources sécuritaires"), or when both name the
same outlet profile ("Observatoire syrien des droits de l'homme" = SOHR).
"""

import json
from collections import Counter
from pathlib import Path

import pytest

from dateline.claims.attribution import attribute, has_claim
from dateline.claims.outlets import curated_kb
from dateline.text import fold

FIXTURE = Path(__file__).parent / "fixtures" / "attribution.jsonl"
#: the issue-7 target for the hand-written set
ACCURACY_FLOOR = 0.90

CASES = [
    ("Un convoi a été visé à Diwaniya.", "fr", "outlet", "asserted", None),
    ("Dans un flash, la chaîne Telegram Sabereen News a fait part d'une attaque à Samawa.", "fr",
     "cited_media", "reported", "Sabereen News"),
    ("Des engins auraient été lancés depuis l'est de la capitale, selon des sources sécuritaires.", "fr",
     "anonymous", "alleged", "sources sécuritaires"),
    ("L'attaque a été revendiquée par le groupe Ashab al-Kahf.", "fr", "claimant", "claimed", None),
    ("Two rockets hit the base late on Tuesday, two Iraqi security officials said.", "en", "official", "reported", None),
    ("The ministry denied that any strike took place.", "en", "official", "denied", None),
]


@pytest.mark.parametrize("sentence,lang,by,epistemic,source", CASES)
def test_attribution(sentence, lang, by, epistemic, source):
    a = attribute(sentence, lang)
    assert (a.asserted_by, a.epistemic) == (by, epistemic)
    if source:
        assert a.source == source


def test_negated_claim_is_not_a_claim():
    s = "Une roquette a frappé la base, aucune partie n'ayant encore revendiqué l'attaque."
    assert not has_claim(s, "fr")
    assert attribute(s, "fr").asserted_by == "outlet"


@pytest.mark.parametrize("sentence,lang,expected", [
    ("L'attaque a été revendiquée par le groupe Ashab al-Kahf.", "fr", True),
    ("Aucun groupe n'a revendiqué l'attaque.", "fr", False),
    ("The Islamic Resistance in Iraq claimed a drone attack on the base.", "en", True),
    ("The explosion claimed the lives of three soldiers.", "en", False),
    ("تبنت جماعة أصحاب الكهف الهجوم.", "ar", True),
    ("لم تتبن أي جهة الهجوم.", "ar", False),
])
def test_has_claim(sentence, lang, expected):
    assert has_claim(sentence, lang) is expected


def test_claimant_is_the_source_of_a_claim():
    a = attribute("L'attaque a été revendiquée par un groupe armé.", "fr", claimant="Ashab al-Kahf")
    assert (a.asserted_by, a.epistemic, a.source) == ("claimant", "claimed", "Ashab al-Kahf")


def test_cue_is_a_substring_of_the_sentence():
    """The extractor turns ``cue`` into an evidence span with ``sentence.find(cue)``."""
    for row in _rows():
        a = attribute(row["text"], row["lang"])
        assert a.cue is None or a.cue in row["text"], row["id"]


def _rows() -> list[dict]:
    with open(FIXTURE, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _source_ok(expected: str | None, predicted: str | None) -> bool:
    if expected is None or predicted is None:
        return expected is None and predicted is None
    e, p = fold(expected), fold(predicted)
    if e == p or (e in p and len(p) <= 2 * len(e) + 12) or (p in e and 2 * len(p) >= len(e)):
        return True
    kb = curated_kb()
    pe = kb.find(expected)
    return pe is not None and pe is kb.find(predicted)


def score_attribution_set(rows: list[dict]) -> dict:
    """Accuracy over the set: all three fields, each field, and per language."""
    right: Counter[str] = Counter()
    per_lang: Counter[str] = Counter()
    per_lang_right: Counter[str] = Counter()
    per_batch: Counter[int] = Counter()
    per_batch_right: Counter[int] = Counter()
    misses = []
    for row in rows:
        a = attribute(row["text"], row["lang"])
        ok = {"asserted_by": a.asserted_by == row["asserted_by"], "epistemic": a.epistemic == row["epistemic"],
              "source": _source_ok(row["source"], a.source)}
        right.update(k for k, v in ok.items() if v)
        per_lang[row["lang"]] += 1
        per_batch[row.get("batch", 1)] += 1
        if all(ok.values()):
            right["all"] += 1
            per_lang_right[row["lang"]] += 1
            per_batch_right[row.get("batch", 1)] += 1
        else:
            misses.append(f"{row['id']}: expected {row['asserted_by']}/{row['epistemic']}/{row['source']!r}, "
                          f"got {a.asserted_by}/{a.epistemic}/{a.source!r}")
    n = len(rows)
    return {"n": n, "accuracy": right["all"] / n,
            **{f"{k}_accuracy": right[k] / n for k in ("asserted_by", "epistemic", "source")},
            "per_language": {lang: per_lang_right[lang] / per_lang[lang] for lang in sorted(per_lang)},
            "per_batch": {b: per_batch_right[b] / per_batch[b] for b in sorted(per_batch)},
            "misses": misses}


def test_hand_written_set_accuracy(record_property, capsys):
    rows = _rows()
    assert len(rows) >= 60 and {r["lang"] for r in rows} == {"fr", "en", "ar"}
    s = score_attribution_set(rows)
    record_property("attribution_accuracy", s["accuracy"])
    with capsys.disabled():
        print(f"\nattribution set: n={s['n']} accuracy={s['accuracy']:.3f} "
              f"asserted_by={s['asserted_by_accuracy']:.3f} epistemic={s['epistemic_accuracy']:.3f} "
              f"source={s['source_accuracy']:.3f} per_language="
              + ", ".join(f"{k}={v:.3f}" for k, v in s["per_language"].items())
              + " per_batch=" + ", ".join(f"{k}={v:.3f}" for k, v in s["per_batch"].items()))
    assert s["accuracy"] >= ACCURACY_FLOOR, "\n".join(s["misses"])
