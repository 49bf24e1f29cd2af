"""A data-quality finding: one rule's verdict on one place in one return, made in one way.

Every row of `dq_issue` is a `Finding`. It is located when it is made (the submission, the PI
and period it concerns, and the sheet, row, column and cell), and its rule's category,
severity and fix hint come from the rule list, so no finding can disagree with its rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from lsdi_pipeline.checks.rules import Rule, rule


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a return: its sheet, and where known the row, the column (as headed), the cell and what it held."""

    sheet: str | None = None
    row_number: int | None = None
    column_name: str | None = None
    cell_ref: str | None = None
    value_found: str | None = None


#: a finding about a return as a whole, or about something never sent
NOWHERE = Location()


@dataclass(frozen=True, slots=True)
class Finding:
    """What `check_name` found, in words for the borough (`message`), and where.

    `field` names the return's field the finding is about (`value`, `period`, `note`, …; None for a file, a sheet or
    a return that never came): a figure's quality is decided by the findings about its own fields.
    """

    check_name: str
    message: str
    submission_id: int | None
    borough_code: str | None
    pi_code: str | None = None
    period: str | None = None
    where: Location = NOWHERE
    field: str | None = None

    def __post_init__(self) -> None:
        rule(self.check_name)  # a finding of a rule that is not in the rule list is a bug, found where it is made

    @property
    def rule(self) -> Rule:
        return rule(self.check_name)

    def record(self) -> dict:
        """The finding as a `dq_issue` row, with the field it is about (which the warehouse does not keep)."""
        r = self.rule
        w = self.where
        return {
            "submission_id": self.submission_id,
            "borough_code": self.borough_code,
            "pi_code": self.pi_code,
            "period": self.period,
            "check_name": self.check_name,
            "category": r.category,
            "severity": r.severity,
            "message": self.message,
            "sheet": w.sheet,
            "row_number": w.row_number,
            "column_name": w.column_name,
            "cell_ref": w.cell_ref,
            "value_found": w.value_found,
            "fix_hint": r.fix_hint,
            "field": self.field,
        }


#: the columns of a figure's row that locate a finding about it (a column the frame lacks gives None)
_FIGURE_COLUMNS = ("submission_id", "borough_code", "pi_code", "period", "sheet", "row_number", "value_cell_ref")


def findings_on_figures(
    check_name: str,
    figures: pd.DataFrame,
    messages: Sequence[str],
    column: str | None = "Value",
    field: str | None = "value",
) -> list[Finding]:
    """A finding about each figure of `figures` (rows of `fact_pi_value`), with its message, in `column` of its row.

    Values come from each column's array, so they are the very scalars `figures.iloc[i]` would give.
    """
    if len(messages) != len(figures):
        raise ValueError(f"{check_name}: {len(messages)} messages for {len(figures)} figures")
    columns = [figures[name].array if name in figures else [None] * len(figures) for name in _FIGURE_COLUMNS]
    raw = figures["raw_value"].array if "raw_value" in figures else [None] * len(figures)
    return [
        Finding(
            check_name,
            message,
            submission_id,
            borough_code,
            pi_code,
            period,
            Location(sheet, row_number, column, cell_ref, value_found),
            field,
        )
        for (submission_id, borough_code, pi_code, period, sheet, row_number, cell_ref), value_found, message in zip(
            zip(*columns, strict=True), raw, messages, strict=True
        )
    ]


def finding_records(findings: Iterable[Finding]) -> list[dict]:
    return [f.record() for f in findings]
