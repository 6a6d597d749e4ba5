"""``dateline geoparse``: every place name of a document with its resolution (CONTRACT §3).

Reads ``Document.text`` unmasked (titles and captions name places too) and uses spaCy
NER where the language has a model, plus the gazetteer scan everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from dateline import nlp
from dateline.ingest import prepare
from dateline.model import Document
from dateline.resolve.actors import ActorKB, default_kb
from dateline.resolve.gazetteer import Gazetteer, default_gazetteer
from dateline.resolve.places import Toponym, recognise, resolve

BATCH = 32


def toponyms_of(text: str, entities: list[tuple[int, int, str]], gaz: Gazetteer, kb: ActorKB) -> list[Toponym]:
    blocked = [(a.start, a.end) for a in kb.find(text)]
    return resolve(recognise(text, gaz, ner_spans=entities, blocked=blocked), gaz)


def to_record(doc_id: str, toponyms: list[Toponym]) -> dict:
    out = []
    for t in toponyms:
        p = t.place
        out.append({
            "start": t.start, "end": t.end, "text": t.text,
            "latitude": round(p.latitude, 5) if p else None, "longitude": round(p.longitude, 5) if p else None,
            "geonameid": p.geonameid if p else None, "country_code": p.country_code if p else None,
            "feature_code": p.feature_code if p else None, "admin1": p.admin1 if p else None,
            "name": p.name if p else None,
        })
    return {"doc_id": doc_id, "toponyms": out}


def geoparse_documents(docs: Iterable[Document], gaz: Gazetteer | None = None,
                       kb: ActorKB | None = None) -> Iterator[dict]:
    gaz = gaz or default_gazetteer()
    kb = kb or default_kb()
    batch: list[Document] = []

    def flush() -> Iterator[dict]:
        analyses = nlp.analyse_many([(d.text, d.lang) for d in batch])
        for d, a in zip(batch, analyses):
            yield to_record(d.id, toponyms_of(d.text, a.entities, gaz, kb))

    for doc in docs:
        if doc.lang is None:
            doc = prepare(doc)
        batch.append(doc)
        if len(batch) >= BATCH:
            yield from flush()
            batch = []
    if batch:
        yield from flush()
