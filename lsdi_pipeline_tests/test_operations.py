"""Running the pipeline for real: re-runs, history, broken files, failures and publishing."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from lsdi_pipeline.sample.generator import write_sample
from lsdi_pipeline.warehouse.store import BACKUP_FILE, STAGING_PREFIX, WAREHOUSE_FILE
from lsdi_pipeline_tests.pipeline import BUNDLED_RAW, copy_bundled_raw, materialize_all, project_instance, query, table

CONTENT_TABLES = ("submission", "fact_pi_value", "fact_feasibility", "fact_narrative", "rejected_row", "dq_issue")


@pytest.fixture()
def raw(tmp_path) -> Path:
    return copy_bundled_raw(tmp_path / "raw")


def test_rerun_gives_the_same_warehouse_and_keeps_received_at(raw, tmp_path):
    warehouse = tmp_path / "warehouse"
    materialize_all(raw, warehouse)
    first = {name: table(warehouse, name) for name in CONTENT_TABLES}
    materialize_all(raw, warehouse)
    for name in CONTENT_TABLES:
        second = table(warehouse, name)
        assert second.equals(first[name]), name
    assert (warehouse / BACKUP_FILE).exists()


def test_an_overwritten_file_keeps_its_history_and_the_archive_keeps_both_versions(raw, tmp_path):
    warehouse = tmp_path / "warehouse"
    materialize_all(raw, warehouse)
    csv_path = next((raw / "returns").glob("*.csv"))
    old_count = len(table(warehouse, "submission"))
    text = csv_path.read_text(encoding="cp1252").replace("2008-04-21", "2008-04-28")
    csv_path.write_text(text, encoding="cp1252")
    result = materialize_all(raw, warehouse)
    published = result.asset_materializations_for_node("lsdi_warehouse")[0]
    assert (
        published.metadata["submissions_added"].value == 1 and published.metadata["files_added"].value == csv_path.name
    )
    assert published.metadata["figures_superseded"].value > 0  # the police figures of the first version
    subs = table(warehouse, "submission")
    versions = subs[subs["original_path"] == csv_path.name]
    assert len(subs) == old_count + 1 and len(versions) == 2
    assert all((warehouse / p).exists() for p in versions["archive_path"])
    facts = query(
        warehouse,
        f"""SELECT submission_id, is_current FROM fact_pi_value
                                 WHERE submission_id IN ({",".join(map(str, versions["submission_id"]))})""",
    )
    newest = versions["submission_id"].max()
    assert facts.loc[facts["submission_id"] == newest, "is_current"].all()
    assert not facts.loc[facts["submission_id"] != newest, "is_current"].any()


def test_a_byte_identical_copy_is_recorded_as_a_duplicate(raw, tmp_path):
    warehouse = tmp_path / "warehouse"
    original = next((raw / "returns").glob("*.xlsx"))
    (raw / "returns" / "resent").mkdir()
    shutil.copy(original, raw / "returns" / "resent" / "copy of return.xlsx")
    materialize_all(raw, warehouse)
    subs = table(warehouse, "submission")
    duplicate = subs[subs["status"] == "duplicate"]
    assert len(duplicate) == 1 and "same bytes" in duplicate["reject_reason"].iloc[0]
    assert (
        len(query(warehouse, f"SELECT * FROM fact_pi_value WHERE submission_id = {duplicate['submission_id'].iloc[0]}"))
        == 0
    )


def test_broken_files_are_recorded_with_their_reason_while_the_other_returns_load(raw, tmp_path):
    warehouse = tmp_path / "warehouse"
    (raw / "returns" / "not_a_workbook.xlsx").write_text("this is a note, not a spreadsheet")
    with open(raw / "returns" / "unknown_borough.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "borough_code",
                "pi_code",
                "period",
                "numerator",
                "denominator",
                "value",
                "source_agency",
                "reporting_frequency",
                "note",
            ]
        )
        writer.writerow(["E09999999", "L01", "2007-04", "", "", "120", "Police", "Monthly", "synthetic"])
    materialize_all(raw, warehouse)
    subs = table(warehouse, "submission").set_index("file_name")
    assert subs.loc["not_a_workbook.xlsx", "status"] == "rejected"
    assert "not an Excel workbook" in subs.loc["not_a_workbook.xlsx", "reject_reason"]
    assert subs.loc["unknown_borough.csv", "status"] == "rejected"
    assert "E09999999" in subs.loc["unknown_borough.csv", "reject_reason"]
    others = subs.drop(["not_a_workbook.xlsx", "unknown_borough.csv"])
    assert others["status"].isin(["accepted", "accepted_with_issues"]).all()
    issues = query(
        warehouse,
        "SELECT s.file_name, i.check_name FROM dq_issue i JOIN submission s USING (submission_id) "
        "WHERE s.status = 'rejected'",
    )
    assert set(issues["check_name"]) == {"file_unreadable", "borough_unknown"}


def test_a_run_that_fails_midway_leaves_the_published_warehouse_byte_identical(raw, tmp_path):
    warehouse = tmp_path / "warehouse"
    materialize_all(raw, warehouse)
    published = (warehouse / WAREHOUSE_FILE).read_bytes()
    catalogue = raw / "dataset" / "indicators.csv"
    catalogue.write_text(catalogue.read_text().replace(",percent,", ",per_cent,", 1))  # breaks the schema
    result = materialize_all(raw, warehouse, raise_on_error=False)
    assert not result.success
    assert (warehouse / WAREHOUSE_FILE).read_bytes() == published
    assert not list(warehouse.glob(STAGING_PREFIX + "*"))


def test_stale_staging_files_from_a_killed_run_are_removed(raw, tmp_path):
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    stale = warehouse / f"{STAGING_PREFIX}.99999.duckdb"
    stale.write_bytes(b"half-written")
    (warehouse / f"{STAGING_PREFIX}.99999.duckdb.wal").write_bytes(b"")
    materialize_all(raw, warehouse)
    assert not list(warehouse.glob(STAGING_PREFIX + "*"))
    assert len(table(warehouse, "dim_borough")) == 32


def test_an_open_read_only_session_neither_blocks_the_publish_nor_sees_it_half_done(raw, tmp_path):
    warehouse = tmp_path / "warehouse"
    materialize_all(raw, warehouse)
    analyst = duckdb.connect(str(warehouse / WAREHOUSE_FILE), read_only=True)
    before = analyst.execute("SELECT count(*) FROM submission").fetchone()[0]
    (raw / "returns" / "late.xlsx").write_text("not a workbook either")
    materialize_all(raw, warehouse)
    assert analyst.execute("SELECT count(*) FROM submission").fetchone()[0] == before
    analyst.close()
    assert len(table(warehouse, "submission")) == before + 1


def test_the_sample_generator_reproduces_the_bundled_files_byte_for_byte(tmp_path):
    target = tmp_path / "raw"
    target.mkdir()
    shutil.copy(BUNDLED_RAW / "boroughs.csv", target)
    shutil.copytree(BUNDLED_RAW / "dataset", target / "dataset")
    write_sample(target)
    for folder in ("mapping", "pilot", "returns"):
        bundled = sorted(p.name for p in (BUNDLED_RAW / folder).iterdir())
        assert sorted(p.name for p in (target / folder).iterdir()) == bundled
        for name in bundled:
            assert (target / folder / name).read_bytes() == (BUNDLED_RAW / folder / name).read_bytes(), (
                f"{folder}/{name}"
            )


def _lsdi(*args, env_extra: dict, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"} | env_extra
    return subprocess.run(
        [sys.executable, "-m", "lsdi_pipeline.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def test_lsdi_run_reads_the_environment_and_ends_with_a_summary(raw, tmp_path):
    (raw / "returns" / "broken.xlsx").write_bytes(b"\x00\x01 not a zip")
    warehouse = tmp_path / "wh"
    done = _lsdi("run", env_extra={"LSDI_RAW_DIR": str(raw), "LSDI_WAREHOUSE_DIR": str(warehouse)}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 rejected" in done.stdout and "Rejected file broken.xlsx" in done.stdout
    assert str(warehouse / WAREHOUSE_FILE) in done.stdout
    assert "validated" in done.stderr and "lsdi_warehouse" in done.stderr  # progress, stage by stage
    assert (warehouse / "reports" / "run_summary.md").exists()


def test_lsdi_run_exits_non_zero_only_when_the_pipeline_itself_fails(raw, tmp_path):
    (raw / "dataset" / "clusters.csv").unlink()
    done = _lsdi("run", "--raw-dir", str(raw), "--warehouse-dir", str(tmp_path / "wh"), env_extra={}, cwd=tmp_path)
    assert done.returncode == 1
    assert "failed" in done.stderr and "clusters.csv" in done.stderr
    assert not (tmp_path / "wh" / WAREHOUSE_FILE).exists()


def test_lsdi_run_outside_the_project_says_where_it_looked(tmp_path):
    done = _lsdi("run", env_extra={}, cwd=tmp_path)
    assert done.returncode == 2
    assert "no raw data in 'data/raw'" in done.stderr and "LSDI_RAW_DIR" in done.stderr


def test_a_write_ahead_log_left_by_a_read_write_session_does_not_rewrite_the_new_warehouse(raw, tmp_path):
    warehouse = tmp_path / "warehouse"
    materialize_all(raw, warehouse)
    expected = len(table(warehouse, "dq_issue"))
    script = (
        f"import duckdb, os; c = duckdb.connect({str(warehouse / WAREHOUSE_FILE)!r}); "
        "c.execute('PRAGMA disable_checkpoint_on_shutdown'); c.execute('SET wal_autocheckpoint=\\'1TB\\''); "
        "c.execute(\"DELETE FROM dq_issue WHERE severity = 'warning'\"); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    assert (warehouse / (WAREHOUSE_FILE + ".wal")).exists()
    materialize_all(raw, warehouse)
    assert len(table(warehouse, "dq_issue")) == expected
    assert list(warehouse.glob(WAREHOUSE_FILE + ".wal.*.set-aside"))


def test_before_any_return_arrives_the_run_succeeds_and_every_pilot_is_missing(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(BUNDLED_RAW, raw, ignore=shutil.ignore_patterns("returns"))
    warehouse = tmp_path / "warehouse"
    materialize_all(raw, warehouse)
    assert table(warehouse, "submission").empty and table(warehouse, "fact_pi_value").empty
    missing = query(warehouse, "SELECT count(*) n FROM dq_issue WHERE check_name = 'pilot_return_missing'")["n"][0]
    assert missing == len(table(warehouse, "pilot_borough")) == 11


def test_a_run_started_from_the_command_line_is_in_the_instances_run_history(raw, tmp_path):
    import dagster as dg

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(Path(__file__).resolve().parent.parent / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    done = _lsdi(
        "run",
        env_extra={"LSDI_RAW_DIR": str(raw), "LSDI_WAREHOUSE_DIR": str(tmp_path / "wh"), "DAGSTER_HOME": str(home)},
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    with project_instance(home) as instance:
        runs = instance.get_runs()
    assert [(r.job_name, r.status) for r in runs] == [("lsdi_job", dg.DagsterRunStatus.SUCCESS)]


def test_with_no_return_and_no_due_date_the_run_succeeds_without_templates(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(BUNDLED_RAW, raw, ignore=shutil.ignore_patterns("returns"))
    pilots = raw / "pilot" / "pilot_boroughs.csv"
    pd.read_csv(pilots, dtype=str).assign(return_due_on=None).to_csv(pilots, index=False)
    result = materialize_all(raw, tmp_path / "warehouse")
    assert result.success
    templates = result.asset_materializations_for_node("return_templates")[0]
    assert templates.metadata["templates"].value == 0
    assert not (tmp_path / "warehouse" / "reports" / "templates").exists()


def test_a_borough_with_no_known_child_population_is_loaded_and_its_counts_are_not_judged_outliers(raw, tmp_path):
    rows = list(csv.DictReader(open(raw / "boroughs.csv", encoding="utf-8")))
    brent = next(r for r in rows if r["borough_name"] == "Brent")
    brent["child_population"] = brent["child_population_year"] = ""  # e.g. an authority new since the last estimate
    with open(raw / "boroughs.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    warehouse = tmp_path / "warehouse"
    materialize_all(raw, warehouse)
    assert (
        query(warehouse, f"SELECT count(*) AS n FROM fact_pi_value WHERE borough_code = '{brent['borough_code']}'")[
            "n"
        ][0]
        > 0
    )
    outliers = query(
        warehouse,
        "SELECT d.borough_code FROM dq_issue d JOIN dim_indicator i USING (pi_code) "
        "WHERE d.check_name = 'outlier' AND i.unit = 'count'",
    )
    assert brent["borough_code"] not in set(outliers["borough_code"])


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under `root`: its size and modification time."""
    return {p.relative_to(root).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


def test_two_runs_in_one_process_each_read_and_write_only_their_own_directories(tmp_path, monkeypatch, capsys):
    """`lsdi run` twice in one process, for two raw directories with different returns and two warehouses: each
    run's Definitions are built for its own directories, so neither reads the other's returns nor writes in the
    other's warehouse (its tables, archive, parse cache and intermediate outputs)."""
    from lsdi_pipeline.cli import main

    for name in ("DAGSTER_HOME", "LSDI_RAW_DIR", "LSDI_WAREHOUSE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # nothing may land in a default directory under the working directory
    raw_a, raw_b = copy_bundled_raw(tmp_path / "raw_a"), copy_bundled_raw(tmp_path / "raw_b")
    kept_by_b = {"brent_lsdi_return_2007-08.xlsx", "tower_hamlets_police_export.csv"}
    for path in (raw_b / "returns").iterdir():
        if path.name not in kept_by_b:
            path.unlink()
    warehouse_a, warehouse_b = tmp_path / "warehouse_a", tmp_path / "warehouse_b"
    raw_before = {raw: _tree(raw) for raw in (raw_a, raw_b)}

    assert main(["run", "--raw-dir", str(raw_a), "--warehouse-dir", str(warehouse_a)]) == 0
    a_after_its_run = _tree(warehouse_a)
    assert main(["run", "--raw-dir", str(raw_b), "--warehouse-dir", str(warehouse_b)]) == 0
    capsys.readouterr()

    assert set(table(warehouse_a, "submission")["file_name"]) == {p.name for p in (raw_a / "returns").iterdir()}
    assert set(table(warehouse_b, "submission")["file_name"]) == kept_by_b
    assert _tree(warehouse_a) == a_after_its_run  # B's run wrote nothing in A's warehouse
    for warehouse in (warehouse_a, warehouse_b):  # each run's own intermediate outputs, beside its own warehouse
        assert (warehouse / ".intermediate" / "parsed_returns").is_file()
        assert (warehouse / "archive").is_dir() and (warehouse / "lsdi.duckdb").is_file()
    assert {raw: _tree(raw) for raw in (raw_a, raw_b)} == raw_before  # the raw directories are only read
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw_a", "raw_b", "warehouse_a", "warehouse_b"]


def test_a_dagster_home_that_is_not_a_directory_is_one_clear_line_not_a_traceback(raw, tmp_path):
    from lsdi_pipeline_tests.pipeline import lsdi_run

    done = lsdi_run(raw, tmp_path / "warehouse", env_extra={"DAGSTER_HOME": str(tmp_path / "no such home")})
    assert done.returncode == 2
    assert "DAGSTER_HOME" in done.stderr and "no such home" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "warehouse" / "lsdi.duckdb").exists()
