"""How feasible the pilot found each PI: `feasibility_summary`."""

from __future__ import annotations

import pandas as pd

from lsdi_pipeline.analysis.names import with_names

ANSWERS = {
    "can_provide": ("yes", "partially", "no"),
    "main_issue": ("none", "reporting_cycle", "data_availability", "data_integrity", "other"),
}


def feasibility_summary(fact_feasibility: pd.DataFrame, dim_indicator: pd.DataFrame) -> pd.DataFrame:
    """Per phase-1 PI: how many boroughs answered, and the count of each answer (current answers only)."""
    current = fact_feasibility.loc[fact_feasibility["is_current"]]
    pis = dim_indicator.loc[dim_indicator["status"] == "phase_1", ["pi_code"]]
    summary = pis.merge(current.groupby("pi_code").size().rename("responses").reset_index(), on="pi_code", how="left")
    for question, answers in ANSWERS.items():
        counts = pd.crosstab(current["pi_code"], current[question]).reindex(columns=list(answers), fill_value=0)
        prefix = "can_provide" if question == "can_provide" else "issue"
        counts.columns = [f"{prefix}_{answer}" for answer in answers]
        summary = summary.merge(counts, left_on="pi_code", right_index=True, how="left")
    counts = summary.fillna(0).astype({c: int for c in summary.columns if c != "pi_code"})
    return with_names(counts, dim_indicator=dim_indicator)
