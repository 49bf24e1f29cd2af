"""Every rule in the rule list has a failing and a passing case (as the SSDA903/CIN validators do)."""

from __future__ import annotations

import datetime as dt
import zipfile

import pandas as pd
import pytest

from lsdi_pipeline import reference
from lsdi_pipeline.checks.figures import Figure, check_figure
from lsdi_pipeline.checks.findings import field_columns, finding_records
from lsdi_pipeline.checks.rules import RULES, RULES_BY_NAME
from lsdi_pipeline.checks.series import check_series
from lsdi_pipeline.periods import read_period
from lsdi_pipeline.published import read_published
from lsdi_pipeline.returns.batch import missing_pilot_returns
from lsdi_pipeline.returns.format import LSDI_R1
from lsdi_pipeline.returns.reader import column_letter
from lsdi_pipeline_tests.returns_builder import PI_DATA_HEADER, RAW_DIR, parse, pi_row, reference_data, write_return


# -- rules on one figure ----------------------------------------------------------------------------
def figure(
    pi_code,
    period,
    value=None,
    *,
    status="reported",
    numerator=None,
    denominator=None,
    frequency=None,
    submitted_on=dt.date(2008, 4, 14),
    qualified=None,
    raw_value=None,
    typed_as_percent=False,
) -> Figure:
    _, catalogue = reference_data()
    reading = read_period(period, frequency)
    return Figure(
        catalogue.indicators[pi_code],
        reading.period,
        value,
        status,
        numerator,
        denominator,
        frequency,
        submitted_on,
        reading.ambiguity,
        qualified or {},
        raw_value,
        typed_as_percent,
    )


FIGURE_CASES = {
    "pi_postponed": (figure("NI58", "2007/08", 14), figure("NI62", "2007/08", 12)),
    "pi_not_provided": (
        figure("NI62", "2007/08", status="not_provided", raw_value="n/a"),
        figure("NI62", "2007/08", 12),
    ),
    "pi_suppressed": (figure("NI62", "2007/08", status="suppressed", raw_value="<5"), figure("NI62", "2007/08", 12)),
    "pi_marked_unreliable": (
        figure("NI62", "2007/08", status="low_reliability", raw_value="u"),
        figure("NI62", "2007/08", 12),
    ),
    "period_ambiguous": (
        figure("NI62", "2007-08", 12, frequency="annual"),
        figure("NI62", "2007/08", 12, frequency="annual"),
    ),
    "period_incomplete": (
        figure("NI62", "2007/08", 12, submitted_on=dt.date(2008, 3, 14)),
        figure("NI62", "2007/08", 12),
    ),
    "cadence_mismatch": (figure("NI62", "2007/08 Q1", 12), figure("NI62", "2007/08", 12)),
    "frequency_contradicts_period": (
        figure("NI62", "2007/08", 12, frequency="quarterly"),
        figure("NI62", "2007/08", 12, frequency="annual"),
    ),
    "qualified_number": (
        figure("NI62", "2007/08", 12, qualified={"value": "approx 12"}),
        figure("NI62", "2007/08", 12),
    ),
    "numerator_exceeds_denominator": (
        figure("NI62", "2007/08", 100, numerator=120, denominator=100),
        figure("NI62", "2007/08", 12, numerator=12, denominator=100),
    ),
    "percent_out_of_range": (figure("NI62", "2007/08", 104), figure("NI62", "2007/08", 100)),
    "count_invalid": (
        figure("L01", "2007-04", -3, frequency="monthly"),
        figure("L01", "2007-04", 3, frequency="monthly"),
    ),
    "value_out_of_range": (figure("NI51", "2007/08", 18), figure("NI51", "2007/08", 16)),
    "unit_mismatch": (
        figure("L01", "2007-04", 45, frequency="monthly", raw_value="45%", typed_as_percent=True),
        figure("NI62", "2007/08", 45, raw_value="45%", typed_as_percent=True),
    ),
    "value_inconsistent": (
        figure("NI62", "2007/08", 20, numerator=12, denominator=100),
        figure("NI62", "2007/08", 12.4, numerator=12, denominator=97),
    ),
}


