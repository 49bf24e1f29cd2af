"""How boroughs compare: `cmp_borough_pi`, against London and England, on current figures not flagged error.

London (the comparison group): quartiles interpolate linearly (DuckDB `quantile_cont`, Excel
`QUARTILE.INC`); rank 1 is best by the catalogue's polarity, ties share the best rank (SQL `rank()`),
`in_band` PIs rank by distance from the band; bands A–D, A the best quarter.

England, as DfE's Local Authority Interactive Tool (LAIT) computes it (`R/fn_analysis.R`): the
borough among every English local authority with a figure — its own return, the others' DfE
published figures; quantiles R type 7 (linear); bands are value intervals [min, Q1], (Q1, Q2],
(Q2, Q3], (Q3, max], lettered A–D from the best end by LAIT's polarity; ranks `ties.method = "min"`;
statistical neighbours' figure the plain mean of the neighbours with one.

Disclosure control (docs/warehouse.md): every statistic is computed on published figures only,
so none depends on a suppressed one; see `suppression` for which figures are hidden.

Rounding (`analysis.rounding`): each borough's figure is rounded as DfE publishes it before anything is computed on
it, so every statistic is one of the figures the table shows (an analyst's `QUARTILE.INC` over the `value` column
gives `group_q1`), and each statistic is then rounded as DfE would publish it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lsdi_pipeline import codes
from lsdi_pipeline.analysis.names import with_names
from lsdi_pipeline.analysis.rounding import CMP_ROUNDING, as_published, figure_decimals, round_half_up, rounded

#: DfE convention: counts from 1 to SUPPRESS_AT are not published, nor rates and percentages built on them
SUPPRESS_AT = 5
#: the fewest published figures a group statistic, neighbour statistic or pooled value is computed on
MIN_CONTRIBUTORS = 3

COLUMNS = [
    "pi_code",
    "pi_name",
    "unit",
    "period",
    "borough_code",
    "borough_name",
    "value",
    "value_shown",
    "comparison_group",
    "group_mean",
    "group_median",
    "group_q1",
    "group_q3",
    "group_pooled",
    "rank",
    "boroughs_reporting",
    "quartile_band",
    "diff_from_group",
    "change_from_previous",
    "sn_median",
    "suppressed",
    "suppression",
    "england_value",
    "region_value",
    "national_rank",
    "authorities_ranked",
    "national_band",
    "sn_mean",
    "sn_reporting",
    "pooled_reporting",
]
GROUP = ["comparison_group", "pi_code", "period"]


def usable_figures(fact_pi_value: pd.DataFrame) -> pd.DataFrame:
    """Current, reported figures not flagged error: what every comparison is computed on."""
    facts = fact_pi_value
    return facts.loc[
        facts["is_current"]
        & (facts["value_status"] == "reported")
        & (facts["quality_status"] != "error")
        & facts["value"].notna()
    ].copy()


def is_suppressed(unit: pd.Series, value: pd.Series, numerator: pd.Series) -> pd.Series:
    """A count of 1–5, or a rate or percentage whose numerator is 1–5 (primary suppression)."""
    small_count = (unit == "count") & value.between(1, SUPPRESS_AT)
    small_numerator = unit.isin(list(codes.UNIT_SCALE)) & numerator.between(1, SUPPRESS_AT)
    return (small_count | small_numerator.fillna(False)).astype(bool)


def compare(
    fact_pi_value: pd.DataFrame,
    dim_indicator: pd.DataFrame,
    dim_borough: pd.DataFrame,
    published_value: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The cmp_borough_pi table."""
    indicator_columns = [
        "pi_code",
        "unit",
        "polarity",
        "band_min",
        "band_max",
        "expected_cadence",
        "period_basis",
        "national_polarity",
    ]
    borough_columns = ["borough_code", "comparison_group", "dfe_la_code", "statistical_neighbours", "region_code"]
    figures = (
        usable_figures(fact_pi_value)
        .merge(dim_indicator.reindex(columns=indicator_columns), on="pi_code")
        .merge(dim_borough.reindex(columns=borough_columns), on="borough_code")
    )
    if figures.empty:
        return pd.DataFrame(columns=COLUMNS)
    figures = figures.reset_index(drop=True)
    figures["value"] = figures["value"].astype(float)
    figures["numerator"] = figures["numerator"].astype(float)
    figures["suppression"] = suppression(figures)
    figures["suppressed"] = figures["suppression"].notna()
    # the figure as DfE would publish it (suppression above was decided on the true one): what every statistic uses
    figures["value"] = round_half_up(figures["value"], figure_decimals(figures["unit"])).to_numpy()
    shown = figures.loc[~figures["suppressed"]]  # every statistic below is computed on these figures only

    figures = figures.join(_group_statistics(shown), on=GROUP)
    # London's statistics as published, so that diff_from_group is the difference of the two figures shown
    figures = rounded(
        figures, {c: CMP_ROUNDING[c] for c in ("group_mean", "group_median", "group_q1", "group_q3")}, figures["unit"]
    )
    for count in ("boroughs_reporting", "pooled_reporting"):
        figures[count] = figures[count].fillna(0).astype(int)
    figures["badness"] = _badness(figures)
    figures["rank"] = figures.loc[~figures["suppressed"]].groupby(GROUP)["badness"].rank(method="min").astype("Int64")
    figures["quartile_band"] = _quartile_band(figures)
    figures["diff_from_group"] = figures["value"] - figures["group_median"]
    figures["change_from_previous"] = _change_from_previous(figures)
    pairs, returned = _neighbour_pairs(figures), _returned(figures)
    figures["sn_median"] = _neighbour_statistic(figures, pairs, returned, "median")[0]

    published = _published_figures(published_value, dim_indicator)
    figures = _with_published_context(figures, published_value)
    figures[["national_rank", "authorities_ranked", "national_band"]] = _national(figures, published)
    figures["sn_mean"], figures["sn_reporting"] = _neighbour_statistic(figures, pairs, returned, "mean", published)

    figures = rounded(figures, CMP_ROUNDING, figures["unit"])
    hidden = figures["suppressed"]
    for column in (
        "value",
        "diff_from_group",
        "change_from_previous",
        "rank",
        "quartile_band",
        "national_rank",
        "authorities_ranked",
        "national_band",
    ):
        figures[column] = figures[column].where(~hidden)
    figures["value_shown"] = as_published(figures["value"], figures["unit"], hidden)
    figures = with_names(figures, dim_borough, dim_indicator)
    return figures[COLUMNS].sort_values(["pi_code", "period", "borough_code"]).reset_index(drop=True)


