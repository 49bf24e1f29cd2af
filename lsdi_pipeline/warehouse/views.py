"""The warehouse's views: the filters analysts would otherwise repeat in every query, defined once.

Each view is created in the published file beside the tables (`store._write_staging`), with its own `COMMENT`s, so
`duckdb_views()` and `duckdb_columns()` describe it like a table. A view names its tables without a database, so it
reads the file it is in however the file is opened or attached.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsdi_pipeline.warehouse.schema import TABLES
from lsdi_pipeline.warehouse.table import BOROUGH_NAME_COMMENT, PI_NAME_COMMENT, quote_literal


@dataclass(frozen=True)
class View:
    name: str
    comment: str
    sql: str
    #: (column, comment) in the order the view gives them
    columns: tuple[tuple[str, str], ...]
    #: the tables the view reads: it is created only in a file that holds them all
    reads: tuple[str, ...]

    def ddl(self, schema: str) -> list[str]:
        """Statements creating the view in `schema`, to run with `schema` as the current database (the view's SQL
        names its tables without one)."""
        return [
            f"CREATE VIEW {schema}.{self.name} AS {self.sql}",
            f"COMMENT ON VIEW {schema}.{self.name} IS {quote_literal(self.comment)}",
            *(f"COMMENT ON COLUMN {schema}.{self.name}.{c} IS {quote_literal(text)}" for c, text in self.columns),
        ]


def _fact(column: str) -> tuple[str, str]:
    """A fact_pi_value column, with its comment there."""
    [spec] = [c for c in TABLES["fact_pi_value"].columns if c.name == column]
    return column, spec.comment


#: the rule of a current, usable figure: the one `analysis.comparison.usable_figures` applies, in SQL
CURRENT_FIGURE_RULE = (
    "f.is_current AND f.value_status = 'reported' AND f.quality_status <> 'error' AND f.value IS NOT NULL"
)

CURRENT_FIGURE = View(
    "current_figure",
    "Current, usable figures: fact_pi_value where is_current, value_status = 'reported', quality_status <> 'error' "
    "and value is not NULL (the figures every comparison is computed on), with the borough's and PI's names and "
    "the PI's unit. True values, small ones included: the data team's, like fact_pi_value, not for publication "
    "(cmp_borough_pi is the safe one).",
    f"""SELECT f.borough_code, b.borough_name, f.pi_code, i.title AS pi_name, i.unit, f.period, f.period_type,
       f.period_start, f.period_end, f.value, f.numerator, f.denominator, f.quality_status, f.reported_frequency,
       f.source_agency, f.submission_id
FROM fact_pi_value f
LEFT JOIN dim_borough b ON b.borough_code = f.borough_code
LEFT JOIN dim_indicator i ON i.pi_code = f.pi_code
WHERE {CURRENT_FIGURE_RULE}""",
    (
        _fact("borough_code"),
        ("borough_name", BOROUGH_NAME_COMMENT),
        _fact("pi_code"),
        ("pi_name", PI_NAME_COMMENT),
        ("unit", "The PI's unit (dim_indicator.unit): what value is in."),
        _fact("period"),
        _fact("period_type"),
        _fact("period_start"),
        _fact("period_end"),
        ("value", "The figure as the borough gave it, in the PI's unit (true value, not rounded)."),
        _fact("numerator"),
        _fact("denominator"),
        ("quality_status", "ok or warning (error figures are not usable, so not here)."),
        _fact("reported_frequency"),
        _fact("source_agency"),
        _fact("submission_id"),
    ),
    ("fact_pi_value", "dim_borough", "dim_indicator"),
)

#: every view of the warehouse, by name
VIEWS: dict[str, View] = {v.name: v for v in (CURRENT_FIGURE,)}
