"""Reports stage: what the run produced, for people."""


import dagster as dg

from lsdi_pipeline.resources import LsdiPaths
from lsdi_pipeline.summary import warehouse_summary
from lsdi_pipeline.warehouse.store import WAREHOUSE_FILE


@dg.asset(group_name="reports", deps=["lsdi_warehouse"])
def run_summary(paths: LsdiPaths) -> dg.Output:
    """The run's summary — submissions by outcome, findings by category, missing pilot returns — written to reports/run_summary.md."""
    text = warehouse_summary(paths.warehouse / WAREHOUSE_FILE)
    paths.reports.mkdir(parents=True, exist_ok=True)
    path = paths.reports / "run_summary.md"
    markdown = "# lsdi_pipeline run summary\n\n" + "\n".join(f"- {line}" for line in text.splitlines()) + "\n"
    path.write_text(markdown, encoding="utf-8")
    return dg.Output(text, metadata={"summary_markdown": dg.MetadataValue.md(markdown), "path": dg.MetadataValue.path(str(path.resolve())),
                                     "summary": text.splitlines()[0]})
