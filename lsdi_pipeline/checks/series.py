"""Rules across figures: a borough's series of one PI, and one PI across boroughs.

Each rule is a function of the current figures (and the catalogue) that returns a `Finding`
for each figure it questions, located to the figure's row. Vectorised with pandas; pure.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from lsdi_pipeline import codes
from lsdi_pipeline.checks.figures import period_typed, typed_as
from lsdi_pipeline.checks.findings import TYPED_COLUMNS, Finding, findings_on_figures
from lsdi_pipeline.checks.rules import registering_in
from lsdi_pipeline.checks.rules.cadence import RECONCILE_TOLERANCE, RECONCILE_TOLERANCE_AT_LEAST
from lsdi_pipeline.checks.rules.integrity import OUTLIER_MIN_BOROUGHS, OUTLIER_PER_CHILDREN, OUTLIER_Z
from lsdi_pipeline.periods import expected_periods
from lsdi_pipeline.published import RATE_DECIMALS

SeriesRule = Callable[[pd.DataFrame], list[Finding]]
SERIES_RULES: dict[str, SeriesRule] = {}


def series_rule(check_name: str) -> Callable[[SeriesRule], SeriesRule]:
    """Register a rule across figures under its `check_name`."""
    return registering_in(SERIES_RULES, check_name)


def current_figures(
    facts: pd.DataFrame, indicators: pd.DataFrame, boroughs: pd.DataFrame, published: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The current figures with what the rules need to know of their PI and borough, and DfE's published figure for
    the same borough, PI and period (`published_figure`, `published_raw`, `published_file`) where there is one."""
    current = (
        facts.loc[facts["is_current"]]
        .merge(indicators[["pi_code", "unit", "expected_cadence", "period_basis", "status"]], on="pi_code", how="left")
        .merge(
            boroughs[[c for c in ("borough_code", "child_population", "dfe_la_code") if c in boroughs]],
            on="borough_code",
            how="left",
        )
    )
    if published is None or published.empty or "dfe_la_code" not in current:
        return current.assign(published_figure=np.nan, published_raw=None, published_file=None)
    la = published.loc[
        (published["geographic_level"] == "local_authority")
        & (published["value_status"] == "reported")
        & published["dfe_la_code"].notna()
    ]
    la = la.drop_duplicates(["pi_code", "period", "dfe_la_code"]).rename(
        columns={"value": "published_figure", "raw_value": "published_raw", "source_file": "published_file"}
    )
    current["dfe_la_code"] = pd.to_numeric(current["dfe_la_code"], errors="coerce").astype("Int64")
    return current.merge(
        la[["pi_code", "period", "dfe_la_code", "published_figure", "published_raw", "published_file"]].astype(
            {"dfe_la_code": "Int64"}
        ),
        on=["pi_code", "period", "dfe_la_code"],
        how="left",
    )


def check_series(
    facts: pd.DataFrame, indicators: pd.DataFrame, boroughs: pd.DataFrame, published: pd.DataFrame | None = None
) -> list[Finding]:
    """Every finding across figures, on the current figures of `facts` (the fact_pi_value table)."""
    current = current_figures(facts, indicators, boroughs, published)
    findings = []
    for rule_fn in SERIES_RULES.values():
        findings += rule_fn(current)
    return findings


def _column(figures: pd.DataFrame, name: str) -> pd.Series | list[None]:
    """A column of `figures`, or None for each figure where the frame has no such column."""
    return figures[name] if name in figures else [None] * len(figures)


def _text(value: object) -> str | None:
    """A cell's text as typed, or None (pandas gives NaN for a missing one)."""
    return value if isinstance(value, str) else None


def _fy_start(period_start: pd.Series) -> pd.Series:
    """The financial year (by its first calendar year) a period starts in."""
    start = pd.to_datetime(period_start)
    return start.dt.year - (start.dt.month < 4)


