"""No file can stop the pipeline, lose what a borough sent, or cost more than the limits of one return.

Each class of hostile or unlucky file is tested with several shapes at once: real files written in
`tmp_path`, dropped beside the bundled returns, and `lsdi run` started twice as an operator would.
Both runs exit 0, each bad file is rejected or flagged with a reason naming what was wrong, and every
bundled file loads exactly as it does without them.
"""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from lsdi_pipeline.returns.format import Limits
from lsdi_pipeline_tests.pipeline import copy_bundled_raw, lsdi_run_ok, materialize_all, query
from lsdi_pipeline_tests.returns_builder import (
    CSV_HEADER,
    PI_DATA_HEADER,
    Formatted,
    parse,
    pi_row,
    write_csv,
    write_return,
)

BARNET = "E09000003"  # a pilot borough with no bundled return: its files supersede nothing
GOOD = [pi_row("NI62", "2007/08", numerator=12, denominator=100, value=12, frequency="Annual")]
PI_SHEET = "xl/worksheets/sheet2.xml"  # write_return writes About, PI data, Feasibility, Narrative in that order
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# -- what the bundled returns load as, without any hostile file ------------------------------------------
@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> dict[str, pd.DataFrame]:
    base = tmp_path_factory.mktemp("bundled")
    raw, warehouse = copy_bundled_raw(base / "raw"), base / "warehouse"
    materialize_all(raw, warehouse)
    return _loaded(warehouse)


def _loaded(warehouse: Path) -> dict[str, pd.DataFrame]:
    """Per file (by name): the figures and the rows set aside, as the borough sent them."""
    facts = query(
        warehouse,
        """SELECT s.file_name, f.sheet, f.row_number, f.pi_code, f.period, f.value, f.value_status,
                  f.numerator, f.denominator FROM fact_pi_value f JOIN submission s USING (submission_id)""",
    )
    rejected = query(
        warehouse,
        """SELECT s.file_name, r.sheet, r.row_number, r.raw_record, r.reason
                                   FROM rejected_row r JOIN submission s USING (submission_id)""",
    )
    return {"facts": facts, "rejected": rejected}


def _same_as_bundled(warehouse: Path, bundled: dict[str, pd.DataFrame]) -> None:
    now = _loaded(warehouse)
    for name, before in bundled.items():
        after = now[name][now[name]["file_name"].isin(set(before["file_name"]))]
        columns = list(before.columns)
        pd.testing.assert_frame_equal(
            after.sort_values(columns).reset_index(drop=True),
            before.sort_values(columns).reset_index(drop=True),
            check_dtype=False,
        )


def _beside_bundled(tmp_path: Path, bundled, files: dict) -> tuple[pd.DataFrame, Path]:
    """Each file written by `files[name](path)` into the returns folder beside the bundled returns, then two runs:
    the submissions by file name, and the warehouse."""
    raw, warehouse = copy_bundled_raw(tmp_path / "raw"), tmp_path / "warehouse"
    for name, make in files.items():
        make(raw / "returns" / name)
    return _run_twice(raw, warehouse, bundled), warehouse


def _run_twice(raw: Path, warehouse: Path, bundled, *args: str) -> pd.DataFrame:
    """`lsdi run` twice (the second over the state the first left); both must exit 0. The submissions, by file name."""
    for _ in range(2):
        lsdi_run_ok(raw, warehouse, *args)
        _same_as_bundled(warehouse, bundled)
        _no_server_paths(warehouse, raw.parent.resolve())
    return query(warehouse, "SELECT * FROM submission").set_index("file_name")


def _no_server_paths(warehouse: Path, root: Path) -> None:
    """No message or record a borough or an analyst reads carries where the server keeps its files."""
    for name in ("submission", "dq_issue", "rejected_row"):
        frame = query(warehouse, f"SELECT * FROM {name}")
        text = frame.select_dtypes(exclude="number").astype(str)
        assert not text.apply(lambda column: column.str.contains(str(root), regex=False)).any(axis=None), name
    for page in (warehouse / "reports" / "feedback").rglob("*.html"):
        assert str(root) not in page.read_text(encoding="utf-8"), page.name


