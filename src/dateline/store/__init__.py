"""The store: SQLite by default, PostgreSQL + PostGIS for a ``postgresql://`` URL.
All SQL of dateline lives in this package."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Union

from dateline.store.sqlite import SQLiteStore

if TYPE_CHECKING:
    from dateline.store.postgis import PostGISStore

    Store = Union[SQLiteStore, PostGISStore]

__all__ = ["SQLiteStore", "is_url", "open_store"]


def is_url(target: str | Path) -> bool:
    """A database URL rather than a file path (a missing file is then not an error)."""
    return str(target).startswith(("postgresql://", "postgres://"))


def open_store(url: str | Path, *, read_only: bool = False) -> Store:
    """Open a store by path, ``sqlite:///path`` or ``postgresql://user@host:port/db``.

    psycopg is imported only for a PostgreSQL URL, so SQLite users need no driver.
    """
    s = str(url)
    if is_url(s):
        try:
            import psycopg  # noqa: F401
        except ImportError as exc:
            from dateline.errors import StoreError

            raise StoreError("PostgreSQL needs psycopg: install dateline[postgis]", file=s) from exc
        from dateline.store.postgis import PostGISStore

        return PostGISStore(s, read_only=read_only)
    if s.startswith("sqlite:///"):
        s = s[len("sqlite:///"):]
    return SQLiteStore(s, read_only=read_only)
