"""Hostile workbooks cost seconds, not minutes, and never take the run down."""

from __future__ import annotations

import time
import zipfile

import pytest

from lsdi_pipeline_tests.pipeline import copy_bundled_raw, materialize_all, table
from lsdi_pipeline_tests.returns_builder import parse, pi_row, write_return

GOOD_ROWS = [pi_row("NI62", "2007/08", numerator=12, denominator=100, value=12, frequency="Annual")]


def _zip_bomb(path, inflated_bytes=1_100 * 1024 * 1024):
    """A valid LSDI-R1 return carrying one part that inflates past 1 GB from about a megabyte."""
    write_return(path, pi_rows=GOOD_ROWS)
    chunk = b"\0" * (16 * 1024 * 1024)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("xl/media/image1.bin", "w", force_zip64=True) as member:
            for _ in range(inflated_bytes // len(chunk)):
                member.write(chunk)
    return path


def _far_cell(path):
    import openpyxl

    write_return(path, pi_rows=GOOD_ROWS)
    book = openpyxl.load_workbook(path)
    book["PI data"]["XFD1048576"] = 1
    book.save(path)
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return {"bomb": _zip_bomb(folder / "bomb.xlsx"), "far": _far_cell(folder / "far.xlsx")}


def test_a_zip_bomb_is_rejected_in_seconds_naming_the_limit(hostile):
    assert hostile["bomb"].stat().st_size < 5 * 1024 * 1024
    started = time.perf_counter()
    parsed = parse(hostile["bomb"])
    assert time.perf_counter() - started < 5
    assert parsed.status == "rejected"
    assert [i["check_name"] for i in parsed.issues] == ["file_limits"]
    assert "unpacks to" in parsed.reject_reason and "limit" in parsed.reject_reason


def test_a_cell_at_xfd1048576_is_rejected_in_seconds_naming_the_limit(hostile):
    started = time.perf_counter()
    parsed = parse(hostile["far"])
    assert time.perf_counter() - started < 5
    assert parsed.status == "rejected"
    assert "XFD1048576" in parsed.reject_reason and "limited to" in parsed.reject_reason


def test_hostile_files_are_recorded_while_the_other_returns_load(hostile, tmp_path):
    raw = copy_bundled_raw(tmp_path / "raw")
    for name, path in hostile.items():
        (raw / "returns" / f"{name}.xlsx").write_bytes(path.read_bytes())
    materialize_all(raw, tmp_path / "warehouse")
    subs = table(tmp_path / "warehouse", "submission").set_index("file_name")
    assert subs.loc["bomb.xlsx", "status"] == "rejected" and subs.loc["far.xlsx", "status"] == "rejected"
    assert subs.drop(["bomb.xlsx", "far.xlsx"])["status"].isin(["accepted", "accepted_with_issues"]).all()
