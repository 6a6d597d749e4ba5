"""Text normalisation for matching (never for offsets: spans always index the original text)."""

from __future__ import annotations

import re
import unicodedata

_ARABIC_DIACRITICS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "ʿ": "'", "ʾ": "'", "`": "'", "´": "'"})
_SEPARATORS = re.compile(r"[\s\-‐‑–—_/]+")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي"})
#: Leading Arabic article in transliterations: al-, el-, al , as-, ad-, ash-, ar- ... (assimilated forms)
_TRANSLIT_ARTICLE = re.compile(r"^(?:al|el|as|ash|ad|ar|at|az|an|ath|adh)[\s\-']+(?=\w)", re.I)
_ARABIC_ARTICLE = re.compile(r"^ال(?=\w{2,})")


def strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


def fold(s: str) -> str:
    """Case-, accent-, apostrophe- and separator-insensitive key for a name or alias."""
    s = unicodedata.normalize("NFKC", s)
    s = _INVISIBLE.sub("", s).translate(_APOSTROPHES)
    s = _ARABIC_DIACRITICS.sub("", s).translate(_ARABIC_FOLD)
    s = strip_accents(s).lower()
    s = s.replace("'", "")
    s = _SEPARATORS.sub(" ", s)
    return s.strip()


def name_key(s: str) -> str:
    """``fold`` plus removal of a leading Arabic article (al-Anbar == Anbar == الأنبار)."""
    k = fold(s)
    k2 = _TRANSLIT_ARTICLE.sub("", k)
    k2 = _ARABIC_ARTICLE.sub("", k2)
    return k2 if len(k2) >= 3 else k
