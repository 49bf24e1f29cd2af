"""What all the returns together make (`ReturnBatch`): the parsed_returns asset's value, read by return_tables.

Apart from `returns.batch`, which makes it, so that the Dagster definitions name the class and the tables it feeds
without importing the parser or pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class ReturnBatch:
    """Every file's contribution, as frames named after the warehouse tables they feed."""

    submission: pd.DataFrame
    fact_pi_value: pd.DataFrame
    fact_feasibility: pd.DataFrame
    fact_narrative: pd.DataFrame
    rejected_row: pd.DataFrame
    dq_issue: pd.DataFrame
    #: seconds spent checking the frames against the warehouse schema (pandera), for the benchmark
    schema_validation_s: float = 0.0


#: the warehouse tables the returns make: the frames of a `ReturnBatch`
RETURN_TABLES = tuple(f.name for f in fields(ReturnBatch) if f.type == "pd.DataFrame")