# -- writing hostile workbooks -------------------------------------------------------------------------
def _with_sheet_xml(path: Path, edit, member: str = PI_SHEET) -> Path:
    """Rewrite one part of a workbook written by `write_return` (the archive is rebuilt, every other part as it was)."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts[member] = edit(parts[member].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def _extra_rows(xml: str) -> callable:
    return lambda sheet: sheet.replace("</sheetData>", xml + "</sheetData>")


def _hostile_workbook(path: Path, edit, rows=GOOD) -> Path:
    return _with_sheet_xml(write_return(path, pi_rows=rows), edit)


FAR_CELLS = {  # every way a cell beyond 10,000 rows or 100 columns can be written that openpyxl would place there
    "plain": '<row r="10001"><c r="A10001"><v>1</v></c></row>',
    "single_quotes_lower_case": "<row r='10001'><c r='cv10001'><v>1</v></c></row>",
    "zero_padded": '<row r="10001"><c r="A0010001"><v>1</v></c></row>',
    "spaces_around_equals": '<row r = "10001" ><c r = "A10001" ><v>1</v></c></row>',
    "character_references": '<row r="&#53;0001"><c r="&#65;&#53;0001"><v>1</v></c></row>',
    "dollar_signs": '<row r="3"><c r="$CW$3"><v>1</v></c></row>',
    "no_r_columns": '<row r="3">' + "<c><v>1</v></c>" * 101 + "</row>",
    "no_r_rows": '<row r="9999"><c r="A9999"><v>1</v></c></row>' + "<row><c><v>1</v></c></row>" * 3,
    "row_far_cell_near": '<row r="12000"><c r="A3"><v>1</v></c></row>',
}

PATHOLOGICAL_XML = {  # shapes that once cost the pre-parse scan quadratic time, or that stress a parser
    "c_c_c": lambda sheet: sheet.replace("</sheetData>", "<c " * 4000 + "</sheetData>"),
    "unclosed_attribute": lambda sheet: sheet.replace(
        "</sheetData>", '<row r="3"><c r="' + "A" * 20000 + "</sheetData>"
    ),
    "billion_laughs": lambda sheet: (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{"&lol;" * 10 if i == 1 else f"&lol{i - 1};" * 10}">' for i in range(1, 9))
        + "]>"
        + sheet.replace("<t>NI62</t>", "<t>&lol8;</t>")
    ),
    "external_entity": lambda sheet: (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        + sheet.replace("<t>NI62</t>", "<t>&xxe;</t>")
    ),
    "shared_string_out_of_range": _extra_rows('<row r="3"><c r="A3" t="s"><v>999999999</v></c></row>'),
    "rows_out_of_order": _extra_rows('<row r="2"><c r="A2"><v>5</v></c></row>'),
    "row_number_not_a_number": _extra_rows('<row r="three"><c r="A3"><v>5</v></c></row>'),
}


def test_a_far_cell_is_refused_however_it_is_written(tmp_path):
    for shape, xml in FAR_CELLS.items():
        result = parse(_hostile_workbook(tmp_path / f"{shape}.xlsx", _extra_rows(xml)))
        assert result.status == "rejected", shape
        assert [i["check_name"] for i in result.issues] == ["file_limits"], shape
        assert (
            "has a cell at" in result.reject_reason and "limited to 10,000 rows and 100 columns" in result.reject_reason
        ), shape


def test_a_sparse_sheet_within_the_limits_is_read_cell_by_cell(tmp_path):
    """One cell at CV9999 (inside the limits) is one rejected row, not a million-cell grid."""
    path = _hostile_workbook(tmp_path / "sparse.xlsx", _extra_rows('<row r="9999"><c r="CV9999"><v>7</v></c></row>'))
    result = parse(path)
    assert [f["pi_code"] for f in result.pi_values] == ["NI62"]
    [row] = result.rejected_rows
    assert row["row_number"] == 9999 and '"column 100": "7"' in row["raw_record"]


def test_pathological_xml_is_refused_in_linear_time_naming_the_part(tmp_path):
    for shape, edit in PATHOLOGICAL_XML.items():
        result = parse(_hostile_workbook(tmp_path / f"{shape}.xlsx", edit))
        assert result.status == "rejected", shape
        assert result.reject_reason, shape
        assert "root:" not in result.reject_reason


def test_far_cells_and_pathological_xml_never_stop_a_run(tmp_path, bundled):
    subs, _ = _beside_bundled(
        tmp_path,
        bundled,
        {
            **{
                f"far_{shape}.xlsx": lambda p, xml=xml: _hostile_workbook(p, _extra_rows(xml))
                for shape, xml in FAR_CELLS.items()
            },
            **{
                f"xml_{shape}.xlsx": lambda p, edit=edit: _hostile_workbook(p, edit)
                for shape, edit in PATHOLOGICAL_XML.items()
            },
        },
    )
    hostile = subs[subs.index.str.startswith(("far_", "xml_"))]
    assert len(hostile) == len(FAR_CELLS) + len(PATHOLOGICAL_XML)
    assert (hostile["status"] == "rejected").all()
    assert hostile.loc[[f"far_{s}.xlsx" for s in FAR_CELLS], "reject_reason"].str.contains("has a cell at").all()


# -- every figure is a finite number ------------------------------------------------------------------------
NON_FINITE = {  # routes from finite-looking cells to an infinite or NaN figure
    "ratio_of_a_tiny_denominator": lambda p: write_return(
        p, pi_rows=[pi_row("NI62", "2007/08", numerator=1, denominator=1e-320, frequency="Annual")]
    ),
    "ratio_of_huge_numbers": lambda p: write_return(
        p, pi_rows=[pi_row("NI62", "2007/08", numerator=1e300, denominator=1e-300, frequency="Annual")]
    ),
    "percent_format_overflow": lambda p: write_return(
        p, pi_rows=[pi_row("NI62", "2007/08", value=Formatted(5e306, "0%"), frequency="Annual")]
    ),
    "infinity_in_the_xml": lambda p: _hostile_workbook(
        p, lambda s: s.replace('<v>12</v></c><c r="G2"', '<v>1e999</v></c><c r="G2"')
    ),
    "minus_infinity_in_the_xml": lambda p: _hostile_workbook(p, lambda s: s.replace("<v>100</v>", "<v>-1E999</v>")),
    "huge_numerator": lambda p: write_return(
        p, pi_rows=[pi_row("NI62", "2007/08", numerator=1e200, denominator=2e200, value=50, frequency="Annual")]
    ),
}


def test_no_route_gives_a_figure_that_is_not_finite(tmp_path):
    for shape, make in NON_FINITE.items():
        result = parse(make(tmp_path / f"{shape}.xlsx"))
        assert result.status == "accepted_with_issues", shape
        for fact in result.pi_values:
            for name in ("value", "numerator", "denominator"):
                assert fact[name] is None or (math.isfinite(fact[name]) and abs(fact[name]) <= 1e12), (
                    shape,
                    name,
                    fact[name],
                )
        [row] = result.rejected_rows
        [finding] = [i for i in result.issues if i["check_name"] == "value_unreadable"]
        assert finding["cell_ref"] and finding["row_number"] == 2, shape
        assert "not a number" in finding["message"] or "too large to be a figure" in finding["message"], shape


def test_non_finite_figures_never_stop_a_run_and_get_feedback(tmp_path, bundled):
    subs, warehouse = _beside_bundled(
        tmp_path, bundled, {f"inf_{shape}.xlsx": make for shape, make in NON_FINITE.items()}
    )
    assert (subs.loc[[f"inf_{s}.xlsx" for s in NON_FINITE], "status"] == "accepted_with_issues").all()
    extremes = query(
        warehouse, "SELECT max(abs(value)) v, max(abs(numerator)) n, max(abs(denominator)) d FROM fact_pi_value"
    )
    assert extremes.notna().all(axis=None) and (extremes <= 1e12).all(axis=None)
    assert (
        query(warehouse, "SELECT count(*) n FROM cmp_borough_pi WHERE isinf(group_mean) OR isinf(group_pooled)")["n"][0]
        == 0
    )
    feedback = warehouse / "reports" / "feedback" / BARNET
    assert len(list(feedback.glob("*.xlsx"))) == len(NON_FINITE)


# -- CSV files: the same limits, and no row swallowed ----------------------------------------------------------
def _csv_text(path: Path, text: str) -> Path:
    path.write_text(",".join(CSV_HEADER) + "\r\n" + text, encoding="utf-8", newline="")
    return path


CSV_SHAPES = {
    "unterminated_quote": lambda p: _csv_text(
        p,
        f'{BARNET},NI62,2007/08,12,100,12,Police,Annual,"a note never closed\r\n'
        + f"{BARNET},L01,2007-04,,,210,Police,Monthly,next\r\n" * 5,
    ),
    "unterminated_quote_in_the_middle_column": lambda p: _csv_text(
        p,
        f'{BARNET},NI62,"2007/08,12,100,12,Police,Annual,x\r\n' + f"{BARNET},L01,2007-05,,,211,Police,Monthly,next\r\n",
    ),
    "too_many_rows": lambda p: _csv_text(p, f"{BARNET},L01,2007-04,,,210,Police,Monthly,again\r\n" * 10_001),
    "too_many_columns": lambda p: _csv_text(p, f"{BARNET},L01,2007-04,,,210,Police,Monthly,x" + ",y" * 100 + "\r\n"),
}


def test_a_csv_keeps_the_limits_and_never_swallows_rows(tmp_path):
    for shape, make in CSV_SHAPES.items():
        result = parse(make(tmp_path / f"{shape}.csv"))
        assert result.status == "rejected", shape
        reason = result.reject_reason
        if shape.startswith("unterminated"):
            assert "never closed" in reason and "row 2" in reason, reason
        else:
            assert result.issues[0]["check_name"] == "file_limits" and "limit is" in reason, reason
    closed = parse(
        _csv_text(tmp_path / "closed.csv", f'{BARNET},NI62,2007/08,12,100,12,Police,Annual,"two\r\nlines"\r\n')
    )
    assert [f["note"] for f in closed.pi_values] == ["two\r\nlines"]


def test_bad_csv_files_never_stop_a_run(tmp_path, bundled):
    subs, _ = _beside_bundled(tmp_path, bundled, {f"csv_{shape}.csv": make for shape, make in CSV_SHAPES.items()})
    assert (subs.loc[[f"csv_{s}.csv" for s in CSV_SHAPES], "status"] == "rejected").all()


# -- conflicting duplicates cost what the rows cost --------------------------------------------------------------
def test_nine_thousand_conflicting_rows_give_findings_of_bounded_size(tmp_path):
    rows = [pi_row("L01", "2007-04", value=i, frequency="Monthly") for i in range(9_000)]
    result = parse(write_return(tmp_path / "conflicts.xlsx", pi_rows=rows))
    assert len(result.rejected_rows) == 9_000 and not result.pi_values
    assert max(len(i["message"]) for i in result.issues) < 200
    assert "(9,000 rows in all)" in result.issues[0]["message"]


# -- dates are checked against arrival ---------------------------------------------------------------------------
def test_a_submission_date_after_arrival_is_an_error_and_cannot_keep_a_return_current(tmp_path, bundled):
    raw, warehouse = copy_bundled_raw(tmp_path / "raw"), tmp_path / "warehouse"
    today = dt.date.today()
    typo = {"Submitted on": "2080-04-14"}
    write_return(
        raw / "returns" / "barnet_typo.xlsx",
        about=typo,
        pi_rows=[pi_row("NI62", "2007/08", value=11, frequency="Annual")],
    )
    write_return(
        raw / "returns" / "barnet_tomorrow.xlsx",
        about={"Submitted on": dt.datetime.combine(today + dt.timedelta(days=1), dt.time())},
        pi_rows=[pi_row("NI59", "2007/08", value=80, frequency="Annual")],
    )
    write_csv(
        raw / "returns" / "barnet_csv_typo.csv",
        [[BARNET, "L01", "2007-04", None, None, 200, "Police", "Monthly", "x", "2099-01-01"]],
        header=[*CSV_HEADER, "submitted_on"],
    )
    lsdi_run_ok(raw, warehouse)
    # the correction arrives later, honestly dated before the typo: it must become current
    write_return(
        raw / "returns" / "barnet_correction.xlsx",
        about={"Submitted on": dt.datetime.combine(today, dt.time())},
        pi_rows=[pi_row("NI62", "2007/08", value=13, frequency="Annual")],
    )
    subs = _run_twice(raw, warehouse, bundled)
    assert (
        subs.loc[["barnet_typo.xlsx", "barnet_tomorrow.xlsx", "barnet_csv_typo.csv"], "submitted_on"]
        .dt.date.le(today)
        .all()
    )
    findings = query(
        warehouse,
        """SELECT s.file_name, i.cell_ref, i.value_found, i.severity FROM dq_issue i JOIN submission s
                  USING (submission_id) WHERE i.check_name = 'submitted_on_after_arrival' ORDER BY 1""",
    )
    assert list(findings["file_name"]) == ["barnet_csv_typo.csv", "barnet_tomorrow.xlsx", "barnet_typo.xlsx"]
    assert (findings["severity"] == "error").all() and findings["cell_ref"].notna().all()
    assert findings.set_index("file_name").loc["barnet_typo.xlsx", "value_found"] == "2080-04-14"
    current = query(
        warehouse,
        f"""SELECT value FROM fact_pi_value WHERE borough_code = '{BARNET}' AND pi_code = 'NI62'
                                   AND period = '2007/08' AND is_current""",
    )
    assert list(current["value"]) == [13.0]


# -- a row naming another borough is set aside, never re-attributed -------------------------------------------------
def test_a_row_naming_another_borough_is_a_rejected_row(tmp_path, bundled):
    raw, warehouse = copy_bundled_raw(tmp_path / "raw"), tmp_path / "warehouse"
    header = [*PI_DATA_HEADER, "Borough code"]
    rows = [
        [*pi_row("NI62", "2007/08", value=12, frequency="Annual"), BARNET],  # its own: loaded
        [*pi_row("NI59", "2007/08", value=70, frequency="Annual"), "E09000005"],  # Brent's: set aside
        [*pi_row("NI64", "2007/08", value=9, frequency="Annual"), "00AE"],  # Brent by its legacy code: set aside
        [*pi_row("NI65", "2007/08", value=9, frequency="Annual"), "E09999999"],  # no authority: set aside
        [*pi_row("NI66", "2007/08", value=90, frequency="Annual"), None],
    ]  # blank: the return's borough
    write_return(raw / "returns" / "barnet_with_codes.xlsx", headers={"PI data": header}, pi_rows=rows)
    _run_twice(raw, warehouse, bundled)
    facts = query(
        warehouse,
        "SELECT f.borough_code, f.pi_code FROM fact_pi_value f JOIN submission s USING (submission_id) "
        "WHERE s.file_name = 'barnet_with_codes.xlsx' ORDER BY f.pi_code",
    )
    assert list(facts.itertuples(index=False, name=None)) == [(BARNET, "NI62"), (BARNET, "NI66")]
    rejected = query(
        warehouse,
        "SELECT r.row_number, i.cell_ref FROM rejected_row r JOIN submission s USING (submission_id) "
        "JOIN dq_issue i ON i.submission_id = r.submission_id AND i.row_number = r.row_number "
        "WHERE s.file_name = 'barnet_with_codes.xlsx' AND i.check_name = 'borough_row_mismatch' ORDER BY 1",
    )
    assert list(rejected.itertuples(index=False, name=None)) == [(3, "I3"), (4, "I4"), (5, "I5")]


# -- a duplicate is bytes already loaded ------------------------------------------------------------------------------
def test_bytes_rejected_for_their_name_are_read_when_they_arrive_under_a_name_that_works(tmp_path, bundled):
    raw, warehouse = copy_bundled_raw(tmp_path / "raw"), tmp_path / "warehouse"
    workbook = write_return(tmp_path / "barnet.xlsx", pi_rows=GOOD).read_bytes()
    csv_bytes = write_csv(
        tmp_path / "barnet.csv", [[BARNET, "L01", "2007-04", None, None, 210, "Police", "Monthly", "x"]]
    ).read_bytes()
    (raw / "returns" / "barnet_return.csv").write_bytes(workbook)  # a workbook named .csv
    (raw / "returns" / "barnet_return").write_bytes(workbook)  # no extension at all
    (raw / "returns" / "police.txt").write_bytes(csv_bytes)  # a CSV named .txt
    (raw / "returns" / "barnet_return_copy.csv").write_bytes(workbook)  # the same bytes, the same wrong name again
    lsdi_run_ok(raw, warehouse)
    (raw / "returns" / "barnet_return.xlsx").write_bytes(workbook)  # sent again, named right
    (raw / "returns" / "police.csv").write_bytes(csv_bytes)
    (raw / "returns" / "barnet_return_again.xlsx").write_bytes(workbook)  # and once more: now a duplicate
    subs = _run_twice(raw, warehouse, bundled)
    assert subs.loc["barnet_return.csv", "status"] == "rejected" and subs.loc["barnet_return", "status"] == "rejected"
    assert subs.loc["police.txt", "status"] == "rejected"
    assert subs.loc["barnet_return.xlsx", "status"] == "accepted_with_issues"
    assert subs.loc["police.csv", "status"] in ("accepted", "accepted_with_issues")
    assert (
        "same bytes" not in subs.loc["police.csv", "reject_reason"] if subs.loc["police.csv", "reject_reason"] else True
    )
    assert subs.loc["barnet_return_again.xlsx", "status"] == "duplicate"
    # bytes never loaded are not a duplicate: read the same way, they are rejected for the same reason, under their
    # own id
    assert subs.loc["barnet_return_copy.csv", "status"] == "rejected"
    assert subs.loc["barnet_return_copy.csv", "reject_reason"] == subs.loc["barnet_return.csv", "reject_reason"]
    assert "barnet_return.xlsx" in subs.loc["barnet_return_again.xlsx", "reject_reason"]


# -- what is derived is never trusted -------------------------------------------------------------------------------
DAMAGE = {
    "random_bytes": lambda data: bytes(range(256)) * 4,
    "bad_pickle_protocol": lambda data: b"\x80\x09" + data[2:],
    "truncated": lambda data: data[: len(data) // 2],
    "empty": lambda data: b"",
    "one_bit_flipped": lambda data: data[:-10] + bytes([data[-10] ^ 1]) + data[-9:],
}


def test_damaged_parse_cache_entries_are_set_aside_and_the_files_read_again(tmp_path, bundled):
    raw, warehouse = copy_bundled_raw(tmp_path / "raw"), tmp_path / "warehouse"
    lsdi_run_ok(raw, warehouse)
    entries = sorted((warehouse / ".cache" / "parsed").glob("*.pickle"))
    assert len(entries) >= len(DAMAGE)
    for entry, damage in zip(entries, DAMAGE.values()):
        entry.write_bytes(damage(entry.read_bytes()))
    done = lsdi_run_ok(raw, warehouse)
    _same_as_bundled(warehouse, bundled)
    aside = sorted((warehouse / "set-aside").iterdir())
    assert len(aside) == len(DAMAGE) and all("parsed" in p.name for p in aside)
    assert "Set aside" in done.stdout
    _run_twice(raw, warehouse, bundled)
    assert len(list((warehouse / "set-aside").iterdir())) == len(DAMAGE)  # nothing new was damaged


def test_damaged_intermediate_frames_make_the_next_arrival_run_a_full_one(tmp_path, bundled):
    raw, warehouse = copy_bundled_raw(tmp_path / "raw"), tmp_path / "warehouse"
    lsdi_run_ok(raw, warehouse)
    # a pickle carries no checksum: a flipped bit inside a string still reads, so only damage that shows is set aside
    damage = {k: v for k, v in DAMAGE.items() if k != "one_bit_flipped"}
    for name, damage_with in zip(("dim_borough", "dq_rule", "dq_expectation", "dim_indicator"), damage.values()):
        path = warehouse / ".intermediate" / name
        path.write_bytes(damage_with(path.read_bytes()))
    write_csv(
        raw / "returns" / "barnet_police.csv", [[BARNET, "L01", "2007-04", None, None, 210, "Police", "Monthly", "x"]]
    )
    done = lsdi_run_ok(raw, warehouse, "--new-returns")
    assert "(lsdi_job)" in done.stderr  # the damaged outputs could not be reused: a full run rebuilt them
    assert len(list((warehouse / "set-aside").iterdir())) == len(damage)
    subs = _run_twice(raw, warehouse, bundled, "--new-returns")
    assert subs.loc["barnet_police.csv", "status"] in ("accepted", "accepted_with_issues")
    (warehouse / ".intermediate" / "dim_goal").unlink()  # missing altogether: the same
    assert "(lsdi_job)" in lsdi_run_ok(raw, warehouse, "--new-returns").stderr


# -- the sandbox: whatever reading a file does costs at most its limits -----------------------------------------------
def test_a_file_over_the_memory_or_time_limit_is_rejected_naming_the_limit_and_the_others_load(tmp_path):
    from lsdi_pipeline.returns.batch import _parse_all
    from lsdi_pipeline_tests.returns_builder import RECEIVED_AT, reference_data

    big = write_return(
        tmp_path / "big.xlsx",
        pi_rows=[pi_row("L01", f"2007-{m:02d}", value=m, note="n" * 2000, frequency="Monthly") for m in range(1, 13)]
        * 800,
    )
    small = write_return(tmp_path / "small.xlsx", pi_rows=GOOD)
    entries = [
        {"submission_id": i, "file_name": p.name, "received_at": RECEIVED_AT, "archive_path": p.name}
        for i, p in enumerate([small, big, small], start=1)
    ]
    register, catalogue = reference_data()
    for limits, words in ((Limits(max_memory_mib=20), "MiB of memory"), (Limits(max_seconds=0.5), "longer than 0.5 s")):
        results = _parse_all(entries, tmp_path, register, catalogue, limits)
        assert [r.status for r in results] == [
            "accepted_with_issues",
            "rejected",
            "accepted_with_issues",
        ], words
        assert results[1].issues[0]["check_name"] == "file_limits" and words in results[1].reject_reason


def test_a_file_that_ran_out_of_time_is_read_again_by_the_next_run_while_other_rejections_are_kept(tmp_path):
    """Time is the machine's as much as the file's: a return rejected for time on a busy night must not stay rejected
    (its bytes, sent again, would be served the same rejection). Other outcomes are the file's own, and are reused."""
    from lsdi_pipeline.returns.archive import file_sha256
    from lsdi_pipeline.returns.batch import parse_archive
    from lsdi_pipeline.returns.cache import ParseCache
    from lsdi_pipeline.returns.statuses import submission_statuses
    from lsdi_pipeline_tests.returns_builder import RECEIVED_AT, reference_data

    big = [pi_row("L01", "2007-04", value=5, note="n" * 500, frequency="Monthly")] * 9000  # about 1.4 s to read
    write_return(tmp_path / "big.xlsx", pi_rows=big)
    write_return(tmp_path / "small.xlsx", pi_rows=GOOD)
    (tmp_path / "not_a_workbook.xlsx").write_bytes(b"PK\x03\x04 not really")
    ledger = pd.DataFrame(
        {
            "submission_id": i,
            "file_name": name,
            "received_at": RECEIVED_AT,
            "archive_path": name,
            "original_path": name,
            "file_sha256": file_sha256(tmp_path / name),
            "kind": "file",
        }
        for i, name in enumerate(["small.xlsx", "big.xlsx", "not_a_workbook.xlsx"], start=1)
    )
    register, catalogue = reference_data()

    def run(limits: Limits) -> tuple[pd.DataFrame, ParseCache]:
        cache = ParseCache(tmp_path / "cache", "reference", warehouse_dir=tmp_path)
        batch = parse_archive(ledger, tmp_path, register, catalogue, cache, limits)
        return submission_statuses(batch.submission, batch.dq_issue).set_index("file_name"), cache

    busy, cache = run(Limits(max_seconds=0.3))  # time for the small files (10 ms each), not for the big one
    assert cache.hits == 0 and busy.loc["big.xlsx", "status"] == "rejected"
    assert "longer than 0.3 s" in busy.loc["big.xlsx", "reject_reason"]
    assert "the next run reads it again" in busy.loc["big.xlsx", "reject_reason"]
    assert busy.loc["not_a_workbook.xlsx", "status"] == "rejected"
    assert "next run" not in busy.loc["not_a_workbook.xlsx", "reject_reason"]  # the file's own fault: it stands
    calm, cache = run(Limits(max_seconds=120))  # time enough on any machine
    assert cache.hits == 2  # the small file and the file that is not a workbook; the big one was read again
    assert calm.loc["big.xlsx", "status"] != "rejected"
    assert calm.loc["not_a_workbook.xlsx", "reject_reason"] == busy.loc["not_a_workbook.xlsx", "reject_reason"]
    assert calm.loc["small.xlsx", "status"] == busy.loc["small.xlsx", "status"] != "rejected"


