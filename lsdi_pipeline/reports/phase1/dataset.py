"""Section 2 of the Phase I report: the dataset — its goals, clusters and PIs, and the PIs postponed."""

from __future__ import annotations

from lsdi_pipeline import codes
from lsdi_pipeline.reports.html import empty, escape, frame_table, heading
from lsdi_pipeline.reports.phase1.page import Section
from lsdi_pipeline.reports.phase1.prose import label, listing, plural, span
from lsdi_pipeline.reports.phase1.tables import Warehouse


def dataset_section(data: Warehouse) -> Section:
    section = Section("dataset", "2. The dataset")
    indicators, clusters, goals = data["dim_indicator"], data["dim_cluster"], data["dim_goal"]
    if indicators.empty:
        section.findings.append("No PI catalogue has been loaded yet.")
        return section

    postponed = indicators[indicators["status"].isin(["postponed"])]
    sizes = indicators.groupby("cluster_code").size()
    national = int(indicators["ni_ref"].notna().sum())
    section.findings.append(
        f"The dataset holds {plural(len(indicators), 'PI')} ({len(indicators) - len(postponed)} collected in Phase I, "
        f"{len(postponed)} postponed) in {plural(sizes.size, 'cluster')} of {span(sizes.min(), sizes.max())} PIs "
        f"under {plural(max(len(goals), indicators['goal_code'].nunique()), 'overarching goal')}; "
        f"{national} are indicators of the 2008 National Indicator Set."
    )

    section.body.append(heading("Goals and clusters"))
    items = []
    for goal in goals.sort_values("goal_code").itertuples():
        goal_clusters = clusters[clusters["goal_code"].isin([goal.goal_code])].sort_values("cluster_code")
        inner = "".join(
            f"<li>{escape(f'{c.cluster_code} {c.title} ({sizes.get(c.cluster_code, 0)} PIs)')}</li>"
            for c in goal_clusters.itertuples()
        )
        items.append(f"<li>{escape(f'{goal.goal_code} {goal.title}')}<ul>{inner}</ul></li>")
    section.body.append(f"<ul>{''.join(items)}</ul>" if items else empty("No goals are recorded."))

    cluster_titles = dict(zip(clusters["cluster_code"], clusters["title"], strict=True))
    catalogue = indicators.assign(
        _order=indicators["pi_code"].map(data.pi_order),
        cluster=[f"{c} {cluster_titles.get(c, '')}".strip() for c in indicators["cluster_code"]],
        unit=indicators["unit"].map(lambda u: codes.UNIT_LABELS.get(u, u)),
        polarity=indicators["polarity"].map(label),
        source_agency=indicators["source_agency"].map(lambda a: codes.AGENCY_LABELS.get(a, a)),
        expected_cadence=indicators["expected_cadence"].map(lambda c: codes.FREQUENCY_LABELS.get(c, c)),
        status=indicators["status"].map(label),
    ).sort_values("_order")
    section.body.append(heading("PIs by cluster"))
    section.body.append(
        frame_table(
            catalogue,
            {
                "cluster": "Cluster",
                "pi_code": "PI",
                "title": "Title",
                "ni_ref": "NI",
                "unit": "Unit",
                "polarity": "Polarity",
                "source_agency": "Source agency",
                "expected_cadence": "Expected cadence",
                "status": "Status",
            },
        )
    )
    section.body.append(heading("Postponed PIs"))
    section.body.append(
        frame_table(
            postponed,
            {"pi_code": "PI", "title": "Title", "status_reason": "Why postponed"},
            empty_text="No PI is postponed.",
        )
    )
    if not postponed.empty:
        section.findings.append(f"Postponed to later phases: {listing(postponed['pi_code'].tolist())}.")
    return section
