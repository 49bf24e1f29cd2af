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
    """The first rows as a Markdown table: dates as dates (2007-04-01), times to the second, missing values blank."""
    head = frame.head(rows).copy()
    for column in head.columns:
        if pd.api.types.is_datetime64_any_dtype(head[column]):
            values = head[column]
            midnight = values.dropna().eq(values.dropna().dt.normalize()).all()
            head[column] = values.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S")
    shown = head.astype(object).where(head.notna(), "")
    return dg.MetadataValue.md(shown.to_markdown(index=False) if len(shown) else "_no rows_")


def _current(frame: pd.DataFrame) -> pd.DataFrame:
    """Of a table with `is_current`, its current rows (what analysts use), when it has any; the frame otherwise."""
    if "is_current" in frame and frame["is_current"].any():
        return frame.loc[frame["is_current"].fillna(False).astype(bool)]
    return frame


def table_metadata(name: str, frame: pd.DataFrame, **extra) -> dict:
    return {
        "dagster/row_count": len(frame),
        "dagster/column_schema": column_schema(name),
        "preview": preview(_current(frame)),
        **extra,
    }


def table_output(name: str, frame: pd.DataFrame, output_name: str = "result", **extra) -> dg.Output:
    """A warehouse table's frame, conformed to its schema, with row count, column schema and preview."""
    conformed = TABLES[name].conform(frame)
    return dg.Output(conformed, output_name=output_name, metadata=table_metadata(name, conformed, **extra))
