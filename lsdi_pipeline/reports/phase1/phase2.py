"""Section 8 of the Phase I report: the recommendations for Phase II — the programme's first, then each PI's,
grouped by recommendation."""

from __future__ import annotations

from lsdi_pipeline.reports.html import frame_table, heading
from lsdi_pipeline.reports.phase1.page import Section
from lsdi_pipeline.reports.phase1.prose import label, listing, plural
from lsdi_pipeline.reports.phase1.tables import Warehouse

PI_RECOMMENDATIONS = ("retain", "revise", "postpone", "replace")


def phase2_section(data: Warehouse) -> Section:
    section = Section("phase2", "8. Recommendations for Phase II")
    recommendations = data["phase2_recommendation"]
    if recommendations.empty:
        section.findings.append("No Phase II recommendations have been made yet.")
        section.key_finding = section.findings[0]
        return section
    programme = recommendations[recommendations["pi_code"].isna()]
    per_pi = recommendations[recommendations["pi_code"].notna()]
    kinds = [k for k in PI_RECOMMENDATIONS if k in set(per_pi["recommendation"])] + sorted(
        set(per_pi["recommendation"]) - set(PI_RECOMMENDATIONS)
    )
    counts = per_pi["recommendation"].value_counts()
    section.findings.append(
        f"Recommendations for {plural(per_pi['pi_code'].nunique(), 'PI')}: "
        + ", ".join(f"{k} {counts.get(k, 0)}" for k in PI_RECOMMENDATIONS)
        + "."
    )
    if not programme.empty:
        section.findings.append("Programme-level: " + ", ".join(label(k) for k in programme["recommendation"]) + ".")
    said = listing(f"{label(k)} {plural(int(counts[k]), 'PI')}" for k in kinds if counts.get(k, 0))
    for_programme = listing(label(k) for k in programme["recommendation"])
    section.key_finding = (
        (said[:1].upper() + said[1:] if said else "No PI-level recommendation")
        + (f"; for the programme: {for_programme}" if for_programme else "")
        + "."
    )

    section.body.append(heading("Programme-level recommendations"))
    section.body.append(
        frame_table(
            programme.assign(recommendation=programme["recommendation"].map(label)),
            {"recommendation": "Recommendation", "reasons": "Reasons"},
            empty_text="No programme-level recommendation.",
        )
    )
    for kind in kinds:
        rows = per_pi[per_pi["recommendation"] == kind]
        rows = rows.assign(
            title=rows["pi_code"].map(data.pi_title),
            _order=rows["pi_code"].map(data.pi_rank),
        ).sort_values("_order")
        section.body.append(heading(f"{label(kind).capitalize()} — {plural(len(rows), 'PI')}"))
        section.body.append(
            frame_table(rows, {"pi_code": "PI", "title": "Title", "reasons": "Reasons"}, label=f"PIs to {label(kind)}")
        )
    return section
