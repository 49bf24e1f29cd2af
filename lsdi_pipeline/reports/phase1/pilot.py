"""Section 3 of the Phase I report: the feasibility pilot — who took part, whose return came and when, and what
each pilot borough provided, PI by PI (availability)."""

from __future__ import annotations

import numpy as np

from lsdi_pipeline import codes
from lsdi_pipeline.analysis.availability import availability_by, overall_availability
from lsdi_pipeline.analysis.timeliness import pilot_returns
from lsdi_pipeline.reports.html import (
    LONG_CHART_ROWS,
    LONG_ROW_HEIGHT,
    ROW_HEIGHT,
    SEQUENTIAL_SCALE,
    as_text,
    chart,
    chart_id,
    empty,
    frame_table,
    heading,
    label_margin,
    paragraph,
)
from lsdi_pipeline.reports.phase1.page import Section
from lsdi_pipeline.reports.phase1.prose import label, listing, nothing_yet, pct, plural
from lsdi_pipeline.reports.phase1.tables import Warehouse
from lsdi_pipeline.reports.safe import missing

#: whether a pilot's return came in time (`analysis.timeliness.TIMELINESS`), in words
TIMELINESS_TEXT = {
    "on_time": "on time",
    "not_loaded": "only rejected or duplicate files",
    "nothing_received": "nothing received",
    "no_due_date": "received (no due date)",
}


def pilot_section(data: Warehouse) -> Section:
    section = Section("pilot", "3. The feasibility pilot")
    pilots, submissions = data["pilot_borough"], data["submission"]
    returns = pilot_returns(pilots, submissions)
    returns["borough"] = returns["borough_code"].map(data.borough_name)
    returns = returns.sort_values("borough", kind="stable")
    who_sent = ""
    if pilots.empty:
        section.findings.append("No pilot boroughs are recorded yet.")
    else:
        outstanding = int(pilots["chair_confirmed_on"].isna().sum())
        section.findings.append(
            f"{plural(len(pilots), 'borough')} expressed interest in the feasibility pilot; "
            f"confirmation from the LSCB chair is outstanding for {outstanding}."
        )
        received = returns[returns["loaded_files"] > 0]
        late = received[received["timeliness"] == "late"]
        silent = returns[returns["loaded_files"] == 0]["borough"].tolist()
        finding = f"Returns received from {len(received)} of the {len(pilots)} pilot boroughs ({len(late)} late)"
        section.findings.append(finding + (f"; nothing received from {listing(silent)}." if silent else "."))
        who_sent = section.findings[-1]
        section.body.append(
            frame_table(
                returns.assign(
                    chair=["outstanding" if missing(d) else as_text(d) for d in returns["chair_confirmed_on"]],
                    statuses=[
                        "; ".join(f"{n} {label(s)}" for s, n in statuses) or "none" for statuses in returns["statuses"]
                    ],
                    timeliness=[_timeliness(r) for r in returns.itertuples()],
                ),
                {
                    "borough": "Pilot borough",
                    "expressed_interest_on": "Expressed interest",
                    "chair": "Chair confirmed",
                    "return_due_on": "Return due",
                    "files": "Files",
                    "statuses": "Status of files",
                    "first_return": "First return",
                    "latest_return": "Latest return",
                    "timeliness": "On time?",
                },
            )
        )
        section.body.append(
            paragraph(
                "A return is late when the first usable file (accepted, or accepted with issues) "
                "was submitted after the due date."
            )
        )

    if not submissions.empty:
        status = submissions["status"].value_counts()
        section.findings.append(
            f"{plural(len(submissions), 'file')} received in all: "
            + ", ".join(f"{status.get(s, 0)} {label(s)}" for s in codes.SUBMISSION_STATUSES)
            + "."
        )
        pilot_codes = set(pilots["borough_code"])
        others = sorted({data.borough_name(c) for c in submissions["borough_code"].dropna() if c not in pilot_codes})
        if others:
            section.body.append(paragraph(f"Returns also came from boroughs outside the pilot: {listing(others)}."))
        unattributed = int(submissions["borough_code"].isna().sum())
        if unattributed:
            section.body.append(paragraph(f"{plural(unattributed, 'file')} could not be attributed to a borough."))
        rejected = submissions[submissions["status"].isin(["rejected"])]
        if not rejected.empty:
            section.body.append(heading("Rejected files"))
            section.body.append(
                frame_table(
                    rejected.assign(borough=rejected["borough_code"].map(data.borough_name)),
                    {"borough": "Borough", "file_name": "File", "reject_reason": "Why rejected"},
                )
            )

    section.body.append(heading("What each pilot borough provided, PI by PI", anchor="availability"))
    available = _availability(data, section)
    section.key_finding = " ".join(s for s in (who_sent, available) if s) or section.findings[0]
    section.key_anchor = "availability" if available else None
    return section


