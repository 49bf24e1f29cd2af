"""What a run changes, compared with the warehouse published before it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lsdi_pipeline.warehouse.store import Unreadable, open_readonly


def changes_since_published(
    previous: Path | None, previous_is: str, submission: pd.DataFrame, fact_pi_value: pd.DataFrame
) -> dict:
    """Submissions added (and of those rejected or duplicate), figures that stopped being current, and what was
    compared with.

    `previous` is the file holding the state published before, as the publish found it readable (its
    `previous_is` says which), or None when nothing readable was left: then every submission counts as added.
    This runs after the new warehouse is published, so a file that stopped being readable since is reported
    in `compared_with`, not raised.
    """
    previous_ids, previous_current = set(), set()
    if previous is not None:
        try:
            previous_ids, previous_current = _published_state(previous)
        except Unreadable as exc:
            previous_is = f"nothing readable: {previous.name} could not be read ({exc.reason})"
    added = submission.loc[~submission["submission_id"].isin(previous_ids)]
    now_current = set(
        zip(
            fact_pi_value.loc[fact_pi_value["is_current"], "submission_id"].astype(int),
            fact_pi_value.loc[fact_pi_value["is_current"], "row_number"].astype(int),
        )
    )
    return {
        "submissions_added": len(added),
        "added_rejected": int((added["status"] == "rejected").sum()),
        "added_duplicate": int((added["status"] == "duplicate").sum()),
        "figures_superseded": len(previous_current - now_current),
        "files_added": ", ".join(added["file_name"].astype(str)) or "none",
        "compared_with": previous_is,
    }


def _published_state(path: Path) -> tuple[set, set]:
    """The submission ids and the current figures' (submission_id, row_number) of a published file."""
    with open_readonly(path) as con:
        ids = {r[0] for r in con.execute("SELECT submission_id FROM submission").fetchall()}
        current = set(con.execute("SELECT submission_id, row_number FROM fact_pi_value WHERE is_current").fetchall())
    return ids, current