@pytest.mark.parametrize("check_name", sorted(FIGURE_CASES))
def test_figure_rule_fails_and_passes(check_name):
    failing, passing = FIGURE_CASES[check_name]
    assert check_name in {c for c, _, _ in check_figure(failing)}
    assert check_name not in {c for c, _, _ in check_figure(passing)}


#: what the parser alone knows of a figure: how it was written, when it was sent, how an ambiguous period was read
KNOWN_WHEN_READ = {"period_ambiguous", "period_incomplete", "qualified_number", "unit_mismatch"}


@pytest.mark.parametrize("check_name", sorted(set(FIGURE_CASES) - KNOWN_WHEN_READ))
def test_a_figure_as_loaded_is_judged_as_the_row_read(check_name):
    """The expectations run the figure rules again on fact_pi_value: on what the warehouse keeps, they find the same."""
    for read in FIGURE_CASES[check_name]:
        fact = {
            "period": read.period.label,
            "period_type": read.period.period_type,
            "period_start": pd.Timestamp(read.period.start),
            "period_end": pd.Timestamp(read.period.end),
            "value": read.value,
            "value_status": read.value_status,
            "numerator": read.numerator,
            "denominator": read.denominator,
            "reported_frequency": read.frequency,
            "raw_value": read.raw_value,
        }
        assert list(check_figure(Figure.as_loaded(fact, read.pi))) == list(check_figure(read)), read


# -- rules across figures ------------------------------------------------------------------------------
def facts(*rows) -> pd.DataFrame:
    """Current figures: (borough, pi, period, value[, numerator, denominator])."""
    records = []
    for i, (borough, pi_code, period, value, *ratio) in enumerate(rows, start=2):
        p = read_period(period).period
        numerator, denominator = (ratio + [None, None])[:2]
        records.append(
            {
                "submission_id": 1,
                "borough_code": borough,
                "pi_code": pi_code,
                "period": p.label,
                "period_type": p.period_type,
                "period_start": pd.Timestamp(p.start),
                "value": value,
                "value_status": "reported",
                "raw_value": str(value),
                "numerator": numerator,
                "denominator": denominator,
                "quality_status": "ok",
                "is_current": True,
                "sheet": "PI data",
                "row_number": i,
                "value_cell_ref": f"E{i}",
                "raw_period": period,
                "raw_numerator": None if numerator is None else str(numerator),
                "raw_denominator": None if denominator is None else str(denominator),
                "field_columns": TEMPLATE_COLUMNS,
            }
        )
    return pd.DataFrame(records)


#: the template's PI data header, as a figure from a workbook laid out like it records where its fields are
TEMPLATE_COLUMNS = field_columns(
    {name: (column_letter(i), label) for i, (name, label) in enumerate(zip(LSDI_R1.pi_data.names, PI_DATA_HEADER), 1)}
)


def series_findings(frame: pd.DataFrame) -> set[str]:
    return {f["check_name"] for f in series_finding_records(frame)}


def series_finding_records(frame: pd.DataFrame) -> list[dict]:
    """The findings across figures on `frame`, with the bundled catalogue, boroughs' DfE numbers and DfE's published
    files."""
    clusters = reference.read_clusters(RAW_DIR)
    indicators = reference.read_indicators(RAW_DIR, clusters)
    dfe_numbers = reference.read_boroughs(RAW_DIR, pd.DataFrame(columns=["borough_code"])).set_index("borough_code")[
        "dfe_la_code"
    ]
    codes_ = sorted(set(frame["borough_code"]))
    boroughs = pd.DataFrame(
        {"borough_code": codes_, "child_population": 60_000, "dfe_la_code": [dfe_numbers.get(c) for c in codes_]}
    )
    return finding_records(check_series(frame, indicators, boroughs, read_published(RAW_DIR, indicators)))


