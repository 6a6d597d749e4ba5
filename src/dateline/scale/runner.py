"""Partitions of documents run on workers; results come back in input order.

One loop serves both runners: ``--workers N`` (a process pool on this machine) and
``--dask`` (a Dask cluster through its ``concurrent.futures`` executor). The client
keeps a bounded number of partitions in flight, so memory stays flat whatever the
corpus size. A partition that finishes before an earlier one is spooled to a temporary
file and read back when its turn comes, so the parent writes results in input order:
the JSONL and the store are byte-for-byte those of a one-process run, whichever
worker finished first.

The worker side is :func:`process_partition`: a plain module-level function (importable
by a spawned process or a Dask worker) that loads the models once per process through a
module-level cache and runs :func:`dateline.pipeline.process_stream` unchanged.
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path

from dateline.model import Document
from dateline.pipeline import DocResult, Resources, process_stream

log = logging.getLogger(__name__)

#: Documents per partition. 64 is two ``nlp.pipe`` batches (pipeline.BATCH_SIZE) and one
#: store transaction of the CLI: large enough that pickling and scheduling (about a
#: millisecond a partition) vanish next to ~1.5 s of analysis, small enough that a few
#: partitions in flight per worker stay within tens of megabytes.
PARTITION_DOCS = 64
#: Partitions in flight per worker: one running, one queued so a worker never idles
#: while the client writes.
IN_FLIGHT_PER_WORKER = 2

_RESOURCES: Resources | None = None


def worker_resources() -> Resources:
    """This process's gazetteer, KBs and spaCy pipelines, loaded on first use only."""
    global _RESOURCES
    if _RESOURCES is None:
        _RESOURCES = Resources()
    return _RESOURCES


def warm_up(langs: Iterable[str] = ("fr",)) -> int:
    """Load every model now (pool initialiser, Dask worker plugin), so that timing and the
    first partition do not pay for it. Returns the process id, which tells workers apart."""
    from dateline import nlp

    res = worker_resources()
    _ = res.gazetteer, res.kb, res.outlets
    for lang in langs:
        nlp.pipeline(lang)
    return os.getpid()


def process_partition(docs: list[Document]) -> list[DocResult]:
    """Run one partition through the pipeline with this process's loaded models."""
    return list(process_stream(docs, worker_resources()))


Submit = Callable[[list[Document]], "Future[list[DocResult]]"]


class _Spool:
    """Finished partitions waiting for an earlier one, kept on disk rather than in memory."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="dateline-partitions-")
        self._paths: dict[int, Path] = {}

    def put(self, index: int, results: list[DocResult]) -> None:
        path = Path(self._dir.name) / f"part-{index:08d}.pkl"
        with open(path, "wb") as fh:
            pickle.dump(results, fh, protocol=pickle.HIGHEST_PROTOCOL)
        self._paths[index] = path

    def pop(self, index: int) -> list[DocResult] | None:
        path = self._paths.pop(index, None)
        if path is None:
            return None
        with open(path, "rb") as fh:
            results = pickle.load(fh)
        path.unlink()
        return results

    def __len__(self) -> int:
        return len(self._paths)

    def close(self) -> None:
        self._dir.cleanup()


def run_ordered(submit: Submit, partitions: Iterable[list[Document]], max_in_flight: int) -> Iterator[DocResult]:
    """Results of every partition, in input order, with at most ``max_in_flight`` running.

    ``submit`` sends one partition to a worker and returns a ``concurrent.futures``
    future. A worker's exception is raised here, in the client, when it arrives.
    """
    if max_in_flight < 1:
        raise ValueError("max_in_flight must be at least 1")
    pending: dict[Future, int] = {}
    spool = _Spool()
    ready: dict[int, list[DocResult]] = {}
    source = enumerate(partitions)
    exhausted = False
    next_index = 0
    try:
        while True:
            while not exhausted and len(pending) < max_in_flight:
                item = next(source, None)
                if item is None:
                    exhausted = True
                    break
                index, part = item
                pending[submit(part)] = index
            if not pending and not len(spool) and not ready:
                return
            if pending:
                done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                for fut in done:
                    index = pending.pop(fut)
                    results = fut.result()
                    if index == next_index:
                        ready[index] = results
                    else:
                        spool.put(index, results)
            drained = False
            while True:
                results = ready.pop(next_index, None)
                if results is None:
                    results = spool.pop(next_index)
                if results is None:
                    break
                drained = True
                next_index += 1
                yield from results
            if not pending and not drained and exhausted:
                raise RuntimeError(f"partition {next_index} never came back")  # a bug, not bad input
    finally:
        for fut in pending:
            fut.cancel()
        spool.close()
