"""The financial years the loaded returns cover, as their About sheets name them (the submission table's
`return_period`): the year the templates are written for and the years whose periods the pilot is measured on."""

from __future__ import annotations

import pandas as pd

from lsdi_pipeline import codes
from lsdi_pipeline.periods import read_period


def return_years(submission: pd.DataFrame) -> list[int]:
    """The financial years the returns cover (the start year of each), as the loaded returns name them."""
    named = submission.loc[submission["status"].isin(codes.LOADED_STATUSES), "return_period"].dropna().unique()
    periods = (read_period(text, "annual").period for text in named)
    return sorted({p.start.year for p in periods if p is not None})


def return_year(submission: pd.DataFrame) -> int | None:
    """The latest financial year the returns cover (None if no return names one)."""
    years = return_years(submission)
    return years[-1] if years else None
