"""The borough's HTML pages: one per file received, the folder's own list of files, and the guidance on each rule.

Everything a page links to is in the same folder (the guidance page is written into every borough's folder), so a
folder sent to a borough works as it is. Every piece of borough text is escaped.
"""

from __future__ import annotations

import pandas as pd

from lsdi_pipeline import codes
from lsdi_pipeline.checks.rules import RULES
from lsdi_pipeline.reports.feedback.content import (
    FINDING_COLUMNS,
    STANDING_TEXT,
    STATUS_TEXT,
    Feedback,
    Table,
    counting,
    iso_date,
    page_stem,
)
from lsdi_pipeline.reports.feedback.next_steps import long_date
from lsdi_pipeline.reports.html import document, escape, table

GUIDANCE_PAGE = "guidance.html"
FOLDER_PAGE = "index.html"
# Colours keep at least 4.5:1 contrast on their backgrounds; meaning is always said in words too.
CSS = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem;color:#1d2433;max-width:80rem;"
    "line-height:1.45}\ntable{border-collapse:collapse;width:100%;font-size:.9rem}"
    "th,td{border-bottom:1px solid #c9cfd9;padding:.3rem .5rem;text-align:left;vertical-align:top}"
    "th{background:#eef1f6}\n"
    ".error td:first-child{color:#a1001d;font-weight:600}.warning td:first-child{color:#7a4f00}\n"
    ".gone td{color:#4b5563;background:#f3f4f6;font-style:italic}.gone td:first-child{color:#4b5563}\n"
    ".status{padding:.6rem 1rem;background:#eef4fb;border-left:4px solid #1f6fb2}"
    ".rejected{border-color:#a1001d;background:#fbeeee}\n"
    ".replaced{padding:.8rem 1rem;margin:1rem 0;background:#fff4e0;border:2px solid #7a4f00;font-size:1.05rem}\n"
    "dl.next{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1.2rem}dl.next dt{font-weight:600}"
    "dl.next dd{margin:0}\n.scroll{overflow-x:auto}small,.code{color:#4b5563;font-size:.8rem}"
    "a{color:#0b57a4}nav p{margin:.2rem 0}@media (max-width:40rem){body{margin:1rem}dl.next{display:block}}"
)


def replacement_notice(fb: Feedback) -> str | None:
    """The sentence at the top of an old file's feedback: what replaced it, and that its findings no longer count."""
    newer = ", ".join(f"{f.file_name}, received {iso_date(f.received_at)}" for f in fb.replaced_by)
    if fb.standing == "replaced":
        return f"Replaced by {newer or 'a newer file'}: the findings below are about the old file and no longer count."
    if fb.standing == "duplicate":
        return f"A copy of {newer or 'a file already received'}: nothing new was loaded from it."
    if fb.standing == "partly_replaced":
        return (
            f"{fb.rows_replaced} of the {fb.rows} rows of this file were replaced by {newer or 'a newer file'}: the "
            "findings on those rows no longer count (they are marked below)."
        )
    return None


def next_steps(fb: Feedback) -> list[tuple[str, str, str | None]]:
    """What to do next, as (label, text, link or None): what to correct, by when, how to send it, whom to ask."""
    errors, queries = counting(fb.findings)
    steps, rejected = fb.steps, fb.sub["status"] == "rejected"
    current = fb.replaced_by[-1] if fb.replaced_by else None
    if fb.standing in ("replaced", "duplicate"):
        todo = "Nothing for this file: it no longer counts." + (
            f" See the feedback on {current.file_name}." if current else ""
        )
        resend = False
    elif rejected:
        todo, resend = "Nothing from this file was loaded: correct it as described below and send it again.", True
    elif errors:
        todo = (
            f"Correct the {errors} error{'s' if errors != 1 else ''} below: until you do, those figures are not used."
            + (f" Check the {queries} quer{'ies' if queries != 1 else 'y'} too." if queries else "")
        )
        resend = True
    elif queries:
        todo = (
            f"Check the {queries} quer{'ies' if queries != 1 else 'y'} below. If a figure is wrong, send a corrected "
            "file; if it is right, you need not send anything (say why in the Note column next time)."
        )
        resend = True
    else:
        todo, resend = "Nothing to correct: you do not need to send this file again.", False
    rows = [("What to do", todo, None)]
    if resend:
        if fb.corrections_due:
            due = f"Send your corrected file by {long_date(fb.corrections_due)}."
            if fb.due and fb.due != fb.corrections_due:
                due += f" The {fb.year + ' ' if fb.year else ''}return was due on {long_date(fb.due)}."
        else:
            due = "No due date is set for this return: send the corrected file as soon as you can."
        rows.append(("Deadline", due, None))
        name = f" named {fb.corrected_file_name}," if fb.corrected_file_name else ""
        to = f"to {steps.send_to}" if steps else "to the data team who sent you this feedback"
        rows.append(
            (
                "How to send it",
                "Use the same LSDI-R1 template: correct your copy of the return (keep its sheets, columns and codes) "
                f"and send the whole file{name} {to}. A new file replaces this one: every figure, answer and narrative "
                "in it replaces the same one from this file.",
                f"mailto:{steps.send_to}" if steps else None,
            )
        )
    if steps:
        rows.append(
            (
                "Questions",
                f"{steps.contact_name}: {steps.contact_email}, {steps.contact_phone}",
                f"mailto:{steps.contact_email}",
            )
        )
    return rows


