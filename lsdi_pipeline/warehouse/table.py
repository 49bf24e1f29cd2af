"""How a warehouse table is declared: its columns, and from them its DDL, comments, dtypes and pandera schema.

Each table's DDL, its DuckDB `COMMENT`s, the dtypes its frames are conformed to and the
pandera schema that checks them are all derived from the specs below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where they are used: the Dagster definitions read the declarations without them
    import numpy as np
    import pandas as pd
    import pandera.pandas as pa

_PANDAS_DTYPE = {
    "VARCHAR": "string",
    "JSON": "string",  # DuckDB's JSON type: text that must parse, queried with ->> and json_extract
    "INTEGER": "Int64",
    "BIGINT": "Int64",
    "DOUBLE": "Float64",
    "BOOLEAN": "boolean",
    "DATE": "datetime64[ns]",
    "TIMESTAMP": "datetime64[ns]",
}


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    comment: str
    nullable: bool = True
    allowed: tuple | None = None


@dataclass(frozen=True)
class Table:
    name: str
    comment: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default=())

    def without(self, *names: str) -> Table:
        """The same table less some columns (for frames that gain them later, e.g. `is_current`)."""
        return Table(
            self.name,
            self.comment,
            tuple(c for c in self.columns if c.name not in names),
            tuple(k for k in self.key if k not in names),
        )

    def plus(self, *columns: Column) -> Table:
        """The same table with more columns (for frames that carry what a later step needs, then drops)."""
        return Table(self.name, self.comment, (*self.columns, *columns), self.key)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def ddl(self, schema: str) -> list[str]:
        cols = ",\n  ".join(f"{c.name} {c.sql_type}" for c in self.columns)
        statements = [
            f"CREATE TABLE {schema}.{self.name} (\n  {cols}\n)",
            f"COMMENT ON TABLE {schema}.{self.name} IS {quote_literal(self.comment)}",
        ]
        statements += [
            f"COMMENT ON COLUMN {schema}.{self.name}.{c.name} IS {quote_literal(c.comment)}" for c in self.columns
        ]
        return statements

    def conform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame with exactly this table's columns, in order, in their pandas dtypes."""
        import pandas as pd

        missing = [c for c in self.column_names if c not in frame.columns]
        if missing:
            raise ValueError(f"{self.name}: frame lacks columns {missing}")
        out = frame[self.column_names].copy()
        for c in self.columns:
            dtype = _PANDAS_DTYPE[c.sql_type]
            if dtype.startswith("datetime"):
                out[c.name] = pd.to_datetime(out[c.name])
            elif dtype == "string":
                out[c.name] = _storable_strings(out[c.name])
            else:
                out[c.name] = out[c.name].astype(dtype)
        return out.reset_index(drop=True)

    def pandera_schema(self) -> pa.DataFrameSchema:
        import pandera.pandas as pa

        columns = {}
        for c in self.columns:
            checks = [pa.Check.isin(list(c.allowed))] if c.allowed else []
            if c.sql_type == "DOUBLE":  # every figure in the warehouse is a finite number (NULL where there is none)
                checks.append(pa.Check(_finite, error="finite numbers only (no infinity or NaN)"))
            columns[c.name] = pa.Column(
                _PANDAS_DTYPE[c.sql_type], checks=checks, nullable=c.nullable, description=c.comment
            )
        return pa.DataFrameSchema(
            columns, strict=True, ordered=True, unique=list(self.key) or None, name=self.name, description=self.comment
        )


def _storable_strings(values: pd.Series) -> pd.Series:
    """A column as pandas strings DuckDB can store (see `_storable_text`). Only text that is not ASCII can need
    changing, so a column already of strings, all of it ASCII, is returned as it is: conforming a conformed frame
    costs next to nothing."""
    import pandas as pd

    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype("object").where(values.notna(), None)
    flat = values.to_numpy(dtype=object, na_value=None)
    unusual = [] if _all_ascii(flat) else [i for i, v in enumerate(flat) if v.__class__ is str and not v.isascii()]
    if unusual:
        flat = flat.copy()
        for i in unusual:
            flat[i] = _storable_text(flat[i])
        return pd.Series(flat, index=values.index, dtype="string")
    return values if isinstance(values.dtype, pd.StringDtype) else values.astype("string")


def _all_ascii(values: np.ndarray) -> bool:
    """Whether every value is missing or ASCII text, judged at C speed on the text joined."""
    import pandas as pd

    present = values[pd.notna(values)]
    try:
        return "".join(present).isascii()
    except TypeError:  # not all text
        return False


def _storable_text(value):
    """Text DuckDB can store: the bytes of a file name that are not UTF-8 (kept as surrogate escapes) shown as \\xNN."""
    if isinstance(value, str) and not value.isascii():
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return value


def _finite(values: pd.Series) -> pd.Series:
    import numpy as np
    import pandas as pd

    return pd.Series(np.isfinite(values.to_numpy(dtype=float)), index=values.index)


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def column(name, sql_type, comment, nullable=True, allowed=None) -> Column:
    """A column of a table declaration; `allowed` is its code list, when it has one."""
    return Column(name, sql_type, comment, nullable, tuple(allowed) if allowed else None)


#: column comments that several tables share
SUBMISSION_COMMENT = "The submission (file) this row came from; see submission."
BOROUGH_COMMENT = "GSS code of the borough (E09000002 …); see dim_borough."
PI_COMMENT = "PI code from the catalogue; see dim_indicator."
BOROUGH_NAME_COMMENT = "The borough's name (dim_borough.borough_name), beside its code."
PI_NAME_COMMENT = "The PI's title (dim_indicator.title), beside its code."