def _sleeps(item):
    import time

    time.sleep(item)
    return item


def _stops_its_worker(item):
    import os
    import signal

    if item:
        os.kill(os.getpid(), signal.SIGKILL)
    return item


def _needs_memory(item):
    return bytearray(item * 1024 * 1024)[:0] or item


@pytest.mark.parametrize(
    "function, items, expected",
    [
        (_sleeps, [0, 3, 0], [0, ("for now", 1), 0]),  # out of time: the machine may have been busy
        (_stops_its_worker, [0, 1, 0], [0, ("for now", 1), 0]),  # stopped from outside (an OOM killer, an operator)
        (_needs_memory, [0, 400, 0], [0, ("lasting", 1), 0]),  # over its own memory limit: the item's own doing
    ],
)
def test_the_sandbox_tells_a_failure_the_machine_may_have_caused_from_one_the_item_did(function, items, expected):
    from lsdi_pipeline.workers import map_untrusted

    results = map_untrusted(
        function,
        items,
        lambda item, reason: ("lasting", 1),
        100,
        1.0,
        transient=lambda item, reason: ("for now", 1),
    )
    assert results == expected


def _prefixed(sheet: str) -> str:
    """The same sheet with every tag in an `x:` namespace prefix, as some writers do."""
    import re

    return re.sub(r"<(/?)([A-Za-z]+)", r"<\1x:\2", sheet.replace("<worksheet xmlns=", "<worksheet xmlns:x="))


