"""Attribution: who asserts an event's core report, and how (CONTRACT ``attribution``).

One algorithm for every language; the words live in ``data/lexicon/claims.yaml`` and the
outlet names in ``data/outlets.yaml``. For the report sentence of an event, in order:

1. a denial that is not negated ("Le Pentagone a démenti ...") -> the denier, ``denied``;
2. a responsibility claim that is not negated ("a revendiqué", "claimed responsibility",
   "تبنت") -> ``claimant``/``claimed``, the claimant named by the caller or in the sentence;
3. the first reporting cue whose source can be typed ("selon X", "X said", "أفادت X")
   -> ``cited_media`` / ``official`` / ``anonymous``, ``reported`` (``alleged`` for an
   accusation or when the sentence hedges);
4. hedged wording alone ("aurait", "reportedly", "يُزعم") -> ``outlet``/``alleged``;
5. otherwise the outlet asserts it in its own voice (``outlet``/``asserted``).

Each cue group says on which side of the cue its source stands (before, after, either);
the source phrase is cut at punctuation or stop words and typed by the nearest typed
word (outlet names, media words, official bodies, anonymous sources). An outlet addressed
by the speaker ("a indiqué à l'AFP", "told Reuters") is never the source. ``cue`` is the
matched text, a substring of the sentence, so the extractor can turn it into evidence.

Reads ``data/lexicon/claims.yaml`` and the curated outlet table only (not the user
store), so attribution does not change with imported lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from dateline import data as curated
from dateline.claims.outlets import OutletKB, curated_kb
from dateline.errors import DataFileError
from dateline.model import Attribution

Side = Literal["before", "after", "either"]

#: Longest source phrase kept, in tokens. The longest source in the hand-written set
#: ("porte-parole du Commandement des opérations conjointes") has 6 tokens.
SOURCE_TOKENS = 8
#: How far before a claim or denial cue a negation still cancels it (characters, same clause).
NEGATION_WINDOW = 45
#: Longest denier phrase accepted as a name when no typed word identifies it (tokens).
UNTYPED_DENIER_TOKENS = 5

_BOUNDARY = re.compile(r"[,;:!?،؛«»\"“”\n]|\.(?=\s|$)|\s[–—-]\s")
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class _Cue:
    pattern: re.Pattern[str]
    side: Side


@dataclass(frozen=True)
class _Rules:
    claim: tuple[_Cue, ...]
    deny: tuple[_Cue, ...]
    cite: tuple[_Cue, ...]
    relay: tuple[_Cue, ...]
    accuse: tuple[_Cue, ...]
    hedge: re.Pattern[str] | None
    anonymity: re.Pattern[str] | None
    negation: re.Pattern[str]
    litotes: re.Pattern[str] | None
    media: re.Pattern[str]
    official: re.Pattern[str]
    anonymous: re.Pattern[str]
    government: re.Pattern[str] | None
    determiners: re.Pattern[str] | None
    linkers: re.Pattern[str] | None
    carriers: re.Pattern[str] | None
    complements: re.Pattern[str] | None
    addressee: re.Pattern[str] | None
    stop_after: re.Pattern[str] | None
    stop_before: re.Pattern[str] | None


@dataclass(frozen=True)
class _Hit:
    """A typed word in a source phrase."""

    start: int
    end: int
    kind: str
    name: str | None = None  # profile name when the hit is a known outlet


def _c(expr: str) -> re.Pattern[str]:
    """A whole-word, case-insensitive, verbose pattern (a match may end on an apostrophe)."""
    return re.compile(rf"(?<![\w])(?:{expr.strip()})(?:(?<=['’:])|(?![\w]))", re.I | re.X)


def _opt(spec: dict, key: str) -> re.Pattern[str] | None:
    return _c(spec[key]) if spec.get(key) else None


def _cues(spec: dict, key: str) -> tuple[_Cue, ...]:
    groups = spec.get(key) or {}
    return tuple(_Cue(_c(groups[side]), side) for side in ("before", "after", "either") if groups.get(side))


@lru_cache(maxsize=None)
def _rules(lang: str) -> _Rules | None:
    spec = (curated.lexicon("claims") or {}).get(lang)
    if spec is None:
        return None
    try:
        return _Rules(
            claim=_cues(spec, "claim"), deny=_cues(spec, "deny"), cite=_cues(spec, "cite"), relay=_cues(spec, "relay"),
            accuse=_cues(spec, "accuse"), hedge=_opt(spec, "hedge"), anonymity=_opt(spec, "anonymity"),
            negation=_c(spec["negation"]),
            litotes=re.compile(rf"(?:{spec['litotes']})", re.I) if spec.get("litotes") else None,
            media=_c(spec["media"]), official=_c(spec["official"]),
            anonymous=_c(spec["anonymous"]), government=_opt(spec, "government"),
            determiners=_opt(spec, "determiners"), linkers=_opt(spec, "linkers"), carriers=_opt(spec, "carriers"),
            complements=_c("|".join(spec[k] for k in ("linkers", "complements") if spec.get(k)))
            if spec.get("linkers") or spec.get("complements") else None,
            addressee=re.compile(rf"(?<![\w])(?:{spec['addressee']})\s*$", re.I) if spec.get("addressee") else None,
            stop_after=_opt(spec, "stop_after"), stop_before=_opt(spec, "stop_before"))
    except (KeyError, re.error) as exc:
        raise DataFileError(f"claims lexicon for {lang!r}: {exc}",
                            file=str(curated.DATA_DIR / "lexicon" / "claims.yaml")) from exc


def _lang_rules(lang: str | None) -> _Rules:
    r = _rules(lang or "") or _rules("en")
    if r is None:
        raise DataFileError("claims lexicon has no 'en' section", file=str(curated.DATA_DIR / "lexicon" / "claims.yaml"))
    return r


# -- negation and anonymity ------------------------------------------------------------------


def _negated(sentence: str, pos: int, r: _Rules) -> bool:
    """A negation earlier in the same clause ("aucun groupe n'a revendiqué", "لم تتبن")."""
    before = sentence[max(0, pos - NEGATION_WINDOW):pos]
    clause = re.split(r"[.;,،؛]", before)[-1]
    if r.litotes is not None and r.litotes.search(sentence[max(0, pos - 20):pos + 30]):
        return False  # "n'a pas tardé à revendiquer": a litotes affirms the claim
    return bool(r.negation.search(clause))


def _blank_anonymity(sentence: str, r: _Rules) -> tuple[str, bool]:
    """The sentence with an anonymity clause blanked (same length), and whether there was one.

    "An Iraqi official, speaking on condition of anonymity, told AFP" is read as "An Iraqi
    official told AFP" by an anonymous source.
    """
    if r.anonymity is None:
        return sentence, False
    m = r.anonymity.search(sentence)
    if m is None:
        return sentence, False
    start, end = m.start(), m.end()
    left = sentence.rfind(",", 0, start)
    right = sentence.find(",", end)
    if left >= 0 and right >= 0 and ("," not in sentence[left + 1:start]) and right - end < 15:
        start, end = left, right + 1
    return sentence[:start] + " " * (end - start) + sentence[end:], True


# -- source phrases --------------------------------------------------------------------------


def _phrase_span(sentence: str, cue: re.Match[str], side: Side, r: _Rules) -> tuple[int, int]:
    """The stretch of the sentence where the source of ``cue`` is read (one side)."""
    if side == "after":
        start = cue.end()
        b = _BOUNDARY.search(sentence, start)
        end = b.start() if b else len(sentence)
        if r.stop_after is not None:
            s = r.stop_after.search(sentence, start, end)
            if s is not None:
                end = s.start()
        toks = list(_TOKEN.finditer(sentence, start, end))
        if len(toks) > SOURCE_TOKENS:
            end = toks[SOURCE_TOKENS - 1].end()
        return start, end
    end = cue.start()
    bounds = list(_BOUNDARY.finditer(sentence, 0, end))
    start = bounds[-1].end() if bounds else 0
    if r.stop_before is not None:
        stops = list(r.stop_before.finditer(sentence, start, end))
        if stops:
            start = stops[-1].end()
    toks = list(_TOKEN.finditer(sentence, start, end))
    if len(toks) > SOURCE_TOKENS:
        start = toks[-SOURCE_TOKENS].start()
    return start, end


def _addressed(sentence: str, floor: int, pos: int, r: _Rules) -> bool:
    """The outlet at ``pos`` is spoken to ("à l'AFP", "to Reuters"), not the source.

    Only the phrase itself (from ``floor``) is read: the "to" of "according to" is the cue.
    """
    return r.addressee is not None and bool(r.addressee.search(sentence[max(floor, pos - 25):pos]))


def _typed_hits(sentence: str, start: int, end: int, r: _Rules, kb: OutletKB) -> tuple[list[_Hit], list[_Hit]]:
    """(kept, addressed) typed words in ``sentence[start:end]``; overlaps keep the longer."""
    seg = sentence[start:end]
    found: list[_Hit] = [_Hit(start + m.start, start + m.end, "cited_media", m.profile.name) for m in kb.mentions(seg)]
    for kind, pat in (("cited_media", r.media), ("official", r.official), ("anonymous", r.anonymous)):
        found += [_Hit(start + m.start(), start + m.end(), kind) for m in pat.finditer(seg)]
    found.sort(key=lambda h: (-(h.end - h.start), h.name is None, h.start))
    chosen: list[_Hit] = []
    for h in found:
        if all(h.end <= c.start or h.start >= c.end for c in chosen):
            chosen.append(h)
    chosen.sort(key=lambda h: h.start)
    addressed = [h for h in chosen if h.kind == "cited_media" and _addressed(sentence, start, h.start, r)]
    return [h for h in chosen if h not in addressed], addressed


def _strip_determiners(sentence: str, start: int, end: int, r: _Rules) -> int:
    while r.determiners is not None:
        while start < end and sentence[start].isspace():
            start += 1
        m = r.determiners.match(sentence, start, end)
        if m is None or m.end() == start:
            break
        start = m.end()
    while start < end and (sentence[start].isspace() or sentence[start] in ",;:"):
        start += 1
    return start


@dataclass(frozen=True)
class _Source:
    kind: str | None  # asserted_by, or None when no typed word was found
    name: str | None
    distance: int


def _clean_phrase(phrase: str) -> str:
    phrase = phrase.strip(" \t,;:.")
    if phrase.count("(") > phrase.count(")"):
        phrase = phrase[: phrase.rfind("(")].rstrip(" ,;:")
    elif phrase.count(")") > phrase.count("("):
        phrase = phrase.replace(")", "").rstrip()
    return phrase


def _read_side(sentence: str, cue: re.Match[str], side: Side, r: _Rules, kb: OutletKB) -> _Source:
    start, end = _phrase_span(sentence, cue, side, r)
    kept, addressed = _typed_hits(sentence, start, end, r, kb)
    if side == "after" and kept:
        # "a statement from the PMF": the carrier word hands over to the next typed word
        if (r.carriers is not None and len(kept) > 1
                and r.carriers.fullmatch(sentence[kept[0].start:kept[0].end])):
            start = max(start, kept[0].end)
            kept = kept[1:]
        first = kept[0]
        for h in addressed:
            if h.end <= first.start:
                start = max(start, h.end)
        if r.linkers is not None:
            links = [m for m in r.linkers.finditer(sentence, start, first.start)]
            if links:
                start = max(start, links[-1].end())
    start = _strip_determiners(sentence, start, end, r)
    phrase = _clean_phrase(sentence[start:end])
    if not kept:
        if phrase and r.government is not None and r.government.fullmatch(phrase):
            return _Source("official", phrase, 0)
        return _Source(None, phrase or None, 1 << 30)
    heads = kept
    if r.complements is not None and len(kept) > 1:
        # typed words after "de", "proches du", "close to" modify the head before them
        comp = r.complements.search(sentence, kept[0].end, end)
        if comp is not None:
            heads = [h for h in kept if h.end <= comp.start()] or kept
    ordered = heads if side == "after" else heads[::-1]  # nearest to the cue first
    hit = ordered[0]
    name = next((h.name for h in (ordered if ordered[0].name else kept) if h.name), None)  # known outlet
    distance = hit.start - cue.end() if side == "after" else cue.start() - hit.end
    return _Source(hit.kind, name or phrase or None, distance)


def _read_source(sentence: str, cue: re.Match[str], side: Side, r: _Rules, kb: OutletKB) -> _Source:
    if side != "either":
        return _read_side(sentence, cue, side, r, kb)
    a, b = _read_side(sentence, cue, "before", r, kb), _read_side(sentence, cue, "after", r, kb)
    typed = [s for s in (a, b) if s.kind is not None]
    return min(typed, key=lambda s: s.distance) if typed else a


# -- public API ---------------------------------------------------------------------------------


def _claims(sentence: str, r: _Rules) -> list[tuple[re.Match[str], Side]]:
    hits = [(m, c.side) for c in r.claim for m in c.pattern.finditer(sentence)]
    return sorted((h for h in hits if not _negated(sentence, h[0].start(), r)), key=lambda h: h[0].start())


def has_claim(sentence: str, lang: str | None) -> bool:
    """A responsibility claim that is not negated ("aucun groupe n'a revendiqué")."""
    return bool(_claims(sentence, _lang_rules(lang)))


def attribute(sentence: str, lang: str | None, *, claimant: str | None = None) -> Attribution:
    """Attribution of the event reported in ``sentence`` (see the module docstring)."""
    r = _lang_rules(lang)
    kb = curated_kb()
    text, anonymous = _blank_anonymity(sentence, r)

    def kind_of(src: _Source, default: str | None) -> str | None:
        kind = src.kind or default
        return "anonymous" if anonymous and kind == "official" else kind

    denials = sorted(((m, c.side) for c in r.deny for m in c.pattern.finditer(text)
                      if not _negated(text, m.start(), r)), key=lambda h: h[0].start())
    if denials:
        m, side = denials[0]
        src = _read_source(text, m, side, r, kb)
        name = src.name if src.kind is not None or (
            src.name and len(src.name.split()) <= UNTYPED_DENIER_TOKENS) else None
        return Attribution(asserted_by=kind_of(src, "official"), source=name, epistemic="denied", cue=m.group(0))

    claims = _claims(text, r)
    if claims:
        m, side = claims[0]
        src = _read_source(text, m, side, r, kb)
        if claimant is None and src.kind == "official":
            # a state body announcing its own strike reports it; claims are the armed groups'
            return Attribution(asserted_by=kind_of(src, None), source=src.name, epistemic="reported", cue=m.group(0))
        return Attribution(asserted_by="claimant", source=claimant or src.name, epistemic="claimed", cue=m.group(0))

    hedge = r.hedge.search(text) if r.hedge is not None else None

    def found(groups: tuple[_Cue, ...], accusation: bool) -> list[tuple[re.Match[str], Side, bool]]:
        return [(m, c.side, accusation) for c in groups for m in c.pattern.finditer(text)]

    relays = sorted(found(r.relay, False), key=lambda h: h[0].start())
    cues = sorted(found(r.cite, False) + found(r.accuse, True), key=lambda h: h[0].start())
    for m, side, accusation in relays + cues:
        src = _read_source(text, m, side, r, kb)
        if src.kind is None:
            continue
        epistemic = "alleged" if accusation or hedge else "reported"
        return Attribution(asserted_by=kind_of(src, None), source=src.name, epistemic=epistemic, cue=m.group(0))
    if hedge:
        return Attribution(asserted_by="outlet", source=None, epistemic="alleged", cue=hedge.group(0))
    return Attribution()
