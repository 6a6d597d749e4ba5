"""Casualty counts: fatalities and injuries stated next to a number, per event.

Words live in ``data/lexicon/numbers.yaml``; one algorithm reads every language:

1. find count tokens: digits (Arabic-Indic too), number words ("quatre", "a dozen",
   "vingt-sept"), person nouns that carry a count (Arabic "جنديين"), with a qualifier
   ("at least") and ranges ("between 5 and 7", "5-7": the lower bound, ACLED's rule);
2. drop tokens that are not head counts: dates ("7 May", found by ``resolve.dates``),
   years, times, calibres ("7.62 mm", "120mm"), model names ("F-16"), ages ("48-year-old"),
   things ("3 rockets", "20 jours"), vague phrases ("an unknown number of"), and a weak
   "a"/"un" that no person noun follows;
3. pair counts with casualty words: a count directly after a verb ("killing two",
   "مقتل 5") or before a noun at most ``MAX_WORDS_BETWEEN`` words away in the same clause
   ("4 morts", "two soldiers were killed"); counts joined by "and" add up ("one soldier
   and two fighters were killed" -> 3); a count after "including" is a subset, not added;
4. "no casualties" -> 0; nothing stated -> nothing (the event keeps ``None``).

Brackets hold asides ("Fatalities coded as 0 (VoJ reported 1)", "(including 5
children)"): a count inside them is used only when the text outside gives none of that kind.
``Count.text`` keeps the raw words, so "entre 5 et 7 morts" stays visible behind its 5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dateline import data as curated
from dateline.errors import DataFileError
from dateline.resolve.dates import DIGITS, find_dates

#: "one French soldier and two suspected ISGS fighters were reportedly killed": five words
#: may sit between a count and its casualty word (four was too few on ACLED dev notes;
#: six started to pair counts of things with a later verb).
MAX_WORDS_BETWEEN = 5
#: extra words allowed when a subset clause sits between ("21 militants, including a
#: commander, were killed").
SUBSET_SLACK = 5
#: a weak number word ("a", "un") needs a person noun within this many words after it
#: ("a militia leader"); three let "A spokesman said civilians" count one person.
WEAK_PERSON_WORDS = 2
#: a count followed by a thing ("3 Katyusha rockets") within this many words is not people.
NOT_PERSON_WORDS = 2
#: coordinated counts ("2 soldiers and 3 civilians") are at most this many words apart.
COORDINATION_WORDS = 4
#: larger numbers are not casualty counts of one event (phone numbers, sums of money).
MAX_COUNT = 100_000

FATALITIES, INJURIES = "fatalities", "injuries"


@dataclass(frozen=True, slots=True)
class Count:
    value: int
    start: int
    end: int
    text: str
    kind: str  # "fatalities" | "injuries"


# -- lexicon ------------------------------------------------------------------------


class _NumberLexicon(BaseModel):
    """One language's entry in ``numbers.yaml`` (see the comments at the top of that file)."""

    model_config = ConfigDict(extra="forbid")
    source: str
    words: dict[str, int]
    weak: list[str] = Field(default_factory=list)
    joiners: list[str] = Field(default_factory=list)
    counted_nouns: dict[str, int] = Field(default_factory=dict)
    clitics: str = ""
    persons: list[str] = Field(default_factory=list)
    not_persons: list[str] = Field(default_factory=list)
    qualifiers: list[str] = Field(default_factory=list)
    singular_verbs: list[str] = Field(default_factory=list)
    range_between: list[str] = Field(default_factory=list)
    range_and: list[str] = Field(default_factory=list)
    range_to: list[str] = Field(default_factory=list)
    killed_before: list[str]
    killed_after: list[str]
    injured_before: list[str] = Field(default_factory=list)
    injured_after: list[str]
    coordinators: list[str] = Field(default_factory=list)
    subsets: list[str] = Field(default_factory=list)
    unknown: list[str] = Field(default_factory=list)
    none: dict[str, list[str]] = Field(default_factory=dict)


_NEVER = r"(?!x)x"
_B, _E = r"(?<![\w])", r"(?![\w])"
_E_ELIDED = r"(?:(?<=['’])|(?![\w]))"  # "la mort d'un": a phrase may end on an elision
_CLAUSE_BREAK = re.compile(r"[.;:!?\n]")
_ENDS = re.compile(r"\s*(?:[.,;:!?)\]]|$)")  # nothing follows a count but punctuation
_BRACKETS = re.compile(r"\([^()\n]*\)|\[[^\[\]\n]*\]")


def _alt(fragments) -> str:
    """Regex fragments as one alternation, longest first; ``_NEVER`` when empty."""
    fragments = [f for f in fragments if f]
    return "|".join(sorted(fragments, key=len, reverse=True)) if fragments else _NEVER


