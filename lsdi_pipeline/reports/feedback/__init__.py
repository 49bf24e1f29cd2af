"""Feedback for the boroughs: for every file received, what was wrong, where, how to fix it and what to do next.

`reports/feedback/<borough_code>/` holds one borough's files only — per submission an HTML page, a filterable .xlsx
and a CSV of the findings; the folder's own `index.html` (its files, the one that counts first) and `guidance.html`
(every rule explained) — so a folder can be sent as it is. `reports/feedback/index.html` is the data team's page
across all boroughs (`index`). What to do next comes from the data team's `feedback.toml` (`next_steps`); which
findings still count once a newer file arrived, from `standing`. Borough text is escaped in HTML and never becomes
a formula in a spreadsheet (see `reports.safe`).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lsdi_pipeline.reports.feedback.content import (
    FINDING_COLUMNS,
    UNATTRIBUTED,
    Feedback,
    OtherFile,
    counting,
    findings_by_submission,
    loaded_by_submission,
    masked,
    page_stem,
)
from lsdi_pipeline.reports.feedback.index import files_in_order, summary_page
from lsdi_pipeline.reports.feedback.next_steps import (
    CONFIG_FILE,
    NextSteps,
    corrected_file_name,
    corrections_due,
    due_for,
    return_year,
)
from lsdi_pipeline.reports.feedback.pages import FOLDER_PAGE, GUIDANCE_PAGE, folder_page, guidance_page, submission_page
from lsdi_pipeline.reports.feedback.standing import findings_still_count, submission_standing
from lsdi_pipeline.reports.feedback.workbook import write_workbook
from lsdi_pipeline.reports.safe import csv_text

__all__ = ["summary_page", "write_feedback"]


def write_feedback(
    reports_dir: Path,
    submission: pd.DataFrame,
    dq_issue: pd.DataFrame,
    dim_borough: pd.DataFrame,
    pilot_borough: pd.DataFrame,
    availability_matrix: pd.DataFrame,
    support_below_pct: float,
    generated_at: dt.datetime,
    fact_pi_value: pd.DataFrame,
    fact_feasibility: pd.DataFrame,
    fact_narrative: pd.DataFrame,
    steps: NextSteps | None = None,
) -> dict[str, int]:
    """Write every submission's feedback, each borough folder's pages and the data team's summary (as of
    `generated_at`), with the next steps `steps` gives; the folder is replaced whole.

    A submission whose feedback would come out the same as last time (same file, findings, rows loaded, standing and
    next steps) keeps the files already written: only new and changed submissions cost a workbook.
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
        "fact_pi_value": fact_pi_value,
        "fact_feasibility": fact_feasibility,
        "fact_narrative": fact_narrative,
    }
    standing = submission_standing(submission, loaded_tables)
    still_counts = findings_still_count(dq_issue, standing, loaded_tables)
    issues = dq_issue.assign(still_counts=still_counts)
    rows_digests = {
        name: _digests_by_submission(frame) for name, frame in {"dq_issue": issues, **loaded_tables}.items()
    }
    findings_of = findings_by_submission(issues)
    feedback = _feedback(submission, standing, names, pilot_borough, steps)
    jobs, digests, folders = [], {}, {}
    for fb in feedback:
        submission_id = fb.sub["submission_id"]
        borough = fb.sub["borough_code"] if pd.notna(fb.sub["borough_code"]) else UNATTRIBUTED
        (building / borough).mkdir(exist_ok=True)
        folders.setdefault(borough, []).append(fb)
        fb.findings = findings_of.get(submission_id, fb.findings)
        key = f"{borough}/{page_stem(submission_id, fb.sub['file_name'])}"
        digests[key] = digest(fb.shown(), {name: rows.get(submission_id) for name, rows in rows_digests.items()})
        if before.get(key) == digests[key] and _reuse(target / key, building / key):
            continue  # the same feedback as last time: last run's files are kept
        jobs.append(_Job(fb, building / key))
    loaded_of = loaded_by_submission(loaded_tables, [job.feedback.sub["submission_id"] for job in jobs])
    for job in jobs:
        job.feedback.loaded = loaded_of[job.feedback.sub["submission_id"]]
    # the submissions' files are written in worker processes (when there are many) while this one writes the pages
    with concurrent.futures.ThreadPoolExecutor(1) as background:
        written = background.submit(map_items, _write_submission_feedback, jobs)
        guidance = guidance_page()
        listed_at = {sid: at for at, sid in enumerate(files_in_order(submission, standing)["submission_id"])}
        for borough, files in folders.items():
            (building / borough / GUIDANCE_PAGE).write_text(guidance, encoding="utf-8")
            (building / borough / FOLDER_PAGE).write_text(
                folder_page(names.get(borough), _listed(files, listed_at)), encoding="utf-8"
            )
        (building / GUIDANCE_PAGE).write_text(guidance, encoding="utf-8")
        (building / "index.html").write_text(
            summary_page(
                submission,
                dq_issue,
                dim_borough,
                pilot_borough,
                availability_matrix,
                support_below_pct,
                generated_at,
                loaded_tables,
                CONFIG_FILE if steps else None,
                standing=standing,
                still_counts=still_counts,
            ),
            encoding="utf-8",
        )
        written.result()
    write_digests(building, digests)
    old = reports_dir / f".feedback.old.{os.getpid()}"
    if target.exists():
        target.rename(old)
    building.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return {"submissions": len(digests), "reused": len(digests) - len(jobs), "boroughs": len(folders)}


