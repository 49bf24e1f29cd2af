"""The parse cache: a file's parsed rows, reused while nothing that shaped them has changed.

Parsing is a pure function of the file's bytes, its ledger entry (id, name, when it was first
seen), the reference data it was read against and the parser's code. The cache key covers all
four, so a cached result is exactly what parsing again would give; anything else is a miss.
What parsing gives only on a busy machine (a file out of time, or its worker stopped) is never
kept (see `returns.batch`): the next run reads that file again.
The cache lives beside the warehouse it was built for and is only a speed-up: deleting it
changes nothing but the time a run takes.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path

from lsdi_pipeline.derived import set_aside
from lsdi_pipeline.fingerprint import digest
from lsdi_pipeline.returns.reading import ParsedReturn

#: how an entry's result is pickled (here, or by the worker process that parsed it)
PICKLE_PROTOCOL = 5
#: the start of every entry: a format mark and the SHA-256 of the pickle after it, so damage is found before unpickling
_MAGIC = b"lsdi-parsed-1\n"


class ParseCache:
    """Parsed returns by key, as pickles under `folder`; entries not used by a run are pruned after it.

    An entry that cannot be read back exactly as written (truncated, overwritten, another format) is set aside
    (see `derived.set_aside`), named in `set_aside`, and the file is parsed again.
    """

    def __init__(self, folder: Path, *context: object, warehouse_dir: Path | None = None) -> None:
        self.folder = folder
        self.warehouse_dir = warehouse_dir or folder.parent.parent
        self.context = digest(*context)
        self.used: set[str] = set()
        self.hits = 0
        self.set_aside: list[str] = []

    def key(self, entry: dict) -> str:
        fields = json.dumps(entry, sort_keys=True, default=str)
        return hashlib.sha256(f"{self.context}\n{fields}".encode()).hexdigest()

    def get(self, entry: dict) -> ParsedReturn | None:
        key = self.key(entry)
        self.used.add(key)
        path = self.folder / f"{key}.pickle"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            return self._damaged(path, f"it could not be read ({exc.strerror})")
        body = data[len(_MAGIC) + 32 :]
        if not data.startswith(_MAGIC) or hashlib.sha256(body).digest() != data[len(_MAGIC) : len(_MAGIC) + 32]:
            return self._damaged(path, "it is not what was written (truncated or overwritten)")
        try:
            parsed = pickle.loads(body)
        except Exception as exc:  # noqa: BLE001 — an entry written by other code: whatever it raises, it is not usable
            return self._damaged(path, f"it could not be unpickled ({type(exc).__name__})")
        if not isinstance(parsed, ParsedReturn) or not isinstance(parsed.submission, dict):
            return self._damaged(path, "it does not hold a parsed return")
        self.hits += 1
        return parsed

    def _damaged(self, path: Path, why: str) -> None:
        try:
            self.set_aside.append(set_aside(path, self.warehouse_dir, f"a parse-cache entry {why}"))
        except OSError:
            path.unlink(missing_ok=True)  # cannot even be moved: it is only a cache
        return None

    def put(self, entry: dict, parsed: ParsedReturn, pickled: bytes | None = None) -> None:
        """Keep `parsed` for `entry`; `pickled` is its pickle if it was made already (by the worker that parsed it)."""
        key = self.key(entry)
        self.used.add(key)
        self.folder.mkdir(parents=True, exist_ok=True)
        body = pickle.dumps(parsed, protocol=PICKLE_PROTOCOL) if pickled is None else pickled
        temporary = self.folder / f"{key}.pickle.tmp"
        temporary.write_bytes(_MAGIC + hashlib.sha256(body).digest() + body)
        os.replace(temporary, self.folder / f"{key}.pickle")

    def prune(self) -> int:
        """Delete what this run did not use (results for other reference data or code); return how many."""
        removed = 0
        for path in self.folder.glob("*.pickle*") if self.folder.exists() else []:
            if path.name.split(".")[0] not in self.used:
                path.unlink(missing_ok=True)
                removed += 1
        return removed
