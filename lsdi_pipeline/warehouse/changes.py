"""What a run changes, compared with the warehouse published before it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def changes_since_published(published: Path, submission: pd.DataFrame, fact_pi_value: pd.DataFrame) -> dict:
    """Submissions added (and of those rejected or duplicate), and figures that stopped being current."""
    previous_ids, previous_current = set(), set()
    if published.exists():
        import duckdb

        with duckdb.connect(str(published), read_only=True) as con:
            previous_ids = {r[0] for r in con.execute("SELECT submission_id FROM submission").fetchall()}
            previous_current = set(con.execute("SELECT submission_id, row_number FROM fact_pi_value WHERE is_current").fetchall())
    added = submission.loc[~submission["submission_id"].isin(previous_ids)]
    now_current = set(zip(fact_pi_value.loc[fact_pi_value["is_current"], "submission_id"].astype(int),
                          fact_pi_value.loc[fact_pi_value["is_current"], "row_number"].astype(int)))
    return {
        "submissions_added": len(added),
        "added_rejected": int((added["status"] == "rejected").sum()),
        "added_duplicate": int((added["status"] == "duplicate").sum()),
        "figures_superseded": len(previous_current - now_current),
        "files_added": ", ".join(added["file_name"].astype(str)) or "none",
    }