def _feedback(
    submission: pd.DataFrame,
    standing: pd.DataFrame,
    names: dict,
    pilot_borough: pd.DataFrame,
    steps: NextSteps | None,
) -> list[Feedback]:
    """Every submission's feedback but its findings and rows: standing, the files that replaced it, and next steps."""
    due_of = dict(zip(pilot_borough["borough_code"], pilot_borough["return_due_on"], strict=True))
    by_id = submission.set_index("submission_id")
    standing_of = standing.set_index("submission_id")
    out = []
    for _, sub in submission.sort_values("submission_id").iterrows():
        code = sub["borough_code"] if pd.notna(sub["borough_code"]) else None
        state = standing_of.loc[sub["submission_id"]]
        due = due_for(sub, due_of.get(code))
        year = return_year(sub, due)
        out.append(
            Feedback(
                sub=sub,
                borough_name=names.get(code),
                standing=state["standing"],
                rows=int(state["rows"]),
                rows_replaced=int(state["rows_replaced"]),
                replaced_by=tuple(
                    OtherFile(
                        by_id.at[i, "file_name"],
                        by_id.at[i, "received_at"],
                        f"{page_stem(i, by_id.at[i, 'file_name'])}.html",
                    )
                    for i in state["replaced_by"]
                ),
                year=year,
                due=due,
                corrections_due=corrections_due(sub, due, steps),
                corrected_file_name=corrected_file_name(steps, code, names.get(code), year) if steps else None,
                steps=steps,
            )
        )
    return out


def _listed(files: list[Feedback], listed_at: dict) -> list[tuple[Feedback, int, int]]:
    """A folder's files for its own page, in the order they are listed (`listed_at`: each submission's place among all
    files, `index.files_in_order`), with their findings that still count."""
    return [(fb, *counting(fb.findings)) for fb in sorted(files, key=lambda fb: listed_at[fb.sub["submission_id"]])]


@dataclass
class _Job:
    """One submission's feedback to write, and where (folder/stem)."""

    feedback: Feedback
    write_to: Path


def _write_submission_feedback(job: _Job) -> None:
    """Write one submission's HTML page, workbook and CSV."""
    fb = job.feedback
    fb.loaded = masked(fb.loaded)
    folder, stem = job.write_to.parent, job.write_to.name
    (folder / f"{stem}.html").write_text(submission_page(fb), encoding="utf-8")
    write_workbook(folder / f"{stem}.xlsx", fb)
    (folder / f"{stem}-findings.csv").write_text(
        # with a byte-order mark: without one, Excel opens UTF-8 in the system code page and garbles a £ or an en dash
        csv_text(FINDING_COLUMNS.values(), fb.findings.rows),
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
