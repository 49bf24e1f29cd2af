"""The pipeline's own archive of every file received, named by SHA-256.

The ledger records each (path, content) pair the first time it is seen, with that moment as
`received_at`; a file later overwritten in place is a new entry and the old bytes stay in the
archive. The returns folder itself is never modified. Re-running over the same folder adds
nothing, so the warehouse built from the archive is the same.

The archive and its ledger are the only things the pipeline cannot rebuild, and anyone who can
put something in the returns folder decides what is there: so nothing in it is trusted. Only
regular files are read, never through a link; links, FIFOs, sockets and devices are recorded
(not followed) so that the run shows them as rejected submissions; any file name, whatever
characters or bytes it holds, is written to the ledger so that it reads back the same; and a
ledger that does not read back exactly is an error a person must look at, never rebuilt.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import functools
import hashlib
import logging
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import NamedTuple

import pandas as pd
import pandera.pandas as pa

log = logging.getLogger(__name__)

LEDGER_FILE = "ledger.csv"
LEDGER_COLUMNS = [
    "submission_id",
    "original_path",
    "file_name",
    "file_sha256",
    "size_bytes",
    "received_at",
    "archive_path",
    "kind",
]
#: the columns of a ledger written before `kind` existed: every entry in it is a file
OLD_LEDGER_COLUMNS = LEDGER_COLUMNS[:-1]
KINDS = ("file", "symlink", "fifo", "socket", "device", "other")
RECEIVED_AT_FORMAT = "%Y-%m-%d %H:%M:%S"
CHUNK_BYTES = 1 << 20
#: the archive copy keeps a suffix like this (lower-cased); any other suffix is dropped
ARCHIVE_SUFFIX = re.compile(r"\.[a-z0-9]{1,9}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_DIGITS = re.compile(r"[0-9]+")
_RECEIVED_AT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


class LedgerError(Exception):
    """The ledger cannot be read as written: it must be repaired by hand, since nothing else records what arrived
    when."""


class Ledger(pa.DataFrameModel):
    """Every (path, content) pair ever seen in the returns folder, in the order first seen."""

    submission_id: int = pa.Field(unique=True, ge=1, description="Identifier, in the order files were first seen.")
    original_path: str = pa.Field(description="Path under the returns folder when first seen.")
    file_name: str = pa.Field(description="File name as received.")
    file_sha256: str = pa.Field(
        str_matches=r"^[0-9a-f]{64}$",
        description="SHA-256 of the bytes; for an entry that is not a file, of its description.",
    )
    size_bytes: int = pa.Field(ge=0, description="Size of the file (0 for an entry that is not a file).")
    received_at: pd.Timestamp = pa.Field(description="When the file was first seen (UTC).")
    archive_path: str = pa.Field(
        nullable=True,
        description="The archive copy, relative to the warehouse directory; "
        "none for an entry that is not a file (nothing was copied).",
    )
    kind: str = pa.Field(
        isin=KINDS,
        description="What the entry was: a regular file, or a link, FIFO, socket or device "
        "that was recorded but never followed or read.",
    )

    class Config:
        strict = True
        ordered = True


class Entry(NamedTuple):
    """A name in the returns folder and what it is, as `lstat` saw it (a link is not followed)."""

    path: Path
    kind: str


def entry_kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "other"


def return_entries(returns_dir: Path) -> list[Entry]:
    """Every name under the returns folder that a borough may have sent (not hidden or Office lock files), with its
    kind.

    No link inside the folder is followed, not even one to a directory: it is an entry like any other.
    """
    if not returns_dir.is_dir():
        return []
    return sorted(_scan(returns_dir, returns_dir))


def _scan(folder: Path, returns_dir: Path) -> Iterator[Entry]:
    try:
        with os.scandir(folder) as listing:
            found = list(listing)
    except OSError as exc:  # a folder removed or made unreadable while being listed: the rest is still read
        log.warning(
            "skipped the folder %r of the returns for this run: %s",
            folder.relative_to(returns_dir).as_posix(),
            exc.strerror,
        )
        return
    for item in found:
        if item.name.startswith("."):
            continue
        path = folder / item.name
        try:
            mode = item.stat(follow_symlinks=False).st_mode
        except OSError:  # gone since the listing
            continue
        if stat.S_ISDIR(mode):
            yield from _scan(path, returns_dir)
        elif not item.name.startswith("~$"):
            yield Entry(path, entry_kind(mode))


def regular_files_in(returns_dir: Path) -> list[Path]:
    """The regular files among the returns (what may be read): links and special files are left out, not followed."""
    return [entry.path for entry in return_entries(returns_dir) if entry.kind == "file"]


def open_regular_file(path: Path) -> int:
    """A read-only descriptor of `path`, only if it is a regular file when opened.

    O_NOFOLLOW refuses a link and O_NONBLOCK keeps a FIFO from blocking the open, so a name swapped
    for either since it was listed is refused here (OSError), not read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file")
    return fd


