"""Typed errors. Each carries the file and line it is about; the CLI prints one line.

Codes are numbered like spaCy's ``Errors`` so that users can search for them.
"""

from __future__ import annotations


class DatelineError(Exception):
    """Base class: a problem the user can fix (bad input, bad data file, bad option)."""

    code = "E000"

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = f"{self.file}"
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        return f"[{self.code}] {where}{self.message}"

    def as_record(self) -> dict:
        """The ``--errors`` JSONL record of CONTRACT.md."""
        return {"file": self.file, "line": self.line, "reason": f"[{self.code}] {self.message}"}


class InputError(DatelineError):
    """An input document or file that cannot be read as a document."""

    code = "E001"


class EncodingError(InputError):
    """Bytes that no supported encoding decodes to text."""

    code = "E002"


class EmptyDocumentError(InputError):
    """A document whose text is empty or whitespace only."""

    code = "E003"


class DataFileError(DatelineError):
    """A curated data file (YAML lexicon, KB, gazetteer) that does not validate."""

    code = "E010"


class StoreError(DatelineError):
    """The store cannot be opened or written."""

    code = "E020"


class ClusterError(DatelineError):
    """A Dask cluster that cannot be started or reached, or an invalid ``--dask`` address."""

    code = "E030"
