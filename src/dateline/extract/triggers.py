"""Event triggers: find event mentions in sentences with the per-language lexicon.

Reads ``data/lexicon/events.yaml``. Each cue votes for an ACLED sub-event type; cues near
each other in a sentence form one mention whose type is the heaviest vote. Sentences with
a blocker (hypothetical, habitual, generic, question) yield nothing, and the drop is
counted by reason so the run summary can say why.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from dateline import data as curated
from dateline.taxonomy import SUB_TO_TYPE

log = logging.getLogger(__name__)

GENERIC = "GENERIC_ATTACK"
#: cues closer than this (characters) belong to one mention; set on the seeds and the
#: bundled examples: clause-length, so "une attaque à la bombe contre un convoi" is one.
MERGE_GAP = 60
DEFAULT_WINDOW = 90
NEGATION_WINDOW = 40
#: a "near" blocker (hypothetical, habitual wording) voids mentions within this many
#: characters: about a clause, so "convoite depuis des années" at the end of a long
#: sentence does not void the drone strike reported at its start.
BLOCKER_WINDOW = 80
#: vote an attack of unknown means gets from a typed mention of its sentence: less than
#: any cue of its own, so a convoy attack still reads as an IED when it says so.
PROPAGATED_WEIGHT = 0.9
#: a single paragraph this short (a brief, a snippet, an ACLED note) reports one
#: incident, and the document classifier, which reads the whole text, types it better
#: than the cue votes (ACLED's sub-types hang on wording such as "grenade launchers and
#: small arms" = armed clash, "mortars" = shelling). Same length as
#: events.SHORT_DOCUMENT_CHARS; a text with several paragraphs (a headline, a second
#: incident told apart) keeps the lexicon's types.
DOCUMENT_CHARS = 700
#: the classifier's top score from which it decides the sub-type of such a text's
#: mentions (set on the held-out half of acled_2020_sample dev: 0.5 and 0.0 are within
#: 0.2 point; 0.5 leaves the rules the texts the model is unsure of).
MODEL_DECIDES_SCORE = 0.5
#: off: mentions keep the lexicon's types whatever the length (unit tests of the cues).
DOCUMENT_MODEL = True


@dataclass(frozen=True)
class Cue:
    id: str
    sub: str
    pattern: re.Pattern[str]
    with_: tuple[re.Pattern[str], ...]
    window: int
    weight: float
    weapon: str | None
    unless_before: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Lexicon:
    lang: str
    cues: tuple[Cue, ...]
    generic: tuple[tuple[re.Pattern[str], str], ...]
    negation: re.Pattern[str] | None
    blockers: tuple[tuple[str, re.Pattern[str], str], ...]
    anaphora: re.Pattern[str] | None
    distinct: re.Pattern[str] | None = None
    backref: re.Pattern[str] | None = None


@dataclass
class Hit:
    start: int
    end: int
    cue: Cue


@dataclass
class MentionCandidate:
    """A cluster of cue hits in one sentence."""

    start: int
    end: int
    sent_start: int
    sent_end: int
    votes: Counter = field(default_factory=Counter)
    hits: list[Hit] = field(default_factory=list)
    anaphoric: bool = False
    distinct: bool = False
    backref: bool = False
    #: the document classifier's probability of each sub-type for the text the mention is
    #: in (short reports only, see :func:`_model_types`); feeds the event's confidence
    model_probs: dict[str, float] = field(default_factory=dict)

    @property
    def sub_event_type(self) -> str:
        specific = {k: v for k, v in self.votes.items() if k != GENERIC}
        if specific:
            return max(specific.items(), key=lambda kv: kv[1])[0]
        return GENERIC

    @property
    def strength(self) -> float:
        return sum(self.votes.values())

    @property
    def weapon(self) -> str | None:
        sub = self.sub_event_type
        for h in sorted(self.hits, key=lambda h: -h.cue.weight):
            if h.cue.sub == sub and h.cue.weapon:
                return h.cue.weapon
        return None

    @property
    def trigger_ids(self) -> list[str]:
        return [h.cue.id for h in self.hits]


def _compile(expr: str) -> re.Pattern[str]:
    """Whole words only; a hyphen joins words ("anti-émeute" is not a riot)."""
    return re.compile(rf"(?<![\w-])(?:{expr})(?![\w])", re.I)


@lru_cache(maxsize=None)
def lexicon(lang: str) -> Lexicon | None:
    spec = curated.lexicon("events").get(lang)
    if spec is None:
        return None
    sets = spec.get("sets") or {}
    cues = []
    for t in spec["triggers"]:
        sub = t["sub"]
        if sub != GENERIC and sub not in SUB_TO_TYPE:
            raise ValueError(f"events.yaml {lang}/{t['id']}: unknown sub-event type {sub!r}")
        withs = tuple(_compile(sets[w[1:]] if w.startswith("@") else w) for w in t.get("with") or ())
        ub = t.get("unless_before")
        cues.append(Cue(t["id"], sub, _compile(t["pattern"]), withs, int(t.get("window", DEFAULT_WINDOW)),
                        float(t.get("weight", 1.0)), t.get("weapon"),
                        re.compile(rf"(?:{ub})$", re.I) if ub else None))
    generic = []
    for g in spec.get("generic") or ():
        if g["sub"] not in SUB_TO_TYPE:
            raise ValueError(f"events.yaml {lang}: generic rule with unknown sub-event type {g['sub']!r}")
        w = g["with"]
        generic.append((_compile(sets[w[1:]] if w.startswith("@") else w), g["sub"]))
    neg = spec.get("negation") or []
    negation = re.compile(rf"(?:{'|'.join(neg)})\s*$", re.I) if neg else None
    blockers = tuple((b["id"], re.compile(b["pattern"], re.I | re.M), b.get("scope", "near"))
                     for b in spec.get("blockers") or ())
    ana = spec.get("anaphora") or []
    anaphora = re.compile(rf"(?<![\w])(?:{'|'.join(re.escape(a) for a in ana)})(?![\w])", re.I) if ana else None
    dist = spec.get("distinct") or []
    distinct = re.compile(rf"(?<![\w])(?:{'|'.join(re.escape(a) for a in dist)})(?![\w])", re.I) if dist else None
    back = spec.get("backref") or []
    backref = re.compile(rf"(?<![\w])(?:{'|'.join(back)})", re.I) if back else None
    return Lexicon(lang, tuple(cues), tuple(generic), negation, blockers, anaphora, distinct, backref)


def type_generic(context: str, lang: str | None, default: str | None = "Armed clash") -> str | None:
    """ACLED sub-type for an attack whose means the text does not give (see events.yaml);
    ``default`` (Armed clash) when no rule applies."""
    lex = lexicon(lang or "") or lexicon("en")
    assert lex is not None
    for pat, sub in lex.generic:
        if pat.search(context):
            return sub
    return default


def supported_languages() -> list[str]:
    return [k for k in curated.lexicon("events") if k != "other_classes"]


def find_mentions(text: str, sentences: list[tuple[int, int]], lang: str | None,
                  drops: Counter | None = None, *, use_blockers: bool = True) -> list[MentionCandidate]:
    """Mentions in ``text`` (the masked analysis text), sentence by sentence.

    ``use_blockers=False`` keeps hypothetical and generic sentences: the document
    classifier wants the kind of event talked about, not only events that happened.
    """
    lex = lexicon(lang or "") or lexicon("en")
    assert lex is not None
    out: list[MentionCandidate] = []
    for ss, se in sentences:
        sent = text[ss:se]
        hits = _hits(sent, ss, lex)
        if not hits:
            continue
        clusters = _cluster(hits, ss, se)
        kept = []
        for m in clusters:
            blocker = _blocker(sent, ss, m, lex) if use_blockers else None
            if blocker:
                if drops is not None:
                    drops[f"blocked:{blocker}"] += 1
                log.debug("mention %r blocked by %s", text[m.start:m.end], blocker)
                continue
            first = min(m.hits, key=lambda h: h.start)
            before = text[max(ss, first.start - 20):first.end]
            if lex.anaphora is not None:
                m.anaphoric = bool(lex.anaphora.search(before))
            if lex.distinct is not None:
                m.distinct = bool(lex.distinct.search(before))
            if lex.backref is not None:
                m.backref = bool(lex.backref.search(text[max(ss, first.start - 30):first.start]))
                m.anaphoric = m.anaphoric or m.backref
            kept.append(m)
        out.extend(_merge_sentence_anaphora(kept, text, lex))
    if out and use_blockers and DOCUMENT_MODEL and _one_report(text):
        _model_types(out, text, lang, drops)
    return out


def _one_report(text: str) -> bool:
    t = text.strip()
    return len(t) <= DOCUMENT_CHARS and "\n" not in t


def _model_types(mentions: list[MentionCandidate], text: str, lang: str | None, drops: Counter | None) -> None:
    """A short text's mentions take the document classifier's sub-type when it is
    confident enough: each mention's votes become one vote for that type with the same
    total weight (the mention's strength, which feeds the event's confidence, is kept)."""
    from dateline.extract import classifier

    if not classifier.MODEL_PATH.exists():
        return
    # ACLED's class frequencies kept: a short report is typed like the notes it resembles
    proba, classes = classifier.predict_proba([text], [lang], balanced=False)
    probs = {c: float(p) for c, p in zip(classes, proba[0])}
    for m in mentions:
        m.model_probs = probs
    best = max(probs, key=probs.__getitem__)
    label = classifier.Label(best, round(probs[best], 4), [(best, round(probs[best], 4))])
    if label.label not in SUB_TO_TYPE or label.score < MODEL_DECIDES_SCORE:
        return
    for m in mentions:
        if m.sub_event_type == label.label:
            continue
        strength = m.strength
        m.votes = Counter({label.label: strength})
        if drops is not None:
            drops["typed_by_classifier"] += 1


def _merge_sentence_anaphora(clusters: list[MentionCandidate], text: str, lex: Lexicon) -> list[MentionCandidate]:
    """Within one sentence, "… une roquette a frappé la base Victory, aucune partie n'ayant
    revendiqué l'attaque": the anaphoric attack is the rocket strike, one mention. Then an
    attack of unknown means that is not anaphoric takes the violent type named elsewhere
    in its sentence ("une première attaque a visé à coup de drone …, la seconde frappe a
    visé …")."""
    out: list[MentionCandidate] = []
    for c in clusters:
        prev = out[-1] if out else None
        if (prev is not None and c.anaphoric and not c.distinct and c.sub_event_type == GENERIC
                and (prev.sub_event_type == GENERIC or SUB_TO_TYPE[prev.sub_event_type] in _VIOLENT)):
            prev.end = max(prev.end, c.end)
            prev.hits.extend(c.hits)
            prev.votes.update(c.votes)
            continue
        out.append(c)
    specific = [c for c in out if c.sub_event_type != GENERIC and SUB_TO_TYPE[c.sub_event_type] in _VIOLENT
                and not c.anaphoric]
    for c in out:
        own = text[max(c.sent_start, c.start - 70):min(c.sent_end, c.end + 70)]
        if c.sub_event_type == GENERIC and specific and not c.anaphoric and not any(
                pat.search(own) for pat, _ in lex.generic):
            nearest = min(specific, key=lambda o: abs(o.start - c.start))
            c.votes[nearest.sub_event_type] += PROPAGATED_WEIGHT
    return out


def _blocker(sent: str, ss: int, m: MentionCandidate, lex: Lexicon) -> str | None:
    """The id of the first blocker that applies to mention ``m`` (sentence- or clause-scoped)."""
    near = sent[max(0, m.start - ss - BLOCKER_WINDOW):m.end - ss + BLOCKER_WINDOW]
    for bid, pat, scope in lex.blockers:
        if pat.search(sent if scope == "sentence" else near):
            return bid
    return None


def _hits(sent: str, offset: int, lex: Lexicon) -> list[Hit]:
    hits = []
    for cue in lex.cues:
        for m in cue.pattern.finditer(sent):
            if cue.with_:
                lo, hi = max(0, m.start() - cue.window), min(len(sent), m.end() + cue.window)
                ctx = sent[lo:m.start()] + " " + sent[m.end():hi]
                if not any(w.search(ctx) for w in cue.with_):
                    continue
            before = sent[max(0, m.start() - NEGATION_WINDOW):m.start()]
            if lex.negation is not None and lex.negation.search(before):
                continue
            if cue.unless_before is not None and cue.unless_before.search(before):
                continue
            hits.append(Hit(offset + m.start(), offset + m.end(), cue))
    # a shorter hit inside a longer one of the same cue family adds nothing
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    return hits


def _cluster(hits: list[Hit], ss: int, se: int) -> list[MentionCandidate]:
    groups: list[MentionCandidate] = []
    for h in hits:
        g = groups[-1] if groups else None
        if g is not None and h.start - g.end <= MERGE_GAP and _compatible(g, h):
            g.end = max(g.end, h.end)
            g.hits.append(h)
            g.votes[h.cue.sub] += h.cue.weight
        else:
            c = MentionCandidate(h.start, h.end, ss, se)
            c.hits.append(h)
            c.votes[h.cue.sub] += h.cue.weight
            groups.append(c)
    return groups


_VIOLENT = {"Battles", "Explosions/Remote violence", "Violence against civilians"}


def _compatible(g: MentionCandidate, h: Hit) -> bool:
    """Cues of one mention agree on the event type; an attack of unknown means joins violence."""
    a, b = g.sub_event_type, h.cue.sub
    if a == b:
        return True
    if GENERIC in (a, b):
        other = b if a == GENERIC else a
        return SUB_TO_TYPE.get(other) in _VIOLENT
    return SUB_TO_TYPE.get(a) == SUB_TO_TYPE.get(b)