def file_sha256(path: Path) -> str:
    """The SHA-256 of a regular file's bytes (OSError for anything else, or a file that is gone)."""
    digest = hashlib.sha256()
    with os.fdopen(open_regular_file(path), "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def archive_name(sha: str, file_name: str) -> str:
    """The archive copy's name: the SHA-256 and the file's suffix when it is a plain one, so no name carries odd
    characters."""
    suffix = os.path.splitext(file_name)[1].lower()
    return f"{sha}{suffix}" if ARCHIVE_SUFFIX.fullmatch(suffix) else sha


def archive_file(fd: int, file_name: str, files_dir: Path) -> tuple[str, int, Path]:
    """Copy the regular file open as `fd` (closed here) into the archive and return its SHA-256, size and archive copy.

    The bytes are hashed as they are copied, in one pass over the one descriptor, so the copy is
    exactly what was hashed however the file changes meanwhile. The copy is made durable before
    it takes its name; when that name exists the bytes are archived already and the copy is dropped.
    """
    files_dir.mkdir(parents=True, exist_ok=True)
    partial = files_dir / "incoming.partial"  # one writer at a time (the warehouse lock): a fixed name leaves no litter
    digest, size = hashlib.sha256(), 0
    with os.fdopen(fd, "rb") as source, open(partial, "wb") as copy:
        for chunk in iter(lambda: source.read(CHUNK_BYTES), b""):
            digest.update(chunk)
            copy.write(chunk)
            size += len(chunk)
        sha = digest.hexdigest()
        stored = files_dir / archive_name(sha, file_name)
        if not stored.exists():
            copy.flush()
            os.fsync(copy.fileno())
    if stored.exists():
        partial.unlink()
    else:
        os.replace(partial, stored)
        _fsync_directory(files_dir)
    return sha, size, stored


def describe_entry(entry: Entry) -> bytes:
    """What stands for an entry that is not a file, read without going through it: its kind, and a link's target.

    Its SHA-256 keys the entry in the ledger, so an unchanged link is recorded once, and a link
    pointed elsewhere is a new entry. `readlink` reads the link itself, never what it points to.
    """
    if entry.kind == "symlink":
        return b"symlink\n" + os.fsencode(os.readlink(entry.path))
    return f"{entry.kind}\n".encode()


def _fsync_directory(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _ledger_frame(records: list[dict]) -> pd.DataFrame:
    """The ledger's records as the frame `Ledger` describes (int64 ids and sizes, datetime64 received_at)."""
    frame = pd.DataFrame.from_records(records, columns=LEDGER_COLUMNS)
    return frame.astype(
        {
            "submission_id": "int64",
            "size_bytes": "int64",
            "original_path": object,
            "file_name": object,
            "file_sha256": object,
            "archive_path": object,
            "kind": object,
        }
    ).assign(received_at=pd.to_datetime(frame["received_at"]))


def _ledger_name(archive_dir: Path) -> str:
    """The ledger as named in messages: relative to the warehouse directory, as the archive paths in it are."""
    return f"{archive_dir.name}/{LEDGER_FILE}"


def read_ledger_records(archive_dir: Path) -> list[dict]:
    """The ledger's entries as written, each checked; raise LedgerError at the first that is not.

    Reads this ledger and the older one without `kind` (all files), quoted minimally or fully.
    """
    path = archive_dir / LEDGER_FILE
    if not path.exists():
        return []
    name = _ledger_name(archive_dir)

    def error(line: int, what: str) -> LedgerError:
        return LedgerError(
            f"{name} line {line}: {what}. The ledger cannot be rebuilt (it alone records which files "
            f"arrived and when): repair it by hand and run again; the archived files are untouched"
        )

    records, ids = [], set()
    # lines end at "\n" only, as written, so the line numbers are an editor's; a CR in a quoted name stays in the name
    with open(path, encoding="utf-8", errors="surrogateescape", newline="\n") as f:
        reader = csv.reader(f, strict=True)
        try:
            rows = _csv_records(reader)
            _, header = next(rows, (1, None))
            if header not in (LEDGER_COLUMNS, OLD_LEDGER_COLUMNS):
                raise error(
                    1,
                    f"the header is {_shown(','.join(header))}, not {','.join(LEDGER_COLUMNS)}"
                    if header
                    else "the file is empty, without even its header",
                )
            for line, row in rows:
                if len(row) != len(header):
                    raise error(line, f"{len(row)} fields where the header has {len(header)}")
                record = _ledger_record(dict(zip(header, row)), functools.partial(error, line))
                if record["submission_id"] in ids:
                    raise error(line, f"submission_id {record['submission_id']} appears twice")
                ids.add(record["submission_id"])
                records.append(record)
        except csv.Error as exc:
            raise error(reader.line_num, f"not readable as CSV ({exc})") from None
    return records


def _csv_records(reader) -> Iterator[tuple[int, list[str]]]:
    """Each record `reader` reads, with the line it starts on (a quoted field may span lines)."""
    while True:
        line = reader.line_num + 1
        row = next(reader, None)
        if row is None:
            return
        yield line, row


def _ledger_record(fields: dict[str, str], error) -> dict:
    """One ledger row as typed values, checked as strictly as it was written."""
    if any("\0" in value for value in fields.values()):
        raise error("a field holds a NUL character, which no file name can")
    kind = fields.get("kind", "file")
    if kind not in KINDS:
        raise error(f"kind is {_shown(kind)}, not one of {', '.join(KINDS)}")
    for column in ("submission_id", "size_bytes"):
        if not _DIGITS.fullmatch(fields[column]):
            raise error(f"{column} is {_shown(fields[column])}, not a whole number")
    if int(fields["submission_id"]) < 1:
        raise error("submission_id is 0; they start at 1")
    if not _SHA256.fullmatch(fields["file_sha256"]):
        raise error(f"file_sha256 is {_shown(fields['file_sha256'])}, not 64 lower-case hexadecimal digits")
    if not fields["original_path"] or not fields["file_name"]:
        raise error("original_path or file_name is empty")
    received_at = _received_at(fields["received_at"])
    if received_at is None:
        raise error(f"received_at is {_shown(fields['received_at'])}, not a time written YYYY-MM-DD HH:MM:SS")
    archive_path = fields["archive_path"]
    if kind == "file" and not _is_archive_copy(archive_path, fields["file_sha256"]):
        raise error(f"archive_path is {_shown(archive_path)}, not a copy under the archive named by its file_sha256")
    if kind != "file" and archive_path:
        raise error(f"archive_path is {_shown(archive_path)} for a {kind}, which is never copied")
    return {
        "submission_id": int(fields["submission_id"]),
        "original_path": fields["original_path"],
        "file_name": fields["file_name"],
        "file_sha256": fields["file_sha256"],
        "size_bytes": int(fields["size_bytes"]),
        "received_at": received_at,
        "archive_path": archive_path or None,
        "kind": kind,
    }


def _received_at(text: str) -> dt.datetime | None:
    if not _RECEIVED_AT.fullmatch(text):
        return None
    try:
        return dt.datetime.strptime(text, RECEIVED_AT_FORMAT)
    except ValueError:
        return None


def _is_archive_copy(archive_path: str, sha: str) -> bool:
    """Whether `archive_path` names a copy inside the warehouse directory whose name starts with the bytes' SHA-256."""
    relative = PurePosixPath(archive_path)
    return (
        bool(archive_path)
        and not relative.is_absolute()
        and ".." not in relative.parts
        and relative.name.startswith(sha)
    )


def _shown(value: str, limit: int = 80) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "…")


def read_ledger(archive_dir: Path) -> pd.DataFrame:
    """The whole ledger as a frame (empty when nothing has been archived); LedgerError when it is damaged."""
    return _ledger_frame(read_ledger_records(archive_dir))


def write_ledger(archive_dir: Path, records: list[dict]) -> None:
    """Replace the ledger atomically and durably, every field quoted, so that any file name reads back the same.

    Names that are not valid UTF-8 are written as their bytes (surrogateescape), as they came from the folder.
    """
    archive_dir.mkdir(parents=True, exist_ok=True)
    temporary = archive_dir / f"{LEDGER_FILE}.tmp"
    with open(temporary, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(LEDGER_COLUMNS)
        for r in records:
            writer.writerow(
                [
                    r["submission_id"],
                    r["original_path"],
                    r["file_name"],
                    r["file_sha256"],
                    r["size_bytes"],
                    pd.Timestamp(r["received_at"]).strftime(RECEIVED_AT_FORMAT),
                    r["archive_path"] or "",
                    r["kind"],
                ]
            )
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, archive_dir / LEDGER_FILE)
    _fsync_directory(archive_dir)


def archive_entry(entry: Entry, returns_dir: Path, archive_dir: Path) -> dict | None:
    """The ledger fields of an entry as it is now (all but id and time), a file's bytes archived on the way.

    None, and a warning naming the path under the returns folder, when the entry is gone, unreadable
    or no longer what the listing saw: the next run records what is there then. A failure writing
    the archive is not skipped: it fails the run.
    """
    relative = entry.path.relative_to(returns_dir).as_posix()
    try:
        if entry.kind != "file":
            return {
                "original_path": relative,
                "file_name": entry.path.name,
                "size_bytes": 0,
                "archive_path": None,
                "file_sha256": hashlib.sha256(describe_entry(entry)).hexdigest(),
                "kind": entry.kind,
            }
        fd = open_regular_file(entry.path)
    except OSError as exc:
        log.warning("skipped %r in the returns folder for this run: %s", relative, exc.strerror or type(exc).__name__)
        return None
    sha, size, stored = archive_file(fd, entry.path.name, archive_dir / "files")
    return {
        "original_path": relative,
        "file_name": entry.path.name,
        "size_bytes": size,
        "file_sha256": sha,
        "archive_path": stored.relative_to(archive_dir.parent).as_posix(),
        "kind": entry.kind,
    }


def archive_returns(returns_dir: Path, archive_dir: Path, now: dt.datetime | None = None) -> tuple[pd.DataFrame, int]:
    """Copy every new or changed file into the archive and record it, and record every new link or special file
    without following it; return the whole ledger and how many entries were new.

    The caller holds the warehouse lock, so the ledger has one writer at a time.
    """
    now = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None, microsecond=0)
    records = read_ledger_records(archive_dir)
    known = {(r["original_path"], r["file_sha256"]) for r in records}
    next_id = max((r["submission_id"] for r in records), default=0) + 1
    new = 0
    for entry in return_entries(returns_dir):
        fields = archive_entry(entry, returns_dir, archive_dir)
        if fields is None or (fields["original_path"], fields["file_sha256"]) in known:
            continue
        known.add((fields["original_path"], fields["file_sha256"]))
        records.append({"submission_id": next_id, **fields, "received_at": now})
        next_id += 1
        new += 1
    if new:
        write_ledger(archive_dir, records)
    return Ledger.validate(_ledger_frame(records)), new