# -- which figures are hidden ------------------------------------------------------------------------------------------
def suppression(figures: pd.DataFrame) -> pd.Series:
    """`primary`, `secondary` or None for each figure.

    Primary: a small count (see `is_suppressed`). Secondary, repeated until nothing changes: wherever a total could be
    known — the group's total for a PI and period (DfE publishes London's), and a borough's total for a year or quarter
    (its annual figure, or DfE's) — that holds exactly one hidden figure among figures shown, the smallest figure shown
    beside it (by numerator, for a rate or percentage) is hidden too, so a total less the figures shown gives back only
    a sum of two.
    """
    primary = is_suppressed(figures["unit"], figures["value"], figures["numerator"]).to_numpy()
    hidden = primary.copy()
    members = _totals(figures.loc[figures["unit"].isin(["count", *codes.UNIT_SCALE])])
    if not members.empty:
        size = figures["numerator"].where(figures["unit"] != "count", figures["value"]).fillna(np.inf).to_numpy()
        # the order in which figures beside a lone hidden one are hidden: smallest first, then by borough and period
        order = np.empty(len(figures), dtype=np.int64)
        order[np.lexsort((figures["period"].to_numpy(), figures["borough_code"].to_numpy(), size))] = np.arange(
            len(figures)
        )
        members = members.assign(order=order[members["row"].to_numpy()])
        while True:
            is_hidden = hidden[members["row"].to_numpy()]
            hidden_in_set = pd.Series(is_hidden).groupby(members["set"].to_numpy()).transform("sum").to_numpy()
            beside_lone = members.loc[(hidden_in_set == 1) & ~is_hidden]
            if beside_lone.empty:
                break
            chosen = beside_lone.sort_values("order").drop_duplicates("set")["row"].to_numpy()
            hidden[chosen] = True
    kinds = np.select([primary, hidden], ["primary", "secondary"], "")
    return pd.Series(kinds, index=figures.index).replace("", None).where(hidden)


