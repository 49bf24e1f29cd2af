"""The data team's questions about the returns collection, answered from the warehouse tables.

Each question is the pass or fail of an asset check in the Dagster UI (`assets/checks.py`), and each answer names
every borough it fails on, so the team knows whom to call. Findings count only on a borough's current files: a
file whose figures a later return replaced has been dealt with by that return. The thresholds are in the `[checks]`
section of phase2_rules.toml, the file the data team edits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from lsdi_pipeline import codes
from lsdi_pipeline.analysis.recommendations import boroughs_needing_support


@dataclass(frozen=True)
class Answer:
    """A check's answer: the boroughs it fails on (code → what is wrong there), figures for the metadata and, for
    a check on findings, the findings of the failing boroughs."""

    failing: dict[str, str]
    figures: dict[str, int]
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def passed(self) -> bool:
        return not self.failing


def current_submissions(
    submission: pd.DataFrame, fact_pi_value: pd.DataFrame, fact_feasibility: pd.DataFrame, fact_narrative: pd.DataFrame
) -> set[int]:
    """The ids of the loaded files still in force: those with a current figure, feasibility answer or narrative, and
    each borough's latest loaded file (a return with no rows is not replaced by having none)."""
    in_force = set()
    for rows in (fact_pi_value, fact_feasibility, fact_narrative):
        in_force |= set(rows.loc[rows["is_current"].astype(bool), "submission_id"].astype(int))
    loaded = submission.loc[submission["status"].isin(codes.LOADED_STATUSES)]
    latest = loaded.sort_values(["submitted_on", "received_at", "submission_id"], kind="stable").groupby(
        "borough_code"
    )["submission_id"]
    return in_force | set(latest.last().astype(int))


def unreadable_latest_files(submission: pd.DataFrame) -> Answer:
    """Is every borough's latest file readable? A rejected file fails the borough unless a file of the borough that
    loaded arrived after it (it resent); a rejected file no borough could be told from is listed by its name."""
    order = submission.sort_values(["received_at", "submission_id"], kind="stable")
    borough = order["borough_code"].fillna("")
    loaded = order["status"].isin(codes.LOADED_STATUSES)
    last_loaded = order["received_at"].where(loaded).groupby(borough).transform("max")
    resent = loaded.groupby(borough).transform("any")
    rejected = order.loc[(order["status"] == "rejected") & ~(resent & ~(order["received_at"] > last_loaded))]
    failing: dict[str, str] = {}
    for code, file_name, reason in sorted(
        zip(borough[rejected.index], rejected["file_name"], rejected["reject_reason"], strict=True),
        key=lambda file: file[0],
    ):  # boroughs in order, each one's files in the order they arrived (the sort is stable)
        key = code or f"file {file_name}"
        reason = f"{file_name}: {reason if isinstance(reason, str) and reason else 'rejected'}"
        failing[key] = f"{failing[key]}; {reason}" if key in failing else reason
    return Answer(failing, {"files_rejected": int((submission["status"] == "rejected").sum())})


def overdue_pilot_returns(dq_issue: pd.DataFrame, pilot_borough: pd.DataFrame, today: dt.date) -> Answer:
    """Has every pilot whose return is due sent one? The pilot_return_missing findings, less the pilots whose due
    date is still to come."""
    missing = set(dq_issue.loc[dq_issue["check_name"] == "pilot_return_missing", "borough_code"])
    due = pilot_borough.set_index("borough_code")["return_due_on"]
    failing, waiting = {}, 0
    for code in sorted(missing):
        on = due.get(code)
        if pd.notna(on) and pd.Timestamp(on).date() >= today:
            waiting += 1
        else:
            failing[code] = f"no usable return (due {pd.Timestamp(on).date()})" if pd.notna(on) else "no usable return"
    return Answer(failing, {"pilots": len(pilot_borough), "not_yet_due": waiting})


def findings_over_limit(dq_issue: pd.DataFrame, current: set[int], severity: str, limit: int) -> Answer:
    """Are the findings of this severity on current files at most `limit` per borough? Findings on replaced files,
    and those about no file at all, do not count."""
    on_current = dq_issue.loc[
        (dq_issue["severity"] == severity) & dq_issue["submission_id"].isin(current) & dq_issue["borough_code"].notna()
    ]
    per_borough = on_current.groupby("borough_code")["check_name"]
    failing = {
        code: f"{len(rules)} {severity}s ({', '.join(f'{n} {r}' for r, n in rules.value_counts().items())})"
        for code, rules in per_borough
        if len(rules) > limit
    }
    return Answer(
        failing,
        {
            f"{severity}s_on_current_files": len(on_current),
            "boroughs_with_any": int(per_borough.ngroups),
            "limit": limit,
        },
        on_current.loc[on_current["borough_code"].isin(failing)],
    )


def pilots_below_support_threshold(availability_matrix: pd.DataFrame, threshold_pct: float) -> Answer:
    """Does every pilot reach the support threshold? The pilots whose availability is below the Phase II rule's
    threshold: those the support_boroughs recommendation names."""
    weak = boroughs_needing_support(availability_matrix, threshold_pct).sort_values()
    return Answer(
        {code: f"{pct:g}% of the figures expected provided" for code, pct in weak.items()},
        {"pilots": int(availability_matrix["borough_code"].nunique())},
    )
