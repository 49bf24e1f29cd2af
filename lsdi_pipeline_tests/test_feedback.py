"""Feedback for the boroughs: every finding of a submission in its own borough's folder, safe to open."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from lsdi_pipeline_tests.pipeline import copy_bundled_raw, materialize_all, table
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
    return [dict(zip(rows[0], row)) for row in rows[1:]]


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
    csv_text = workbook.with_name(workbook.stem + "-findings.csv").read_text(encoding="utf-8")
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


def test_every_pilot_borough_gets_a_template_from_the_asset(built):
    pilots = set(table(built, "pilot_borough")["borough_code"])
    templates = sorted((built / "reports" / "templates").glob("*.xlsx"))
    assert {p.name.split("_")[0] for p in templates} == pilots
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
