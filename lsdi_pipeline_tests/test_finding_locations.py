"""Every finding points at the cell the officer must change, and quotes that cell as typed (issue 15).

Returns written in tmp_path beside the bundled ones, their PI data columns in another order, headed by the other
names the format reads (field names, capitals) and with columns of the borough's own, make every rule that has a cell
fire. The real pipeline loads them; then every `dq_issue` row with a cell is checked against the archived file itself,
opened as the officer would open it: the cell's column is headed as the field the finding judges, and `value_found` is
the cell as typed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from lsdi_pipeline.checks.findings import WITHOUT_A_CELL
from lsdi_pipeline.checks.personal_data import mask
from lsdi_pipeline.checks.rules import RULES
from lsdi_pipeline.checks.series import check_series
from lsdi_pipeline.codes import normalise_label
from lsdi_pipeline.returns.format import LSDI_R1
from lsdi_pipeline.returns.parse import parse_return
from lsdi_pipeline.returns.reader import column_letter
from lsdi_pipeline.sample import hostile
from lsdi_pipeline_tests.pipeline import copy_bundled_raw, materialize_all, table
from lsdi_pipeline_tests.returns_builder import Formatted, reference_data, write_return

#: a PI data header as a borough might rearrange it: field names and labels in other cases, two columns of its own
HEADER = {
    "note": "NOTE",
    "value": "value",
    None: "Checked by",
    "period": "PERIOD",
    "pi_code": "pi_code",
    "borough_code": "Borough code",
    "denominator": "DENOMINATOR",
    "numerator": "numerator",
    "reporting_frequency": "reporting_frequency",
    "source_agency": "Source Agency",
    "": "Working",
}


def row(pi_code, period, value=None, *, numerator=None, denominator=None, frequency=None, agency=None, note=None,
        borough=None) -> list:  # fmt: skip
    fields = {
        "pi_code": pi_code,
        "period": period,
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "reporting_frequency": frequency,
        "source_agency": agency,
        "note": note,
        "borough_code": borough,
        None: "JS",
        "": None,
    }
    return [fields[name] for name in HEADER]


#: Barnet's return, sent on 14 March 2008: each row breaks one rule (the 2007/08 ones are also incomplete then)
BARNET_ROWS = [
    row("NI999", "2007/08", 5),  # pi_code_unknown
    row("NI62", "banana", 50),  # period_unreadable
    row("NI63", "2007/08", "to follow"),  # value_unreadable
    row("NI64", "2007/08", 50, borough="E09000007"),  # borough_row_mismatch
    row("NI65", "2007/08", 40),
    row("NI65", "2007/08", 41),  # duplicate_conflict
    row("NI66", "2007/08", 40),
    row("NI66", "2007/08", 40),  # duplicate_row
    row("NI61", "2007/08", 50, frequency="Fortnightly", note="Child J.S. born 12/03/2001"),  # frequency_unknown
    row("NI117", "2007/08", 50, agency="Fire brigade"),  # agency_unknown
    row("NI58", "2007/08", 14),  # pi_postponed
    row("NI19", "2007/08", "n/a"),  # pi_not_provided
    row("NI148", "2007/08", "<5"),  # pi_suppressed
    row("L06", "2007/08", "u"),  # pi_marked_unreliable
    row("L07", "2007-08", 50),  # period_ambiguous
    row("NI67", "2007/08", 50),  # cadence_mismatch
    row("NI68", "2007/08 Q1", 50, frequency="Annual"),  # frequency_contradicts_period
    row("L10", "2007/08", "approx 66"),  # qualified_number
    row("L01", "2007-04", "45%", frequency="Monthly"),  # unit_mismatch
    row("L02", "2007/08 Q1", 100, numerator=120, denominator=100),  # numerator_exceeds_denominator
    row("L04", "2007/08 Q1", 104),  # percent_out_of_range
    row("L08", "2007-04", -3, frequency="Monthly"),  # count_invalid
    row("NI51", "2007/08", 18),  # value_out_of_range
    row("L05", "2007/08 Q1", Formatted(0.118, "0.0%"), numerator=50, denominator=100),  # value_inconsistent
    row("L11", "2007 Q4", 80),  # basis_mixed, beside a financial quarter
    row("L11", "2007/08 Q1", 81),
    *[row("NI59", q, 50, numerator=50, denominator=100) for q in ("2007/08 Q1", "2007/08 Q2", "2007/08 Q3")],
    row("NI59", "2007/08 Q4", 50, numerator=50, denominator=100),
    row("NI59", "2007/08", 37.5, numerator=150, denominator=400),  # subannual_unreconciled: numerators 200 ≠ 150
    row("L03", "2025-03-31", 84),  # differs_from_published: DfE published 24.0 per 10,000 children
    row("L03", "2007-12-31", 300),  # outlier among the rates per 10,000 children
    row("L01", "2007-12", 9000, frequency="Monthly"),  # outlier, as a count per 10,000 children
    *[row("NI60", q, 50) for q in ("2007/08 Q1", "2007/08 Q2", "2007/08 Q3")],  # series_gap (no cell)
]


def barnet_workbook(path: Path) -> Path:
    write_return(
        path,
        about={"Submitted on": "14/03/2008", "Return period": "the last one"},  # return_period_invalid
        pi_rows=BARNET_ROWS,
        headers={"PI data": list(HEADER.values())},
        feasibility_rows=[
            ["NI62", "Yes", "None", ""],
            ["NI62", "Yes", "None", ""],  # duplicate_row
            ["NI999", "Yes", "None", ""],  # answer_invalid: the PI code
            ["NI63", "Maybe", "None", ""],  # answer_invalid: the answer
        ],
        narrative_rows=[["C99", "Unknown cluster"]],  # answer_invalid
    )
    workbook = openpyxl.load_workbook(path)
    workbook["PI data"].merge_cells("C2:C3")  # merged_cells, in the borough's own column
    workbook.save(path)
    return path


def barnet_hostile_workbook(path: Path) -> Path:
    """Barnet's second file, written part by part: a formula with its cached value, float noise, a TRUE cell."""
    letters = {name: column_letter(i) for i, name in enumerate(HEADER, start=1)}

    def cell(r: int, name: str, inner: str, kind: str | None = None) -> str:
        typed = f' t="{kind}"' if kind else ""
        return f'<c r="{letters[name]}{r}"{typed}>{inner}</c>'

    def text(r: int, name: str, value: str) -> str:
        return cell(r, name, f"<is><t>{value}</t></is>", "inlineStr")

    rows = [
        (text(2, "pi_code", "L09"), text(2, "period", "2007/08"), cell(2, "value", "<f>40+5</f><v>45</v>")),
        (text(3, "pi_code", "NI70"), text(3, "period", "2007/08"), cell(3, "value", "<v>2500.0000000000005</v>")),
        (text(4, "pi_code", "L15"), text(4, "period", "2007/08"), cell(4, "value", "<v>1</v>", "b")),
        (
            text(5, "pi_code", "L14"),
            text(5, "period", "2007/08"),
            cell(5, "value", "<v>12</v>"),
            cell(5, "note", "<f>A1</f><v>a note</v>", "str"),
        ),
    ]
    body = "".join(f'<row r="{r}">{"".join(cells)}</row>' for r, cells in enumerate(rows, start=2))
    return hostile.write_workbook(path, body, pi_header=list(HEADER.values()))


