"""Analysis stage: tables that compare, summarise and recommend."""

from dataclasses import asdict

import dagster as dg

from lsdi_pipeline.assets.metadata import DataFrame, table_output, table_type
from lsdi_pipeline.resources import Phase2Rules

GROUP = "analysis"
# Each asset imports the analysis it runs when it runs: those modules import pandas, the definitions load without it.


@dg.asset(group_name=GROUP, dagster_type=table_type("mapping_summary"))
def mapping_summary(mapping_response: DataFrame) -> dg.Output:
    """The mapping stage in figures: invited, responded, no response, supplied information, acknowledged only."""
    from lsdi_pipeline.analysis.mapping import mapping_summary as summarise_mapping

    frame = summarise_mapping(mapping_response)
    return table_output(
        "mapping_summary",
        frame,
        summary=", ".join(
            f"{m} {n}"
            for m, n in zip(frame["measure"], frame["boroughs"], strict=True)
            if m in ("invited", "responded", "supplied information")
        ),
    )


@dg.asset(group_name=GROUP, dagster_type=table_type("availability_matrix"))
def availability_matrix(
    fact_pi_value: DataFrame,
    submission: DataFrame,
    pilot_borough: DataFrame,
    dim_indicator: DataFrame,
    dim_borough: DataFrame,
) -> dg.Output:
    """What each pilot borough provided of each phase-1 PI, against the periods its cadence asks for."""
    from lsdi_pipeline.analysis.availability import availability_matrix as build_availability_matrix
    from lsdi_pipeline.analysis.availability import overall_availability

    frame = build_availability_matrix(fact_pi_value, submission, pilot_borough, dim_indicator, dim_borough)
    provided, expected, availability = overall_availability(frame)
    return table_output(
        "availability_matrix",
        frame,
        summary=f"{provided:,.0f} of {expected:,.0f} expected figures provided ({availability:.1f}%)"
        if expected
        else "no figures expected yet",
    )


@dg.asset(group_name=GROUP, dagster_type=table_type("cadence_mismatch"))
def cadence_mismatch(fact_pi_value: DataFrame, dim_indicator: DataFrame, dim_borough: DataFrame) -> dg.Output:
    """Figures given at another cadence than the catalogue asks for, by borough and PI."""
    from lsdi_pipeline.analysis.availability import series_at_other_cadence

    frame = series_at_other_cadence(fact_pi_value, dim_indicator, dim_borough)
    return table_output(
        "cadence_mismatch", frame, summary=f"{int(frame['periods'].sum())} figures in {len(frame)} series"
    )


@dg.asset(group_name=GROUP, dagster_type=table_type("feasibility_summary"))
def feasibility_summary(fact_feasibility: DataFrame, dim_indicator: DataFrame) -> dg.Output:
    """How feasible the pilot boroughs found each PI to collect, and their main issues."""
    from lsdi_pipeline.analysis.feasibility import feasibility_summary as build_feasibility_summary

    return table_output("feasibility_summary", build_feasibility_summary(fact_feasibility, dim_indicator))


@dg.asset(group_name=GROUP, dagster_type=table_type("cmp_borough_pi"))
def cmp_borough_pi(
    fact_pi_value: DataFrame, dim_indicator: DataFrame, dim_borough: DataFrame, published_value: DataFrame
) -> dg.Output:
    """Each borough against London and England per PI and period: London's median, quartiles, pooled figure, rank and
    band; DfE's England and region figures, LAIT's national rank and band; statistical neighbours. Safe to publish."""
    from lsdi_pipeline.analysis.comparison import compare

    frame = compare(fact_pi_value, dim_indicator, dim_borough, published_value)
    kinds = frame["suppression"].value_counts()
    return table_output(
        "cmp_borough_pi",
        frame,
        suppressed_primary=int(kinds.get("primary", 0)),
        suppressed_secondary=int(kinds.get("secondary", 0)),
        with_england_figures=int(frame["england_value"].notna().sum()),
    )


@dg.asset(group_name=GROUP, dagster_type=table_type("bias_by_source"))
def bias_by_source(dim_indicator: DataFrame, availability_matrix: DataFrame, mapping_inventory: DataFrame) -> dg.Output:
    """Local-authority against multi-agency sources: PIs, frequency, pilot availability and what boroughs hold."""
    from lsdi_pipeline.analysis.bias import bias_by_source as build_bias_by_source

    frame = build_bias_by_source(dim_indicator, availability_matrix, mapping_inventory)
    totals = frame.loc[frame["source_agency"].isna()].set_index("source_type")["share_of_dataset_pct"].to_dict()
    return table_output("bias_by_source", frame, summary=", ".join(f"{k} {v:g}% of PIs" for k, v in totals.items()))


@dg.asset(group_name=GROUP, dagster_type=table_type("phase2_recommendation"))
def phase2_recommendation(
    context: dg.AssetExecutionContext,
    phase2_rules: Phase2Rules,
    dim_indicator: DataFrame,
    dim_borough: DataFrame,
    fact_pi_value: DataFrame,
    availability_matrix: DataFrame,
    feasibility_summary: DataFrame,
    cadence_mismatch: DataFrame,
    bias_by_source: DataFrame,
    mapping_response: DataFrame,
    pilot_borough: DataFrame,
    submission: DataFrame,
) -> dg.Output:
    """The recommended content of Phase II: retain, revise, postpone or replace each PI, and what the programme
    should do next, by the thresholds of the `phase2_rules` resource (phase2_rules.toml unless the run overrides
    them)."""
    from lsdi_pipeline.analysis.recommendations import recommend

    phase2_rules.check_run(context)
    frame = recommend(
        dim_indicator,
        dim_borough,
        fact_pi_value,
        availability_matrix,
        feasibility_summary,
        cadence_mismatch,
        bias_by_source,
        mapping_response,
        pilot_borough,
        submission,
        phase2_rules.thresholds,
    )
    counts = frame.loc[frame["pi_code"].notna(), "recommendation"].value_counts().to_dict()
    changed = phase2_rules.overridden()
    return table_output(
        "phase2_recommendation",
        frame,
        summary=", ".join(f"{k} {v}" for k, v in counts.items()),
        thresholds=dg.MetadataValue.json(asdict(phase2_rules.thresholds)),
        thresholds_overridden=", ".join(f"{name} {a:g} → {b:g}" for name, (a, b) in changed.items()) or "none",
    )
