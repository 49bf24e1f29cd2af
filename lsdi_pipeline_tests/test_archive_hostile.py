"""The archive and its ledger against whatever can be put in the returns folder: odd file names,
links, pipes and sockets, files that vanish while being read, and a damaged ledger."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import os
import signal
import socket
import stat
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from lsdi_pipeline import codes
from lsdi_pipeline.resources import LsdiPaths
from lsdi_pipeline.returns.archive import (
    LEDGER_COLUMNS,
    OLD_LEDGER_COLUMNS,
    Entry,
    LedgerError,
    archive_entry,
    archive_name,
    archive_returns,
    entry_kind,
    file_sha256,
    read_ledger,
    regular_files_in,
    return_entries,
)
from lsdi_pipeline.sensors import scan
from lsdi_pipeline.warehouse.store import WAREHOUSE_FILE
from lsdi_pipeline_tests.pipeline import copy_bundled_raw, lsdi_run_ok, query, table

NOW = dt.datetime(2008, 4, 4, 10, 0, 0)
PASSWD = Path("/etc/passwd")
HOSTILE_NAMES = {
    "carriage return": "barnet\rreturn.csv",
    "newline": "barnet\nreturn.csv",
    "crlf": "barnet\r\nreturn.csv",
    "quote": 'barnet "final".csv',
    "comma": "barnet, brent.csv",
    "tab": "barnet\treturn.csv",
    "formula": '=HYPERLINK("x").csv',
    "long": "b" * 196 + ".csv",
    "not utf-8": os.fsdecode(b"bad\xff\xfe.csv"),
    "control characters": "a\x01\x1b[31m\x7f.csv",
    "carriage return in the suffix": "barnet.csv\r",
}


@pytest.fixture()
def returns(tmp_path) -> Path:
    folder = tmp_path / "raw" / "returns"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture()
def archive(tmp_path) -> Path:
    return tmp_path / "warehouse" / "archive"


@pytest.fixture()
def no_hang():
    """Fail, rather than hang, a test that blocks (opening a FIFO without O_NONBLOCK would)."""

    def timed_out(signum, frame):
        raise TimeoutError("blocked for 20 s")

    previous = signal.signal(signal.SIGALRM, timed_out)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def write(path: Path, data: bytes = b"borough_code\nE09000003\n") -> Path:
    path.write_bytes(data)
    return path


def ledger_bytes(archive: Path) -> bytes:
    return (archive / "ledger.csv").read_bytes()


def archived_copies(archive: Path) -> list[Path]:
    folder = archive / "files"
    return sorted(folder.iterdir()) if folder.exists() else []


# ---------------------------------------------------------------------------------------------
# Any file name round-trips through the ledger
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_a_hostile_file_name_is_archived_and_reads_back_the_same_on_every_later_run(returns, archive, name):
    write(returns / name, name.encode("utf-8", "surrogateescape"))
    ledger, new = archive_returns(returns, archive, now=NOW)
    assert new == 1 and ledger["file_name"].tolist() == [name] and ledger["original_path"].tolist() == [name]
    assert read_ledger(archive).equals(ledger)
    (copy,) = archived_copies(archive)
    assert copy.read_bytes() == name.encode("utf-8", "surrogateescape")
    assert all(c.isalnum() or c == "." for c in copy.name)  # no control character reaches the archive's names
    (returns / name).unlink()  # the entry outlives the file: the ledger must still read
    again, new = archive_returns(returns, archive)
    assert new == 0 and again.equals(ledger)


def test_all_hostile_names_together_read_back_in_order_and_a_rerun_adds_nothing(returns, archive):
    for i, name in enumerate(HOSTILE_NAMES.values()):
        write(returns / name, f"file {i}".encode())
    ledger, new = archive_returns(returns, archive, now=NOW)
    assert new == len(HOSTILE_NAMES) and sorted(ledger["file_name"]) == sorted(HOSTILE_NAMES.values())
    assert ledger["submission_id"].tolist() == list(range(1, len(HOSTILE_NAMES) + 1))
    written = ledger_bytes(archive)
    with open(archive / "ledger.csv", encoding="utf-8", errors="surrogateescape", newline="") as f:
        rows = list(csv.reader(f))
    assert (
        rows[0] == LEDGER_COLUMNS
        and len(rows) == len(HOSTILE_NAMES) + 1
        and all(len(r) == len(LEDGER_COLUMNS) for r in rows)
    )
    every_field_quoted = io.StringIO(newline="")
    csv.writer(every_field_quoted, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    assert written == every_field_quoted.getvalue().encode("utf-8", "surrogateescape")
    again, new = archive_returns(returns, archive, now=NOW + dt.timedelta(days=1))
    assert new == 0 and again.equals(ledger) and ledger_bytes(archive) == written  # not even rewritten


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        ("return.xlsx", ".xlsx"),
        ("RETURN.CSV", ".csv"),
        ("a.tar.gz", ".gz"),
        ("no suffix", ""),
        ("trailing dot.", ""),
        ("barnet.csv\r", ""),
        ("barnet.c\nsv", ""),
        ("x.abcdefghijk", ""),
        ("x.abcdefghi", ".abcdefghi"),
        ("x.çsv", ""),
        ("x.cs v", ""),
        (os.fsdecode(b"x.\xff"), ""),
    ],
)
def test_the_archive_copy_keeps_only_a_plain_suffix(name, suffix):
    sha = "0" * 64
    assert archive_name(sha, name) == sha + suffix


# ---------------------------------------------------------------------------------------------
# Only regular files are read: links and special files are recorded, never followed
# ---------------------------------------------------------------------------------------------


def test_links_pipes_and_sockets_are_recorded_but_never_followed_or_read(returns, archive, tmp_path, no_hang):
    real = write(returns / "brent.csv")
    outside = tmp_path / "outside"
    outside.mkdir()
    write(outside / "secret.csv", b"borough_code\nSECRET\n")
    links = {
        "inside.csv": real,
        "passwd.csv": PASSWD,
        "folder": outside,
        "dangling.csv": tmp_path / "nothing here",
        "relative.csv": Path("../../outside/secret.csv"),
    }
    for name, target in links.items():
        (returns / name).symlink_to(target)
    os.mkfifo(returns / "pipe.csv")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(returns / "socket.csv"))
    try:
        ledger, new = archive_returns(returns, archive, now=NOW)
        assert new == len(links) + 3
        kinds = dict(zip(ledger["original_path"], ledger["kind"]))
        assert kinds == {
            "brent.csv": "file",
            **{name: "symlink" for name in links},
            "pipe.csv": "fifo",
            "socket.csv": "socket",
        }
        others = ledger[ledger["kind"] != "file"]
        assert others["archive_path"].isna().all() and (others["size_bytes"] == 0).all()
        link_sha = dict(zip(ledger["original_path"], ledger["file_sha256"]))
        for name, target in links.items():
            assert link_sha[name] == hashlib.sha256(b"symlink\n" + os.fsencode(str(target))).hexdigest()
        assert link_sha["pipe.csv"] == hashlib.sha256(b"fifo\n").hexdigest()
        assert [p.name for p in archived_copies(archive)] == [
            f"{file_sha256(real)}.csv"
        ]  # only the regular file's bytes
        assert read_ledger(archive).equals(ledger)
        assert archive_returns(returns, archive)[1] == 0  # unchanged links are not recorded again
        (returns / "inside.csv").unlink()
        (returns / "inside.csv").symlink_to(PASSWD)  # pointed elsewhere: a new entry
        ledger, new = archive_returns(returns, archive)
        assert new == 1 and ledger["original_path"].tolist().count("inside.csv") == 2
    finally:
        server.close()
    assert regular_files_in(returns) == [real]  # what the sensor lists and hashes: the regular file only


def test_a_device_is_recorded_not_opened(returns, archive):
    try:
        os.mknod(returns / "null.csv", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device file needs CAP_MKNOD")
    ledger, new = archive_returns(returns, archive, now=NOW)
    assert new == 1 and ledger["kind"].tolist() == ["device"] and ledger["archive_path"].isna().all()


@pytest.mark.parametrize(
    ("mode", "kind"),
    [
        (stat.S_IFREG, "file"),
        (stat.S_IFLNK, "symlink"),
        (stat.S_IFIFO, "fifo"),
        (stat.S_IFSOCK, "socket"),
        (stat.S_IFCHR, "device"),
        (stat.S_IFBLK, "device"),
        (stat.S_IFDIR, "other"),
    ],
)
def test_each_kind_of_entry_is_named(mode, kind):
    assert entry_kind(mode | 0o644) == kind


def test_hidden_files_hidden_folders_and_office_lock_files_are_left_out_without_following_links(returns):
    write(returns / "brent.csv")
    write(returns / ".DS_Store")
    write(returns / "~$brent.xlsx")
    (returns / ".git").mkdir()
    write(returns / ".git" / "config")
    (returns / "resent").mkdir()
    write(returns / "resent" / "barnet.csv")
    (returns / "etc").symlink_to("/etc")  # a link to a folder is an entry, not a folder to walk into
    assert return_entries(returns) == [
        Entry(returns / "brent.csv", "file"),
        Entry(returns / "etc", "symlink"),
        Entry(returns / "resent" / "barnet.csv", "file"),
    ]


def test_the_sensor_lists_and_hashes_regular_files_only(tmp_path, returns, no_hang):
    write(returns / "brent.csv")
    (returns / "passwd.csv").symlink_to(PASSWD)
    os.mkfifo(returns / "pipe.csv")
    paths = LsdiPaths(raw_dir=str(tmp_path / "raw"), warehouse_dir=str(tmp_path / "warehouse"))
    ready, cursor = scan(paths, None)
    ready, cursor = scan(paths, cursor)  # the size held still: hashed now
    assert [path for path, _ in ready] == ["brent.csv"]


# ---------------------------------------------------------------------------------------------
# An entry that changes between the listing and the reading
# ---------------------------------------------------------------------------------------------


def swapped_for_a_link(path: Path) -> None:
    path.unlink()
    path.symlink_to(PASSWD)


def swapped_for_a_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def swapped_for_a_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


@pytest.mark.parametrize(
    "change",
    [Path.unlink, swapped_for_a_link, swapped_for_a_fifo, swapped_for_a_folder],
    ids=["deleted", "link", "fifo", "folder"],
)
def test_a_file_gone_or_swapped_after_the_listing_is_skipped_for_this_run(returns, archive, caplog, change, no_hang):
    path = write(returns / "brent.csv")
    (entry,) = return_entries(returns)
    assert entry.kind == "file"
    change(path)
    with caplog.at_level(logging.WARNING, logger="lsdi_pipeline.returns.archive"):
        assert archive_entry(entry, returns, archive) is None
    assert (
        "'brent.csv'" in caplog.text and str(returns) not in caplog.text
    )  # the path under the folder, never the full path
    assert archived_copies(archive) == []  # nothing was copied, not even in part


def test_a_link_swapped_in_for_a_listed_file_is_recorded_as_a_link_on_the_next_run(returns, archive):
    path = write(returns / "brent.csv")
    archive_returns(returns, archive, now=NOW)
    swapped_for_a_link(path)
    ledger, new = archive_returns(returns, archive, now=NOW)
    assert new == 1 and ledger["kind"].tolist() == ["file", "symlink"]
    assert all(b"root:" not in p.read_bytes() for p in archived_copies(archive))


def test_file_sha256_refuses_what_is_not_a_regular_file(returns, no_hang):
    (returns / "passwd.csv").symlink_to(PASSWD)
    os.mkfifo(returns / "pipe.csv")
    for name in ("passwd.csv", "pipe.csv", "missing.csv"):
        with pytest.raises(OSError):
            file_sha256(returns / name)


# ---------------------------------------------------------------------------------------------
# The ledger is read strictly: damage is an error a person must repair, never rebuilt
# ---------------------------------------------------------------------------------------------


@pytest.fixture()
def good_ledger(returns, archive) -> bytes:
    write(returns / "a.csv", b"one")
    write(returns / "b\r\n.csv", b"two")
    (returns / "passwd.csv").symlink_to(PASSWD)
    archive_returns(returns, archive, now=NOW)
    return ledger_bytes(archive)


def damaged(text: str) -> list[tuple[str, str, str]]:
    """Damage done to the good ledger's text as (what, the damaged text, the line the error names)."""
    lines = text.split("\n")
    header, first, third = (
        lines[0],
        lines[1],
        lines[5],
    )  # the second record spans lines 3 to 5: its name holds a newline, twice
    sha = first.split(",")[3]
    return [
        ("truncated inside a quoted field", text[: text.index(third) + 20], "line 6"),
        ("truncated after a field", text[: text.index(third)] + third.rsplit(",", 1)[0] + "\n", "line 6"),
        ("empty", "", "line 1"),
        ("another header", text.replace(header, header.replace("file_sha256", "sha")), "line 1"),
        ("a field too many", text.replace(first, first + ',"x"'), "line 2"),
        ("a blank line", text.replace(first, first + "\n"), "line 3"),
        ("a submission_id that is not a number", text.replace(first, first.replace('"1"', '"one"', 1)), "line 2"),
        ("a repeated submission_id", text.replace(third, third.replace('"3"', '"1"', 1)), "line 6"),
        ("a size that is negative", text.replace(first, first.replace('"3"', '"-3"', 1)), "line 2"),
        ("a bad SHA-256", text.replace(first, first.replace(sha, sha.upper())), "line 2"),
        (
            "an unparsable received_at",
            text.replace(first, first.replace("2008-04-04 10:00:00", "2008-04-31 10:00:00")),
            "line 2",
        ),
        ("a received_at with a time zone", text.replace(first, first.replace("10:00:00", "10:00:00+01:00")), "line 2"),
        ("an unknown kind", text.replace(third, third.replace('"symlink"', '"portal"')), "line 6"),
        ("a file with no archive copy", text.replace(first, first.replace(first.split(",")[6], '""')), "line 2"),
        (
            "an archive copy outside the warehouse",
            text.replace(first, first.replace('"archive/files/', '"../../../etc/')),
            "line 2",
        ),
        (
            "a link with an archive copy",
            text.replace(third, third.replace(',"","symlink"', ',"archive/files/x","symlink"')),
            "line 6",
        ),
        ("a stray quote", text.replace(first, first.replace('"a.csv"', '"a"x.csv"', 1)), "line 2"),
        ("a NUL character", text.replace(first, first.replace("a.csv", "a\0.csv", 1)), "line 2"),
    ]


