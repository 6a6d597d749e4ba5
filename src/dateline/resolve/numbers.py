"""Casualty counts: fatalities and injuries stated next to a number, per event.

Words live in ``data/lexicon/numbers.yaml``. ACLED takes the lower bound of a vague
count ("une dizaine" -> 10, "at least 3" -> 3). Nothing stated means ``None``, never 0;
an explicit "no casualties" means 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from dateline import data as curated


#: "un chauffeur irakien a été blessé": four words may sit between a count and its noun
MAX_WORDS_BETWEEN = 4


@dataclass(frozen=True, slots=True)
class Count:
    value: int
    start: int
    end: int
    text: str
    kind: str  # "fatalities" | "injuries"


@dataclass(frozen=True)
class _Rules:
    noun: re.Pattern[str]  # KILLED / INJURED (a count precedes it)
    number: re.Pattern[str]  # a count: digits or a number word
    before: re.Pattern[str]  # KILLING ... NUMBER
    injured_before: re.Pattern[str] | None  # WOUNDING ... NUMBER
    none: re.Pattern[str]
    words: dict[str, int]
    injured: re.Pattern[str]


@lru_cache(maxsize=None)
def _rules(lang: str) -> _Rules | None:
    spec = curated.lexicon("numbers").get(lang)
    if spec is None:
        return None
    words = {k.lower(): int(v) for k, v in spec["words"].items()}
    num = r"(?P<num>\d{1,3}(?:[ \u00a0.,]\d{3})*|" + "|".join(
        re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"
    qual = r"(?:(?:au moins|at least|plus de|more than|près de|nearly|some|about|environ|quelque)\s+)?"
    kill, inj = spec["killed"], spec["injured"]
    noun = re.compile(rf"(?<![\w])(?:(?P<k>{kill})|(?P<i>{inj}))(?![\w])", re.I)
    number = re.compile(rf"(?<![\w]){qual}{num}(?![\w])", re.I)
    before = re.compile(rf"(?:{spec['killed_before']})\s*(?:{qual}){num}(?![\w])", re.I)
    ib = spec.get("injured_before")
    injured_before = re.compile(rf"(?:{ib})\s*(?:{qual}){num}(?![\w])", re.I) if ib else None
    return _Rules(noun, number, before, injured_before, re.compile(spec["none"], re.I), words, re.compile(inj, re.I))


def _value(raw: str, words: dict[str, int]) -> int | None:
    r = raw.lower().strip()
    if r in words:
        return words[r]
    digits = re.sub(r"[ \u00a0.,]", "", r)
    return int(digits) if digits.isdigit() else None


def find_counts(text: str, lang: str | None, start: int = 0, end: int | None = None) -> list[Count]:
    end = len(text) if end is None else end
    rules = _rules(lang or "") or _rules("en")
    assert rules is not None
    seg = text[start:end]
    out: list[Count] = []
    for n in rules.noun.finditer(seg):
        # the nearest count before the noun, at most MAX_WORDS_BETWEEN words away, same clause
        window_start = max(0, n.start() - 60)
        window = seg[window_start:n.start()]
        cut = max(window.rfind("."), window.rfind(";"), window.rfind(":"))
        nums = list(rules.number.finditer(window, cut + 1))
        if not nums:
            continue
        m = nums[-1]
        between = window[m.end():]
        if len(between.split()) > MAX_WORDS_BETWEEN:
            continue
        v = _value(m.group("num"), rules.words)
        if v is None or v > 100_000:
            continue
        kind = "fatalities" if n.group("k") else "injuries"
        s0, e0 = start + window_start + m.start(), start + n.end()
        out.append(Count(v, s0, e0, text[s0:e0], kind))
    for m in rules.before.finditer(seg):
        v = _value(m.group("num"), rules.words)
        if v is None or any(c.start <= start + m.start("num") < c.end for c in out):
            continue
        tail = seg[m.end():m.end() + 30]
        kind = "injuries" if rules.injured.match(tail.strip()) else "fatalities"
        out.append(Count(v, start + m.start(), start + m.end(), m.group(0), kind))
    if rules.injured_before is not None:
        for m in rules.injured_before.finditer(seg):
            v = _value(m.group("num"), rules.words)
            if v is None or any(c.start <= start + m.start("num") < c.end for c in out):
                continue
            out.append(Count(v, start + m.start(), start + m.end(), m.group(0), "injuries"))
    for m in rules.none.finditer(seg):
        out.append(Count(0, start + m.start(), start + m.end(), m.group(0), "fatalities"))
    return sorted(out, key=lambda c: c.start)
