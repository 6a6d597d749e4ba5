"""Outlet profiles: what the publisher of a report is, kept apart from who asserts it.

The curated table ``data/outlets.yaml`` is merged at load with a user store of imported
published lists (``outlets import``); on any conflict (same id, same name or alias, same
domain) the curated entry wins. Lookups go through :class:`OutletKB` only:

- :meth:`OutletKB.find` resolves a byline, a trailer value, a domain or a URL
  ("FRENCH PRESS TV", "presstv.ir/fr", "https://www.presstv.ir/Detail/...").
- :meth:`OutletKB.mentions` finds outlet names inside running text; attribution uses it
  (on the curated table only, so that an imported list cannot change attribution).

:func:`outlet_from_document` reads ``Document.outlet``, a "SOURCE: ..." trailer, or the URL.
Reads: ``Document.outlet``, ``Document.zones``, ``Document.text``, ``Document.url``.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dateline import data as curated
from dateline.errors import DataFileError
from dateline.model import Document
from dateline.text import fold

log = logging.getLogger(__name__)

Typology = Literal["SC", "CaPu", "CaPr", "ISFM", "IP", "ISF", "ISM", "independent", "partisan"]

#: State Media Monitor codes under which a state controls editorial lines; the other
#: codes (ISFM, IP, ISF, ISM) are state-funded or state-managed but editorially independent.
STATE_CONTROLLED: frozenset[str] = frozenset({"SC", "CaPu", "CaPr"})

#: Format version of the user store file (bump when OutletProfile changes incompatibly).
USER_STORE_FORMAT = 1

#: Similarity above which a misspelt outlet name still resolves (difflib ratio on folded
#: keys). Set by hand: 0.88 accepts "Al Mayadin TV" ~ "Al Mayadeen TV" and "Sabreen News" ~
#: "Sabereen News"; keys shorter than FUZZY_MIN_LEN never match fuzzily ("Al Arab" is not "Al-Araby").
FUZZY_CUTOFF = 0.88
#: Shortest folded key tried fuzzily (shorter keys match too many unrelated names).
FUZZY_MIN_LEN = 8


class OutletListError(DataFileError):
    """A published outlet list (CSV/JSON) that cannot be imported, or a bad user store."""

    code = "E012"


class OutletProfile(BaseModel):
    """One outlet. ``origin`` says whether it comes from the curated table or an import."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    lookup_only: list[str] = Field(default_factory=list)
    country: str | None = None
    languages: list[str] = Field(default_factory=list)
    state_affiliated: bool = False
    typology: Typology | None = None
    owner: str | None = None
    owner_group: str | None = None
    state: str | None = None
    alignment: str | None = None
    url: str | None = None
    notes: str | None = None
    source: str
    origin: Literal["curated", "user"] = "curated"

    def all_names(self) -> list[str]:
        return [self.name, *self.aliases, *self.lookup_only]


# -- keys ----------------------------------------------------------------------------------

_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?:/\S*)?$", re.I)
_HOST_PREFIXES = ("www.", "m.", "amp.", "mobile.")


def _key(name: str) -> str:
    """Folded key without spaces: "Al-Mayadeen" == "Al Mayadeen" == "AL MAYADEEN"."""
    return fold(name).replace(" ", "").replace(".", "")


def _tokens(name: str) -> tuple[str, ...]:
    return tuple(fold(name).replace(".", "").split())


def _split_url(value: str) -> tuple[str, str] | None:
    """(host without www., path without trailing slash) for a URL or bare domain."""
    v = value.strip()
    if "://" not in v:
        if not _DOMAIN.match(v):
            return None
        v = "http://" + v
    try:
        parts = urlsplit(v)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if not host or "." not in host:
        return None
    for p in _HOST_PREFIXES:
        if host.startswith(p):
            host = host[len(p):]
    return host, parts.path.rstrip("/").lower()


def _is_domain(alias: str) -> bool:
    return "://" in alias or bool(_DOMAIN.match(alias.strip()))


# -- the knowledge base ----------------------------------------------------------------------


@dataclass(frozen=True)
class OutletMention:
    """An outlet name found in running text (offsets into the searched string)."""

    start: int
    end: int
    text: str
    profile: OutletProfile


