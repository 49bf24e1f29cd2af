"""Warehouse stage: the Returns tables and the rule list."""

import dagster as dg

from lsdi_pipeline.assets.metadata import DataFrame, table_output, table_type
from lsdi_pipeline.checks.rules import rule_table
from lsdi_pipeline.returns.return_batch import RETURN_TABLES, ReturnBatch
from lsdi_pipeline.warehouse.schema import TABLES

GROUP = "warehouse"


@dg.multi_asset(
    group_name=GROUP,
    outs={name: dg.AssetOut(dagster_type=table_type(name), description=TABLES[name].comment) for name in RETURN_TABLES},
)
def return_tables(
    parsed_returns: ReturnBatch,
    pilot_borough: DataFrame,
    dim_borough: DataFrame,
    dim_indicator: DataFrame,
    published_value: DataFrame,
):
    """The Returns tables: submissions, facts with the current-figure rule applied, rejected rows and findings
    (figures that differ from DfE's published ones among them)."""
    from lsdi_pipeline.returns.batch import build_return_tables  # imports pandas: when the asset runs

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
