"""Reports stage: what the run produced, for people."""

import contextlib
from collections.abc import Iterable

import dagster as dg

from lsdi_pipeline.assets.metadata import REBUILT_NIGHTLY
from lsdi_pipeline.resources import LsdiPaths, Phase2Rules
from lsdi_pipeline.summary import warehouse_summary
from lsdi_pipeline.warehouse.schema import TABLES
from lsdi_pipeline.warehouse.store import WAREHOUSE_FILE, Unreadable, open_readonly


@dg.asset(group_name="reports", deps=["lsdi_warehouse"])
def run_summary(paths: LsdiPaths) -> dg.Output:
    """The run's summary — submissions by outcome, findings by category, missing pilot returns — written to
    reports/run_summary.md."""
    with reading_published():
        text = warehouse_summary(paths.warehouse / WAREHOUSE_FILE)
    paths.reports.mkdir(parents=True, exist_ok=True)
    path = paths.reports / "run_summary.md"
    markdown = "# lsdi_pipeline run summary\n\n" + "\n".join(f"- {line}" for line in text.splitlines()) + "\n"
    path.write_text(markdown, encoding="utf-8")
    return dg.Output(
        text,
        metadata={
            "summary_markdown": dg.MetadataValue.md(markdown),
            "path": dg.MetadataValue.path(str(path.resolve())),
            "summary": text.splitlines()[0],
        },
    )


@dg.asset(group_name="reports", deps=["lsdi_warehouse"])
def phase1_report(paths: LsdiPaths) -> dg.MaterializeResult:
    """The Phase I report (reports/phase1_report.html): one self-contained page with interactive charts, read from
    the published warehouse."""
    import datetime as dt

    from lsdi_pipeline.reports.phase1 import render_phase1_report

    html, markdown = render_phase1_report(published_tables(paths), dt.datetime.now(dt.UTC))
    paths.reports.mkdir(parents=True, exist_ok=True)
    path = paths.reports / "phase1_report.html"
    temporary = path.with_suffix(".html.tmp")
    temporary.write_text(html, encoding="utf-8")
    temporary.replace(path)
    return dg.MaterializeResult(
        metadata={
            "summary_markdown": dg.MetadataValue.md(markdown),
            "path": dg.MetadataValue.path(str(path.resolve())),
            "size_bytes": len(html.encode()),
            "summary": f"written to {path}",
        }
    )


@dg.asset(group_name="reports", deps=["lsdi_warehouse"])
def borough_feedback(
    context: dg.AssetExecutionContext, phase2_rules: Phase2Rules, paths: LsdiPaths
) -> dg.MaterializeResult:
    """Feedback for every file received (reports/feedback/<borough_code>/: HTML, filterable .xlsx and CSV), with the
    next steps of the raw folder's feedback.toml, and the data team's summary page, which flags the pilots needing
    support by the run's Phase II rules (phase2_rules)."""
    phase2_rules.check_run(context)
    import datetime as dt

    from lsdi_pipeline.reports.feedback import write_feedback
    from lsdi_pipeline.reports.feedback.next_steps import CONFIG_FILE, NextStepsError, read_next_steps

    try:
        steps = read_next_steps(paths.raw)
    except NextStepsError as exc:
        raise dg.Failure(description=f"the feedback's next steps cannot be read: {exc}") from exc

    tables = published_tables(
        paths,
        (
            "submission",
            "dq_issue",
            "dim_borough",
            "pilot_borough",
            "availability_matrix",
            "fact_pi_value",
            "fact_feasibility",
            "fact_narrative",
        ),
    )
    counts = write_feedback(
        paths.reports,
        **tables,
        support_below_pct=phase2_rules.support_boroughs_below_availability_pct,
        generated_at=dt.datetime.now(dt.UTC),
        steps=steps,
    )
    index = paths.reports / "feedback" / "index.html"
    return dg.MaterializeResult(
        metadata={
            **counts,
            "next_steps": f"from {CONFIG_FILE}" if steps else f"none: no {CONFIG_FILE} in the raw data folder",
            "summary_page": dg.MetadataValue.path(str(index.resolve())),
            "summary": f"feedback for {counts['submissions']} file(s) from {counts['boroughs']} borough folder(s)",
        }
    )


@dg.asset(group_name="reports", tags=REBUILT_NIGHTLY)
def return_templates(
    paths: LsdiPaths, pilot_borough, dim_borough, dim_indicator, dim_cluster, submission
) -> dg.MaterializeResult:
    """An LSDI-R1 return template for every pilot borough, ready to send (reports/templates/, named as
    `lsdi template` names it: Barnet_E09000003_LSDI-R1_2007-08.xlsx)."""
    import pandas as pd

    from lsdi_pipeline.fingerprint import digest, read_digests, write_digests
    from lsdi_pipeline.periods import financial_year, year_due_on
    from lsdi_pipeline.returns.years import return_year
    from lsdi_pipeline.templates.workbook import template_file_name, write_templates

    year = return_year(submission)
    if year is None and pilot_borough["return_due_on"].notna().any():
        year = year_due_on(pd.Timestamp(pilot_borough["return_due_on"].min()).date()).start.year
    if year is None:
        return dg.MaterializeResult(
            metadata={
                "templates": 0,
                "summary": "no templates: no return names its year and no pilot return has a due date",
            }
        )
    label = financial_year(year).label
    folder = paths.reports / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    boroughs = dim_borough.set_index("borough_code")
    before = read_digests(folder)
    digests, to_write = {}, []
    catalogue = digest(year, dim_indicator, dim_cluster)  # what every template lists: hashed once, not per borough
    for code in pilot_borough["borough_code"]:
        borough = {"borough_code": code, **boroughs.loc[code].to_dict()}
        path = folder / template_file_name(code, str(borough["borough_name"]), year)
        digests[path.name] = digest(borough, catalogue)
        if before.get(path.name) != digests[path.name] or not path.exists():
            to_write.append((path, borough))  # an unchanged template, which a borough may already have, stays as it is
    written = len(write_templates(to_write, year, dim_indicator, dim_cluster))
    write_digests(folder, {**before, **digests})
    return dg.MaterializeResult(
        metadata={
            "templates": len(digests),
            "written": written,
            "year": label,
            "folder": dg.MetadataValue.path(str(folder.resolve())),
            "summary": f"{len(digests)} templates for {label} in {folder} ({written} written)",
        }
    )


def published_tables(paths: LsdiPaths, names: Iterable[str] = TABLES) -> dict:
    """Tables of the published warehouse (all of them unless `names` says which), read read-only: what the reports
    show is what analysts see."""
    with reading_published(), open_readonly(paths.warehouse / WAREHOUSE_FILE) as con:
        return {name: con.execute(f"SELECT * FROM {name}").df() for name in names}


@contextlib.contextmanager
def reading_published():
    """A report reads the file its run just published; if that cannot be read (the report materialised on its own over a
    damaged file, or a read-write session took the new file), the step fails saying so, not with DuckDB's traceback."""
    import duckdb

    try:
        yield
    except (Unreadable, duckdb.Error) as exc:
        raise dg.Failure(
            description=f"the published warehouse {WAREHOUSE_FILE} could not be read ({exc}): run `lsdi run` to "
            "publish a fresh one, and connect to it read-only"
        ) from exc
