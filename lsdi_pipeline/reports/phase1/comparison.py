"""Section 5 of the Phase I report: how boroughs compare — one chart per PI against London's median and
quartiles and, where DfE publishes the PI, England; then London and England side by side, and the quartile
bands each borough fell in."""

from __future__ import annotations

from datetime import date

import pandas as pd

from lsdi_pipeline import codes
from lsdi_pipeline.analysis.comparison import MIN_CONTRIBUTORS
from lsdi_pipeline.periods import read_period
from lsdi_pipeline.reports.html import (
    LONG_CHART_ROWS,
    LONG_ROW_HEIGHT,
    as_text,
    chart,
    chart_id,
    escape,
    frame_table,
    heading,
    label_margin,
    paragraph,
)
from lsdi_pipeline.reports.phase1.page import Section
from lsdi_pipeline.reports.phase1.prose import label, listing, nothing_yet, plural, whole
from lsdi_pipeline.reports.phase1.tables import Warehouse
from lsdi_pipeline.reports.safe import missing

# A blue–orange diverging set of Okabe–Ito colours (best blue, worst orange), readable with any colour vision; each
# bar also carries its band's letter, so the band is never told by colour alone.
BAND_COLOURS = {"A": "#0072B2", "B": "#56B4E9", "C": "#E69F00", "D": "#D55E00", None: "#8f98a3"}
BAND_NAMES = {"A": "band A (best)", "B": "band B", "C": "band C", "D": "band D (worst)", None: "not banded"}


def _period_reading(text: str):
    return read_period(text).period


def _period_key(text: str) -> tuple:
    period = _period_reading(text)
    return (period.end, period.start, text) if period else (date.min, date.min, text)


def comparison_period(periods, expected_cadence: str | None) -> str:
    """The period a PI is compared on: its latest period at the cadence the catalogue asks for, else its latest."""
    periods = list(periods)

    def cadence(text: str) -> str | None:
        period = _period_reading(text)
        return codes.PERIOD_TYPE_CADENCE.get(period.period_type) if period else None

    at_cadence = [p for p in periods if cadence(p) in (expected_cadence, None)]
    return max(at_cadence or periods, key=_period_key)


def comparison_section(data: Warehouse) -> Section:
    section = Section("comparison", "5. How boroughs compare")
    comparisons = data["cmp_borough_pi"]
    if comparisons.empty:
        section.findings.append(nothing_yet(data, "cross-borough comparison"))
        section.key_finding = section.findings[0]
        return section
    section.body.append(
        paragraph(
            "One chart per PI, at the PI's latest period at its expected cadence. Bars are coloured by London "
            "quartile band (A best, by the PI's polarity); the dashed line is the London median, the grey band runs "
            "from the lower to the upper quartile, and the dotted line is DfE's figure for England where DfE "
            "publishes one. A suppressed figure is a gap marked 'suppressed': a small count, or a figure hidden with "
            "it so that it cannot be worked out from a total. Suppressed figures take no part in any statistic, and "
            "a statistic of fewer than "
            f"{MIN_CONTRIBUTORS} figures is not shown."
        )
    )

    # One pass over the table, not one filter per PI: each PI's periods, the period it is compared on, and
    # then the rows charted, as plain records grouped by PI.
    periods: dict[str, list[str]] = {}
    for pi, period in comparisons[["pi_code", "period"]].drop_duplicates().itertuples(index=False):
        periods.setdefault(pi, []).append(period)
    pis = data.sorted_pis(periods)
    compared_on = {
        pi: comparison_period(periods[pi], (data.indicators.get(pi) or {}).get("expected_cadence")) for pi in pis
    }
    charted = comparisons[comparisons["period"].eq(comparisons["pi_code"].map(compared_on))].reset_index(drop=True)
    charted = charted.assign(borough=[data.borough_name(code) for code in charted["borough_code"]])
    by_pi: dict[str, list[dict]] = {}
    for record in charted.to_dict("records"):
        by_pi.setdefault(record["pi_code"], []).append(record)

    section.body.append(
        '<p class="meta">Charts: '
        + ", ".join(f'<a href="#{chart_id("cmp", pi)}-title">{escape(str(pi))}</a>' for pi in pis)
        + ".</p>"
    )
    for pi in pis:
        section.body.append(_comparison_chart(data, pi, compared_on[pi], by_pi[pi]))

    section.body.append(_london_and_england(data, charted, pis, compared_on))
    groups = sorted(charted["comparison_group"].dropna().unique())
    reporting = charted.groupby("pi_code")["boroughs_reporting"].max()
    section.findings.append(
        f"{plural(len(pis), 'PI')} compared across {plural(charted['borough_code'].nunique(), 'borough')} "
        f"({listing(groups)} group); a median of {whole(reporting.median())} "
        f"boroughs reported each PI; {plural(int(charted['suppressed'].sum()), 'figure')} suppressed."
    )

    bands = charted.assign(
        band=charted["quartile_band"].where(~charted["suppressed"], "suppressed").fillna("not banded")
    )
    grid = pd.crosstab(bands["borough_code"], bands["band"])
    grid = grid.reindex(columns=["A", "B", "C", "D", "suppressed", "not banded"], fill_value=0)
    grid["compared"] = grid.sum(axis=1)
    grid = grid.reset_index()
    grid["borough"] = grid["borough_code"].map(data.borough_name)
    section.key_finding = (
        f"{plural(len(pis), 'PI')} compared across {plural(charted['borough_code'].nunique(), 'borough')}"
        + "".join(
            f"; most often in London's {quarter} quartile (band {band}): {most}"
            for quarter, band in (("best", "A"), ("worst", "D"))
            if (most := _most_often(grid, band))
        )
        + "."
    )
    section.body.append(heading("Quartile bands by borough, across the PIs charted"))
    section.body.append(
        frame_table(
            grid.sort_values("borough"),
            {
                "borough": "Borough",
                "A": "A (best)",
                "B": "B",
                "C": "C",
                "D": "D (worst)",
                "suppressed": "Suppressed",
                "not banded": "Not banded (neutral PI)",
                "compared": "PIs compared",
            },
        )
    )
    return section


