"""Date expressions: find them in text and resolve them against the publication date.

One algorithm; the words live in ``data/lexicon/dates.yaml``. dateparser ignores
weekdays and "dernier", which is what conflict news uses most ("jeudi", "mardi soir"),
so weekdays are resolved here: the most recent such day on or before the anchor
(strictly before with "dernier"/"last"). News reports past events, so every rule prefers
the past: a day and month without a year take the year that puts them on or before the
anchor; with a weekday too, the year that makes the weekday agree; a period that is not
over yet ("earlier this month") is dated to the middle of its elapsed part. An expression
that can only mean the future ("jeudi prochain") keeps ``value=None``.

Arabic-Indic digits are read as ASCII digits (a one-to-one character mapping, so offsets
stay valid against the original text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dateline import data as curated
from dateline.errors import DataFileError

#: Arabic-Indic (U+0660…) and Eastern Arabic-Indic (U+06F0…) digits -> ASCII, one to one
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

#: how far back a weekday with a day number but no month ("dimanche 25") may lie: two
#: months covers "a recent Sunday the 25th"; beyond that the pair is more likely a typo
#: and the plain weekday is used instead.
WEEKDAY_DAY_MAX_DAYS = 62

#: how many years back a weekday + day + month without a year may go to find agreement:
#: the weekday of a given day and month repeats within 11 years.
WEEKDAY_YEAR_SPAN = 11

#: a day and month without a year that fall this few days after the anchor stay unresolved
#: rather than move back a year: "Around 1 May 2020 (between 30 April and 2 May)" ends a
#: range, "le 17 novembre" in a story of 16 November announces something. Beyond two
#: months the previous year is meant ("le 28 décembre" in a story of 10 January). Set on
#: ACLED dev notes, where a strict "never after the anchor" dated range ends a year back.
NEAR_FUTURE_DAYS = 62


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int
    end: int
    text: str
    value: date | None
    precision: int  # ACLED time_precision: 1 day, 2 week, 3 month
    kind: str  # "absolute", "weekday", "relative", "month", "year", "range"


# -- lexicon ------------------------------------------------------------------------


class _Relative(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: int | None = None
    weeks: int | None = None
    months: int | None = None
    precision: int = Field(ge=1, le=3)

    @model_validator(mode="after")
    def _one_unit(self) -> _Relative:
        if sum(x is not None for x in (self.days, self.weeks, self.months)) != 1:
            raise ValueError("give exactly one of days, weeks, months")
        return self


class _Years(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pattern: str
    parts: dict[str, int] = Field(default_factory=dict)


class _DateLexicon(BaseModel):
    """One language's entry in ``dates.yaml`` (see the comments at the top of that file)."""

    model_config = ConfigDict(extra="forbid")
    source: str
    capitalised: bool = False
    months: dict[str, int]
    weekdays: dict[str, int]
    first_day: list[str] = Field(default_factory=list)
    ordinal_suffixes: list[str] = Field(default_factory=list)
    articles: list[str] = Field(default_factory=list)
    of: list[str] = Field(default_factory=list)
    last: list[str] = Field(default_factory=list)
    this: list[str] = Field(default_factory=list)
    next: list[str] = Field(default_factory=list)
    before_weekday: list[str] = Field(default_factory=list)
    after_weekday: list[str] = Field(default_factory=list)
    night_to: list[str] = Field(default_factory=list)
    range_from: list[str] = Field(default_factory=list)
    range_to: list[str] = Field(default_factory=list)
    name_heads: list[str] = Field(default_factory=list)
    orders: list[str] = Field(default_factory=lambda: ["dmy"])
    numeric: str | None = None
    relative: dict[str, _Relative] = Field(default_factory=dict)
    years: _Years | None = None
    month_only: str | None = None


@dataclass(frozen=True)
class _LangRules:
    patterns: list[tuple[str, re.Pattern[str]]]
    months: dict[str, int]
    weekdays: dict[str, int]
    first_day: frozenset[str]
    relative: list[tuple[re.Pattern[str], _Relative]]
    years: re.Pattern[str] | None
    year_parts: dict[str, int]
    month_only: re.Pattern[str] | None


_NEVER = r"(?!x)x"
_B, _E = r"(?<![\w])", r"(?![\w])"


def _alt(words, *, capitalised: bool = False) -> str:
    """A regex alternation of ``words``, longest first; ``_NEVER`` when empty."""
    words = list(words)
    if not words:
        return _NEVER
    if capitalised:  # "May" and "MAY" but not "may"
        forms = {f for w in words for f in (w[:1].upper() + w[1:], w.upper())}
        return "(?-i:" + "|".join(sorted((re.escape(f) for f in forms), key=len, reverse=True)) + ")"
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


