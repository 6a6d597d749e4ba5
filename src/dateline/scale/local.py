"""``--workers N``: processes on this machine, each loading the models once.

Workers are *spawned*, not forked: a fork copies whatever threads and locks the parent
holds (Rich's progress thread, BLAS pools) and Python 3.12 warns about it; a spawned
worker imports dateline afresh and loads its models in the pool initialiser.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

from dateline.model import Document
from dateline.pipeline import DocResult
from dateline.scale.runner import IN_FLIGHT_PER_WORKER, PARTITION_DOCS, process_partition, run_ordered, warm_up
from dateline.scale.stream import chunked


def process_with_workers(docs: Iterable[Document], workers: int, *,
                         partition_docs: int = PARTITION_DOCS) -> Iterator[DocResult]:
    """Results of ``docs`` in input order, computed by ``workers`` processes."""
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=warm_up) as pool:
        yield from run_ordered(lambda part: pool.submit(process_partition, part),
                               chunked(iter(docs), partition_docs), workers * IN_FLIGHT_PER_WORKER)
