"""The warehouse built from the bundled data reproduces every figure of the Phase I report."""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest

from lsdi_pipeline.reference import normalise_name
from lsdi_pipeline.sample.generator import PILOT_NAMES
from lsdi_pipeline.warehouse.store import WAREHOUSE_FILE
from lsdi_pipeline_tests.pipeline import copy_bundled_raw, materialize_all, query, table


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("bundled")
    raw = copy_bundled_raw(root / "raw")
    warehouse = root / "warehouse"
    materialize_all(raw, warehouse)
    return raw, warehouse


def test_all_32_london_boroughs_without_the_city(built):
    boroughs = table(built[1], "dim_borough")
    assert len(boroughs) == 32
    assert "E09000001" not in set(boroughs["borough_code"])
    assert boroughs["borough_code"].str.match(r"^E090000(0[2-9]|[12]\d|3[0-3])$").all()
    assert boroughs["legacy_code"].str.match(r"^00[A-B][A-Z]$").all()
    assert boroughs["child_population"].gt(0).all() and boroughs["child_population_year"].notna().all()


def test_36_pis_in_clusters_of_3_or_4_under_a_few_goals(built):
    pis = table(built[1], "dim_indicator")
    assert len(pis) == 36
    per_cluster = pis.groupby("cluster_code").size()
    assert per_cluster.between(3, 4).all()
    assert 9 <= len(per_cluster) <= 12
    goals = table(built[1], "dim_goal")
    assert 2 <= len(goals) <= 5
    clusters = table(built[1], "dim_cluster")
    assert set(pis["goal_code"]) == set(goals["goal_code"])
    assert (
        pis.merge(clusters, on="cluster_code")["goal_code_x"] == pis.merge(clusters, on="cluster_code")["goal_code_y"]
    ).all()


def test_core_national_indicators_present_and_some_postponed(built):
    pis = table(built[1], "dim_indicator")
    assert {"NI 59", "NI 60", "NI 62", "NI 64", "NI 65", "NI 66", "NI 67"} <= set(pis["ni_ref"].dropna())
    assert (pis["status"] == "postponed").sum() >= 1
    ni65 = pis.set_index("ni_ref").loc["NI 65"]
    assert ni65["polarity"] == "in_band" and ni65["band_min"] < ni65["band_max"]


def test_dataset_leans_on_local_authority_sources(built):
    pis = table(built[1], "dim_indicator")
    by_type = pis["source_type"].value_counts()
    assert by_type["local_authority"] > by_type["multi_agency"]
    phase_1 = pis[pis["status"] == "phase_1"]
    sub_annual = phase_1[phase_1["expected_cadence"] != "annual"].groupby("source_type").size()
    assert sub_annual["multi_agency"] < sub_annual["local_authority"]
    assert set(pis["source_agency"]) >= {"police", "health", "youth_offending", "probation", "cafcass"}


def test_mapping_figures_match_the_report(built):
    summary = dict(query(built[1], "SELECT measure, boroughs FROM mapping_summary").values)
    assert summary["invited"] == 32
    assert summary["responded"] == 28 and summary["no response"] == 4
    assert summary["supplied information"] == 24 and summary["acknowledged only"] == 4
    assert summary["supplied full report"] > summary["supplied partial report"]  # most sent their full report
    raw = query(built[1], "SELECT response, contribution, count(*) n FROM mapping_response GROUP BY ALL")
    assert raw["n"].sum() == 32


def test_the_eleven_named_pilots_with_some_chairs_unconfirmed(built):
    pilots = query(built[1], "SELECT b.borough_name, p.* FROM pilot_borough p JOIN dim_borough b USING (borough_code)")
    assert sorted(map(normalise_name, PILOT_NAMES)) == sorted(
        normalise_name(n)
        for n in pilots["borough_name"].replace(
            {"Kensington and Chelsea": "Kensington & Chelsea", "Kingston upon Thames": "Kingston-upon-Thames"}
        )
    )
    assert pilots["chair_confirmed_on"].isna().any() and pilots["chair_confirmed_on"].notna().any()
    assert query(built[1], "SELECT count(*) n FROM dim_borough WHERE is_pilot")["n"][0] == 11


def test_bundled_returns_come_from_pilot_boroughs_only_and_most_pilots_sent_one(built):
    senders = query(
        built[1],
        """SELECT DISTINCT s.borough_code, b.is_pilot FROM submission s
                                 JOIN dim_borough b USING (borough_code) WHERE s.status <> 'rejected'""",
    )
    assert senders["is_pilot"].all()
    assert 8 <= len(senders) < 11
    missing = query(built[1], "SELECT borough_code FROM dq_issue WHERE check_name = 'pilot_return_missing'")
    assert len(missing) == 11 - len(senders)


