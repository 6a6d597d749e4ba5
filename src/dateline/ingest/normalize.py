"""Text normalised for matching, with offsets that still index the original text.

News text carries invisible characters inside words: bidi marks around Arabic names
(``\\u200f``), zero-width spaces and joiners left by CMS editors (``Bag\\u200bdad``), soft
hyphens (``Mo\\u00adsul``), and decomposed accents (``e\\u0301``) from macOS copy-paste.
A lexicon or gazetteer pattern written as "Bagdad" or "é" misses all of them.

:func:`matching_text` removes those marks and applies NFC *without changing the length
of the text*: each whitespace-delimited run is rewritten in place (marks dropped,
combining sequences composed) and padded with spaces at its end. Whitespace (newlines
included) never moves, so lines, paragraphs and zones keep their offsets, and any
``text[start:end]`` taken with offsets found in the matching text is a valid slice of
the original. :func:`original_span` widens such a span to the exact original
characters (a match of "Bagdad" in ``Bag\\u200bdad`` ends one character later in the
original than in the matching text).

Pure functions, no state: the stage reads ``Document.text`` and writes nothing; callers
(zoning, language detection, ``Document.analysis_text``) decide what to match on.
"""

from __future__ import annotations

import re
import unicodedata

#: Characters removed for matching: bidi controls (Unicode UAX #9: LRM, RLM, ALM,
#: embeddings, overrides and isolates), zero-width characters (ZWSP, ZWNJ, ZWJ, word
#: joiner, BOM used as ZWNBSP), the soft hyphen and the Mongolian vowel separator.
#: ZWNJ/ZWJ shape Persian and Indic words but carry no meaning for a lexicon lookup.
FORMAT_CHARS = frozenset(
    "\u200b\u200c\u200d\u200e\u200f"  # ZWSP ZWNJ ZWJ LRM RLM
    "\u202a\u202b\u202c\u202d\u202e"  # LRE RLE PDF LRO RLO
    "\u2066\u2067\u2068\u2069"  # LRI RLI FSI PDI
    "\u2060\ufeff\u00ad\u061c\u180e"  # WJ, ZWNBSP (BOM), soft hyphen, ALM, MVS
)
_FORMAT_CLASS = "[" + "".join(sorted(FORMAT_CHARS)) + "]"
_HAS_FORMAT = re.compile(_FORMAT_CLASS)
_RUN = re.compile(r"\S+")

#: Runs longer than this are left as they are. A run is a "word"; a 20 MB page with
#: no space in it is not prose, and rewriting it would cost O(n) per looked-up span.
MAX_RUN_CHARS = 4096


def _attaches(ch: str) -> bool:
    """Whether ``ch`` belongs to the preceding character's cluster (NFC may merge them)."""
    if unicodedata.combining(ch):
        return True
    code = ord(ch)
    # Hangul conjoining vowels and trailing consonants (ccc 0, yet composed by NFC)
    return 0x1160 <= code <= 0x11FF or 0xD7B0 <= code <= 0xD7FF


def _clusters(run: str) -> list[tuple[int, int, str]]:
    """``(start, end, replacement)`` for each cluster of ``run``, in order.

    A cluster is a base character with its combining marks and the format characters
    inside it; format characters before the first base or after the last one form
    clusters of their own that map to nothing. The replacement is the cluster's NFC
    without format characters, unless NFC would make it longer (a few compatibility
    characters decompose), in which case only the format characters go.
    """
    clusters: list[tuple[int, int]] = []
    pending = -1  # start of format characters not yet attached
    for i, ch in enumerate(run):
        if ch in FORMAT_CHARS:
            if pending < 0:
                pending = i
            continue
        if clusters and _attaches(ch):
            clusters[-1] = (clusters[-1][0], i + 1)  # marks inside a cluster stay in it
        elif pending >= 0 and clusters:
            clusters.append((pending, i + 1))  # marks between two bases go with the second
        elif pending >= 0:
            clusters += [(pending, i), (i, i + 1)]  # leading marks: a cluster of their own
        else:
            clusters.append((i, i + 1))
        pending = -1
    if pending >= 0:
        clusters.append((pending, len(run)))  # trailing marks
    out = []
    for start, end in clusters:
        piece = run[start:end]
        bare = "".join(c for c in piece if c not in FORMAT_CHARS)
        composed = unicodedata.normalize("NFC", bare) if bare else bare
        out.append((start, end, composed if len(composed) <= len(bare) else bare))
    return out


def _needs_rewrite(run: str) -> bool:
    return len(run) <= MAX_RUN_CHARS and (
        _HAS_FORMAT.search(run) is not None or not unicodedata.is_normalized("NFC", run)
    )


def _rewrite(run: str) -> str:
    out = "".join(rep for _, _, rep in _clusters(run))
    return out + " " * (len(run) - len(out))


def matching_text(text: str) -> str:
    """``text`` with format characters removed and NFC applied, same length, same whitespace.

    ``len(matching_text(t)) == len(t)`` and every whitespace character (newlines
    included) stays where it was; only non-whitespace runs that contain a format
    character or are not NFC are rewritten, left-aligned and padded with spaces.
    """
    if _HAS_FORMAT.search(text) is None and unicodedata.is_normalized("NFC", text):
        return text
    return _RUN.sub(lambda m: _rewrite(m.group()) if _needs_rewrite(m.group()) else m.group(), text)


def _run_bounds(text: str, pos: int) -> tuple[int, int]:
    """The whitespace-delimited run of ``text`` containing ``pos`` (a non-space character)."""
    start = pos
    while start > 0 and not text[start - 1].isspace() and pos - start <= MAX_RUN_CHARS:
        start -= 1
    end = pos + 1
    while end < len(text) and not text[end].isspace() and end - start <= MAX_RUN_CHARS + 1:
        end += 1
    return start, end


def _map_position(text: str, pos: int, *, as_end: bool) -> int:
    """Original offset of matching-text position ``pos`` (a start, or the last char of a span)."""
    if pos < 0 or pos >= len(text) or text[pos].isspace():
        return pos + 1 if as_end else pos
    start, end = _run_bounds(text, pos)
    run = text[start:end]
    if not _needs_rewrite(run):
        return pos + 1 if as_end else pos
    k = pos - start  # index into the rewritten run
    produced = 0
    for c_start, c_end, rep in _clusters(run):
        if k < produced + len(rep):
            return start + (c_end if as_end else c_start)
        produced += len(rep)
    return end  # padding after the rewritten run (it stands for removed characters)


def original_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets in ``text`` of the span ``[start, end)`` found in ``matching_text(text)``.

    The result covers whole clusters: "Bagdad" matched in ``Bag\\u200bdad`` maps to the
    seven original characters; a span over an NFC-composed "é" covers ``e\\u0301``.
    Leading and trailing format characters of the word stay outside. Empty spans and
    spans over unchanged text come back as they are.
    """
    if end <= start:
        return start, end
    new_start = _map_position(text, start, as_end=False)
    new_end = _map_position(text, end - 1, as_end=True)
    return new_start, max(new_start, new_end)
