"""The data team's page across all boroughs (`reports/feedback/index.html`): who has sent what, who is late against
the pilot deadline, what still needs correcting, and who needs support.

"Needs support" is Phase II's own rule (`analysis.recommendations.boroughs_needing_support`, by the same threshold),
so this page and `phase2_recommendation` name the same boroughs; errors and queries are those that still count (not
those of a file a newer one replaced).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from lsdi_pipeline.analysis.availability import availability_by
from lsdi_pipeline.analysis.recommendations import boroughs_needing_support
from lsdi_pipeline.analysis.timeliness import pilot_returns, returns_by_borough
from lsdi_pipeline.reports.feedback.content import STANDING_TEXT, iso_date, page_stem
from lsdi_pipeline.reports.feedback.pages import CSS, GUIDANCE_PAGE
from lsdi_pipeline.reports.feedback.standing import STANDING_ORDER, findings_still_count, submission_standing
from lsdi_pipeline.reports.html import document, escape, table

#: a pilot's first return for the year due came in time, or late (`analysis.timeliness.TIMELINESS`); else "no return"
TIMING_TEXT = {"on_time": "on time", "late": "late"}
HEADINGS = (
    "Borough",
    "Pilot",
    "Files (the one that counts first)",
    "First usable return",
    "Due",
    "Timing",
    "Errors",
    "Queries",
    "Availability",
    "Needs support",
)


def files_in_order(sent: pd.DataFrame, standing: pd.DataFrame) -> pd.DataFrame:
    """Files as a borough's are listed: what counts first, newest first within each standing (and the newest id first:
    the order is the same for a borough's files on their own as among all files)."""
    files = sent.merge(standing[["submission_id", "standing"]], on="submission_id", how="left")
    files["_order"] = files["standing"].map(STANDING_ORDER)
    return files.sort_values(["_order", "received_at", "submission_id"], ascending=[True, False, False], kind="stable")


def summary_page(
    submission: pd.DataFrame,
    dq_issue: pd.DataFrame,
    dim_borough: pd.DataFrame,
    pilot_borough: pd.DataFrame,
    availability_matrix: pd.DataFrame,
    support_below_pct: float,
    generated_at: dt.datetime,
    loaded: dict[str, pd.DataFrame],
    next_steps_file: str | None = None,
    *,
    standing: pd.DataFrame | None = None,
    still_counts: pd.Series | None = None,
) -> str:
    """The data team's page, as of `generated_at`; `loaded` are the loaded tables (fact_pi_value, fact_feasibility,
    fact_narrative), which tell what a newer file replaced; `next_steps_file` names the next-steps file the borough
    pages were written from (None: there is none). `standing` and `still_counts` are what
    `standing.submission_standing` and `standing.findings_still_count` give, when the caller has them already."""
    if standing is None:
        standing = submission_standing(submission, loaded)
    if still_counts is None:
        still_counts = findings_still_count(dq_issue, standing, loaded)
    counting = dq_issue.loc[still_counts]
    pilots = pilot_returns(pilot_borough, submission).set_index("borough_code")
    first_return = returns_by_borough(submission).set_index("borough_code")["first_return"]
    availability = availability_by(availability_matrix, "borough_code").set_index("borough_code")["availability_pct"]
    support = set(boroughs_needing_support(availability_matrix, support_below_pct).index)
    files_of: dict[str, list[str]] = {}  # each borough's files, linked, in the order they are listed
    for f in files_in_order(submission, standing).itertuples(index=False):
        if isinstance(f.borough_code, str):
            files_of.setdefault(f.borough_code, []).append(
                f'<a href="{escape(f.borough_code)}/{escape(page_stem(f.submission_id, f.file_name))}.html">'
                f"{escape(f.file_name)}</a> ({escape(f.status.replace('_', ' '))}; {escape(STANDING_TEXT[f.standing])})"
            )
    counts = (
        counting.merge(submission[["submission_id", "borough_code"]], on="submission_id", suffixes=("_issue", ""))
        .groupby(["borough_code", "severity"])
        .size()
    )
    rows = []
    for borough in dim_borough.sort_values("borough_name").itertuples(index=False):
        code, pilot = borough.borough_code, borough.borough_code in pilots.index
        if code not in files_of and not pilot:
            continue
        first = first_return.get(code)
        first = None if pd.isna(first) else first
        deadline = pilots.at[code, "return_due_on"] if pilot else None
        timing = (
            "–"
            if deadline is None or pd.isna(deadline)
            else TIMING_TEXT.get(pilots.at[code, "timeliness"], "no return")
        )
        pct = availability.get(code)
        errors, warnings = (int(counts.get((code, severity), 0)) for severity in ("error", "warning"))
        files = "<br>".join(files_of.get(code, ())) or "nothing received"
        cells = (
            escape(borough.borough_name),
            "pilot" if pilot else "",
            files,
            f'<span class="date">{escape(iso_date(first))}</span>',
            f'<span class="date">{escape(iso_date(deadline))}</span>',
            timing,
            errors,
            warnings,
            "" if pct is None or pd.isna(pct) else f"{pct:g}%",
            "yes" if code in support else "",
        )
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    unattributed = submission["borough_code"].isna().sum()
    head = [f'<th scope="col">{escape(h)}</th>' for h in HEADINGS]
    steps = (
        f"The next steps on every borough's page (deadline window, where to send a corrected file, whom to ask) come "
        f"from {escape(next_steps_file)}."
        if next_steps_file
        else "<strong>No feedback.toml in the raw data folder:</strong> the borough pages give no address to send a "
        "corrected file to and no contact. Add one (see the README)."
    )
    body = (
        "<h1>Borough returns: who has sent what</h1>"
        f"<p>Generated {generated_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC. A pilot borough needs support when it has "
        f"availability below {support_below_pct:g}% (the share of the figures expected of it that it provided, errors "
        "counting as missing): the rule Phase II's support_boroughs recommendation uses. Errors and queries "
        "are those that still count: not those of a file a newer one replaced."
        + (
            f" {unattributed} file(s) could not be attributed to a borough: see the unattributed folder."
            if unattributed
            else ""
        )
        + f"</p><p>{steps}</p>"
        f"{table(head, rows, 'Borough returns')}"
        f'<p><a href="{GUIDANCE_PAGE}">What each finding means and how to fix it</a> (the page every borough '
        "folder holds)</p>"
    )
    return document("LSDI returns — summary", CSS, f"<main>{body}</main>")