class OutletKB:
    """Outlet profiles with name, domain and in-text indexes. Earlier profiles win."""

    def __init__(self, profiles: Iterable[OutletProfile]):
        self.profiles: list[OutletProfile] = []
        self._by_id: dict[str, OutletProfile] = {}
        self._by_key: dict[str, OutletProfile] = {}
        self._by_tokens: dict[tuple[str, ...], OutletProfile] = {}
        self._by_host: dict[str, list[tuple[str, OutletProfile]]] = {}
        self._text_aliases: dict[str, OutletProfile] = {}
        self._mention_re: re.Pattern[str] | None = None
        for p in profiles:
            self._add(p)

    def _add(self, p: OutletProfile) -> None:
        if p.id in self._by_id:
            log.debug("outlet %r from %s ignored: id already taken", p.id, p.origin)
            return
        names = [n for n in p.all_names() if n and n.strip()]
        keys = {_key(n) for n in names if not _is_domain(n)} - {""}
        owner = self._by_key.get(_key(p.name))
        if owner is not None and owner.origin == "curated" and p.origin == "user":
            # curated (loaded first) wins: an imported profile under a curated name is a duplicate
            log.debug("outlet %r ignored: %r is already the curated %r", p.id, p.name, owner.id)
            return
        self.profiles.append(p)
        self._by_id[p.id] = p
        for k in keys:
            self._by_key.setdefault(k, p)
        for n in names:
            if not _is_domain(n):
                toks = _tokens(n)
                if toks:
                    self._by_tokens.setdefault(toks, p)
        for n in [*p.aliases, *([p.url] if p.url else [])]:
            if _is_domain(n):
                hp = _split_url(n)
                if hp:
                    entries = self._by_host.setdefault(hp[0], [])
                    if all(path != hp[1] for path, _ in entries):
                        entries.append((hp[1], p))
        for a in p.aliases:
            if len(a) >= 2:
                self._text_aliases.setdefault(a, p)
        self._mention_re = None

    # ---- lookups ------------------------------------------------------------------------

    def get(self, outlet_id: str) -> OutletProfile | None:
        return self._by_id.get(outlet_id)

    def __len__(self) -> int:
        return len(self.profiles)

    def __iter__(self) -> Iterator[OutletProfile]:
        return iter(self.profiles)

    def find(self, query: str | None) -> OutletProfile | None:
        """The profile named by a byline, trailer value, domain or URL; None if unknown.

        Tried in order: URL/domain (longest matching path prefix, then parent domains),
        exact folded name, the longest known name contained in the query as whole words,
        then a close spelling (``FUZZY_CUTOFF``).
        """
        if not query or not query.strip():
            return None
        q = _trailer_patterns()[0].sub("", query.strip()).strip(" \t-–—:;,.()[]«»\"'")
        if not q:
            return None
        hp = _split_url(q)
        if hp is not None:
            hit = self._find_host(*hp)
            if hit is not None:
                return hit
        hit = self._by_key.get(_key(q))
        if hit is not None:
            return hit
        hit = self._find_contained(_tokens(q))
        if hit is not None:
            return hit
        key = _key(q)
        if len(key) >= FUZZY_MIN_LEN:
            close = difflib.get_close_matches(key, [k for k in self._by_key if len(k) >= FUZZY_MIN_LEN],
                                              n=1, cutoff=FUZZY_CUTOFF)
            if close:
                return self._by_key[close[0]]
        log.debug("no outlet profile for %r", query)
        return None

    def _find_host(self, host: str, path: str) -> OutletProfile | None:
        labels = host.split(".")
        for i in range(len(labels) - 1):
            entries = self._by_host.get(".".join(labels[i:]))
            if not entries:
                continue
            best = None
            for prefix, p in entries:
                if (not prefix or path == prefix or path.startswith(prefix + "/")) and (
                        best is None or len(prefix) > len(best[0])):
                    best = (prefix, p)
            if best is None and not path:
                # a bare domain names the site even when only a section of it is listed
                best = min(entries, key=lambda e: len(e[0]))
            if best is not None:
                return best[1]
        return None

    def _find_contained(self, toks: tuple[str, ...]) -> OutletProfile | None:
        best: tuple[int, OutletProfile] | None = None
        n = len(toks)
        for i in range(n):
            for j in range(i + 1, n + 1):
                p = self._by_tokens.get(toks[i:j])
                if p is None:
                    continue
                size = sum(len(t) for t in toks[i:j])
                # one word inside a longer query is weak evidence ("Iran" is also a newspaper):
                # accepted only in a two-word query ("Tasnim agency") and never when short ("AP")
                if j - i == 1 and n > 1 and (size < 4 or n > 2):
                    continue
                if best is None or size > best[0]:
                    best = (size, p)
        return best[1] if best else None

    def mentions(self, text: str) -> list[OutletMention]:
        """Outlet names in running text (case-sensitive aliases, never ``lookup_only``)."""
        if self._mention_re is None:
            alts = sorted(self._text_aliases, key=len, reverse=True)
            if not alts:
                return []
            self._mention_re = re.compile(
                r"(?<![\w.])(?:" + "|".join(re.escape(a) for a in alts) + r")(?![\w])")
        return [OutletMention(m.start(), m.end(), m.group(0), self._text_aliases[m.group(0)])
                for m in self._mention_re.finditer(text)]


