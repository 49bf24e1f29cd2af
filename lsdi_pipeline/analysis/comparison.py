"""How boroughs compare: `cmp_borough_pi`, on current figures not flagged error.

Statistics are over the group's true values; suppression only hides a published value.
Quartiles interpolate linearly (DuckDB `quantile_cont`, Excel `QUARTILE.INC`). Rank 1 is best
by the PI's polarity, ties share the best rank of the tie (as SQL `rank()`); `in_band` PIs
rank by distance from the band. Quartile bands A–D follow DfE's LAIT: A is the best quarter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lsdi_pipeline import codes

#: DfE convention: counts from 1 to SUPPRESS_AT are not published, nor rates and percentages built on them
SUPPRESS_AT = 5

COLUMNS = ["pi_code", "period", "borough_code", "value", "comparison_group", "group_mean", "group_median", "group_q1", "group_q3",
           "group_pooled", "rank", "boroughs_reporting", "quartile_band", "diff_from_group", "change_from_previous", "sn_median",
           "suppressed"]


def usable_figures(fact_pi_value: pd.DataFrame) -> pd.DataFrame:
    """Current, reported figures not flagged error: what every comparison is computed on."""
    facts = fact_pi_value
    return facts.loc[facts["is_current"] & (facts["value_status"] == "reported") & (facts["quality_status"] != "error")
                     & facts["value"].notna()].copy()


def is_suppressed(unit: pd.Series, value: pd.Series, numerator: pd.Series) -> pd.Series:
    """A count of 1–5, or a rate or percentage whose numerator is 1–5."""
    small_count = (unit == "count") & value.between(1, SUPPRESS_AT)
    small_numerator = unit.isin(list(codes.UNIT_SCALE)) & numerator.between(1, SUPPRESS_AT)
    return (small_count | small_numerator.fillna(False)).astype(bool)


def _badness(figures: pd.DataFrame) -> pd.Series:
    """A number that is lower for better figures, by the PI's polarity (NaN for neutral PIs)."""
    value = figures["value"].astype(float)
    distance = np.maximum(figures["band_min"] - value, 0) + np.maximum(value - figures["band_max"], 0)
    return pd.Series(np.select([figures["polarity"] == "higher_is_better", figures["polarity"] == "lower_is_better",
                                figures["polarity"] == "in_band"], [-value, value, distance], np.nan), index=figures.index)


def _quartiles(figures: pd.DataFrame, keys: list[str], column: str) -> pd.DataFrame:
    """Each row's group quartiles of `column` (linear interpolation), computed once per group."""
    quantiles = figures.groupby(keys)[column].quantile([0.25, 0.5, 0.75]).unstack()
    quantiles.columns = ["q1", "q2", "q3"]
    return figures[keys].join(quantiles, on=keys)


def _quartile_band(badness: pd.Series, quartiles: pd.DataFrame) -> pd.Series:
    """A–D by where a figure's badness falls among its group's quartiles (A: the best quarter)."""
    bands = np.select([badness <= quartiles["q1"], badness <= quartiles["q2"], badness <= quartiles["q3"], badness > quartiles["q3"]],
                      ["A", "B", "C", "D"], None)
    return pd.Series(bands, index=badness.index).where(badness.notna())


def compare(fact_pi_value: pd.DataFrame, dim_indicator: pd.DataFrame, dim_borough: pd.DataFrame) -> pd.DataFrame:
    """The cmp_borough_pi table."""
    figures = usable_figures(fact_pi_value).merge(
        dim_indicator[["pi_code", "unit", "polarity", "band_min", "band_max"]], on="pi_code").merge(
        dim_borough[["borough_code", "comparison_group", "dfe_la_code", "statistical_neighbours"]], on="borough_code")
    if figures.empty:
        return pd.DataFrame(columns=COLUMNS)
    figures["value"] = figures["value"].astype(float)
    keys = ["comparison_group", "pi_code", "period"]
    group = figures.groupby(keys)["value"]
    figures["group_mean"] = group.transform("mean")
    figures["group_median"] = group.transform("median")
    value_quartiles = _quartiles(figures, keys, "value")
    figures["group_q1"], figures["group_q3"] = value_quartiles["q1"], value_quartiles["q3"]
    figures["boroughs_reporting"] = group.transform("count")
    figures["group_pooled"] = _pooled(figures, keys)
    figures["badness"] = _badness(figures)
    figures["rank"] = figures.groupby(keys)["badness"].rank(method="min").astype("Int64")
    figures["quartile_band"] = _quartile_band(figures["badness"], _quartiles(figures, keys, "badness"))
    figures["diff_from_group"] = figures["value"] - figures["group_median"]
    figures["change_from_previous"] = _change_from_previous(figures)
    figures["sn_median"] = _statistical_neighbour_median(figures)
    figures["suppressed"] = is_suppressed(figures["unit"], figures["value"], figures["numerator"].astype(float))
    for hidden in ("value", "diff_from_group", "change_from_previous"):
        figures[hidden] = figures[hidden].where(~figures["suppressed"])
    return figures[COLUMNS].sort_values(["pi_code", "period", "borough_code"]).reset_index(drop=True)


def _pooled(figures: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Σ numerator / Σ denominator in the PI's unit, over the boroughs that gave both (never a mean of rates)."""
    scale = figures["unit"].map(codes.UNIT_SCALE)
    both = figures["numerator"].notna() & figures["denominator"].notna() & scale.notna()
    sums = figures.loc[both].groupby(keys)[["numerator", "denominator"]].sum()
    pooled = (sums["numerator"] / sums["denominator"].where(sums["denominator"] > 0)).rename("pooled")
    joined = figures[keys].join(pooled, on=keys)["pooled"]
    return (joined * scale).where(scale.notna())


def _change_from_previous(figures: pd.DataFrame) -> pd.Series:
    """The change since the borough's previous figure for the same PI and type of period."""
    ordered = figures.sort_values("period_start")
    previous = ordered.groupby(["borough_code", "pi_code", "period_type"])["value"].shift(1)
    return (ordered["value"] - previous).reindex(figures.index)


def _statistical_neighbour_median(figures: pd.DataFrame) -> pd.Series:
    """The median figure of the borough's DfE statistical neighbours that reported the same PI and period."""
    lists = figures["statistical_neighbours"].where(figures["statistical_neighbours"].map(lambda v: isinstance(v, str)), "")
    wanted = figures[["pi_code", "period"]].assign(neighbour=lists.str.split(";")).explode("neighbour")
    wanted["neighbour"] = wanted["neighbour"].str.strip()
    wanted = wanted.loc[wanted["neighbour"].str.isdigit().fillna(False)].astype({"neighbour": "int64"})
    reported = figures.assign(neighbour=figures["dfe_la_code"].astype("int64"))[["pi_code", "period", "neighbour", "value"]]
    reported = reported.drop_duplicates(["pi_code", "period", "neighbour"], keep="last")
    values = wanted.reset_index(names="row").merge(reported, on=["pi_code", "period", "neighbour"])
    return values.groupby("row")["value"].median().reindex(figures.index)