@lru_cache(maxsize=None)
def _rules(lang: str) -> _LangRules | None:
    spec_raw = (curated.lexicon("dates") or {}).get(lang)
    if spec_raw is None:
        return None
    try:
        spec = _DateLexicon.model_validate(spec_raw)
    except ValidationError as exc:
        raise DataFileError(f"dates lexicon, language {lang!r}: {exc}",
                            file=str(curated.DATA_DIR / "lexicon" / "dates.yaml")) from exc
    months = {k.lower(): v for k, v in spec.months.items()}
    weekdays = {k.lower(): v for k, v in spec.weekdays.items()}
    m = _alt(months, capitalised=spec.capitalised)
    w = _alt(weekdays)
    suffix = _alt(spec.ordinal_suffixes)
    day = rf"(?P<day>\d{{1,2}}(?:{suffix})?|{_alt(spec.first_day)})"
    year = r"(?P<year>(?:19|20)\d{2})"
    month = rf"(?P<month>{m})\.?(?:\s*/\s*(?:{m}))?"  # "أيار/مايو"
    article = rf"(?:(?:{_alt(spec.articles)})\s+)?"
    of = rf"(?:(?P<of>{_alt(spec.of)})\s+)?"
    before = rf"(?:(?:{_alt(spec.before_weekday)})\s+)?"
    sep = r"[,،\s]+"
    name_head = rf"(?!\s+(?:{_alt(spec.name_heads)}){_E})"
    weekday = rf"(?P<wd>{w}){_E}{name_head}"
    patterns = [
        # [la nuit du] [weekday[,]] [le] 17 [of] novembre [2020]  /  Tuesday, 14 May 2024  /  ١٤ أيار ٢٠٢٤
        ("dmy", rf"{before}(?:{weekday}{sep}{article})?{day}\s+{of}{month}(?:{sep}{year})?{_E}"),
        # [weekday,] May 14[, 2024]
        ("mdy", rf"{before}(?:{weekday},?\s+)?(?<!\d\s){month}\s+{day}(?:,?\s+{year})?{_E}"),
        # novembre 2020 / en janvier 2020
        ("my", rf"{month}\s+{year}{_E}"),
        # dimanche 25, … (a day number but no month)
        ("wdd", rf"{weekday}\s+{article}(?P<day>\d{{1,2}})(?=\s*[,.;:)\n]|\s*$)"),
        # [ce] [mardi] [dernier] [soir] / dans la nuit de jeudi à vendredi / مساء الأحد
        ("wd", rf"{before}(?:(?P<this>{_alt(spec.this)})\s+)?{weekday}"
               rf"(?:\s+(?P<last>{_alt(spec.last)}){_E}|\s+(?P<next>{_alt(spec.next)}){_E})?"
               rf"(?:\s*(?:{_alt(spec.night_to)})\s*(?P<wd2>{w}){_E})?"
               rf"(?:\s+(?:{_alt(spec.after_weekday)}){_E})?"),
        # last Thursday / the past Friday
        ("lastwd", rf"(?P<last>{_alt(spec.last)})\s+{weekday}"),
        ("nextwd", rf"(?P<next>{_alt(spec.next)})\s+{weekday}"),
        ("iso", rf"{year}-(?P<mnum>\d{{2}})-(?P<day>\d{{2}}){_E}"),
        # between 28 April and 2 May / du 4 au 6 mai / from 4 -5 May / بين 3 و5 أيار
        ("range", rf"(?:{_alt(spec.range_from)})\s+{article}(?P<day>\d{{1,2}})(?:{suffix})?"
                  rf"(?:\s+(?P<month>{m})\.?)?\s*(?:{_alt(spec.range_to)})\s*{article}"
                  rf"(?P<day2>\d{{1,2}})(?:{suffix})?\s+{of}(?P<month2>{m})\.?(?:{sep}{year})?{_E}"),
    ]
    patterns = [(kind, p) for kind, p in patterns if kind not in ("dmy", "mdy") or kind in spec.orders]
    if spec.numeric == "dmy":
        patterns.append(("numeric", rf"(?P<day>\d{{1,2}})[/.](?P<mnum>\d{{1,2}})[/.]{year}{_E}"))
    compiled = [(kind, re.compile(_B + p, re.I)) for kind, p in patterns]
    relative = [(re.compile(rf"{_B}(?:{expr}){_E}", re.I), rel) for expr, rel in spec.relative.items()]
    years = re.compile(rf"{_B}(?:{spec.years.pattern}){_E}", re.I) if spec.years else None
    month_only = re.compile(rf"{_B}(?:{spec.month_only})(?P<month>{m}){_E}(?!\s+\d)", re.I) \
        if spec.month_only else None
    return _LangRules(compiled, months, weekdays, frozenset(x.lower() for x in spec.first_day), relative, years,
                      {k.lower(): v for k, v in (spec.years.parts if spec.years else {}).items()}, month_only)