def _literal_alt(words) -> str:
    return _alt(re.escape(w) for w in words)


@dataclass(frozen=True)
class _Rules:
    count: re.Pattern[str]
    words: dict[str, int]
    counted: dict[str, int]
    weak: frozenset[str]
    joiners: tuple[str, ...]
    persons_after: re.Pattern[str]
    casualty_next: re.Pattern[str]  # a casualty noun right after a weak count: "un mort"
    singular: re.Pattern[str]  # "was", "a été": one person is the subject
    not_persons_after: re.Pattern[str]
    killed_before: re.Pattern[str]
    injured_before: re.Pattern[str]
    casualty_after: re.Pattern[str]  # groups k / i
    casualty_any: re.Pattern[str]
    coordinator: re.Pattern[str]
    subset_before: re.Pattern[str]
    unknown: re.Pattern[str]
    none: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]


@lru_cache(maxsize=None)
def _rules(lang: str) -> _Rules | None:
    raw = (curated.lexicon("numbers") or {}).get(lang)
    if raw is None:
        return None
    try:
        spec = _NumberLexicon.model_validate(raw)
    except ValidationError as exc:
        raise DataFileError(f"numbers lexicon, language {lang!r}: {exc}",
                            file=str(curated.DATA_DIR / "lexicon" / "numbers.yaml")) from exc
    words = {k.lower(): int(v) for k, v in spec.words.items()}
    counted = {k.lower(): int(v) for k, v in spec.counted_nouns.items()}
    word = _literal_alt(words)
    compound = rf"(?:{word})(?:(?:{_literal_alt(spec.joiners)})(?:{word}))?"
    # digits: not part of a decimal, a time, a model name ("F-16") or a word ("120mm", "K60")
    digits = (r"(?<![\d.,:/])(?<![^\W\d]-)(?:\d{1,3}(?:[,\u00a0\u202f ]\d{3})+(?!\d)|\d+)"
              r"(?![.,]\d)(?!:\d)(?!-[^\W\d])")
    num = rf"(?:{digits}|{compound}|{_literal_alt(counted)})"
    cl = spec.clitics or ""
    qual = rf"(?:(?P<qual>{_alt(spec.qualifiers)})\s+)?"
    between = rf"(?:(?P<between>{_alt(spec.range_between)})\s+)?"
    rng = (rf"(?:(?(between)\s+(?:{_alt(spec.range_and)})\s*|\s*(?:{_alt(spec.range_to)})\s*)"
           rf"{cl}(?P<num2>{num}){_E})?")
    count = re.compile(rf"{_B}{qual}{between}{cl}(?P<num>{num}){_E}{rng}", re.I)

    def words_then(pattern: str, n: int) -> re.Pattern[str]:
        return re.compile(rf"\s+(?:[^\s.;:!?]+\s+){{0,{n - 1}}}?(?:{pattern})", re.I)

    kill_after, inj_after = _alt(spec.killed_after), _alt(spec.injured_after)
    kill_before, inj_before = _alt(spec.killed_before), _alt(spec.injured_before)
    return _Rules(
        count=count,
        words=words,
        counted=counted,
        weak=frozenset(w.lower() for w in spec.weak),
        joiners=tuple(spec.joiners),
        persons_after=words_then(_alt(spec.persons), WEAK_PERSON_WORDS),
        singular=re.compile(rf"{_B}(?:{_alt(spec.singular_verbs)}){_E}", re.I),
        casualty_next=re.compile(rf"\s+(?:{kill_after}|{inj_after}){_E}", re.I),
        not_persons_after=words_then(rf"(?:{_alt(spec.not_persons)}){_E}", NOT_PERSON_WORDS),
        killed_before=re.compile(rf"{_B}{cl}(?:{kill_before}){_E_ELIDED}", re.I),
        injured_before=re.compile(rf"{_B}{cl}(?:{inj_before}){_E_ELIDED}", re.I),
        casualty_after=re.compile(rf"{_B}{cl}(?:(?P<k>{kill_after})|(?P<i>{inj_after})){_E}", re.I),
        casualty_any=re.compile(rf"{_B}{cl}(?:{kill_after}|{inj_after}|{kill_before}|{inj_before}){_E}", re.I),
        coordinator=re.compile(rf"{_B}(?:{_alt(spec.coordinators)})(?:{_E}|$)", re.I),
        subset_before=re.compile(rf"{_B}(?:{_alt(spec.subsets)})\s+(?:[^\s.;:!?]+\s+){{0,2}}$", re.I),
        unknown=re.compile(rf"{_B}(?:{_alt(spec.unknown)}){_E}", re.I),
        none=tuple((re.compile(rf"{_B}{cl}(?:{expr}){_E}", re.I), tuple(kinds)) for expr, kinds in spec.none.items()),
    )


