"""The accounting rule, proven on generated messy returns: every non-empty row lands in exactly
one place, and every finding is located."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lsdi_pipeline_tests.returns_builder import (
    FEASIBILITY_HEADER,
    NARRATIVE_HEADER,
    PI_DATA_HEADER,
    Formatted,
    parse,
    write_csv,
    write_return,
)

PI_CODES = st.sampled_from(
    ["NI59", "NI62", "L01", "L03", "NI65", "NI111", " ni62\u00a0", "nI59 ", "NI999", "", None, "L 01"]
)
PERIODS = st.sampled_from(
    [
        "2007/08",
        "2007-08",
        "2007–08",
        "FY 2007/08",
        "2007/2008",
        "2007/08 Q3",
        "Q2 2007/08",
        "2007-12",
        "Dec 2007",
        "12/2007",
        "2007",
        "2007 Q4",
        "2008-03-31",
        "31/03/2008",
        "2007/09",
        "Q5 2007",
        "soon",
        "",
        None,
        dt.datetime(2007, 12, 1),
        dt.datetime(2008, 3, 31),
    ]
)
NUMBERS = st.one_of(
    st.none(),
    st.integers(-5, 5000),
    st.floats(-10, 200, allow_nan=False, allow_infinity=False).map(lambda f: round(f, 2)),
    st.sampled_from(
        [
            "45%",
            "1,204",
            "approx 45",
            "c. 45",
            "~45",
            "n/a",
            "N/A",
            "-",
            "not collected",
            "nk",
            "<5",
            "c",
            "x",
            "*",
            "see note",
            "TBC",
            "#DIV/0!",
            " 12 ",
            "=1+2",
        ]
    ),
    st.just(Formatted(0.45, "0%")),
)
FREQUENCIES = st.sampled_from(["Annual", "Quarterly", "Monthly", "annual", "Yearly", "", None])
AGENCIES = st.sampled_from(["Police", "health", "Children's social care", "Council", "", None])
PI_ROW = st.tuples(
    PI_CODES, PERIODS, NUMBERS, NUMBERS, NUMBERS, AGENCIES, FREQUENCIES, st.sampled_from([None, "note", "=cmd"])
)
BLANK = st.just([None] * 8)
ROWS = st.lists(st.one_of(PI_ROW.map(list), BLANK), max_size=25).flatmap(
    lambda rows: st.just(rows + rows[: len(rows) // 4])
)  # some rows pasted twice
FEASIBILITY_ROW = st.tuples(
    PI_CODES,
    st.sampled_from(["Yes", "Partially", "No", "yes", "Maybe", None]),
    st.sampled_from(["None", "Reporting cycle", "Data availability", "Other", "Budget", None]),
    st.sampled_from([None, "fine", "A boy called Jamie Smith"]),
).map(list)
NARRATIVE_ROW = st.tuples(
    st.sampled_from(["C01", "c02 ", "C99", None, ""]), st.sampled_from([None, "text", "DOB 12/03/2001"])
).map(list)


def _non_empty(rows) -> set[int]:
    return {i for i, row in enumerate(rows, start=2) if any(v not in (None, "") for v in row)}


def _assert_accounted_and_located(parsed, rows_by_sheet):
    if parsed.status == "rejected":
        assert len(parsed.issues) == 1 and parsed.issues[0]["severity"] == "error"
        return
    placed = {
        "PI data": [f["row_number"] for f in parsed.pi_values],
        "Feasibility": [f["row_number"] for f in parsed.feasibility],
        "Narrative": [f["row_number"] for f in parsed.narratives],
    }
    for rejected in parsed.rejected_rows:
        placed[rejected["sheet"]].append(rejected["row_number"])
    for sheet, rows in rows_by_sheet.items():
        assert sorted(placed[sheet]) == sorted(_non_empty(rows)), sheet
    for issue in parsed.issues:
        assert issue["sheet"] in ("About", "PI data", "Feasibility", "Narrative")
        if issue["row_number"] is not None:
            assert issue["column_name"] and issue["cell_ref"] and issue["cell_ref"].endswith(str(issue["row_number"]))
        else:
            assert issue["check_name"] in ("pi_missing_from_return", "optional_sheet_missing", "sheet_hidden")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pi_rows=ROWS,
    feasibility=st.lists(FEASIBILITY_ROW, max_size=6),
    narratives=st.lists(NARRATIVE_ROW, max_size=4),
    lower_case_sheets=st.booleans(),
    snake_case=st.booleans(),
)
def test_every_row_of_a_messy_workbook_lands_in_exactly_one_place(
    pi_rows, feasibility, narratives, lower_case_sheets, snake_case
):
    header = [h.lower().replace(" ", "_") for h in PI_DATA_HEADER] if snake_case else PI_DATA_HEADER
    names = {n: f" {n.lower()} " for n in ("PI data", "Feasibility", "Narrative")} if lower_case_sheets else None
    with tempfile.TemporaryDirectory() as folder:
        path = write_return(
            Path(folder) / "messy.xlsx",
            pi_rows=pi_rows,
            feasibility_rows=feasibility,
            narrative_rows=narratives,
            headers={"PI data": header, "Feasibility": FEASIBILITY_HEADER, "Narrative": NARRATIVE_HEADER},
            sheet_names=names,
            extra_sheets={"Workings": [["x", "=SUM(A1:A3)"]]},
        )
        parsed = parse(path)
    event(f"status {parsed.status}, rows loaded: {bool(parsed.pi_values)}, rejected: {bool(parsed.rejected_rows)}")
    _assert_accounted_and_located(parsed, {"PI data": pi_rows, "Feasibility": feasibility, "Narrative": narratives})


@settings(max_examples=40, deadline=None)
@given(pi_rows=ROWS, encoding=st.sampled_from(["utf-8", "cp1252"]), bom=st.booleans())
def test_every_row_of_a_messy_csv_lands_in_exactly_one_place(pi_rows, encoding, bom):
    rows = [
        ["E09000003", *[v if not isinstance(v, (dt.datetime, Formatted)) else "2008-03-31" for v in row]]
        if any(v not in (None, "") for v in row)
        else [None] * 9
        for row in pi_rows
    ]
    with tempfile.TemporaryDirectory() as folder:
        parsed = parse(write_csv(Path(folder) / "messy.csv", rows, encoding=encoding, bom=bom and encoding == "utf-8"))
    _assert_accounted_and_located(parsed, {"PI data": rows})
