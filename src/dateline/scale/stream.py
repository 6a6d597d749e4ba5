"""Inputs read twice instead of held: a validation pass, then a streaming pass.

CONTRACT.md wants a bad input to stop the run *before any output is written*, while a
100,000-document run must not hold the corpus in memory. Reading is cheap next to
spaCy (a JSONL line parses in microseconds, a document is analysed in tens of
milliseconds), so :func:`scan_inputs` reads everything once to count documents and
collect (or raise) input errors, keeping nothing, and :func:`iter_documents` reads it
again, document by document, for the pipeline. Standard input cannot be read twice, so
it is spooled to a temporary file by the scan.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from dateline.errors import DatelineError
from dateline.ingest import iter_read_results, unique_ids
from dateline.model import Document

log = logging.getLogger(__name__)

#: Loggers whose warnings describe *how* an input was read (an encoding guessed, a stray
#: byte replaced, a page without text). Both passes read every input, so the scan keeps
#: them quiet and they are logged once, by the streaming pass.
READER_LOGGERS = ("dateline.ingest.readers", "trafilatura")


@contextmanager
def _quiet_readers() -> Iterator[None]:
    """Raise the reader loggers to ERROR for the duration of the validation pass."""
    loggers = [logging.getLogger(name) for name in READER_LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


@dataclass
class InputScan:
    """What the validation pass learnt: how many good documents, which inputs are bad."""

    inputs: list[str]
    text_column: str = "text"
    n_documents: int = 0
    errors: list[DatelineError] = field(default_factory=list)
    #: standard input copied to a file, so the streaming pass can read it again
    stdin_copy: Path | None = None

    def cleanup(self) -> None:
        """Remove the spooled copy of standard input, if any."""
        if self.stdin_copy is not None:
            self.stdin_copy.unlink(missing_ok=True)
            self.stdin_copy = None


def _spool_stdin() -> Path:
    """Copy standard input to a temporary file (the scan and the stream each read it)."""
    fd, name = tempfile.mkstemp(prefix="dateline-stdin-", suffix=".jsonl")
    with open(fd, "wb") as fh:
        shutil.copyfileobj(sys.stdin.buffer, fh, 1 << 20)
    return Path(name)


def _results(scan: InputScan, stack: ExitStack):
    stdin: BinaryIO | None = None
    if scan.stdin_copy is not None:
        stdin = stack.enter_context(open(scan.stdin_copy, "rb"))
    return iter_read_results(scan.inputs, text_column=scan.text_column, stdin=stdin)


def scan_inputs(inputs: Sequence[str], *, text_column: str = "text", skip_bad: bool = False) -> InputScan:
    """Validate every input without keeping documents.

    Without ``skip_bad`` the first bad input raises its typed error (naming file and
    line) before anything is written; with it, bad inputs are logged and collected.
    """
    scan = InputScan([str(i) for i in inputs], text_column)
    if "-" in scan.inputs:
        scan.stdin_copy = _spool_stdin()
    try:
        with ExitStack() as stack, _quiet_readers():
            for result in _results(scan, stack):
                if isinstance(result, DatelineError):
                    if not skip_bad:
                        raise result
                    log.warning("skipping bad input: %s", result)
                    scan.errors.append(result)
                else:
                    scan.n_documents += 1
    except BaseException:
        scan.cleanup()
        raise
    return scan


def iter_documents(scan: InputScan) -> Iterator[Document]:
    """The good documents of a scanned input set, streamed, with unique ids.

    Bad inputs were reported by the scan and are dropped silently here, so each is
    logged once. Ids are made unique by the same rule as :func:`dateline.ingest.read_inputs`,
    so both passes (and every runner) see the same ids.
    """
    with ExitStack() as stack:
        good = (r for r in _results(scan, stack) if not isinstance(r, DatelineError))
        yield from unique_ids(good)


def chunked(docs: Iterator[Document], size: int) -> Iterator[list[Document]]:
    """Consecutive lists of at most ``size`` documents (the unit shipped to a worker)."""
    while True:
        chunk = list(islice(docs, size))
        if not chunk:
            return
        yield chunk
