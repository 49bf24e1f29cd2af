"""Digests that say whether an output can be reused: of the package's code and of the data it was made from."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import pandas as pd

PACKAGE = Path(__file__).resolve().parent


@functools.cache
def code_version() -> str:
    """A digest of the package's source: any change to the code makes every reused output stale."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def digest(*parts: object) -> str:
    """A digest of the code version and `parts`: frames by content, anything else by its JSON text.

    The same in every process: nothing here depends on the order of a set or on string hashing.
    """
    h = hashlib.sha256(code_version().encode())
    for part in parts:
        if isinstance(part, pd.DataFrame):
            h.update(json.dumps([list(map(str, part.columns)), [str(t) for t in part.dtypes]]).encode())
            h.update(pd.util.hash_pandas_object(part, index=False).to_numpy().tobytes())
        else:
            h.update(json.dumps(part, sort_keys=True, default=_plain).encode())
    return h.hexdigest()


def _plain(value: object) -> object:
    """JSON for what json does not know: sets in sorted order, numpy scalars as numbers, the rest as text."""
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    if hasattr(value, "item"):
        return value.item()
    return str(value)


#: in a folder of generated files: what each file was made from, so an unchanged one need not be written again
DIGESTS = ".digests.json"


def read_digests(folder: Path) -> dict[str, str]:
    try:
        return json.loads((folder / DIGESTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_digests(folder: Path, digests: dict[str, str]) -> None:
    (folder / DIGESTS).write_text(json.dumps(digests, indent=0, sort_keys=True), encoding="utf-8")