_FORMULA_E2 = '<c r="E2" t="n"><f>6*2</f><v>12</v></c>'
FORMULAS = {  # a formula in the Value cell, however its tag and reference are written
    "prefixed_tags": lambda s: _prefixed(s.replace('<c r="E2" t="n"><v>12</v></c>', _FORMULA_E2)),
    "lower_case_single_quotes": lambda s: s.replace(
        '<c r="E2" t="n"><v>12</v></c>', "<c r='e2' t='n'><f>6*2</f><v>12</v></c>"
    ),
    "no_reference": lambda s: s.replace('<c r="E2" t="n"><v>12</v></c>', "<c t='n'><f>6*2</f><v>12</v></c>"),
    "spaces_and_formula_after_value": lambda s: s.replace(
        '<c r="E2" t="n"><v>12</v></c>', '<c r = "E2" ><v>12</v><f>6*2</f></c>'
    ),
}


def test_a_formula_is_found_however_its_cell_is_written(tmp_path):
    for shape, edit in FORMULAS.items():
        result = parse(_hostile_workbook(tmp_path / f"{shape}.xlsx", edit))
        found = [i for i in result.issues if i["check_name"] == "formula_cell"]
        assert [(i["cell_ref"], i["row_number"]) for i in found] == [("E2", 2)], shape
        assert [f["value"] for f in result.pi_values] == [12.0], shape


