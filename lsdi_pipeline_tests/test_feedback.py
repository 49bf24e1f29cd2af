"""Feedback for the boroughs: every finding of a submission in its own borough's folder, safe to open."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from lsdi_pipeline_tests.pipeline import copy_bundled_raw, materialize_all, resources, table
from lsdi_pipeline_tests.returns_builder import pi_row, write_return

HYPERLINK = '=HYPERLINK("http://example.invalid","x")'


def _as_text(path: Path, sheet: str, ref: str) -> None:
    """Make a cell hold its text as text, as a borough's spreadsheet may (not as a formula)."""
    book = openpyxl.load_workbook(path)
    book[sheet][ref].data_type = "s"
    book.save(path)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("feedback")
    raw = copy_bundled_raw(root / "raw")
    path = write_return(
        raw / "returns" / "barnet_return.xlsx",
        about={"Submitted on": dt.datetime(2008, 4, 14)},
        pi_rows=[
            pi_row("NI62", "2007/08", numerator=12, denominator=100, value=12, frequency="Annual"),
            pi_row("NI59", "2007/08 Q1", numerator=50, denominator=60, value="=1+2", frequency="Quarterly"),
        ],
        narrative_rows=[["C01", HYPERLINK]],
    )
    _as_text(path, "PI data", "E3")
    _as_text(path, "Narrative", "B2")
    (raw / "returns" / "notes.xlsx").write_text("not a workbook")
    materialize_all(raw, root / "warehouse")
    return root / "warehouse"


def _findings_sheet(path: Path) -> list[dict]:
    sheet = openpyxl.load_workbook(path)["Findings"]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_every_finding_of_a_run_appears_in_its_submissions_feedback(built):
    submissions, issues = table(built, "submission"), table(built, "dq_issue")
    feedback = built / "reports" / "feedback"
    for sub in submissions.itertuples():
        folder = feedback / (sub.borough_code if isinstance(sub.borough_code, str) else "unattributed")
        [workbook] = [p for p in folder.glob(f"{sub.submission_id:04d}-*.xlsx")]
        got = sorted((f["Rule"], f["Cell"] or "", f["What is wrong"]) for f in _findings_sheet(workbook))
        own = issues.loc[issues["submission_id"].eq(sub.submission_id).fillna(False).astype(bool)]
        expected = sorted(
            (i.check_name, i.cell_ref if isinstance(i.cell_ref, str) else "", i.message) for i in own.itertuples()
        )
        assert got == expected, workbook.name
        html = workbook.with_suffix(".html").read_text(encoding="utf-8")
        assert html.count("<tr class=") == len(expected)


def test_errors_come_first_then_queries(built):
    [workbook] = (built / "reports" / "feedback" / "E09000003").glob("*barnet_return.xlsx")
    severities = [f["Severity"] for f in _findings_sheet(workbook)]
    assert severities == sorted(severities, key=["error", "warning"].index) and "error" in severities


def test_borough_text_is_text_in_the_workbook_and_neutralised_in_the_csv(built):
    [workbook] = (built / "reports" / "feedback" / "E09000003").glob("*barnet_return.xlsx")
    book = openpyxl.load_workbook(workbook)
    narrative = next(c for row in book["Narratives"].iter_rows() for c in row if c.value == HYPERLINK)
    assert narrative.data_type == "s"
    value = next(c for row in book["Findings"].iter_rows() for c in row if c.value == "=1+2")
    assert value.data_type == "s"
    csv_path = workbook.with_name(workbook.stem + "-findings.csv")
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark: Excel opens it as UTF-8
    csv_text = csv_path.read_text(encoding="utf-8-sig")
    assert "'=1+2" in csv_text and ",=1+2" not in csv_text
    html = workbook.with_suffix(".html").read_text(encoding="utf-8")
    assert HYPERLINK not in html and "=HYPERLINK(&quot;http://example.invalid&quot;,&quot;x&quot;)" in html


def test_each_borough_folder_holds_only_that_boroughs_files(built):
    submissions = table(built, "submission")
    feedback = built / "reports" / "feedback"
    for folder in (p for p in feedback.iterdir() if p.is_dir()):
        ids = {int(p.name[:4]) for p in folder.glob("*.xlsx")}
        owners = set(submissions.loc[submissions["submission_id"].isin(ids), "borough_code"].fillna("unattributed"))
        assert owners == {folder.name}
    assert (feedback / "unattributed").is_dir()  # the file that could not be attributed


def test_the_data_teams_summary_shows_who_sent_what_who_is_late_and_who_needs_support(built):
    page = (built / "reports" / "feedback" / "index.html").read_text(encoding="utf-8")
    assert "Kingston upon Thames" in page and "no return" in page and "late" in page
    assert "Needs support" in page and "barnet_return.xlsx" in page


def _summary_rows(page: str) -> dict[str, list[str]]:
    """The data team's summary page as borough → its cells (links reduced to their text)."""
    rows = {}
    for row in re.findall(r"<tr>(<td>.*?)</tr>", page):
        cells = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", row)]
        rows[cells[0]] = cells
    return rows


