"""Date expressions: find them in text and resolve them against the publication date.

One algorithm; the words live in ``data/lexicon/dates.yaml``. dateparser ignores
weekdays and "dernier", which is what conflict news uses most ("jeudi", "mardi soir"),
so weekdays are resolved here: the most recent such day on or before the anchor
(strictly before with "dernier"/"last"). A day and month without a year take the year
that puts them on or before the anchor; with a weekday too, the year that makes the
weekday agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from dateline import data as curated


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int
    end: int
    text: str
    value: date | None
    precision: int  # ACLED time_precision: 1 day, 2 week, 3 month
    kind: str  # "absolute", "weekday", "relative", "month"


@dataclass(frozen=True)
class _LangRules:
    patterns: list[tuple[str, re.Pattern[str]]]
    months: dict[str, int]
    weekdays: dict[str, int]
    last: frozenset[str]
    relative: list[tuple[re.Pattern[str], int, int]]
    years: re.Pattern[str] | None = None
    month_only: re.Pattern[str] | None = None


def _alt(words) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


@lru_cache(maxsize=None)
def _rules(lang: str) -> _LangRules | None:
    lex = curated.lexicon("dates")
    spec = lex.get(lang)
    if spec is None:
        return None
    months = {k.lower(): v for k, v in spec["months"].items()}
    weekdays = {k.lower(): v for k, v in spec["weekdays"].items()}
    first = _alt(spec.get("first_day") or []) or r"(?!x)x"
    m, w = _alt(months), _alt(weekdays)
    this = _alt(spec.get("this") or []) or r"(?!x)x"
    last = _alt(spec.get("last") or []) or r"(?!x)x"
    parts = _alt(spec.get("parts_of_day") or []) or r"(?!x)x"
    b, e = r"(?<![\w])", r"(?![\w])"
    day = rf"(?P<day>\d{{1,2}}|{first})(?:er|st|nd|rd|th)?"
    year = r"(?P<year>(?:19|20)\d{2})"
    patterns = [
        # [weekday[,]] [le] 17 novembre [2020]  /  Tuesday, 14 May 2024
        ("dmy", re.compile(rf"{b}(?:(?P<wd>{w})[,\s]+(?:(?:le|the)\s+)?)?{day}\s+(?:de\s+)?(?P<month>{m})\.?(?:[,\s]+{year})?{e}", re.I)),
        # [weekday,] May 14[, 2024]
        ("mdy", re.compile(rf"{b}(?:(?P<wd>{w}),?\s+)?(?P<month>{m})\.?\s+{day}(?:,?\s+{year})?{e}", re.I)),
        # novembre 2020 / en janvier 2020
        ("my", re.compile(rf"{b}(?P<month>{m})\s+{year}{e}", re.I)),
        # [ce] jeudi [dernier] [soir]
        ("wd", re.compile(rf"{b}(?:(?P<this>{this})\s+)?(?P<wd>{w})(?:\s+(?P<last>{last}))?(?:\s+(?:{parts}))?{e}", re.I)),
        ("lastwd", re.compile(rf"{b}(?P<last>{last})\s+(?P<wd>{w}){e}", re.I)),
    ]
    relative = [
        (re.compile(rf"{b}(?:{expr}){e}", re.I), int(v["days"]), int(v["precision"]))
        for expr, v in (spec.get("relative") or {}).items()
    ]
    years = re.compile(rf"{b}(?:{spec['years']}){e}", re.I) if spec.get("years") else None
    month_only = re.compile(rf"{b}(?:{spec['month_only']})(?P<month>{m}){e}(?!\s+\d)", re.I) \
        if spec.get("month_only") else None
    return _LangRules(patterns, months, weekdays, frozenset(x.lower() for x in spec.get("last") or []), relative,
                      years, month_only)


def _weekday_on_or_before(anchor: date, weekday: int, strictly: bool) -> date:
    delta = (anchor.weekday() - weekday) % 7
    if delta == 0 and strictly:
        delta = 7
    return anchor - timedelta(days=delta)


def _year_for(day: int, month: int, weekday: int | None, anchor: date | None) -> int | None:
    if anchor is None:
        return None
    candidates = [anchor.year, anchor.year - 1, anchor.year + 1]
    valid = []
    for y in candidates:
        try:
            d = date(y, month, day)
        except ValueError:
            continue
        valid.append(d)
    if weekday is not None:
        agree = [d for d in valid if d.weekday() == weekday]
        if agree:
            # nearest to the anchor, preferring the past
            return min(agree, key=lambda d: (d > anchor + timedelta(days=1), abs((anchor - d).days))).year
    past = [d for d in valid if d <= anchor + timedelta(days=1)]
    if past:
        return max(past).year
    return valid[0].year if valid else None


def find_dates(text: str, lang: str | None, anchor: date | None, start: int = 0, end: int | None = None) -> list[DateMention]:
    """Every date expression in ``text[start:end]``, resolved against ``anchor``.

    Overlapping matches keep the longest (``ce samedi 25 juillet`` beats ``samedi``).
    Unresolvable expressions (a weekday with no anchor) keep ``value=None``.
    """
    end = len(text) if end is None else end
    langs = [lang] if lang and _rules(lang) else []
    if lang != "en" and _rules("en"):
        langs.append("en")  # English dates appear in captions of French pages too
    found: list[DateMention] = []
    seg = text[start:end]
    for lg in langs:
        rules = _rules(lg)
        assert rules is not None
        for kind, pat in rules.patterns:
            for m in pat.finditer(seg):
                dm = _resolve_match(kind, m, rules, anchor, start)
                if dm is not None:
                    found.append(dm)
        if rules.month_only is not None and anchor is not None:
            for m in rules.month_only.finditer(seg):
                month = rules.months[m.group("month").lower()]
                year = anchor.year if month <= anchor.month else anchor.year - 1
                found.append(DateMention(start + m.start(), start + m.end(), m.group(0), date(year, month, 15), 3,
                                         "month"))
        if rules.years is not None:
            for m in rules.years.finditer(seg):
                head = m.group(0).lower()
                month = 11 if head.startswith(("fin", "late")) else 2 if head.startswith(("début", "debut", "early")) else 7
                found.append(DateMention(start + m.start(), start + m.end(), m.group(0), date(int(m.group(1)), month, 15),
                                         3, "year"))
        for pat, days, precision in rules.relative:
            for m in pat.finditer(seg):
                value = anchor + timedelta(days=days) if anchor else None
                found.append(DateMention(start + m.start(), start + m.end(), m.group(0), value, precision, "relative"))
    # longest first, then keep what does not overlap an accepted expression
    found.sort(key=lambda d: (-(d.end - d.start), d.start))
    out: list[DateMention] = []
    for d in found:
        if any(d.start < o.end and o.start < d.end for o in out):
            continue
        out.append(d)
    return sorted(out, key=lambda d: d.start)


def _resolve_match(kind: str, m: re.Match[str], rules: _LangRules, anchor: date | None, offset: int) -> DateMention | None:
    g = m.groupdict()
    s, e = offset + m.start(), offset + m.end()
    wd = rules.weekdays.get((g.get("wd") or "").lower())
    if kind in ("dmy", "mdy"):
        month = rules.months.get(g["month"].lower().rstrip("."))
        raw_day = g["day"].lower()
        day = 1 if not raw_day.isdigit() else int(raw_day)
        if not month or not 1 <= day <= 31:
            return None
        year = int(g["year"]) if g.get("year") else _year_for(day, month, wd, anchor)
        if year is None:
            return DateMention(s, e, m.group(0), None, 1, "absolute")
        try:
            value = date(year, month, day)
        except ValueError:
            return None
        return DateMention(s, e, m.group(0), value, 1, "absolute")
    if kind == "my":
        month = rules.months.get(g["month"].lower())
        if not month:
            return None
        return DateMention(s, e, m.group(0), date(int(g["year"]), month, 15), 3, "month")
    if kind in ("wd", "lastwd"):
        if wd is None:
            return None
        if anchor is None:
            return DateMention(s, e, m.group(0), None, 1, "weekday")
        strictly = bool(g.get("last"))
        return DateMention(s, e, m.group(0), _weekday_on_or_before(anchor, wd, strictly), 1, "weekday")
    return None


def clamp_to_published(value: date, published: date | None) -> date:
    """Events never happen after the article that reports them."""
    if published is not None and value > published:
        return published
    return value
