"""Attribution: who asserts an event's core report, and how (CONTRACT ``attribution``).

Reads ``data/lexicon/claims.yaml``. The report sentence of an event is searched for a
responsibility claim ("a revendiqué" -> claimant/claimed), a citation ("selon la chaîne
Telegram Sabereen News" -> cited_media/reported), and conditional or unverified wording
("aurait", "reportedly" -> alleged). With none of these, the outlet asserts it in its
own voice (outlet/asserted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from dateline import data as curated
from dateline.model import Attribution

#: how far after a citation cue the named source is read (characters)
SOURCE_WINDOW = 70


@dataclass(frozen=True)
class _Rules:
    claim: re.Pattern[str]
    alleged: re.Pattern[str]
    denied: re.Pattern[str]
    cite: re.Pattern[str]
    media: re.Pattern[str]
    official: re.Pattern[str]
    anonymous: re.Pattern[str]


def _c(expr: str, flags: int = re.I) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w])(?:{expr})(?![\w])", flags)


@lru_cache(maxsize=None)
def _rules(lang: str) -> _Rules | None:
    spec = curated.lexicon("claims").get(lang)
    if spec is None:
        return None
    return _Rules(_c(spec["claim"]), _c(spec["alleged"]), _c(spec["denied"]), _c(spec["cite"]),
                  _c(spec["media"], 0), _c(spec["official"]), _c(spec["anonymous"]))


_NEGATION = re.compile(r"(?:\bn['’]|\bne\b|\baucun\w*|\bpas\b|\bno\b|\bnot\b|n't\b|\bnone\b|لم|لا)[^.;]{0,40}$", re.I)


def _negated(sentence: str, pos: int) -> bool:
    return bool(_NEGATION.search(sentence[max(0, pos - 45):pos]))


def has_claim(sentence: str, lang: str | None) -> bool:
    """A responsibility claim that is not negated ("aucun groupe n'a revendiqué")."""
    r = _rules(lang or "") or _rules("en")
    if r is None:
        return False
    return any(not _negated(sentence, m.start()) for m in r.claim.finditer(sentence))


def attribute(sentence: str, lang: str | None, *, claimant: str | None = None) -> Attribution:
    """Attribution of the event reported in ``sentence``."""
    r = _rules(lang or "") or _rules("en")
    assert r is not None
    if r.denied.search(sentence):
        m = r.denied.search(sentence)
        return Attribution(asserted_by=_source_kind(sentence[m.end():], r) or "official",
                           source=None, epistemic="denied", cue=m.group(0))
    cite = r.cite.search(sentence)
    source_kind, source = None, None
    if cite:
        window = sentence[cite.end():cite.end() + SOURCE_WINDOW]
        before = sentence[max(0, cite.start() - SOURCE_WINDOW):cite.start()]
        source_kind = _source_kind(window, r) or _source_kind(before, r)
        source = _source_name(window, r) or _source_name(before, r)
    claim = r.claim.search(sentence)
    if claim and _negated(sentence, claim.start()):
        claim = None  # "aucune partie n'ayant encore revendiqué l'attaque"
    if claim:
        return Attribution(asserted_by="claimant", source=claimant or source, epistemic="claimed", cue=claim.group(0))
    alleged = r.alleged.search(sentence)
    if source_kind:
        return Attribution(asserted_by=source_kind, source=source,
                           epistemic="alleged" if alleged else "reported", cue=cite.group(0) if cite else None)
    if alleged:
        return Attribution(asserted_by="outlet", source=None, epistemic="alleged", cue=alleged.group(0))
    return Attribution()


def _source_kind(window: str, r: _Rules):
    hits = []
    for kind, pat in (("cited_media", r.media), ("official", r.official), ("anonymous", r.anonymous)):
        m = pat.search(window)
        if m:
            hits.append((m.start(), kind))
    return min(hits)[1] if hits else None


_NAME = re.compile(r"(?:[A-Z][\w.'’\-]*(?:\s+(?:[A-Z][\w.'’\-]*|de|al|al-|du|des|of|the)){0,4})")


def _source_name(window: str, r: _Rules) -> str | None:
    for m in r.media.finditer(window):
        if m.group(0)[0].isupper():
            # extend to the full capitalised name: "Sabereen" -> "Sabereen News"
            n = _NAME.match(window, m.start())
            name = n.group(0).strip() if n else m.group(0)
            return re.sub(r"^(?:Telegram|TV|Twitter)\s+", "", name)
    n = re.search(r"(?:sources?|témoins?|sources?\s+\w+)\s+(?:sécuritaires|militaires|irakiennes|locales|security|military|local)",
                  window, re.I)
    return n.group(0) if n else None
