"""CPU-bound work over many independent items, spread over the machine's cores.

Reading workbooks and writing feedback are pure Python and hold the GIL, so threads would not
help; worker processes do. They are forked from the fork server (`start_sandbox`), not from this
process (the parent has Dagster's threads, and a forked child could inherit a lock held by one of
them); the server has imported pandas and the parser once, so a worker starts in milliseconds
where a spawned one took half a second. Below `PARALLEL_FROM` items, starting workers costs more
than it saves, so the work runs here.
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
        start_sandbox()
        try:
            with concurrent.futures.ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=initializer,
                initargs=initargs,
            ) as pool:
                return list(pool.map(function, items, chunksize=max(1, min(16, len(items) // (4 * workers)))))
        except BrokenProcessPool:
            log.warning("a worker process stopped; doing the %d items in this process", len(items))
    if initializer is not None:
        initializer(*initargs)
    return [function(item) for item in items]


# -- untrusted items: each under a memory limit and a timeout -------------------------------------
#: modules a sandbox worker needs, imported once in the fork server so each worker starts in milliseconds
SANDBOX_PRELOAD = ["lsdi_pipeline.returns.parse", "openpyxl", "defusedxml.ElementTree"]


def start_sandbox() -> None:
    """Start the fork server the sandbox workers come from, so that its imports overlap what a run does first.

    Returns at once; reading untrusted files later (`map_untrusted`) uses it, or starts it if this was not called.
    """
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(SANDBOX_PRELOAD)
    forkserver.ensure_running()


def map_untrusted(
    function: Callable,
    items: Sequence,
    on_failure: Callable[[object, str], object],
    memory_mib: int,
    seconds: float,
    initializer: Callable | None = None,
    initargs: tuple = (),
    transient: Callable[[object, str], object] | None = None,
) -> list:
    """`[function(item) for item in items]`, each item in a worker process that may use at most `memory_mib` MiB of
    address space more than it held before the item, for at most `seconds` of wall-clock time.

    An item that breaks a limit, or whose worker dies, becomes `on_failure(item, reason)`; the worker is replaced and
    the other items go on. Nothing an item does can cost more than its limits or take the calling process down.
    A failure that says as much about the machine as about the item (out of wall-clock time, which a busy machine
    makes likelier; its worker stopped, which the kernel's out-of-memory killer or an operator can do) becomes
    `transient(item, reason)` instead, when given: another attempt may succeed. Running out of memory is the item's
    own: the limit is counted from what the worker held.
    Workers are forked from a fork server (not from this process, whose threads may hold locks).
    """
    transient = transient or on_failure
    if not items:
        return []
    import pebble

    start_sandbox()
    context = multiprocessing.get_context("forkserver")
    workers = max(1, min(os.cpu_count() or 1, MAX_WORKERS, len(items)))
    results = []
    with pebble.ProcessPool(workers, initializer=initializer, initargs=initargs, context=context) as pool:
        futures = [pool.schedule(_limited, (function, item, memory_mib), timeout=seconds) for item in items]
        for item, future in zip(items, futures):
            try:
                results.append(future.result())
            except concurrent.futures.TimeoutError:
                results.append(transient(item, f"reading it took longer than {seconds:g} s, the limit for one file"))
            except MemoryError:
                results.append(
                    on_failure(item, f"reading it needed more than the {memory_mib:,} MiB of memory one file may use")
                )
            except pebble.ProcessExpired as died:
                cause = (
                    f"signal {-died.exitcode}" if died.exitcode and died.exitcode < 0 else f"exit code {died.exitcode}"
                )
                results.append(
                    transient(
                        item,
                        f"the process reading it stopped ({cause}); a file needing more than the "
                        f"{memory_mib:,} MiB of memory one file may use stops it",
                    )
                )
            except (
                BrokenProcessPool
            ) as exc:  # no worker could start: the machine's fault, not the item's; nothing is recorded
                raise RuntimeError(
                    f"the worker processes that read untrusted files could not start ({exc}); "
                    "no file was read or rejected"
                ) from exc
            except Exception as exc:  # noqa: BLE001 — whatever the item raised is that item's failure, not the run's
                log.warning("an untrusted item failed in its worker: %s: %s", type(exc).__name__, exc)
                results.append(on_failure(item, f"reading it failed ({type(exc).__name__})"))
    return results


def _limited(function: Callable, item, memory_mib: int):
    """Run one item with the address space capped at what the worker holds now plus `memory_mib`."""
    import resource

    with open("/proc/self/statm") as f:
        held = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (held + memory_mib * 1024 * 1024, hard))
    try:
        return function(item)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
