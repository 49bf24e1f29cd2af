"""A data-quality finding: one rule's verdict on one place in one return, made in one way.

Every row of `dq_issue` is a `Finding`. It is located when it is made (the submission, the PI
and period it concerns, and the sheet, row, column and cell), and its rule's category,
severity and fix hint come from the rule list, so no finding can disagree with its rule.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
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
#: the rules, besides those that reject a whole file, whose findings have no cell to point at: a sheet as a whole, or
#: something that is not there (a sheet, a PI's row, a period's figure, a pilot's return)
WITHOUT_A_CELL = frozenset(
    (
        "optional_sheet_missing",
        "sheet_hidden",
        "pi_missing_from_return",
        "period_missing",
        "series_gap",
        "pilot_return_missing",
    )
)


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
        found = rule(
            self.check_name
        )  # a finding of a rule that is not in the rule list is a bug, found where it is made
        if self.where.cell_ref and (found.rejects == "file" or self.check_name in WITHOUT_A_CELL):
            raise ValueError(f"{self.check_name} is about no cell, yet its finding points at {self.where.cell_ref}")

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


#: the fields of a figure's row whose cell `fact_pi_value` keeps as typed, and the column holding that text
TYPED_COLUMNS = {
    "period": "raw_period",
    "numerator": "raw_numerator",
    "denominator": "raw_denominator",
    "value": "raw_value",
}
#: the columns of a figure's row that say which return, PI and period a finding about it concerns
_FIGURE_COLUMNS = ("submission_id", "borough_code", "pi_code", "period", "sheet", "row_number", "field_columns")


def field_columns(header: Mapping[str, tuple[str, str]]) -> str:
    """A return's header as `fact_pi_value.field_columns` keeps it: JSON, field → [column letter, header as written]."""
    return json.dumps({name: list(place) for name, place in header.items()}, ensure_ascii=False, sort_keys=True)


@functools.lru_cache(maxsize=1024)
def _header(columns: str) -> dict[str, list[str]]:
    return json.loads(columns)


def locate(figure: Mapping, field: str | None) -> Location:
    """Where `field` of a figure (a `fact_pi_value` row) is in its return: the cell in that field's column of the
    figure's row, and the cell as typed. No field (a figure that is missing) is its sheet alone."""
    sheet = figure.get("sheet")
    if field is None:
        return Location(sheet)
    row_number = figure.get("row_number")
    columns = figure.get("field_columns")
    letter, header = _header(columns).get(field, (None, None)) if isinstance(columns, str) else (None, None)
    typed = figure.get(TYPED_COLUMNS.get(field, ""))
    return Location(
        sheet,
        None if pd.isna(row_number) else int(row_number),
        header,
        f"{letter}{int(row_number)}" if letter and pd.notna(row_number) else None,
        typed if isinstance(typed, str) else None,
    )


def findings_on_figures(
    check_name: str,
    figures: pd.DataFrame,
    messages: Sequence[str],
    fields: str | None | Sequence[str | None] = "value",
) -> list[Finding]:
    """A finding about each figure of `figures` (rows of `fact_pi_value`), with its message, located to the cell of
    the field it judges (`fields`: one for all, or one per figure) by the figure's own `field_columns`.

    Values come from each column's array, so they are the very scalars `figures.iloc[i]` would give.
    """
    if len(messages) != len(figures):
        raise ValueError(f"{check_name}: {len(messages)} messages for {len(figures)} figures")
    if fields is None or isinstance(fields, str):
        fields = [fields] * len(figures)
    names = [*_FIGURE_COLUMNS, *TYPED_COLUMNS.values()]
    columns = [figures[name].array if name in figures else [None] * len(figures) for name in names]
    findings = []
    for values, message, field in zip(zip(*columns, strict=True), messages, fields, strict=True):
        figure = dict(zip(names, values, strict=True))
        findings.append(
            Finding(
                check_name,
                message,
                figure["submission_id"],
                figure["borough_code"],
                figure["pi_code"],
                figure["period"],
                locate(figure, field),
                field,
            )
        )
    return findings


def finding_records(findings: Iterable[Finding]) -> list[dict]:
    return [f.record() for f in findings]