def other_borough(path: Path, code: str, name: str, submitted_on: str) -> Path:
    return write_return(
        path,
        about={"Borough code": code, "Borough name": name, "Submitted on": submitted_on},
        pi_rows=[row("L01", "2008-01", 300, frequency="Monthly")],
        headers={"PI data": list(HEADER.values())},
    )


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("locations")
    raw = copy_bundled_raw(base / "raw")
    returns = raw / "returns"
    barnet_workbook(returns / "barnet_lsdi_return_2007-08.xlsx")
    barnet_hostile_workbook(returns / "barnet_lsdi_return_2007-08_extra.xlsx")
    other_borough(returns / "kingston_lsdi_return.xlsx", "E09000021", "Kingston upon Thames", "next Tuesday")
    other_borough(returns / "hackney_lsdi_return.xlsx", "E09000012", "Hackney", "2099-12-31")
    warehouse = base / "warehouse"
    materialize_all(raw, warehouse)
    return raw, warehouse


def as_typed(value: object, number_format: str = "General") -> str | None:
    """What Excel's formula bar shows of a cell, worked out here independently of the pipeline: a number in a
    percentage format as the percentage (0.118 in 0.0% shows 11.8%)."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and number_format.endswith("%"):
        return as_typed(round(value * 100, 12)) + "%"
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, float):
        shown = f"{value:.15g}"
        return shown if "e" in shown else shown.rstrip("0").rstrip(".") if "." in shown else shown
    return str(value)


def grid(path: Path, sheet: str) -> dict[str, object]:
    """Every cell of a sheet of an archived return by reference, as openpyxl (or, for a CSV, the csv module) reads
    it: (value, number format)."""
    if path.suffix.lower() == ".csv":
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:  # an agency's export in Windows-1252, as the format allows
            text = data.decode("cp1252")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        return {
            f"{column_letter(c)}{r}": (v, "General") for r, cells in enumerate(rows, 1) for c, v in enumerate(cells, 1)
        }
    workbook = openpyxl.load_workbook(path, data_only=True)
    return {c.coordinate: (c.value, c.number_format) for line in workbook[sheet].iter_rows() for c in line}


def findings_with_fields(raw: Path, warehouse: Path) -> dict[tuple, str | None]:
    """The field each finding judges, as the rules themselves say it: each archived file parsed again, and the rules
    across figures run again on the warehouse's figures. Keyed by what locates a finding."""
    submissions = table(warehouse, "submission")
    indicators, boroughs = table(warehouse, "dim_indicator"), table(warehouse, "dim_borough")
    register, catalogue = reference_data()
    fields = {}
    for entry in submissions.loc[submissions["archive_path"].notna()].to_dict("records"):
        entry["received_at"] = pd.Timestamp(entry["received_at"]).to_pydatetime()
        for f in parse_return(warehouse / entry["archive_path"], entry, register, catalogue).findings:
            fields[(f.check_name, f.submission_id, f.where.sheet, f.where.cell_ref)] = f.field
    facts = table(warehouse, "fact_pi_value")
    for f in check_series(facts, indicators, boroughs, table(warehouse, "published_value")):
        fields[(f.check_name, f.submission_id, f.where.sheet, f.where.cell_ref)] = f.field
    return fields


