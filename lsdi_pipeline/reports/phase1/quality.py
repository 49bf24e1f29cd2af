"""The data-quality section of the Phase I report: the findings on the returns, by category and by rule."""

from __future__ import annotations

from lsdi_pipeline.analysis.quality import findings_by_category, findings_by_rule
from lsdi_pipeline.reports.html import frame_table, heading
from lsdi_pipeline.reports.phase1.page import Section
from lsdi_pipeline.reports.phase1.prose import nothing_yet, plural
from lsdi_pipeline.reports.phase1.tables import Warehouse


def quality_section(data: Warehouse) -> Section:
    section = Section("quality", "Data quality")
    issues = data["dq_issue"]
    if issues.empty:
        section.findings.append(nothing_yet(data, "data-quality findings"))
        return section
    errors = int(issues["severity"].isin(["error"]).sum())
    section.findings.append(
        f"{plural(len(issues), 'data-quality finding')}: {plural(errors, 'error')} (must be fixed; "
        f"excluded from comparisons) and {plural(len(issues) - errors, 'warning')} (please check)."
    )
    grid = findings_by_category(issues)
    section.findings.append(
        "By category: " + ", ".join(f"{c} {t}" for c, t in zip(grid["category"], grid["total"], strict=True)) + "."
    )
    section.body.append(
        frame_table(grid, {"category": "Category", "error": "Errors", "warning": "Warnings", "total": "Total"})
    )
    section.body.append(heading("Findings by rule"))
    section.body.append(
        frame_table(
            findings_by_rule(issues),
            {
                "check_name": "Rule",
                "category": "Category",
                "severity": "Severity",
                "findings": "Findings",
                "boroughs": "Boroughs",
            },
        )
    )
    return section