QUARTERS = [f"2007/08 Q{q}" for q in range(1, 5)]
TEN_BOROUGHS = [f"E090000{n:02d}" for n in range(2, 12)]
SERIES_CASES = {
    "series_gap": (
        facts(*[("E09000002", "NI59", q, 70) for q in QUARTERS[:3]]),
        facts(*[("E09000002", "NI59", q, 70) for q in QUARTERS]),
    ),
    "basis_mixed": (
        facts(("E09000002", "NI112", "2007", 40), ("E09000002", "NI112", "2006/07", 41)),
        facts(("E09000002", "NI112", "2007", 40), ("E09000002", "NI112", "2006", 41)),
    ),
    "subannual_unreconciled": (
        facts(
            *[("E09000002", "NI59", q, 50, 50, 100) for q in QUARTERS], ("E09000002", "NI59", "2007/08", 50, 150, 400)
        ),
        facts(
            *[("E09000002", "NI59", q, 50, 50, 100) for q in QUARTERS], ("E09000002", "NI59", "2007/08", 50, 200, 400)
        ),
    ),
    "outlier": (
        facts(
            *[(b, "NI62", "2007/08", 12 + i % 3) for i, b in enumerate(TEN_BOROUGHS[:-1])],
            (TEN_BOROUGHS[-1], "NI62", "2007/08", 60),
        ),
        facts(*[(b, "NI62", "2007/08", 12 + i % 3) for i, b in enumerate(TEN_BOROUGHS)]),
    ),
    # Camden's NI 65 for 2024/25 as DfE published it (data/raw/published/): 21.9 %
    "differs_from_published": (
        facts(("E09000007", "NI65", "2024/25", 25.0)),
        facts(("E09000007", "NI65", "2024/25", 21.9)),
    ),
}


@pytest.mark.parametrize(
    ("pi_code", "period", "value", "differs"),
    [
        ("NI65", "2024/25", 21.94, False),
        ("NI65", "2024/25", 21.96, True),
        ("NI65", "2024/25", 21.86, False),
        ("L01", "2024/25", 2086.4, False),
        ("L01", "2024/25", 2087, True),  # a count DfE shows whole: ±0.5
        ("L03", "2025-03-31", 42.8, False),
        ("L03", "2025-03-31", 43.0, True),  # a rate DfE gives as its parts: 1 d.p.
    ],
)
def test_a_figure_differs_from_published_only_beyond_dfe_rounding(pi_code, period, value, differs):
    """Camden's figures against DfE's: a figure within half DfE's last digit agrees; beyond it, a warning quoting both,
    located to the Value cell of the row."""
    findings = [
        f
        for f in series_finding_records(facts(("E09000007", pi_code, period, value)))
        if f["check_name"] == "differs_from_published"
    ]
    assert bool(findings) is differs
    if differs:
        (finding,) = findings
        assert finding["cell_ref"] == "E2" and finding["severity"] == "warning" and finding["value_found"] == str(value)
        assert f"{value:g}" in finding["message"] and "DfE published" in finding["message"]


@pytest.mark.parametrize("check_name", sorted(SERIES_CASES))
def test_series_rule_fails_and_passes(check_name):
    failing, passing = SERIES_CASES[check_name]
    assert check_name in series_findings(failing)
    assert check_name not in series_findings(passing)


def test_counts_are_compared_per_child_so_a_large_borough_is_not_an_outlier():
    frame = facts(
        *[(b, "L01", "2007-04", 240 + 3 * i) for i, b in enumerate(TEN_BOROUGHS[:-1])],
        (TEN_BOROUGHS[-1], "L01", "2007-04", 750),
    )
    clusters = reference.read_clusters(RAW_DIR)
    indicators = reference.read_indicators(RAW_DIR, clusters)
    same_size = pd.DataFrame({"borough_code": TEN_BOROUGHS, "child_population": 60_000})
    three_times_larger = same_size.assign(child_population=[60_000] * 9 + [180_000])
    assert "outlier" in {f.check_name for f in check_series(frame, indicators, same_size)}
    assert "outlier" not in {f.check_name for f in check_series(frame, indicators, three_times_larger)}


# -- rules on files and rows, through the parser -----------------------------------------------------------
def _zip_bomb(path):
    write_return(path, pi_rows=[pi_row("NI62", "2007/08", value=12)])
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (120 * 1024 * 1024))
    return path


def _edited(path, edit):
    """A good return, then changed in openpyxl the way an officer might change it in Excel."""
    import openpyxl

    write_return(path, pi_rows=[pi_row("NI62", "2007/08", numerator=12, denominator=100, value=12, frequency="Annual")])
    book = openpyxl.load_workbook(path)
    edit(book)
    book.save(path)
    return path