#: at most this many boroughs tied for most often in a band are named in the key finding
TIED_NAMED = 3


def _most_often(grid: pd.DataFrame, band: str) -> str:
    """The borough(s) most often in `band` across the PIs charted, e.g. 'Barnet (3 PIs)'; '' if none is."""
    most = grid[band].max() if len(grid) else 0
    if not most:
        return ""
    names = sorted(grid.loc[grid[band] == most, "borough"])
    named = listing(names) if len(names) <= TIED_NAMED else plural(len(names), "borough")
    return f"{named} ({plural(int(most), 'PI')})"


def neighbour_models(data: Warehouse) -> str:
    """The statistical-neighbour model(s) of dim_borough, e.g. 'DfE May 2025'."""
    models = sorted({m for m in data["dim_borough"].get("neighbour_model", pd.Series(dtype=object)).dropna() if m})
    return listing(models) or "model not recorded"


def _london_and_england(data: Warehouse, charted: pd.DataFrame, pis: list[str], compared_on: dict[str, str]) -> str:
    """London and England side by side for each PI charted, or why there is no England-wide figure to show."""
    parts = [heading("London and England, side by side")]
    published = data["published_value"]
    with_england = charted.loc[charted["england_value"].notna()]
    if with_england.empty:
        if published.empty:
            parts.append(
                paragraph(
                    "No England-wide comparison: the raw directory holds no DfE published statistics "
                    "(published/, declared in dataset/published_measures.csv)."
                )
            )
        else:
            pis_published = listing(sorted(published["pi_code"].unique()))
            ends = [p.end.year for p in map(_period_reading, published["period"].unique()) if p]
            periods = listing(sorted(set(compared_on.values()), key=_period_key))
            parts.append(
                "<p>"
                + escape(
                    f"No England-wide comparison for the periods charted ({periods}): DfE's published statistics "
                    f"here cover {pis_published} for the years ending 31 March {min(ends)} to {max(ends)}, so these "
                    "returns have no published year to compare with. "
                )
                + "<code>lsdi sample --published</code>"
                + escape(" builds a raw directory of the boroughs' own published figures that fills these columns.")
                + "</p>"
            )
        return "".join(parts)
    rows = []
    for pi in pis:
        of_pi = charted.loc[charted["pi_code"] == pi]
        if of_pi["england_value"].isna().all():
            continue
        r = of_pi.iloc[0]
        shown = of_pi.loc[~of_pi["suppressed"]]
        ranked = shown["national_rank"].notna().any()
        rows.append(
            {
                "pi": f"{pi} {data.pi_title(pi)}",
                "period": compared_on[pi],
                "london_median": as_text(r["group_median"]),
                "london_pooled": f"{as_text(r['group_pooled'])} ({whole(r['pooled_reporting'])} boroughs)"
                if not missing(r["group_pooled"])
                else "–",
                "dfe_london": as_text(r["region_value"]),
                "england": as_text(r["england_value"]),
                "bands": ", ".join(f"{b}: {int((shown['national_band'] == b).sum())}" for b in "ABCD")
                if ranked
                else "not banded",
                "ranked": as_text(shown["authorities_ranked"].max()) if ranked else "–",
                "sn": f"{whole(shown['sn_mean'].notna().sum())} of {len(of_pi)}",
            }
        )
    parts.append(
        frame_table(
            pd.DataFrame(rows),
            {
                "pi": "PI",
                "period": "Period",
                "london_median": "London median (returns)",
                "london_pooled": "London pooled (returns)",
                "dfe_london": "London (DfE published)",
                "england": "England (DfE published)",
                "bands": "Boroughs by England band (LAIT)",
                "ranked": "Authorities ranked",
                "sn": "Boroughs with a neighbours' mean",
            },
        )
    )
    parts.append(f'<p class="meta">{escape(_neighbour_note(data))}</p>')
    return "".join(parts)