def _next_steps_html(items: list[tuple[str, str, str | None]], fb: Feedback) -> str:
    out = []
    for label, text, _ in items:
        shown = escape(text)
        if label == "Questions" and fb.steps:
            s = fb.steps
            phone = "".join(ch for ch in s.contact_phone if ch.isdigit() or ch == "+")
            shown = (
                f'{escape(s.contact_name)}: <a href="mailto:{escape(s.contact_email)}">{escape(s.contact_email)}</a>'
                f', <a href="tel:{escape(phone)}">{escape(s.contact_phone)}</a>'
            )
        elif label == "How to send it" and fb.steps:
            email = escape(fb.steps.send_to)
            shown = shown.replace(email, f'<a href="mailto:{email}">{email}</a>', 1)
        out.append(f"<dt>{escape(label)}</dt><dd>{shown}</dd>")
    return f'<dl class="next">{"".join(out)}</dl>'


def submission_page(fb: Feedback) -> str:
    """One submission's feedback page: what replaced it (if anything), its status, what to do next, every finding
    (what still counts first, errors before queries) and what was loaded from it."""
    sub, findings = fb.sub, fb.findings
    errors, queries = counting(findings)
    status_class = "status rejected" if sub["status"] == "rejected" else "status"
    reason = f"<p><strong>Why:</strong> {escape(sub['reject_reason'])}</p>" if pd.notna(sub["reject_reason"]) else ""
    notice = replacement_notice(fb)
    status = escape(STATUS_TEXT.get(sub["status"], sub["status"]))
    banner = ""
    if notice:
        link = fb.replaced_by[-1] if fb.replaced_by else None
        banner = f'<div class="replaced" role="note"><p><strong>{escape(notice)}</strong></p>' + (
            f'<p><a href="{escape(link.page)}">Open the feedback on {escape(link.file_name)}</a></p>' if link else ""
        )
        banner += "</div>"
    listed = (
        '<div class="scroll">'
        + table(
            (f'<th scope="col">{escape(h)}</th>' for h in FINDING_COLUMNS.values()),
            (_finding_row(dict(zip(findings.columns, row))) for row in findings.rows),
        )
        + "</div>"
        if len(findings)
        else "<p>Nothing to correct.</p>"
    )
    body = (
        '<nav><p><a href="index.html">All your files and their feedback</a></p></nav>'
        "<h1>Feedback on your return</h1>"
        f"<p>{escape(fb.borough_name or 'Unattributed file')} · file <strong>{escape(sub['file_name'])}</strong> · "
        f"submitted {escape(iso_date(sub['submitted_on']))} · received {escape(iso_date(sub['received_at']))}</p>"
        f"{banner}"
        f'<div class="{status_class}"><p><strong>Status:</strong> {status}</p>{reason}'
        f"<p>{errors} error(s) to correct (these figures are not used), {queries} quer(ies) to check"
        + (" — among the findings that still count" if notice else "")
        + ".</p></div>"
        f"<h2>What to do next</h2>{_next_steps_html(next_steps(fb), fb)}"
        f"<h2>Findings</h2>{listed}"
        f'<p><a href="{GUIDANCE_PAGE}">What each problem means and how to fix it</a></p>'
        + "".join(
            f"<details><summary>{escape(title)} ({len(frame)} rows)</summary>{_rows_table(frame)}</details>"
            for title, frame in fb.loaded.items()
        )
    )
    return document(f"LSDI return feedback — {sub['file_name']}", CSS, f"<main>{body}</main>")


