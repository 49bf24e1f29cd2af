"""Feedback for the boroughs: for every file received, what was wrong, where, and how to fix it.

`reports/feedback/<borough_code>/` holds one borough's files only (an HTML page and a
filterable .xlsx per submission, with a CSV of the findings), so a folder can be sent as it
is; `reports/feedback/index.html` is the data team's page across all boroughs. Borough text
is escaped in HTML and never becomes a formula in a spreadsheet (see `safe`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lsdi_pipeline.analysis.availability import availability_by
from lsdi_pipeline.analysis.timeliness import pilot_returns, returns_by_borough
from lsdi_pipeline.reports.html import document, escape, table
from lsdi_pipeline.reports.safe import safe_csv, write_cell

UNATTRIBUTED = "unattributed"
FINDING_COLUMNS = {
    "severity": "Severity",
    "check_name": "Rule",
    "sheet": "Sheet",
    "row_number": "Row",
    "column_name": "Column",
    "cell_ref": "Cell",
    "value_found": "Value found",
    "message": "What is wrong",
    "fix_hint": "How to fix it",
}
STATUS_TEXT = {
    "accepted": "accepted: no problems found",
    "accepted_with_issues": "accepted, with findings to check",
    "rejected": "rejected: nothing from this file was loaded",
    "duplicate": "a copy of a file already received",
}
_CSS = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem;color:#1d2433;max-width:75rem}\n"
    "table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border-bottom:1px solid #dde;padding:.3rem .5rem;"
    "text-align:left;\nvertical-align:top}th{background:#eef1f6}.error td:first-child{color:#a1001d;font-weight:600}"
    ".warning td:first-child{color:#8a5a00}\n.status{padding:.6rem 1rem;background:#eef4fb;border-left:4px solid "
    "#1f6fb2}.rejected{border-color:#a1001d;background:#fbeeee}"
)
#: a pilot's first return for the year due came in time, or late (`analysis.timeliness.TIMELINESS`); else "no return"
TIMING_TEXT = {"on_time": "on time", "late": "late"}


def findings_for(submission_id: int, dq_issue: pd.DataFrame) -> pd.DataFrame:
    """A submission's findings, errors first, then queries (warnings), in the order of the file."""
    found = dq_issue.loc[dq_issue["submission_id"] == submission_id].copy()
    found["_order"] = found["severity"].map({"error": 0, "warning": 1})
    found = found.sort_values(["_order", "sheet", "row_number", "column_name"], na_position="first", kind="stable")
    return found[list(FINDING_COLUMNS)].reset_index(drop=True)


def page_stem(submission_id: int, file_name: str) -> str:
    """The name of a submission's feedback files: its id and the file it came from."""
    return f"{int(submission_id):04d}-{_slug(Path(str(file_name)).stem)}"


LOADED_SHEETS = {
    "Figures loaded": (
        "fact_pi_value",
        {
            "pi_code": "PI code",
            "period": "Period",
            "raw_value": "Value as sent",
            "value": "Value read",
            "value_status": "Value status",
            "numerator": "Numerator",
            "denominator": "Denominator",
            "quality_status": "Quality",
            "is_current": "Current",
            "row_number": "Row",
            "note": "Note",
        },
    ),
    "Feasibility": (
        "fact_feasibility",
        {
            "pi_code": "PI code",
            "can_provide": "Can provide",
            "main_issue": "Main issue",
            "comment": "Comment",
            "row_number": "Row",
        },
    ),
    "Narratives": ("fact_narrative", {"cluster_code": "Cluster code", "narrative": "Narrative", "row_number": "Row"}),
}
#: borough free text, shown masked wherever it is published
FREE_TEXT = ("note", "comment", "narrative")


def loaded_for(submission_id: int, loaded: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """What was loaded from one submission, per sheet of the feedback workbook, personal data masked."""
    from lsdi_pipeline.checks.personal_data import mask

    out = {}
    for title, (name, columns) in LOADED_SHEETS.items():
        frame = loaded.get(name)
        rows = (
            frame.loc[frame["submission_id"] == submission_id, list(columns)]
            if frame is not None
            else pd.DataFrame(columns=list(columns))
        )
        rows = rows.sort_values("row_number").copy()
        for column in FREE_TEXT:
            if column in rows:
                rows[column] = rows[column].map(lambda text: mask(text) if isinstance(text, str) else text)
        out[title] = rows.rename(columns=columns).reset_index(drop=True)
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:60] or "file"