def _totals(figures: pd.DataFrame) -> pd.DataFrame:
    """(set, row) for the sets of figures tied by a total that may be known: the boroughs of a group for a PI and period
    (London's total); and for a borough and PI, a year (financial, or calendar for a PI on calendar years) with its
    months or its quarters, and a quarter with its months — the longer period's figure where there is one, whose
    total is known anyway (DfE publishes it). `row` is the figure's position in the frame `suppression` was given."""
    positions = pd.Series(np.arange(len(figures)), index=figures.index)
    keyed = [figures[GROUP].assign(row=positions)]
    start = pd.to_datetime(figures["period_start"])
    kind = figures["period_type"]
    calendar = figures["period_basis"] == "calendar_year"  # a month adds up to the year of the PI's basis
    fy = start.dt.year - (start.dt.month < 4)
    fq = fy * 10 + (start.dt.month - 4) % 12 // 3
    cq = start.dt.year * 10 + (start.dt.month - 1) // 3
    ties = (  # (the figures, the key of the longer period, which parts the set holds)
        ((kind == "year") | ((kind == "quarter") & ~calendar), fy, "quarter"),
        ((kind == "year") | ((kind == "month") & ~calendar), fy, "month"),
        ((kind == "quarter") | ((kind == "month") & ~calendar), fq, "month"),
        ((kind == "calendar_year") | (kind == "calendar_quarter"), start.dt.year, "calendar_quarter"),
        ((kind == "calendar_year") | ((kind == "month") & calendar), start.dt.year, "month"),
        ((kind == "calendar_quarter") | ((kind == "month") & calendar), cq, "month"),
    )
    for chosen, key, parts in ties:
        keyed.append(
            pd.DataFrame(
                {
                    "comparison_group": parts,
                    "pi_code": figures["pi_code"][chosen] + "|" + figures["borough_code"][chosen],
                    "period": key[chosen].astype(str),
                    "row": positions[chosen],
                }
            )
        )
    long = pd.concat(keyed, ignore_index=True)
    long["set"] = long.groupby(GROUP, sort=False, dropna=False).ngroup()
    return long[["set", "row"]]


# -- London ------------------------------------------------------------------------------------------------------------
def _group_statistics(shown: pd.DataFrame) -> pd.DataFrame:
    """Per group, PI and period: the statistics of the figures shown, NULL where fewer than MIN_CONTRIBUTORS."""
    group = shown.groupby(GROUP)["value"]
    stats = pd.DataFrame(
        {
            "group_mean": group.mean(),
            "group_median": group.median(),
            "group_q1": group.quantile(0.25),
            "group_q3": group.quantile(0.75),
            "boroughs_reporting": group.count(),
        }
    )
    stats[["group_mean", "group_median", "group_q1", "group_q3"]] = stats[
        ["group_mean", "group_median", "group_q1", "group_q3"]
    ].where(stats["boroughs_reporting"] >= MIN_CONTRIBUTORS, axis=0)
    scale = shown["unit"].map(codes.UNIT_SCALE)
    both = shown.loc[shown["numerator"].notna() & shown["denominator"].notna() & scale.notna()]
    sums = both.groupby(GROUP).agg(
        numerator=("numerator", "sum"),
        denominator=("denominator", "sum"),
        pooled_reporting=("value", "size"),
        scale=("unit", lambda u: codes.UNIT_SCALE[u.iloc[0]]),
    )
    pooled = sums["numerator"] / sums["denominator"].where(sums["denominator"] > 0) * sums["scale"]
    stats["group_pooled"] = pooled.where(sums["pooled_reporting"] >= MIN_CONTRIBUTORS)
    stats["pooled_reporting"] = sums["pooled_reporting"]
    return stats


def _badness(figures: pd.DataFrame) -> pd.Series:
    """A number that is lower for better figures, by the PI's polarity (NaN for neutral PIs)."""
    value = figures["value"].astype(float)
    distance = np.maximum(figures["band_min"] - value, 0) + np.maximum(value - figures["band_max"], 0)
    return pd.Series(
        np.select(
            [
                figures["polarity"] == "higher_is_better",
                figures["polarity"] == "lower_is_better",
                figures["polarity"] == "in_band",
            ],
            [-value, value, distance],
            np.nan,
        ),
        index=figures.index,
    )


