"""Ingest stage: read inputs into Documents, then zone page furniture and detect language.

``read_inputs`` is the only I/O of the stage (files, directories, WARC, stdin);
``prepare`` is pure: it reads ``Document.text``, ``title`` and ``lang`` and writes
``Document.zones``, ``lang`` and ``lang_score``.
"""

from __future__ import annotations

import logging

from dateline.ingest.datelines import find_dateline, infer_published
from dateline.ingest.language import detect_language, to_iso639_1
from dateline.ingest.readers import (
    READERS,
    SUFFIX_FORMATS,
    ReadResult,
    html_to_document,
    iter_read_results,
    parse_published,
    read_inputs,
    unique_ids,
)
from dateline.ingest.zoning import ZoningCue, find_zones, load_cues
from dateline.model import Document

logger = logging.getLogger(__name__)

__all__ = [
    "READERS",
    "SUFFIX_FORMATS",
    "ReadResult",
    "ZoningCue",
    "detect_language",
    "find_zones",
    "html_to_document",
    "iter_read_results",
    "load_cues",
    "parse_published",
    "prepare",
    "read_inputs",
    "to_iso639_1",
    "unique_ids",
]


def prepare(doc: Document) -> Document:
    """A copy of ``doc`` with furniture zones and a language.

    A declared ``lang`` is kept (normalised to ISO 639-1) and ``lang_score`` stays as
    given; otherwise the language is detected on the text with furniture masked, so a
    stock English caption does not outvote a French article.
    """
    lang = to_iso639_1(doc.lang)
    zones = find_zones(doc.text, lang, title=doc.title)
    update: dict[str, object] = {"zones": zones, "lang": lang}
    if lang is None:
        masked = doc.model_copy(update={"zones": zones}).analysis_text
        detected, score = detect_language(masked)
        if detected is None:
            logger.info("%s: language unknown (text too short or undetectable)", doc.id)
        update["lang"], update["lang_score"] = detected, score
    lang = update["lang"]  # type: ignore[assignment]
    dateline, dateline_date = find_dateline(doc.text, lang, doc.published)
    if dateline is not None and not any(z.start < dateline.end and dateline.start < z.end for z in zones):
        update["zones"] = sorted([*zones, dateline], key=lambda z: z.start)
    if doc.published is None:
        published = dateline_date or infer_published(doc.text, lang, zones)
        if published is not None:
            logger.info("%s: publication date %s read from the text", doc.id, published)
            update["published"] = published
    return doc.model_copy(update=update)