def test_every_finding_points_at_the_cell_of_the_field_it_judges_and_quotes_it_as_typed(loaded):
    raw, warehouse = loaded
    issues = table(warehouse, "dq_issue").merge(
        table(warehouse, "submission")[["submission_id", "archive_path"]], on="submission_id", how="left"
    )
    located = issues.loc[issues["cell_ref"].notna()]
    fields = findings_with_fields(raw, warehouse)
    grids: dict[tuple, dict] = {}
    judged = set()
    for issue in located.to_dict("records"):
        path = warehouse / issue["archive_path"]
        cells = grids.setdefault((path, issue["sheet"]), grid(path, issue["sheet"]))
        ref = issue["cell_ref"]
        letter, number = re.fullmatch(r"([A-Z]+)(\d+)", ref).groups()
        assert int(number) == issue["row_number"], issue
        typed = as_typed(*cells.get(ref, (None,)))
        expected = mask(typed) if issue["check_name"] == "personal_data" else typed
        assert issue["value_found"] == expected, issue  # (b) the cell as typed
        field = fields[(issue["check_name"], issue["submission_id"], issue["sheet"], ref)]
        if issue["sheet"] == "About":  # field/value pairs: the field's label is beside its cell
            assert normalise_label(str(cells[f"A{number}"][0])) == normalise_label(issue["column_name"]), issue
            continue
        header = cells.get(f"{letter}1", (None,))[0]
        assert header == issue["column_name"], issue  # (a) the column as the return heads it
        if issue["check_name"] == "merged_cells":  # about the cells, in whatever column: the top-left one is quoted
            continue
        sheet_format = next(
            (s for s in (LSDI_R1.pi_data, LSDI_R1.feasibility, LSDI_R1.narrative) if s.name == issue["sheet"]),
            LSDI_R1.pi_data,
        )
        reads_as = (LSDI_R1.csv if path.suffix == ".csv" else sheet_format).field_for(str(header))
        assert reads_as is not None, issue
        if field is not None:
            assert reads_as == field, issue  # (a) ... and that heading is the field the finding judges
            judged.add(issue["check_name"])
    # every rule that has a cell fired, with its cell checked
    with_a_cell = {r.check_name for r in RULES if r.rejects != "file"} - WITHOUT_A_CELL
    assert set(located["check_name"]) == with_a_cell
    assert {
        "basis_mixed",
        "subannual_unreconciled",
        "outlier",
        "differs_from_published",
        "value_inconsistent",
    } <= judged
    # what finds nothing to point at keeps no cell
    assert issues.loc[issues["check_name"].isin(WITHOUT_A_CELL), "cell_ref"].isna().all()


