"""dateline.claims.loaded: lexicon spans, quotation skipping, learned paragraph scorer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from dateline.claims import loaded as L
from dateline.model import Document

SHARED = Path(__file__).resolve().parents[2] / "shared"

FR = ("Les forces d’occupation américaine ont encore frappé. Le régime a envoyé ses mercenaires "
      "contre la résistance, et dix martyrs sont tombés.")
EN = "The puppet regime and its Yankee masters sent mercenaries; three martyrs were buried."
AR = "قصف الاحتلال الأمريكي مواقع الحشد، وسقط ثلاثة شهداء في عدوان الكيان الصهيوني."
NEUTRAL_FR = "Le ministère de la Défense a annoncé mardi la tenue d'une réunion à Bagdad."


def cues(text, lang, **kw):
    return [(s.text, s.cue) for s in L.loaded_spans(text, lang, **kw)]


def test_lexicon_entries_have_lang_pattern_source():
    raw = yaml.safe_load(L.LEXICON_PATH.read_text(encoding="utf-8"))
    assert {e["lang"] for e in raw} == {"fr", "en", "ar"}
    assert all(e["pattern"] and e["source"] and e["id"] for e in raw)
    assert len({e["id"] for e in raw}) == len(raw)
    assert len(L.lexicon()) == len(raw)


def test_french_spans_offsets_and_longest_match():
    spans = L.loaded_spans(FR, "fr")
    assert all(FR[s.start:s.end] == s.text for s in spans)
    texts = [s.text for s in spans]
    # typographic apostrophe folded; overlapping cues merge into one span named after the longest
    assert texts == ["forces d’occupation américaine", "régime", "mercenaires", "martyrs"]
    assert spans[0].cue.startswith("fr-occupation")


def test_english_spans():
    assert [t for t, _ in cues(EN, "en")] == ["puppet regime", "Yankee", "mercenaries", "martyrs"]


def test_arabic_spans():
    texts = [t for t, _ in cues(AR, "ar")]
    assert texts == ["الاحتلال الأمريكي", "شهداء", "عدوان", "الكيان الصهيوني"]


def test_neutral_text_has_no_spans():
    assert cues(NEUTRAL_FR, "fr") == []
    assert cues("Officials said the talks would resume on Monday.", "en") == []


def test_quoted_cues_are_not_the_outlet_voice():
    text = 'Le porte-parole a dénoncé « des terroristes » et des "mercenaires". Le régime a répondu.'
    assert [t for t, _ in cues(text, "fr")] == ["régime"]
    assert [t for t, _ in cues(text, "fr", skip_quotes=False)] == ["terroristes", "mercenaires", "régime"]


def test_unclosed_or_overlong_quote_does_not_silence_text():
    assert [t for t, _ in cues("« Les terroristes ont frappé", "fr")] == ["terroristes"]
    long_quote = "« " + "mot " * 200 + "» les terroristes"
    assert [t for t, _ in cues(long_quote, "fr")] == ["terroristes"]  # 800 chars: not a quote


def test_language_selects_lexicon():
    assert cues("The regime fell.", "fr") == []
    assert [t for t, _ in cues("The regime fell.", "en")] == ["regime"]


def test_blank_quotes_keeps_offsets():
    text = "A « b c » d"
    assert L.blank_quotes(text) == "A" + " " * 9 + "d"
    assert len(L.blank_quotes(text)) == len(text)


def test_lexicon_features_shape_and_counts():
    f = L.lexicon_features([FR, NEUTRAL_FR], "fr")
    assert f.shape == (2, L.N_LEXICAL)
    assert f[0, 0] == pytest.approx(np.log1p(4))
    assert f[0, 1] == 1.0 and f[1, 1] == 0.0


def test_shipped_scorer_loads():
    sc = L.scorer()
    assert sc.w.shape == (512 + L.N_LEXICAL,)
    assert 0.0 < sc.threshold < 1.0


def test_loaded_score_ranks_loaded_above_neutral():
    scores = L.loaded_score([FR, NEUTRAL_FR], "fr")
    assert len(scores) == 2 and all(0.0 <= s <= 1.0 for s in scores)
    assert scores[0] > scores[1]
    assert L.loaded_score([], "fr") == []


def test_document_loaded_on_document_model():
    doc = Document(id="d1", text=FR + "\n\n" + NEUTRAL_FR + "\n« Les terroristes », a-t-il dit.", lang="fr")
    res = L.document_loaded(doc)
    assert [s.text for s in res["spans"]] == ["forces d’occupation américaine", "régime", "mercenaires", "martyrs"]
    assert len(res["paragraphs"]) == 3
    assert 0.0 <= res["score"] <= 1.0
    assert res["paragraphs"][0]["score"] > res["paragraphs"][1]["score"]
    neutral = L.document_loaded(NEUTRAL_FR, lang="fr")
    assert neutral["spans"] == [] and neutral["score"] < res["score"]
    assert L.document_loaded("", lang="fr") == {"score": 0.0, "threshold": L.scorer().threshold,
                                                "spans": [], "paragraphs": []}


def test_semeval_french_lexicon_spans_valid_and_precise():
    """Over the shared SemEval French dev: offsets valid, and lexicon span precision
    (overlap with any gold Loaded_Language or Name_Calling span) well above chance."""
    d = SHARED / "eval" / "semeval23_fr"
    if not (d / "dev.docs.jsonl").exists():
        pytest.skip(f"evaluation data not available: {d}")
    docs = {r["id"]: r for r in map(json.loads, open(d / "dev.docs.jsonl", encoding="utf-8"))}
    n = ok = 0
    for g in map(json.loads, open(d / "dev.gold.jsonl", encoding="utf-8")):
        text = docs[g["id"]]["text"]
        gold = [(s["start"], s["end"]) for s in g["spans"]
                if s["technique"] in ("Loaded_Language", "Name_Calling-Labeling")]
        for s in L.loaded_spans(text, "fr"):
            assert text[s.start:s.end] == s.text
            n += 1
            ok += any(s.start < e and b < s.end for b, e in gold)
    assert n > 100
    assert ok / n >= 0.5  # measured 0.6 on the whole dev when written


def test_loaded_scorer_counts_paragraphs_and_spans():
    from dateline.evaluate.datasets import task_of_record
    from dateline.evaluate.loaded import score_loaded

    gold = [{"id": "a", "paragraph_techniques": [
                {"start": 0, "end": 10, "techniques": ["Loaded_Language"]},
                {"start": 11, "end": 20, "techniques": []},
                {"start": 21, "end": 30, "techniques": ["Loaded_Language", "Doubt"]}],
             "spans": [{"start": 2, "end": 5, "technique": "Loaded_Language"},
                       {"start": 22, "end": 25, "technique": "Loaded_Language"},
                       {"start": 12, "end": 14, "technique": "Doubt"}]}]
    assert task_of_record(gold[0]) == "loaded"
    pred = [{"id": "a", "paragraphs": [{"start": 0, "end": 10, "loaded": True},
                                       {"start": 11, "end": 20, "loaded": True},
                                       {"start": 21, "end": 30, "loaded": False}],
             "spans": [{"start": 3, "end": 4}, {"start": 15, "end": 16}]}]
    m = score_loaded(pred, gold).metrics
    # learned: paragraphs 1 and 2 flagged, 1 and 3 gold -> P 1/2, R 1/2
    assert m["paragraph_learned_precision"] == 0.5 and m["paragraph_learned_recall"] == 0.5
    # lexicon: spans in paragraphs 1 and 2 -> same decisions here
    assert m["paragraph_lexicon_precision"] == 0.5
    # spans: one of two predicted overlaps gold; one of two gold found
    assert m["span_lexicon_precision"] == 0.5 and m["span_lexicon_recall"] == 0.5
    # gated by the learned decision: both spans sit in flagged paragraphs
    assert m["span_gated_precision"] == 0.5
    assert m["n_paragraphs"] == 3 and m["n_positive_paragraphs"] == 2
