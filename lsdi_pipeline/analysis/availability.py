"""What the pilot boroughs provided: `availability_matrix`, availability per borough, per PI and for the whole
pilot, and `cadence_mismatch`.

Availability is one figure, defined once (`availability_pct`): the share (%) of the figures expected that were
provided, over whatever is grouped. The pilot's availability pools every figure expected of every pilot borough;
a borough's pools its PIs; a PI's pools its boroughs. The report, the feedback and the Phase II rules all use these.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from lsdi_pipeline import codes
from lsdi_pipeline.analysis.names import with_names
from lsdi_pipeline.analysis.rounding import round_percent
from lsdi_pipeline.checks.figures import snapshot_fits
from lsdi_pipeline.periods import expected_periods
from lsdi_pipeline.returns.years import return_years

#: what became of the periods expected of a borough × PI
PERIOD_COLUMNS = [
    "periods_expected",
    "periods_provided",
    "periods_not_provided",
    "periods_suppressed",
    "periods_missing",
]
MATRIX_COLUMNS = ["borough_code", "borough_name", "pi_code", "pi_name", *PERIOD_COLUMNS, "availability_pct"]


def availability_pct(provided: pd.Series, expected: pd.Series) -> pd.Series:
    """Availability: the share (%) of the figures expected that were provided, to one decimal as DfE rounds a
    percentage; NaN where none was."""
    provided, expected = provided.astype(float), expected.astype(float)
    return round_percent(provided / expected.where(expected > 0) * 100)


def availability_matrix(
    fact_pi_value: pd.DataFrame,
    submission: pd.DataFrame,
    pilot_borough: pd.DataFrame,
    dim_indicator: pd.DataFrame,
    dim_borough: pd.DataFrame,
) -> pd.DataFrame:
    """Per pilot borough × phase-1 PI: expected periods and what became of them, and availability. A figure flagged
    error counts as missing."""
    usable = fact_pi_value.loc[fact_pi_value["quality_status"] != "error"]
    grid = availability_grid(usable, submission, pilot_borough, dim_indicator)
    if grid.empty:
        return pd.DataFrame(columns=MATRIX_COLUMNS)
    counts = pd.crosstab([grid["borough_code"], grid["pi_code"]], grid["status"])
    counts = counts.reindex(columns=["provided", "not_provided", "suppressed", "missing"], fill_value=0)
    matrix = pd.DataFrame(
        {
            "periods_expected": counts.sum(axis=1),
            "periods_provided": counts["provided"],
            "periods_not_provided": counts["not_provided"],
            "periods_suppressed": counts["suppressed"],
            "periods_missing": counts["missing"],
        }
    ).reset_index()
    matrix["availability_pct"] = availability_pct(matrix["periods_provided"], matrix["periods_expected"])
    return with_names(matrix, dim_borough, dim_indicator)[MATRIX_COLUMNS]


def availability_by(availability_matrix: pd.DataFrame, key: str) -> pd.DataFrame:
    """Per `key` (`borough_code` or `pi_code`): the periods of the matrix summed over the other, and availability."""
    totals = availability_matrix.groupby(key)[PERIOD_COLUMNS].sum().reset_index()
    return totals.assign(availability_pct=availability_pct(totals["periods_provided"], totals["periods_expected"]))


def overall_availability(availability_matrix: pd.DataFrame) -> tuple[float, float, float]:
    """(figures provided, figures expected, availability %) over all the rows given: the whole matrix gives the
    pilot's availability, a part of it (one source type's PIs, say) that part's."""
    provided, expected = (float(availability_matrix[c].sum()) for c in ("periods_provided", "periods_expected"))
    return provided, expected, float(availability_pct(pd.Series([provided]), pd.Series([expected])).iloc[0])


