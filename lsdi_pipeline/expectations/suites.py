"""The business expectations on availability, cadence and integrity, run with Great Expectations.

Each family is an already-aggregated frame (one row per borough × PI × period) validated by
one GX expectation suite; every expectation names the project rule it stands for in
`meta["check_name"]`. A rule with a row-level implementation (`checks/`) is not written again
here: its family carries, per row, what the rule's own function finds (`RULES_JUDGED`, filled by
`families`) and the expectation asserts that it finds nothing. GX itself expresses only what no
row-level rule does: periods no return gave, the availability targets per PI and per borough,
and the grid's uniqueness. The result is one row per expectation, with a sample of the failing
rows located by borough, PI and period, and, on request, GX Data Docs as the human-readable
record of the run.

GX is imported inside the functions: the import alone costs ~2 s, and importing this module
must not pay it (a cold `dagster definitions validate` stays fast).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsdi_pipeline.checks.rules.availability import AVAILABILITY_TARGET

if TYPE_CHECKING:  # imported where it is used: the Dagster definitions read EXPECTATIONS without pandas
    import pandas as pd

#: the columns that locate a row in every family: the caller finds a finding by these
ROW_KEY: tuple[str, ...] = ("borough_code", "pi_code", "period")
#: how many failing rows an outcome carries as its sample
SAMPLE_SIZE = 10

#: the row-level rules each family measures: the family has a column per rule, named by it, holding what the rule's
#: own function finds on the row (see `families`), so GX records the rule without implementing it again
RULES_JUDGED: dict[str, tuple[str, ...]] = {
    "availability": ("pi_not_provided",),
    "cadence": ("cadence_mismatch", "frequency_contradicts_period", "basis_mixed"),
    "integrity": (
        "numerator_exceeds_denominator",
        "percent_out_of_range",
        "count_invalid",
        "value_out_of_range",
        "value_inconsistent",
        "outlier",
    ),
}
#: the columns each family must have
FAMILY_COLUMNS: dict[str, tuple[str, ...]] = {
    "availability": (*ROW_KEY, "status", *RULES_JUDGED["availability"]),
    "cadence": (*ROW_KEY, *RULES_JUDGED["cadence"]),
    "integrity": (*ROW_KEY, "value", *RULES_JUDGED["integrity"]),
}

#: statuses of a figure that a return gave at all ("missing": no row in any return)
PRESENT_STATUSES = ("provided", "not_provided", "suppressed")

DATA_DOCS_SITE = "lsdi_checks"
OUTCOME_COLUMNS = [
    "suite",
    "expectation",
    "check_name",
    "column",
    "success",
    "element_count",
    "unexpected_count",
    "unexpected_percent",
    "unexpected_sample",
    "boroughs_failed",
]


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation of a suite, as data: GX builds it only when the suite is run.

    `where` restricts it to rows whose column equals a value, or (with "!=") differs from it.
    """

    suite: str
    check_name: str
    column: str | None
    expectation: str  # the GX class, e.g. "ExpectColumnValuesToBeInSet"
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    where: tuple[str, str, str] | None = None  # (column, "==" or "!=", value)


def _finds_nothing(suite: str, check_name: str, where: tuple[str, str, str] | None = None) -> ExpectationSpec:
    """The rule finds nothing on any row judged: its column, filled by the rule's own function, is empty."""
    return ExpectationSpec(suite, check_name, check_name, "ExpectColumnValuesToBeNull", {"column": check_name}, where)


EXPECTATIONS: tuple[ExpectationSpec, ...] = (
    # availability: one row per pilot borough × phase-1 PI × expected period; a period no return gave has no
    # row-level rule (pi_missing_from_return and series_gap find it by return and by series), so it is measured here
    ExpectationSpec(
        "availability",
        "period_missing",
        "status",
        "ExpectColumnValuesToBeInSet",
        {"column": "status", "value_set": list(PRESENT_STATUSES)},
    ),
    # measured over the figures a return gave: a missing one is period_missing's finding
    _finds_nothing("availability", "pi_not_provided", where=("status", "!=", "missing")),
    ExpectationSpec(
        "availability", "availability_grid", None, "ExpectCompoundColumnsToBeUnique", {"column_list": list(ROW_KEY)}
    ),
    # availability per PI and per borough: the share of expected figures provided, against the target
    ExpectationSpec(
        "availability_by_pi",
        "period_missing",
        "availability_pct",
        "ExpectColumnValuesToBeBetween",
        {"column": "availability_pct", "min_value": AVAILABILITY_TARGET, "max_value": 100},
    ),
    ExpectationSpec(
        "availability_by_borough",
        "period_missing",
        "availability_pct",
        "ExpectColumnValuesToBeBetween",
        {"column": "availability_pct", "min_value": AVAILABILITY_TARGET, "max_value": 100},
    ),
    # cadence and integrity: one row per current figure
    *(_finds_nothing("cadence", check_name) for check_name in RULES_JUDGED["cadence"]),
    *(_finds_nothing("integrity", check_name) for check_name in RULES_JUDGED["integrity"]),
)

