"""``--dask local:N`` or ``--dask tcp://host:8786``: partitions of documents on a Dask cluster.

The client reads and validates the inputs (workers need no access to the files),
ships partitions of :data:`~dateline.scale.runner.PARTITION_DOCS` documents, and
writes the results in input order (``run_ordered`` spools early partitions to temporary
files), so the store and the JSONL are those of a local run. Each worker loads its
models once: :class:`WarmUp` is a worker plugin run when a worker joins, and
:func:`~dateline.scale.runner.process_partition` reuses the process-level cache.

A local cluster uses processes with one thread each: spaCy holds the GIL for most of
its work, so threads would not add throughput. dateline must be installed on remote
workers, at the client's version.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from dateline.errors import ClusterError
from dateline.model import Document
from dateline.pipeline import DocResult
from dateline.scale.runner import IN_FLIGHT_PER_WORKER, PARTITION_DOCS, process_partition, run_ordered, warm_up
from dateline.scale.stream import chunked

log = logging.getLogger(__name__)

#: Seconds to wait for a remote scheduler before giving up with a one-line error.
CONNECT_TIMEOUT_S = 30
#: Seconds to wait for the cluster's workers to register (local ones start processes).
WORKERS_TIMEOUT_S = 120


@dataclass(frozen=True)
class DaskTarget:
    """A parsed ``--dask`` value: a local cluster of ``n_workers`` or a scheduler address."""

    n_workers: int | None = None
    address: str | None = None


def parse_target(spec: str) -> DaskTarget:
    """``local:N`` or a scheduler address (``tcp://``, ``tls://``, ``ucx://``, ``inproc://``)."""
    if spec.startswith("local:"):
        count = spec[len("local:"):]
        if not count.isdigit() or int(count) < 1:
            raise ClusterError(f"--dask local:N needs a positive worker count, got {spec!r}")
        return DaskTarget(n_workers=int(count))
    if "://" in spec:
        return DaskTarget(address=spec)
    raise ClusterError(f"--dask takes local:N or a scheduler address such as tcp://host:8786, got {spec!r}")


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise ClusterError("Dask is not installed; install dateline[dask] (dask and distributed)") from exc
    return distributed


def _warm_up_plugin(distributed):
    class WarmUp(distributed.WorkerPlugin):
        """Load the models when a worker starts (or joins later), not in its first task."""

        name = "dateline-warm-up"

        def setup(self, worker) -> None:  # noqa: ANN001 - distributed.Worker
            warm_up()

    return WarmUp()


@contextmanager
def dask_client(spec: str):
    """A connected ``distributed.Client`` (and its LocalCluster, if local), with models loaded."""
    target = parse_target(spec)
    distributed = _import_distributed()
    # distributed logs cluster life (start, connections, retirement) at INFO on its own
    # handler; show it only with --verbose or --debug, like dateline's own logs
    logging.getLogger("distributed").setLevel(max(logging.getLogger("dateline").getEffectiveLevel(), logging.INFO))
    cluster = None
    try:
        if target.n_workers is not None:
            cluster = distributed.LocalCluster(n_workers=target.n_workers, threads_per_worker=1, processes=True,
                                               dashboard_address=None, silence_logs=logging.ERROR)
            client = distributed.Client(cluster)
        else:
            client = distributed.Client(target.address, timeout=CONNECT_TIMEOUT_S)
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        raise ClusterError(f"cannot start or reach the Dask cluster: {exc}", file=spec) from exc
    try:
        # a LocalCluster can return before its worker processes have registered (seen once
        # in the bench: "no workers"); a remote cluster may be scaling up: wait for them
        try:
            client.wait_for_workers(n_workers=target.n_workers or 1, timeout=WORKERS_TIMEOUT_S)
        except (TimeoutError, OSError) as exc:
            raise ClusterError(f"no Dask worker joined within {WORKERS_TIMEOUT_S} s", file=spec) from exc
        client.register_plugin(_warm_up_plugin(distributed))
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def n_workers(client) -> int:
    """Workers connected now (at least one, or partitions would never run)."""
    count = len(client.scheduler_info().get("workers", {}))
    if count < 1:
        raise ClusterError("the Dask cluster has no workers", file=str(client.scheduler.address))
    return count


def process_with_dask(docs: Iterable[Document], client, *,
                      partition_docs: int = PARTITION_DOCS) -> Iterator[DocResult]:
    """Results of ``docs`` in input order, computed by the cluster's workers."""
    executor = client.get_executor(pure=False)
    yield from run_ordered(lambda part: executor.submit(process_partition, part),
                           chunked(iter(docs), partition_docs), n_workers(client) * IN_FLIGHT_PER_WORKER)
