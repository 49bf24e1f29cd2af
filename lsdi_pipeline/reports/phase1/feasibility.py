"""Section 7 of the Phase I report: feasibility commentary — whether the pilot boroughs can provide each PI, the
main issues they named, their comments, and their contextual narratives."""

from __future__ import annotations

import pandas as pd

from lsdi_pipeline.reports.html import (
    PATTERNS,
    bar,
    chart,
    chart_id,
    empty,
    escape,
    frame_table,
    heading,
    paragraph,
)
from lsdi_pipeline.reports.phase1.page import Section
from lsdi_pipeline.reports.phase1.prose import borough_text, label, nothing_yet, pct, plural, whole
from lsdi_pipeline.reports.phase1.tables import Warehouse

CAN_PROVIDE_COLOURS = {"yes": "#009E73", "partially": "#E69F00", "no": "#D55E00"}
ISSUE_COLUMNS = {
    "issue_reporting_cycle": "Reporting cycle",
    "issue_data_availability": "Data availability",
    "issue_data_integrity": "Data integrity",
    "issue_other": "Other",
}
NARRATIVES_PER_CLUSTER = 2
FEASIBILITY_COMMENTS_SHOWN = 10


def feasibility_section(data: Warehouse) -> Section:
    section = Section("feasibility", "7. Feasibility commentary")
    summary = data["feasibility_summary"]
    if summary.empty:
        section.findings.append(nothing_yet(data, "feasibility answers"))
    else:
        answers = {a: whole(summary[f"can_provide_{a}"].sum()) for a in CAN_PROVIDE_COLOURS}
        total = sum(answers.values())
        section.findings.append(
            f"{plural(total, 'feasibility answer')} on {plural(len(summary), 'PI')}: "
            + ", ".join(f"{a} {n} ({pct(100 * n / total if total else None)})" for a, n in answers.items())
            + "."
        )
        issues = {issue: whole(summary[column].sum()) for column, issue in ISSUE_COLUMNS.items()}
        section.findings.append(
            "Main issues named: "
            + ", ".join(f"{issue.lower()} {n}" for issue, n in sorted(issues.items(), key=lambda kv: -kv[1]))
            + "."
        )

        pis = data.sorted_pis(summary["pi_code"])
        by_pi = summary.set_index("pi_code")
        bars = [
            bar(
                pis,
                [float(by_pi.at[p, f"can_provide_{answer}"]) for p in pis],
                answer,
                colour,
                pattern=pattern,
                hovertemplate="%{x}: %{y} boroughs " + answer + "<extra></extra>",
            )
            for (answer, colour), pattern in zip(CAN_PROVIDE_COLOURS.items(), PATTERNS)
        ]
        layout = {
            "barmode": "stack",
            "xaxis": {"type": "category", "title": {"text": "PI"}},
            "yaxis": {"title": {"text": "Boroughs"}},
        }
        section.body.append(
            chart(
                bars,
                layout,
                chart_id("feasibility"),
                "Can the boroughs provide each PI?",
                "Current answers of the pilot boroughs, by PI: each bar stacks the boroughs answering yes (plain), "
                "partially (hatched) and no (crossed).",
                rows_are="PI",
            )
        )
        rows = []
        for column, issue in ISSUE_COLUMNS.items():
            top = by_pi[column][by_pi[column] > 0].sort_values(ascending=False, kind="stable").head(3)
            rows.append(
                {
                    "issue": issue,
                    "answers": whole(by_pi[column].sum()),
                    "pis": ", ".join(f"{p} ({whole(n)})" for p, n in top.items()) or "–",
                }
            )
        section.body.append(heading("Main issues"))
        section.body.append(
            frame_table(pd.DataFrame(rows), {"issue": "Main issue", "answers": "Answers", "pis": "PIs most affected"})
        )
    _feasibility_comments(data, section)
    _narratives(data, section)
    return section


def _feasibility_comments(data: Warehouse, section: Section) -> None:
    answers = data["fact_feasibility"]
    answers = answers[answers["is_current"] & answers["comment"].notna() & ~answers["main_issue"].isin(["none"])]
    if answers.empty:
        return
    answers = answers.assign(
        borough=answers["borough_code"].map(data.borough_name),
        _order=answers["pi_code"].map(data.pi_rank),
        comment=answers["comment"].map({c: borough_text(c) for c in answers["comment"].unique()}),
        main_issue=answers["main_issue"].map(label),
    )
    # Many boroughs write the same few sentences: show each distinct comment once, in catalogue order.
    distinct = answers.sort_values(["_order", "borough"]).drop_duplicates("comment").head(FEASIBILITY_COMMENTS_SHOWN)
    section.body.append(heading("Borough comments on the issues"))
    section.body.append(
        paragraph(
            f"{plural(len(distinct), 'distinct comment')} of {len(answers):,} (the first "
            f"{FEASIBILITY_COMMENTS_SHOWN} at most), with personal data masked."
        )
    )
    section.body.append(
        frame_table(
            distinct,
            {
                "pi_code": "PI",
                "borough": "Borough",
                "can_provide": "Can provide",
                "main_issue": "Main issue",
                "comment": "Comment",
            },
        )
    )


def _narratives(data: Warehouse, section: Section) -> None:
    narratives = data["fact_narrative"]
    narratives = narratives[narratives["is_current"] & narratives["narrative"].notna()]
    section.body.append(heading("Contextual narratives, by cluster"))
    if narratives.empty:
        section.body.append(empty(nothing_yet(data, "narratives")))
        return
    section.body.append(
        paragraph(f"Up to {NARRATIVES_PER_CLUSTER} current narratives per cluster, with personal data masked.")
    )
    titles = dict(zip(data["dim_cluster"]["cluster_code"], data["dim_cluster"]["title"], strict=True))
    narratives = narratives.assign(borough=narratives["borough_code"].map(data.borough_name))
    for cluster in sorted(narratives["cluster_code"].unique()):
        rows = narratives[narratives["cluster_code"] == cluster].sort_values("borough").head(NARRATIVES_PER_CLUSTER)
        title = f"{cluster} {titles.get(cluster) or ''}".strip()
        section.body.append(f"<h4>{escape(title)}</h4>")
        for row in rows.itertuples():
            section.body.append(
                f"<blockquote><p>{escape(borough_text(row.narrative))}</p>"
                f"<footer>{escape(row.borough)}</footer></blockquote>"
            )