#: a series: one borough's figures of one PI in one financial year
SERIES = ["borough_code", "pi_code", "fy"]


def _in_series(figures: pd.DataFrame) -> pd.DataFrame:
    """`figures` with their financial year `fy`; rows missing part of the series key are left out (as groupby leaves
    them)."""
    return figures.assign(fy=_fy_start(figures["period_start"])).dropna(subset=SERIES)


@series_rule("series_gap")
def series_gap(current: pd.DataFrame) -> list[Finding]:
    """Expected periods missing from a series the borough did report (some, not all, periods present)."""
    usable = _in_series(current.loc[current["status"] == "phase_1"])
    expected = _expected_periods(usable.drop_duplicates(SERIES)).merge(
        usable[SERIES + ["period"]].drop_duplicates(), on=SERIES + ["period"], how="left", indicator="found"
    )
    expected["present"] = expected["found"] == "both"
    # a series with none of its expected periods was reported at another cadence only: a cadence mismatch, found row
    # by row
    reported_some = expected.groupby(SERIES)["present"].transform("any")
    latest = (
        usable[SERIES + ["submission_id"]]
        .sort_values("submission_id", kind="stable")
        .drop_duplicates(SERIES, keep="last")
    )
    missing = (
        expected.loc[reported_some & ~expected["present"], SERIES + ["period", "position"]]
        .merge(latest, on=SERIES)
        .sort_values(SERIES + ["position"])
        .assign(sheet="PI data", row_number=None, value_cell_ref=None, raw_value=None)
    )
    messages = [
        f"{pi_code}: no figure for {label} although other periods of {fy}/{(fy + 1) % 100:02d} were reported"
        for pi_code, label, fy in zip(missing["pi_code"], missing["period"], missing["fy"], strict=True)
    ]
    return findings_on_figures("series_gap", missing, messages, None)


def _expected_periods(series: pd.DataFrame) -> pd.DataFrame:
    """The periods each series should have (`series`: one row each, with its PI's cadence and basis).

    One row per series and period, `position` giving the periods' order.
    """
    kinds = series[["fy", "expected_cadence", "period_basis"]].drop_duplicates()
    periods = pd.DataFrame(
        [
            (fy, cadence, basis, position, p.label)
            for fy, cadence, basis in kinds.itertuples(index=False)
            for position, p in enumerate(expected_periods(int(fy), cadence, basis))
        ],
        columns=[*kinds.columns, "position", "period"],
    ).astype(kinds.dtypes.to_dict())
    return series[SERIES + ["expected_cadence", "period_basis"]].merge(
        periods, on=["fy", "expected_cadence", "period_basis"]
    )


@series_rule("basis_mixed")
def basis_mixed(current: pd.DataFrame) -> list[Finding]:
    """One borough's PI on both financial-year and calendar-year periods: the rows off the PI's basis are flagged."""
    calendar = current["period_type"].isin(["calendar_year", "calendar_quarter"])
    financial = current["period_type"].isin(["year", "quarter"])
    series = current.assign(calendar=calendar, financial=financial).groupby(["borough_code", "pi_code"])
    mixed = series["calendar"].transform("any") & series["financial"].transform("any")
    on_calendar_basis = (current["period_basis"] == "calendar_year").fillna(False).astype(bool)
    off_basis = (calendar | financial) & (calendar != on_calendar_basis)
    off = current.loc[mixed & off_basis]
    messages = [
        f"{pi_code}: {period_typed(_text(typed), period)} mixes calendar and financial years in one series; "
        f"this PI is reported on {'calendar' if basis == 'calendar_year' else 'financial'} years"
        for pi_code, period, typed, basis in zip(
            off["pi_code"], off["period"], _column(off, "raw_period"), off["period_basis"], strict=True
        )
    ]
    return findings_on_figures("basis_mixed", off, messages, "period")