def snapshot_cadence(day: dt.date) -> str:
    """The coarsest cadence a snapshot date belongs to: a 31 March year end, another quarter end, or a month end."""
    if (day.month, day.day) == (3, 31):
        return "annual"
    return "quarterly" if day.month in (6, 9, 12) and (day + dt.timedelta(days=1)).day == 1 else "monthly"


def series_at_other_cadence(
    fact_pi_value: pd.DataFrame, dim_indicator: pd.DataFrame, dim_borough: pd.DataFrame
) -> pd.DataFrame:
    """Current figures (not flagged error) given at another cadence than the catalogue asks for."""
    columns = [
        "borough_code",
        "borough_name",
        "pi_code",
        "pi_name",
        "expected_cadence",
        "reported_frequency",
        "periods",
        "period_list",
        "declared_frequency",
    ]
    facts = fact_pi_value.loc[fact_pi_value["is_current"] & (fact_pi_value["quality_status"] != "error")].merge(
        dim_indicator[["pi_code", "expected_cadence"]], on="pi_code"
    )
    if facts.empty:
        return pd.DataFrame(columns=columns)
    # the cadence the periods themselves imply; the borough's own declaration is kept beside it
    given = facts["period_type"].map(codes.PERIOD_TYPE_CADENCE)
    snapshot = facts["period_type"] == "snapshot"
    given[snapshot] = [
        expected if snapshot_fits(day, expected) else snapshot_cadence(day)
        for day, expected in zip(
            pd.to_datetime(facts.loc[snapshot, "period_end"]).dt.date,
            facts.loc[snapshot, "expected_cadence"],
            strict=True,
        )
    ]
    facts = facts.assign(declared=facts["reported_frequency"], reported_frequency=given)
    mismatched = facts.loc[facts["reported_frequency"] != facts["expected_cadence"]].sort_values("period_start")
    if mismatched.empty:
        return pd.DataFrame(columns=columns)
    table = (
        mismatched.groupby(["borough_code", "pi_code", "expected_cadence", "reported_frequency"])
        .agg(
            periods=("period", "size"),
            period_list=("period", ", ".join),
            declared_frequency=("declared", lambda declared: ", ".join(sorted(set(declared.dropna()))) or None),
        )
        .reset_index()
    )
    return with_names(table, dim_borough, dim_indicator)[columns]


#: what each value status counts as in the availability grid: a symbol rounding to zero gives the figure (about 0);
#: not available, not applicable and low reliability give no figure to use
STATUS_OF_VALUE = {
    "reported": "provided",
    "rounds_to_zero": "provided",
    "not_provided": "not_provided",
    "not_available": "not_provided",
    "not_applicable": "not_provided",
    "low_reliability": "not_provided",
    "suppressed": "suppressed",
}


def availability_grid(
    fact_pi_value: pd.DataFrame, submission: pd.DataFrame, pilot_borough: pd.DataFrame, dim_indicator: pd.DataFrame
) -> pd.DataFrame:
    """One row per pilot borough × phase-1 PI × expected period of every year the returns cover:
    provided, not_provided, suppressed or missing."""
    columns = ["borough_code", "pi_code", "period", "status"]
    years = return_years(submission)
    if not years or pilot_borough.empty:
        return pd.DataFrame(columns=columns)
    phase_1 = dim_indicator.loc[dim_indicator["status"] == "phase_1"]
    expected = pd.DataFrame(
        [
            (pi.pi_code, p.label)
            for year in years
            for pi in phase_1.itertuples(index=False)
            for p in expected_periods(year, pi.expected_cadence, pi.period_basis)
        ],
        columns=["pi_code", "period"],
    ).drop_duplicates()
    grid = pilot_borough[["borough_code"]].merge(expected, how="cross")
    current = fact_pi_value.loc[fact_pi_value["is_current"], ["borough_code", "pi_code", "period", "value_status"]]
    grid = grid.merge(current, on=["borough_code", "pi_code", "period"], how="left")
    grid["status"] = grid["value_status"].map(STATUS_OF_VALUE).fillna("missing")
    return grid[columns]
