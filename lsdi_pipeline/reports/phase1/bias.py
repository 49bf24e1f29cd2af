"""Section 6 of the Phase I report: local-authority and multi-agency sources — how heavily the dataset, the
pilot's figures and what boroughs hold lean on local-authority information."""

from __future__ import annotations

import pandas as pd

from lsdi_pipeline import codes
from lsdi_pipeline.reports.html import bar, chart, chart_id, floats, frame_table
from lsdi_pipeline.reports.phase1.page import Section
from lsdi_pipeline.reports.phase1.prose import listing, pct, whole
from lsdi_pipeline.reports.phase1.tables import Warehouse

SOURCE_TYPE_LABELS = {"local_authority": "Local authority", "multi_agency": "Multi-agency"}
SOURCE_TYPE_COLOURS = {"local_authority": "#0072B2", "multi_agency": "#E69F00"}
#: multi-agency bars hatched, so the two are told apart without colour
SOURCE_TYPE_PATTERNS = {"local_authority": "", "multi_agency": "/"}


def bias_section(data: Warehouse) -> Section:
    section = Section("bias", "6. Local-authority and multi-agency sources")
    bias = data["bias_by_source"]
    if bias.empty:
        section.findings.append("The source-bias analysis is not available yet.")
        section.key_finding = section.findings[0]
        return section
    totals = bias[bias["source_agency"].isna()].set_index("source_type")
    types = [t for t in codes.SOURCE_TYPES if t in totals.index]
    if types:
        of = {t: (SOURCE_TYPE_LABELS[t].lower(), totals.loc[t]) for t in types}
        section.findings.append(
            "PIs in the dataset by source: "
            + "; ".join(
                f"{name} {whole(row['pis_in_dataset'])} ({pct(row['share_of_dataset_pct'])})"
                for name, row in of.values()
            )
            + "."
        )
        section.findings.append(
            "Phase-1 PIs asked for more often than once a year: "
            + "; ".join(
                f"{name} {whole(row['pis_more_than_annual'])} of {whole(row['pis_phase_1'])}"
                for name, row in of.values()
            )
            + "; availability of pilot figures: "
            + "; ".join(f"{name} {pct(row['availability_pct'])}" for name, row in of.values())
            + "."
        )
        section.findings.append(
            "Measures held in contributing boroughs' reports: "
            + "; ".join(
                f"{name} {whole(row['measures_in_mapping'])} "
                f"({whole(row['measures_more_than_annual_in_mapping'])} more than annual)"
                for name, row in of.values()
            )
            + "."
        )
        section.body.append(_bias_chart(totals.loc[types]))
        largest = max(types, key=lambda t: whole(totals.loc[t, "pis_in_dataset"]))
        others = [f"{name} {pct(row['share_of_dataset_pct'])}" for t, (name, row) in of.items() if t != largest]
        section.key_finding = (
            f"{pct(totals.loc[largest, 'share_of_dataset_pct'])} of the dataset's PIs come from {of[largest][0]} "
            "sources"
            + (f" ({listing(others)})" if others else "")
            + "; pilot figures were available for "
            + listing([f"{pct(row['availability_pct'])} of {name} PIs' expected periods" for name, row in of.values()])
            + "."
        )
    else:
        section.key_finding = "No PI of the dataset has a recorded source type yet."

    ordered = []
    for source_type in [t for t in codes.SOURCE_TYPES if t in set(bias["source_type"])] + sorted(
        set(bias["source_type"].dropna()) - set(codes.SOURCE_TYPES)
    ):
        rows = bias[bias["source_type"] == source_type]
        agencies = rows[rows["source_agency"].notna()].sort_values(
            ["pis_in_dataset", "source_agency"], ascending=[False, True]
        )
        ordered += [rows[rows["source_agency"].isna()], agencies]
    table = pd.concat(ordered, ignore_index=True)
    table["type"] = table["source_type"].map(lambda t: SOURCE_TYPE_LABELS.get(t, t))
    table["agency"] = [codes.AGENCY_LABELS.get(a, a) if a else "all agencies" for a in table["source_agency"]]
    table["share"] = table["share_of_dataset_pct"].map(pct)
    table["availability"] = table["availability_pct"].map(pct)
    section.body.append(
        frame_table(
            table,
            {
                "type": "Source type",
                "agency": "Agency",
                "pis_in_dataset": "PIs in dataset",
                "share": "Share of dataset",
                "pis_phase_1": "Phase 1",
                "pis_more_than_annual": "More than annual",
                "availability": "Pilot availability",
                "measures_in_mapping": "Measures in mapping",
                "measures_more_than_annual_in_mapping": "…more than annual",
                "boroughs_holding": "Boroughs holding",
            },
        )
    )
    return section


def _bias_chart(totals: pd.DataFrame) -> str:
    def share(column: str) -> list[float | None]:
        total = totals[column].sum()
        return [100 * v / total if total else None for v in totals[column]]

    metrics = {
        "PIs in dataset": floats(totals["share_of_dataset_pct"]),
        "PIs more than annual": share("pis_more_than_annual"),
        "Measures boroughs hold": share("measures_in_mapping"),
        "Measures held more than annual": share("measures_more_than_annual_in_mapping"),
        "Pilot figures provided": floats(totals["availability_pct"]),
    }
    bars = [
        bar(
            list(metrics),
            [values[i] for values in metrics.values()],
            SOURCE_TYPE_LABELS[source_type],
            SOURCE_TYPE_COLOURS[source_type],
            pattern=SOURCE_TYPE_PATTERNS[source_type],
            hovertemplate="%{x}: %{y:.1f}%<extra></extra>",
        )
        for i, source_type in enumerate(totals.index)
    ]
    layout = {"barmode": "group", "yaxis": {"title": {"text": "%"}, "range": [0, 100]}}
    return chart(
        bars,
        layout,
        chart_id("bias"),
        "Local-authority and multi-agency sources compared",
        "Each source type's share of the dataset's PIs, of the PIs asked for more "
        "often than once a year, and of the measures boroughs hold; and the share "
        "of expected pilot figures provided (availability). Multi-agency bars are hatched.",
        rows_are="Measure",
    )
