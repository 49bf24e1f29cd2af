"""The pipeline's own archive of every file received, named by SHA-256.

The ledger records each (path, content) pair the first time it is seen, with that moment as
`received_at`; a file later overwritten in place is a new entry and the old bytes stay in the
archive. The returns folder itself is never modified. Re-running over the same folder adds
nothing, so the warehouse built from the archive is the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

LEDGER_COLUMNS = ["submission_id", "original_path", "file_name", "file_sha256", "size_bytes", "received_at", "archive_path"]


class Ledger(pa.DataFrameModel):
    """Every (path, content) pair ever seen in the returns folder, in the order first seen."""

    submission_id: int = pa.Field(unique=True, ge=1, description="Identifier, in the order files were first seen.")
    original_path: str = pa.Field(description="Path under the returns folder when first seen.")
    file_name: str = pa.Field(description="File name as received.")
    file_sha256: str = pa.Field(str_matches=r"^[0-9a-f]{64}$", description="SHA-256 of the bytes.")
    size_bytes: int = pa.Field(ge=0, description="Size of the file.")
    received_at: pd.Timestamp = pa.Field(description="When the file was first seen (UTC).")
    archive_path: str = pa.Field(description="The archive copy, relative to the warehouse directory.")

    class Config:
        strict = True
        ordered = True


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def return_files(returns_dir: Path) -> list[Path]:
    """Every file under the returns folder that a borough may have sent (not hidden or Office lock files)."""
    if not returns_dir.exists():
        return []
    return sorted(p for p in returns_dir.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(returns_dir).parts)
                  and not p.name.startswith("~$"))


def read_ledger(archive_dir: Path) -> pd.DataFrame:
    path = archive_dir / "ledger.csv"
    if not path.exists():
        return pd.DataFrame(columns=LEDGER_COLUMNS)
    ledger = pd.read_csv(path, dtype={"original_path": str, "file_name": str, "file_sha256": str, "archive_path": str},
                         keep_default_na=False)
    ledger["received_at"] = pd.to_datetime(ledger["received_at"])
    return ledger


def archive_returns(returns_dir: Path, archive_dir: Path, now: dt.datetime | None = None) -> tuple[pd.DataFrame, int]:
    """Copy every new or changed file into the archive and record it; return the whole ledger and how many were new.

    The caller holds the warehouse lock, so the ledger has one writer at a time.
    """
    now = (now or dt.datetime.now(dt.timezone.utc)).replace(tzinfo=None, microsecond=0)
    ledger = read_ledger(archive_dir)
    known = set(zip(ledger["original_path"], ledger["file_sha256"]))
    next_id = int(ledger["submission_id"].max()) + 1 if len(ledger) else 1
    new_rows = []
    files_dir = archive_dir / "files"
    for path in return_files(returns_dir):
        relative = path.relative_to(returns_dir).as_posix()
        sha = file_sha256(path)
        if (relative, sha) in known:
            continue
        known.add((relative, sha))
        files_dir.mkdir(parents=True, exist_ok=True)
        stored = files_dir / f"{sha}{path.suffix.lower()}"
        if not stored.exists():
            partial = stored.with_name(stored.name + ".partial")
            shutil.copyfile(path, partial)
            if file_sha256(partial) != sha:  # the file changed while being copied: pick it up next time
                partial.unlink()
                continue
            os.replace(partial, stored)
        new_rows.append({"submission_id": next_id, "original_path": relative, "file_name": path.name, "file_sha256": sha,
                         "size_bytes": path.stat().st_size, "received_at": now,
                         "archive_path": stored.relative_to(archive_dir.parent).as_posix()})
        next_id += 1
    if new_rows:
        ledger = pd.concat([ledger, pd.DataFrame(new_rows)], ignore_index=True) if len(ledger) else pd.DataFrame(new_rows)
        archive_dir.mkdir(parents=True, exist_ok=True)
        temporary = archive_dir / "ledger.csv.tmp"
        ledger[LEDGER_COLUMNS].to_csv(temporary, index=False, date_format="%Y-%m-%d %H:%M:%S")
        os.replace(temporary, archive_dir / "ledger.csv")
    ledger["received_at"] = pd.to_datetime(ledger["received_at"])
    ledger = ledger[LEDGER_COLUMNS].reset_index(drop=True).astype({"submission_id": "int64", "size_bytes": "int64"})
    return Ledger.validate(ledger), len(new_rows)