def submission_page(
    sub: pd.Series, findings: pd.DataFrame, borough_name: str | None, loaded: dict[str, pd.DataFrame] | None = None
) -> str:
    """One submission's feedback page: its status, every finding (errors first) and what was loaded from it."""
    errors, warnings = (findings["severity"] == "error").sum(), (findings["severity"] == "warning").sum()
    status_class = "status rejected" if sub["status"] == "rejected" else "status"
    reason = f"<p><strong>Why:</strong> {escape(sub['reject_reason'])}</p>" if pd.notna(sub["reject_reason"]) else ""
    listed = (
        table(
            (f"<th>{escape(h)}</th>" for h in FINDING_COLUMNS.values()),
            (
                f'<tr class="{escape(f.severity)}">'
                + "".join(f"<td>{escape(getattr(f, c))}</td>" for c in FINDING_COLUMNS)
                + "</tr>"
                for f in findings.itertuples(index=False)
            ),
        )
        if len(findings)
        else "<p>Nothing to correct.</p>"
    )
    status = escape(STATUS_TEXT.get(sub["status"], sub["status"]))
    body = (
        "<h1>Feedback on your return</h1>"
        f"<p>{escape(borough_name or 'Unattributed file')} · file <strong>{escape(sub['file_name'])}</strong> · "
        f"submitted {escape(_date(sub['submitted_on']))} · received {escape(_date(sub['received_at']))}</p>"
        f'<div class="{status_class}"><p><strong>Status:</strong> {status}</p>{reason}'
        f"<p>{errors} error(s) to correct (these figures are not used), {warnings} quer(ies) to check.</p></div>"
        f"<h2>Findings</h2>{listed}"
        "<p>Rules and fix hints: see the LSDI data-quality rules (docs/data-quality-rules.md).</p>"
        + "".join(
            f"<details><summary>{escape(title)} ({len(frame)} rows)</summary>{_rows_table(frame)}</details>"
            for title, frame in (loaded or {}).items()
        )
    )
    return document(f"LSDI return feedback — {sub['file_name']}", _CSS, body)


def _rows_table(frame: pd.DataFrame) -> str:
    """Rows as loaded: the frame's own column names as headings, every value escaped."""
    if frame.empty:
        return "<p>None.</p>"
    return table(
        (f"<th>{escape(c)}</th>" for c in frame.columns),
        ("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>" for row in frame.itertuples(index=False)),
    )


def write_workbook(
    path: Path,
    sub: pd.Series,
    findings: pd.DataFrame,
    borough_name: str | None,
    loaded: dict[str, pd.DataFrame] | None = None,
) -> None:
    """The submission's feedback as a workbook: Summary, Findings (filterable) and a sheet per kind of row loaded."""
    import xlsxwriter

    # nothing a borough typed becomes a formula, a link or a number: text stays text
    book = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": True,
        },
    )  # a non-finite number must never stop the feedback
    bold = book.add_format({"bold": True})
    summary = book.add_worksheet("Summary")
    for i, (label, value) in enumerate(
        [
            ("Borough", borough_name or "unattributed"),
            ("File", sub["file_name"]),
            ("Status", STATUS_TEXT.get(sub["status"], sub["status"])),
            ("Reason", sub["reject_reason"]),
            ("Submitted on", _date(sub["submitted_on"])),
            ("Received", _date(sub["received_at"])),
            ("Errors", int((findings["severity"] == "error").sum())),
            ("Queries", int((findings["severity"] == "warning").sum())),
        ]
    ):
        write_cell(summary, i, 0, label, bold)
        write_cell(summary, i, 1, value)
    _sheet(book, "Findings", findings.rename(columns=FINDING_COLUMNS), bold, widths=(9, 24, 12, 6, 18, 7, 24, 60, 60))
    for title, frame in (loaded or {}).items():
        _sheet(book, title, frame, bold)
    book.close()


def _sheet(book, title: str, frame: pd.DataFrame, bold, widths: tuple[int, ...] = ()) -> None:
    """A sheet with a bold, frozen header row and a filter over the rows."""
    sheet = book.add_worksheet(title)
    for j, header in enumerate(frame.columns):
        write_cell(sheet, 0, j, header, bold)
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        for j, value in enumerate(row):
            write_cell(sheet, i, j, value)
    sheet.freeze_panes(1, 0)
    if len(frame.columns):
        sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
    for j, width in enumerate(widths):
        sheet.set_column(j, j, width)


