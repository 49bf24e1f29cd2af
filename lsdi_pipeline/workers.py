"""CPU-bound work over many independent items, spread over the machine's cores.

Reading workbooks and writing feedback are pure Python and hold the GIL, so threads would not
help; worker processes do. They are started with `spawn` (the parent has Dagster's threads, and
a forked child could inherit a lock held by one of them). Below `PARALLEL_FROM` items, starting
workers (each imports pandas and the package) costs more than it saves, so the work runs here.
"""

from __future__ import annotations

import concurrent.futures
import logging
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool

log = logging.getLogger(__name__)

#: with fewer items than this, the work runs in the calling process
PARALLEL_FROM = 24
MAX_WORKERS = 4


def map_items(function: Callable, items: Sequence, initializer: Callable | None = None, initargs: tuple = ()) -> list:
    """`[function(item) for item in items]`, in worker processes when there are many items and several cores.

    `initializer(*initargs)` runs once in each process that does the work (this one included), for
    what every item shares. If a worker dies (killed, out of memory), the items are done here instead.
    """
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if len(items) >= PARALLEL_FROM and workers > 1:
        try:
            with concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                                        initializer=initializer, initargs=initargs) as pool:
                return list(pool.map(function, items, chunksize=max(1, min(16, len(items) // (4 * workers)))))
        except BrokenProcessPool:
            log.warning("a worker process stopped; doing the %d items in this process", len(items))
    if initializer is not None:
        initializer(*initargs)
    return [function(item) for item in items]
