"""The store: SQLite by default. All SQL of dateline lives in this package."""

from dateline.store.sqlite import SQLiteStore, open_store

__all__ = ["SQLiteStore", "open_store"]
