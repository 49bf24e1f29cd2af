"""What one submission's feedback holds, whatever it is written as: its findings in plain words and the rows loaded."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lsdi_pipeline.checks.rules import RULES_BY_NAME

UNATTRIBUTED = "unattributed"
#: the findings as the officer reads them (column → heading); the rule's code stays, last, for the data team
FINDING_COLUMNS = {
    "severity": "Severity",
    "title": "Problem",
    "sheet": "Sheet",
    "row_number": "Row",
    "column_name": "Column",
    "cell_ref": "Cell",
    "value_found": "Value found",
    "message": "What is wrong",
    "fix_hint": "How to fix it",
    "still_counts": "Still counts",
    "check_name": "Rule code",
}
STATUS_TEXT = {
    "accepted": "accepted: no problems found",
    "accepted_with_issues": "accepted, with findings to check",
    "rejected": "rejected: nothing from this file was loaded",
    "duplicate": "a copy of a file already received",
}
STANDING_TEXT = {
    "current": "current",
    "partly_replaced": "partly replaced by a newer file",
    "replaced": "replaced by a newer file",
    "duplicate": "a copy of an earlier file",
}
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


@dataclass(frozen=True)
class OtherFile:
    """A file of the same borough a page points to: the newer one that replaced this, or the one this copies."""

    file_name: str
    received_at: object
    page: str  # the file's feedback page, in the same folder


@dataclass
class Feedback:
    """Everything one submission's feedback says, before it is written as a page, a workbook and a CSV."""

    sub: pd.Series
    borough_name: str | None
    standing: str = "current"
    rows: int = 0
    rows_replaced: int = 0
    replaced_by: tuple[OtherFile, ...] = ()
    year: str | None = None
    due: dt.date | None = None  # the return's due date
    corrections_due: dt.date | None = None
    corrected_file_name: str | None = None
    steps: object = None  # next_steps.NextSteps, or None when the data team has not written feedback.toml
    issues: pd.DataFrame = field(default_factory=pd.DataFrame)  # its dq_issue rows, with still_counts
    loaded: dict[str, pd.DataFrame] = field(default_factory=dict)  # its rows of the loaded tables

    def shown(self) -> dict:
        """What the page shows beyond its findings and rows, for telling whether it changed."""
        return {
            "sub": self.sub.astype(str).to_dict(),
            "borough_name": self.borough_name,
            "standing": [self.standing, self.rows, self.rows_replaced, [vars(f) for f in self.replaced_by]],
            "dates": [self.year, self.due, self.corrections_due, self.corrected_file_name],
            "steps": None if self.steps is None else self.steps.as_dict(),
        }


def rule_title(check_name: str) -> str:
    """The rule's plain title; a code the rule list does not know is shown as it is."""
    rule = RULES_BY_NAME.get(check_name)
    return rule.title if rule else check_name


def findings_for(submission_id: int, dq_issue: pd.DataFrame) -> pd.DataFrame:
    """A submission's findings as the officer reads them: those that still count first, errors before queries, in
    the order of the file. `dq_issue` carries `still_counts` (see `standing.findings_still_count`)."""
    found = dq_issue.loc[dq_issue["submission_id"] == submission_id].copy()
    found["title"] = found["check_name"].map(rule_title)
    found["_order"] = found["severity"].map({"error": 0, "warning": 1})
    found["_gone"] = ~found["still_counts"].astype(bool)
    found = found.sort_values(
        ["_gone", "_order", "sheet", "row_number", "column_name"], na_position="first", kind="stable"
    )
    found["still_counts"] = found["still_counts"].map({True: "yes", False: "no"})
    return found[list(FINDING_COLUMNS)].reset_index(drop=True)


def page_stem(submission_id: int, file_name: str) -> str:
    """The name of a submission's feedback files: its id and the file it came from."""
    return f"{int(submission_id):04d}-{_slug(Path(str(file_name)).stem)}"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:60] or "file"


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


def iso_date(value) -> str:
    """A date as 2008-04-11; '–' when there is none."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return str(pd.Timestamp(value).date()) if not isinstance(value, str) else value