def _hide_feasibility(book):
    book["Feasibility"].sheet_state = "hidden"


def _merge_header(book):
    book["PI data"].merge_cells("H1:I1")


def _formula_value(book):
    book["PI data"]["E2"] = "=C2/D2*100"


GOOD_ROW = [pi_row("NI62", "2007/08", numerator=12, denominator=100, value=12, frequency="Annual")]
FILE_CASES = {
    "file_unreadable": (
        lambda p: (p.with_suffix(".xlsx").write_text("not a workbook"), p.with_suffix(".xlsx"))[1],
        None,
    ),
    "file_unsupported_type": (lambda p: (p.with_suffix(".xls").write_bytes(b"old"), p.with_suffix(".xls"))[1], None),
    "file_encrypted": (lambda p: (p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512), p)[1], None),
    "file_limits": (_zip_bomb, None),
    "template_version": (lambda p: write_return(p, about={"Template version": "LSDI-R0"}, pi_rows=GOOD_ROW), None),
    "sheet_missing": (lambda p: write_return(p, omit=("PI data",)), None),
    "column_missing": (lambda p: write_return(p, headers={"PI data": ["PI code", "Period", "Amount"]}), None),
    "borough_unknown": (lambda p: write_return(p, about={"Borough code": "E09999999"}, pi_rows=GOOD_ROW), None),
    "borough_mismatch": (lambda p: write_return(p, about={"Borough code": "E09000005"}, pi_rows=GOOD_ROW), None),
    "optional_sheet_missing": (lambda p: write_return(p, omit=("Narrative",), pi_rows=GOOD_ROW), None),
    "return_period_invalid": (lambda p: write_return(p, about={"Return period": "last year"}, pi_rows=GOOD_ROW), None),
    "submitted_on_invalid": (lambda p: write_return(p, about={"Submitted on": "mid April"}, pi_rows=GOOD_ROW), None),
    "submitted_on_after_arrival": (
        lambda p: write_return(p, about={"Submitted on": "2080-04-14"}, pi_rows=GOOD_ROW),
        None,
    ),
    "borough_row_mismatch": (
        lambda p: write_return(
            p,
            headers={"PI data": [*PI_DATA_HEADER, "Borough code"]},
            pi_rows=[[*pi_row("NI62", "2007/08", value=12), "E09000005"]],
        ),
        None,
    ),
    "pi_code_unknown": (lambda p: write_return(p, pi_rows=[pi_row("NI999", "2007/08", value=1)]), None),
    "period_unreadable": (lambda p: write_return(p, pi_rows=[pi_row("NI62", "2007/09", value=12)]), None),
    "value_unreadable": (lambda p: write_return(p, pi_rows=[pi_row("NI62", "2007/08", value="see note")]), None),
    "duplicate_conflict": (
        lambda p: write_return(p, pi_rows=[pi_row("NI62", "2007/08", value=12), pi_row("NI62", "2007/08", value=13)]),
        None,
    ),
    "duplicate_row": (
        lambda p: write_return(p, pi_rows=[pi_row("NI62", "2007/08", value=12), pi_row("NI62", "2007/08", value=12)]),
        None,
    ),
    "answer_invalid": (
        lambda p: write_return(p, pi_rows=GOOD_ROW, feasibility_rows=[["NI62", "Maybe", "None", None]]),
        None,
    ),
    "agency_unknown": (
        lambda p: write_return(p, pi_rows=[pi_row("NI62", "2007/08", value=12, agency="Council")]),
        None,
    ),
    "frequency_unknown": (
        lambda p: write_return(p, pi_rows=[pi_row("NI62", "2007/08", value=12, frequency="Yearly-ish")]),
        None,
    ),
    "pi_missing_from_return": (lambda p: write_return(p, pi_rows=GOOD_ROW), None),
    "sheet_hidden": (lambda p: _edited(p, _hide_feasibility), None),
    "merged_cells": (lambda p: _edited(p, _merge_header), None),
    "formula_cell": (lambda p: _edited(p, _formula_value), None),
    "sheet_duplicated": (
        lambda p: write_return(p, pi_rows=GOOD_ROW, extra_sheets={" pi DATA ": [["PI code", "Period", "Value"]]}),
        None,
    ),
    "personal_data": (
        lambda p: write_return(
            p, pi_rows=GOOD_ROW, narrative_rows=[["C01", "A boy called Jamie Smith, DOB 12/03/2001"]]
        ),
        None,
    ),
}


