"""Scale-out: streaming inputs, process pools (``--workers``) and Dask (``--dask``).

The pipeline stages are pure, so runners only decide *where* ``process_stream`` runs;
the parent always writes results in input order (docs/scale.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dateline.model import Document
    from dateline.pipeline import DocResult


@contextmanager
def results_stream(docs: Iterable[Document], *, workers: int = 1,
                   dask: str | None = None) -> Iterator[Iterator[DocResult]]:
    """The pipeline's results for ``docs`` in input order, on the runner the user chose.

    One process by default; ``workers`` processes on this machine; or a Dask cluster
    (``local:N`` or a scheduler address). Runners are imported only when chosen, so a
    one-document ``dateline extract`` never imports Dask.
    """
    if dask:
        from dateline.scale.dask_runner import dask_client, process_with_dask

        with dask_client(dask) as client:
            yield from _closing(process_with_dask(docs, client))
    elif workers > 1:
        from dateline.scale.local import process_with_workers

        yield from _closing(process_with_workers(docs, workers))
    else:
        from dateline.pipeline import process_stream

        yield from _closing(process_stream(docs))


def _closing(results: Iterator[DocResult]) -> Iterator[Iterator[DocResult]]:
    """Yield ``results`` once and close it afterwards, so that a run stopped by an error
    shuts its pool down (and cancels queued partitions) now, not at garbage collection."""
    try:
        yield results
    finally:
        results.close()  # type: ignore[attr-defined]
