"""What one submission's feedback holds, whatever it is written as: its findings in plain words and the rows loaded."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
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


#: findings listed errors first, then queries (another severity, before both)
SEVERITY_ORDER = {"error": 0, "warning": 1}


@dataclass(frozen=True)
class Table:
    """Rows as they are written out: the column names and the rows (tuples of plain values), in the order shown."""

    columns: tuple[str, ...]
    rows: list[tuple] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> list:
        at = self.columns.index(name)
        return [row[at] for row in self.rows]


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
    findings: Table = field(default_factory=lambda: Table(tuple(FINDING_COLUMNS)))  # see findings_by_submission
    loaded: dict[str, Table] = field(default_factory=dict)  # its rows loaded, per sheet: see loaded_by_submission

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


def counting(findings: Table) -> tuple[int, int]:
    """The errors and the queries among the findings that still count."""
    pairs = [s for s, still in zip(findings.column("severity"), findings.column("still_counts")) if still == "yes"]
    return pairs.count("error"), pairs.count("warning")


def findings_by_submission(dq_issue: pd.DataFrame) -> dict[int, Table]:
    """Every submission's findings as the officer reads them (columns FINDING_COLUMNS): those that still count first,
    errors before queries, in the order of the file. `dq_issue` carries `still_counts` (see
    `standing.findings_still_count`). Sorted once for all submissions: each one's rows keep the order they would have
    sorted on their own."""
    found = dq_issue.loc[dq_issue["submission_id"].notna()]
    found = found.assign(
        title=found["check_name"].map(rule_title),
        _order=found["severity"].map(SEVERITY_ORDER),
        _gone=~found["still_counts"].astype(bool),
    ).sort_values(
        ["submission_id", "_gone", "_order", "sheet", "row_number", "column_name"], na_position="first", kind="stable"
    )
    found["still_counts"] = found["still_counts"].map({True: "yes", False: "no"})
    return _split(
        found["submission_id"].astype("int64").to_numpy(), found[list(FINDING_COLUMNS)], tuple(FINDING_COLUMNS)
    )


def page_stem(submission_id: int, file_name: str) -> str:
    """The name of a submission's feedback files: its id and the file it came from."""
    return f"{int(submission_id):04d}-{_slug(Path(str(file_name)).stem)}"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:60] or "file"


def loaded_by_submission(loaded: dict[str, pd.DataFrame], submission_ids) -> dict[int, dict[str, Table]]:
    """What was loaded from each of `submission_ids`, per sheet of the feedback workbook (headings as the workbook
    names them), in the order of the file; borough free text as written (`masked` hides its personal data). A
    submission that loaded nothing has empty sheets."""
    wanted = set(submission_ids)
    out: dict[int, dict[str, Table]] = {sid: {} for sid in wanted}
    for title, (name, columns) in LOADED_SHEETS.items():
        headings = tuple(columns.values())
        frame = loaded.get(name)
        rows = {}
        if frame is not None:
            frame = frame.loc[frame["submission_id"].isin(wanted), ["submission_id", *columns]]
            order, ids = _in_file_order(frame)
            rows = _split(ids, frame[list(columns)].iloc[order], headings)
        for sid in wanted:
            out[sid][title] = rows.get(sid) or Table(headings)
    return out


def masked(loaded: dict[str, Table]) -> dict[str, Table]:
    """The rows loaded (`loaded_by_submission`) with every piece of personal data in borough free text masked: what
    the feedback shows. Done where the feedback is written, in the worker processes."""
    out = {}
    for title, rows in loaded.items():
        free = {at for at, name in enumerate(LOADED_SHEETS[title][1]) if name in FREE_TEXT}
        out[title] = Table(
            rows.columns,
            [
                tuple(_masked_text(v) if at in free and isinstance(v, str) else v for at, v in enumerate(row))
                for row in rows.rows
            ]
            if free
            else rows.rows,
        )
    return out


@functools.lru_cache(maxsize=4096)
def _masked_text(text: str) -> str:
    """`personal_data.mask`, once for a note that many rows repeat."""
    from lsdi_pipeline.checks.personal_data import mask

    return mask(text)


def _in_file_order(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Positions that put `frame` in order of submission, each submission's rows sorted by row number as
    `sort_values("row_number")` sorts them on their own (ties included); and the submission id of each."""
    ids = frame["submission_id"].to_numpy()
    by_id = np.argsort(ids, kind="stable")  # each submission's rows in the frame's order, as a filter keeps them
    groups = np.split(by_id, np.flatnonzero(np.diff(ids[by_id])) + 1) if len(ids) else []
    row_number = frame["row_number"]
    plain = isinstance(row_number.dtype, np.dtype) and row_number.dtype.kind in "iu"  # no missing row number
    numbers = row_number.to_numpy() if plain else None
    order = []
    for group in groups:
        if numbers is not None:
            order.append(group[np.argsort(numbers[group], kind="quicksort")])
        else:
            shown = frame.iloc[group].assign(_at=group).sort_values("row_number")
            order.append(shown["_at"].to_numpy())
    order = np.concatenate(order) if order else np.arange(0)
    return order, ids[order]


def _split(ids: np.ndarray, frame: pd.DataFrame, columns: tuple[str, ...]) -> dict[int, Table]:
    """`frame`'s rows (grouped by `ids`, one per row, each submission's rows together) as a Table per submission."""
    rows = list(frame.itertuples(index=False, name=None))
    starts = [0, *(np.flatnonzero(ids[1:] != ids[:-1]) + 1).tolist(), len(rows)]
    return {int(ids[a]): Table(columns, rows[a:b]) for a, b in zip(starts, starts[1:]) if b > a}


def iso_date(value) -> str:
    """A date as 2008-04-11; '–' when there is none."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return str(pd.Timestamp(value).date()) if not isinstance(value, str) else value
