"""The frames the business expectations validate beside the availability grid (`analysis.availability`): cadence
and integrity. GX has no group-by, so each frame is built here with one row per thing judged."""

from __future__ import annotations

import pandas as pd

from lsdi_pipeline import codes
from lsdi_pipeline.checks.series import current_figures, robust_z


def _figure_basis(period_type: pd.Series, pi_basis: pd.Series) -> pd.Series:
    """The basis a figure's period is on; a month fits either year basis, so it takes the PI's."""
    basis = period_type.map(
        {
            "year": "financial_year",
            "quarter": "financial_year",
            "calendar_year": "calendar_year",
            "calendar_quarter": "calendar_year",
            "snapshot": "snapshot",
        }
    )
    return basis.fillna(pi_basis.where(pi_basis != "snapshot", "financial_year"))


def cadence_frame(fact_pi_value: pd.DataFrame, dim_indicator: pd.DataFrame, dim_borough: pd.DataFrame) -> pd.DataFrame:
    """One row per current figure: its cadence and basis against the catalogue's, and the frequency declared."""
    current = current_figures(fact_pi_value, dim_indicator, dim_borough)
    return (
        pd.DataFrame(
            {
                "borough_code": current["borough_code"],
                "pi_code": current["pi_code"],
                "period": current["period"],
                "expected_cadence": current["expected_cadence"],
                "period_cadence": current["period_type"].map(codes.PERIOD_TYPE_CADENCE),
                "declared_frequency": current["reported_frequency"],
                "expected_basis": current["period_basis"],
                "period_basis": _figure_basis(current["period_type"], current["period_basis"]),
            }
        )
        .astype(object)
        .where(lambda f: f.notna(), None)
    )


def integrity_frame(
    fact_pi_value: pd.DataFrame, dim_indicator: pd.DataFrame, dim_borough: pd.DataFrame
) -> pd.DataFrame:
    """One row per current reported figure, with its PI's unit and range, numerator/denominator in the unit, and robust z."""
    current = current_figures(fact_pi_value, dim_indicator, dim_borough)
    reported = current.loc[current["value_status"] == "reported"].merge(
        dim_indicator[["pi_code", "valid_min", "valid_max"]], on="pi_code", how="left"
    )
    scale = reported["unit"].map(codes.UNIT_SCALE)
    denominator = reported["denominator"].astype("Float64").where(lambda d: d != 0)
    reported["computed_value"] = (reported["numerator"].astype("Float64") / denominator * scale).astype(float)
    scored = robust_z(current)[["submission_id", "row_number", "robust_z"]]
    reported = reported.merge(scored, on=["submission_id", "row_number"], how="left")
    columns = [
        "borough_code",
        "pi_code",
        "period",
        "unit",
        "value",
        "numerator",
        "denominator",
        "valid_min",
        "valid_max",
        "computed_value",
        "robust_z",
    ]
    frame = reported[columns].copy()
    for name in columns[4:]:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    return frame