def test_the_costliest_files_we_know_cost_at_most_the_limits_of_one_return(tmp_path):
    """The files `lsdi bench` times (sample/hostile.py), read as a run reads them: each is rejected naming the limit it
    broke, or read within the limits."""
    import time

    from lsdi_pipeline.returns.batch import _parse_all
    from lsdi_pipeline.sample.hostile import HOSTILE
    from lsdi_pipeline_tests.returns_builder import RECEIVED_AT, reference_data

    entries = [
        {
            "submission_id": i,
            "file_name": name,
            "received_at": RECEIVED_AT,
            "archive_path": make(tmp_path / name, Limits()).name,
        }
        for i, (name, make) in enumerate(HOSTILE.items(), start=1)
    ]
    started = time.perf_counter()
    results = _parse_all(entries, tmp_path, *reference_data())
    assert time.perf_counter() - started < len(HOSTILE) * (
        Limits().max_seconds + 5
    )  # never beyond the limits, whatever the load
    for entry, result in zip(entries, results):
        reason = result.reject_reason or ""
        assert result.status in ("rejected", "accepted_with_issues"), entry["file_name"]
        if result.status == "rejected":
            assert result.issues[0]["check_name"] == "file_limits" and "limit" in reason, (entry["file_name"], reason)


def test_a_strict_open_xml_workbook_is_told_how_to_save_it(tmp_path):
    strict = "http://purl.oclc.org/ooxml/spreadsheetml/main"
    path = _with_sheet_xml(
        write_return(tmp_path / "strict.xlsx", pi_rows=GOOD),
        lambda xml: xml.replace(_MAIN, strict),
        member="xl/workbook.xml",
    )
    result = parse(path)
    assert result.status == "rejected" and result.issues[0]["check_name"] == "file_unsupported_type"
    assert "Strict Open XML" in result.reject_reason and "Excel Workbook (.xlsx)" in result.reject_reason