def test_every_kind_of_damage_to_the_ledger_is_an_error_naming_the_ledger_and_the_line(
    good_ledger, archive, returns, tmp_path
):
    assert good_ledger.count(b"\n") == 6
    for what, text, line in damaged(good_ledger.decode()):
        (archive / "ledger.csv").write_text(text, encoding="utf-8", newline="")
        with pytest.raises(LedgerError) as raised:
            read_ledger(archive)
        message = str(raised.value)
        assert message.startswith(f"archive/ledger.csv {line}: "), (what, message)
        assert "repair it by hand" in message and "archived files are untouched" in message, what
        assert str(tmp_path) not in message, what
        with pytest.raises(LedgerError):  # a run stops before it adds anything, and leaves the ledger as it was
            archive_returns(returns, archive)
        assert ledger_bytes(archive) == text.encode(), what


def test_a_ledger_written_by_the_earlier_code_reads_as_before_and_is_extended(returns, archive):
    """The earlier code wrote the ledger with pandas: minimal quoting, no `kind`."""
    old = pd.DataFrame(
        {
            "submission_id": [1, 2, 3],
            "original_path": ["brent.csv", 'resent/a, "b".xlsx', "NA"],
            "file_name": ["brent.csv", 'a, "b".xlsx', "NA"],
            "file_sha256": ["a" * 64, "b" * 64, "c" * 64],
            "size_bytes": [10, 0, 7],
            "received_at": pd.to_datetime(["2008-04-04 10:00:00", "2008-04-05 11:30:00", "2008-04-06 00:00:00"]),
            "archive_path": [
                f"archive/files/{'a' * 64}.csv",
                f"archive/files/{'b' * 64}.xlsx",
                f"archive/files/{'c' * 64}",
            ],
        }
    )
    archive.mkdir(parents=True)
    old[OLD_LEDGER_COLUMNS].to_csv(archive / "ledger.csv", index=False, date_format="%Y-%m-%d %H:%M:%S")
    ledger = read_ledger(archive)
    assert ledger.columns.tolist() == LEDGER_COLUMNS and ledger["kind"].tolist() == ["file"] * 3
    assert ledger.drop(columns="kind").equals(old)
    assert ledger.dtypes[["submission_id", "size_bytes"]].tolist() == ["int64", "int64"]
    assert str(ledger.dtypes["received_at"]) == "datetime64[ns]"
    write(returns / "barnet.csv")
    extended, new = archive_returns(returns, archive, now=NOW)
    assert new == 1 and extended["submission_id"].tolist() == [1, 2, 3, 4]
    assert extended.iloc[:3].equals(ledger) and read_ledger(archive).equals(extended)


