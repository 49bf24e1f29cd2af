"""DfE's rounding of published statistics, in one place: how every figure of a safe-to-publish table is rounded.

The conventions are those of DfE's own Explore Education Statistics files (the children in need, child protection
and children looked after tables in `data/raw/published/`):
- percentages, and rates per 1,000, 10,000 or 100,000, to one decimal place, for every authority and for England
  and the regions (`rereferral_percent` 22.6, LAIT's `cin_rate_per_10k` 642.8);
- a local authority's count as a whole number, exact; England's and a region's counts, which are totals, to the
  nearest 10 (every national and regional count in those files is a multiple of 10);
- halves rounded away from zero, as DfE's `dfeR::round_five_up` does (not to the even digit, as R, numpy and pandas
  would: 6.25 is published 6.3);
- a hidden figure is shown as the symbol `c` (confidential), never as a number.

Our own statistics follow the figure they summarise: a median, quartile or mean is given to the unit's decimal places,
and to one decimal place at least (a median of whole counts can be a half); a difference or change of two figures to
the figure's precision. The data team's tables (`fact_pi_value`, `published_value`, the `current_figure` view) keep
the true values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lsdi_pipeline.codes import SUPPRESSED_SYMBOL

#: the decimal places DfE publishes a figure of each unit to
DECIMALS = {
    "percent": 1,
    "rate_per_1k": 1,
    "rate_per_10k": 1,
    "rate_per_100k": 1,
    "count": 0,
    "days": 0,
    "score": 1,
}
#: England's and the regions' counts are totals: DfE rounds them to the nearest 10 (-1 decimal places)
TOTAL_COUNT_DECIMALS = -1

#: how each figure of cmp_borough_pi is rounded (see `rounded`):
#: `figure` — a borough's figure, or the change between two of its figures, to the unit's decimals;
#: `statistic` — a London or neighbour statistic, or a figure's difference from one, to the unit's decimals and at
#: least one;
#: `total` — DfE's England or regional figure: a count to the nearest 10, anything else to the unit's decimals
CMP_ROUNDING = {
    "value": "figure",
    "change_from_previous": "figure",
    "diff_from_group": "statistic",
    "group_mean": "statistic",
    "group_median": "statistic",
    "group_q1": "statistic",
    "group_q3": "statistic",
    "group_pooled": "statistic",
    "sn_median": "statistic",
    "sn_mean": "statistic",
    "england_value": "total",
    "region_value": "total",
}


def round_half_up(values: pd.Series, decimals: pd.Series | int) -> pd.Series:
    """`values` to `decimals` places (negative: to tens, …), halves away from zero, NaN kept.

    The scaled value is first rounded to 6 places, so a half that binary floating point stores just below it
    (0.15 × 10 = 1.4999999999999998) still rounds up, as it would on paper.
    """
    x = pd.Series(values, dtype="float64")
    places = pd.Series(decimals, index=x.index, dtype="int64") if np.ndim(decimals) else int(decimals)
    scale = np.power(10.0, np.abs(places))
    up = np.asarray(places) >= 0
    scaled = np.where(up, x * scale, x / scale)
    scaled = np.round(scaled, 6)
    whole = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)
    out = pd.Series(np.where(up, whole / scale, whole * scale), index=x.index)
    # clean the last binary digit (673 / 10 is 67.3 exactly as printed)
    return out.round(int(np.max(np.maximum(places, 0))) if np.ndim(places) else max(places, 0))


def round_percent(values: pd.Series | float) -> pd.Series | float:
    """A percentage as DfE publishes it: one decimal place, halves up."""
    if np.ndim(values) == 0:
        return float(round_half_up(pd.Series([values]), DECIMALS["percent"]).iloc[0])
    return round_half_up(values, DECIMALS["percent"])


def figure_decimals(unit: pd.Series) -> pd.Series:
    """The decimal places of a figure in each unit (one for a unit DfE has no convention for)."""
    return unit.map(DECIMALS).fillna(1).astype("int64")


def rounded(frame: pd.DataFrame, kinds: dict[str, str], unit: pd.Series) -> pd.DataFrame:
    """The frame with each column of `kinds` rounded as DfE would publish it, by the unit of its row."""
    out = frame.copy()
    places = figure_decimals(unit)
    decimals = {
        "figure": places,
        "statistic": np.maximum(places, 1),
        "total": places.where(unit != "count", TOTAL_COUNT_DECIMALS),
    }
    for column, kind in kinds.items():
        out[column] = round_half_up(out[column].astype("float64"), decimals[kind]).to_numpy()
    return out


def as_published(values: pd.Series, unit: pd.Series, suppressed: pd.Series) -> pd.Series:
    """Each figure as text, as DfE's files print it: the rounded figure to its decimals (`22.6`, `1234`), or the
    symbol `c` where it is suppressed; None where there is no figure."""
    places = figure_decimals(unit)
    text = [
        None if pd.isna(v) else f"{v:.{p}f}"
        for v, p in zip(round_half_up(values.astype("float64"), places), places, strict=True)
    ]
    return pd.Series(text, index=values.index, dtype="object").where(~suppressed.astype(bool), SUPPRESSED_SYMBOL)