def test_the_summary_page_is_rendered_as_of_the_time_it_is_given(built):
    from lsdi_pipeline.reports.feedback import summary_page

    tables = [table(built, name) for name in ("submission", "dq_issue", "dim_borough", "pilot_borough")]
    at = dt.datetime(2008, 4, 14, 9, 30, tzinfo=dt.UTC)
    page = summary_page(*tables, table(built, "availability_matrix"), 60.0, at)
    assert "Generated 2008-04-14 09:30 UTC." in page
    assert summary_page(*tables, table(built, "availability_matrix"), 60.0, at) == page


def test_the_report_the_feedback_and_the_phase2_rules_state_one_availability(built):
    """Availability is the share of the figures expected that were provided: the pilot's, and each borough's."""
    matrix = table(built, "availability_matrix")
    provided, expected = int(matrix["periods_provided"].sum()), int(matrix["periods_expected"].sum())
    pilot = round(100 * provided / expected, 1)
    report = (built / "reports" / "phase1_report.html").read_text(encoding="utf-8")
    assert f"provided {provided:,} of {expected:,} expected figures ({pilot:.1f} %)" in report
    assert "mean availability" not in report
    recommendations = table(built, "phase2_recommendation")
    [extend] = recommendations.loc[recommendations["recommendation"] == "extend_pilot", "evidence"]
    assert json.loads(extend)["availability_pct"] == pilot
    assert f"provided {provided:,} of the {expected:,} figures expected, an availability of {pilot:g}%" in report

    names = table(built, "dim_borough").set_index("borough_code")["borough_name"]
    summary = _summary_rows((built / "reports" / "feedback" / "index.html").read_text(encoding="utf-8"))
    pilot_section = re.search(r'<section id="pilot">(.*?)</section>', report, re.S).group(1)
    for code, figures in matrix.groupby("borough_code"):
        share = round(100 * figures["periods_provided"].sum() / figures["periods_expected"].sum(), 1)
        assert summary[names[code]][8] == f"{share:g}%"
        assert re.search(
            rf"<td>{re.escape(names[code])}</td>(<td class=\"num\">[^<]*</td>){{5}}<td>{share:.1f} %", pilot_section
        )


def test_a_support_threshold_given_as_run_config_reaches_the_feedback(built, tmp_path):
    import dagster as dg

    from lsdi_pipeline.definitions import all_assets
    from lsdi_pipeline.jobs import PHASE2_AND_DOWNSTREAM

    pilots = set(table(built, "pilot_borough")["borough_code"])
    names = table(built, "dim_borough").set_index("borough_code").loc[sorted(pilots), "borough_name"]
    default = _summary_rows((built / "reports" / "feedback" / "index.html").read_text(encoding="utf-8"))
    assert any(default[name][-1] != "yes" for name in names)  # at the default threshold (60%), some need no support

    warehouse = shutil.copytree(built, tmp_path / "warehouse")
    result = dg.materialize(  # other thresholds are run with what shows the recommendations (phase2_rules_job)
        all_assets,
        selection=PHASE2_AND_DOWNSTREAM,
        resources=resources(built.parent / "raw", warehouse),
        run_config={"resources": {"phase2_rules": {"config": {"support_boroughs_below_availability_pct": 101.0}}}},
    )
    assert result.success
    page = (warehouse / "reports" / "feedback" / "index.html").read_text(encoding="utf-8")
    assert "availability below 101%" in page
    assert all(_summary_rows(page)[name][-1] == "yes" for name in names)


def test_every_pilot_borough_gets_a_template_from_the_asset(built):
    pilots = set(table(built, "pilot_borough")["borough_code"])
    templates = sorted((built / "reports" / "templates").glob("*.xlsx"))
    assert {p.name.split("_")[-3] for p in templates} == pilots  # Barnet_E09000003_LSDI-R1_2007-08.xlsx
    book = openpyxl.load_workbook(templates[0])
    assert {"About", "PI data", "Feasibility", "Narrative"} <= set(book.sheetnames)
    assert book["About"]["B4"].value == "2007/08"


def test_lsdi_template_writes_a_borough_template_from_the_command_line(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "barnet.xlsx"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lsdi_pipeline.cli",
            "template",
            "--borough",
            "E09000003",
            "--period",
            "2007/08",
            "--output",
            str(out),
        ],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    about = {r[0]: r[1] for r in openpyxl.load_workbook(out)["About"].iter_rows(values_only=True)}
    assert about["Borough code"] == "E09000003" and about["Return period"] == "2007/08"
    wrong = subprocess.run(
        [
            sys.executable,
            "-m",
            "lsdi_pipeline.cli",
            "template",
            "--borough",
            "Atlantis",
            "--period",
            "2007/08",
            "--output",
            str(out),
        ],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert wrong.returncode == 2 and "Atlantis" in wrong.stderr
