"""The data-quality findings in figures: by category and severity, and by rule."""

from __future__ import annotations

import pandas as pd

from lsdi_pipeline import codes


def findings_by_category(dq_issue: pd.DataFrame) -> pd.DataFrame:
    """One row per category (the contract's first, in order, then any other): errors, warnings and the total."""
    present = set(dq_issue["category"].dropna())
    categories = [c for c in codes.DQ_CATEGORIES if c in present] + sorted(present - set(codes.DQ_CATEGORIES))
    grid = pd.crosstab(dq_issue["category"], dq_issue["severity"]).reindex(
        index=categories, columns=list(codes.SEVERITIES), fill_value=0
    )
    grid["total"] = grid.sum(axis=1)
    return grid.rename_axis(index="category", columns=None).reset_index()


def findings_by_rule(dq_issue: pd.DataFrame, by: tuple[str, ...] = ("category", "severity")) -> pd.DataFrame:
    """One row per rule (and `by`): how many findings it made and about how many boroughs, most findings first."""
    return (
        dq_issue.groupby(["check_name", *by])
        .agg(findings=("check_name", "size"), boroughs=("borough_code", "nunique"))
        .reset_index()
        .sort_values(["findings", "check_name"], ascending=[False, True])
    )
