"""The warehouse tables the Phase I report reads, each normalised once, and the lookups every section uses.

A section may be handed a table as DuckDB gives it, built by hand in a test, or not at all (before anything has
arrived): each table comes out with its contract columns in plain dtypes (text as object/None, numbers as float,
dates as datetimes), so no section has to care which.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

import pandas as pd

from lsdi_pipeline.analysis.timeliness import loaded
from lsdi_pipeline.warehouse.schema import TABLES


class Warehouse:
    """The tables passed in, each with its contract columns in plain dtypes (text as object/None, numbers as float)."""

    def __init__(self, tables: Mapping[str, pd.DataFrame]):
        self._tables = tables
        self._cache: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            self._cache[name] = _normalise(name, self._tables.get(name))
        return self._cache[name]

    @cached_property
    def borough_names(self) -> dict[str, str]:
        boroughs = self["dim_borough"]
        return dict(zip(boroughs["borough_code"], boroughs["borough_name"], strict=True))

    def borough_name(self, code: str | None) -> str:
        if code is None:
            return "(not attributed)"
        return self.borough_names.get(code) or code

    @cached_property
    def indicators(self) -> dict[str, dict]:
        return {row["pi_code"]: row for row in self["dim_indicator"].to_dict("records")}

    @cached_property
    def pi_order(self) -> dict[str, int]:
        """Catalogue order: by cluster, then as listed."""
        catalogue = self["dim_indicator"].reset_index(drop=True)
        ordered = catalogue.assign(_row=catalogue.index).sort_values(["cluster_code", "_row"], na_position="last")
        return {code: i for i, code in enumerate(ordered["pi_code"])}

    def pi_rank(self, code: str) -> int:
        """Where a PI comes in catalogue order (a PI not in the catalogue after all that are)."""
        return self.pi_order.get(code, len(self.pi_order))

    def sorted_pis(self, pi_codes) -> list[str]:
        return sorted(set(pi_codes), key=lambda code: (self.pi_rank(code), code))

    def pi_title(self, code: str) -> str:
        return (self.indicators.get(code) or {}).get("title") or ""

    @cached_property
    def has_returns(self) -> bool:
        """Whether any return has been loaded yet."""
        return not loaded(self["submission"]).empty


def _normalise(name: str, frame: pd.DataFrame | None) -> pd.DataFrame:
    spec = TABLES[name]
    out = pd.DataFrame(columns=spec.column_names) if frame is None else frame.reset_index(drop=True)  # a copy
    for column in spec.columns:
        values = out[column.name] if column.name in out.columns else pd.Series(None, index=out.index, dtype=object)
        if column.sql_type in ("VARCHAR", "JSON"):
            values = values.astype(object).where(values.notna(), None)
        elif column.sql_type in ("INTEGER", "BIGINT", "DOUBLE"):
            values = pd.to_numeric(values, errors="coerce").astype("float64")
        elif column.sql_type == "BOOLEAN":
            values = values.astype("boolean").fillna(False).astype(bool)
        elif not pd.api.types.is_datetime64_any_dtype(values):  # already dates: nothing to convert
            values = pd.to_datetime(values, errors="coerce")
        out[column.name] = values
    return out
