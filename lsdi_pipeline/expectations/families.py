"""The frames the business expectations validate, one row per thing judged (GX has no group-by): the availability
grid, and every current figure for cadence and for integrity.

A rule is not written again for GX: each frame has a column per rule its suite measures (`suites.RULES_JUDGED`),
holding what the rule's own function (`checks.figures`, `checks.series`) finds on that row — its messages, None
when it finds nothing — and the suite expects the column to be empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pandas as pd

from lsdi_pipeline.analysis.availability import availability_grid
from lsdi_pipeline.checks.figures import FIGURE_RULES, Figure
from lsdi_pipeline.checks.findings import finding_records
from lsdi_pipeline.checks.series import SERIES_RULES, current_figures
from lsdi_pipeline.expectations.suites import ROW_KEY, RULES_JUDGED

#: the columns of a current figure that `Figure.as_loaded` reads, and its PI (`raw_*` may be absent)
LOADED_COLUMNS = (
    "pi_code",
    "period",
    "period_type",
    "period_start",
    "period_end",
    "value",
    "value_status",
    "numerator",
    "denominator",
    "reported_frequency",
    "raw_value",
    "raw_period",
    "raw_numerator",
    "raw_denominator",
)


def availability_frame(
    fact_pi_value: pd.DataFrame, submission: pd.DataFrame, pilot_borough: pd.DataFrame, dim_indicator: pd.DataFrame
) -> pd.DataFrame:
    """The availability grid (one row per pilot borough × phase-1 PI × expected period, with its status), and the
    availability rules' findings on the figure a return gave for it."""
    found = rule_findings(fact_pi_value.loc[fact_pi_value["is_current"]], dim_indicator, RULES_JUDGED["availability"])
    return _availability(availability_grid(fact_pi_value, submission, pilot_borough, dim_indicator), found)


def cadence_frame(fact_pi_value: pd.DataFrame, dim_indicator: pd.DataFrame, dim_borough: pd.DataFrame) -> pd.DataFrame:
    """One row per current figure, with the cadence rules' findings on it."""
    current = current_figures(fact_pi_value, dim_indicator, dim_borough)
    return rule_findings(current, dim_indicator, RULES_JUDGED["cadence"])


def integrity_frame(
    fact_pi_value: pd.DataFrame, dim_indicator: pd.DataFrame, dim_borough: pd.DataFrame
) -> pd.DataFrame:
    """One row per current figure, with its value and the integrity rules' findings on it."""
    current = current_figures(fact_pi_value, dim_indicator, dim_borough)
    return _integrity(rule_findings(current, dim_indicator, RULES_JUDGED["integrity"]), current)


def expectation_families(
    fact_pi_value: pd.DataFrame,
    submission: pd.DataFrame,
    pilot_borough: pd.DataFrame,
    dim_indicator: pd.DataFrame,
    dim_borough: pd.DataFrame,
) -> Iterator[tuple[str, pd.DataFrame]]:
    """(family, frame) for availability, cadence and integrity, the frames as `availability_frame`, `cadence_frame`
    and `integrity_frame` give them, with each current figure made once for the three. Each is given as soon as it is
    built, so that it can be validated while the next is."""
    current = current_figures(fact_pi_value, dim_indicator, dim_borough)
    figures = loaded_figures(current, dim_indicator)
    grid = availability_grid(fact_pi_value, submission, pilot_borough, dim_indicator)
    yield (
        "availability",
        _availability(grid, rule_findings(current, dim_indicator, RULES_JUDGED["availability"], figures)),
    )
    yield "cadence", rule_findings(current, dim_indicator, RULES_JUDGED["cadence"], figures)
    yield "integrity", _integrity(rule_findings(current, dim_indicator, RULES_JUDGED["integrity"], figures), current)


def _availability(grid: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    # two current figures for one key are the grid's own finding (its rows are not unique): each row takes the first's
    return grid.merge(found.drop_duplicates(list(ROW_KEY)), on=list(ROW_KEY), how="left")


def _integrity(found: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    return found.assign(value=pd.to_numeric(current["value"]).astype("float64").to_numpy())


def rule_findings(
    current: pd.DataFrame, dim_indicator: pd.DataFrame, check_names: Iterable[str], figures: list[Figure] | None = None
) -> pd.DataFrame:
    """Each current figure's borough, PI and period, and per rule named what the rule's own function finds on it:
    its messages (joined by '; '), or None.

    A rule on one figure runs on each figure as the warehouse holds it (`figures`, made by `loaded_figures` unless
    given); a rule across figures runs on them all (`current` as `current_figures` gives it), its findings matched to
    their figure by borough, PI and period.
    """
    found = current[list(ROW_KEY)].reset_index(drop=True)
    for check_name in check_names:
        if check_name in FIGURE_RULES:
            if figures is None:
                figures = loaded_figures(current, dim_indicator)
            rule = FIGURE_RULES[check_name]
            found[check_name] = [_joined([message for _, message in rule(f)]) for f in figures]
        else:
            findings = pd.DataFrame(finding_records(SERIES_RULES[check_name](current)), columns=[*ROW_KEY, "message"])
            messages = findings.groupby(list(ROW_KEY), sort=False)["message"].agg(_joined)
            found[check_name] = found.join(messages, on=list(ROW_KEY))["message"]
    return found.astype(object).where(found.notna(), None)


def loaded_figures(current: pd.DataFrame, dim_indicator: pd.DataFrame) -> list[Figure]:
    """Each current figure as the warehouse holds it (`Figure.as_loaded`), with its catalogue entry."""
    pis = {pi["pi_code"]: pi for pi in _records(dim_indicator)}
    loaded = current[[c for c in LOADED_COLUMNS if c in current.columns]]
    return [Figure.as_loaded(fact, pis[fact["pi_code"]]) for fact in _records(loaded)]


def _records(frame: pd.DataFrame) -> list[dict]:
    """The rows of `frame` as dicts, None where a cell is empty (as the parser's catalogue and figures have them)."""
    cells = frame.astype(object).where(frame.notna(), None)
    # as `to_dict("records")` gives them, without boxing again each cell `astype(object)` made a Python object
    columns = list(cells.columns)
    return [dict(zip(columns, row)) for row in zip(*(cells[c].to_numpy() for c in columns))]


def _joined(messages: Iterable[str]) -> str | None:
    return "; ".join(messages) or None
