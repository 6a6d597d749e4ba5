"""The chain of stages, for one document or a stream of them.

This module only wires stages together: ingest.prepare -> nlp -> extract -> (link, store
and export are called by the CLI). Loaded state (gazetteer, actor KB, spaCy pipelines)
lives in :class:`Resources`, created once per process (once per Dask worker).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice

from dateline import nlp
from dateline.extract.events import extract_events
from dateline.claims.outlets import outlet_from_document
from dateline.ingest import prepare
from dateline.model import Document, Event
from dateline.resolve.actors import ActorKB, default_kb
from dateline.resolve.gazetteer import Gazetteer, default_gazetteer

log = logging.getLogger(__name__)

#: documents per nlp.pipe batch: large enough to amortise spaCy's overhead, small enough
#: to keep memory flat on 100k-document runs (see docs/benchmarks.md).
BATCH_SIZE = 32


@dataclass
class Resources:
    """Gazetteer and actor KB, loaded lazily and shared by every document."""

    @cached_property
    def gazetteer(self) -> Gazetteer:
        return default_gazetteer()

    @cached_property
    def kb(self) -> ActorKB:
        return default_kb()

    @cached_property
    def outlets(self):
        from dateline.claims.outlets import default_kb as default_outlets

        return default_outlets()


@dataclass
class DocResult:
    document: Document
    events: list[Event]
    drops: Counter = field(default_factory=Counter)
    #: content hash of the document as read, before zoning filled in what it lacked
    #: (a publication date read from the text): what ``--resume`` compares against
    input_hash: str | None = None


def process(doc: Document, res: Resources | None = None) -> DocResult:
    """Zone, analyse and extract one document."""
    return next(process_stream([doc], res))


def process_stream(docs: Iterable[Document], res: Resources | None = None, *,
                   batch_size: int = BATCH_SIZE) -> Iterator[DocResult]:
    """Stream documents through the stages in batches (bounded memory, order kept)."""
    res = res or Resources()
    it = iter(docs)
    while True:
        raw = list(islice(it, batch_size))
        if not raw:
            return
        hashes = [d.content_hash for d in raw]
        batch = [prepare(d) for d in raw]
        analyses = nlp.analyse_many([(d.analysis_text, d.lang) for d in batch], batch_size=batch_size)
        for doc, analysis, input_hash in zip(batch, analyses, hashes):
            drops: Counter = Counter()
            events = extract_events(doc, analysis, res.gazetteer, res.kb, drops)
            # the publishing outlet (metadata, "SOURCE:" trailer or URL) goes on the events;
            # the document keeps what the input said, so its content hash stays stable
            outlet = outlet_from_document(doc, res.outlets)
            for ev in events:
                ev.outlet = outlet
            yield DocResult(doc, events, drops, input_hash)