def test_returns_contain_the_faults_the_pilot_was_meant_to_find(built):
    found = set(query(built[1], "SELECT DISTINCT check_name FROM dq_issue")["check_name"])
    assert {
        "cadence_mismatch",
        "pi_not_provided",
        "numerator_exceeds_denominator",
        "value_unreadable",
        "pi_missing_from_return",
        "pilot_return_missing",
    } <= found
    raw_values = set(query(built[1], "SELECT raw_value FROM fact_pi_value WHERE raw_value IS NOT NULL")["raw_value"])
    assert any(v.endswith("%") for v in raw_values)
    assert {"n/a", "N/A"} & raw_values
    errors = query(built[1], "SELECT count(*) FILTER (WHERE quality_status <> 'ok') bad, count(*) n FROM fact_pi_value")
    assert 0 < errors["bad"][0] < 0.5 * errors["n"][0]  # realistic, not overwhelming
    formats = set(query(built[1], "SELECT file_format FROM submission")["file_format"])
    assert formats == {"xlsx", "csv"}


def test_a_late_resubmission_supersedes_the_earlier_figures(built):
    resubmitted = query(
        built[1],
        """
        SELECT borough_code FROM submission WHERE status <> 'rejected' GROUP BY borough_code
        HAVING count(*) FILTER (WHERE file_format = 'xlsx') > 1""",
    )
    assert len(resubmitted) == 1
    borough = resubmitted["borough_code"][0]
    current = query(
        built[1],
        f"""
        SELECT s.submitted_on, f.is_current FROM fact_pi_value f JOIN submission s USING (submission_id)
        WHERE f.borough_code = '{borough}' AND s.file_format = 'xlsx'""",
    )
    latest = current["submitted_on"].max()
    assert current.loc[current["submitted_on"] == latest, "is_current"].all()
    assert not current.loc[current["submitted_on"] < latest, "is_current"].any()


def test_every_synthetic_file_says_it_is_synthetic(built):
    raw = built[0]
    for path in sorted((raw / "returns").iterdir()):
        if path.suffix == ".xlsx":
            about = {
                r[0]: r[1] for r in openpyxl.load_workbook(path, read_only=True)["About"].iter_rows(values_only=True)
            }
            assert "SYNTHETIC" in str(about.get("Synthetic data")), path.name
        else:
            assert all("SYNTHETIC" in line for line in path.read_text(encoding="cp1252").splitlines()[1:]), path.name
    for name in ("mapping/responses.csv", "mapping/inventory.csv", "pilot/pilot_boroughs.csv"):
        assert "SYNTHETIC" in (raw / name).read_text(encoding="utf-8").splitlines()[1], name


def test_every_non_empty_data_row_is_in_exactly_one_place(built):
    raw, warehouse = built
    submissions = table(warehouse, "submission").set_index("file_name")
    placed = query(
        warehouse,
        """
        SELECT submission_id, sheet, row_number FROM fact_pi_value
        UNION ALL SELECT submission_id, 'Feasibility', row_number FROM fact_feasibility
        UNION ALL SELECT submission_id, 'Narrative', row_number FROM fact_narrative
        UNION ALL SELECT submission_id, sheet, row_number FROM rejected_row""",
    )
    assert not placed.duplicated().any()
    for path in sorted((raw / "returns").glob("*.xlsx")):
        book = openpyxl.load_workbook(path, read_only=True)
        expected = {
            (sheet, i)
            for sheet in ("PI data", "Feasibility", "Narrative")
            for i, row in enumerate(book[sheet].iter_rows(values_only=True), start=1)
            if i > 1 and any(v not in (None, "") for v in row)
        }
        sid = submissions.loc[path.name, "submission_id"]
        got = {
            (s, r)
            for s, r in placed.loc[placed["submission_id"] == sid, ["sheet", "row_number"]].itertuples(index=False)
        }
        assert got == expected, path.name


def test_published_file_opens_read_only_with_a_duckdb_1x_cli(built):
    cli = Path(__import__("sys").executable).parent / "duckdb"
    out = subprocess.run(
        [
            str(cli),
            "-readonly",
            str(built[1] / WAREHOUSE_FILE),
            "-csv",
            "-c",
            "SELECT version() v, (SELECT count(*) FROM dim_borough) n",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    version, boroughs = out.stdout.strip().splitlines()[1].split(",")
    assert version.startswith("v1.") and boroughs == "32"


def test_every_table_and_column_has_a_comment(built):
    missing = query(
        built[1],
        """
        SELECT table_name, NULL AS column_name FROM duckdb_tables() WHERE comment IS NULL
        UNION ALL SELECT table_name, column_name FROM duckdb_columns() WHERE comment IS NULL AND NOT internal""",
    )
    assert missing.empty, missing