# -- loading and the user store ----------------------------------------------------------------


def curated_path() -> Path:
    return curated.DATA_DIR / "outlets.yaml"


def load_curated(path: Path | None = None) -> list[OutletProfile]:
    """The curated table, validated (``DataFileError`` names the bad entry)."""
    return list(curated.load_entries(path or curated_path(), OutletProfile))


def user_store_path() -> Path:
    """Where imported outlet lists are kept: ``<dateline cache dir>/outlets/user_outlets.json``."""
    from dateline.resolve.gazetteer import cache_dir

    return cache_dir() / "outlets" / "user_outlets.json"


def load_user(path: Path | None = None) -> list[OutletProfile]:
    """Imported profiles from the user store; an absent store is an empty list."""
    path = path or user_store_path()
    if not path.exists():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise OutletListError(f"cannot read the outlet store: {exc}", file=str(path)) from exc
    except json.JSONDecodeError as exc:
        raise OutletListError(f"invalid JSON: {exc.msg}", file=str(path), line=exc.lineno) from exc
    if not isinstance(raw, dict) or raw.get("format") != USER_STORE_FORMAT or not isinstance(raw.get("outlets"), list):
        raise OutletListError(f"not a dateline outlet store (format {USER_STORE_FORMAT} expected); "
                              "re-run `dateline outlets import`", file=str(path))
    out = []
    for i, item in enumerate(raw["outlets"]):
        try:
            out.append(OutletProfile.model_validate({**item, "origin": "user"}))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise OutletListError(f"entry {i}: {'.'.join(map(str, first['loc']))}: {first['msg']}",
                                  file=str(path)) from exc
    return out


def save_user_outlets(profiles: Iterable[OutletProfile], path: Path | None = None, *,
                      replace: bool = False) -> Path:
    """Add ``profiles`` to the user store (same id: the new one wins), written atomically.

    With ``replace`` the store holds exactly ``profiles``. Clears :func:`default_kb`.
    """
    from dateline.io import atomic_text

    path = path or user_store_path()
    merged: dict[str, OutletProfile] = {} if replace else {p.id: p for p in load_user(path)}
    for p in profiles:
        merged[p.id] = p.model_copy(update={"origin": "user"})
    doc = {"format": USER_STORE_FORMAT,
           "outlets": [p.model_dump(mode="json", exclude={"origin"}, exclude_defaults=True) for p in merged.values()]}
    with atomic_text(path) as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    default_kb.cache_clear()
    return path


@lru_cache(maxsize=1)
def curated_kb() -> OutletKB:
    """The curated table only (deterministic; what attribution reads)."""
    return OutletKB(load_curated())


@lru_cache(maxsize=1)
def default_kb() -> OutletKB:
    """Curated profiles first, then the user store; curated wins on every conflict."""
    return OutletKB([*load_curated(), *load_user()])


def load_outlets(user_path: Path | None = None, *, include_user: bool = True) -> OutletKB:
    """A fresh KB from the curated table plus (optionally) a given user store."""
    return OutletKB([*load_curated(), *(load_user(user_path) if include_user else [])])


# -- outlet of a document ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _trailer_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(label prefix, whole trailer line) built from ``source_trailer`` in claims.yaml."""
    spec = curated.lexicon("claims") or {}
    labels = [s["source_trailer"] for s in spec.values() if isinstance(s, dict) and s.get("source_trailer")]
    alt = "|".join(labels) or "SOURCE|Source"
    label = re.compile(rf"^(?:{alt})\s*[:：]\s*", re.I)
    line = re.compile(rf"^[ \t\u00a0]*(?:{alt})[ \t\u00a0]*[:：][ \t\u00a0]*(\S[^\n]{{0,80}}?)[ \t\u00a0.]*$",
                      re.I | re.M)
    return label, line