def _worker_cannot_start():
    raise SystemExit(3)


def _unchanged(item):
    return item


def test_when_no_worker_can_start_the_run_fails_and_no_file_is_rejected():
    """A broken machine is not a borough's bad file: nothing is recorded as rejected, so the next run reads them all."""
    from lsdi_pipeline.workers import map_untrusted

    failed = []
    with pytest.raises(RuntimeError, match="could not start.*no file was read or rejected"):
        map_untrusted(
            _unchanged, [1, 2, 3], lambda item, reason: failed.append(item), 100, 5, initializer=_worker_cannot_start
        )
    assert failed == []
    assert map_untrusted(_unchanged, [1, 2, 3], lambda item, reason: failed.append(item), 100, 5) == [1, 2, 3]


# -- damage: where it is decides what it costs (return-format.md, *Limits*) ---------------------------------
@pytest.mark.parametrize(
    "member, junk",
    [
        ("docProps/core.xml", "<cp:coreProperties"),  # cut short
        ("docProps/app.xml", ""),
        ("xl/theme/theme1.xml", "not XML at all"),
    ],
)
def test_damage_in_a_part_that_is_not_read_does_not_cost_the_return(tmp_path, member, junk):
    intact = parse(write_return(tmp_path / "intact.xlsx", pi_rows=GOOD))
    path = _with_sheet_xml(write_return(tmp_path / "return.xlsx", pi_rows=GOOD), lambda _: junk, member=member)
    result = parse(path)
    assert result.status == intact.status != "rejected"
    assert [(r["pi_code"], r["value"]) for r in result.pi_values] == [("NI62", 12)]
    assert [(i["check_name"], i["message"]) for i in result.issues] == [
        (i["check_name"], i["message"]) for i in intact.issues
    ]


