"""Actors: find knowledge-base aliases in text and name them the ACLED way.

The KB is ``data/actors.yaml``. Matching is accent-, case-, hyphen- and
apostrophe-insensitive, but short all-capital aliases ("EI", "PMF") match case-sensitively
so that ordinary words are not read as groups. ACLED names state forces by period
("Military Forces of the United States (2017-2021)") and generic actors by country
("Unidentified Armed Group (Iraq)"); :meth:`ActorKB.acled_name` applies both rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from dateline import data as curated
from dateline.data import ActorEntry, Aliases
from dateline.text import fold

_ACCENT_CLASSES = {
    "a": "aàâäáãå", "e": "eéèêë", "i": "iîïíì", "o": "oôöóò", "u": "uùûüú", "c": "cç", "y": "yÿ", "n": "nñ",
}
#: accented letter -> its base letter (and typographic apostrophes -> "'"), one character
#: for one, so that matching runs on a
#: copy of the text with the same offsets and the alias pattern needs no accent classes
#: (a regex of every alias with a class per vowel took ~0.8 s to compile at each start)
_UNACCENT = str.maketrans({v: base for base, variants in _ACCENT_CLASSES.items() for v in variants[1:]}
                          | {v.upper(): base.upper() for base, variants in _ACCENT_CLASSES.items()
                             for v in variants[1:]}
                          | {q: "'" for q in "’ʼ`ʿ"}
                          # every space and dash -> " ": the pattern then needs " +", not a
                          # separator class per space of every alias (another 0.4 s to compile)
                          | {c: " " for c in [chr(i) for i in range(0x3001)] + ["\u3000"] if c.isspace()}
                          | {d: " " for d in "-‐‑–"})
#: kinds whose ACLED name carries the country of the event: "Civilians (Iraq)"
COUNTRY_SUFFIXED = {"civilians", "protesters", "rioters", "unidentified"}
#: transnational groups ACLED names per country of the event: "Islamic State (Iraq)"
COUNTRY_SUFFIXED_IDS = {"islamic_state", "al_qaeda", "unidentified_tribal_militia", "imbonerakure",
                        "ambazonian_separatists"}
#: identity militias ACLED names by community and country: "Fulani Ethnic Militia (Nigeria)"
COUNTRY_SUFFIXED_ENDINGS = ("Ethnic Militia", "Communal Militia", "Clan Militia")
#: country-neutral entries ("la police", "the army") named after the event's country
COUNTRY_TEMPLATES = {"generic_military_forces": "Military Forces of {country}",
                     "generic_police_forces": "Police Forces of {country}"}


#: ACLED's spelling of the few countries whose gazetteer name differs (checked against
#: every country of the ACLED dev and training exports)
ACLED_COUNTRY = {"Democratic Republic of the Congo": "Democratic Republic of Congo",
                 "Republic of the Congo": "Republic of Congo", "Palestinian Territory": "Palestine"}
#: countries ACLED writes with the article in state force names ("Military Forces of the
#: Philippines", "Police Forces of the Democratic Republic of Congo"; attested in its
#: exports), as English does for plural and "Republic/United/Union" names
_WITH_ARTICLE = {"Philippines", "Democratic Republic of Congo", "United Arab Emirates", "Ivory Coast",
                 "Central African Republic", "United States", "United Kingdom", "Netherlands", "Republic of Congo",
                 "Dominican Republic", "Czech Republic", "Gambia", "Bahamas", "Comoros", "Maldives", "Marshall Islands",
                 "Solomon Islands", "Seychelles"}
#: state force nouns: "Nigerian Armed Forces", "Afghan military forces", "Indian troops"
_MILITARY_NOUNS = (r"armed forces|military forces|defen[cs]e forces|security forces|government forces|army|military|"
                   r"forces|troops|soldiers|servicemen|military personnel|air ?force|navy|warplanes|fighter jets|"
                   r"jets|military aircraft|artillery")
_POLICE_NOUNS = r"police forces|police officers|police|policemen|gendarmerie|gendarmes|border guards?|border police"
_MODIFIERS = r"(?i:(?:government|state|regime|national|federal|special|local)\s+)?"
#: "Nigerian Armed Forces", "the Afghan military", "Zambia's Army": a nationality
#: adjective or a country's name (capitalised, not part of "pro-Russian") before a force noun
_DEMONYM_FORCES = re.compile(
    r"(?<![\w-])(?P<adj>[A-Z][a-z]+(?:\s[A-Z][a-z]+)??)(?:['’]s)?\s+" + _MODIFIERS
    + r"(?P<noun>(?i:" + _POLICE_NOUNS + "|" + _MILITARY_NOUNS + r"))(?![\w-])")
#: "military forces of Armenia", "the police of Mexico"
_FORCES_OF = re.compile(
    r"(?<![\w-])(?P<noun>(?i:(?:military|armed|security|defen[cs]e|police)\s+forces|army|police))\s+of\s+(?:the\s+)?"
    r"(?P<country>[A-Z][\w'-]+(?:\s+(?:of\s+(?:the\s+)?|and\s+)?[A-Z][\w'-]+){0,3})")


#: French and Arabic: a force noun, then the country's name ("les forces armées du
#: Nigeria", "la police de l'Arménie", "الجيش في مالي", "قوات نيجيريا")
_FORCES_OF_FR = re.compile(
    r"(?<![\w-])(?P<noun>(?i:(?:les\s+)?forces\s+(?:armées|de\s+sécurité|de\s+défense)|l['’]armée|(?:les\s+)?troupes|"
    r"(?:les\s+)?soldats|(?:les\s+)?militaires|la\s+police|(?:les\s+)?policiers|la\s+gendarmerie))\s+"
    r"(?i:du|de\s+la|de\s+l['’]|des|d['’]|de)\s*(?P<country>[A-ZÉÈ][\w'’-]+(?:[\s-][A-ZÉÈ][\w'’-]+){0,2})")
_FORCES_OF_AR = re.compile(
    r"(?<![\w])(?P<noun>الجيش|جيش|القوات\s+المسلحة|قوات\s+الأمن|قوات|الشرطة|شرطة)\s+(?:في\s+)?"
    r"(?P<country>[\u0621-\u064a]+(?:\s[\u0621-\u064a]+)?)")
_POLICE_WORDS = re.compile(r"(?i:polic|gendarm|border|الشرطة|شرطة)")


@dataclass(frozen=True, slots=True)
class ActorMatch:
    start: int
    end: int
    text: str
    actor: ActorEntry


def _alias_regex(alias: str) -> str:
    return "".join(_alias_atoms(alias))


#: atoms that may match nothing: tried after the letters at a trie branch, so that the
#: longer spelling is preferred ("Ashab" before "As'hab" cannot stop short)
_OPTIONAL_ATOMS = ("'?", r"\.?")


def _trie_regex(aliases: list[list[str]], *, fold_case: bool) -> str:
    """One expression for many aliases (lists of atoms), their common prefixes shared:
    ``kata(?:ib hezbollah|eb hezbollah)`` instead of one alternative per alias. Python's
    ``re`` tries the alternatives of a flat alternation one by one at every position of
    the text; a trie tries one branch per next character. A word that ends where a longer
    alias goes on is optional (greedy), so the longest alias still wins."""
    trie: dict = {}
    for atoms in aliases:
        node = trie
        for atom in atoms:
            node = node.setdefault(atom.lower() if fold_case else atom, {})
        node[""] = {}

    def emit(node: dict) -> str:
        keys = sorted((k for k in node if k), key=lambda k: (k in _OPTIONAL_ATOMS, k))
        branches = [k + emit(node[k]) for k in keys]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return "(?:" + body + ")?"
        return body

    return emit(trie)


def _alias_atoms(alias: str) -> list[str]:
    out = []
    for ch in alias:
        if ch in " -‐‑–":
            out.append(" +")  # the haystack's spaces and dashes are all " " (_UNACCENT)
        elif ch in "'’ʼ`ʿ":
            out.append("'?")
        elif ch.translate(_UNACCENT) != ch:
            out.append(re.escape(ch.translate(_UNACCENT)))
        elif ch == ".":
            out.append(r"\.?")
        else:
            out.append(re.escape(ch))
    return out


class ActorKB:
    def __init__(self, entries: tuple[ActorEntry, ...]):
        self.entries = {e.id: e for e in entries}
        self._national: dict[tuple[str, str], ActorEntry] = {}
        self.by_key: dict[str, ActorEntry] = {}
        loose: list[str] = []
        strict: list[str] = []
        seen: set[str] = set()
        for e in entries:
            for alias in [e.name, *e.aliases.all()]:
                key = fold(alias)
                # a folded name belongs to the first actor that has it; spellings that
                # fold alike ("As'hab" / "Ashab") still each need their own pattern
                if not key or self.by_key.setdefault(key, e) is not e or alias in seen:
                    continue
                seen.add(alias)
                is_acronym = len(alias) <= 4 and alias.replace(".", "").isupper()
                (strict if is_acronym else loose).append(alias)
        b, end = r"(?<![\w])", r"(?![\w])"
        # a lookahead finds the longest alias at every position, overlapping ones
        # included: "the Military Police" holds "the military" and "Military Police"
        self._loose = re.compile(
            b + "(?=(?P<a>(?:" + _trie_regex([_alias_atoms(a) for a in loose], fold_case=True) + ")" + end + "))",
            re.I) if loose else None
        self._strict = re.compile(
            b + "(?=(?P<a>(?:" + _trie_regex([[re.escape(c) for c in a] for a in strict], fold_case=False) + ")"
            + end + "))") if strict else None

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[ActorMatch]:
        end = len(text) if end is None else end
        found: list[ActorMatch] = []
        plain = text.translate(_UNACCENT)  # same length: offsets are the text's
        for pat, haystack in ((self._loose, plain), (self._strict, text)):
            if pat is None:
                continue
            for m in pat.finditer(haystack, start, end):
                s, e = m.span("a")
                if e > end:
                    continue
                original = text[s:e]
                actor = self.by_key.get(fold(original))
                if actor is not None:
                    found.append(ActorMatch(s, e, original, actor))
        # of overlapping matches the longest wins ("the Military Police" is not "the
        # military" and "Police"), then the earliest
        found.sort(key=lambda a: (-(a.end - a.start), a.start))
        out: list[ActorMatch] = []
        for a in found:
            if any(a.start < o.end and o.start < a.end for o in out):
                continue
            out.append(a)
        return sorted(out, key=lambda a: a.start)

    def ancestors(self, actor: ActorEntry) -> list[str]:
        """Ids of the umbrellas above ``actor`` (its parent, the parent's parent…)."""
        out: list[str] = []
        parent = actor.parent
        while parent and parent not in out and parent in self.entries:
            out.append(parent)
            parent = self.entries[parent].parent
        return out

    def get(self, actor_id: str) -> ActorEntry | None:
        return self.entries.get(actor_id)

    def state_forces(self, country: str | None) -> ActorEntry | None:
        """The military of ``country`` (English name): who "Ankara" or "Washington" stands
        for when a capital is the subject of an attack."""
        if not country:
            return None
        for e in self.entries.values():
            if e.kind == "state_military" and e.home_country == country and e.parent is None:
                return e
        return None

    def national_forces(self, country: str, police: bool = False) -> ActorEntry:
        """The state military (or police) of ``country``: its KB entry when there is one
        (with ACLED's periods), else the generic ACLED family "Military Forces of X" /
        "Police Forces of X" built for that country."""
        kind = "state_police" if police else "state_military"
        for e in self.entries.values():
            if e.kind == kind and e.home_country == country and e.parent is None and e.id.startswith(
                    ("police_forces_of_" if police else "military_forces_of_")):
                return e
        key = (kind, country)
        if key not in self._national:
            family = "Police Forces of" if police else "Military Forces of"
            slug = re.sub(r"\W+", "_", country.lower()).strip("_")
            named = ACLED_COUNTRY.get(country, country)
            named = f"the {named}" if named in _WITH_ARTICLE else named
            self._national[key] = ActorEntry(
                id=f"{'police' if police else 'military'}_forces_of_{slug}",
                name=f"{family} {named}", kind=kind, inter=1, inter_abroad=8,
                home_country=country, aliases=Aliases(),
                source="ACLED Codebook (2019-2023), actor naming: '" + family + " <Country> (<period>)'",
                notes="Built from the country a nationality adjective or 'forces of <Country>' names.")
        return self._national[key]

    def find_national_forces(self, text: str, country_of: Callable[[str], str | None],
                             taken: list[ActorMatch] = ()) -> list[ActorMatch]:
        """State forces named by nationality ("Nigerian Armed Forces", "Afghan police")
        or by country ("military forces of Armenia", "les forces armées du Nigeria",
        "قوات نيجيريا"), for countries the KB has no alias for. ``country_of`` maps an adjective or a country name to the
        English country name (the gazetteer's demonyms and country names); spans already
        ``taken`` by KB aliases are left to them."""
        out: list[ActorMatch] = []
        for pat, group in ((_DEMONYM_FORCES, "adj"), (_FORCES_OF, "country"), (_FORCES_OF_FR, "country"),
                           (_FORCES_OF_AR, "country")):
            for m in pat.finditer(text):
                gs, words = m.start(group), m.group(group).split()
                found = None
                for n in range(len(words), 0, -1):
                    # "South Sudanese troops", "On Tuesday Nigerian troops": the adjective is
                    # the longest suffix that names a country; "Armenia and Azerbaijan", the
                    # longest prefix
                    part = words[-n:] if group == "adj" else words[:n]
                    country = country_of(" ".join(part))
                    if country:
                        found = (country, part)
                        break
                if found is None:
                    continue
                country, part = found
                if group == "adj":
                    start, end = gs + m.group(group).rindex(part[0]), m.end()
                else:
                    start, end = m.start(), gs + len(" ".join(part))
                    end = gs + text[gs:].index(part[-1]) + len(part[-1])
                if any(t.start < end and start < t.end for t in [*taken, *out]):
                    continue
                police = bool(_POLICE_WORDS.search(m.group("noun")))
                out.append(ActorMatch(start, end, text[start:end], self.national_forces(country, police)))
        return sorted(out, key=lambda a: a.start)

    def acled_name(self, actor: ActorEntry, when: date | None, country: str | None) -> str:
        if actor.kind == "state_police" and actor.home_country and country and country != actor.home_country \
                and country not in ACLED_COUNTRY.values() and not actor.id.startswith("police_forces_of_") \
                and actor.inter_abroad is None:
            # police units do not operate abroad: "Federal Police" in a Brazilian note is
            # Brazil's (a nation's police named as such, "Afghan police", stays that nation's,
            # and so does a service the KB knows to act abroad: Turkey's MIT strikes in Iraq)
            return self.acled_name(self.national_forces(country, police=True), when, country)
        country = ACLED_COUNTRY.get(country, country) if country else country
        if actor.periods:
            chosen = actor.periods[-1].name
            if when is not None:
                iso = when.isoformat()
                for p in actor.periods:
                    if (p.start is None or p.start <= iso) and (p.end is None or iso <= p.end):
                        chosen = p.name
                        break
            return chosen
        if actor.id in COUNTRY_TEMPLATES and country:
            return COUNTRY_TEMPLATES[actor.id].format(country=country)
        if actor.kind == "civilians":
            # ACLED names every civilian party "Civilians (Country)"; journalists, health
            # workers, drivers are its associated actors, not another name
            return f"Civilians ({country})" if country else "Civilians"
        if (actor.kind in COUNTRY_SUFFIXED or actor.id in COUNTRY_SUFFIXED_IDS
                or actor.name.endswith(COUNTRY_SUFFIXED_ENDINGS)) and country \
                and not actor.name.endswith(")"):
            return f"{actor.name} ({country})"
        return actor.name

    def inter(self, actor: ActorEntry, country: str | None) -> int:
        if actor.inter_abroad is not None and country and actor.home_country and country != actor.home_country:
            return actor.inter_abroad
        return actor.inter


@lru_cache(maxsize=1)
def default_kb() -> ActorKB:
    return ActorKB(curated.actors())