#: how much of the end of a text is searched for a "SOURCE: ..." trailer (characters)
TRAILER_WINDOW = 600


def _canonical(value: str, kb: OutletKB) -> str:
    p = kb.find(value)
    return p.name if p is not None else value.strip()


def outlet_from_document(doc: Document, kb: OutletKB | None = None) -> str | None:
    """The publishing outlet's name: metadata, then a "SOURCE: ..." trailer, then the URL.

    A known outlet is returned under its profile name ("FRENCH PRESS TV" -> "French Press
    TV"); an unknown one as written (or the URL's domain). None when nothing names it.
    """
    kb = kb or default_kb()
    trailer = _trailer_patterns()[1]
    if doc.outlet and doc.outlet.strip():
        return _canonical(doc.outlet, kb)
    for z in doc.zones:
        if z.kind == "source":
            m = trailer.search(z.text)
            if m:
                return _canonical(m.group(1), kb)
    tail_start = max(0, len(doc.text) - TRAILER_WINDOW)
    trailers = list(trailer.finditer(doc.text, tail_start))
    if trailers:
        return _canonical(trailers[-1].group(1), kb)
    if doc.url:
        p = kb.find(doc.url)
        if p is not None:
            return p.name
        hp = _split_url(doc.url)
        if hp is not None:
            return hp[0]
    log.debug("document %s: no outlet in metadata, trailer or URL", doc.id)
    return None


# -- importing published lists ---------------------------------------------------------------

#: "Television: Al-Iraqiya" -> "Al-Iraqiya" (State Media Matrix asset labels)
_ASSET_PREFIX = re.compile(r"^(?:Television|TV|Print media|Print|Online|Radio|News agency|Newspaper|Magazine)\s*:\s*", re.I)
_TRAILING_ACRONYM = re.compile(r"\s*\(([^()]{2,40})\)\s*$")
_SMM_COLUMNS = {"media company", "main assets", "typology"}
_TYPOLOGY_CODES = {t.casefold(): t for t in ("SC", "CaPu", "CaPr", "ISFM", "IP", "ISF", "ISM", "independent", "partisan")}
#: column names accepted for each profile field in a generic list (folded, first match wins)
_GENERIC_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "name": ("name", "outlet", "media", "title", "media outlet"),
    "aliases": ("aliases", "alias", "other names"),
    "lookup_only": ("lookup_only",),
    "country": ("country",),
    "languages": ("languages", "language", "lang"),
    "state_affiliated": ("state_affiliated", "state affiliated", "state-affiliated"),
    "typology": ("typology", "type"),
    "owner": ("owner", "parent", "company", "media company"),
    "owner_group": ("owner_group", "owner group", "ultimate owner"),
    "state": ("state",),
    "alignment": ("alignment",),
    "url": ("url", "website", "domain", "homepage"),
    "notes": ("notes", "note", "comment"),
    "source": ("source", "reference"),
}
_TRUE = {"true", "yes", "y", "1", "oui", "x"}
_FALSE = {"false", "no", "n", "0", "non", ""}


@dataclass
class _Row:
    line: int
    values: dict[str, Any]  # folded column name -> value