def _timeliness(pilot) -> str:
    """Whether a pilot's first return for the year due came by the due date, in words."""
    if pilot.timeliness == "late":
        return f"late ({plural(int(pilot.days_late), 'day')})"
    if pilot.timeliness == "no_return_for_year":
        return f"no return for {pilot.year_due}"
    return TIMELINESS_TEXT[pilot.timeliness]


def _availability(data: Warehouse, section: Section) -> str:
    """The availability heat-map and table; returns what the pilot returns provided, in a sentence ('' if none)."""
    matrix = data["availability_matrix"]
    if matrix.empty:
        section.body.append(empty(nothing_yet(data, "availability figures")))
        return ""
    figures_provided, figures_expected, availability = overall_availability(matrix)
    by_pi = availability_by(matrix, "pi_code").dropna(subset=["availability_pct"])
    lowest = by_pi.sort_values("availability_pct", kind="stable").head(3)
    least = ", ".join(f"{pi} ({pct(v)})" for pi, v in zip(lowest["pi_code"], lowest["availability_pct"], strict=True))
    provided = f"{figures_provided:,.0f} of {figures_expected:,.0f} expected figures ({pct(availability)})" + (
        f"; least available: {least}" if least else ""
    )
    section.findings.append(f"Availability: pilot returns provided {provided}.")

    boroughs = sorted(matrix["borough_code"].unique(), key=data.borough_name)
    pis = data.sorted_pis(matrix["pi_code"])
    cells = matrix.drop_duplicates(["borough_code", "pi_code"])
    grid = {
        column: cells.pivot(index="borough_code", columns="pi_code", values=column).reindex(index=boroughs, columns=pis)
        for column in ("availability_pct", "periods_provided", "periods_expected")
    }
    z = [[None if np.isnan(v) else float(v) for v in row] for row in grid["availability_pct"].to_numpy(dtype=float)]
    counts: dict[float, str] = {}  # a few distinct period counts, formatted once each

    def count(value: float) -> str:
        if np.isnan(value):
            return "–"
        if value not in counts:
            counts[value] = as_text(value)
        return counts[value]

    custom = [
        [[count(p), count(e)] for p, e in zip(provided, expected, strict=True)]
        for provided, expected in zip(
            grid["periods_provided"].to_numpy(dtype=float), grid["periods_expected"].to_numpy(dtype=float), strict=True
        )
    ]
    long = len(boroughs) > LONG_CHART_ROWS
    heatmap = {
        "type": "heatmap",
        "z": z,
        "x": pis,
        "y": [data.borough_name(b) for b in boroughs],
        "customdata": custom,
        "zmin": 0,
        "zmax": 100,
        "colorscale": SEQUENTIAL_SCALE,
        "xgap": 1,
        "ygap": 1,
        "texttemplate": "%{z:.0f}",
        "textfont": {"size": 9},
        "colorbar": {"title": {"text": "% provided"}},
        "hovertemplate": "%{y} · %{x}: %{z:.0f}% (%{customdata[0]} of %{customdata[1]} periods)<extra></extra>",
    }
    layout = {
        "xaxis": {"type": "category", "tickangle": -60, "title": {"text": "PI"}},
        "yaxis": {"autorange": "reversed", "type": "category"},
    }
    if long:
        # A tall map has its PI codes above it, where its reader starts, a colour bar of a readable length, and
        # fixed margins: letting plotly fit them (automargin) draws its thousands of cells twice.
        layout["xaxis"] |= {"side": "top", "automargin": False}
        layout["yaxis"]["automargin"] = False
        layout["margin"] = {
            "l": label_margin(heatmap["y"], 13),
            "r": 30,
            "b": 30,
            "t": 60 + label_margin(pis, 13) * 7 // 8,
        }  # the PI codes are at 60°
        heatmap["colorbar"].update(
            len=min(1.0, 600 / (LONG_ROW_HEIGHT * len(boroughs))), lenmode="fraction", y=1, yanchor="top"
        )
    section.body.append(
        chart(
            [heatmap],
            layout,
            chart_id("availability"),
            "Availability by borough and PI: % of expected periods provided",
            "Each cell is the share of the periods the PI's expected cadence asks for that the borough provided "
            "a usable figure for, written in the cell; darker is less (blank: the PI was not expected of the "
            "borough).",
            height=200 + (LONG_ROW_HEIGHT if long else ROW_HEIGHT) * len(boroughs),
            rows_are="Borough",
        )
    )

    per_borough = availability_by(matrix, "borough_code")
    per_borough["availability"] = per_borough["availability_pct"].map(pct)
    per_borough["borough"] = per_borough["borough_code"].map(data.borough_name)
    section.body.append(
        frame_table(
            per_borough.sort_values("borough"),
            {
                "borough": "Borough",
                "periods_expected": "Expected",
                "periods_provided": "Provided",
                "periods_not_provided": "Not provided",
                "periods_suppressed": "Suppressed",
                "periods_missing": "Missing",
                "availability": "Availability",
            },
        )
    )
    return f"The pilot returns provided {provided}."
