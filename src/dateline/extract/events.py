"""From one analysed document to its events: one event per distinct incident.

Steps (each a plain function):

1. ``find_mentions`` (triggers.py) gives typed mentions per sentence;
2. every place name and date expression of a sentence is attached to the nearest
   mention of that sentence (``anchor``);
3. ``cluster`` walks the mentions in reading order and merges a mention into an earlier
   incident when types, places and dates are compatible — a mention with neither place
   nor date of its own continues the latest incident ("L'attaque a été revendiquée…");
4. ``build_event`` resolves each incident's fields (date, place, actors, counts,
   attribution) with their evidence spans.

Reads ``Document.text``/``zones``/``published``/``lang`` and the ``Analysis``; writes
``Event`` objects. Pure: resources (gazetteer, actor KB) are passed in.
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import pycountry

from dateline import data as curated
from dateline.claims.attribution import attribute, has_claim
from dateline.extract.triggers import GENERIC, MentionCandidate, find_mentions, type_generic
from dateline.geo import haversine_km
from dateline.ingest.normalize import original_span
from dateline.model import Attribution, Document, Event, Evidence, Mention
from dateline.nlp import Analysis
from dateline.resolve.actors import ActorKB, ActorMatch
from dateline.resolve.dates import DateMention, find_dates
from dateline.resolve.gazetteer import SOURCE_SUPPLEMENT, Gazetteer, Place
from dateline.resolve.numbers import find_counts
from dateline.text import fold
from dateline.resolve.places import Toponym, recognise, resolve
from dateline.taxonomy import DISORDER_OF_TYPE, SUB_TO_TYPE

log = logging.getLogger(__name__)

#: events dated more than this many days before publication are background, not news
#: (a 2020 assassination recalled in a 2022 article, "il y a un mois"). Three weeks: set
#: on the seeds' background events; weekly round-ups (7-14 days back) stay news.
BACKGROUND_DAYS = 21
#: two reports of one incident may differ by this many days (day-precision dates)
DATE_SLACK_DAYS = 1
#: places closer than this are the same incident location (base vs. its town)
SAME_PLACE_KM = 30.0
#: a mention without place or date continues an incident at most this many sentences back
CONTINUATION_SENTENCES = 3
#: a definite reference ("the attack …") may open an incident only in the lead, where
#: English news often starts that way; later it refers back to something already known
OPENING_SENTENCES = 3
#: texts this short (a brief, a snippet, an ACLED note) get one document-level event from
#: the classifier when no trigger fired; longer articles never do (their background
#: would become events). Set on the bundled examples (all longer) and ACLED notes.
SHORT_DOCUMENT_CHARS = 700
#: the classifier's top score needed for such an event
DOCUMENT_EVENT_MIN_SCORE = 0.35
#: a foreign capital this close before a trigger is read as its initiator (a metonym)
METONYM_GAP = 100
#: a place-less mention may be placed by a mention this many sentences later
FORWARD_SENTENCES = 2
#: sentences after an incident read for its toll (same paragraph, no other event)
FOLLOW_SENTENCES = 2
VIOLENT_TYPES = {"Battles", "Explosions/Remote violence", "Violence against civilians"}
_STATE_KINDS = {"state_military", "state_police"}
_ARMED_NON_STATE = {"militia", "rebel", "terrorist", "identity_militia", "unidentified"}
#: KB kinds that never initiate political violence in ACLED coding
_NON_AGENT_KINDS = {"civilians", "protesters"}
#: characters around an attack of unknown means read to type it ("attaque contre un convoi")
GENERIC_CONTEXT = 70
#: how far before an actor a target cue ("contre un convoi logistique de …") is looked for
TARGET_WINDOW = 70


@dataclass
class Anchor:
    mention: MentionCandidate
    sentence_index: int
    paragraph_initial: bool = False
    toponyms: list[Toponym] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    place: Toponym | None = None
    place_is_reference: bool = False
    date: DateMention | None = None


@dataclass
class Incident:
    anchors: list[Anchor] = field(default_factory=list)
    last_sentence: int = 0

    @property
    def primary(self) -> Anchor:
        for a in self.anchors:
            if a.place is not None or a.date is not None:
                return a
        return self.anchors[0]

    def _best_placed(self) -> Anchor | None:
        placed = [a for a in self.anchors if a.place is not None]
        return min(placed, key=lambda a: _place_rank(a.place, a.place_is_reference)) if placed else None

    def report_anchors(self) -> list[Anchor]:
        """The sentences that report the incident: those giving both its place and its
        date ("Ce samedi, des sources irakiennes ont fait état d'une explosion [...] dans
        la province d'al-Diwaniyah"), else the first giving its date, else the
        best-placed one. A headline-style opener that only names the place is the
        outlet's framing; the dated, placed sentence is the report, and its source is
        who says so."""
        full = [a for a in self.anchors if a.place is not None and a.date is not None]
        if full:
            return sorted(full, key=lambda a: _place_rank(a.place, a.place_is_reference))
        placed = self._best_placed()
        dated = [a for a in self.anchors if a.date is not None]
        if dated and placed is not None:
            return dated[:1]
        return [placed] if placed is not None else []

    @property
    def place(self) -> Toponym | None:
        a = self._best_placed()
        return a.place if a else None

    @property
    def place_is_reference(self) -> bool:
        a = self._best_placed()
        return a.place_is_reference if a else False

    @property
    def date(self) -> DateMention | None:
        for a in self.anchors:
            if a.date is not None:
                return a.date
        return None

    def sub_event_type(self, text: str, lang: str | None) -> tuple[str, float]:
        """The incident's type, with its vote strength.

        The mention that introduced the incident (with its place or date) decides when
        it can: its own specific type, or, for an attack of unknown means, what its own
        clause says ("une attaque contre un convoi" is an IED in ACLED's practice).
        Later mentions (anaphora, continuations) only decide when it cannot.
        """
        votes: Counter[str] = Counter()
        for i, a in enumerate(self.anchors):
            w = 0.5 if a.mention.anaphoric or i > 0 else 1.0
            for sub, v in a.mention.votes.items():
                votes[sub] += v * w
        strength = sum(votes.values())
        p = self.primary.mention
        if p.sub_event_type != GENERIC:
            return p.sub_event_type, strength
        lo, hi = max(p.sent_start, p.start - GENERIC_CONTEXT), min(p.sent_end, p.end + GENERIC_CONTEXT)
        typed = type_generic(text[lo:hi], lang, default=None)
        if typed is not None:
            return typed, strength
        specific = {k: v for k, v in votes.items() if k != GENERIC}
        if specific:
            return max(specific.items(), key=lambda kv: kv[1])[0], strength
        return type_generic(text[lo:hi], lang), strength


@dataclass(frozen=True)
class _Roles:
    target_before: re.Pattern[str]
    implicit: tuple[tuple[re.Pattern[str], str, str], ...]
    reference: re.Pattern[str]
    agent_before: re.Pattern[str]
    passive: re.Pattern[str]
    elsewhere: re.Pattern[str] | None
    same_group: re.Pattern[str] | None = None
    identified: re.Pattern[str] | None = None


@lru_cache(maxsize=None)
def _roles(lang: str) -> _Roles | None:
    spec = curated.lexicon("roles").get(lang)
    if spec is None:
        return None
    return _Roles(
        re.compile(rf"(?<![\w])(?:{spec['target_before']})\s*$", re.I),
        tuple((re.compile(i["pattern"], re.I), i["actor"], i["role"]) for i in spec.get("implicit") or ()),
        re.compile(rf"(?<![\w])(?:{spec['reference']})\s*(?:la |le |l['’]|les )?(?:\w+ ){{0,2}}$", re.I),
        re.compile(rf"(?<![\w])(?:{spec['agent_before']})\s*$", re.I),
        re.compile(rf"(?<![\w])(?:{spec['passive']})(?![\w])", re.I),
        re.compile(rf"(?<![\w])(?:{spec['elsewhere']})\s*(?:la |le |l['’]|les )?(?:\w+ ){{0,2}}$", re.I)
        if spec.get("elsewhere") else None,
        re.compile(rf"(?<![\w])(?:{spec['same_group']})(?![\w])", re.I) if spec.get("same_group") else None,
        re.compile(rf"(?<![\w])(?:{spec['identified']})", re.I) if spec.get("identified") else None,
    )


#: an actor this close before a trigger, with no passive between, is its initiator;
#: this close after it (and not after "par"/"by"), its target. Clause-sized windows: 80
#: characters let a subject keep its verb across an incise ("les forces US, en plein
#: sabotage dans des régions du centre de l'Irak eurent arrêté"; ACLED dev actor1 and
#: seeds both improved over 60).
INITIATOR_GAP, TARGET_GAP = 80, 90
#: how far after an actor a passive makes it the patient of a sentence-level event
PASSIVE_AFTER = 20


_SOURCE_BEFORE = re.compile(r"(?:selon|d['’]après|according to|citing|cité par|وفق|بحسب)\s+(?:\S+\s+){0,3}$", re.I)
_SOURCE_AFTER = re.compile(r"^\s*(?:\S+\s+){0,3}?(?:said|told|say|says|stated|announced|a déclaré|ont déclaré|a indiqué|"
                           r"ont indiqué|a affirmé|ont affirmé|a annoncé|ont annoncé|a précisé|ont précisé|قال|قالت)\b", re.I)


#: a new clause between an actor and a later trigger: the actor is not its subject
_CLAUSE_BREAK = re.compile(r";|\b(?:tandis qu|alors qu|cependant qu|pendant qu|whereas|while|whilst|بينما)", re.I)


def actor_role(text: str, m: ActorMatch, mention: MentionCandidate, roles: _Roles | None) -> str:
    """``initiator``, ``target``, ``source`` or ``other`` from the actor's position around
    the trigger; an actor that only says something ("two Iraqi security officials said")
    is a source, not a party."""
    if roles is None:
        return "other"
    if _SOURCE_BEFORE.search(text[max(0, m.start - 40):m.start]) or _SOURCE_AFTER.match(text[m.end:m.end + 40]):
        return "source"
    if (mention.start, mention.end) == (mention.sent_start, mention.sent_end):
        # a document-level event (the classifier's, no trigger): its "mention" is the
        # whole sentence, so only the actor's own surroundings tell its role: "2 soldiers
        # were shot and killed by Taliban militants"
        if roles.agent_before.search(text[max(mention.sent_start, m.start - 40):m.start]):
            return "initiator"
        if roles.target_before.search(text[max(mention.sent_start, m.start - TARGET_WINDOW):m.start]):
            return "target"
        after = roles.passive.search(text, m.end, min(mention.sent_end, m.end + PASSIVE_AFTER))
        if after is not None and not text[m.end:after.start()].strip(" ,"):
            return "target"
        return "initiator"
    if m.start >= mention.end:
        if roles.agent_before.search(text[max(mention.end, m.start - 40):m.start]):
            return "initiator"
        return "target" if m.start - mention.end <= TARGET_GAP else "other"
    if roles.agent_before.search(text[max(mention.sent_start, m.start - 40):m.start]):
        return "initiator"  # "hit by a Taliban-planted IED", "clashes between X and Y"
    if roles.target_before.search(text[max(0, m.start - TARGET_WINDOW):m.start]):
        return "target"
    gap = text[m.end:mention.start]
    inside = roles.passive.search(text, m.end, mention.start + 16)
    if inside and inside.start() <= mention.start:  # "… a été visé" inside the trigger, not
        return "target"  # "a Saudi-led coalition airstrike was reported" after it
    if roles.passive.search(gap):
        return "target"
    if _CLAUSE_BREAK.search(gap):  # "un véhicule des Hachd, tandis que la seconde frappe"
        return "other"
    return "initiator" if len(gap) <= INITIATOR_GAP else "other"


def _place_rank(t: Toponym, is_reference: bool, focus: str | None = None) -> tuple:
    """Sort key of candidate event places: best first.

    A place named as a reference point ("au sud de Bagdad") or a foreign capital (a
    metonym: "ceux d'Ankara") loses to one where the event is; a point beats an area;
    a curated conflict site beats a same-ranked town.
    """
    p = t.place
    assert p is not None
    metonym = _is_metonym(p, focus)
    area = 2 if p.feature_code == "PCLI" else 1 if p.feature_code in ("ADM1", "RGN") else 0
    # "near Balad" (precision 2 at Balad) is still more precise than "Salahuddin province"
    return (metonym, area, is_reference, p.origin != SOURCE_SUPPLEMENT, p.precision)


def _is_metonym(p: Place, focus: str | None) -> bool:
    """A foreign capital or country in a story about the focus country stands for its
    government ("Ankara", "les États-Unis"), not for where the event happened."""
    return focus is not None and p.country_code != focus and p.feature_code in ("PPLC", "PCLI")


def place_distance_km(a: Place, b: Place) -> float:
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)


def places_compatible(a: Place | None, b: Place | None) -> bool:
    if a is None or b is None:
        return True
    if a.pid == b.pid or place_distance_km(a, b) <= SAME_PLACE_KM:
        return True
    # a province or country contains the town: compatible
    for big, small in ((a, b), (b, a)):
        if big.feature_code == "PCLI" and big.country_code == small.country_code:
            return True
        if big.feature_code in ("ADM1", "RGN") and big.admin1 and big.admin1 == small.admin1:
            return True
    return False


def dates_compatible(a: DateMention | None, b: DateMention | None) -> bool:
    if a is None or b is None or a.value is None or b.value is None:
        return True
    slack = DATE_SLACK_DAYS if max(a.precision, b.precision) == 1 else 7 if max(a.precision, b.precision) == 2 else 31
    return abs((a.value - b.value).days) <= slack


def types_compatible(inc: Incident, m: MentionCandidate) -> bool:
    """Same event type; an attack of unknown means goes with any violent type."""
    a = m.sub_event_type
    subs = {x.mention.sub_event_type for x in inc.anchors} - {GENERIC}
    types = {SUB_TO_TYPE[s] for s in subs}
    if a == GENERIC:
        return not types or bool(types & VIOLENT_TYPES)
    if not subs:
        return SUB_TO_TYPE[a] in VIOLENT_TYPES
    return SUB_TO_TYPE[a] in types


def anchor_mentions(mentions: list[MentionCandidate], toponyms: list[Toponym], dates: list[DateMention],
                    sentences: list[tuple[int, int]], text: str, lang: str | None,
                    focus: str | None = None) -> list[Anchor]:
    """Attach each place and date of a sentence to the nearest mention in it."""
    sent_index = {s: i for i, s in enumerate(sentences)}
    anchors = [Anchor(m, sent_index.get((m.sent_start, m.sent_end), 0),
                      not text[_paragraph_start(text, m.sent_start):m.sent_start].strip()) for m in mentions]
    by_sent: dict[tuple[int, int], list[Anchor]] = {}
    for a in anchors:
        by_sent.setdefault((a.mention.sent_start, a.mention.sent_end), []).append(a)
    roles = _roles(lang or "") or _roles("en")
    for (ss, se), group in by_sent.items():
        for t in toponyms:
            if t.place is None or not (ss <= t.start < se):
                continue
            if roles and roles.elsewhere and roles.elsewhere.search(text[max(ss, t.start - 60):t.start]):
                continue  # "après l'arrivée des Yankees à Ain al-Asad": another clause's place
            nearest = min(group, key=lambda a: _distance(a.mention, t.start, t.end))
            nearest.toponyms.append(t)
        sent_dates = [d for d in dates if d.value is not None and ss <= d.start < se]
        lead = next((d for d in sent_dates if _LEADING_DATE.match(text[ss:d.start])), None)
        if lead is not None:
            # "On 30 April 2020, a person who was abducted on 24 April was found dead": the
            # date opening the sentence is its event's; later ones belong to its clauses
            for a in group:
                a.dates.append(lead)
            sent_dates = []
        outside = [d for d in sent_dates if not _in_brackets(text, ss, d.start)]
        for d in sent_dates:
            if outside and d not in outside:
                continue  # "Around 4 May 2020 (from 3 May to 4 May)": the aside does not date it
            nearest = min(group, key=lambda a: _distance(a.mention, d.start, d.end))
            nearest.dates.append(d)
        for a in group:
            if a.toponyms:
                scored = []
                for t in a.toponyms:
                    ref = bool(roles and roles.reference.search(text[max(ss, t.start - 40):t.start]))
                    metonym = _is_metonym(t.place, focus)
                    scored.append((_place_rank(t, ref, focus), _distance(a.mention, t.start, t.end), t, ref or metonym))
                scored.sort(key=lambda x: (x[0], x[1]))
                a.place, a.place_is_reference = scored[0][2], scored[0][3]
        for a in group:
            if a.place is not None and a.place_is_reference:
                # a reference point or a metonym ("ceux d'Ankara") does not place the event:
                # take the sentence's best place instead ("… les deux raids ayant eu lieu à Sinjar")
                own = [t for t in toponyms if t.place is not None and ss <= t.start < se]
                if own:
                    ref = lambda t: bool(roles and roles.reference.search(text[max(ss, t.start - 40):t.start]))  # noqa: E731
                    best = min(own, key=lambda t: _place_rank(t, ref(t), focus))
                    best_ref = ref(best) or _is_metonym(best.place, focus)
                    if not best_ref:
                        a.place, a.place_is_reference = best, best_ref
            if a.dates:
                a.date = min(a.dates, key=lambda d: _distance(a.mention, d.start, d.end))
    return anchors


#: what may stand before a date that opens its sentence ("On", "Around", "Le", "Dans la nuit du")
_LEADING_DATE = re.compile(r"^\W*(?:(?:on|around|about|early on|late on|on or about|le|vers le|dès le|"
                           r"dans la nuit du|في|يوم)\s+)?$", re.I)


def _in_brackets(text: str, start: int, pos: int) -> bool:
    chunk = text[start:pos]
    return chunk.count("(") > chunk.count(")")


def _distance(m: MentionCandidate, s: int, e: int) -> int:
    if e <= m.start:
        return m.start - e
    if s >= m.end:
        return s - m.end
    return 0


def cluster(anchors: list[Anchor], drops: Counter | None = None) -> list[Incident]:
    """Merge mentions into incidents in reading order (see module docstring).

    - a mention with a place joins the latest incident whose type, place and date agree;
    - a mention without a place continues the latest incident when it is close (or
      anaphoric: "l'attaque a été revendiquée") and agrees with it;
    - "une autre attaque" / "la seconde frappe" always opens a new incident;
    - otherwise a mention opens an incident only if it has a place or a date of its own
      and is not a reference back; the rest are dropped as unanchored (counted in
      ``drops``).
    """
    incidents: list[Incident] = []
    pending: list[Anchor] = []  # placeless, dateless mentions waiting for the incident they announce
    for a in anchors:
        m = a.mention
        target: Incident | None = None
        if m.anaphoric and a.place is not None and a.place.place is not None and a.place.place.is_area:
            # "L'attaque … jusqu'à ce que les troupes quittent la Mésopotamie": a country
            # or province next to a reference back does not place it
            a.place = None
        if m.distinct and a.place is not None:
            target = None
        elif a.place is None:
            # the latest incident this mention can continue: close (or referred to) and
            # agreeing with it; a closer incident of another type does not hide it
            # ("[drone abattu]. Le même groupe qui a revendiqué l'attaque contre
            # Bismayah a affirmé avoir abattu l'appareil")
            by_recency = sorted(incidents, key=lambda i: -i.last_sentence)
            recent = next((i for k, i in enumerate(by_recency)
                           if types_compatible(i, m) and dates_compatible(i.date, a.date)
                           and (m.anaphoric and k == 0 or a.sentence_index - i.last_sentence <= CONTINUATION_SENTENCES)),
                          None)
            if m.anaphoric and a.paragraph_initial and incidents and types_compatible(incidents[0], m):
                # "L'attaque a été revendiquée par …" opening a paragraph: the lead incident
                target = incidents[0]
            elif recent is not None:
                target = recent
            elif a.date is None or m.anaphoric:
                if a.date is None and not m.anaphoric:
                    pending.append(a)
                elif drops is not None:
                    drops["unanchored"] += 1
                continue
        else:
            for inc in sorted(incidents, key=lambda i: -i.last_sentence):
                if not types_compatible(inc, m):
                    continue
                if inc.place is None and a.sentence_index - inc.last_sentence > CONTINUATION_SENTENCES:
                    continue  # a far-away placed mention does not complete a place-less incident
                if not places_compatible(inc.place.place if inc.place else None, a.place.place):
                    continue
                if not dates_compatible(inc.date, a.date):
                    continue
                target = inc
                break
        if target is None and (m.backref or m.anaphoric and a.sentence_index > OPENING_SENTENCES):
            # "this week's rocket attack on Ain al-Asad": a reference back to a known event
            if drops is not None:
                drops["anaphoric_reference"] += 1
            continue
        if target is None:
            target = Incident()
            incidents.append(target)
        target.anchors.append(a)
        target.last_sentence = max(target.last_sentence, a.sentence_index)
        # "Un convoi a été pris pour cible, 4 morts." then "Un engin explosif a sauté … à al-Thaïr":
        # the place-less sentence announced the incident the next one places
        for p in list(pending):
            if 0 <= a.sentence_index - p.sentence_index <= FORWARD_SENTENCES and types_compatible(target, p.mention):
                target.anchors.append(p)
                pending.remove(p)
            elif a.sentence_index - p.sentence_index > FORWARD_SENTENCES:
                pending.remove(p)
                if drops is not None:
                    drops["unanchored"] += 1
    if drops is not None and pending:
        drops["unanchored"] += len(pending)
    return incidents


def _paragraph_start(text: str, pos: int) -> int:
    i = text.rfind("\n", 0, pos)
    return 0 if i < 0 else i + 1


def _evidence(doc: Document, field_name: str, start: int, end: int) -> Evidence:
    """Evidence over the original text: a span found in the normalised text is widened to
    the original characters ("Fallou\u00adjah")."""
    start, end = original_span(doc.text, start, end)
    return Evidence(field=field_name, start=start, end=end, text=doc.text[start:end])


def _country_info(gaz: Gazetteer, cc: str | None) -> tuple[str | None, int | None]:
    if not cc:
        return None, None
    name = gaz.country_names.get(cc)
    c = pycountry.countries.get(alpha_2=cc)
    return name or (c.name if c else None), int(c.numeric) if c else None


def extract_events(doc: Document, analysis: Analysis, gaz: Gazetteer, kb: ActorKB,
                   drops: Counter | None = None) -> list[Event]:
    """All events of one document (see module docstring)."""
    drops = drops if drops is not None else Counter()
    text = doc.analysis_text
    lang = doc.lang
    mentions = find_mentions(text, analysis.sentences, lang, drops)
    short = len(text.strip()) <= SHORT_DOCUMENT_CHARS
    if not mentions and not short:
        return []
    kb_matches = kb.find(text)
    # "military forces of Armenia" still names a place: only KB aliases hide their words
    actor_matches = _with_national_forces(text, kb_matches, gaz, kb)
    spans = recognise(text, gaz, ner_spans=analysis.entities, blocked=[(a.start, a.end) for a in kb_matches],
                      lang="en" if lang == "en" else None)
    toponyms = resolve(spans, gaz, text=text, outlet=doc.outlet)
    # the filing place of a wire story is not where its events happened, and "the
    # Baghdad Ledger" is a newspaper, not a place
    dateline_spans = [(z.start, z.end) for z in doc.zones if z.kind == "dateline"]
    not_places = list(dateline_spans)
    if doc.outlet and len(doc.outlet) > 3:
        not_places += [(m.start(), m.end()) for m in re.finditer(re.escape(doc.outlet), text, re.I)]
    if not_places:
        toponyms = [t for t in toponyms if not any(s <= t.start < e for s, e in not_places)]
    # "Iraqi security officials": a nationality adjective names no event place
    toponyms = [t for t in toponyms if gaz.demonym(t.text) is None]
    # a dateline's date is the report's, not an event's: it only serves as a fallback
    dates = [d for d in find_dates(text, lang, doc.published)]
    event_dates = [d for d in dates if not any(s <= d.start < e for s, e in dateline_spans)]
    focus = _focus_country(toponyms)
    anchors = anchor_mentions(mentions, toponyms, event_dates, analysis.sentences, text, lang, focus)
    incidents = cluster(anchors, drops)
    if not incidents and short:
        inc = document_incident(text, analysis, lang, toponyms, event_dates, focus)
        if inc is not None:
            drops["document_level_event"] += 1
            incidents = [inc]
    events: list[Event] = []
    mention_sentences = {(a.mention.sent_start, a.mention.sent_end) for a in anchors}
    all_mentions = [(a.mention.start, a.mention.end) for inc in incidents for a in inc.anchors]
    # a short note's coder statements ("Fatalities coded as 10 and split between 2
    # events.", "3 fatalities.") are about the whole note, wherever they stand
    coder = [(s, e) for s, e in analysis.sentences if _CODER_SENTENCE.search(text[s:e])] if short else []
    for inc in incidents:
        follow = following_sentences(inc, analysis.sentences, mention_sentences, text,
                                     limit=None if len(incidents) == 1 and short else FOLLOW_SENTENCES)
        if coder:
            mine = {(a.mention.sent_start, a.mention.sent_end) for a in inc.anchors}
            follow = sorted(set(follow) | {c for c in coder if c not in mine})
        ev = build_event(doc, inc, text, dates, toponyms, actor_matches, gaz, kb, focus, drops, follow,
                         analysis.sentences, all_mentions)
        if ev is not None:
            ev.event_id = f"{doc.id}-{len(events) + 1}"
            events.append(ev)
    _share_sentence_actors(events, doc)
    return events


#: KB entries a nationality names more precisely ("Nigerian security forces")
_COUNTRY_NEUTRAL = {"generic_military_forces", "generic_police_forces"}


def _with_national_forces(text: str, matches: list[ActorMatch], gaz: Gazetteer, kb: ActorKB) -> list[ActorMatch]:
    """KB matches plus state forces named by nationality or country ("Nigerian Armed
    Forces", "military forces of Armenia"), which replace a country-neutral match they
    contain ("security forces" in "Nigerian security forces")."""
    national = kb.find_national_forces(text, lambda s: _country_named(gaz, s),
                                       [m for m in matches if m.actor.id not in _COUNTRY_NEUTRAL])
    if not national:
        return matches
    kept = [m for m in matches if not any(n.start < m.end and m.start < n.end for n in national)]
    return sorted([*kept, *national], key=lambda a: (a.start, -(a.end - a.start)))


def _country_named(gaz: Gazetteer, surface: str) -> str | None:
    """The English country name an adjective ("Nigerian") or a country name in English,
    French or Arabic ("Arménie", "نيجيريا") stands for."""
    p = gaz.demonym(surface)
    if p is not None and p.feature_code == "PCLI":
        return gaz.country_names.get(p.country_code)
    name = _country_names(gaz).get(surface.casefold())
    if name is None:
        cc = _translated_country_names().get(fold(surface))
        name = gaz.country_names.get(cc) if cc else None
    return name


@lru_cache(maxsize=1)
def _translated_country_names() -> dict[str, str]:
    """Folded French and Arabic country names (pycountry's ISO 3166 translations, with
    and without the Arabic article) -> ISO alpha-2 code."""
    import gettext

    out: dict[str, str] = {}
    for lang in ("fr", "ar"):
        try:
            tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        except OSError:
            continue
        for c in pycountry.countries:
            for n in {getattr(c, "common_name", None), c.name}:
                if not n:
                    continue
                local = tr.gettext(n)
                if "," in local:  # "Syrienne, République arabe": the article-less index form
                    continue
                key = fold(local)
                out.setdefault(key, c.alpha_2)
                if lang == "ar" and key.startswith("ال"):
                    out.setdefault(key[2:], c.alpha_2)
    return out


_COUNTRY_NAME_CACHE: dict[int, dict[str, str]] = {}


def _country_names(gaz: Gazetteer) -> dict[str, str]:
    key = id(gaz)
    if key not in _COUNTRY_NAME_CACHE:
        _COUNTRY_NAME_CACHE[key] = {n.casefold(): n for n in gaz.country_names.values()}
    return _COUNTRY_NAME_CACHE[key]


def _unknown_initiator(name: str | None) -> bool:
    return name is None or name.startswith("Unidentified Armed Group")


def _share_sentence_actors(events: list[Event], doc: Document) -> None:
    """Incidents told in one sentence share a subject: "Ankara s'en est pris aux Hachd à
    deux reprises : une première attaque [...] tandis que la seconde frappe [...]". An
    incident that found no initiator of its own takes the one of an earlier incident of
    the same type whose sentence it shares (and its target when it has none)."""
    for i, ev in enumerate(events):
        if not _unknown_initiator(ev.actor1):
            continue
        mine = {(m.sent_start, m.sent_end) for m in ev.mentions}
        for prev in events[:i]:
            if _unknown_initiator(prev.actor1) or prev.event_type != ev.event_type:
                continue
            if not mine & {(m.sent_start, m.sent_end) for m in prev.mentions}:
                continue
            ev.actor1, ev.inter1 = prev.actor1, prev.inter1
            ev.evidence += [e for e in prev.evidence if e.field == "actor1"]
            if ev.actor2 is None and prev.actor2 != ev.actor1:
                ev.actor2, ev.inter2 = prev.actor2, prev.inter2
                ev.evidence += [e for e in prev.evidence if e.field == "actor2"]
            ev.notes = acled_note(ev)
            break


def document_incident(text: str, analysis: Analysis, lang: str | None, toponyms: list[Toponym],
                      dates: list[DateMention], focus: str | None) -> Incident | None:
    """One incident for a short text (a brief, a snippet, an analyst's note) in which no
    trigger fired but the document classifier names an ACLED event with some confidence:
    its first sentence is the evidence, its best place and first date anchor it."""
    from dateline.extract.classify import classify_text

    label = classify_text(text, analysis, lang)
    if label.label not in SUB_TO_TYPE or label.score < DOCUMENT_EVENT_MIN_SCORE:
        return None
    first = next(((s, e) for s, e in analysis.sentences if text[s:e].strip()), None)
    if first is None:
        return None
    s, e = first
    m = MentionCandidate(s, e, s, e)
    m.votes[label.label] += label.score
    m.model_probs = dict(label.top)
    a = Anchor(m, 0, True)
    placed = [t for t in toponyms if t.place is not None and not _is_metonym(t.place, focus)]
    if placed:
        a.place = min(placed, key=lambda t: (_place_rank(t, False, focus), t.start))
    dated = [d for d in dates if d.value is not None]
    if dated:
        a.date = dated[0]
    if a.place is None and a.date is None:
        return None
    return Incident([a], 0)


def _focus_country(toponyms: list[Toponym]) -> str | None:
    votes = Counter(t.place.country_code for t in toponyms if t.place is not None)
    return votes.most_common(1)[0][0] if votes else None


def _caption_date(doc: Document, inc: Incident, lang: str | None, sub: str) -> DateMention | None:
    """A date from a caption of the story that shows the same place or kind of event."""
    place = inc.place.place if inc.place else None
    for z in doc.zones:
        if z.kind != "caption":
            continue
        cap = doc.text[z.start:z.end]
        ds = [d for d in find_dates(doc.text, lang, doc.published, z.start, z.end) if d.value and d.precision == 1]
        if not ds:
            continue
        same_place = place is not None and any(
            n and n.lower() in cap.lower() for n in {place.name, inc.place.text if inc.place else ""}
        )
        same_kind = any(h.cue.pattern.search(cap) for a in inc.anchors for h in a.mention.hits if h.cue.sub == sub)
        if same_place or same_kind:
            return ds[0]
    return None


def following_sentences(inc: Incident, sentences: list[tuple[int, int]], mention_sentences: set[tuple[int, int]],
                        text: str, limit: int | None = FOLLOW_SENTENCES) -> list[tuple[int, int]]:
    """Up to ``limit`` sentences after the incident's last one, in the same paragraph and
    without an event mention of their own: where reports put the toll ("No casualties
    were reported."). A short report of one incident (a wire brief, a coder's note) puts
    it anywhere after ("[…] The event was recorded and circulated. 1 fatality."):
    ``limit=None``."""
    last = max((a.mention.sent_start, a.mention.sent_end) for a in inc.anchors)
    try:
        i = sentences.index(last)
    except ValueError:
        return []
    out = []
    for s, e in sentences[i + 1:None if limit is None else i + 1 + limit]:
        if (limit is not None and (s, e) in mention_sentences) or "\n\n" in text[last[1]:s]:
            break
        out.append((s, e))
    return out


def build_event(doc: Document, inc: Incident, text: str, dates: list[DateMention], toponyms: list[Toponym],
                actor_matches: list[ActorMatch], gaz: Gazetteer, kb: ActorKB, focus: str | None,
                drops: Counter, follow: list[tuple[int, int]] = (),
                sentences: list[tuple[int, int]] = (),
                other_mentions: list[tuple[int, int]] | None = None) -> Event | None:
    lang = doc.lang
    sub, strength = inc.sub_event_type(text, lang)
    event_type = SUB_TO_TYPE[sub]
    primary = inc.primary
    pm = primary.mention
    evidence = [_evidence(doc, "event", pm.sent_start, pm.sent_end),
                _evidence(doc, "sub_event_type", pm.start, pm.end)]
    for a in inc.anchors[1:]:
        if (a.mention.sent_start, a.mention.sent_end) != (pm.sent_start, pm.sent_end):
            evidence.append(_evidence(doc, "event", a.mention.sent_start, a.mention.sent_end))

    # -- date ---------------------------------------------------------------------
    dm = inc.date
    time_precision = None
    event_date = None
    if dm is not None:
        event_date, time_precision = dm.value, dm.precision
        evidence.append(_evidence(doc, "event_date", dm.start, dm.end))
    else:
        d = _caption_date(doc, inc, lang, sub)
        if d is not None:
            event_date, time_precision = d.value, d.precision
            evidence.append(_evidence(doc, "event_date", d.start, d.end))
        else:
            para = _paragraph_start(text, max(0, _paragraph_start(text, pm.sent_start) - 2))
            prior = [d for d in dates if d.value is not None and para <= d.end <= pm.start]
            if prior:
                d = prior[-1]
                event_date, time_precision = d.value, d.precision
                evidence.append(_evidence(doc, "event_date", d.start, d.end))
            elif doc.published is not None:
                event_date, time_precision = doc.published, 2
                evidence.append(Evidence(field="event_date", start=pm.sent_start, end=pm.sent_start, text=""))
    if event_date is not None and doc.published is not None:
        if event_date > doc.published:
            event_date = doc.published
        if (doc.published - event_date).days > BACKGROUND_DAYS:
            drops["background:old_date"] += 1
            return None

    # -- place --------------------------------------------------------------------
    t = inc.place
    place: Place | None = t.place if t else None
    geo_precision = None
    if place is not None:
        geo_precision = 3 if place.feature_code in ("PCLI", "ADM1", "RGN") else place.precision
        if inc.place_is_reference:
            geo_precision = max(2, geo_precision)
        evidence.append(_evidence(doc, "location", t.start, t.end))
    elif focus:
        place = gaz.country(focus)
        geo_precision = 3
    if place is None:
        # an event is still an event when its place is unknown: kept with null
        # coordinates (CONTRACT: unknown is null), and flagged by a lower confidence
        drops["kept_without_place"] += 1
    country, iso = _country_info(gaz, place.country_code if place else None)

    # -- actors, claims -------------------------------------------------------------
    sent_spans = sorted({(a.mention.sent_start, a.mention.sent_end) for a in inc.anchors})
    in_incident = [m for m in actor_matches if any(s <= m.start < e for s, e in sent_spans)]
    roles = _roles(lang or "") or _roles("en")
    claimants, targets, initiators = [], [], []
    sentence_mention = {(a.mention.sent_start, a.mention.sent_end): a.mention for a in inc.anchors}
    for m in in_incident:
        s, e = next((s, e) for s, e in sent_spans if s <= m.start < e)
        kind = m.actor.kind
        if kind in _NON_AGENT_KINDS and kind != "civilians":
            continue
        if has_claim(text[s:e], lang) and kind in _ARMED_NON_STATE:
            claimants.append(m)
            continue
        role = actor_role(text, m, sentence_mention[(s, e)], roles)
        if kind == "civilians" or role == "target":
            targets.append(m)
        elif role == "initiator":
            initiators.append(m)
    implicit_targets, implicit_initiators = [], []
    if roles:
        for s, e in sent_spans:
            for pat, actor_id, role in roles.implicit:
                mm = pat.search(text, s, e)
                if mm and kb.get(actor_id) is not None:
                    if role == "target":
                        implicit_targets.append((kb.get(actor_id), mm.start(), mm.end()))
                    elif role == "initiator":
                        implicit_initiators.append(ActorMatch(mm.start(), mm.end(), mm.group(0), kb.get(actor_id)))
    if not claimants:
        claimants = _interior_claimants(text, lang, sent_spans, follow, sentences, actor_matches, other_mentions or ())
    if not claimants and roles is not None:
        claimants = _referred_claimants(text, lang, sent_spans, follow, actor_matches, sentences, roles)
    when = event_date
    name = lambda a: kb.acled_name(a, when, country)  # noqa: E731
    # "revendiquée par Ashab al-Kahf, l'une des composantes de la Résistance irakienne":
    # the umbrella named beside its brand did not claim separately
    parents = {parent for m in claimants for parent in kb.ancestors(m.actor)}
    claimants = [m for m in claimants if m.actor.id not in parents] or claimants
    claimed_by = list(dict.fromkeys(name(m.actor) for m in claimants))
    actor1 = actor2 = None
    inter1 = inter2 = None
    target_ids = {m.actor.id for m in targets}
    initiators = [m for m in initiators if m.actor.id not in target_ids]  # the attacked never attack
    initiators = [_umbrella(text, m, in_incident) for m in initiators]
    if not claimants and not initiators:
        # a strike named by its nationality ("بقصف مسيرة تركية"): its state's forces
        initiators += [m for m in implicit_initiators if m.actor.id not in target_ids]
    if not claimants and not initiators:
        subject = _sentence_subject(text, pm, in_incident, targets, roles)
        if subject is not None:
            initiators.append(subject)
    if not claimants and not initiators:
        metonym = _metonym_initiator(inc, toponyms, focus, kb, gaz, text, roles)
        if metonym is not None:
            initiators.append(metonym)
    if sub == "Arrests" and not claimants and not initiators:
        # an arrest is made by the state (ACLED: police in 118 of 139 training rows,
        # the military in 15): the state force the sentence names, else the police
        named = next((m for m in in_incident if m.actor.kind in _STATE_KINDS), None)
        police = kb.get("generic_police_forces")
        if named is not None:
            initiators.insert(0, named)
            targets = [m for m in targets if m is not named]
        elif police is not None:
            initiators.insert(0, ActorMatch(pm.start, pm.end, text[pm.start:pm.end], police))
    a1 = claimants[0] if claimants else (initiators[0] if initiators else None)
    if a1 is not None:
        actor1, inter1 = name(a1.actor), kb.inter(a1.actor, country)
        evidence.append(_evidence(doc, "actor1", a1.start, a1.end))
        alternative = None if claimants else _alternative(text, a1, in_incident)
        if alternative is not None:
            # "suspected JNIM or ISGS militants": ACLED names the pair "X and/or Y",
            # in reverse alphabetical order as in all its exports' pairs
            actor1 = " and/or ".join(sorted({actor1, name(alternative.actor)}, reverse=True))
            evidence.append(_evidence(doc, "actor1", alternative.start, alternative.end))
    t2 = next((m for m in targets if a1 is None or m.actor.id != a1.actor.id), None)
    if t2 is not None:
        actor2, inter2 = name(t2.actor), kb.inter(t2.actor, country)
        evidence.append(_evidence(doc, "actor2", t2.start, t2.end))
    elif implicit_targets:
        actor, s, e = implicit_targets[0]
        actor2, inter2 = name(actor), kb.inter(actor, country)
        evidence.append(_evidence(doc, "actor2", s, e))
    if event_type in CROWD_ACTORS:
        # ACLED codes every demonstration "Protesters (Country)", every riot "Rioters
        # (Country)" as actor1 (the codebook defines these types by who acts: 874 of 875
        # protests and 208 of 209 riots in ACLED dev); the police that intervene, or a
        # named group, is the other party
        crowd = kb.get(CROWD_ACTORS[event_type])
        if crowd is not None and (a1 is None or a1.actor.kind not in CROWD_KINDS):
            if a1 is not None and actor2 is None:
                actor2, inter2 = actor1, inter1
                evidence = [e if e.field != "actor1" else e.model_copy(update={"field": "actor2"}) for e in evidence]
            else:
                evidence = [e for e in evidence if e.field != "actor1"]
            actor1, inter1 = name(crowd), kb.inter(crowd, country)
            said = next((m for m in in_incident if m.actor.kind in CROWD_KINDS), None)
            s, e = (said.start, said.end) if said is not None else (pm.start, pm.end)
            evidence.append(_evidence(doc, "actor1", s, e))
    if actor1 is None and event_type in VIOLENT_TYPES:
        ua = kb.get("unidentified_armed_group")
        if ua is not None:
            actor1, inter1 = name(ua), kb.inter(ua, country)
    if actor2 is not None and actor1 == actor2:
        actor2, inter2 = None, None

    # -- counts ---------------------------------------------------------------------
    mine = [(a.mention.start, a.mention.end) for a in inc.anchors]
    others = [o for o in (other_mentions or ()) if o not in mine]
    fatalities, injuries = tally_counts(text, lang, [*sent_spans, *follow],
                                        lambda c: evidence.append(_evidence(doc, c.kind, c.start, c.end)),
                                        mine, others)
    if fatalities and sub in NO_FATALITY_TYPES and not any(_CODER_SENTENCE.search(text[s:e])
                                                           for s, e in [*sent_spans, *follow]):
        # a peaceful protest kills no one by ACLED's definitions: deaths told beside it
        # ("protest after a gas leak killed 11") are another event's, unless the coder
        # of a note states them ("1 fatality.": then the type is what is wrong)
        drops["fatalities_of_another_event"] += 1
        fatalities = None
        evidence = [e for e in evidence if e.field != "fatalities"]

    # -- attribution -----------------------------------------------------------------
    # the core report is the sentence that dates and places the event; a sentence
    # without a cue right after a cited one in the same paragraph continues the citation
    claimant = claimed_by[0] if claimed_by else None
    reports = inc.report_anchors() or [primary]
    attribution, (cs, ce) = min(
        (_sentence_attribution(text, lang, a.mention.sent_start, a.mention.sent_end, sentences, claimant)
         for a in reports),
        key=lambda r: SOURCE_RANK.get(r[0].asserted_by, len(SOURCE_RANK)),
    )
    if attribution.cue:
        i = text[cs:ce].find(attribution.cue)
        if i >= 0:
            evidence.append(_evidence(doc, "attribution", cs + i, cs + i + len(attribution.cue)))
    field_attribution = _field_attribution(text, lang, evidence, sentences, claimant)

    weapon = next((a.mention.weapon for a in inc.anchors if a.mention.sub_event_type == sub and a.mention.weapon), None)
    confidence = _confidence(strength, sub, inc, geo_precision, time_precision, attribution.epistemic)
    ev = Event(
        doc_id=doc.id, event_id="", event_date=event_date, time_precision=time_precision,
        disorder_type=DISORDER_OF_TYPE[event_type], event_type=event_type, sub_event_type=sub,
        actor1=actor1, inter1=inter1, actor2=actor2, inter2=inter2, claimed_by=claimed_by,
        country=country, iso=iso, admin1=place.admin1 if place else None, admin2=place.admin2 if place else None,
        location=place.name if place else None, latitude=round(place.latitude, 5) if place else None,
        longitude=round(place.longitude, 5) if place else None, geo_precision=geo_precision,
        geonameid=place.geonameid if place else None, fatalities=fatalities, injuries=injuries, weapon=weapon,
        confidence=confidence, attribution=attribution, field_attribution=field_attribution, evidence=evidence,
        lang=lang, outlet=doc.outlet, published=doc.published,
        mentions=[Mention(doc_id=doc.id, start=a.mention.start, end=a.mention.end,
                          text=doc.text[a.mention.start:a.mention.end], sent_start=a.mention.sent_start,
                          sent_end=a.mention.sent_end, sub_event_type=a.mention.sub_event_type if a.mention.sub_event_type != GENERIC else sub,
                          event_type=event_type, score=a.mention.strength, trigger_id=",".join(a.mention.trigger_ids),
                          weapon=a.mention.weapon) for a in inc.anchors],
    )
    ev.notes = acled_note(ev)
    return ev


_CODED = re.compile(r"\bcoded as\b", re.I)


#: how far after an identification cue ("il s'agit de") the group's name may start
IDENTIFIED_GAP = 3
#: how many sentences after a claim may still name the claimant
IDENTIFY_SENTENCES = 4


def _after(sentences: list[tuple[int, int]], span: tuple[int, int], text: str, n: int) -> list[tuple[int, int]]:
    """Up to ``n`` sentences after ``span``, in its paragraph and the next one (a claim
    closing one paragraph is often explained at the start of the next)."""
    i = bisect.bisect_left(sentences, span)
    out: list[tuple[int, int]] = []
    last, breaks = span[1], 0
    for s, e in sentences[i + 1:i + 1 + n]:
        breaks += "\n\n" in text[last:s]
        if breaks > 1:
            break
        out.append((s, e))
        last = e
    return out


def _referred_claimants(text: str, lang: str | None, spans: list[tuple[int, int]], follow: list[tuple[int, int]],
                        actor_matches: list[ActorMatch], sentences: list[tuple[int, int]],
                        roles: _Roles) -> list[ActorMatch]:
    """The claimant of an incident whose claim sentence does not name the group.

    Partisan reports often say "la Résistance n'a pas tardé à revendiquer l'attaque"
    and identify the group later ("il s'agit d'As'hab al-Kahf"), or refer back to the
    group that claimed an earlier attack ("le même groupe [...] a affirmé avoir abattu
    l'appareil"). The first is read in the incident's sentences and the ones that
    follow the claim; the second resolves to the latest armed group that made a claim
    earlier in the document. Only armed non-state groups are claimants.
    """
    claim_spans = [(s, e) for s, e in spans if has_claim(text[s:e], lang)]
    if not claim_spans:
        return []
    armed = [m for m in actor_matches if _can_claim(m)]
    first_claim = claim_spans[0][0]
    if roles.identified is not None:
        for s, e in sorted({*spans, *follow, *_after(sentences, claim_spans[-1], text, IDENTIFY_SENTENCES)}):
            if s < first_claim:
                continue
            for cue in roles.identified.finditer(text, s, e):
                named = next((m for m in armed if cue.end() <= m.start <= cue.end() + IDENTIFIED_GAP), None)
                if named is not None:
                    return [named]
    if roles.same_group is not None:
        for s, e in claim_spans:
            if not roles.same_group.search(text, s, e):
                continue
            earlier = [m for m in armed if m.end <= s and _in_claim_sentence(m, sentences, text, lang)]
            if earlier:
                return [earlier[-1]]
    return []


def _can_claim(m: ActorMatch) -> bool:
    """A named armed non-state group: the only kind of actor that claims an attack."""
    return m.actor.kind in _ARMED_NON_STATE and m.actor.id != "unidentified_armed_group"


def _interior_claimants(text: str, lang: str | None, spans: list[tuple[int, int]], follow: list[tuple[int, int]],
                        sentences: list[tuple[int, int]], actor_matches: list[ActorMatch],
                        mentions: list[tuple[int, int]]) -> list[ActorMatch]:
    """Armed groups claiming the incident in a sentence that sits among (or right after)
    its sentences but names no event of its own: "[...] détruit par cet engin piégé.
    C'est « la Résistance internationale » qui le revendique. [...]"."""
    if not spans:
        return []
    lo, hi = spans[0][0], max(e for _, e in [*spans, *follow])
    out = []
    for s, e in sentences:
        if s < lo or e > hi or (s, e) in spans or any(s <= ms < e for ms, _ in mentions):
            continue
        if not has_claim(text[s:e], lang):
            continue
        out += [m for m in actor_matches if s <= m.start < e and _can_claim(m)]
    return out


def _in_claim_sentence(m: ActorMatch, sentences: list[tuple[int, int]], text: str, lang: str | None) -> bool:
    i = bisect.bisect_right(sentences, (m.start, len(text) + 1)) - 1
    if i < 0:
        return False
    s, e = sentences[i]
    return s <= m.start < e and has_claim(text[s:e], lang)


def tally_counts(text: str, lang: str | None, spans: list[tuple[int, int]], on_count,
                 mine: list[tuple[int, int]] = (), others: list[tuple[int, int]] = ()) -> tuple[int | None, int | None]:
    """Fatalities and injuries of one event from its sentences.

    Within a sentence, distinct counts add up ("6 fighters were killed by direct fire and
    3 by IEDs" = 9); across sentences the largest stands (a toll is repeated, not
    summed), unless a later sentence adds victims of another side ("2 soldiers were
    killed [...]. Local authorities reported that 13 militants were also killed" = 15).
    A coder's explicit "Fatalities coded as N" overrides everything, and a toll "split
    across 3 events" is divided between them.
    """
    totals: dict[str, int | None] = {"fatalities": None, "injuries": None}
    coded: int | None = None
    share: int | None = None
    divisor = 1
    stated_none: set[str] = set()  # kinds the event's own sentence says are zero
    for s, e in spans:
        per_sentence: dict[str, int] = {}
        added: set[str] = set()
        for c in find_counts(text, lang, s, e):
            if not _closest_is_mine(c.start, s, e, mine, others):
                continue  # "… causant la mort d'un d'entre eux tandis que la seconde frappe …"
            on_count(c)
            if c.kind == "fatalities" and _CODED.search(c.text):
                coded = c.value
                continue
            per_sentence[c.kind] = per_sentence.get(c.kind, 0) + c.value
            if _ALSO.search(text, max(s, c.start - ALSO_BEFORE), c.end) or _ALSO_AFTER.match(text, c.end, e):
                added.add(c.kind)
            if c.value == 0 and (s, e) == spans[0]:
                stated_none.add(c.kind)
        for kind, v in per_sentence.items():
            if kind in stated_none and (s, e) != spans[0]:
                continue  # "with no reports on fatalities. The airstrikes came after IS killed 10 soldiers"
            if totals[kind] is None:
                totals[kind] = v
            elif kind in added:
                totals[kind] += v
            else:
                totals[kind] = max(totals[kind], v)
        explicit, d = _coder_convention(text[s:e])
        share = explicit if explicit is not None else share
        divisor = max(divisor, d)
    if coded is not None:
        totals["fatalities"] = coded
    if share is not None:
        totals["fatalities"] = share
    elif divisor > 1 and totals["fatalities"]:
        # ACLED spreads a toll over the events it splits into, remainder to the first:
        # the share most of them carry is the rounded quotient (20 over 3 -> 7, 7, 6)
        totals["fatalities"] = round(totals["fatalities"] / divisor)
    return totals["fatalities"], totals["injuries"]


#: a sentence in which a coder states the toll of the whole note
_CODER_SENTENCE = re.compile(r"\bcoded\s+(?:as|at|across)\b|\b(?:split|spread|divided|distributed)(?:\s+(?:up|equally|evenly))?"
                             r"\s+(?:across|between|over|among)\b|\btotal\s+of\s+\d+\s+fatalit|"
                             r"^\W*\d+\s+fatalit(?:y|ies)\W*$", re.I | re.M)
#: "13 militants were also killed": victims added to those already counted
_ALSO = re.compile(r"\b(?:also|as well|too|aussi|également|أيضا|أيضاً)\b", re.I)
#: how far before a count its "also" may stand ("also 13 militants were killed"); after
#: it only "as well"/"too" count: "3 PKK fatalities, but also claimed [...]" adds nothing
ALSO_BEFORE = 6
_ALSO_AFTER = re.compile(r"\s+(?:as well|too)\b", re.I)
#: ACLED coders' conventions for uncertain tolls, stated in the note itself:
#: "Fatalities are split across 2 events (3)", "reported as half, rounded down to 3",
#: "with 5 coded to each", "Unclear fatalities coded as 10 and spread between 2
#: locations" (10 / 2 each), "spread across three locations in two days" (/ 6)
_SMALL = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_N = r"(\d+|" + "|".join(_SMALL) + r")"
_SPLIT_VALUE = re.compile(r"\b(?:split|spread|divided|distributed)\s+(?:across|between|over|among)\s+\d+\s+"
                          r"(?:events|locations|incidents|days)\s*\((\d+)\)", re.I)
_ROUNDED = re.compile(r"\brounded(?:\s+(?:down|up))?\s+to\s+(\d+)\b", re.I)
_EACH = re.compile(r"\b(\d+)\s+(?:fatalit(?:y|ies)\s+)?(?:coded\s+)?(?:to|in|for|per)\s+each\b", re.I)
_TOTAL = re.compile(r"\btotal\s+of\s+(\d+)\s+fatalit(?:y|ies)\b", re.I)
_SPREAD = re.compile(r"\b(?:split|spread|divided|distributed|coded)(?:\s+(?:up|equally|evenly))?\s+"
                     r"(?:across|between|over|among)\s+(?:the\s+)?" + _N + r"\s+"
                     r"(?:events|locations|incidents|days|areas|villages|fronts)"
                     r"(?:\s+(?:in|over|across)\s+" + _N + r"\s+days)?", re.I)


def _count(word: str | None) -> int:
    if not word:
        return 1
    return int(word) if word.isdigit() else _SMALL[word.lower()]


def _coder_convention(sentence: str) -> tuple[int | None, int]:
    """What a coder's note fixes in one sentence: an explicit share of the toll (or
    None), and the number of events the toll is spread over (1 when it is not)."""
    for pat in (_SPLIT_VALUE, _ROUNDED, _EACH, _TOTAL):
        if m := pat.search(sentence):
            return int(m.group(1)), 1
    if m := _SPREAD.search(sentence):
        return None, max(1, _count(m.group(1)) * _count(m.group(2)))
    return None, 1


def _closest_is_mine(pos: int, s: int, e: int, mine, others) -> bool:
    """In a sentence that reports several incidents, a count belongs to the nearest one."""
    rival = [abs(pos - o[0]) for o in others if s <= o[0] < e]
    if not rival:
        return True
    own = [abs(pos - m[0]) for m in mine if s <= m[0] < e]
    return not own or min(own) <= min(rival)


#: sub-event types that by ACLED's definitions have no fatalities (a protest in which
#: people are killed is "Excessive force against protesters"): none of the 8,159 ACLED
#: training rows of these types counts a death. Arrests and abductions have none either,
#: but a note typed so is more often a killing raid the classifier misread ("7 Taliban
#: militants were killed and 3 were arrested"): their counts are kept.
NO_FATALITY_TYPES = frozenset({
    "Peaceful protest", "Protest with intervention", "Looting/property destruction", "Change to group/activity",
    "Agreement", "Headquarters or base established", "Non-violent transfer of territory",
})

#: who acts in a protest or a riot when the report names no one more precise
CROWD_ACTORS = {"Protests": "protesters", "Riots": "rioters"}
CROWD_KINDS = {"protesters", "rioters"}

#: fields whose evidence sentence is read for who asserts them
ATTRIBUTED_FIELDS = ("event_date", "location", "actor1", "actor2", "fatalities", "injuries")


def _field_attribution(text: str, lang: str | None, evidence: list[Evidence], sentences: list[tuple[int, int]],
                       claimant: str | None) -> dict[str, Attribution]:
    """Per field, the attribution of the sentence its (first) evidence span sits in:
    "Selon le ministère de la Santé, trois personnes ont été tuées" makes the toll the
    ministry's even when the outlet tells the attack in its own voice."""
    out: dict[str, Attribution] = {}
    for ev in evidence:
        if ev.field not in ATTRIBUTED_FIELDS or ev.field in out or ev.end <= ev.start:
            continue
        i = bisect.bisect_right(sentences, (ev.start, len(text) + 1)) - 1
        if i < 0 or not sentences[i][0] <= ev.start < sentences[i][1]:
            continue
        s, e = sentences[i]
        out[ev.field], _ = _sentence_attribution(text, lang, s, e, sentences,
                                                 claimant if ev.field == "actor1" else None)
    return out


#: when two sentences both date and place an incident, the one with the most
#: checkable source is the report: a named outlet or official, then anonymous sources,
#: then the outlet's own voice (min() keeps the first of equals)
SOURCE_RANK = {"cited_media": 0, "official": 0, "anonymous": 1, "claimant": 2, "outlet": 3}


def _sentence_attribution(text: str, lang: str | None, cs: int, ce: int, sentences: list[tuple[int, int]],
                          claimant: str | None):
    """The attribution of one report sentence and the span its cue is in: its own, or,
    when it has none, the citation it continues (the previous sentence of its paragraph
    names a source: 'Avia.pro écrit : « Il y a quelques heures, une attaque [...]')."""
    attribution = attribute(text[cs:ce], lang, claimant=claimant)
    if attribution.asserted_by == "outlet" and attribution.epistemic == "asserted":
        prev = _previous_sentence(sentences, cs, text)
        if prev is not None:
            inherited = attribute(text[prev[0]:prev[1]], lang, claimant=claimant)
            if inherited.asserted_by in ("cited_media", "official", "anonymous"):
                return inherited, prev
    return attribution, (cs, ce)


def _previous_sentence(sentences: list[tuple[int, int]], start: int, text: str) -> tuple[int, int] | None:
    """The sentence before the one starting at ``start``, if in the same paragraph."""
    prev = None
    for s, e in sentences:
        if s >= start:
            break
        prev = (s, e)
    if prev is None or "\n" in text[prev[1]:start]:
        return None
    return prev


_EITHER = re.compile(r"\s*(?:or|/|and/or|ou|أو)\s*(?:(?:suspected|presumed|alleged|présumés?)\s+)?$", re.I)


def _alternative(text: str, a1: ActorMatch, matches: list[ActorMatch]) -> ActorMatch | None:
    """The armed group offered as the other possible author ("JNIM or ISGS militants",
    "Boko Haram/ISWAP"), if any."""
    if a1.actor.kind not in _ARMED_NON_STATE:
        return None
    for m in matches:
        if m.actor.id == a1.actor.id or m.actor.kind not in _ARMED_NON_STATE:
            continue
        if m.start >= a1.end and _EITHER.match(text, a1.end, m.start):
            return m
        if m.end <= a1.start and _EITHER.match(text, m.end, a1.start):
            return m
    return None


#: "Turkish forces and opposition rebels under OPS shelled Fakkeh": forces acting under an
#: operation or a coalition are coded as that umbrella
_UNDER = re.compile(r"[^.;:()]{0,60}?\b(?:operating|acting|fighting)?\s*(?:under|as part of|within)\s+(?:the\s+)?$", re.I)


def _umbrella(text: str, m: ActorMatch, matches: list[ActorMatch]) -> ActorMatch:
    """The coalition or operation ``m`` is said to act under, else ``m`` itself."""
    for u in matches:
        if u.start < m.end or u.start - m.end > 80 or u.actor.kind not in ("coalition", "rebel"):
            continue
        if u.actor.id.startswith("operation_") or u.actor.kind == "coalition":
            if _UNDER.match(text, m.end, u.start):
                return u
    return m


#: what may precede a sentence's subject: "On 1 May 2020, ", "Around 3 May 2020 (as reported), "
SUBJECT_LEAD = 45


def _sentence_subject(text: str, pm: MentionCandidate, matches: list[ActorMatch], targets: list[ActorMatch],
                      roles: _Roles | None) -> ActorMatch | None:
    """The armed actor that opens the event's sentence, when no actor stands close
    enough to the trigger to be read as its initiator: "Egyptian military forces
    conducted a raid against alleged Islamic State militants [...], killing 2 of them
    after an exchange of fire" — the sentence's subject acts, whatever the trigger."""
    if roles is None:
        return None
    first = next((m for m in matches if pm.sent_start <= m.start < pm.start), None)
    if first is None or first in targets or first.actor.kind in _NON_AGENT_KINDS:
        return None
    if actor_role(text, first, pm, roles) in ("source", "target"):
        return None
    lead = text[pm.sent_start:first.start]
    if len(lead.strip()) > SUBJECT_LEAD or _CLAUSE_BREAK.search(lead) or roles.passive.search(text, first.end, pm.start):
        return None
    return first


def _metonym_initiator(inc: Incident, toponyms: list[Toponym], focus: str | None, kb: ActorKB,
                       gaz: Gazetteer, text: str, roles: _Roles | None) -> ActorMatch | None:
    """"ceux d'Ankara … s'en sont pris aux Hachd": a foreign capital or country named just
    before the trigger, as its subject, stands for that state's forces."""
    for a in inc.anchors:
        m = a.mention
        for t in toponyms:
            if t.place is None or not _is_metonym(t.place, focus):
                continue
            if not (m.sent_start <= t.start < m.start and m.start - t.end <= METONYM_GAP):
                continue
            if roles is not None and roles.passive.search(text[t.end:m.start + 16]):
                continue  # "la coalition emmenée par les États-Unis a été visée": not the attacker
            actor = kb.state_forces(gaz.country_names.get(t.place.country_code))
            if actor is not None:
                return ActorMatch(t.start, t.end, t.text, actor)
    return None


def _confidence(strength: float, sub: str, inc: Incident, geo_precision: int | None, time_precision: int | None,
                epistemic: str) -> float:
    """A monotone score in (0, 1); weights set by hand on the seeds and examples.

    The hand weights rank events (more cues, precise place and date, asserted). For a
    short report the classifier has read, :func:`_calibration` combines them with the
    classifier's probability of the chosen sub-type, fitted on held-out ACLED notes, so
    the score is the probability that the event's sub-type is right.
    """
    z = -1.0 + 0.45 * min(strength, 8.0) + 0.25 * (len(inc.anchors) - 1)
    z += {1: 0.8, 2: 0.3, 3: -0.3}.get(geo_precision or 0, -1.0)
    z += {1: 0.5, 2: 0.0, 3: -0.4}.get(time_precision or 3, -0.5)
    z += {"asserted": 0.2, "reported": 0.1, "claimed": 0.0, "alleged": -0.4, "denied": -1.0}[epistemic]
    p = model_probability(sub, inc)
    fit = _calibration()
    if p is not None and fit:
        z = fit["a"] * z + fit["c"] * math.log(p / (1 - p)) + fit["d"]
    return round(1.0 / (1.0 + math.exp(-z)), 3)


def model_probability(sub: str, inc: Incident) -> float | None:
    """The document classifier's probability of ``sub`` for a short report (clipped away
    from 0 and 1), or ``None`` when the classifier did not read the text (long articles)."""
    probs = [a.mention.model_probs[sub] for a in inc.anchors if sub in a.mention.model_probs]
    if not any(a.mention.model_probs for a in inc.anchors):
        return None
    return min(max(max(probs, default=0.0), 1e-3), 1 - 1e-3)


@lru_cache(maxsize=1)
def _calibration() -> dict[str, float]:
    """Logistic calibration of short reports' confidence — ``sigmoid(a·z + c·logit(p) + d)``
    with ``p`` the classifier's probability of the event's sub-type — fitted on held-out
    ACLED notes by scripts/calibrate_confidence.py; empty (the hand score alone) without it."""
    path = curated.DATA_DIR / "models" / "confidence_calibration.json"
    if not path.exists():
        return {}
    fit = json.loads(path.read_text(encoding="utf-8"))
    return {k: float(fit[k]) for k in ("a", "c", "d")}


_NOTE_VERBS = {
    "Shelling/artillery/missile attack": "fired rockets or shells at",
    "Remote explosive/landmine/IED": "detonated an explosive device against",
    "Air/drone strike": "carried out an air or drone strike on",
    "Suicide bomb": "carried out a suicide bombing against",
    "Grenade": "threw a grenade at",
    "Chemical weapon": "used a chemical weapon against",
    "Armed clash": "clashed with",
    "Attack": "attacked",
    "Abduction/forced disappearance": "abducted",
    "Sexual violence": "committed sexual violence against",
    "Arrests": "arrested",
    "Disrupted weapons use": "disrupted weapons use by",
}


def acled_note(ev: Event) -> str:
    """A one-sentence note in ACLED's style, generated from the coded fields."""
    when = ev.event_date.strftime("%-d %B %Y") if ev.event_date else "an unknown date"
    parts = list(dict.fromkeys(x for x in (ev.location, ev.admin1, ev.country) if x))
    where = ", ".join(parts) if parts else "an unknown place"
    who = ev.actor1 or "an unidentified actor"
    verb = _NOTE_VERBS.get(ev.sub_event_type)
    if verb:
        whom = ev.actor2 or "a target"
        core = f"{who} {verb} {whom}"
    else:
        core = f"{ev.sub_event_type.lower()} involving {who}" + (f" and {ev.actor2}" if ev.actor2 else "")
    extra = []
    if ev.claimed_by:
        extra.append(f"claimed by {', '.join(ev.claimed_by)}")
    if ev.attribution.source:
        extra.append(f"according to {ev.attribution.source}")
    tail = f" ({'; '.join(extra)})" if extra else ""
    fat = f" [fatalities: {ev.fatalities}]" if ev.fatalities is not None else ""
    return f"On {when}, {core} in {where}{tail}.{fat}"