def import_outlets(path: str | Path) -> list[OutletProfile]:
    """Profiles from a published outlet list (CSV or JSON), ready for :func:`save_user_outlets`.

    Two shapes are understood: the State Media Monitor matrix (columns Region, Country,
    Media company, Main assets, URL, Typology, Status, Notes) and a generic list whose
    columns or keys are profile fields (``name`` required; ``aliases``/``languages``
    separated by ``;`` or ``|`` in CSV). Rows naming the same outlet in the same country
    are merged (their domains become aliases). Rows without a name are skipped and logged.
    Raises :class:`OutletListError` (file and line) when the file cannot be read or mapped.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise OutletListError(f"cannot read outlet list: {exc.strerror or exc}", file=str(path)) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise OutletListError("outlet list is not UTF-8 text", file=str(path), line=line) from exc
    if not text.strip():
        raise OutletListError("outlet list is empty", file=str(path))
    suffix = path.suffix.lower()
    is_json = suffix in (".json", ".jsonl") or (suffix not in (".csv", ".tsv") and text.lstrip()[:1] in "[{")
    rows = _json_rows(text, path) if is_json else _csv_rows(text, path, "\t" if suffix == ".tsv" else None)
    if not rows:
        raise OutletListError("outlet list has no rows", file=str(path))
    columns = set().union(*(r.values.keys() for r in rows))
    if _SMM_COLUMNS <= columns:
        mapper = _smm_profile
    elif "name" in columns or any(c in columns for c in _GENERIC_COLUMNS["name"]):
        mapper = _generic_profile
    else:
        raise OutletListError(
            "cannot map the columns: expected 'name' (generic list) or 'Media company', 'Main assets' "
            f"and 'Typology' (State Media Matrix); found {', '.join(sorted(columns)) or 'none'}",
            file=str(path), line=rows[0].line)
    merged: dict[tuple[str, str], OutletProfile] = {}
    skipped = 0
    for row in rows:
        p = mapper(row, path)
        if p is None:
            skipped += 1
            log.info("%s:%d: row skipped: no outlet name", path, row.line)
            continue
        k = (fold(p.country or ""), _key(p.name))
        if k in merged:
            old = merged[k]
            merged[k] = old.model_copy(update={"aliases": list(dict.fromkeys([*old.aliases, *p.aliases]))})
        else:
            merged[k] = p
    out: list[OutletProfile] = []
    seen: set[str] = set()
    for p in merged.values():
        pid, n = p.id, 2
        while pid in seen:
            pid, n = f"{p.id}-{n}", n + 1
        seen.add(pid)
        out.append(p if pid == p.id else p.model_copy(update={"id": pid}))
    log.info("%s: %d outlet profiles from %d rows (%d skipped)", path, len(out), len(rows), skipped)
    return out


def _csv_rows(text: str, path: Path, delimiter: str | None) -> list[_Row]:
    if delimiter is None:
        first = text.split("\n", 1)[0]
        delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise OutletListError("outlet list has no header row", file=str(path), line=1) from exc
    cols = [fold(h) for h in header]
    rows = []
    try:
        line = reader.line_num
        for rec in reader:
            start, line = line + 1, reader.line_num
            if not any(c.strip() for c in rec):
                continue
            rows.append(_Row(start, {c: v.strip() for c, v in zip(cols, rec) if c}))
    except csv.Error as exc:
        raise OutletListError(f"malformed CSV: {exc}", file=str(path), line=reader.line_num) from exc
    return rows


def _json_rows(text: str, path: Path) -> list[_Row]:
    if path.suffix.lower() == ".jsonl":
        items, lines = [], []
        for n, ln in enumerate(text.splitlines(), 1):
            if ln.strip():
                try:
                    items.append(json.loads(ln))
                except json.JSONDecodeError as exc:
                    raise OutletListError(f"invalid JSON: {exc.msg}", file=str(path), line=n) from exc
                lines.append(n)
    else:
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise OutletListError(f"invalid JSON: {exc.msg}", file=str(path), line=exc.lineno) from exc
        if isinstance(items, dict):
            items = items.get("outlets", items.get("items", items.get("data")))
        if not isinstance(items, list):
            raise OutletListError('expected a JSON list of outlets (or {"outlets": [...]})', file=str(path), line=1)
        lines = _json_item_lines(text, len(items))
    rows = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise OutletListError(f"item {i + 1} is not an object", file=str(path), line=lines[i])
        rows.append(_Row(lines[i], {fold(str(k)): v for k, v in item.items()}))
    return rows


def _json_item_lines(text: str, n: int) -> list[int]:
    """Line on which each of the ``n`` items of the JSON list starts (for error messages)."""
    out: list[int] = []
    list_depth = 1 if text.lstrip().startswith("[") else 2  # [...] or {"outlets": [...]}
    depth, line, in_str, esc, expect = 0, 1, False, False, False
    for ch in text:
        if ch == "\n":
            line += 1
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
            continue
        if expect and depth == list_depth and not ch.isspace() and ch not in ",]":
            out.append(line)
            expect = False
        if ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth == list_depth and ch == "[":
                expect = True
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == list_depth:
            expect = True
    return (out + [line] * n)[:n]


def _slug(*parts: str) -> str:
    s = "_".join(fold(p) for p in parts if p)
    s = re.sub(r"[^\w]+", "_", s).strip("_")
    return s[:80] or "outlet"


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in re.split(r"[;|]", str(value)) if v.strip()]


def _as_bool(value: Any, row: _Row, path: Path) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    v = str(value).strip().casefold()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return None if v == "" else False
    raise OutletListError(f"state_affiliated: not a yes/no value: {value!r}", file=str(path), line=row.line)


def _typology(value: Any) -> tuple[str | None, str | None]:
    """(code, note) for a typology cell; an uncertain "ISFM?" keeps its code with a note."""
    v = str(value or "").strip()
    if not v:
        return None, None
    code = _TYPOLOGY_CODES.get(v.rstrip("?").strip().casefold())
    if code is None:
        return None, f"typology {v!r} not recognised"
    return code, ("typology marked uncertain in the source list" if v.endswith("?") else None)


def _domain_alias(url: str) -> str | None:
    hp = _split_url(url)
    if hp is None:
        return None
    return hp[0] + hp[1] if hp[1] else hp[0]


def _clean_company(s: str) -> str:
    return s.replace("*", "").strip()


def _smm_profile(row: _Row, path: Path) -> OutletProfile | None:
    v = row.values
    company = _clean_company(v.get("media company", ""))
    asset = _ASSET_PREFIX.sub("", str(v.get("main assets", "")).strip())
    if asset.count("(") > asset.count(")"):
        asset = asset[: asset.rfind("(")].strip()
    if asset.count(")") > asset.count("("):
        asset = asset.replace(")", "").strip()
    name = asset or company
    if not name:
        return None
    aliases: list[str] = []
    m = _TRAILING_ACRONYM.search(name)
    if m:
        aliases += [m.group(1).strip(), name[: m.start()].strip()]
    url = str(v.get("url", "")).strip()
    dom = _domain_alias(url) if url else None
    if dom:
        aliases.append(dom)
    code, typo_note = _typology(v.get("typology"))
    country = str(v.get("country", "")).strip() or None
    owner_group = _TRAILING_ACRONYM.sub("", company).strip() or None
    notes = [n for n in (str(v.get("status", "")).strip(), str(v.get("notes", "")).strip(), typo_note) if n]
    region = str(v.get("region", "")).strip()
    if region:
        notes.insert(0, f"region: {region}")
    return OutletProfile(
        id=_slug(country or "", name), name=name, aliases=list(dict.fromkeys(a for a in aliases if a and a != name)),
        country=country, state_affiliated=code in STATE_CONTROLLED, typology=code,
        owner=company or None, owner_group=owner_group, state=country,
        url=url if url and "://" in url else (f"https://{url}" if dom else None),
        notes="; ".join(notes) or None,
        source=f"State Media Monitor matrix, {path.name} line {row.line}", origin="user")


def _generic_profile(row: _Row, path: Path) -> OutletProfile | None:
    v = row.values
    field: dict[str, Any] = {}
    for name, candidates in _GENERIC_COLUMNS.items():
        for c in candidates:
            if c in v and v[c] not in (None, ""):
                field[name] = v[c]
                break
    name = str(field.get("name", "")).strip()
    if not name:
        return None
    code, typo_note = _typology(field.get("typology"))
    affiliated = _as_bool(field.get("state_affiliated"), row, path)
    url = str(field.get("url", "")).strip() or None
    aliases = _as_list(field.get("aliases"))
    dom = _domain_alias(url) if url else None
    if dom and dom not in aliases:
        aliases.append(dom)
    notes = "; ".join(n for n in (str(field.get("notes") or "").strip(), typo_note or "") if n) or None
    country = str(field.get("country", "")).strip() or None
    try:
        return OutletProfile(
            id=str(field.get("id") or _slug(country or "", name)), name=name, aliases=aliases,
            lookup_only=_as_list(field.get("lookup_only")), country=country,
            languages=_as_list(field.get("languages")),
            state_affiliated=affiliated if affiliated is not None else code in STATE_CONTROLLED,
            typology=code, owner=_str_or_none(field.get("owner")), owner_group=_str_or_none(field.get("owner_group")),
            state=_str_or_none(field.get("state")), alignment=_str_or_none(field.get("alignment")),
            url=url if url is None or "://" in url else f"https://{url}", notes=notes,
            source=_str_or_none(field.get("source")) or f"{path.name} line {row.line}", origin="user")
    except ValidationError as exc:
        first = exc.errors()[0]
        raise OutletListError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}", file=str(path),
                              line=row.line) from exc


def _str_or_none(value: Any) -> str | None:
    s = str(value).strip() if value is not None else ""
    return s or None
