"""Raw stage: the reference files and the borough returns as received."""

import dagster as dg

from lsdi_pipeline.assets.metadata import DataFrame, ledger_schema, ledger_type, table_output, table_type
from lsdi_pipeline.derived import SET_ASIDE_DIR, set_aside_files
from lsdi_pipeline.resources import LsdiPaths

GROUP = "raw"
# Each asset imports its reader when it runs: the readers import pandas, the definitions load without it.


@dg.asset(group_name=GROUP, dagster_type=table_type("dim_goal"))
def dim_goal(paths: LsdiPaths) -> dg.Output:
    """The few overarching goals the PIs sit under, from dataset/goals.csv."""
    from lsdi_pipeline import reference

    return table_output("dim_goal", reference.read_goals(paths.raw))


@dg.asset(group_name=GROUP, dagster_type=table_type("dim_cluster"))
def dim_cluster(paths: LsdiPaths) -> dg.Output:
    """The clusters of 3 or 4 PIs, each with its narrative prompt, from dataset/clusters.csv."""
    from lsdi_pipeline import reference

    return table_output("dim_cluster", reference.read_clusters(paths.raw))


@dg.asset(group_name=GROUP, dagster_type=table_type("dim_indicator"))
def dim_indicator(paths: LsdiPaths, dim_cluster: DataFrame) -> dg.Output:
    """The PI catalogue from dataset/indicators.csv, with each PI's goal and source type."""
    from lsdi_pipeline import reference

    indicators = reference.read_indicators(paths.raw, dim_cluster)
    return table_output(
        "dim_indicator",
        indicators,
        phase_1=int((indicators["status"] == "phase_1").sum()),
        postponed=int((indicators["status"] == "postponed").sum()),
    )


@dg.asset(group_name=GROUP, dagster_type=table_type("pilot_borough"))
def pilot_borough(paths: LsdiPaths) -> dg.Output:
    """The feasibility pilot's boroughs, when each expressed interest and whether its LSCB chair confirmed."""
    from lsdi_pipeline import reference

    pilot = reference.read_pilot(paths.raw)
    return table_output("pilot_borough", pilot, chair_confirmed=int(pilot["chair_confirmed_on"].notna().sum()))


@dg.asset(group_name=GROUP, dagster_type=table_type("dim_borough"))
def dim_borough(paths: LsdiPaths, pilot_borough: DataFrame) -> dg.Output:
    """The authorities that may send returns, with codes, aliases and child population, from boroughs.csv."""
    from lsdi_pipeline import reference

    return table_output("dim_borough", reference.read_boroughs(paths.raw, pilot_borough))


@dg.asset(group_name=GROUP, dagster_type=table_type("published_value"))
def published_value(paths: LsdiPaths, dim_indicator: DataFrame) -> dg.Output:
    """DfE's published statistics for the PIs whose definition they match (published/, as
    dataset/published_measures.csv declares)."""
    from lsdi_pipeline.published import PUBLISHED_DIR, read_published

    frame = read_published(paths.raw, dim_indicator)
    periods = sorted(frame["period"].unique())
    return table_output(
        "published_value",
        frame,
        pis=", ".join(sorted(frame["pi_code"].unique())) or "none",
        periods=f"{periods[0]} to {periods[-1]}" if periods else "none",
        summary=f"{len(frame):,} published figures" if len(frame) else f"no DfE files in {PUBLISHED_DIR}/",
    )


@dg.asset(group_name=GROUP, dagster_type=table_type("mapping_response"))
def mapping_response(paths: LsdiPaths) -> dg.Output:
    """Each borough's answer to the mapping stage's request for LSCB performance information."""
    from lsdi_pipeline import reference

    return table_output("mapping_response", reference.read_mapping_responses(paths.raw))


@dg.asset(group_name=GROUP, dagster_type=table_type("mapping_inventory"))
def mapping_inventory(paths: LsdiPaths) -> dg.Output:
    """The measures each contributing borough's performance report held, by agency and frequency."""
    from lsdi_pipeline import reference

    return table_output("mapping_inventory", reference.read_mapping_inventory(paths.raw))


@dg.asset(group_name=GROUP, dagster_type=ledger_type())
def return_files(paths: LsdiPaths) -> dg.Output:
    """Every file ever received in the returns folder, archived by SHA-256 with the time it was first seen."""
    from lsdi_pipeline import reference
    from lsdi_pipeline.returns.archive import archive_returns

    ledger, new = archive_returns(paths.raw / reference.RETURNS_DIR, paths.archive)
    aside = set_aside_files(paths.warehouse)
    summary = f"{len(ledger)} files ({new} new)" + (
        f"; {len(aside)} damaged file(s) set aside so far, in {SET_ASIDE_DIR}/" if aside else ""
    )
    return dg.Output(
        ledger,
        metadata={
            "dagster/row_count": len(ledger),
            "dagster/column_schema": ledger_schema(),
            "new_files": new,
            "summary": summary,
            "set_aside": ", ".join(aside) or "none",
            "archive": dg.MetadataValue.path(str(paths.archive)),
        },
    )
