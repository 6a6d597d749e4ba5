"""``dateline geoparse``: every place name of a document with its resolution (CONTRACT §3).

Reads ``Document.text`` unmasked (titles and captions name places too). English text
goes through the learned recogniser of :mod:`dateline.resolve.places` (no spaCy pass: no
English model is guaranteed, and the blank pipeline adds nothing the scanner needs);
languages with a spaCy NER model (French) add its ``LOC``/``GPE`` spans to the gazetteer
scan, and actor names (the KB) block place readings inside them ("Kataib Hezbollah").
Every span is resolved to its best candidate: a guess scores better than no point.

Beyond CONTRACT §3 each toponym carries ``geo_precision`` (ACLED: 1 the place, 2 near it,
3 a province, country or region) and, where a phrase puts the location relative to it
("40 km north of Mosul", "à 15 km de Falloujah", "près de Tikrit", "قرب تكريت"),
``offset``: ``{"relation": "distance"|"direction"|"near", "distance_km", "bearing",
"bearing_deg"}`` with geo_precision 2; the point stays the named place's (ACLED's rule).

Reads: ``Document.id``, ``text``, ``lang``, ``outlet``. Writes: one CONTRACT §3 record per document.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from dateline import nlp
from dateline.ingest import prepare
from dateline.model import Document
from dateline.resolve.actors import ActorKB, default_kb
from dateline.resolve.gazetteer import Gazetteer, default_gazetteer
from dateline.resolve.places import (
    OutletProfile,
    OutletProfiles,
    Toponym,
    load_model,
    mark_offsets,
    recognise,
    resolve,
)

BATCH = 32
#: documents held at once so that an outlet's documents inform each other (a local
#: paper's "Dublin" is its own state's); records still come out in input order
CHUNK = 4096
#: languages recognised by the learned English model instead of spaCy + rules
LEARNED_LANGS = frozenset({"en"})


def spans_of(text: str, entities: list[tuple[int, int, str]], gaz: Gazetteer, kb: ActorKB | None,
             lang: str | None = None) -> list[tuple[int, int, str]]:
    """The toponym spans of one text."""
    if lang in LEARNED_LANGS and load_model() is not None:
        return recognise(text, gaz, lang=lang)
    blocked = [(a.start, a.end) for a in kb.find(text)] if kb is not None else []
    return recognise(text, gaz, ner_spans=entities, blocked=blocked)


def toponyms_of(text: str, entities: list[tuple[int, int, str]], gaz: Gazetteer, kb: ActorKB | None,
                lang: str | None = None, outlet: str | None = None,
                profile: OutletProfile | None = None) -> list[Toponym]:
    """Recognise and resolve the toponyms of one text (``outlet``: its domain, a cue;
    ``profile``: where its outlet's other documents are)."""
    return mark_offsets(text, resolve(spans_of(text, entities, gaz, kb, lang), gaz, text=text, outlet=outlet,
                                      best_guess=True, profile=profile))


def to_record(doc_id: str, toponyms: list[Toponym]) -> dict:
    out = []
    for t in toponyms:
        p = t.place
        out.append({
            "start": t.start, "end": t.end, "text": t.text,
            "latitude": round(p.latitude, 5) if p else None, "longitude": round(p.longitude, 5) if p else None,
            "geonameid": p.geonameid if p else None, "country_code": (p.country_code or None) if p else None,
            "feature_code": p.feature_code if p else None, "admin1": p.admin1 if p else None,
            "name": p.name if p else None, "score": round(t.score, 3), "geo_precision": t.geo_precision,
        })
        if t.offset is not None:
            out[-1]["offset"] = t.offset.to_dict()
    return {"doc_id": doc_id, "toponyms": out}


def _needs_spacy(lang: str | None) -> bool:
    if lang in LEARNED_LANGS and load_model() is not None:
        return False
    return "ner" in nlp.pipeline(lang).pipe_names


def geoparse_documents(docs: Iterable[Document], gaz: Gazetteer | None = None,
                       kb: ActorKB | None = None, chunk: int = CHUNK) -> Iterator[dict]:
    """Records in input order. Documents are read ``chunk`` at a time: every document is
    resolved once, its outlet's profile is built from the first pass, and documents
    whose outlet has other documents in the chunk are resolved again with it."""
    gaz = gaz or default_gazetteer()
    kb = kb or default_kb()
    held: list[Document] = []

    def spans_for(batch: list[Document]) -> list[list[tuple[int, int, str]]]:
        spacy_docs = [d for d in batch if _needs_spacy(d.lang)]
        analyses = dict(zip((id(d) for d in spacy_docs), nlp.analyse_many([(d.text, d.lang) for d in spacy_docs])))
        out = []
        for d in batch:
            a = analyses.get(id(d))
            out.append(spans_of(d.text, a.entities if a else [], gaz, kb, d.lang))
        return out

    def flush() -> Iterator[dict]:
        spans: list[list[tuple[int, int, str]]] = []
        for b in range(0, len(held), BATCH):
            spans += spans_for(held[b:b + BATCH])
        first = [resolve(sp, gaz, text=d.text, outlet=d.outlet, best_guess=True) for d, sp in zip(held, spans)]
        profiles = OutletProfiles()
        for k, (d, tops) in enumerate(zip(held, first)):
            profiles.add(k, d.outlet, tops)
        for k, (d, sp, tops) in enumerate(zip(held, spans, first)):
            prof = profiles.profile(k, d.outlet)
            if prof is not None:
                tops = resolve(sp, gaz, text=d.text, outlet=d.outlet, best_guess=True, profile=prof)
            yield to_record(d.id, mark_offsets(d.text, tops))

    for doc in docs:
        if doc.lang is None:
            doc = prepare(doc)
        held.append(doc)
        if len(held) >= chunk:
            yield from flush()
            held = []
    if held:
        yield from flush()
