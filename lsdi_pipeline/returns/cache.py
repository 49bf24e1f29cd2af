"""The parse cache: a file's parsed rows, reused while nothing that shaped them has changed.

Parsing is a pure function of the file's bytes, its ledger entry (id, name, when it was first
seen), the reference data it was read against and the parser's code. The cache key covers all
four, so a cached result is exactly what parsing again would give; anything else is a miss.
The cache lives beside the warehouse it was built for and is only a speed-up: deleting it
changes nothing but the time a run takes.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path

from lsdi_pipeline.fingerprint import digest
from lsdi_pipeline.returns.parse import ParsedReturn


class ParseCache:
    """Parsed returns by key, as pickles under `folder`; entries not used by a run are pruned after it."""

    def __init__(self, folder: Path, *context: object) -> None:
        self.folder = folder
        self.context = digest(*context)
        self.used: set[str] = set()
        self.hits = 0

    def key(self, entry: dict) -> str:
        fields = json.dumps(entry, sort_keys=True, default=str)
        return hashlib.sha256(f"{self.context}\n{fields}".encode()).hexdigest()

    def get(self, entry: dict) -> ParsedReturn | None:
        key = self.key(entry)
        self.used.add(key)
        try:
            with open(self.folder / f"{key}.pickle", "rb") as f:
                parsed = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None
        self.hits += 1
        return parsed if isinstance(parsed, ParsedReturn) else None

    def put(self, entry: dict, parsed: ParsedReturn) -> None:
        key = self.key(entry)
        self.used.add(key)
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f"{key}.pickle.tmp"
        with open(temporary, "wb") as f:
            pickle.dump(parsed, f, protocol=5)
        os.replace(temporary, self.folder / f"{key}.pickle")

    def prune(self) -> int:
        """Delete what this run did not use (results for other reference data or code); return how many."""
        removed = 0
        for path in self.folder.glob("*.pickle*") if self.folder.exists() else []:
            if path.name.split(".")[0] not in self.used:
                path.unlink(missing_ok=True)
                removed += 1
        return removed
