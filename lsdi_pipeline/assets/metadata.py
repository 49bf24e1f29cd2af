"""Materialisation metadata, Dagster types derived from the warehouse schema, and the tags assets share.

The types import what checks a value (pandas, pandera) when the first value is checked, not when the definitions
load: a code location (`dagster definitions validate`, the UI, the daemon) starts without either.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

import dagster as dg

from lsdi_pipeline.warehouse.schema import TABLES

if TYPE_CHECKING:
    import pandas as pd

PREVIEW_ROWS = 10
#: the tag of an asset that only the nightly (whole) run rebuilds, not the run for newly arrived returns
REBUILT_BY, NIGHTLY = "lsdi/rebuilt", "nightly"
REBUILT_NIGHTLY = {REBUILT_BY: NIGHTLY}


def _is_frame(_context, value) -> dg.TypeCheck:
    import pandas as pd  # when a value is checked: the definitions load without pandas

    if isinstance(value, pd.DataFrame):
        return dg.TypeCheck(success=True)
    return dg.TypeCheck(success=False, description=f"{type(value).__name__} is not a pandas DataFrame")


# An asset's frame input is annotated `DataFrame`: Dagster takes a Dagster type in an annotation as the input's type,
# this one made without importing pandas; a type checker reads pandas' DataFrame.
if TYPE_CHECKING:
    from pandas import DataFrame
else:
    DataFrame = dg.DagsterType(type_check_fn=_is_frame, name="DataFrame", description="A pandas DataFrame.")


@functools.cache
def _dagster_pandera_type(pandera_schema: Callable) -> dg.DagsterType:
    """dagster-pandera's Dagster type of the pandera schema `pandera_schema()` returns, made when first asked for."""
    from dagster_pandera import pandera_schema_to_dagster_type

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return pandera_schema_to_dagster_type(pandera_schema())


def _pandera_checked(
    name: str, description: str | None, schema: dg.TableSchema | None, pandera_schema: Callable
) -> dg.DagsterType:
    """A Dagster type whose check is that of dagster-pandera's type of `pandera_schema()`: pandera and the schema are
    imported and built when the first frame is checked."""
    return dg.DagsterType(
        type_check_fn=lambda context, value: _dagster_pandera_type(pandera_schema).type_check(context, value),
        name=name,
        description=description,
        metadata={"schema": dg.MetadataValue.table_schema(schema)} if schema else None,
    )


@functools.cache
def table_type(name: str) -> dg.DagsterType:
    """The Dagster type of a warehouse table's frame: its pandera schema, checked on every output; its columns those
    its materialisations show (`column_schema`)."""
    table = TABLES[name]
    return _pandera_checked(name, table.comment, column_schema(name), table.pandera_schema)


def _ledger_model():
    from lsdi_pipeline.returns.archive import Ledger

    return Ledger


@functools.cache
def ledger_type() -> dg.DagsterType:
    """The Dagster type of the archive ledger (the files received), checked by its pandera model."""
    return _pandera_checked("Ledger", "The files received, checked by the pandera model Ledger.", None, _ledger_model)


def ledger_schema() -> dg.TableSchema:
    """The ledger's columns as dagster-pandera reads them from the model, for its materialisations: its type is made
    without pandera, so it names none."""
    return _dagster_pandera_type(_ledger_model).metadata["schema"].value


def column_schema(name: str) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(c.name, c.sql_type.lower(), description=c.comment) for c in TABLES[name].columns]
    )


def preview(frame: pd.DataFrame, rows: int = PREVIEW_ROWS) -> dg.MetadataValue:
    """The first rows as a Markdown table: dates as dates (2007-04-01), times to the second, missing values blank."""
    import pandas as pd

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
