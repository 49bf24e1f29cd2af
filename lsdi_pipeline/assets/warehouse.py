"""Warehouse stage: the Returns tables, the rule list, and the published DuckDB file."""

import dagster as dg
import pandas as pd

from lsdi_pipeline.assets.metadata import table_output, table_type
from lsdi_pipeline.checks.rules import rule_table
from lsdi_pipeline.resources import LsdiPaths
from lsdi_pipeline.returns.batch import RETURN_TABLES, ReturnBatch, build_return_tables
from lsdi_pipeline.warehouse.changes import changes_since_published
from lsdi_pipeline.warehouse.schema import TABLES
from lsdi_pipeline.warehouse.store import publish

GROUP = "warehouse"


@dg.multi_asset(
    group_name=GROUP,
    outs={name: dg.AssetOut(dagster_type=table_type(name), description=TABLES[name].comment) for name in RETURN_TABLES},
)
def return_tables(
    parsed_returns: ReturnBatch,
    pilot_borough: pd.DataFrame,
    dim_borough: pd.DataFrame,
    dim_indicator: pd.DataFrame,
    published_value: pd.DataFrame,
):
    """The Returns tables: submissions, facts with the current-figure rule applied, rejected rows and findings
    (figures that differ from DfE's published ones among them)."""
    tables = build_return_tables(parsed_returns, pilot_borough, dim_indicator, dim_borough, published_value)
    extra = {
        "submission": lambda f: {f"status_{k}": int(v) for k, v in f["status"].value_counts().items()},
        "fact_pi_value": lambda f: {
            "current": int(f["is_current"].sum()),
            **{f"quality_{k}": int(v) for k, v in f["quality_status"].value_counts().items()},
        },
        "dq_issue": lambda f: {f"{c}_{s}": int(n) for (c, s), n in f.groupby(["category", "severity"]).size().items()},
    }
    for name in RETURN_TABLES:
        frame = tables[name]
        yield table_output(name, frame, output_name=name, **extra.get(name, lambda f: {})(frame))


@dg.asset(group_name=GROUP, dagster_type=table_type("dq_rule"))
def dq_rule() -> dg.Output:
    """The data-quality rule list, with each rule's category, severity and fix hint."""
    return table_output("dq_rule", rule_table())


ANALYSIS_TABLES = (
    "mapping_summary",
    "availability_matrix",
    "cadence_mismatch",
    "feasibility_summary",
    "cmp_borough_pi",
    "bias_by_source",
    "phase2_recommendation",
)
PUBLISHED = (
    "dim_borough",
    "dim_goal",
    "dim_cluster",
    "dim_indicator",
    "mapping_response",
    "mapping_inventory",
    "pilot_borough",
    "published_value",
    *RETURN_TABLES,
    "dq_rule",
    "dq_expectation",
    *ANALYSIS_TABLES,
)


@dg.asset(group_name=GROUP, ins={name: dg.AssetIn(name) for name in PUBLISHED})
def lsdi_warehouse(context: dg.AssetExecutionContext, paths: LsdiPaths, **tables: pd.DataFrame) -> dg.MaterializeResult:
    """The published DuckDB warehouse (lsdi.duckdb): every table built in staging and swapped in atomically.

    What changed is compared after the publish, with the backup the publish checked it could read: the last
    publish, or an earlier one when the last cannot be read. Files it could not trust are named in `set_aside`.
    """
    publication = publish(paths.warehouse, {name: tables[name] for name in PUBLISHED})
    path = publication.path
    context.log.info(f"published {path}")
    for warning in publication.warnings:
        context.log.warning(warning)
    changed = changes_since_published(
        publication.previous, publication.previous_is, tables["submission"], tables["fact_pi_value"]
    )
    return dg.MaterializeResult(
        metadata={
            **changed,
            "set_aside": ", ".join(p.relative_to(paths.warehouse).as_posix() for p in publication.set_aside) or "none",
            "warnings": dg.MetadataValue.md("\n".join(f"- {w}" for w in publication.warnings) or "none"),
            "path": dg.MetadataValue.path(str(path.resolve())),
            "size_bytes": path.stat().st_size,
            "tables": dg.MetadataValue.md("\n".join(f"- `{n}`: {len(tables[n]):,} rows" for n in PUBLISHED)),
            "summary": f"{len(PUBLISHED)} tables published to {path}; {changed['submissions_added']} submission(s) added, "
            f"{changed['figures_superseded']} figure(s) superseded"
            + (f"; {len(publication.warnings)} warning(s)" if publication.warnings else ""),
        }
    )