SUITES: tuple[str, ...] = ("availability", "availability_by_pi", "availability_by_borough", "cadence", "integrity")
#: the families, in the order they are validated, and the suites each is validated by
FAMILIES: tuple[str, ...] = ("availability", "cadence", "integrity")
_SUITES_OF = {
    "availability": ("availability", "availability_by_pi", "availability_by_borough"),
    "cadence": ("cadence",),
    "integrity": ("integrity",),
}
#: the columns each family's failing rows are located by (GX adds the columns under test)
_SAMPLE_COLUMNS = {
    "availability": list(ROW_KEY),
    "availability_by_pi": ["pi_code"],
    "availability_by_borough": ["borough_code"],
    "cadence": list(ROW_KEY),
    "integrity": [*ROW_KEY, "value"],
}


@dataclass(frozen=True)
class ExpectationOutcome:
    suite: str
    expectation: str  # GX's expectation type, e.g. "expect_column_values_to_be_in_set"
    check_name: str
    column: str | None
    success: bool
    element_count: int
    unexpected_count: int
    unexpected_percent: float  # of the rows the expectation looked at (nulls it skips excluded)
    #: up to SAMPLE_SIZE failing rows: borough_code, pi_code, period and the column under test (a rule's finding)
    unexpected_sample: list = field(default_factory=list)
    #: every borough with a failing row, not only the sample's (empty when the rows are PIs)
    boroughs_failed: list = field(default_factory=list)


def run_expectations(
    availability: pd.DataFrame, cadence: pd.DataFrame, integrity: pd.DataFrame, data_docs_dir: Path | None = None
) -> pd.DataFrame:
    """Validate the three families; one row per expectation, the sample as JSON text.

    With `data_docs_dir`, GX Data Docs for the three validations are built there
    (`index.html` and a page per suite); GX removes the validation pages of earlier runs in that folder.
    """
    outcomes = expectation_outcomes(zip(FAMILIES, (availability, cadence, integrity), strict=True), data_docs_dir)
    return outcome_table(outcomes)


def outcome_table(outcomes: list[ExpectationOutcome]) -> pd.DataFrame:
    import pandas as pd

    rows = [
        {
            **asdict(o),
            "unexpected_sample": json.dumps(o.unexpected_sample),
            "boroughs_failed": ", ".join(o.boroughs_failed) or None,
        }
        for o in outcomes
    ]
    return pd.DataFrame(rows, columns=OUTCOME_COLUMNS)


def expectation_outcomes(
    families: Iterable[tuple[str, pd.DataFrame]], data_docs_dir: Path | None = None
) -> list[ExpectationOutcome]:
    """Validate the families ((family, frame) in the order of FAMILIES) with one ephemeral GX context, in this
    process; one outcome per expectation."""
    validation = Validation()
    validation.begin(data_docs_dir)
    for family, frame in families:
        validation.validate(family, frame)
    return validation.finish()


class Validation:
    """One validation of the suites in one ephemeral GX context, family by family, then its Data Docs.

    Made before the families are known: the context, a pandas data source, suite and validation definition per
    suite (a worker makes one while it waits for the frames). `begin` starts the run, `validate` runs the suites of
    one family as soon as it is built, and `finish` gives the outcomes in the order of EXPECTATIONS and writes the
    Data Docs.
    """

    def __init__(self) -> None:
        os.environ["GX_ANALYTICS_ENABLED"] = "false"  # 1.24 sends nothing anyway
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._context = gx.get_context(mode="ephemeral")
        self._context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self._definitions = {}
        for suite_name in SUITES:
            specs = [spec for spec in EXPECTATIONS if spec.suite == suite_name]
            asset = self._context.data_sources.add_pandas(suite_name).add_dataframe_asset(suite_name)
            batch_definition = asset.add_batch_definition_whole_dataframe(suite_name)
            suite = self._context.suites.add(gx.ExpectationSuite(name=suite_name))
            expectation_ids = [suite.add_expectation(_build_expectation(spec)).id for spec in specs]
            definition = self._context.validation_definitions.add(
                gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
            )
            self._definitions[suite_name] = (definition, specs, expectation_ids)
        self._outcomes: dict[str, list[ExpectationOutcome]] = {}
        self._run_id = None
        self._data_docs_dir: Path | None = None

    def begin(self, data_docs_dir: Path | None = None) -> None:
        import pandas as pd
        from great_expectations.core.run_identifier import RunIdentifier

        if self._run_id is not None:
            raise RuntimeError("a Validation runs once: make another")
        if data_docs_dir is not None:
            self._data_docs_dir = Path(data_docs_dir)
            _add_data_docs_site(self._context, self._data_docs_dir)
        self._run_id = RunIdentifier(run_name=DATA_DOCS_SITE, run_time=pd.Timestamp.now(tz="UTC").to_pydatetime())

    def validate(self, family: str, frame: pd.DataFrame) -> None:
        """Run the suites of `family` (availability: also its shares per PI and per borough) on its frame."""
        if self._run_id is None:
            raise RuntimeError("begin the validation first")
        if family == "availability":
            grid = _family_frame(frame, family)
            frames = {
                "availability": grid,
                "availability_by_pi": _availability_by(grid, "pi_code"),
                "availability_by_borough": _availability_by(grid, "borough_code"),
            }
        elif family == "integrity":
            frames = {family: _family_frame(frame, family).astype({"value": "float64"})}
        else:
            frames = {family: _family_frame(frame, family)}
        for suite_name in _SUITES_OF[family]:
            definition, specs, expectation_ids = self._definitions[suite_name]
            result = definition.run(
                batch_parameters={"dataframe": frames[suite_name]},
                result_format={
                    # COMPLETE: every failing row's index columns, so the outcome names every failing borough
                    "result_format": "COMPLETE",
                    "partial_unexpected_count": SAMPLE_SIZE,
                    "unexpected_index_column_names": _SAMPLE_COLUMNS[suite_name],
                },
                run_id=self._run_id,
            )
            # GX orders results its own way: put them back in the order of EXPECTATIONS. Read as GX returns them,
            # not through `to_json_dict` (a deep copy of every failing row's index, as costly as storing the result)
            results_by_id = {r.expectation_config.id: r for r in result.results}
            self._outcomes[suite_name] = [
                _outcome(spec, results_by_id[i]) for spec, i in zip(specs, expectation_ids, strict=True)
            ]

    def finish(self) -> list[ExpectationOutcome]:
        """The outcomes of every suite, and the Data Docs of the run when it has a folder for them."""
        missing = [suite_name for suite_name in SUITES if suite_name not in self._outcomes]
        if missing:
            raise RuntimeError(f"suites not validated: {', '.join(missing)}")
        outcomes = [outcome for suite_name in SUITES for outcome in self._outcomes[suite_name]]
        if self._data_docs_dir is not None:
            from lsdi_pipeline.expectations.data_docs import make_offline

            # not GX's index: make_offline writes the site's own in its place
            self._context.build_data_docs(site_names=[DATA_DOCS_SITE], build_index=False)
            make_offline(self._data_docs_dir, outcomes, self._run_id.run_time)  # GX's pages load scripts from CDNs
        return outcomes


