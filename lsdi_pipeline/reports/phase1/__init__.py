"""The Phase I report: the warehouse's findings as one self-contained HTML page, and a short Markdown summary.

The sections follow the Phase I progress report: the mapping stage, the dataset, the feasibility
pilot (with data quality), and the challenges it named — varying reporting cycles, how boroughs
compare, the local-authority bias — ending with the recommended content of Phase II. Each is a
module of this package; this one puts them in order.

Pure: warehouse tables and the time of the run in, strings out. plotly.js is embedded once in the
page and nothing is fetched, so the file opens offline. Every piece of text is HTML-escaped, and
borough free text (narratives, comments) is shown only after personal data have been masked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pandas as pd

from lsdi_pipeline.reports.phase1.bias import bias_section
from lsdi_pipeline.reports.phase1.cadence import cadence_section
from lsdi_pipeline.reports.phase1.comparison import comparison_section
from lsdi_pipeline.reports.phase1.dataset import dataset_section
from lsdi_pipeline.reports.phase1.feasibility import feasibility_section
from lsdi_pipeline.reports.phase1.mapping import mapping_section
from lsdi_pipeline.reports.phase1.page import TITLE, markdown, page
from lsdi_pipeline.reports.phase1.phase2 import phase2_section
from lsdi_pipeline.reports.phase1.pilot import pilot_section
from lsdi_pipeline.reports.phase1.quality import quality_section
from lsdi_pipeline.reports.phase1.tables import Warehouse

__all__ = ["TITLE", "render_phase1_report"]

#: the report's sections, in the order of the page
SECTIONS = (
    mapping_section,
    dataset_section,
    pilot_section,
    quality_section,
    cadence_section,
    comparison_section,
    bias_section,
    feasibility_section,
    phase2_section,
)


def render_phase1_report(tables: Mapping[str, pd.DataFrame], generated_at: datetime) -> tuple[str, str]:
    """(self-contained HTML, a short Markdown summary of the same findings), as of `generated_at`."""
    data = Warehouse(tables)
    sections = [section(data) for section in SECTIONS]
    return page(data, sections, generated_at), markdown(data, sections, generated_at)
