"""What the pipeline derives from the archive is never trusted: what cannot be read is set aside and rebuilt.

The parse cache, the intermediate frames of the last run and the published warehouse can all be
built again from the archive, so a damaged one must never stop a run: it is moved into
`<warehouse>/set-aside/` under the time it was found (never deleted: someone may want to see
what happened to it), named in the run's log, the asset's metadata and the run summary, and the
run rebuilds it. The archive and its ledger are the exception: they cannot be rebuilt, so
damage there is an error that names the file (see `returns/archive.py`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

SET_ASIDE_DIR = "set-aside"


def set_aside(path: Path, warehouse_dir: Path, why: str, keep_name: bool = False) -> str:
    """Move `path` (inside the warehouse directory) into set-aside/; return its new name relative to the warehouse.

    `keep_name` links it there instead, leaving the name in place for whoever replaces the file (the publish step,
    so that there is never a moment without a published file, not even a damaged one).
    """
    folder = warehouse_dir / SET_ASIDE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    relative = path.relative_to(warehouse_dir).as_posix().lstrip(".").replace("/", "_")
    target = folder / f"{stamp}-{relative}"
    (os.link if keep_name else os.replace)(path, target)
    name = target.relative_to(warehouse_dir).as_posix()
    log.warning("set aside %s as %s: %s; it is rebuilt from the archive", path.name, name, why)
    return name


def set_aside_files(warehouse_dir: Path) -> list[str]:
    """What has been set aside so far (relative to the warehouse directory), oldest first."""
    folder = warehouse_dir / SET_ASIDE_DIR
    return sorted(p.relative_to(warehouse_dir).as_posix() for p in folder.iterdir()) if folder.is_dir() else []


def looks_whole(path: Path) -> bool:
    """A pickle as `pickle.dump` leaves it, judged from its ends: protocol 2–5 at the start, STOP at the end.

    Cheap enough to run on every intermediate frame at the start of every run; a truncated, emptied or
    overwritten file fails it. (A flipped bit inside the data does not: unpickling is the only full test.)
    """
    try:
        with open(path, "rb") as f:
            head = f.read(2)
            f.seek(-1, os.SEEK_END)
            tail = f.read(1)
    except OSError:
        return False
    return len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5 and tail == b"."


def sweep_intermediates(folder: Path, warehouse_dir: Path) -> list[str]:
    """Set aside every intermediate frame that is not whole; the run builds them again (or a full run does)."""
    if not folder.is_dir():
        return []
    return [
        set_aside(path, warehouse_dir, "an output of an earlier run is damaged")
        for path in sorted(folder.iterdir())
        if path.is_file() and not looks_whole(path)
    ]