def _quartile_band(figures: pd.DataFrame) -> pd.Series:
    """A–D by where a figure's badness falls among the quartiles of the group's shown figures (A: the best quarter)."""
    shown = figures.loc[~figures["suppressed"]]
    quartiles = shown.groupby(GROUP)["badness"].quantile([0.25, 0.5, 0.75]).unstack()
    quartiles.columns = ["q1", "q2", "q3"]
    q = figures[GROUP].join(quartiles, on=GROUP)
    badness = figures["badness"]
    bands = np.select(
        [badness <= q["q1"], badness <= q["q2"], badness <= q["q3"], badness > q["q3"]], ["A", "B", "C", "D"], None
    )
    return pd.Series(bands, index=figures.index).where(
        badness.notna() & (figures["boroughs_reporting"] >= MIN_CONTRIBUTORS)
    )


def _change_from_previous(figures: pd.DataFrame) -> pd.Series:
    """The change since the borough's figure for the adjacent previous period of the same type; NULL across a gap or
    next to a hidden figure. A snapshot's previous one is one step of the PI's cadence earlier, or a year earlier."""
    ordered = figures.sort_values("period_start")
    series = ordered.groupby(["borough_code", "pi_code", "period_type"])
    previous_value = series["value"].shift(1)
    previous_hidden = series["suppressed"].shift(1, fill_value=True).astype(bool)
    previous_end = pd.to_datetime(series["period_end"].shift(1))
    start, end = pd.to_datetime(ordered["period_start"]), pd.to_datetime(ordered["period_end"])
    earlier = {n: _months_before(end, n) for n in CADENCE_MONTHS.values()}
    step = ordered["expected_cadence"].map(CADENCE_MONTHS).fillna(12)
    one_step = pd.Series(np.select([step == n for n in earlier], list(earlier.values()), pd.NaT), index=ordered.index)
    adjacent = np.where(
        ordered["period_type"] == "snapshot",
        (previous_end == pd.to_datetime(one_step)) | (previous_end == earlier[12]),
        previous_end + pd.Timedelta(days=1) == start,
    )
    change = (ordered["value"] - previous_value).where(adjacent & ~previous_hidden & ~ordered["suppressed"])
    return change.reindex(figures.index)


#: months between one period and the next at each cadence
CADENCE_MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}


def _months_before(days: pd.Series, months: int) -> pd.Series:
    """The same day `months` earlier; a month end to the month end."""
    return days.where(~days.dt.is_month_end, days + pd.offsets.MonthEnd(-months)).where(
        days.dt.is_month_end, days - pd.DateOffset(months=months)
    )


# -- neighbours and England --------------------------------------------------------------------------------------------
def _returned(figures: pd.DataFrame) -> pd.DataFrame:
    """Each borough's figure by DfE LA number, with whether it is hidden (a hidden one counts for no statistic)."""
    returned = figures.assign(neighbour=pd.to_numeric(figures["dfe_la_code"], errors="coerce"))
    returned = returned.dropna(subset=["neighbour"]).astype({"neighbour": "int64"})
    return returned[["pi_code", "period", "neighbour", "value", "suppressed"]].drop_duplicates(
        ["pi_code", "period", "neighbour"], keep="last"
    )


def _neighbour_pairs(figures: pd.DataFrame) -> pd.DataFrame:
    """(row, pi_code, period, neighbour): each figure's borough's statistical neighbours, by DfE LA number."""
    boroughs = figures[["borough_code", "statistical_neighbours"]].drop_duplicates("borough_code")
    lists = boroughs["statistical_neighbours"].where(
        boroughs["statistical_neighbours"].map(lambda v: isinstance(v, str)), ""
    )
    pairs = boroughs[["borough_code"]].assign(neighbour=lists.str.split(";")).explode("neighbour")
    pairs["neighbour"] = pairs["neighbour"].str.strip()
    pairs = pairs.loc[pairs["neighbour"].str.isdigit().fillna(False)].astype({"neighbour": "int64"})
    return figures[["borough_code", "pi_code", "period"]].reset_index(names="row").merge(pairs, on="borough_code")


def _neighbour_statistic(
    figures: pd.DataFrame, pairs: pd.DataFrame, returned: pd.DataFrame, how: str, published: pd.DataFrame | None = None
) -> tuple[pd.Series, pd.Series]:
    """The median (London returns only) or mean (a neighbour's return, else its DfE published figure) of the borough's
    statistical neighbours' figures, and how many counted; NULL with fewer than MIN_CONTRIBUTORS. A neighbour whose
    return is hidden counts for nothing (its published figure does not stand in for it)."""
    values = pairs.merge(returned, on=["pi_code", "period", "neighbour"], how="left")
    if published is not None and not published.empty:
        dfe = published.rename(columns={"dfe_la_code": "neighbour", "value": "published"})[
            ["pi_code", "period", "neighbour", "published"]
        ]
        values = values.merge(dfe, on=["pi_code", "period", "neighbour"], how="left")
        values["value"] = values["value"].where(values["suppressed"].notna(), values["published"])
    values = values.loc[values["suppressed"].ne(True) & values["value"].notna()]
    grouped = values.groupby("row")["value"]
    count = grouped.count().reindex(figures.index).fillna(0).astype(int)
    statistic = grouped.agg(how).reindex(figures.index).where(count >= MIN_CONTRIBUTORS)
    return statistic, count.astype("Int64")


