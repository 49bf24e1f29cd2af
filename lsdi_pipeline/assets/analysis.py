"""Analysis stage: tables that compare, summarise and recommend."""


import dagster as dg
import pandas as pd

from lsdi_pipeline.analysis.mapping import mapping_summary as summarise_mapping
from lsdi_pipeline.assets.metadata import table_output, table_type


@dg.asset(group_name="analysis", dagster_type=table_type("mapping_summary"))
def mapping_summary(mapping_response: pd.DataFrame) -> dg.Output:
    """The mapping stage in figures: invited, responded, no response, supplied information, acknowledged only."""
    frame = summarise_mapping(mapping_response)
    return table_output("mapping_summary", frame, summary=", ".join(f"{m} {n}" for m, n in zip(frame["measure"], frame["boroughs"])
                                                                      if m in ("invited", "responded", "supplied information")))
