"""Asset checks: structural checks that block publishing, and one check per finding family."""

import dagster as dg
import pandas as pd

from lsdi_pipeline import codes
from lsdi_pipeline.assets.metadata import preview
from lsdi_pipeline.checks.rules import RULES
from lsdi_pipeline.warehouse.integrity import warehouse_problems

SAMPLE_ROWS = 10


@dg.asset_check(
    asset="fact_pi_value",
    blocking=True,
    additional_ins={
        name: dg.AssetIn(name) for name in ("submission", "rejected_row", "dq_issue", "dim_borough", "dim_indicator")
    },
    description="The warehouse is consistent: every figure belongs to a loaded submission, a known borough and a "
    "known PI; each borough × PI × period has exactly one current figure; no row is both loaded and "
    "rejected. A failure is a pipeline bug and stops the publish step.",
)
def warehouse_is_consistent(
    fact_pi_value: pd.DataFrame,
    submission: pd.DataFrame,
    rejected_row: pd.DataFrame,
    dq_issue: pd.DataFrame,
    dim_borough: pd.DataFrame,
    dim_indicator: pd.DataFrame,
) -> dg.AssetCheckResult:
    problems = warehouse_problems(submission, fact_pi_value, rejected_row, dq_issue, dim_borough, dim_indicator)
    metadata = {
        name: dg.MetadataValue.md(f"{len(rows)} rows\n\n" + preview(rows, SAMPLE_ROWS).value)
        for name, rows in problems.items()
    }
    return dg.AssetCheckResult(
        passed=not problems, severity=dg.AssetCheckSeverity.ERROR, metadata={"problems": len(problems), **metadata}
    )


def _family_description(category: str) -> str:
    names = ", ".join(r.check_name for r in RULES if r.category == category)
    return f"Findings of the {category} rules ({names}); a warning for the data team, never a reason to stop the run."


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(f"{category}_findings", asset="dq_issue", description=_family_description(category))
        for category in codes.DQ_CATEGORIES
    ],
)
def finding_families(dq_issue: pd.DataFrame):
    """One check per family of findings, with how many rows failed, which boroughs and a sample."""
    for category in codes.DQ_CATEGORIES:
        found = dq_issue.loc[dq_issue["category"] == category]
        boroughs = sorted(found["borough_code"].dropna().unique())
        yield dg.AssetCheckResult(
            check_name=f"{category}_findings",
            passed=found.empty,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "rows_failed": len(found),
                "errors": int((found["severity"] == "error").sum()),
                "warnings": int((found["severity"] == "warning").sum()),
                "boroughs": ", ".join(boroughs) or "none",
                "by_rule": dg.MetadataValue.json({k: int(v) for k, v in found["check_name"].value_counts().items()}),
                "sample": preview(
                    found[
                        [
                            "borough_code",
                            "pi_code",
                            "period",
                            "check_name",
                            "severity",
                            "sheet",
                            "cell_ref",
                            "value_found",
                            "message",
                        ]
                    ],
                    SAMPLE_ROWS,
                ),
            },
        )