def test_an_empty_archive_gives_an_empty_ledger_of_the_right_types(returns, archive):
    ledger, new = archive_returns(returns, archive)
    assert new == 0 and len(ledger) == 0 and ledger.columns.tolist() == LEDGER_COLUMNS
    assert not (archive / "ledger.csv").exists()
    assert ledger.dtypes[["submission_id", "size_bytes"]].tolist() == ["int64", "int64"]
    assert str(ledger.dtypes["received_at"]) == "datetime64[ns]"


# ---------------------------------------------------------------------------------------------
# End to end: `lsdi run` twice over the bundled returns, a CR-named return, a link and a FIFO
# ---------------------------------------------------------------------------------------------

CR_NAME = "barnet\rreturn 2007-08.csv"
BARNET_RETURN = (
    "borough_code,pi_code,period,numerator,denominator,value,source_agency,reporting_frequency,note\n"
    "E09000003,L01,2007-04,,,210,Children's social care,Monthly,synthetic\n"
)


def warehouse_text_containing(warehouse: Path, needle: str) -> list[str]:
    """Every table.column of the warehouse whose text contains `needle`."""
    with duckdb.connect(str(warehouse / WAREHOUSE_FILE), read_only=True) as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE data_type = 'VARCHAR' AND NOT internal"
        ).fetchall()
        return [
            f"{t}.{c}"
            for t, c in columns
            if con.execute(f'SELECT count(*) FROM "{t}" WHERE position(? IN "{c}") > 0', [needle]).fetchone()[0]
        ]


