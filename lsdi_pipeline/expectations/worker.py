"""Great Expectations in a worker process, started as a run begins so that its import overlaps the run.

Importing great_expectations 1.x takes about 4.5 s here, more than everything else a bundled
run checks. A run that validates expectations starts this worker first (see the `gx`
resource): it imports GX on the second core while the main process reads, checks and loads
the returns, and makes the run's GX context and suites (`suites.Validation`) before the
frames arrive. It then validates each family as soon as the main process has built it, so
that GX runs on one core while the next family is built on the other. The worker lives as
long as the process that started it, so a test session imports GX once. If the worker
cannot be used, the expectations are validated in the calling process instead.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import logging
import multiprocessing
from collections.abc import Iterable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from lsdi_pipeline.expectations.suites import ExpectationOutcome, Validation

log = logging.getLogger(__name__)

_pool: concurrent.futures.ProcessPoolExecutor | None = None

# In the worker process: the validation made ahead for the next run, and the run under way
_ready: Validation | None = None
_running: Validation | None = None


def _prepare() -> None:
    """Pay for the import, and for making the context and suites, before the frames arrive."""
    import os

    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    from lsdi_pipeline.expectations.suites import Validation

    global _ready
    _ready = Validation()


def _begin(data_docs_dir: Path | None) -> None:
    from lsdi_pipeline.expectations.suites import Validation

    global _ready, _running
    _running, _ready = _ready or Validation(), None
    _running.begin(data_docs_dir)


def _validate(family: str, frame: pd.DataFrame) -> None:
    _running.validate(family, frame)


def _finish() -> list[ExpectationOutcome]:
    global _running
    validation, _running = _running, None
    return validation.finish()


def start() -> None:
    """Start the worker (once per process) and have it import GX now."""
    global _pool
    if _pool is None:
        # spawn, not fork: the parent has threads (Dagster's), and a forked child could inherit a held lock
        _pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_prepare
        )
        _pool.submit(int)  # starts the process; its initializer imports GX
        atexit.register(_pool.shutdown, wait=False, cancel_futures=True)


def expectation_outcomes(
    families: Iterable[tuple[str, pd.DataFrame]], data_docs_dir: Path | None = None
) -> list[ExpectationOutcome]:
    """`suites.Validation` over `families` ((family, frame) in the order of `suites.FAMILIES`), in the worker when
    one is running: each family is validated there while the caller builds the next."""
    global _pool
    from lsdi_pipeline.expectations import suites

    given: list[tuple[str, pd.DataFrame]] = []
    if _pool is not None:
        try:
            steps = [_pool.submit(_begin, data_docs_dir)]
            for family, frame in families:
                given.append((family, frame))
                steps.append(_pool.submit(_validate, family, frame))
            steps.append(_pool.submit(_finish))
            for step in steps[:-1]:
                step.result()  # a family that could not be validated raises here, before its outcomes are read
            return steps[-1].result()
        except BrokenProcessPool:
            log.warning("the Great Expectations worker stopped; validating in this process")
            _pool = None
    return suites.expectation_outcomes([*given, *families], data_docs_dir)
