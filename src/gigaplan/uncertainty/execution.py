"""Running chunks of samples: in this process, or on a dask.distributed cluster.

``workers=N`` starts a local cluster of N single-threaded worker processes; ``scheduler=
"tcp://HOST:PORT"`` uses a running one (``dask scheduler`` and ``dask worker`` on each
machine; the command line also reads ``GIGAPLAN_SCHEDULER``). Chunks carry their own seeds (:mod:`gigaplan.uncertainty.sampling`), so the
results are the same with no cluster, one worker or many, and come back in chunk order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..errors import GigaplanError

__all__ = ["ClusterError", "map_chunks"]


class ClusterError(GigaplanError):
    """A dask cluster that cannot be reached (exit 2) or started (exit 1)."""


def map_chunks(fn: Callable, common: Any, tasks: Sequence[Any], *, workers: int | None = None,
               scheduler: str | None = None) -> list:
    """``[fn(common, task) for task in tasks]``, on a cluster when ``workers`` or
    ``scheduler`` is given (``common`` is sent to each worker once)."""
    if workers is not None and workers < 1:
        raise GigaplanError(f"workers = {workers}: expected at least 1")
    if workers is None and scheduler is None:
        return [fn(common, t) for t in tasks]
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - a dependency
        raise GigaplanError(f"dask.distributed is not installed ({exc})") from None
    import dask

    cluster = None
    try:
        if scheduler is not None:
            client = Client(scheduler, timeout="20s")
        else:
            # dask's nanny sets MALLOC_TRIM_THRESHOLD_ in its workers; any explicit glibc
            # threshold turns off glibc's dynamic mmap threshold, so every large temporary
            # array is mapped and page-faulted in afresh: a chunk of the chain ran 1.6x slower
            # in a worker than in this process. Keep dask's one-thread settings only.
            environ = {k: v for k, v in dask.config.get(
                "distributed.nanny.pre-spawn-environ", {}).items() if not k.startswith("MALLOC_")}
            with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
            client = Client(cluster)
    except (OSError, RuntimeError, TimeoutError) as exc:
        error = ClusterError(f"cannot reach the dask scheduler {scheduler}: {exc}"
                             if scheduler else f"cannot start a local dask cluster of "
                             f"{workers} workers: {exc}")
        error.exit_code = 2 if scheduler else 1  # a wrong address, or the machine
        raise error from None
    try:
        shared = client.scatter(common, broadcast=True)
        futures = [client.submit(fn, shared, t, pure=False) for t in tasks]
        return client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