def _date(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return str(pd.Timestamp(value).date()) if not isinstance(value, str) else value


def write_feedback(
    reports_dir: Path,
    submission: pd.DataFrame,
    dq_issue: pd.DataFrame,
    dim_borough: pd.DataFrame,
    pilot_borough: pd.DataFrame,
    availability_matrix: pd.DataFrame,
    support_below_pct: float,
    generated_at: dt.datetime,
    fact_pi_value: pd.DataFrame | None = None,
    fact_feasibility: pd.DataFrame | None = None,
    fact_narrative: pd.DataFrame | None = None,
) -> dict[str, int]:
    """Write every submission's feedback and the data team's summary (as of `generated_at`); the folder is
    replaced whole.

    A submission whose feedback would come out the same as last time (same file, findings and rows
    loaded) keeps the files already written: only new and changed submissions cost a workbook.
    """
    from lsdi_pipeline.fingerprint import digest, read_digests, write_digests
    from lsdi_pipeline.workers import map_items

    names = dict(zip(dim_borough["borough_code"], dim_borough["borough_name"], strict=True))
    target = reports_dir / "feedback"
    building = reports_dir / f".feedback.{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    before = read_digests(target)
    loaded_tables = {
        name: frame
        for name, frame in (
            ("fact_pi_value", fact_pi_value),
            ("fact_feasibility", fact_feasibility),
            ("fact_narrative", fact_narrative),
        )
        if frame is not None
    }
    rows_digests = {
        name: _digests_by_submission(frame) for name, frame in {"dq_issue": dq_issue, **loaded_tables}.items()
    }
    issues_of = _by_submission(dq_issue)
    loaded_of = {name: _by_submission(frame) for name, frame in loaded_tables.items()}
    jobs, digests = [], {}
    for sub in (row for _, row in submission.sort_values("submission_id").iterrows()):
        submission_id = sub["submission_id"]
        borough = sub["borough_code"] if pd.notna(sub["borough_code"]) else UNATTRIBUTED
        (building / borough).mkdir(exist_ok=True)
        key = f"{borough}/{page_stem(submission_id, sub['file_name'])}"
        digests[key] = digest(
            sub.astype(str).to_dict(),
            names.get(borough),
            {name: rows.get(submission_id) for name, rows in rows_digests.items()},
        )
        if before.get(key) == digests[key] and _reuse(target / key, building / key):
            continue  # the same feedback as last time: last run's files are kept
        jobs.append(
            _Job(
                sub,
                names.get(borough),
                issues_of(submission_id),
                {name: rows_of(submission_id) for name, rows_of in loaded_of.items()},
                building / key,
            )
        )
    map_items(_write_submission_feedback, jobs)  # in worker processes when there are many
    reused = len(digests) - len(jobs)
    (building / "index.html").write_text(
        summary_page(
            submission, dq_issue, dim_borough, pilot_borough, availability_matrix, support_below_pct, generated_at
        ),
        encoding="utf-8",
    )
    write_digests(building, digests)
    old = reports_dir / f".feedback.old.{os.getpid()}"
    if target.exists():
        target.rename(old)
    building.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return {
        "submissions": len(digests),
        "reused": reused,
        "boroughs": len({p.name for p in target.iterdir() if p.is_dir()}),
    }


@dataclass
class _Job:
    """One submission's feedback to write: its row, its findings and the rows loaded from it, and where."""

    sub: pd.Series
    borough_name: str | None
    issues: pd.DataFrame
    loaded: dict[str, pd.DataFrame]
    write_to: Path  # folder/stem


def _write_submission_feedback(job: _Job) -> None:
    """Write one submission's HTML page, workbook and CSV."""
    findings = findings_for(job.sub["submission_id"], job.issues)
    loaded = loaded_for(job.sub["submission_id"], job.loaded)
    (job.write_to.parent / f"{job.write_to.name}.html").write_text(
        submission_page(job.sub, findings, job.borough_name, loaded), encoding="utf-8"
    )
    write_workbook(job.write_to.parent / f"{job.write_to.name}.xlsx", job.sub, findings, job.borough_name, loaded)
    (job.write_to.parent / f"{job.write_to.name}-findings.csv").write_text(
        # with a byte-order mark: without one, Excel opens UTF-8 in the system code page and garbles a £ or an en dash
        safe_csv(findings.rename(columns=FINDING_COLUMNS)),
        encoding="utf-8-sig",
    )


def _digests_by_submission(frame: pd.DataFrame) -> dict:
    """Submission id → a digest of that submission's rows (in whatever order), for all submissions in one pass."""
    import hashlib

    import numpy as np

    rows = pd.Series(pd.util.hash_pandas_object(frame, index=False).to_numpy(), index=frame.index)
    return {
        submission_id: hashlib.sha256(np.sort(hashes.to_numpy()).tobytes()).hexdigest()
        for submission_id, hashes in rows.groupby(frame["submission_id"])
    }


def _by_submission(frame: pd.DataFrame):
    """Submission id → that submission's rows, grouped once rather than filtered for every submission."""
    groups = dict(tuple(frame.groupby("submission_id", sort=False)))
    return lambda submission_id: groups.get(submission_id, frame.iloc[:0])


def _reuse(previous: Path, new: Path) -> bool:
    """Link last run's files (folder/stem) into the folder being built; False (and nothing linked) if any is missing."""
    names = [f"{previous.name}.html", f"{previous.name}.xlsx", f"{previous.name}-findings.csv"]
    if not all((previous.parent / name).is_file() for name in names):
        return False
    for name in names:
        try:
            os.link(previous.parent / name, new.parent / name)
        except OSError:
            shutil.copy2(previous.parent / name, new.parent / name)
    return True


def summary_page(
    submission: pd.DataFrame,
    dq_issue: pd.DataFrame,
    dim_borough: pd.DataFrame,
    pilot_borough: pd.DataFrame,
    availability_matrix: pd.DataFrame,
    support_below_pct: float,
    generated_at: dt.datetime,
) -> str:
    """The data team's page: who has sent what, who is late against the pilot deadline, who needs support."""
    pilots = pilot_returns(pilot_borough, submission).set_index("borough_code")
    first_return = returns_by_borough(submission).set_index("borough_code")["first_return"]
    availability = availability_by(availability_matrix, "borough_code").set_index("borough_code")["availability_pct"]
    sent_by = dict(tuple(submission.groupby("borough_code", sort=False)))
    counts = (
        dq_issue.merge(submission[["submission_id", "borough_code"]], on="submission_id", suffixes=("_issue", ""))
        .groupby(["borough_code", "severity"])
        .size()
    )
    nothing = submission.iloc[:0]
    rows = []
    for borough in dim_borough.sort_values("borough_name").itertuples(index=False):
        code, pilot = borough.borough_code, borough.borough_code in pilots.index
        sent = sent_by.get(code, nothing)
        if sent.empty and not pilot:
            continue
        first = first_return.get(code)
        first = None if pd.isna(first) else first
        deadline = pilots.at[code, "return_due_on"] if pilot else None
        timing = (
            "–"
            if deadline is None or pd.isna(deadline)
            else TIMING_TEXT.get(pilots.at[code, "timeliness"], "no return")
        )
        pct = availability.get(code)
        errors, warnings = (int(counts.get((code, severity), 0)) for severity in ("error", "warning"))
        support = pilot and (pct is None or pct < support_below_pct or errors > 0 or first is None)
        ordered = sent.sort_values("submission_id")
        files = (
            "<br>".join(
                f'<a href="{escape(code)}/{escape(page_stem(sid, name))}.html">{escape(name)}</a> '
                f"({escape(status.replace('_', ' '))})"
                for sid, name, status in zip(
                    ordered["submission_id"], ordered["file_name"], ordered["status"], strict=True
                )
            )
            or "nothing received"
        )
        cells = (
            escape(borough.borough_name),
            "pilot" if pilot else "",
            files,
            escape(_date(first)),
            escape(_date(deadline)),
            timing,
            errors,
            warnings,
            "" if pct is None else f"{pct:g}%",
            "yes" if support else "",
        )
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    unattributed = submission["borough_code"].isna().sum()
    headings = (
        "Borough",
        "",
        "Files",
        "First usable return",
        "Due",
        "Timing",
        "Errors",
        "Queries",
        "Availability",
        "Needs support",
    )
    body = (
        "<h1>Borough returns: who has sent what</h1>"
        f"<p>Generated {generated_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC. A borough needs support when it is a "
        f"pilot with no usable return, any error, or availability below {support_below_pct:g}%."
        + (
            f" {unattributed} file(s) could not be attributed to a borough: see the unattributed folder."
            if unattributed
            else ""
        )
        + f"</p>{table((f'<th>{escape(h)}</th>' for h in headings), rows)}"
    )
    return document("LSDI returns — summary", _CSS, body)
