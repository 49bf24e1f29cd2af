"""The warehouse schema — the public contract of docs/warehouse.md, in one place.

Every table is declared once, in the module of its section of docs/warehouse.md (`reference_tables`,
`return_tables`, `analysis_tables`); each table's DDL, its DuckDB `COMMENT`s, the dtypes its frames are
conformed to and the pandera schema that checks them are derived from that declaration (`warehouse.table`).
"""

from __future__ import annotations

from lsdi_pipeline.warehouse import analysis_tables, reference_tables, return_tables
from lsdi_pipeline.warehouse.table import Column, Table

__all__ = ["TABLES", "Column", "Table"]

#: every table of the warehouse, by name: what `lsdi run` publishes
TABLES: dict[str, Table] = {
    t.name: t for t in (*reference_tables.TABLES, *return_tables.TABLES, *analysis_tables.TABLES)
}