# -- count tokens -------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    start: int  # span in the segment, qualifier included
    end: int
    num_start: int
    value: int
    weak: bool  # "a", "un": an article unless a person noun follows
    person: bool  # a person noun (or casualty word) follows within WEAK_PERSON_WORDS words
    ends: bool  # nothing but punctuation or "and" follows ("wounded another.")
    noun: bool = False  # a person noun carrying its own count ("the driver", "جنديين")


def _word_value(raw: str, rules: _Rules) -> int | None:
    """Value of digits, a number word or a two-word compound ("vingt-sept", "خمسة وعشرون")."""
    r = " ".join(raw.lower().split())
    if r in rules.words:
        return rules.words[r]
    if r in rules.counted:
        return rules.counted[r]
    digits = re.sub(r"[,\u00a0\u202f ]", "", r)
    if digits.isdigit():
        return int(digits)
    for j in rules.joiners:
        j = " ".join(j.lower().split()) or " "
        left, sep, right = r.partition(j)
        if sep and left in rules.words and right in rules.words:
            a, b = sorted((rules.words[left], rules.words[right]))
            if b >= 20 and b % 10 == 0 and a < 10:
                return a + b
            return rules.words[left]  # "deux trois": not a compound, take the first
    return None


def _tokens(seg: str, rules: _Rules, blocked: list[tuple[int, int]]) -> list[_Token]:
    out: list[_Token] = []
    for m in rules.count.finditer(seg):
        ns, ne = m.span("num")
        if any(s < ne and ns < e for s, e in blocked):
            continue
        raw = m.group("num")
        value = _word_value(raw, rules)
        if m.group("num2"):
            second = _word_value(m.group("num2"), rules)
            if second is not None and value is not None:
                value = min(value, second)  # ACLED: the lower bound of a range
        if value is None or value > MAX_COUNT:
            continue
        if raw.isdigit() and len(raw) == 4 and 1900 <= value <= 2099:
            continue  # a year
        tail = seg[m.end():m.end() + 60]
        if rules.not_persons_after.match(tail):
            continue
        weak = raw.lower() in rules.weak and not m.group("qual")
        person = bool(rules.persons_after.match(tail) or rules.casualty_next.match(tail))
        ends = bool(_ENDS.match(tail)) or bool(rules.coordinator.match(tail.lstrip()))
        noun = " ".join(raw.lower().split()) in rules.counted
        out.append(_Token(m.start(), m.end(), ns, value, weak, person, ends, noun))
    return out


# -- pairing ------------------------------------------------------------------------


@dataclass
class _Found:
    value: int
    start: int
    end: int
    kind: str
    tokens: tuple[_Token, ...]


def _pair(seg: str, rules: _Rules, tokens: list[_Token]) -> list[_Found]:
    found: list[_Found] = []
    used: set[_Token] = set()
    used_verbs: list[tuple[int, int]] = []
    by_start = {t.start: t for t in tokens}

    def direct_after(pos: int) -> _Token | None:
        gap = len(seg[pos:]) - len(seg[pos:].lstrip())
        return by_start.get(pos + gap)

    # 1. a count right after a verb: "killing two", "مقتل 5 أشخاص", "death toll rose to 12"
    for pat, kind in ((rules.killed_before, FATALITIES), (rules.injured_before, INJURIES)):
        for v in pat.finditer(seg):
            tok = direct_after(v.end())
            if tok is None or tok in used:
                continue
            end, k = tok.end, kind
            noun = rules.casualty_after.match(seg, tok.end + len(seg[tok.end:]) - len(seg[tok.end:].lstrip()))
            if noun is not None and seg[tok.end:noun.start()].strip() == "":
                end, k = noun.end(), FATALITIES if noun.group("k") else INJURIES  # "bilan de 3 blessés"
            if k != kind:  # "1 killed 3 injured": the verb was a participle of the count before it
                found.append(_Found(tok.value, tok.start, end, k, (tok,)))
                used.add(tok)
                continue
            found.append(_Found(tok.value, v.start(), end, k, (tok,)))
            used.add(tok)
            used_verbs.append((v.start(), v.end()))

    # 2. a count before a noun or participle: "4 morts", "two soldiers were killed"
    for n in rules.casualty_after.finditer(seg):
        if any(s < n.end() and n.start() < e for s, e in used_verbs):
            continue
        kind = FATALITIES if n.group("k") else INJURIES
        # a weak "a"/"un" stands for a person before a person noun or a casualty noun ("a
        # doctor was killed", "un mort"), before a singular verb ("a drug trafficker was
        # killed"), or after a verb ("killed a Houthi engineer", step 1)
        singular = bool(rules.singular.match(n.group(0)))
        strong = [t for t in tokens if not t.weak or t.person or t.ends
                  or singular or rules.singular.search(seg[t.end:n.start()])]
        tok = _count_before(seg, rules, strong, used, n.start())
        if tok is None:
            continue
        group = [tok]
        while (prev := _coordinated(seg, rules, strong, used, group[0])) is not None:
            group.insert(0, prev)
        used.update(group)
        found.append(_Found(sum(t.value for t in group), group[0].start, n.end(), kind, tuple(group)))
    return found


