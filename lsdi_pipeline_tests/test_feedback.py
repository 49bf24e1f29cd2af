"""Feedback for the boroughs: every finding of a submission in its own borough's folder, safe to open."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from html import escape
from pathlib import Path

import openpyxl
import pytest

from lsdi_pipeline_tests.pipeline import copy_bundled_raw, materialize_all, resources, table
from lsdi_pipeline_tests.returns_builder import pi_row, write_return

HYPERLINK = '=HYPERLINK("http://example.invalid","x")'
#: the data team's next steps, as this test's raw folder (LSDI_RAW_DIR) has them
NEXT_STEPS = """
[resubmission]
email = "returns.test@example.org"
file_name = "{borough_code}_{year}_corrected.xlsx"
corrections_within_days = 7

[contact]
name = "Ada Officer"
email = "ada@example.org"
phone = "020 7946 0123"
"""


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
    (raw / "feedback.toml").write_text(NEXT_STEPS, encoding="utf-8")
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
        got = sorted((f["Rule code"], f["Cell"] or "", f["What is wrong"]) for f in _findings_sheet(workbook))
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
    loaded = {name: table(built, name) for name in ("fact_pi_value", "fact_feasibility", "fact_narrative")}
    at = dt.datetime(2008, 4, 14, 9, 30, tzinfo=dt.UTC)
    page = summary_page(*tables, table(built, "availability_matrix"), 60.0, at, loaded)
    assert "Generated 2008-04-14 09:30 UTC." in page
    assert summary_page(*tables, table(built, "availability_matrix"), 60.0, at, loaded) == page


def test_the_report_the_feedback_and_the_phase2_rules_state_one_availability(built):
    """Availability is the share of the figures expected that were provided: the pilot's, and each borough's."""
    matrix = table(built, "availability_matrix")
    provided, expected = int(matrix["periods_provided"].sum()), int(matrix["periods_expected"].sum())
    pilot = round(100 * provided / expected, 1)
    report = (built / "reports" / "phase1_report.html").read_text(encoding="utf-8")
    assert f"provided {provided:,} of {expected:,} expected figures ({pilot:.1f}\u00a0%)" in report
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
            rf"<td>{re.escape(names[code])}</td>(<td class=\"num\">[^<]*</td>){{5}}<td>{share:.1f}\u00a0%",
            pilot_section,
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


def _pages(built: Path, code: str) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in (built / "reports" / "feedback" / code).glob("0*.html")}


def test_rule_titles_are_plain_words_and_unique():
    from lsdi_pipeline.checks.rules import RULES

    titles = [rule.title for rule in RULES]
    assert len(set(titles)) == len(titles)
    for rule in RULES:
        assert rule.title.strip() and rule.check_name not in rule.title and "_" not in rule.title, rule.check_name


def test_the_pages_and_workbook_name_each_problem_by_its_title_with_its_code_beside_it(built):
    from lsdi_pipeline.checks.rules import RULES_BY_NAME

    [workbook] = (built / "reports" / "feedback" / "E09000003").glob("*barnet_return.xlsx")
    findings = _findings_sheet(workbook)
    assert findings and all(f["Problem"] == RULES_BY_NAME[f["Rule code"]].title for f in findings)
    html = workbook.with_suffix(".html").read_text(encoding="utf-8")
    for f in findings:
        link = f'<a href="guidance.html#{f["Rule code"]}">{f["Problem"]}</a>'.replace("'", "&#x27;")
        assert link in html
    guidance = (workbook.parent / "guidance.html").read_text(encoding="utf-8")
    for name, rule in RULES_BY_NAME.items():
        assert f'id="{name}"' in guidance and escape(rule.title) in guidance and escape(rule.fix_hint) in guidance


def test_every_page_and_workbook_says_what_to_do_next_from_the_raw_folders_feedback_toml(built):
    feedback = built / "reports" / "feedback"
    [workbook] = (feedback / "E09000003").glob("*barnet_return.xlsx")
    html = workbook.with_suffix(".html").read_text(encoding="utf-8")
    # Barnet's return is for 2007/08, due 11 April 2008; it arrived today, so the 7-day corrections window is later
    received = table(built, "submission").set_index("file_name").at["barnet_return.xlsx", "received_at"]
    by = (received + dt.timedelta(days=7)).date()
    assert f"Send your corrected file by {by:%A} {by.day} {by:%B %Y}." in html
    assert "The 2007/08 return was due on Friday 11 April 2008." in html
    assert "named E09000003_2007-08_corrected.xlsx," in html and 'href="mailto:returns.test@example.org"' in html
    assert "Ada Officer" in html and 'href="mailto:ada@example.org"' in html and 'href="tel:02079460123"' in html
    summary = dict(openpyxl.load_workbook(workbook)["Summary"].iter_rows(min_col=1, max_col=2, values_only=True))
    assert summary["Send corrections by"] == dt.datetime.combine(by, dt.time())  # an Excel date, not text
    assert summary["Return due"] == dt.datetime(2008, 4, 11)
    assert "returns.test@example.org" in summary["How to send it"] and "020 7946 0123" in summary["Questions"]
    for page in feedback.rglob("0*.html"):
        assert "What to do next" in page.read_text(encoding="utf-8") and "Ada Officer" in page.read_text("utf-8")


def test_the_feedback_refers_to_nothing_an_officer_cannot_open(built):
    feedback = built / "reports" / "feedback"
    for folder in (p for p in feedback.iterdir() if p.is_dir()):
        for path in folder.iterdir():
            text = path.read_text(encoding="utf-8") if path.suffix in (".html", ".csv") else _xlsx_text(path)
            for word in ("docs/", ".md", "github", "lsdi_pipeline/"):
                assert word not in text.lower(), (path.name, word)
            for link in re.findall(r'href="([^"#]+)', text):
                if not link.startswith(("mailto:", "tel:")):
                    assert "/" not in link and (folder / link).is_file(), (path.name, link)


def _xlsx_text(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as book:
        return "".join(book.read(name).decode("utf-8") for name in book.namelist() if name.endswith(".xml"))


def test_a_file_a_newer_one_replaced_says_so_first_and_its_findings_no_longer_count(built):
    pages = _pages(built, "E09000002")
    [old] = [page for name, page in pages.items() if name.endswith("return_2007-08.html")]
    received = (
        table(built, "submission")
        .set_index("file_name")
        .at["barking_and_dagenham_lsdi_return_2007-08_v2_resubmission.xlsx", "received_at"]
    )
    notice = (
        f"Replaced by barking_and_dagenham_lsdi_return_2007-08_v2_resubmission.xlsx, received {received.date()}: the "
        "findings below are about the old file and no longer count."
    )
    assert old.index(notice) < old.index("<h2>Findings</h2>")
    rows = re.findall(r'<tr class="([^"]+)">', old)
    assert rows and all(" gone" in row for row in rows) and "no: replaced by a newer file" in old
    assert not any("Replaced by" in page for name, page in pages.items() if "v2_resubmission" in name)
    folder = (built / "reports" / "feedback" / "E09000002" / "index.html").read_text(encoding="utf-8")
    assert folder.index("v2_resubmission.xlsx") < folder.index("return_2007-08.xlsx")
    [old_book] = (built / "reports" / "feedback" / "E09000002").glob("*return_2007-08.xlsx")
    assert set(f["Still counts"] for f in _findings_sheet(old_book)) == {"no"}
    # Tower Hamlets' police CSV replaced some of its workbook's figures: only the findings on those rows stop counting
    [partly] = [page for name, page in _pages(built, "E09000030").items() if name.endswith("return_2007-08.html")]
    assert "rows of this file were replaced by tower_hamlets_police_export.csv" in partly
    classes = re.findall(r'<tr class="([^"]+)">', partly)
    assert any(" gone" in c for c in classes) and any(" gone" not in c for c in classes)


def _support(built: Path) -> tuple[set[str], set[str]]:
    """The boroughs the data team's index flags as needing support, and those Phase II's support_boroughs names."""
    page = (built / "reports" / "feedback" / "index.html").read_text(encoding="utf-8")
    flagged = {name for name, cells in _summary_rows(page).items() if cells[-1] == "yes"}
    recommendations = table(built, "phase2_recommendation")
    named = recommendations.loc[recommendations["recommendation"] == "support_boroughs", "evidence"]
    return flagged, set(json.loads(named.iloc[0])) if len(named) else set()


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    root = tmp_path_factory.mktemp("bundled")
    materialize_all(copy_bundled_raw(root / "raw"), root / "warehouse")
    return root / "warehouse"


def test_the_index_flags_the_boroughs_phase2_names_and_counts_only_what_still_counts(bundled, built):
    for warehouse in (bundled, built):  # built: Barnet sent a return with errors, which once flagged it alone
        flagged, named = _support(warehouse)
        assert flagged == named and named, warehouse
    issues, rows = (
        table(bundled, "dq_issue"),
        _summary_rows((bundled / "reports" / "feedback" / "index.html").read_text(encoding="utf-8")),
    )
    v2 = issues.loc[issues["submission_id"] == 2]  # Barking and Dagenham's resubmission replaced all of its first file
    assert rows["Barking and Dagenham"][6:8] == [str((v2["severity"] == s).sum()) for s in ("error", "warning")]
    assert (issues.loc[issues["submission_id"] == 1, "severity"] == "error").any()  # errors that no longer count


def test_the_workbook_opens_right_in_excel(built):
    [path] = (built / "reports" / "feedback" / "E09000003").glob("*barnet_return.xlsx")
    book = openpyxl.load_workbook(path)
    for sheet in ("Findings", "Figures loaded", "Feasibility", "Narratives"):
        ws = book[sheet]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        assert all(_width(ws, c) >= 6 for c in range(1, ws.max_column + 1)), sheet
    findings = book["Findings"]
    header = {cell.value: cell.column_letter for cell in findings[1]}
    for column in ("What is wrong", "How to fix it", "Problem"):
        assert _width(findings, openpyxl.utils.column_index_from_string(header[column])) >= 30
        assert findings[f"{header[column]}2"].alignment.wrap_text
    submitted = next(row[1] for row in book["Summary"].iter_rows() if row[0].value == "Submitted on")
    assert submitted.is_date and submitted.value == dt.datetime(2008, 4, 14)


def _width(sheet, column: int) -> float:
    """A column's width as set (openpyxl keeps a run of equal widths under its first column)."""
    for dimension in sheet.column_dimensions.values():
        if dimension.min and dimension.min <= column <= dimension.max and dimension.customWidth:
            return dimension.width
    return 0.0


def test_a_malformed_feedback_toml_stops_the_feedback_naming_the_file_and_line(built, tmp_path):
    import dagster as dg

    from lsdi_pipeline.assets.reports import borough_feedback

    raw = copy_bundled_raw(tmp_path / "raw")
    (raw / "feedback.toml").write_text(NEXT_STEPS.replace('"ada@example.org"', '"ada at example"'), encoding="utf-8")
    warehouse = shutil.copytree(built, tmp_path / "warehouse")
    result = dg.materialize([borough_feedback], resources=resources(raw, warehouse), raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.message + str(failure.step_failure_data.user_failure_data)
    assert "feedback.toml, line 9: [contact] email 'ada at example' is not an email address" in message
