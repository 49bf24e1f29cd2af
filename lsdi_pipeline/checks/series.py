"""Rules across figures: a borough's series of one PI, and one PI across boroughs.

Each rule is a function of the current figures (and the catalogue) that returns findings
as `dq_issue` records, located to the row they concern. Vectorised with pandas; pure.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from lsdi_pipeline import codes
from lsdi_pipeline.periods import expected_periods
from lsdi_pipeline.rules import registering_in, rule

#: robust z-score beyond which a figure is an outlier, and how many boroughs it takes to say so
OUTLIER_Z = 3.5
OUTLIER_MIN_BOROUGHS = 5
#: how far sub-annual figures may add up away from the annual figure (a share of the annual figure)
RECONCILE_TOLERANCE = 0.005

SeriesRule = Callable[[pd.DataFrame], list[dict]]
SERIES_RULES: dict[str, SeriesRule] = {}


def series_rule(check_name: str) -> Callable[[SeriesRule], SeriesRule]:
    """Register a rule across figures under its `check_name`."""
    return registering_in(SERIES_RULES, check_name)


def current_figures(facts: pd.DataFrame, indicators: pd.DataFrame, boroughs: pd.DataFrame) -> pd.DataFrame:
    """The current figures with what the rules need to know of their PI and borough."""
    return facts.loc[facts["is_current"]].merge(
        indicators[["pi_code", "unit", "expected_cadence", "period_basis", "status"]], on="pi_code", how="left").merge(
        boroughs[["borough_code", "child_population"]], on="borough_code", how="left")


def check_series(facts: pd.DataFrame, indicators: pd.DataFrame, boroughs: pd.DataFrame) -> list[dict]:
    """Every finding across figures, on the current figures of `facts` (the fact_pi_value table)."""
    current = current_figures(facts, indicators, boroughs)
    findings = []
    for rule_fn in SERIES_RULES.values():
        findings += rule_fn(current)
    return findings


def _finding(check_name: str, row, message: str, column: str | None = "Value", cell_ref: str | None = None) -> dict:
    r = rule(check_name)
    return {"submission_id": row.submission_id, "borough_code": row.borough_code, "pi_code": row.pi_code, "period": row.period,
            "check_name": check_name, "category": r.category, "severity": r.severity, "message": message,
            "sheet": getattr(row, "sheet", None), "row_number": getattr(row, "row_number", None), "column_name": column,
            "cell_ref": cell_ref if cell_ref is not None else getattr(row, "value_cell_ref", None),
            "value_found": getattr(row, "raw_value", None)}


def _fy_start(period_start: pd.Series) -> pd.Series:
    """The financial year (by its first calendar year) a period starts in."""
    start = pd.to_datetime(period_start)
    return start.dt.year - (start.dt.month < 4)


@series_rule("series_gap")
def series_gap(current: pd.DataFrame) -> list[dict]:
    """Expected periods missing from a series the borough did report (some, not all, periods present)."""
    findings = []
    usable = current.loc[current["status"] == "phase_1"].assign(fy=lambda f: _fy_start(f["period_start"]))
    for (borough, pi_code, fy), rows in usable.groupby(["borough_code", "pi_code", "fy"]):
        first = rows.iloc[0]
        expected = [p.label for p in expected_periods(int(fy), first["expected_cadence"], first["period_basis"])]
        present = set(rows["period"])
        if not present & set(expected):
            continue  # reported at another cadence only: a cadence mismatch, already found row by row
        latest = rows.sort_values("submission_id").iloc[-1]
        for label in expected:
            if label not in present:
                findings.append({**_finding("series_gap", latest, f"{pi_code}: no figure for {label} although other "
                                            f"periods of {fy}/{(fy + 1) % 100:02d} were reported", None),
                                 "period": label, "sheet": "PI data", "row_number": None, "cell_ref": None, "value_found": None})
    return findings


@series_rule("basis_mixed")
def basis_mixed(current: pd.DataFrame) -> list[dict]:
    """One borough's PI on both financial-year and calendar-year periods: the rows off the PI's basis are flagged."""
    calendar = current["period_type"].isin(["calendar_year", "calendar_quarter"])
    financial = current["period_type"].isin(["year", "quarter"])
    kinds = current.assign(calendar=calendar, financial=financial).groupby(["borough_code", "pi_code"])[["calendar", "financial"]].any()
    mixed = kinds.index[kinds["calendar"] & kinds["financial"]]
    findings = []
    for row in current.set_index(["borough_code", "pi_code"]).loc[lambda f: f.index.isin(mixed)].reset_index().itertuples():
        off_basis = row.period_type.startswith("calendar") != (row.period_basis == "calendar_year")
        if off_basis and row.period_type in ("year", "quarter", "calendar_year", "calendar_quarter"):
            wanted = "calendar" if row.period_basis == "calendar_year" else "financial"
            findings.append(_finding("basis_mixed", row, f"{row.pi_code}: {row.period} mixes calendar and financial years in one series; "
                                     f"this PI is reported on {wanted} years", "Period", None))
    return findings


@series_rule("subannual_unreconciled")
def subannual_unreconciled(current: pd.DataFrame) -> list[dict]:
    """Months or quarters that do not add up to the annual figure of the same financial year."""
    summable = current.loc[(current["period_basis"] != "snapshot") & current["period_type"].isin(["year", "quarter", "month"])
                           & (current["value_status"] == "reported") & (current["quality_status"] != "error")]
    summable = summable.assign(fy=_fy_start(summable["period_start"]))
    findings = []
    for (borough, pi_code, fy), rows in summable.groupby(["borough_code", "pi_code", "fy"]):
        annual = rows.loc[rows["period_type"] == "year"]
        if annual.empty:
            continue
        year = annual.iloc[0]
        for part_type, parts_needed in (("quarter", 4), ("month", 12)):
            parts = rows.loc[rows["period_type"] == part_type]
            if len(parts) != parts_needed:
                continue
            message = _reconcile(year, parts, part_type)
            if message:
                findings.append(_finding("subannual_unreconciled", year, f"{pi_code} {year.period}: {message}"))
    return findings


def _reconcile(year, parts: pd.DataFrame, part_type: str) -> str | None:
    if year.unit == "count":
        pairs = [("value", year.value, parts["value"].sum())]
    elif year.unit == "percent":
        pairs = [(name, getattr(year, name), parts[name].sum(min_count=len(parts))) for name in ("numerator", "denominator")]
    elif year.unit in codes.UNIT_SCALE:  # a rate on a population: the events add up, the population does not
        pairs = [("numerator", year.numerator, parts["numerator"].sum(min_count=len(parts)))]
    else:
        return None
    for name, annual, total in pairs:
        if pd.notna(annual) and pd.notna(total) and abs(total - annual) > max(1.0, RECONCILE_TOLERANCE * abs(annual)):
            return f"the {part_type}ly {name}s add up to {total:g} but the annual {name} is {annual:g}"
    return None


@series_rule("outlier")
def outlier(current: pd.DataFrame) -> list[dict]:
    """Figures far from the other boroughs' for the same PI and period (median and MAD: robust to the outlier itself)."""
    scored = robust_z(current)
    flagged = scored.loc[scored["robust_z"].abs() > OUTLIER_Z]
    return [_finding("outlier", row, f"{row.pi_code} {row.period}: {row.compared:g}{row.per} is far from the other boroughs' "
                     f"median of {row.group_median:g}{row.per} (robust z = {row.robust_z:.1f})") for row in flagged.itertuples()]


def robust_z(current: pd.DataFrame) -> pd.DataFrame:
    """Current, usable figures with their robust z-score within PI × period (NaN where too few boroughs or no spread).

    Counts are compared per 10,000 children, so a large borough is not an outlier for being large.
    """
    usable = current.loc[(current["value_status"] == "reported") & (current["quality_status"] != "error")].copy()
    per_child = (usable["unit"] == "count") & (usable["child_population"] > 0)
    usable["compared"] = usable["value"].where(~per_child, (usable["value"] / usable["child_population"] * 10_000).round(1))
    usable["per"] = np.where(per_child, " per 10,000 children", "")
    group = usable.groupby(["pi_code", "period"])["compared"]
    usable["group_median"] = group.transform("median")
    mad = (usable["compared"] - usable["group_median"]).abs().groupby([usable["pi_code"], usable["period"]]).transform("median")
    count = group.transform("count")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = 0.6745 * (usable["compared"] - usable["group_median"]) / mad
    usable["robust_z"] = z.where((count >= OUTLIER_MIN_BOROUGHS) & (mad > 0))
    return usable