def _is_subset(seg: str, rules: _Rules, tok: _Token) -> bool:
    return bool(rules.subset_before.search(seg[max(0, tok.start - 40):tok.start]))


def _count_before(seg: str, rules: _Rules, tokens: list[_Token], used: set[_Token], pos: int) -> _Token | None:
    for tok in sorted((t for t in tokens if t.end <= pos), key=lambda t: -t.end):
        between = seg[tok.end:pos]
        if _CLAUSE_BREAK.search(between) or rules.casualty_any.search(between):
            return None
        if tok in used or _is_subset(seg, rules, tok):
            continue  # "21 militants including 2 commanders were killed": look further back
        skipped_subset = any(_is_subset(seg, rules, t) for t in tokens if tok.end <= t.start < pos)
        limit = MAX_WORDS_BETWEEN + (SUBSET_SLACK if skipped_subset else 0)
        return tok if len(between.split()) <= limit else None
    return None


def _coordinated(seg: str, rules: _Rules, tokens: list[_Token], used: set[_Token], tok: _Token) -> _Token | None:
    """The count joined to ``tok`` by "and" ("one soldier and two fighters"), if any.

    "and" must come right before ``tok`` ("20 friends and family of a man" joins nothing). A
    subset in between is skipped: "21 militants including 2 commanders and 4 soldiers" adds
    the 4 to the 21, as ACLED does.
    """
    if _is_subset(seg, rules, tok):
        return None
    before = [t for t in tokens if t.end <= tok.start]
    prev = max(before, key=lambda t: t.end, default=None)
    if prev is not None and _is_subset(seg, rules, prev):
        prev = max((t for t in before if t.end <= prev.start), key=lambda t: t.end, default=None)
        gap = COORDINATION_WORDS + SUBSET_SLACK
    else:
        gap = COORDINATION_WORDS
    if prev is None or prev in used or _is_subset(seg, rules, prev):
        return None
    between = seg[prev.end:tok.num_start]
    if _CLAUSE_BREAK.search(between) or rules.casualty_any.search(between):
        return None
    if len(between.split()) > gap:
        return None
    last = list(rules.coordinator.finditer(between))
    if not last or between[last[-1].end():].strip():
        return None
    if prev.noun and between[:last[-1].start()].strip():
        return None  # "the driver fled and 3 people were killed": the driver is not counted
    return prev


# -- public -------------------------------------------------------------------------


def _blank(s: str, spans: list[tuple[int, int]]) -> str:
    chars = list(s)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def find_counts(text: str, lang: str | None, start: int = 0, end: int | None = None) -> list[Count]:
    """Casualty counts in ``text[start:end]``, offsets into ``text``.

    Reads: nothing but the text. Several counts of one kind may come back (the extractor
    decides how they combine into an event); an explicit "no casualties" gives value 0.
    """
    end = len(text) if end is None else end
    rules = _rules(lang or "") or _rules("en")
    assert rules is not None
    seg = text[start:end].translate(DIGITS)
    blocked = [(d.start - start, d.end - start) for d in find_dates(text, lang, None, start, end)
               if any(c.isdigit() for c in seg[d.start - start:d.end - start])]
    blocked += [m.span() for m in rules.unknown.finditer(seg)]
    blocked += [m.span() for pat, _ in rules.none for m in pat.finditer(seg)]  # "no one was hurt"
    brackets = [m.span() for m in _BRACKETS.finditer(seg)]

    outside = _blank(seg, brackets)
    found = _pair(outside, rules, _tokens(outside, rules, blocked))
    kinds = {f.kind for f in found}
    if brackets:
        # an aside counts only for a kind the main text leaves open: "(3 morts)"
        inside = [f for f in _pair(seg, rules, _tokens(seg, rules, blocked))
                  if f.kind not in kinds and all(any(a <= t.start < b for a, b in brackets) for t in f.tokens)]
        found += inside
    out = [Count(f.value, start + f.start, start + f.end, text[start + f.start:start + f.end], f.kind) for f in found]
    for pat, none_kinds in rules.none:
        for m in pat.finditer(outside):
            for kind in none_kinds:
                out.append(Count(0, start + m.start(), start + m.end(), text[start + m.start():start + m.end()], kind))
    return sorted(out, key=lambda c: (c.start, c.kind))
