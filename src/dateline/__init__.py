"""dateline: conflict news in, auditable geocoded ACLED-style events out."""

__version__ = "0.1.0"
