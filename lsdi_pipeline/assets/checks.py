"""Asset checks: a structural check that blocks publishing, and the data team's questions about the collection.

Each question check passes or fails on what the team acts on (a file to resend, a return to chase, a borough to call),
with its limit in phase2_rules.toml, and lists every borough it fails on; findings on replaced files do not count.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import dagster as dg

from lsdi_pipeline.assets.metadata import DataFrame, preview
from lsdi_pipeline.resources import Phase2Rules
from lsdi_pipeline.thresholds import CheckThresholds

if TYPE_CHECKING:  # the checks import what they judge by when they run: it imports pandas, the definitions do not
    from lsdi_pipeline.checks import collection

SAMPLE_ROWS = 10
LIMITS = CheckThresholds.from_file()


@dg.asset_check(
    asset="fact_pi_value",
    blocking=True,
    additional_ins={
        name: dg.AssetIn(name) for name in ("submission", "rejected_row", "dq_issue", "dim_borough", "dim_indicator")
    },
    description="Is the warehouse consistent? Every figure belongs to a loaded submission, a known borough and a "
    "known PI; each borough × PI × period has exactly one current figure; no row is both loaded and "
    "rejected. A failure is a pipeline bug and stops the publish step.",
)
def warehouse_is_consistent(
    fact_pi_value: DataFrame,
    submission: DataFrame,
    rejected_row: DataFrame,
    dq_issue: DataFrame,
    dim_borough: DataFrame,
    dim_indicator: DataFrame,
) -> dg.AssetCheckResult:
    from lsdi_pipeline.warehouse.integrity import warehouse_problems

    problems = warehouse_problems(submission, fact_pi_value, rejected_row, dq_issue, dim_borough, dim_indicator)
    metadata = {
        name: dg.MetadataValue.md(f"{len(rows)} rows\n\n" + preview(rows, SAMPLE_ROWS).value)
        for name, rows in problems.items()
    }
    return dg.AssetCheckResult(
        passed=not problems, severity=dg.AssetCheckSeverity.ERROR, metadata={"problems": len(problems), **metadata}
    )


QUESTIONS = {
    "latest_files_readable": "Is every borough's latest file readable? Fails naming each borough whose latest file "
    "was rejected with no loaded file after it (ask it to correct and resend), and rejected files no borough could "
    "be told from.",
    "due_pilot_returns_received": "Has every pilot borough whose return is due sent a usable one? Fails naming each "
    "pilot with no loaded return whose due date has passed (chase it); pilots not yet due are counted apart.",
    "current_errors_in_limit": "Are error findings at most "
    f"{LIMITS.max_errors_per_borough} per borough (max_errors_per_borough in phase2_rules.toml) in current files? "
    "Fails naming each borough over the limit, with its errors by rule; findings on replaced files do not count.",
    "current_warnings_in_limit": "Are warnings at most "
    f"{LIMITS.max_warnings_per_borough} per borough (max_warnings_per_borough in phase2_rules.toml) in current "
    "files? Fails naming each borough over the limit, with its warnings by rule, to go through with it.",
}
#: what the questions read besides the findings
COLLECTION_TABLES = (
    "submission",
    "fact_pi_value",
    "fact_feasibility",
    "fact_narrative",
    "pilot_borough",
    "dim_borough",
)
FINDING_COLUMNS = ["borough_code", "pi_code", "period", "check_name", "severity", "sheet", "cell_ref", "value_found"]


def _result(
    name: str, answer: collection.Answer, names: dict, severity=dg.AssetCheckSeverity.WARN, **extra
) -> dg.AssetCheckResult:
    """A check's result: every failing borough by name and code, what is wrong at each, and the answer's figures."""
    import pandas as pd

    shown = {f"{names[code]} ({code})" if code in names else code: why for code, why in answer.failing.items()}
    table = pd.DataFrame({"borough": list(shown), "what is wrong": list(shown.values())})
    return dg.AssetCheckResult(
        check_name=name,
        passed=answer.passed,
        severity=severity,
        metadata={
            "boroughs_failing": len(shown),
            "boroughs": ", ".join(shown) or "none",
            "by_borough": dg.MetadataValue.md(table.to_markdown(index=False) if len(table) else "_none_"),
            **answer.figures,
            **extra,
        },
    )


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(name, asset="dq_issue", description=text, additional_deps=COLLECTION_TABLES)
        for name, text in QUESTIONS.items()
    ],
    ins={name: dg.AssetIn(name) for name in ("dq_issue", *COLLECTION_TABLES)},
)
def collection_questions(
    dq_issue: DataFrame,
    submission: DataFrame,
    fact_pi_value: DataFrame,
    fact_feasibility: DataFrame,
    fact_narrative: DataFrame,
    pilot_borough: DataFrame,
    dim_borough: DataFrame,
):
    """The data team's questions about the files received, findings counted on current files only."""
    from lsdi_pipeline.checks import collection

    names = dict(zip(dim_borough["borough_code"], dim_borough["borough_name"], strict=True))
    current = collection.current_submissions(submission, fact_pi_value, fact_feasibility, fact_narrative)
    today = dt.datetime.now(ZoneInfo("Europe/London")).date()
    yield _result(
        "latest_files_readable",
        collection.unreadable_latest_files(submission),
        names,
        severity=dg.AssetCheckSeverity.ERROR,
    )
    yield _result("due_pilot_returns_received", collection.overdue_pilot_returns(dq_issue, pilot_borough, today), names)
    for name, severity, limit in (
        ("current_errors_in_limit", "error", LIMITS.max_errors_per_borough),
        ("current_warnings_in_limit", "warning", LIMITS.max_warnings_per_borough),
    ):
        answer = collection.findings_over_limit(dq_issue, current, severity, limit)
        yield _result(name, answer, names, sample=preview(answer.rows[FINDING_COLUMNS], SAMPLE_ROWS))


@dg.asset_check(
    asset="availability_matrix",
    additional_ins={"dim_borough": dg.AssetIn("dim_borough")},
    description="Does every pilot borough reach the support threshold? Fails naming each pilot whose availability "
    "is below support_boroughs_below_availability_pct (the Phase II rule, phase2_rules.toml or the run's override): "
    "the boroughs the support_boroughs recommendation names.",
)
def pilots_above_support_level(
    availability_matrix: DataFrame, dim_borough: DataFrame, phase2_rules: Phase2Rules
) -> dg.AssetCheckResult:
    from lsdi_pipeline.checks import collection

    names = dict(zip(dim_borough["borough_code"], dim_borough["borough_name"], strict=True))
    threshold = phase2_rules.support_boroughs_below_availability_pct
    answer = collection.pilots_below_support_threshold(availability_matrix, threshold)
    return _result("pilots_above_support_level", answer, names, threshold_pct=threshold)
