"""Section 1 of the Phase I report: the mapping stage — who was asked for LSCB performance information, who
answered, and what they sent."""

from __future__ import annotations

from lsdi_pipeline.reports.html import (
    COLOURS,
    as_text,
    bar,
    chart,
    chart_id,
    empty,
    floats,
    frame_table,
    heading,
    paragraph,
)
from lsdi_pipeline.reports.phase1.page import Section
from lsdi_pipeline.reports.phase1.prose import label, listing, plural, whole
from lsdi_pipeline.reports.phase1.tables import Warehouse


def mapping_section(data: Warehouse) -> Section:
    section = Section("mapping", "1. The mapping stage")
    summary = data["mapping_summary"].sort_values("measure_order", kind="stable")
    responses = data["mapping_response"]
    if summary.empty:
        section.findings.append("No mapping responses have been recorded yet.")
        section.key_finding = section.findings[0]
        return section

    counts = {m: whole(b) for m, b in zip(summary["measure"], summary["boroughs"], strict=True)}
    responded = counts.get("responded", 0)
    section.findings.append(
        f"{responded} of the {counts.get('invited', 0)} boroughs invited responded to the request for "
        f"LSCB performance information; {counts.get('no response', 0)} did not respond."
    )
    detail = ""
    if "supplied full report" in counts or "supplied partial report" in counts:
        detail = (
            f" ({counts.get('supplied full report', 0)} sent their full LSCB performance report, "
            f"{counts.get('supplied partial report', 0)} part of it)"
        )
    section.findings.append(
        f"Of the {responded} responding boroughs, {counts.get('supplied information', 0)} supplied at least "
        f"some performance information{detail}; {counts.get('acknowledged only', 0)} acknowledged the "
        "request but did not contribute further."
    )

    bars = bar(
        floats(summary["boroughs"]),
        [m.capitalize() for m in summary["measure"]],
        colour=COLOURS[0],
        orientation="h",
        text=[as_text(b) for b in summary["boroughs"]],
        textposition="auto",
        hovertemplate="%{y}: %{x} boroughs<extra></extra>",
    )
    layout = {"xaxis": {"title": {"text": "Boroughs"}}, "yaxis": {"autorange": "reversed"}, "showlegend": False}
    section.body.append(
        chart(
            [bars],
            layout,
            chart_id("mapping"),
            "Boroughs at each step of the mapping stage",
            "Each bar counts the boroughs at one step, from those invited to those that supplied information; "
            "the count is written on the bar.",
            height=120 + 36 * len(summary),
            rows_are="Step",
        )
    )
    section.body.append(
        frame_table(
            summary.assign(measure=summary["measure"].str.capitalize()), {"measure": "Measure", "boroughs": "Boroughs"}
        )
    )

    silent = responses[responses["response"].isin(["no_response"])]
    acknowledged = responses[responses["contribution"].isin(["acknowledged_only"])]
    for rows, title in (
        (silent, "Boroughs that did not respond"),
        (acknowledged, "Boroughs that acknowledged the request only"),
    ):
        names = sorted(data.borough_name(code) for code in rows["borough_code"])
        section.body.append(heading(title))
        section.body.append(paragraph(listing(names) + ".") if names else empty("None."))
    if not silent.empty:
        section.findings.append(f"Did not respond: {listing(sorted(map(data.borough_name, silent['borough_code'])))}.")
    section.key_finding = _key_finding(data, counts, silent)

    inventory = data["mapping_inventory"]
    if not inventory.empty:
        matched = int(inventory["pi_code"].notna().sum())
        section.body.append(
            paragraph(
                f"The contributing boroughs' reports held {plural(len(inventory), 'measure')} from "
                f"{plural(inventory['borough_code'].nunique(), 'borough')}; "
                f"{matched:,} correspond to a PI of the dataset."
            )
        )
    if not responses.empty:
        table = responses.assign(
            borough=[data.borough_name(c) for c in responses["borough_code"]],
            response=responses["response"].map(label),
            contribution=responses["contribution"].map(label),
        ).sort_values("borough")
        section.body.append(
            "<details><summary>Every borough's response</summary>"
            + frame_table(
                table,
                {
                    "borough": "Borough",
                    "response": "Response",
                    "contribution": "Contribution",
                    "response_date": "Responded on",
                },
            )
            + "</details>"
        )
    return section


#: up to this many boroughs that did not respond are named in the key finding; more are counted
NAMED_IN_KEY_FINDING = 5


def _key_finding(data: Warehouse, counts: dict[str, int], silent) -> str:
    """Who responded to the mapping stage, in a sentence."""
    said = (
        f"{counts.get('responded', 0)} of the {counts.get('invited', 0)} boroughs invited responded to the mapping "
        f"request and {counts.get('supplied information', 0)} supplied performance information"
    )
    names = sorted(map(data.borough_name, silent["borough_code"]))
    if not names:
        return said + "."
    if len(names) <= NAMED_IN_KEY_FINDING:
        return said + f"; {listing(names)} did not respond."
    return said + f"; {plural(len(names), 'borough')} did not respond."
