"""Which files, and which of their findings, still count once a borough has sent newer ones.

A figure is current when no later file gives the same PI and period (`is_current`; feasibility answers per PI,
narratives per cluster), so a later file may replace all of an earlier one or only part of it (a police CSV replaces
only its own PIs). A file none of whose rows is current any more is *replaced*; one with some rows replaced is *partly
replaced*; a rejected file, or one that loaded nothing, is replaced by the borough's next loaded file for the same
year. Its findings no longer count where they are about what was replaced.
"""

from __future__ import annotations

import pandas as pd

from lsdi_pipeline import codes

STANDING_COLUMNS = ["submission_id", "standing", "rows", "rows_replaced", "replaced_by"]
#: the loaded tables, the sheet their rows come from, and what a later row replaces an earlier one by
ROW_TABLES = {
    "fact_pi_value": ("PI data", ["borough_code", "pi_code", "period"]),
    "fact_feasibility": ("Feasibility", ["borough_code", "pi_code"]),
    "fact_narrative": ("Narrative", ["borough_code", "cluster_code"]),
}
#: the order files are listed in: what counts first
STANDING_ORDER = {"current": 0, "partly_replaced": 1, "replaced": 2, "duplicate": 3}


def submission_standing(submission: pd.DataFrame, loaded: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per submission: `standing` (current, partly_replaced, replaced, duplicate), its rows loaded, how many a later
    file replaced, and the ids of the files that replaced them (oldest first)."""
    rows: dict[int, int] = {}
    replaced: dict[int, int] = {}
    replacers: dict[int, set[int]] = {}
    # files in the order `is_current` is decided by (latest Submitted on wins; ties: first seen latest)
    rank = submission.set_index("submission_id")[["submitted_on", "received_at"]]
    for name, (_, key) in ROW_TABLES.items():
        frame = loaded.get(name)
        if frame is None or frame.empty:
            continue
        for sid, count in frame.groupby("submission_id").size().items():
            rows[sid] = rows.get(sid, 0) + int(count)
        old = frame.loc[~frame["is_current"].astype(bool)]
        for sid, count in old.groupby("submission_id").size().items():
            replaced[sid] = replaced.get(sid, 0) + int(count)
        if old.empty:
            continue
        # a row is replaced by the next file to give its key, not by whichever holds it now: what replaced a file
        # stays the same when a later file replaces that one in turn
        ordered = frame[[*key, "submission_id", "is_current"]].join(rank, on="submission_id")
        ordered = ordered.sort_values(["submitted_on", "received_at", "submission_id"], kind="stable")
        ordered["replaced_by"] = ordered.groupby(key, dropna=False)["submission_id"].shift(-1)
        by = ordered.loc[~ordered["is_current"].astype(bool)].dropna(subset=["replaced_by"])
        for sid, ids in by.groupby("submission_id")["replaced_by"]:
            replacers.setdefault(sid, set()).update(int(i) for i in ids)
    order = submission.sort_values(["received_at", "submission_id"], kind="stable")
    received = dict(zip(order["submission_id"], order["received_at"], strict=True))
    out = []
    for sub in order.itertuples(index=False):
        sid = sub.submission_id
        count, gone = rows.get(sid, 0), replaced.get(sid, 0)
        if sub.status == "duplicate":
            standing, by = "duplicate", _original(sub, order)
        elif count:
            standing = "current" if gone == 0 else "replaced" if gone == count else "partly_replaced"
            by = sorted(replacers.get(sid, ()), key=lambda i: (received[i], i))
        else:
            by = _next_loaded(sub, order)
            standing = "replaced" if by else "current"
        out.append((sid, standing, count, gone, by))
    return pd.DataFrame(out, columns=STANDING_COLUMNS)


def _original(sub, order: pd.DataFrame) -> list[int]:
    """The loaded file a duplicate repeats, byte for byte."""
    same = order.loc[(order["file_sha256"] == sub.file_sha256) & order["status"].isin(codes.LOADED_STATUSES)]
    return [int(same["submission_id"].iloc[0])] if len(same) else []


def _next_loaded(sub, order: pd.DataFrame) -> list[int]:
    """The borough's first file loaded after this one (`order`: by arrival), for the same year where both name one."""
    if pd.isna(sub.borough_code):
        return []
    after = order["submission_id"].iloc[list(order["submission_id"]).index(sub.submission_id) + 1 :]
    later = order.loc[
        order["submission_id"].isin(after)
        & (order["borough_code"] == sub.borough_code)
        & order["status"].isin(codes.LOADED_STATUSES)
    ]
    if isinstance(sub.return_period, str):
        later = later.loc[later["return_period"].isna() | (later["return_period"] == sub.return_period)]
    return [int(later["submission_id"].iloc[0])] if len(later) else []


def findings_still_count(dq_issue: pd.DataFrame, standing: pd.DataFrame, loaded: dict[str, pd.DataFrame]) -> pd.Series:
    """Per finding (dq_issue's index): whether it still counts. Not when its file was replaced (or is a copy), nor
    when it is about a row a later file replaced; a finding about no file (a missing return) counts."""
    of = standing.set_index("submission_id")["standing"]
    file_standing = dq_issue["submission_id"].map(of)
    counts = ~file_standing.isin(["replaced", "duplicate"])
    partly = file_standing == "partly_replaced"
    if partly.any():
        for name, (sheet, _) in ROW_TABLES.items():
            frame = loaded.get(name)
            if frame is None or frame.empty:
                continue
            old = frame.loc[~frame["is_current"].astype(bool), ["submission_id", "row_number"]]
            on_sheet = partly & (dq_issue["sheet"] == sheet) & dq_issue["row_number"].notna()
            about = dq_issue.loc[on_sheet, ["submission_id", "row_number"]]
            gone = pd.MultiIndex.from_frame(about.astype("int64")).isin(pd.MultiIndex.from_frame(old.astype("int64")))
            counts.loc[about.index[gone]] = False
    return counts
