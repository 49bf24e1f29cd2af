"""Materialisation metadata, Dagster types derived from the warehouse schema, and the tags assets share."""

import functools
import warnings

import dagster as dg
import pandas as pd
from dagster_pandera import pandera_schema_to_dagster_type

from lsdi_pipeline.warehouse.schema import TABLES

PREVIEW_ROWS = 10
#: the tag of an asset that only the nightly (whole) run rebuilds, not the run for newly arrived returns
REBUILT_BY, NIGHTLY = "lsdi/rebuilt", "nightly"
REBUILT_NIGHTLY = {REBUILT_BY: NIGHTLY}


@functools.cache
def table_type(name: str) -> dg.DagsterType:
    """The Dagster type of a warehouse table's frame: its pandera schema, checked on every output."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return pandera_schema_to_dagster_type(TABLES[name].pandera_schema())


@functools.cache
def ledger_type() -> dg.DagsterType:
    """The Dagster type of the archive ledger (the files received), checked by its pandera model."""
    from lsdi_pipeline.returns.archive import Ledger

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return pandera_schema_to_dagster_type(Ledger)


def column_schema(name: str) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(c.name, c.sql_type.lower(), description=c.comment) for c in TABLES[name].columns]
    )


def preview(frame: pd.DataFrame, rows: int = PREVIEW_ROWS) -> dg.MetadataValue:
    shown = frame.head(rows).astype(object).where(frame.head(rows).notna(), "")
    return dg.MetadataValue.md(shown.to_markdown(index=False) if len(shown) else "_no rows_")


def table_metadata(name: str, frame: pd.DataFrame, **extra) -> dict:
    return {
        "dagster/row_count": len(frame),
        "dagster/column_schema": column_schema(name),
        "preview": preview(frame),
        **extra,
    }


def table_output(name: str, frame: pd.DataFrame, output_name: str = "result", **extra) -> dg.Output:
    """A warehouse table's frame, conformed to its schema, with row count, column schema and preview."""
    conformed = TABLES[name].conform(frame)
    return dg.Output(conformed, output_name=output_name, metadata=table_metadata(name, conformed, **extra))
