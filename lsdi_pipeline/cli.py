"""`lsdi`: run the whole pipeline, or regenerate the bundled synthetic data.

lsdi run      [--raw-dir DIR] [--warehouse-dir DIR] [--new-returns]
lsdi sample   [--output DIR] [--seed N]
lsdi sample   --authorities all|N [--years N] --output DIR [--seed N]
lsdi sample   --published [--years N] --output DIR
lsdi rules    > docs/data-quality-rules.md
lsdi bench    [--scales 15,50,153] [--years 3] [--repeat 3]
lsdi template --borough E09000003 --period 2007/08 --output barnet.xlsx
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

from lsdi_pipeline import environment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lsdi", description="London Datasets Initiative pipeline.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="Materialise every asset in one run and publish the warehouse.")
    run.add_argument("--raw-dir", help="raw input directory (default: $LSDI_RAW_DIR or data/raw)")
    run.add_argument("--warehouse-dir", help="warehouse directory (default: $LSDI_WAREHOUSE_DIR or data/warehouse)")
    run.add_argument(
        "--new-returns",
        action="store_true",
        help="only what newly arrived returns change, as the file-arrival sensor does: the Great Expectations "
        "suites and the templates are left to the next full run",
    )
    sample = commands.add_parser("sample", help="Write the deterministic synthetic mapping, pilot and return files.")
    sample.add_argument(
        "--output",
        default=None,
        help="raw directory holding boroughs.csv and dataset/ (default: $LSDI_RAW_DIR or data/raw)",
    )
    sample.add_argument("--seed", type=int, default=None, help="random seed (default: the bundled data's seed)")
    sample.add_argument(
        "--authorities",
        metavar="all|N",
        default=None,
        help="national shape: write a complete raw directory (boroughs.csv, dataset/, mapping/, pilot/, "
        "returns/) for all 153 English local authorities or the first N (DfE order: by region, then "
        "name), every one a pilot sending one workbook a year; needs --output",
    )
    sample.add_argument(
        "--published",
        action="store_true",
        help="a real example: a raw directory whose returns are the 32 boroughs' own DfE published figures "
        "for the PIs DfE publishes (L01, L02, L03, NI65), one CSV per borough and year, nothing "
        "invented; needs --output",
    )
    sample.add_argument(
        "--years",
        type=int,
        default=None,
        metavar="N",
        help="with --authorities: the N financial years ending with 2007/08 (default 1); with --published: "
        "the latest N years DfE publishes (default 5)",
    )
    bench = commands.add_parser(
        "bench",
        help="Time lsdi run from the bundled data to every English authority; "
        "writes JSON under the warehouse's reports/bench/.",
    )
    bench.add_argument(
        "--scales", default="15,50,153", help="authority counts of the generated data sets (default 15,50,153)"
    )
    bench.add_argument("--years", type=int, default=3, help="financial years per data set, ending 2007/08 (default 3)")
    bench.add_argument("--repeat", type=int, default=3, help="runs per figure; each figure is their median (default 3)")
    bench.add_argument(
        "--hostile",
        default=None,
        metavar="NAMES",
        help="hostile files to time beside the bundled returns, comma-separated (default: all of "
        "lsdi_pipeline/sample/hostile.py; '' for none)",
    )
    bench.add_argument(
        "--warehouse-dir",
        default=None,
        help="where reports/bench/ and the scratch folder bench/ go (default: $LSDI_WAREHOUSE_DIR or data/warehouse)",
    )
    commands.add_parser("rules", help="Print the data-quality rule list as Markdown (docs/data-quality-rules.md).")
    template = commands.add_parser(
        "template", help="Write an LSDI-R1 return template (.xlsx) for one borough and year."
    )
    template.add_argument("--borough", required=True, help="GSS code, legacy code or name (E09000003, 00AC, Barnet)")
    template.add_argument("--period", required=True, help="the financial year, e.g. 2007/08")
    template.add_argument(
        "--output",
        required=True,
        help="the .xlsx file to write, or a folder (an existing one, or a path ending in /, created if need be) to "
        "write <borough name>_<borough code>_LSDI-R1_<year>.xlsx in",
    )
    template.add_argument(
        "--raw-dir", help="where the catalogue and boroughs.csv are (default: $LSDI_RAW_DIR or data/raw)"
    )
    args = parser.parse_args(argv)
    if args.command == "run":
        return run_pipeline(args.raw_dir, args.warehouse_dir, args.new_returns)
    if args.command == "template":
        return write_template_file(Path(environment.raw_dir(args.raw_dir)), args.borough, args.period, args.output)
    if args.command == "bench":
        from lsdi_pipeline.bench import main as bench_main

        warehouse = environment.warehouse_dir(args.warehouse_dir)
        hostile = None if args.hostile is None else [name for name in args.hostile.split(",") if name]
        return bench_main(
            Path(warehouse), [int(n) for n in args.scales.split(",") if n], args.years, args.repeat, Path.cwd(), hostile
        )
    if args.command == "rules":
        from lsdi_pipeline.checks.rules import rule_page

        print(rule_page())
        return 0
    if args.authorities is not None and args.output is None:
        parser.error("sample --authorities needs --output DIR (it writes a whole raw directory, boroughs.csv included)")
    if args.published:
        if args.output is None or args.authorities is not None:
            parser.error("sample --published needs --output DIR, and no --authorities")
        return write_published_example(Path(args.output), 5 if args.years is None else args.years)
    if args.years is not None and args.authorities is None:
        parser.error("sample --years needs --authorities or --published")
    output = environment.raw_dir(args.output)
    return write_sample_data(Path(output), args.seed, args.authorities, args.years)


def write_sample_data(output: Path, seed: int | None, authorities: str | None = None, years: int | None = None) -> int:
    from lsdi_pipeline.sample.generator import SEED, write_sample

    if authorities is not None:
        from lsdi_pipeline.periods import financial_year
        from lsdi_pipeline.sample.national import write_national_sample

        started = time.perf_counter()
        try:
            counts = write_national_sample(
                output, authorities, 1 if years is None else years, SEED if seed is None else seed
            )
        except (ValueError, FileNotFoundError) as exc:
            print(f"lsdi sample: {exc}", file=sys.stderr)
            return 2
        first, last = financial_year(counts["first_year"]).label, financial_year(counts["last_year"]).label
        years_text = f"{counts['years']} years, {first}–{last}" if counts["years"] > 1 else f"1 year, {last}"
        print(
            f"wrote {counts['returns']} returns ({counts['authorities']} authorities × {years_text}), "
            f"{counts['mapping_responses']} mapping responses and {counts['pilot_boroughs']} pilot authorities "
            f"under {output} in {time.perf_counter() - started:.1f} s"
        )
        return 0
    counts = write_sample(output, SEED if seed is None else seed)
    print(
        f"wrote {counts['returns']} returns, {counts['mapping_responses']} mapping responses and "
        f"{counts['pilot_boroughs']} pilot boroughs under {output}"
    )
    return 0


def write_published_example(output: Path, years: int) -> int:
    from lsdi_pipeline.periods import financial_year
    from lsdi_pipeline.sample.published_returns import write_published_returns

    try:
        counts = write_published_returns(output, years)
    except (ValueError, FileNotFoundError) as exc:
        print(f"lsdi sample: {exc}", file=sys.stderr)
        return 2
    print(
        f"wrote {counts['returns']} CSV returns of DfE published figures ({counts['boroughs']} boroughs × "
        f"{counts['years']} years, {financial_year(counts['first_year']).label}–"
        f"{financial_year(counts['last_year']).label}) under {output}; "
        f"build it with: lsdi run --raw-dir {output} --warehouse-dir DIR"
    )
    return 0


def write_template_file(raw_dir: Path, borough: str, period: str, output: str) -> int:
    """`lsdi template`: `output` is the workbook to write, or a folder to write it in under its standard name. Every
    failure is one line on stderr and exit code 2."""
    try:
        path, name, year = _write_template_file(raw_dir, borough, period, output)
    except _TemplateError as exc:
        print(f"lsdi template: {exc}", file=sys.stderr)
        return 2
    print(f"wrote the {year} LSDI-R1 template for {name} to {path}")
    return 0


class _TemplateError(Exception):
    """Why `lsdi template` could not write the template, as the one line it prints."""


def _write_template_file(raw_dir: Path, borough: str, period: str, output: str) -> tuple[Path, str, str]:
    import pandas as pd

    from lsdi_pipeline import reference
    from lsdi_pipeline.periods import read_period
    from lsdi_pipeline.templates.workbook import template_file_name, write_template

    if not (raw_dir / "boroughs.csv").is_file():
        raise _TemplateError(
            f"no raw data in '{raw_dir}' (boroughs.csv not found): run from the project folder, or set LSDI_RAW_DIR / "
            "--raw-dir"
        )
    year = read_period(period, "annual").period
    if year is None or year.period_type != "year":
        raise _TemplateError(f"'{period}' is not a financial year such as 2007/08")
    try:
        boroughs = reference.read_boroughs(raw_dir, pd.DataFrame({"borough_code": []}))
        register = reference.AuthorityRegister.from_frame(boroughs)
        code = register.by_code_text(borough) or register.by_name_text(borough)
        if code is None:
            raise _TemplateError(f"'{borough}' is not an authority in {raw_dir / 'boroughs.csv'}")
        clusters = reference.read_clusters(raw_dir)
        indicators = reference.read_indicators(raw_dir, clusters)
    except (OSError, ValueError, KeyError) as exc:
        raise _TemplateError(
            f"cannot read the PI catalogue and authorities in '{raw_dir}' ({_read_failure(exc)}): point LSDI_RAW_DIR / "
            "--raw-dir at a complete raw data folder"
        ) from None
    row = boroughs.set_index("borough_code").loc[code]
    name = str(row["borough_name"])
    path = _template_path(output, template_file_name(code, name, year.start.year))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_template(path, {"borough_code": code, **row.to_dict()}, year.start.year, indicators, clusters)
    except OSError as exc:
        raise _TemplateError(
            f"cannot write '{output}' ({exc.strerror or exc}): give an --output in a folder you can write"
        ) from None
    return path, name, year.label


def _read_failure(exc: BaseException) -> str:
    """What was wrong with the raw data folder, in a few words."""
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}: {Path(exc.filename).name}" if exc.filename else str(exc.strerror or exc)
    if isinstance(exc, KeyError):
        return f"a file has no column {exc.args[0]!r}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _template_path(output: str, standard_name: str) -> Path:
    """`output` itself, or `standard_name` in it when it names a folder: an existing one, or one to create when it
    ends with a separator. A file must be an .xlsx workbook (Excel opens nothing else by its name)."""
    path = Path(output)
    in_a_file = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if in_a_file is not None:
        raise _TemplateError(f"cannot write '{output}': '{in_a_file}' is a file, not a folder")
    if output.endswith((os.sep, "/")) or path.is_dir():
        if path.exists() and not path.is_dir():
            raise _TemplateError(f"cannot write in '{output}': it is a file, not a folder")
        return path / standard_name
    if path.suffix.lower() != ".xlsx":
        raise _TemplateError(
            f"--output '{output}' is neither a .xlsx file nor a folder: name the workbook (barnet.xlsx) or a folder "
            "ending in / to write it in under its standard name"
        )
    return path


def run_pipeline(
    raw_dir: str | None,
    warehouse_dir: str | None,
    new_returns: bool = False,
    only: tuple[str, ...] | None = None,
    instance=None,
) -> int:
    """`lsdi run`: the whole job, the job for new returns, or `only` the named assets of the whole job; recorded in
    `instance` (a `dagster.DagsterInstance`), by default the one `resources.run_instance` opens."""
    started = time.perf_counter()
    import dagster as dg

    from lsdi_pipeline import progress
    from lsdi_pipeline.assets import stage_of_steps
    from lsdi_pipeline.definitions import build_defs
    from lsdi_pipeline.jobs import job_for_new_returns, lsdi_job
    from lsdi_pipeline.resources import LsdiPaths, run_instance

    paths = LsdiPaths.from_env(raw_dir, warehouse_dir)
    defs = build_defs(paths)
    if not (paths.raw / "boroughs.csv").exists():
        print(
            f"lsdi run: no raw data in '{paths.raw_dir}' (boroughs.csv not found): run from the project folder, "
            "or set LSDI_RAW_DIR / --raw-dir",
            file=sys.stderr,
        )
        return 2
    home = environment.dagster_home()
    if home is not None and not Path(home).is_dir():
        print(
            f"lsdi run: DAGSTER_HOME '{home}' is not a directory: Dagster records runs there; create it, or unset "
            "DAGSTER_HOME to record the run in the project's dagster_home/ (or in a temporary instance)",
            file=sys.stderr,
        )
        return 2
    cannot_write = _cannot_write(paths.warehouse)
    if cannot_write:
        print(
            f"lsdi run: cannot write to the warehouse directory '{paths.warehouse_dir}' ({cannot_write}): make it a "
            "directory you can write, or choose another with LSDI_WAREHOUSE_DIR / --warehouse-dir",
            file=sys.stderr,
        )
        return 2
    job = defs.resolve_job_def((job_for_new_returns(paths) if new_returns else lsdi_job).name)
    print(f"lsdi run: {paths.raw_dir} → {paths.warehouse_dir} ({job.name})", file=sys.stderr)
    progress.set_stages(stage_of_steps())
    result = job.execute_in_process(
        instance=instance or run_instance(),
        raise_on_error=False,
        asset_selection=[dg.AssetKey(name) for name in only] if only else None,
        run_config={
            "loggers": {"console": {"config": {"log_level": "CRITICAL"}}, "progress": {"config": {"enabled": True}}}
        },
    )
    elapsed = time.perf_counter() - started
    if not result.success:
        errors = _errors(result)
        print(f"\nlsdi run failed after {elapsed:.1f} s {_what_failed(result, errors)}", file=sys.stderr)
        for i, (where, error) in enumerate(errors.items()):
            print(f"  {where}: {error.to_string() if i == 0 else error.message.strip()}", file=sys.stderr)
        return 1
    print(f"\nDone in {elapsed:.1f} s.")
    if not only or "run_summary" in only:
        print(result.output_for_node("run_summary"))
    return 0


def _cannot_write(directory: Path) -> str | None:
    """Why a run could not create or write in the warehouse directory (it takes a lock and writes files there), or
    None."""
    import tempfile

    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            return None
    except OSError as exc:
        return exc.strerror or str(exc)


def _errors(result) -> dict:
    """Failed step → its error; when no step failed (a resource could not start), "run" → the run's error."""
    errors = {event.step_key: event.event_specific_data.error for event in result.all_events if event.is_step_failure}
    if not errors:
        run_errors = [e.event_specific_data.error for e in result.all_events if e.is_run_failure]
        run_errors = [error for error in run_errors if error is not None]
        if run_errors:
            errors["run"] = run_errors[-1]
    return errors


def _what_failed(result, errors: dict) -> str:
    """Where the run failed and whether it published the warehouse, read from the run's events: a step after
    `lsdi_warehouse` can fail once the new warehouse is published."""
    steps = [where for where in errors if where != "run"]
    plural = len(steps) > 1
    where = f"in step{'s' if plural else ''} {', '.join(steps)}" if steps else "outside any step"
    if any(event.is_step_success and event.step_key == "lsdi_warehouse" for event in result.all_events):
        return (
            f"{where}; the warehouse WAS published in this run (lsdi_warehouse succeeded), but what the failed "
            f"step{'s write' if plural else ' writes'} was not brought up to date."
        )
    return f"{where}; the warehouse was not published in this run: the published warehouse was left as it was."


def console() -> None:
    """The `lsdi` command; `main` itself leaves the collector alone for callers in a long-lived process."""
    exit_quickly(main())


def exit_quickly(code: int) -> None:
    """Exit a command's process. Freezing the collector first lets the interpreter exit without walking every object a
    run left behind, which took about 0.9 s of each `lsdi run`."""
    sys.stdout.flush()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    console()
