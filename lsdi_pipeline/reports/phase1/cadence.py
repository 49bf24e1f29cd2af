"""Section 4 of the Phase I report: varying reporting cycles — figures given at another cadence than the
catalogue asks for, and the cadence findings."""

from __future__ import annotations

from lsdi_pipeline import codes
from lsdi_pipeline.analysis.quality import findings_by_rule
from lsdi_pipeline.reports.html import PATTERNS, bar, chart, chart_id, empty, frame_table, heading
from lsdi_pipeline.reports.phase1.page import Section
from lsdi_pipeline.reports.phase1.prose import nothing_yet, plural, whole
from lsdi_pipeline.reports.phase1.tables import Warehouse

CADENCE_COLOURS = {"monthly": "#0072B2", "quarterly": "#E69F00", "annual": "#009E73"}


def cadence_section(data: Warehouse) -> Section:
    section = Section("cadence", "4. Varying reporting cycles")
    mismatches = data["cadence_mismatch"]
    if mismatches.empty:
        section.findings.append(nothing_yet(data, "figure given at another cadence than asked"))
        section.key_finding = (
            "Every figure came at the cadence the catalogue asks for." if data.has_returns else section.findings[0]
        )
    else:
        figures = whole(mismatches["periods"].sum())
        section.findings.append(
            f"{plural(figures, 'figure')} from {plural(len(mismatches), 'borough × PI combination')} "
            f"({plural(mismatches['borough_code'].nunique(), 'borough')}, "
            f"{plural(mismatches['pi_code'].nunique(), 'PI')}) "
            "were given at another cadence than the catalogue asks for."
        )
        pairs = (
            mismatches.groupby(["expected_cadence", "reported_frequency"])["periods"].sum().sort_values(ascending=False)
        )
        section.findings.append(
            "Asked for → given: "
            + "; ".join(f"{asked} → {given} {whole(n)}" for (asked, given), n in pairs.items())
            + "."
        )
        (asked, given), most = next(iter(pairs.items()))
        section.key_finding = (
            f"{plural(figures, 'figure')} from {plural(mismatches['borough_code'].nunique(), 'borough')} "
            f"({plural(len(mismatches), 'borough × PI combination')}) came at another cadence than the catalogue "
            f"asks for; most often {given} where {asked} was asked ({plural(whole(most), 'figure')})."
        )

        by_pi = mismatches.groupby(["pi_code", "reported_frequency"])["periods"].sum().reset_index()
        pis = data.sorted_pis(by_pi["pi_code"])
        bars = []
        for n, cadence in enumerate(c for c in codes.CADENCES if c in set(by_pi["reported_frequency"])):
            rows = by_pi[by_pi["reported_frequency"] == cadence].set_index("pi_code")["periods"]
            bars.append(
                bar(
                    pis,
                    [float(rows.get(p, 0)) for p in pis],
                    f"given {cadence}",
                    CADENCE_COLOURS.get(cadence),
                    pattern=PATTERNS[n % len(PATTERNS)],
                    hovertemplate="%{x}: %{y} figures given " + cadence + "<extra></extra>",
                )
            )
        layout = {
            "barmode": "stack",
            "xaxis": {"type": "category", "title": {"text": "PI"}},
            "yaxis": {"title": {"text": "Figures"}},
        }
        section.body.append(
            chart(
                bars,
                layout,
                chart_id("cadence"),
                "Figures given at another cadence than asked, by PI",
                "Each bar counts a PI's figures that boroughs gave at another cadence than the catalogue asks for, "
                "stacked by the cadence they gave (each with its own fill pattern).",
                rows_are="PI",
            )
        )
        table = mismatches.assign(
            borough=mismatches["borough_code"].map(data.borough_name),
            _order=mismatches["pi_code"].map(data.pi_rank),
        )
        section.body.append(
            frame_table(
                table.sort_values(["_order", "borough"]),
                {
                    "borough": "Borough",
                    "pi_code": "PI",
                    "expected_cadence": "Asked for",
                    "reported_frequency": "Given",
                    "periods": "Figures",
                    "period_list": "Periods",
                    "declared_frequency": "Declared",
                },
            )
        )

    issues = data["dq_issue"]
    cadence = issues[issues["category"].isin(["cadence"])]
    section.body.append(heading("Cadence findings by rule"))
    if cadence.empty:
        section.body.append(empty("No cadence findings."))
        return section
    rules = findings_by_rule(cadence, by=("severity",))
    section.findings.append(
        "Cadence findings by rule: " + ", ".join(f"{r.check_name} {r.findings}" for r in rules.itertuples()) + "."
    )
    section.body.append(
        frame_table(
            rules, {"check_name": "Rule", "severity": "Severity", "findings": "Findings", "boroughs": "Boroughs"}
        )
    )
    return section