def test_the_class_of_the_issue_each_at_its_own_cell_and_as_typed(loaded):
    """The cases the officer met: a Period finding at the Period cell, a numerator finding at the Numerator cell,
    a rate typed 84 quoted as 84, a proportion quoted as typed and as read, float noise and TRUE as Excel shows them."""
    _, warehouse = loaded
    issues = table(warehouse, "dq_issue").merge(table(warehouse, "submission")[["submission_id", "file_name"]])
    barnet = issues.loc[issues["file_name"].str.startswith("barnet")]
    columns = {name: f"{column_letter(i)}" for i, name in enumerate(HEADER, start=1)}

    def one(check_name, pi_code, period):
        found = barnet.loc[
            (barnet["check_name"] == check_name) & (barnet["pi_code"] == pi_code) & (barnet["period"] == period)
        ]
        assert len(found) == 1, (check_name, pi_code, period)
        return found.iloc[0]

    basis = one("basis_mixed", "L11", "2007 Q4")
    assert (basis["column_name"], basis["value_found"]) == ("PERIOD", "2007 Q4")
    assert basis["cell_ref"].startswith(columns["period"])
    summed = one("subannual_unreconciled", "NI59", "2007/08")
    assert (summed["column_name"], summed["value_found"]) == ("numerator", "150")
    assert "you typed is 150" in summed["message"]
    for check_name, period in (("differs_from_published", "2025-03-31"), ("outlier", "2007-12-31")):
        rate = one(check_name, "L03", period)
        typed = "84" if check_name == "differs_from_published" else "300"
        assert (rate["column_name"], rate["value_found"]) == ("value", typed), rate
        assert rate["message"].startswith(f"L03 {period}: you typed {typed},"), rate["message"]
    count = one("outlier", "L01", "2007-12")
    assert count["value_found"] == "9000"
    assert re.search(r"you typed 9000, which is [\d.]+ per 10,000 children", count["message"]), count["message"]
    proportion = one("value_inconsistent", "L05", "2007/08 Q1")
    assert proportion["value_found"] == "11.8%"  # what Excel shows of 0.118 in a 0.0% cell, in the cell and formula bar
    assert "you typed 11.8%" in proportion["message"]
    assert one("value_out_of_range", "NI70", "2007/08")["value_found"] == "2500"
    assert one("value_unreadable", "L15", "2007/08")["value_found"] == "TRUE"
    formula = one("formula_cell", "L09", "2007/08")
    assert (formula["column_name"], formula["value_found"]) == ("value", "45")
