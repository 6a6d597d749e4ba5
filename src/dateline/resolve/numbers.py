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


@dataclass(frozen=True, slots=True)
class Count:
    value: int
    start: int
    end: int
    text: str
    kind: str  # "fatalities" | "injuries"


@dataclass(frozen=True)
class _Rules:
    after: re.Pattern[str]  # NUMBER ... KILLED / INJURED
    before: re.Pattern[str]  # KILLING ... NUMBER
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
    after = re.compile(
        rf"(?<![\w]){qual}{num}\s+(?:[\w'’-]+\s+){{0,4}}?(?P<kind>(?P<k>{kill})|(?P<i>{inj}))(?![\w])", re.I)
    before = re.compile(rf"(?:{spec['killed_before']})\s*(?:{qual}){num}(?![\w])", re.I)
    return _Rules(after, before, re.compile(spec["none"], re.I), words, re.compile(inj, re.I))


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
    for m in rules.after.finditer(seg):
        v = _value(m.group("num"), rules.words)
        if v is None or v > 100_000:
            continue
        kind = "fatalities" if m.group("k") else "injuries"
        out.append(Count(v, start + m.start(), start + m.end(), m.group(0), kind))
    for m in rules.before.finditer(seg):
        v = _value(m.group("num"), rules.words)
        if v is None or any(c.start <= start + m.start("num") < c.end for c in out):
            continue
        tail = seg[m.end():m.end() + 30]
        kind = "injuries" if rules.injured.match(tail.strip()) else "fatalities"
        out.append(Count(v, start + m.start(), start + m.end(), m.group(0), kind))
    for m in rules.none.finditer(seg):
        out.append(Count(0, start + m.start(), start + m.end(), m.group(0), "fatalities"))
    return sorted(out, key=lambda c: c.start)
