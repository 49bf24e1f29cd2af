"""A submission's status and a figure's quality, decided in one place from the findings.

The parser and the rules only find things; what a finding makes of its file or figure is
decided here, once every finding is known:

- a submission is `duplicate` when its bytes were already loaded from an earlier file,
  `rejected` when a finding puts the whole file aside, `accepted_with_issues` when anything
  at all was found in it, and `accepted` otherwise;
- a figure's `quality_status` is the worst severity (`ok`, `warning`, `error`) of the findings
  about the fields of its own row. Availability findings do not count (a figure marked n/a is
  missing, not wrong), nor do findings about its note (personal data in a note says nothing
  of the figure).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lsdi_pipeline import codes
from lsdi_pipeline.checks.rules import RULES
from lsdi_pipeline.returns.format import LSDI_R1

SEVERITY_ORDER = {"ok": 0, "warning": 1, "error": 2}
#: the rules whose finding puts a whole file aside
FILE_REJECTING = frozenset(r.check_name for r in RULES if r.rejects == "file")
#: what `figure_quality` reads of a finding, besides the field it is about
ISSUE_LOCATION = ("submission_id", "sheet", "row_number", "category", "severity")
#: fields of a figure's row whose findings do not question the figure
FREE_TEXT_FIELDS = ("note",)


def submission_statuses(submissions: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """`submissions` with `status` and `reject_reason` set from `findings` (rows of `dq_issue`).

    A duplicate is named by `duplicate_of` (the submission that loaded the same bytes) and `duplicate_of_file`.
    """
    by_file = findings.loc[findings["submission_id"].notna()]
    rejecting = by_file.loc[by_file["check_name"].isin(FILE_REJECTING)].drop_duplicates("submission_id")
    reason = submissions["submission_id"].map(rejecting.set_index("submission_id")["message"])
    has_findings = submissions["submission_id"].isin(by_file["submission_id"])
    duplicate = submissions["duplicate_of"].notna()
    status = np.select(
        [duplicate, reason.notna(), has_findings],
        ["duplicate", "rejected", "accepted_with_issues"],
        default="accepted",
    )
    duplicate_reason = (
        "the same bytes as submission "
        + submissions["duplicate_of"].astype("Int64").astype("string")
        + " ("
        + submissions["duplicate_of_file"].astype("string")
        + "); nothing loaded twice"
    )
    return submissions.assign(
        status=status,
        reject_reason=duplicate_reason.where(duplicate, reason).astype(object).where(duplicate | reason.notna(), None),
    )


def loaded(submissions: pd.DataFrame) -> pd.Series:
    """Whether each submission's rows are in the warehouse (its status is one of `codes.LOADED_STATUSES`)."""
    return submissions["status"].isin(codes.LOADED_STATUSES)


def figure_quality(facts: pd.DataFrame, findings: pd.DataFrame) -> pd.Series:
    """Each figure's `quality_status` from the `findings` (rows of `dq_issue`, with the `field` they are about)."""
    about = findings.loc[
        findings["row_number"].notna()
        & findings["field"].notna()
        & ~findings["field"].isin(FREE_TEXT_FIELDS)
        & (findings["category"] != "availability")
        & (findings["sheet"] == LSDI_R1.pi_data.name)
    ]
    worst = (
        about.assign(rank=about["severity"].map(SEVERITY_ORDER), row_number=about["row_number"].astype("int64"))
        .groupby(["submission_id", "row_number"])["rank"]
        .max()
    )
    keys = pd.MultiIndex.from_arrays([facts["submission_id"].astype("int64"), facts["row_number"].astype("int64")])
    rank = pd.Series(worst.reindex(keys).to_numpy(), index=facts.index).fillna(0).astype(int)
    return rank.map({v: k for k, v in SEVERITY_ORDER.items()})
