"""Whether a borough's return came in time: judged on the year the due date is for."""

from __future__ import annotations

import pandas as pd

from lsdi_pipeline.periods import year_due_on


def first_return_for_due_year(usable: pd.DataFrame, due) -> pd.Timestamp | None:
    """The first usable return (by Submitted on) for the financial year a return due on `due` covers.

    Returns for other years do not count; a return that does not name its year does.
    """
    year = year_due_on(pd.Timestamp(due).date()).label
    dates = usable.loc[usable["return_period"].isna() | (usable["return_period"] == year), "submitted_on"].dropna()
    return pd.Timestamp(dates.min()) if len(dates) else None
