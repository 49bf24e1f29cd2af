"""The short summary a run ends with, read from the published warehouse."""

from __future__ import annotations

from pathlib import Path

from lsdi_pipeline.derived import SET_ASIDE_DIR, set_aside_files


def warehouse_summary(database: Path) -> str:
    """Submissions by outcome, findings by category, missing pilot returns, and where the warehouse is."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        status = dict(con.execute("SELECT status, count(*) FROM submission GROUP BY ALL").fetchall())
        findings = con.execute("""
            SELECT category, count(*) FILTER (WHERE severity = 'error'), count(*) FILTER (WHERE severity = 'warning')
            FROM dq_issue GROUP BY category ORDER BY category""").fetchall()
        facts = con.execute("SELECT count(*), count(*) FILTER (WHERE is_current) FROM fact_pi_value").fetchone()
        rejected_rows = con.execute("SELECT count(*) FROM rejected_row").fetchone()[0]
        missing = [
            r[0]
            for r in con.execute("""
            SELECT b.borough_name FROM dq_issue i JOIN dim_borough b USING (borough_code)
            WHERE i.check_name = 'pilot_return_missing' ORDER BY 1""").fetchall()
        ]
        rejected = con.execute(
            "SELECT file_name, reject_reason FROM submission WHERE status = 'rejected' ORDER BY submission_id"
        ).fetchall()
    lines = [
        f"Submissions: {status.get('accepted', 0)} accepted, {status.get('accepted_with_issues', 0)} accepted with "
        f"issues, {status.get('rejected', 0)} rejected, {status.get('duplicate', 0)} duplicate",
        f"Figures: {facts[0]:,} loaded ({facts[1]:,} current), {rejected_rows:,} rows rejected",
        "Findings: " + ("; ".join(f"{cat} {e} error(s), {w} warning(s)" for cat, e, w in findings) or "none"),
    ]
    if missing:
        lines.append("Pilot boroughs with no return: " + ", ".join(missing))
    for file_name, reason in rejected:
        lines.append(f"Rejected file {file_name}: {reason}")
    aside = set_aside_files(database.parent)
    if aside:
        lines.append(
            f"Set aside (damaged, rebuilt; delete once looked at): {len(aside)} in {database.parent / SET_ASIDE_DIR}: "
            + ", ".join(Path(name).name for name in aside[-5:])
            + (" …" if len(aside) > 5 else "")
        )
    lines.append(f"Warehouse: {database}")
    return "\n".join(lines)