def _family_frame(frame: pd.DataFrame, family: str) -> pd.DataFrame:
    """The frame with every column the suite reads, on a fresh index (GX locates rows by it)."""
    missing = [c for c in FAMILY_COLUMNS[family] if c not in frame.columns]
    if missing and len(frame):
        raise ValueError(f"the {family} frame has no column {', '.join(missing)}")
    return frame.reindex(columns=[*frame.columns, *missing]).reset_index(drop=True)


def _availability_by(grid: pd.DataFrame, key: str) -> pd.DataFrame:
    """The share of expected figures provided, per PI or per borough (GX has no group-by)."""
    import pandas as pd

    provided = grid.assign(provided=grid["status"] == "provided").groupby(key)["provided"]
    return pd.DataFrame(
        {
            key: provided.mean().index,
            "availability_pct": (provided.mean() * 100).round(1).to_numpy(),
            "expected": provided.size().to_numpy(),
        }
    )


def _build_expectation(spec: ExpectationSpec):
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    kwargs = dict(spec.kwargs)
    if spec.where is not None:
        column, operator, value = spec.where
        kwargs["row_condition"] = Column(column) == value if operator == "==" else Column(column) != value
    # the notes show in Data Docs; meta carries the rule for code reading the results
    return getattr(gxe, spec.expectation)(
        **kwargs, meta={"check_name": spec.check_name}, notes=f"LSDI rule: {spec.check_name}"
    )


def _outcome(spec: ExpectationSpec, result) -> ExpectationOutcome:
    """The outcome of one expectation from GX's `ExpectationValidationResult` (numbers as numpy may give them)."""
    if result.exception_info.get("raised_exception"):
        raise RuntimeError(
            f"GX could not evaluate {spec.check_name} on {spec.suite}: {result.exception_info['exception_message']}"
        )
    summary = result.result
    return ExpectationOutcome(
        suite=spec.suite,
        expectation=result.expectation_config.type,
        check_name=spec.check_name,
        column=spec.column,
        success=bool(result.success),
        element_count=int(summary.get("element_count") or 0),
        unexpected_count=int(summary.get("unexpected_count") or 0),
        unexpected_percent=float(summary.get("unexpected_percent") or 0.0),
        unexpected_sample=[
            {k: _plain(v) for k, v in row.items()} for row in summary.get("partial_unexpected_index_list") or []
        ][:SAMPLE_SIZE],
        boroughs_failed=sorted(
            {str(row["borough_code"]) for row in summary.get("unexpected_index_list") or [] if row.get("borough_code")}
        ),
    )


def _plain(value: Any) -> Any:
    """A JSON value: numpy scalars as Python numbers, NaN as null."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _add_data_docs_site(context, data_docs_dir: Path) -> None:
    # the ephemeral context's own site points at a deleted temporary folder
    if "local_site" in (context.variables.data_docs_sites or {}):
        context.delete_data_docs_site("local_site")
    context.add_data_docs_site(
        DATA_DOCS_SITE,
        {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(data_docs_dir.resolve()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