# -- resolution -----------------------------------------------------------------------


def _weekday_on_or_before(anchor: date, weekday: int, strictly: bool) -> date:
    delta = (anchor.weekday() - weekday) % 7
    if delta == 0 and strictly:
        delta = 7
    return anchor - timedelta(days=delta)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year_for(day: int, month: int, weekday: int | None, anchor: date | None) -> int | None:
    """The year of "[weekday] day month": on or before the anchor, agreeing with the weekday;
    None when it is more likely a few days after the anchor than a year before it."""
    if anchor is None:
        return None
    candidates = [d for y in range(anchor.year + 1, anchor.year - WEEKDAY_YEAR_SPAN - 1, -1)
                  if (d := _safe_date(y, month, day)) is not None]
    near_future = [d for d in candidates if 0 < (d - anchor).days <= NEAR_FUTURE_DAYS]
    if weekday is not None:
        agree = [d for d in candidates if d.weekday() == weekday]
        if any(d in near_future for d in agree):
            return None
        past = [d for d in agree if d <= anchor]
        if past:
            return max(past).year
    if near_future:
        return None
    past = [d for d in candidates if d <= anchor]
    return max(past).year if past else None


def _midpoint(first: date, last: date) -> date:
    return first + timedelta(days=(last - first).days // 2)


def _period(first: date, last: date, anchor: date | None) -> date:
    """A date for a period known only as a whole: its middle, or the middle of its elapsed
    part when the anchor falls inside it (news reports the past)."""
    if anchor is not None and first <= anchor < last:
        return _midpoint(first, anchor)
    return _midpoint(first, last)


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def _month_value(year: int, month: int, anchor: date | None) -> date:
    first = date(year, month, 1)
    if anchor is not None and first <= anchor < _month_end(year, month):
        return _midpoint(first, anchor)
    return date(year, month, 15)


def _relative_value(rel: _Relative, anchor: date) -> date:
    if rel.days is not None:
        return anchor + timedelta(days=rel.days)
    if rel.weeks is not None:
        monday = anchor - timedelta(days=anchor.weekday())
        if rel.weeks >= 0:
            return _midpoint(monday, anchor)
        # the middle of the seven days before (-1): "la semaine qui vient de s'achever" in a
        # Saturday paper is the week now ending, not the calendar week before it
        return anchor + timedelta(days=7 * rel.weeks + 3)
    assert rel.months is not None
    if rel.months >= 0:
        return _midpoint(anchor.replace(day=1), anchor)
    index = anchor.year * 12 + anchor.month - 1 + rel.months
    return date(index // 12, index % 12 + 1, 15)


def find_dates(text: str, lang: str | None, anchor: date | None, start: int = 0, end: int | None = None) -> list[DateMention]:
    """Every date expression in ``text[start:end]``, resolved against ``anchor``.

    Overlapping matches keep the longest (``ce samedi 25 juillet`` beats ``samedi``).
    Unresolvable expressions (a weekday with no anchor, "jeudi prochain") keep ``value=None``.
    """
    end = len(text) if end is None else end
    langs = [lang] if lang and _rules(lang) else []
    if lang != "en" and _rules("en"):
        langs.append("en")  # English dates appear in captions of French pages too
    found: list[DateMention] = []
    seg = text[start:end].translate(DIGITS)

    def mention(m: re.Match[str], value: date | None, precision: int, kind: str) -> DateMention:
        s, e = start + m.start(), start + m.end()
        return DateMention(s, e, text[s:e], value, precision, kind)

    for lg in langs:
        rules = _rules(lg)
        assert rules is not None
        for kind, pat in rules.patterns:
            for m in pat.finditer(seg):
                resolved = _resolve_match(kind, m, rules, anchor)
                if resolved is not None:
                    found.append(mention(m, *resolved))
        if rules.month_only is not None and anchor is not None:
            for m in rules.month_only.finditer(seg):
                month = rules.months[m.group("month").lower()]
                year = anchor.year if month <= anchor.month else anchor.year - 1
                found.append(mention(m, _month_value(year, month, anchor), 3, "month"))
        if rules.years is not None:
            for m in rules.years.finditer(seg):
                year = int(m.group("year"))
                part = rules.year_parts.get((m.groupdict().get("part") or "").lower())
                if part is not None:
                    value = _month_value(year, part, anchor)
                else:
                    value = _period(date(year, 1, 1), date(year, 12, 31), anchor)
                found.append(mention(m, value, 3, "year"))
        for pat, rel in rules.relative:
            for m in pat.finditer(seg):
                value = _relative_value(rel, anchor) if anchor else None
                found.append(mention(m, value, rel.precision, "relative"))
    # longest first, then keep what does not overlap an accepted expression
    found.sort(key=lambda d: (-(d.end - d.start), d.start))
    out: list[DateMention] = []
    for d in found:
        if any(d.start < o.end and o.start < d.end for o in out):
            continue
        out.append(d)
    return sorted(out, key=lambda d: d.start)


def _resolve_match(kind: str, m: re.Match[str], rules: _LangRules,
                   anchor: date | None) -> tuple[date | None, int, str] | None:
    """(value, precision, kind) for one pattern match, or None when it is not a date."""
    g = m.groupdict()
    wd = rules.weekdays.get((g.get("wd") or "").lower())
    if kind in ("dmy", "mdy", "iso", "numeric"):
        if g.get("mnum"):
            month = int(g["mnum"])
        else:
            month = rules.months.get(g["month"].lower().rstrip("."), 0)
        raw_day = g["day"].lower()
        if g.get("of") and raw_day.isdigit():
            return None  # "the 25 of March sector" is a name; a date says "the 25th of March"
        digits = re.match(r"\d+", raw_day)
        day = int(digits.group(0)) if digits else (1 if raw_day in rules.first_day else 0)
        if not 1 <= month <= 12 or not 1 <= day <= 31:
            return None
        year = int(g["year"]) if g.get("year") else _year_for(day, month, wd, anchor)
        if year is None:
            return None, 1, "absolute"
        value = _safe_date(year, month, day)
        return (value, 1, "absolute") if value else None
    if kind == "range":
        return _resolve_range(g, rules, anchor)
    if kind == "my":
        month = rules.months.get(g["month"].lower().rstrip("."))
        if not month:
            return None
        return _month_value(int(g["year"]), month, anchor), 3, "month"
    if wd is None:
        return None
    if kind == "wdd":
        if anchor is None:
            return None, 1, "weekday"
        day = int(g["day"])
        for back in range(WEEKDAY_DAY_MAX_DAYS + 1):
            d = anchor - timedelta(days=back)
            if d.day == day and d.weekday() == wd:
                return d, 1, "weekday"
        return None  # no such day lately: leave it to the plain weekday
    if g.get("next"):
        return None, 1, "weekday"
    if anchor is None:
        return None, 1, "weekday"
    return _weekday_on_or_before(anchor, wd, bool(g.get("last"))), 1, "weekday"


def _resolve_range(g: dict, rules: _LangRules, anchor: date | None) -> tuple[date | None, int, str] | None:
    """A span of days ("between 28 April and 2 May"): its middle, or the anchor when the
    middle is later (a span still running); precision 1 for one day, 2 up to a week, else 3."""
    month2 = rules.months.get(g["month2"].lower().rstrip("."), 0)
    month1 = rules.months.get((g.get("month") or "").lower().rstrip("."), month2)
    day1, day2 = int(g["day"]), int(g["day2"])
    if not month1 or not month2:
        return None
    if g.get("year"):
        year2 = int(g["year"])
        year1 = year2 - 1 if (month1, day1) > (month2, day2) else year2
    else:
        year1 = _year_for(day1, month1, None, anchor)
        if year1 is None:
            return None, 1, "range"
        year2 = year1 + 1 if (month1, day1) > (month2, day2) else year1
    first, last = _safe_date(year1, month1, day1), _safe_date(year2, month2, day2)
    if first is None or last is None or last < first or (last - first).days > 366:
        return None
    days = (last - first).days
    value = _midpoint(first, last)
    if anchor is not None and first <= anchor < value:
        value = anchor
    return value, 1 if days == 0 else 2 if days <= 7 else 3, "range"


def clamp_to_published(value: date, published: date | None) -> date:
    """Events never happen after the article that reports them."""
    if published is not None and value > published:
        return published
    return value