def _finding_row(f: dict) -> str:
    gone = f["still_counts"] != "yes"
    cells = []
    for column in FINDING_COLUMNS:
        value = f[column]
        if column == "title":
            cells.append(f'<td><a href="{GUIDANCE_PAGE}#{escape(f["check_name"])}">{escape(value)}</a></td>')
        elif column == "still_counts":
            cells.append(f"<td>{'no: replaced by a newer file' if gone else 'yes'}</td>")
        elif column == "check_name":
            cells.append(f'<td class="code">{escape(value)}</td>')
        else:
            cells.append(f"<td>{escape(value)}</td>")
    return f'<tr class="{escape(f["severity"])}{" gone" if gone else ""}">' + "".join(cells) + "</tr>"


def _rows_table(rows: Table) -> str:
    """Rows as loaded: their column names as headings, every value escaped."""
    if not rows:
        return "<p>None.</p>"
    return table(
        (f'<th scope="col">{escape(c)}</th>' for c in rows.columns),
        ("<tr>" + "".join([f"<td>{escape(v)}</td>" for v in row]) + "</tr>" for row in rows.rows),
    )


def folder_page(borough_name: str | None, files: list[tuple[Feedback, int, int]]) -> str:
    """The borough folder's own page: every file it sent, what still counts first, with its findings that count."""
    head_cells = [f'<th scope="col">{h}</th>' for h in ("File", "Received", "Standing", "Status", "Errors", "Queries")]
    rows = (
        "<tr>"
        f'<td><a href="{escape(page_stem(fb.sub["submission_id"], fb.sub["file_name"]))}.html">'
        f"{escape(fb.sub['file_name'])}</a></td><td>{escape(iso_date(fb.sub['received_at']))}</td>"
        f"<td>{escape(STANDING_TEXT[fb.standing])}</td>"
        f"<td>{escape(STATUS_TEXT.get(fb.sub['status'], fb.sub['status']))}</td><td>{errors}</td><td>{queries}</td>"
        "</tr>"
        for fb, errors, queries in files
    )
    body = (
        f"<h1>Feedback on your returns: {escape(borough_name or 'unattributed files')}</h1>"
        "<p>Every file received from you, the one that counts first. Errors and queries are those that still count "
        "(a newer file replaces what it repeats).</p>"
        f'<div class="scroll">{table(head_cells, rows)}</div>'
        f'<p><a href="{GUIDANCE_PAGE}">What each problem means and how to fix it</a></p>'
    )
    return document(f"LSDI return feedback — {borough_name or 'unattributed files'}", CSS, f"<main>{body}</main>")


#: what a finding of a rule does to what was sent
_OUTCOME = {
    "file": "Nothing from the file is loaded until it is sent again.",
    "row": "The row is set aside: none of it is used until it is corrected.",
}


def guidance_page() -> str:
    """Every rule in plain words: what it finds, what happens, how to fix it; each rule's section is its code."""
    sections = []
    for category in codes.DQ_CATEGORIES:
        rules = [r for r in RULES if r.category == category]
        items = "".join(
            f'<section id="{escape(r.check_name)}"><h3>{escape(r.title)}</h3>'
            f"<p><strong>{'Error' if r.severity == 'error' else 'Query'}.</strong> {escape(r.description)}</p>"
            f"<p><strong>What happens:</strong> "
            + escape(
                _OUTCOME.get(r.rejects)
                or (
                    "The figure is loaded but not used in comparisons until it is corrected."
                    if r.severity == "error"
                    else "The figure is used; please check it."
                )
            )
            + f"</p><p><strong>How to fix it:</strong> {escape(r.fix_hint)}</p>"
            f'<p class="code">Rule code: {escape(r.check_name)}</p></section>'
            for r in rules
        )
        sections.append(f"<h2>{escape(_CATEGORY[category])}</h2>{items}")
    body = (
        '<nav><p><a href="index.html">Back to your files</a></p></nav>'
        "<h1>What each finding means and how to fix it</h1>"
        "<p>An <strong>error</strong> must be corrected: the figure, row or file it is about is not used until it is. "
        "A <strong>query</strong> asks you to check: the figure is used, but it may be wrong.</p>" + "".join(sections)
    )
    return document("LSDI return feedback — what each finding means", CSS, f"<main>{body}</main>")


_CATEGORY = {
    "structure": "Whether the file and its rows can be read",
    "availability": "Figures not given",
    "cadence": "Periods and reporting cycles",
    "integrity": "Whether the figures are possible and consistent",
}