#: what must add up to the annual figure, by unit: a count's value, a percentage's numerator and denominator, and a
#: rate's numerator (the events add up, the population does not); checked in this order, the first that is off is
#: reported
SUMMED = (("value", ("count",)), ("numerator", tuple(codes.UNIT_SCALE)), ("denominator", ("percent",)))


@series_rule("subannual_unreconciled")
def subannual_unreconciled(current: pd.DataFrame) -> list[Finding]:
    """Months or quarters that do not add up to the annual figure of the same financial year."""
    summable = _in_series(
        current.loc[
            (current["period_basis"] != "snapshot")
            & current["period_type"].isin(["year", "quarter", "month"])
            & (current["value_status"] == "reported")
            & (current["quality_status"] != "error")
        ]
    )
    complete = _complete_years(summable)
    compared = pd.concat(
        [
            complete.loc[complete["unit"].isin(units), [field, f"{field}_total"]]
            .set_axis(["annual", "total"], axis=1)
            .assign(field=field)
            for field, units in SUMMED
        ]
    )
    off = compared.loc[_off(compared["annual"], compared["total"])]
    flagged = complete.join(
        off.loc[~off.index.duplicated()], how="inner"
    ).sort_index()  # the first field off, in series order
    typed = [
        _text(flagged[TYPED_COLUMNS[field]].iloc[i]) if TYPED_COLUMNS[field] in flagged else None
        for i, field in enumerate(flagged["field"])
    ]
    messages = [
        f"{pi_code} {period}: the {part_type}ly {field}s add up to {total:g} but the annual {field} "
        + (f"is {annual:g}" if as_typed is None else f"you typed is {as_typed}")
        for pi_code, period, part_type, field, total, annual, as_typed in zip(
            *(flagged[name] for name in ("pi_code", "period", "part_type", "field", "total", "annual")),
            typed,
            strict=True,
        )
    ]
    return findings_on_figures("subannual_unreconciled", flagged, messages, list(flagged["field"]))


def _complete_years(summable: pd.DataFrame) -> pd.DataFrame:
    """Each series' (first) annual figure with the totals of its 4 quarters, and again with those of its 12 months.

    Only where all the parts are there; in series order, quarters before months.
    """
    annual = summable.loc[summable["period_type"] == "year"].drop_duplicates(SERIES)
    years = []
    for order, (part_type, parts_needed) in enumerate((("quarter", 4), ("month", 12))):
        joined = annual.join(_part_totals(summable, part_type), on=SERIES, how="inner")
        years.append(joined.loc[joined["parts"] == parts_needed].assign(part_type=part_type, part_order=order))
    return pd.concat(years, ignore_index=True).sort_values(SERIES + ["part_order"], ignore_index=True)


def _part_totals(summable: pd.DataFrame, part_type: str) -> pd.DataFrame:
    """Per series, how many figures of `part_type` it has (`parts`) and what they add up to (`value_total`, ...).

    Missing values are skipped, as `Series.sum` skips them; a numerator or denominator adds up only when every part
    has one.
    """
    parts = summable.loc[summable["period_type"] == part_type].groupby(SERIES)
    size = parts.size()
    totals = parts[["value", "numerator", "denominator"]].sum()
    ratio = ["numerator", "denominator"]
    totals[ratio] = totals[ratio].where(parts[ratio].count().eq(size, axis=0))
    return totals.add_suffix("_total").assign(parts=size)


def _off(annual: pd.Series, total: pd.Series) -> np.ndarray:
    """Where `total` is further from `annual` than the tolerance allows (a missing value on either side is not off)."""
    annual = annual.to_numpy(dtype=float, na_value=np.nan)
    total = total.to_numpy(dtype=float, na_value=np.nan)
    return np.abs(total - annual) > np.maximum(RECONCILE_TOLERANCE_AT_LEAST, RECONCILE_TOLERANCE * np.abs(annual))