def test_lsdi_run_twice_with_a_cr_named_return_a_link_to_passwd_and_a_fifo(tmp_path):
    raw, warehouse = copy_bundled_raw(tmp_path / "raw"), tmp_path / "warehouse"
    (raw / "returns" / CR_NAME).write_text(BARNET_RETURN, encoding="utf-8")
    (raw / "returns" / "passwd.csv").symlink_to(PASSWD)
    os.mkfifo(raw / "returns" / "pipe.csv")  # a run that opened it blocking would hang: lsdi_run times out after 600 s
    lsdi_run_ok(raw, warehouse)
    ledger = read_ledger(warehouse / "archive")
    written = ledger_bytes(warehouse / "archive")
    submissions = table(warehouse, "submission")
    lsdi_run_ok(raw, warehouse)
    assert ledger_bytes(warehouse / "archive") == written and read_ledger(warehouse / "archive").equals(ledger)
    assert table(warehouse, "submission").equals(submissions)

    kinds = dict(zip(ledger["original_path"], ledger["kind"]))
    assert kinds[CR_NAME] == "file" and kinds["passwd.csv"] == "symlink" and kinds["pipe.csv"] == "fifo"
    by_path = submissions.set_index("original_path")
    assert by_path.loc[CR_NAME, "file_name"] == CR_NAME and by_path.loc[CR_NAME, "status"] in codes.LOADED_STATUSES
    assert query(warehouse, "SELECT count(*) AS n FROM fact_pi_value WHERE borough_code = 'E09000003'")["n"][0] == 1
    # a link or a FIFO is a rejected submission with no archive copy (parse_archive's `kind` handling)
    for name in ("passwd.csv", "pipe.csv"):
        assert by_path.loc[name, "status"] == "rejected" and pd.isna(by_path.loc[name, "archive_path"]), name
    passwd_line = PASSWD.read_text().split("\n", 1)[0]
    assert passwd_line.startswith("root:")
    assert warehouse_text_containing(warehouse, "root:") == []
    assert not [
        p for p in warehouse.rglob("*") if p.is_file() and not p.is_symlink() and passwd_line.encode() in p.read_bytes()
    ]
