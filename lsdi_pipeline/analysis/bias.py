"""How heavily the dataset leans on local-authority information: `bias_by_source`."""

from __future__ import annotations

import pandas as pd

from lsdi_pipeline import codes
from lsdi_pipeline.analysis.availability import overall_availability
from lsdi_pipeline.analysis.rounding import round_percent

COLUMNS = [
    "source_type",
    "source_agency",
    "pis_in_dataset",
    "share_of_dataset_pct",
    "pis_phase_1",
    "pis_more_than_annual",
    "availability_pct",
    "measures_in_mapping",
    "measures_more_than_annual_in_mapping",
    "boroughs_holding",
]


def bias_by_source(
    dim_indicator: pd.DataFrame, availability_matrix: pd.DataFrame, mapping_inventory: pd.DataFrame
) -> pd.DataFrame:
    """One row per source type (source_agency NULL) and per agency: what the dataset asks, what the pilot gave (its
    availability), what boroughs hold."""
    pis = dim_indicator.assign(phase_1=dim_indicator["status"] == "phase_1")
    pis["more_than_annual"] = pis["phase_1"] & (pis["expected_cadence"] != "annual")
    availability = availability_matrix.merge(pis[["pi_code", "source_type", "source_agency"]], on="pi_code")
    inventory = mapping_inventory.assign(more_than_annual=mapping_inventory["frequency"] != "annual")
    rows = []
    for level in (["source_type"], ["source_type", "source_agency"]):
        for key, group in pis.groupby(level):
            key = key if isinstance(key, tuple) else (key,)
            match = dict(zip(level, key, strict=True))
            held = inventory.loc[(inventory[list(match)] == pd.Series(match)).all(axis=1)]
            given = availability.loc[(availability[list(match)] == pd.Series(match)).all(axis=1)]
            rows.append(
                {
                    "source_type": match["source_type"],
                    "source_agency": match.get("source_agency"),
                    "pis_in_dataset": len(group),
                    "share_of_dataset_pct": round_percent(len(group) / len(pis) * 100),
                    "pis_phase_1": int(group["phase_1"].sum()),
                    "pis_more_than_annual": int(group["more_than_annual"].sum()),
                    "availability_pct": overall_availability(given)[2],
                    "measures_in_mapping": len(held),
                    "measures_more_than_annual_in_mapping": int(held["more_than_annual"].sum()),
                    "boroughs_holding": held["borough_code"].nunique(),
                }
            )
    order = {t: i for i, t in enumerate(codes.SOURCE_TYPES)}
    return (
        pd.DataFrame(rows, columns=COLUMNS)
        .sort_values(
            ["source_type", "source_agency"],
            key=lambda c: c.map(order) if c.name == "source_type" else c.fillna(""),
            na_position="first",
        )
        .reset_index(drop=True)
    )