def _neighbour_note(data: Warehouse) -> str:
    return (
        f"Statistical neighbours: the {neighbour_models(data)} model, applied to every period shown. A neighbour's "
        "figure is its return where it sent one, else DfE's published figure; a neighbour whose figure is suppressed "
        f"is left out, and a mean of fewer than {MIN_CONTRIBUTORS} neighbours is not shown. England bands and ranks "
        "follow DfE's LAIT: every English local authority with a figure, quartile intervals closed at their upper "
        "end, A the best quarter."
    )


def _polarity_text(indicator: dict) -> str:
    polarity = indicator.get("polarity")
    if polarity == "in_band":
        return f"best within {as_text(indicator.get('band_min'))}–{as_text(indicator.get('band_max'))}"
    if polarity == "neutral":
        return "neutral (context only, not ranked)"
    return label(polarity) if polarity else "polarity not recorded"


def _comparison_chart(data: Warehouse, pi: str, period: str, rows: list[dict]) -> str:
    """One PI's chart from its rows of cmp_borough_pi at `period` (records, each with its `borough` name)."""
    indicator = data.indicators.get(pi) or {}
    polarity = indicator.get("polarity")
    models = neighbour_models(data)
    shown = [r for r in rows if not r["suppressed"]]
    hidden = [r for r in rows if r["suppressed"]]
    # Ranked PIs by rank, others by value (best first by polarity); missing values last, then by name.
    if any(not missing(r["rank"]) for r in shown):
        shown.sort(key=lambda r: (missing(r["rank"]), r["rank"] if not missing(r["rank"]) else 0, r["borough"]))
    else:
        sign = 1 if polarity == "lower_is_better" else -1
        shown.sort(
            key=lambda r: (missing(r["value"]), sign * r["value"] if not missing(r["value"]) else 0, r["borough"])
        )
    hidden_names = sorted(r["borough"] for r in hidden)
    order = [r["borough"] for r in shown] + hidden_names
    # Up to LONG_CHART_ROWS boroughs stand side by side; more are drawn as horizontal bars, one labelled row
    # each (rank 1 at the top), so the chart grows with the boroughs rather than crushing their names.
    long = len(order) > LONG_CHART_ROWS
    value_axis, name_axis = ("x", "y") if long else ("y", "x")

    def trace(names: list, values: list, **extra) -> dict:
        return {value_axis: values, name_axis: names, **({"orientation": "h"} if long else {}), **extra}

    first = rows[0]
    england = float(first["england_value"]) if not missing(first.get("england_value")) else None
    records = [
        (
            r["borough"],
            r["value"] if not missing(r["value"]) else None,
            r["rank"],
            r["quartile_band"],
            as_text(r["national_rank"]),
            as_text(r["sn_mean"]),
        )
        for r in shown
    ]
    england_rank = ", England rank %{customdata[1]}" if england is not None else ""
    traces = []
    for band in ["A", "B", "C", "D", None]:
        subset = [r for r in records if (r[3] == band if band else missing(r[3]))]
        if not subset:
            continue
        traces.append(
            trace(
                [r[0] for r in subset],
                [r[1] for r in subset],
                type="bar",
                marker={"color": BAND_COLOURS[band]},
                name=BAND_NAMES[band],
                text=[band or ""] * len(subset),
                textposition="inside",
                insidetextanchor="end",
                textfont={"color": "white" if band in ("A", "D") else "#1f2933"},
                customdata=[[as_text(r[2]), r[4], r[5]] for r in subset],
                hovertemplate=f"%{{{name_axis}}}: %{{{value_axis}}} (London rank %{{customdata[0]}}{england_rank}; "
                f"neighbours' mean %{{customdata[2]}}, {models} model)<extra></extra>",
            )
        )
    if hidden_names:
        traces.append(
            trace(
                hidden_names,
                [0] * len(hidden_names),
                type="scatter",
                mode="markers+text",
                text="suppressed",
                textposition="middle right" if long else "top center",
                marker={"symbol": "x-thin-open", "size": 10, "color": "#52606d"},
                name="suppressed",
                hovertemplate=f"%{{{name_axis}}}: suppressed<extra></extra>",
            )
        )

    # Reference lines and the quartile band are layout shapes across the whole plot (as plotly's add_hline and
    # add_hrect would write them, without rebuilding the figure for each).
    q1, median, q3 = (None if missing(first[c]) else float(first[c]) for c in ("group_q1", "group_median", "group_q3"))

    def across(low: float, high: float, **style) -> dict:
        return {
            f"{value_axis}0": low,
            f"{value_axis}1": high,
            f"{value_axis}ref": value_axis,
            f"{name_axis}0": 0,
            f"{name_axis}1": 1,
            f"{name_axis}ref": f"{name_axis} domain",
            **style,
        }

    shapes, annotations = [], []
    if q1 is not None and q3 is not None:
        shapes.append(across(q1, q3, type="rect", fillcolor="#9ca3af", opacity=0.25, line={"width": 0}, layer="below"))
    if median is not None:
        shapes.append(across(median, median, type="line", line={"color": "#1f2933", "dash": "dash"}))
        annotations.append(
            {
                "showarrow": False,
                "text": f"median {as_text(median)}",
                value_axis: median,
                f"{value_axis}ref": value_axis,
                name_axis: 1,
                f"{name_axis}ref": f"{name_axis} domain",
                "xanchor": "left" if long else "right",
                "yanchor": "bottom",
            }
        )
    if polarity == "in_band":
        for edge, word in (("band_min", "best from"), ("band_max", "best to")):
            if not missing(indicator.get(edge)):
                value = float(indicator[edge])
                shapes.append(across(value, value, type="line", line={"color": "#009E73", "dash": "dot"}))
                annotations.append(
                    {
                        "showarrow": False,
                        "text": f"{word} {as_text(value)}",
                        value_axis: value,
                        f"{value_axis}ref": value_axis,
                        name_axis: 0.5,
                        f"{name_axis}ref": f"{name_axis} domain",
                        "yanchor": "bottom",
                        "font": {"size": 11, "color": "#00694d"},
                    }
                )
    if england is not None and indicator.get("unit") != "count":  # England's count is a total, off any borough's scale
        shapes.append(across(england, england, type="line", line={"color": "#7b3294", "dash": "dot"}))
        annotations.append(
            {
                "showarrow": False,
                "text": f"England {as_text(england)}",
                value_axis: england,
                f"{value_axis}ref": value_axis,
                name_axis: 0,
                f"{name_axis}ref": f"{name_axis} domain",
                "xanchor": "left",
                "yanchor": "top" if long else "bottom",
            }
        )
    unit = codes.UNIT_LABELS.get(indicator.get("unit"), indicator.get("unit") or "value")
    names = {"type": "category", "categoryorder": "array", "categoryarray": order}
    layout = {
        f"{name_axis}axis": names,
        f"{value_axis}axis": {"title": {"text": unit}},
        "barmode": "overlay",
        **({"shapes": shapes} if shapes else {}),
        **({"annotations": annotations} if annotations else {}),
    }
    if long:
        # Fixed margins for the names: plotly fitting them (automargin) would draw the chart twice.
        names |= {"autorange": "reversed", "tickfont": {"size": 11}, "automargin": False}
        layout["xaxis"]["automargin"] = False
        layout["margin"] = {"l": label_margin(order, 11), "r": 30, "t": 40, "b": 60}
    else:
        names["tickangle"] = -45
    height = 160 + LONG_ROW_HEIGHT * len(order) if long else 380

    caption = (
        f"{pi} — {data.pi_title(pi)}. Period {period}; {_polarity_text(indicator)}. "
        f"{listing(sorted({r['comparison_group'] for r in rows if not missing(r['comparison_group'])}))}: "
        f"{as_text(first['boroughs_reporting'])} boroughs "
        f"reporting; median {as_text(median)}, Q1 {as_text(q1)}, Q3 {as_text(q3)}"
    )
    if not missing(first["group_pooled"]):
        caption += f", pooled {as_text(first['group_pooled'])} over {whole(first['pooled_reporting'])} boroughs"
    caption += "."
    if england is not None:
        ranked_over = [r["authorities_ranked"] for r in rows if not missing(r["authorities_ranked"])]
        caption += (
            f" DfE published: England {as_text(england)}, London {as_text(first.get('region_value'))}"
            + (f"; England bands over {as_text(max(ranked_over))} authorities" if ranked_over else "")
            + "."
        )
    caption += f" Statistical neighbours: the {models} model."
    if hidden_names:
        caption += f" Suppressed (shown as a gap): {listing(hidden_names)}."
    title = f"{pi} {data.pi_title(pi)}".strip() + f": boroughs compared, {period}"
    return chart(traces, layout, chart_id("cmp", pi), title, caption, height=height, rows_are="Borough")
