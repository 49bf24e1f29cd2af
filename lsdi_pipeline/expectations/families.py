"""The frames the business expectations validate, one row per thing judged (GX has no group-by): the availability
grid, and every current figure for cadence and for integrity.

A rule is not written again for GX: each frame has a column per rule its suite measures (`suites.RULES_JUDGED`),
holding what the rule's own function (`checks.figures`, `checks.series`) finds on that row — its messages, None
when it finds nothing — and the suite expects the column to be empty.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from lsdi_pipeline.analysis.availability import availability_grid
from lsdi_pipeline.checks.figures import FIGURE_RULES, Figure
from lsdi_pipeline.checks.findings import finding_records
from lsdi_pipeline.checks.series import SERIES_RULES, current_figures
from lsdi_pipeline.expectations.suites import ROW_KEY, RULES_JUDGED


def availability_frame(
    fact_pi_value: pd.DataFrame, submission: pd.DataFrame, pilot_borough: pd.DataFrame, dim_indicator: pd.DataFrame
) -> pd.DataFrame:
    """The availability grid (one row per pilot borough × phase-1 PI × expected period, with its status), and the
    availability rules' findings on the figure a return gave for it."""
    grid = availability_grid(fact_pi_value, submission, pilot_borough, dim_indicator)
    found = rule_findings(fact_pi_value.loc[fact_pi_value["is_current"]], dim_indicator, RULES_JUDGED["availability"])
    # two current figures for one key are the grid's own finding (its rows are not unique): each row takes the first's
    return grid.merge(found.drop_duplicates(list(ROW_KEY)), on=list(ROW_KEY), how="left")


def cadence_frame(fact_pi_value: pd.DataFrame, dim_indicator: pd.DataFrame, dim_borough: pd.DataFrame) -> pd.DataFrame:
    """One row per current figure, with the cadence rules' findings on it."""
    current = current_figures(fact_pi_value, dim_indicator, dim_borough)
    return rule_findings(current, dim_indicator, RULES_JUDGED["cadence"])


def integrity_frame(
    fact_pi_value: pd.DataFrame, dim_indicator: pd.DataFrame, dim_borough: pd.DataFrame
) -> pd.DataFrame:
    """One row per current figure, with its value and the integrity rules' findings on it."""
    current = current_figures(fact_pi_value, dim_indicator, dim_borough)
    found = rule_findings(current, dim_indicator, RULES_JUDGED["integrity"])
    return found.assign(value=pd.to_numeric(current["value"]).astype("float64").to_numpy())


def rule_findings(current: pd.DataFrame, dim_indicator: pd.DataFrame, check_names: Iterable[str]) -> pd.DataFrame:
    """Each current figure's borough, PI and period, and per rule named what the rule's own function finds on it:
    its messages (joined by '; '), or None.

    A rule on one figure runs on each figure as the warehouse holds it (`Figure.as_loaded`); a rule across figures
    runs on them all (`current` as `current_figures` gives it), its findings matched to their figure by borough, PI
    and period.
    """
    found = current[list(ROW_KEY)].reset_index(drop=True)
    figures = None
    for check_name in check_names:
        if check_name in FIGURE_RULES:
            if figures is None:
                pis = {pi["pi_code"]: pi for pi in _records(dim_indicator)}
                figures = [Figure.as_loaded(fact, pis[fact["pi_code"]]) for fact in _records(current)]
            found[check_name] = [_joined(message for _, message in FIGURE_RULES[check_name](f)) for f in figures]
        else:
            findings = pd.DataFrame(finding_records(SERIES_RULES[check_name](current)), columns=[*ROW_KEY, "message"])
            messages = findings.groupby(list(ROW_KEY), sort=False)["message"].agg(_joined)
            found[check_name] = found.join(messages, on=list(ROW_KEY))["message"]
    return found.astype(object).where(found.notna(), None)


def _records(frame: pd.DataFrame) -> list[dict]:
    """The rows of `frame` as dicts, None where a cell is empty (as the parser's catalogue and figures have them)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _joined(messages: Iterable[str]) -> str | None:
    return "; ".join(messages) or None
