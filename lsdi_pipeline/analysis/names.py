"""Names beside codes: the borough's name next to `borough_code` and the PI's title next to `pi_code`, so an analyst
reading an analysis table need not join `dim_borough` and `dim_indicator` to know what a row is about."""

from __future__ import annotations

import pandas as pd


def with_names(
    frame: pd.DataFrame, dim_borough: pd.DataFrame | None = None, dim_indicator: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The frame with `borough_name` (from dim_borough) and `pi_name` (dim_indicator's title) for the codes it holds;
    None for a code the dimension does not list (a programme-level row has no PI), or where it holds no names."""
    out = frame.copy()
    if dim_borough is not None and "borough_code" in out.columns:
        names = dict(zip(dim_borough["borough_code"], dim_borough.reindex(columns=["borough_name"]).iloc[:, 0]))
        out["borough_name"] = out["borough_code"].map(names).astype("object")
    if dim_indicator is not None and "pi_code" in out.columns:
        titles = dict(zip(dim_indicator["pi_code"], dim_indicator.reindex(columns=["title"]).iloc[:, 0]))
        out["pi_name"] = out["pi_code"].map(titles).astype("object")
    return out