def published_rounding(raw: pd.Series) -> pd.Series:
    """Half the last digit DfE shows: 18.6 is 18.55–18.65 (±0.05), 2241 is ±0.5; a rate DfE publishes as its parts
    (`151 / 35276`) is rounded to one decimal place (±0.05)."""
    text = raw.fillna("").astype(str).str.strip()
    decimals = text.str.extract(r"\.(\d+)$")[0].str.len().astype("float64").fillna(0.0)
    decimals = decimals.where(~text.str.contains("/", regex=False), RATE_DECIMALS)
    return 0.5 * 10.0**-decimals


@series_rule("differs_from_published")
def differs_from_published(current: pd.DataFrame) -> list[Finding]:
    """A returned figure further from DfE's published figure for the same borough, PI and period than DfE's rounding."""
    both = current.loc[
        (current["value_status"] == "reported") & current["value"].notna() & current["published_figure"].notna()
    ].copy()
    both["tolerance"] = published_rounding(both["published_raw"])
    off = both.loc[
        (both["value"].astype(float) - both["published_figure"].astype(float)).abs() > both["tolerance"] + 1e-9
    ]
    messages = [
        f"{pi} {period}: {typed_as(_text(typed), value, unit)}, but DfE published {published:g} for this borough "
        f"({file}); they differ by more than DfE's rounding (±{tolerance:g})"
        for pi, period, typed, value, unit, published, file, tolerance in zip(
            off["pi_code"],
            off["period"],
            _column(off, "raw_value"),
            off["value"],
            off["unit"],
            off["published_figure"],
            off["published_file"],
            off["tolerance"],
            strict=True,
        )
    ]
    return findings_on_figures("differs_from_published", off, messages)


@series_rule("outlier")
def outlier(current: pd.DataFrame) -> list[Finding]:
    """Figures far from the other boroughs' for the same PI and period (median and MAD: robust to the outlier
    itself)."""
    scored = robust_z(current)
    flagged = scored.loc[scored["robust_z"].abs() > OUTLIER_Z]
    messages = [
        f"{pi_code} {period}: {typed_as(_text(typed), value, unit, f'{compared:g}{per}' if per else None)}, far from "
        f"the other boroughs' median of {median:g}{per} (robust z = {z:.1f})"
        for pi_code, period, typed, value, unit, compared, per, median, z in zip(
            *(
                _column(flagged, c)
                for c in (
                    "pi_code",
                    "period",
                    "raw_value",
                    "value",
                    "unit",
                    "compared",
                    "per",
                    "group_median",
                    "robust_z",
                )
            ),
            strict=True,
        )
    ]
    return findings_on_figures("outlier", flagged, messages)


def robust_z(current: pd.DataFrame) -> pd.DataFrame:
    """Current, usable figures with their robust z-score within PI × period (NaN where too few boroughs or no spread).

    Counts are compared per OUTLIER_PER_CHILDREN children, so a large borough is not an outlier for being large;
    a count from a borough whose child population is not known is not compared at all.
    """
    usable = current.loc[(current["value_status"] == "reported") & (current["quality_status"] != "error")].copy()
    is_count = usable["unit"] == "count"
    population = pd.to_numeric(usable["child_population"], errors="coerce").astype("float64")
    per_child = is_count & (population > 0)
    usable["compared"] = usable["value"].where(
        ~is_count, (usable["value"] / population.where(population > 0) * OUTLIER_PER_CHILDREN).round(1)
    )
    usable["per"] = np.where(per_child, f" per {OUTLIER_PER_CHILDREN:,} children", "")
    group = usable.groupby(["pi_code", "period"])["compared"]
    usable["group_median"] = group.transform("median")
    mad = (
        (usable["compared"] - usable["group_median"])
        .abs()
        .groupby([usable["pi_code"], usable["period"]])
        .transform("median")
    )
    count = group.transform("count")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = 0.6745 * (usable["compared"] - usable["group_median"]) / mad
    usable["robust_z"] = z.where((count >= OUTLIER_MIN_BOROUGHS) & (mad > 0))
    return usable