def _passing_return(path):
    """A return with every phase-1 PI at every expected period, all consistent: no finding at all."""
    _, catalogue = reference_data()
    from lsdi_pipeline.periods import expected_periods

    rows = []
    for pi in catalogue.indicators.values():
        if pi["status"] != "phase_1":
            continue
        for period in expected_periods(2007, pi["expected_cadence"], pi["period_basis"]):
            low = pi["valid_min"] or 0
            # a month such as 2007-08 could also be a financial year: officers write "Aug 2007"
            label = period.start.strftime("%b %Y") if period.period_type == "month" else period.label
            rows.append(
                pi_row(
                    pi["pi_code"],
                    label,
                    value=max(low, 1),
                    frequency={"monthly": "Monthly", "quarterly": "Quarterly", "annual": "Annual"}[
                        pi["expected_cadence"]
                    ],
                )
            )
    clusters = sorted(catalogue.clusters)
    return write_return(
        path,
        pi_rows=rows,
        feasibility_rows=[["NI62", "Yes", "None", None]],
        narrative_rows=[[c, "All on track."] for c in clusters],
    )


@pytest.mark.parametrize("check_name", sorted(FILE_CASES))
def test_file_and_row_rule_fails_and_passes(check_name, tmp_path):
    make_failing, _ = FILE_CASES[check_name]
    failing = parse(make_failing(tmp_path / "failing.xlsx"))
    assert check_name in {i["check_name"] for i in failing.issues}
    passing = parse(_passing_return(tmp_path / "passing.xlsx"))
    assert passing.issues == []
    assert passing.status == "accepted"


def test_a_pilot_with_no_return_is_a_finding_and_one_with_a_return_is_not():
    pilot = pd.DataFrame(
        {"borough_code": ["E09000003", "E09000005"], "return_due_on": [pd.Timestamp("2008-04-11")] * 2}
    )
    subs = pd.DataFrame({"borough_code": ["E09000005"], "status": ["accepted_with_issues"]})
    boroughs = pd.DataFrame({"borough_code": ["E09000003", "E09000005"], "borough_name": ["Barnet", "Brent"]})
    findings = finding_records(missing_pilot_returns(pilot, subs, boroughs))
    assert [(f["borough_code"], f["check_name"], f["submission_id"]) for f in findings] == [
        ("E09000003", "pilot_return_missing", None)
    ]
    assert "Barnet" in findings[0]["message"] and "2008-04-11" in findings[0]["message"]


def test_every_rule_has_a_failing_and_a_passing_case():
    from lsdi_pipeline_tests.test_expectations import BROKEN_BY  # rules measured across the pilot by an expectation

    # file_not_regular is decided before a file is read: test_hostile_returns.py covers it on links, pipes and sockets
    covered = (
        set(FIGURE_CASES)
        | set(SERIES_CASES)
        | set(FILE_CASES)
        | {"pilot_return_missing", "file_not_regular"}
        | (set(BROKEN_BY) & {"period_missing"})
    )
    assert covered == set(RULES_BY_NAME)


def test_every_rule_is_described_for_the_borough_officer():
    for r in RULES:
        assert r.category in ("structure", "availability", "cadence", "integrity")
        assert r.severity in ("error", "warning")
        assert r.description.endswith(".") and r.fix_hint.endswith(".") and len(r.fix_hint) > 20, r.check_name


def test_the_published_rule_page_is_generated_from_the_rule_list():
    from pathlib import Path

    from lsdi_pipeline.checks.rules import rule_page

    page = (Path(__file__).resolve().parent.parent / "docs" / "data-quality-rules.md").read_text(encoding="utf-8")
    assert page.strip() == rule_page().strip(), "run: lsdi rules > docs/data-quality-rules.md"
    for r in RULES:
        assert f"`{r.check_name}`" in page and r.fix_hint in page
