"""Which boroughs sent a return, and whether a pilot's return came in time: judged on the year the due date is for.

A return counts once its rows were loaded (`codes.LOADED_STATUSES`: accepted, or accepted with issues); a rejected
file or a duplicate is received but is not a return. The report, the feedback and the Phase II rules all use these.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from lsdi_pipeline import codes
from lsdi_pipeline.periods import year_due_on

#: whether a pilot's return came in time, as `pilot_returns` judges it
TIMELINESS = ("on_time", "late", "no_return_for_year", "no_due_date", "not_loaded", "nothing_received")
RETURN_COLUMNS = ["borough_code", "files", "loaded_files", "statuses", "first_return", "latest_return"]
PILOT_COLUMNS = [
    "borough_code",
    "expressed_interest_on",
    "chair_confirmed_on",
    "return_due_on",
    "year_due",
    "files",
    "loaded_files",
    "statuses",
    "first_return",
    "latest_return",
    "timeliness",
    "days_late",
]


def loaded(submission: pd.DataFrame) -> pd.DataFrame:
    """The submissions whose rows were loaded: the returns, as opposed to files rejected or sent twice."""
    return submission.loc[submission["status"].isin(codes.LOADED_STATUSES)]


def returns_by_borough(submission: pd.DataFrame) -> pd.DataFrame:
    """One row per borough that sent anything: its files, how many were loaded, their statuses (most first, ties in
    order of arrival in the table) and its first and latest return (by Submitted on)."""
    # One pass over the files, not one filter per borough: national scale has thousands of files.
    statuses: dict[str, Counter] = {}
    for code, status in zip(submission["borough_code"], submission["status"], strict=True):
        counter = statuses.setdefault(code, Counter())
        if status is not None and not pd.isna(status):
            counter[status] += 1
    returns = loaded(submission).groupby("borough_code")["submitted_on"]
    frame = pd.DataFrame(
        {
            "files": submission.groupby("borough_code").size(),
            "loaded_files": returns.size(),
            "first_return": returns.min(),
            "latest_return": returns.max(),
        }
    )
    frame["loaded_files"] = frame["loaded_files"].fillna(0).astype(int)
    frame["statuses"] = [statuses[code].most_common() for code in frame.index]
    return frame.rename_axis("borough_code").reset_index()[RETURN_COLUMNS]


def pilot_returns(pilot_borough: pd.DataFrame, submission: pd.DataFrame) -> pd.DataFrame:
    """One row per pilot borough, in the pilot register's order: its dates, the files it sent, its first and latest
    return, and whether the first return for the year due came by the due date (`TIMELINESS`, and days late)."""
    sent = returns_by_borough(submission).set_index("borough_code").to_dict("index")
    nothing = {"files": 0, "loaded_files": 0, "statuses": [], "first_return": None, "latest_return": None}
    # each borough's returns as (the year it names, Submitted on), in one pass: national scale has thousands of files
    usable = loaded(submission)
    returns_of: dict[str, list[tuple]] = {}
    for code, year, on in zip(usable["borough_code"], usable["return_period"], usable["submitted_on"], strict=True):
        returns_of.setdefault(code, []).append((year, on))
    rows = []
    for pilot in pilot_borough.itertuples(index=False):
        code, due = pilot.borough_code, pilot.return_due_on
        got = sent.get(code, nothing)
        timeliness, days_late = _timeliness(returns_of.get(code, []), due, got["files"])
        rows.append(
            {
                "borough_code": code,
                "expressed_interest_on": pilot.expressed_interest_on,
                "chair_confirmed_on": pilot.chair_confirmed_on,
                "return_due_on": due,
                "year_due": year_due_on(pd.Timestamp(due).date()).label if pd.notna(due) else None,
                "files": int(got["files"]),
                "loaded_files": int(got["loaded_files"]),
                "statuses": got["statuses"],
                "first_return": got["first_return"] if pd.notna(got["first_return"]) else None,
                "latest_return": got["latest_return"] if pd.notna(got["latest_return"]) else None,
                "timeliness": timeliness,
                "days_late": days_late,
            }
        )
    return pd.DataFrame(rows, columns=PILOT_COLUMNS)


def _timeliness(returns: list[tuple], due, files: int) -> tuple[str, int | None]:
    """Whether the first return (by Submitted on) for the financial year a return due on `due` covers came by then;
    `returns` are the borough's, as (the year each names, Submitted on). Returns for other years do not count; a
    return that does not name its year does."""
    if not returns:
        return ("not_loaded" if files else "nothing_received"), None
    if pd.isna(due):
        return "no_due_date", None
    year = year_due_on(pd.Timestamp(due).date()).label
    dates = [on for named, on in returns if (pd.isna(named) or named == year) and pd.notna(on)]
    if not dates:
        return "no_return_for_year", None
    first = pd.Timestamp(min(dates))
    days = (first - pd.Timestamp(due)).days
    return ("late" if first > pd.Timestamp(due) else "on_time"), days
