"""Checks that the warehouse itself is trustworthy — a failure here is a pipeline bug, not a
borough's bad data, and it stops the publish step."""

from __future__ import annotations

import pandas as pd

from lsdi_pipeline import codes
from lsdi_pipeline.checks.rules import RULES_BY_NAME


def warehouse_problems(
    submission: pd.DataFrame,
    fact_pi_value: pd.DataFrame,
    rejected_row: pd.DataFrame,
    dq_issue: pd.DataFrame,
    dim_borough: pd.DataFrame,
    dim_indicator: pd.DataFrame,
) -> dict[str, pd.DataFrame]:
    """Each structural problem found, by name, with the offending rows (an empty dict when all is well)."""
    loaded = set(submission.loc[submission["status"].isin(codes.LOADED_STATUSES), "submission_id"])
    problems = {
        "facts from a submission that was not loaded": fact_pi_value.loc[~fact_pi_value["submission_id"].isin(loaded)],
        "facts for an unknown borough": fact_pi_value.loc[
            ~fact_pi_value["borough_code"].isin(dim_borough["borough_code"])
        ],
        "facts for an unknown PI": fact_pi_value.loc[~fact_pi_value["pi_code"].isin(dim_indicator["pi_code"])],
        "rejected rows of an unknown submission": rejected_row.loc[
            ~rejected_row["submission_id"].isin(submission["submission_id"])
        ],
        "findings of a rule not in the rule list": dq_issue.loc[~dq_issue["check_name"].isin(list(RULES_BY_NAME))],
        "rows both loaded and rejected": fact_pi_value.merge(rejected_row, on=["submission_id", "sheet", "row_number"]),
    }
    current = fact_pi_value.loc[fact_pi_value["is_current"]]
    counted = current.groupby(["borough_code", "pi_code", "period"]).size()
    problems["more than one current figure for a borough, PI and period"] = counted[counted > 1].reset_index(
        name="current_rows"
    )
    has_current = set(zip(current["borough_code"], current["pi_code"], current["period"], strict=True))
    every = set(zip(fact_pi_value["borough_code"], fact_pi_value["pi_code"], fact_pi_value["period"], strict=True))
    problems["a borough, PI and period with no current figure"] = pd.DataFrame(
        sorted(every - has_current), columns=["borough_code", "pi_code", "period"]
    )
    return {name: rows for name, rows in problems.items() if len(rows)}
