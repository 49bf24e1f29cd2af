"""The mapping stage in figures (Phase I report, section 1.1)."""

from __future__ import annotations

import pandas as pd


def mapping_summary(responses: pd.DataFrame) -> pd.DataFrame:
    """Invited, responded, no response, supplied information (full / partial report), acknowledged only."""
    responded = responses["response"] == "responded"
    contribution = responses["contribution"]
    measures = [
        ("invited", len(responses)),
        ("responded", int(responded.sum())),
        ("no response", int((responses["response"] == "no_response").sum())),
        ("supplied information", int(contribution.isin(["full_report", "partial_report"]).sum())),
        ("supplied full report", int((contribution == "full_report").sum())),
        ("supplied partial report", int((contribution == "partial_report").sum())),
        ("acknowledged only", int((contribution == "acknowledged_only").sum())),
    ]
    return pd.DataFrame(
        [(m, n, i) for i, (m, n) in enumerate(measures, start=1)], columns=["measure", "boroughs", "measure_order"]
    )
