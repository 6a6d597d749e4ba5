"""Curated data shipped with dateline (YAML), loaded into validated models.

Every entry carries a ``source``. Loaders raise :class:`~dateline.errors.DataFileError`
naming the file and entry when a file does not validate, so a bad edit fails loudly.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

#: libyaml's safe loader when PyYAML was built with it (5-10x faster on the actor KB,
#: which a one-document run pays for at start-up), else the pure-Python one
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dateline.errors import DataFileError

DATA_DIR = Path(str(resources.files("dateline") / "data"))


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Aliases(_Entry):
    en: list[str] = Field(default_factory=list)
    fr: list[str] = Field(default_factory=list)
    ar: list[str] = Field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.en, *self.fr, *self.ar]


class ActorPeriod(_Entry):
    name: str
    start: str | None = None
    end: str | None = None


class ActorEntry(_Entry):
    id: str
    name: str
    kind: Literal[
        "state_military",
        "state_police",
        "state_other",
        "militia",
        "rebel",
        "terrorist",
        "identity_militia",
        "protesters",
        "rioters",
        "civilians",
        "external",
        "unidentified",
        "coalition",
    ]
    inter: int
    inter_abroad: int | None = None
    home_country: str | None = None
    parent: str | None = None
    periods: list[ActorPeriod] = Field(default_factory=list)
    aliases: Aliases
    source: str
    notes: str | None = None


class PlaceEntry(_Entry):
    id: str
    name: str
    aliases: Aliases
    latitude: float
    longitude: float
    feature_code: str
    country_code: str
    admin1: str | None = None
    admin2: str | None = None
    geonameid: int | None = None
    precision: int = 1
    source: str
    notes: str | None = None


def load_yaml(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_SAFE_LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise DataFileError(f"invalid YAML: {exc}", file=str(path), line=None if line is None else line + 1) from exc
    except OSError as exc:
        raise DataFileError(f"cannot read data file: {exc}", file=str(path)) from exc


def load_entries(path: Path, model: type[BaseModel]) -> list[Any]:
    """Load a YAML list of entries into ``model`` objects, naming the bad entry on error."""
    raw = load_yaml(path) or []
    if not isinstance(raw, list):
        raise DataFileError("expected a YAML list of entries", file=str(path))
    out = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        try:
            entry = model.model_validate(item)
        except ValidationError as exc:
            ident = item.get("id") if isinstance(item, dict) else i
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise DataFileError(f"entry {ident!r}: {loc}: {first['msg']}", file=str(path)) from exc
        ident = getattr(entry, "id", None)
        if ident is not None:
            if ident in seen:
                raise DataFileError(f"duplicate id {ident!r}", file=str(path))
            seen.add(ident)
        out.append(entry)
    return out


@lru_cache(maxsize=None)
def actors() -> tuple[ActorEntry, ...]:
    return tuple(load_entries(DATA_DIR / "actors.yaml", ActorEntry))


@lru_cache(maxsize=None)
def places() -> tuple[PlaceEntry, ...]:
    return tuple(load_entries(DATA_DIR / "places.yaml", PlaceEntry))


@lru_cache(maxsize=None)
def lexicon(name: str) -> Any:
    """A lexicon YAML from ``data/lexicon/NAME.yaml`` (shape validated by its consumer)."""
    return load_yaml(DATA_DIR / "lexicon" / f"{name}.yaml")
