"""Great Expectations in a worker process, started as a run begins so that its import overlaps the run.

Importing great_expectations 1.x takes about 4.5 s here, more than everything else a bundled
run checks. A run that validates expectations starts this worker first (see the `gx`
resource): it imports GX on the second core while the main process reads, checks and loads
the returns, then runs the same pure `expectation_outcomes` on the frames it is handed. The
worker lives as long as the process that started it, so a test session imports GX once. If
the worker cannot be used, the expectations are validated in the calling process instead.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import logging
import multiprocessing
from concurrent.futures.process import BrokenProcessPool

log = logging.getLogger(__name__)

_pool: concurrent.futures.ProcessPoolExecutor | None = None


def _import_gx() -> None:
    """Pay for the import before the frames arrive."""
    import importlib
    import os

    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    importlib.import_module("great_expectations")


def start() -> None:
    """Start the worker (once per process) and have it import GX now."""
    global _pool
    if _pool is None:
        # spawn, not fork: the parent has threads (Dagster's), and a forked child could inherit a held lock
        _pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_import_gx
        )
        _pool.submit(int)  # starts the process; its initializer imports GX
        atexit.register(_pool.shutdown, wait=False, cancel_futures=True)


def expectation_outcomes(*args, **kwargs):
    """`suites.expectation_outcomes`, in the worker when one is running."""
    global _pool
    from lsdi_pipeline.expectations import suites

    if _pool is not None:
        try:
            return _pool.submit(suites.expectation_outcomes, *args, **kwargs).result()
        except BrokenProcessPool:
            log.warning("the Great Expectations worker stopped; validating in this process")
            _pool = None
    return suites.expectation_outcomes(*args, **kwargs)