def test_a_damaged_value_in_a_sheet_that_is_read_rejects_the_file_naming_the_sheet_and_cell(tmp_path):
    path = _hostile_workbook(
        tmp_path / "return.xlsx", lambda s: s.replace('<c r="E2" t="n"><v>12</v>', '<c r="E2" t="n"><v>twelve</v>')
    )
    result = parse(path)
    assert result.status == "rejected" and result.issues[0]["check_name"] == "file_unreadable"
    assert (
        "'PI data' sheet" in result.reject_reason
        and "cell E2" in result.reject_reason
        and "'twelve'" in result.reject_reason
    )


def test_a_number_format_the_styles_do_not_define_reads_as_general(tmp_path):
    from lsdi_pipeline.returns.reader import read_book

    def undefined(styles: str) -> str:
        start, end = styles.index("<numFmts"), styles.index("</numFmts>") + len("</numFmts>")
        return styles[:start] + styles[end:]  # cellXfs still names numFmtId 164, now defined nowhere

    written = write_return(tmp_path / "dated.xlsx", pi_rows=GOOD)
    dated = {
        c.ref: c for _, row in read_book(written).sheets["About"].rows for c in row if c.number_format != "General"
    }
    assert dated and all(isinstance(c.value, dt.datetime) for c in dated.values())  # the About sheet's date cells
    path = _with_sheet_xml(written, undefined, member="xl/styles.xml")
    about = {c.ref: c for _, row in read_book(path).sheets["About"].rows for c in row}
    for ref in dated:
        assert about[ref].number_format == "General" and isinstance(about[ref].value, int | float), about[ref]
    assert parse(path).status != "rejected"  # the date is questioned where it stands, the file is still read