def _published_figures(published_value: pd.DataFrame | None, dim_indicator: pd.DataFrame) -> pd.DataFrame:
    """DfE's published figures of local authorities, less any our rule would suppress (DfE shows none such)."""
    if published_value is None or published_value.empty:
        return pd.DataFrame(columns=["pi_code", "period", "dfe_la_code", "value"])
    la = published_value.loc[
        (published_value["geographic_level"] == "local_authority")
        & (published_value["value_status"] == "reported")
        & published_value["value"].notna()
        & published_value["dfe_la_code"].notna()
    ]
    la = la.merge(dim_indicator[["pi_code", "unit"]], on="pi_code")
    small = is_suppressed(la["unit"], la["value"].astype(float), la["numerator"].astype(float))
    return la.loc[~small, ["pi_code", "period", "dfe_la_code", "value"]].astype(
        {"dfe_la_code": "int64", "value": float}
    )


def _with_published_context(figures: pd.DataFrame, published_value: pd.DataFrame | None) -> pd.DataFrame:
    """england_value and region_value: DfE's published figures for England and the borough's region."""
    if published_value is None or published_value.empty:
        return figures.assign(england_value=np.nan, region_value=np.nan)
    reported = published_value.loc[published_value["value_status"] == "reported"]
    england = reported.loc[reported["geographic_level"] == "national"].drop_duplicates(["pi_code", "period"])
    region = reported.loc[reported["geographic_level"] == "regional"].drop_duplicates(
        ["pi_code", "period", "area_code"]
    )
    figures = figures.merge(
        england[["pi_code", "period", "value"]].rename(columns={"value": "england_value"}),
        on=["pi_code", "period"],
        how="left",
    )
    return figures.merge(
        region[["pi_code", "period", "area_code", "value"]].rename(
            columns={"area_code": "region_code", "value": "region_value"}
        ),
        on=["pi_code", "period", "region_code"],
        how="left",
    )


def _national(figures: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """national_rank, authorities_ranked and national_band of each shown figure, by LAIT's rule (see the module)."""
    out = pd.DataFrame(
        {
            "national_rank": pd.Series(pd.NA, index=figures.index, dtype="Int64"),
            "authorities_ranked": pd.Series(pd.NA, index=figures.index, dtype="Int64"),
            "national_band": pd.Series(None, index=figures.index, dtype="object"),
        }
    )
    if published.empty:
        return out
    others_by = {
        key: (frame["dfe_la_code"].to_numpy(), frame["value"].to_numpy())
        for key, frame in published.groupby(["pi_code", "period"])
    }
    ranked = figures.loc[
        ~figures["suppressed"] & figures["national_polarity"].isin(["higher_is_better", "lower_is_better"])
    ]
    own_code = pd.to_numeric(ranked["dfe_la_code"], errors="coerce")
    for i, pi, period, value, polarity, code in zip(
        ranked.index, ranked["pi_code"], ranked["period"], ranked["value"], ranked["national_polarity"], own_code
    ):
        if (pi, period) not in others_by:
            continue
        codes_, values = others_by[(pi, period)]
        values = np.append(values[codes_ != code], value)
        rank, band = lait_rank_and_band(value, values, polarity)
        out.loc[i] = [rank, len(values), band]
    return out


def lait_rank_and_band(value: float, values: np.ndarray, polarity: str) -> tuple[int, str]:
    """LAIT's rank (ties share the best) and quartile band of `value` among `values` (which include it)."""
    better = values > value if polarity == "higher_is_better" else values < value
    q1, q2, q3 = np.quantile(values, [0.25, 0.5, 0.75])  # R type 7
    interval = 0 if value <= q1 else 1 if value <= q2 else 2 if value <= q3 else 3
    bands = "ABCD" if polarity == "lower_is_better" else "DCBA"
    return int(better.sum()) + 1, bands[interval]
