"""The current-figure rule: the latest submission containing a figure wins; a one-agency CSV
replaces only its own PIs; feasibility answers and narratives follow the same rule."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from lsdi_pipeline_tests.pipeline import BUNDLED_RAW, materialize_all, query
from lsdi_pipeline_tests.returns_builder import pi_row, write_csv, write_return


@pytest.fixture()
def raw(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(BUNDLED_RAW, raw, ignore=shutil.ignore_patterns("returns"))
    (raw / "returns").mkdir()
    return raw


def current(warehouse, sql_filter="TRUE"):
    return query(
        warehouse,
        f"""
        SELECT f.pi_code, f.period, f.value, s.file_name FROM fact_pi_value f JOIN submission s USING (submission_id)
        WHERE f.is_current AND f.borough_code = 'E09000003' AND {sql_filter} ORDER BY pi_code, period""",
    )


def test_a_one_agency_csv_replaces_only_its_own_pis(raw, tmp_path):
    warehouse = tmp_path / "warehouse"
    write_return(
        raw / "returns" / "barnet.xlsx",
        about={"Submitted on": dt.datetime(2008, 4, 14)},
        pi_rows=[
            pi_row("L01", "2007-04", value=200, frequency="Monthly"),
            pi_row("L08", "2007-04", value=50, frequency="Monthly"),
        ],
        feasibility_rows=[["L08", "Partially", "Reporting cycle", "police quarterly"]],
        narrative_rows=[["C07", "first narrative"]],
    )
    write_csv(
        raw / "returns" / "police.csv",
        [["E09000003", "L08", "2007-04", None, None, "60", "Police", "Monthly", "synthetic"]],
    )
    materialize_all(raw, warehouse)
    figures = current(warehouse).set_index("pi_code")
    # the CSV has no Submitted on: it counts from when it was first seen, after the workbook's date
    assert figures.loc["L08", "value"] == 60 and figures.loc["L08", "file_name"] == "police.csv"
    assert figures.loc["L01", "value"] == 200 and figures.loc["L01", "file_name"] == "barnet.xlsx"
    history = query(warehouse, "SELECT count(*) n FROM fact_pi_value WHERE pi_code = 'L08' AND NOT is_current")
    assert history["n"][0] == 1
    assert query(warehouse, "SELECT narrative FROM fact_narrative WHERE is_current")["narrative"].tolist() == [
        "first narrative"
    ]
    assert query(warehouse, "SELECT can_provide FROM fact_feasibility WHERE is_current")["can_provide"].tolist() == [
        "partially"
    ]


def test_a_resubmission_supersedes_what_it_contains_and_leaves_the_rest(raw, tmp_path):
    warehouse = tmp_path / "warehouse"
    write_return(
        raw / "returns" / "v1.xlsx",
        about={"Submitted on": dt.datetime(2008, 4, 14)},
        pi_rows=[
            pi_row("L01", "2007-04", value=200, frequency="Monthly"),
            pi_row("NI62", "2007/08", numerator=12, denominator=100, value=12),
        ],
        narrative_rows=[["C01", "old"], ["C04", "kept"]],
    )
    write_return(
        raw / "returns" / "v2.xlsx",
        about={"Submitted on": dt.datetime(2008, 4, 30)},
        pi_rows=[pi_row("L01", "2007-04", value=210, frequency="Monthly")],
        narrative_rows=[["C01", "new"]],
    )
    materialize_all(raw, warehouse)
    figures = current(warehouse).set_index("pi_code")
    assert figures.loc["L01", "value"] == 210 and figures.loc["L01", "file_name"] == "v2.xlsx"
    assert figures.loc["NI62", "file_name"] == "v1.xlsx"
    narratives = dict(query(warehouse, "SELECT cluster_code, narrative FROM fact_narrative WHERE is_current").values)
    assert narratives == {"C01": "new", "C04": "kept"}


def test_on_the_same_submitted_on_date_the_file_first_seen_latest_wins(raw, tmp_path):
    warehouse = tmp_path / "warehouse"
    same_day = {"Submitted on": dt.datetime(2008, 4, 14)}
    write_return(
        raw / "returns" / "zz_first.xlsx",
        about=same_day,
        pi_rows=[pi_row("L01", "2007-04", value=200, frequency="Monthly")],
    )
    materialize_all(raw, warehouse)
    write_return(
        raw / "returns" / "aa_second.xlsx",
        about=same_day,
        pi_rows=[pi_row("L01", "2007-04", value=222, frequency="Monthly")],
    )
    materialize_all(raw, warehouse)
    figures = current(warehouse)
    assert figures["value"].tolist() == [222] and figures["file_name"].tolist() == ["aa_second.xlsx"]


def test_a_later_submitted_on_wins_even_if_the_file_arrived_first(raw, tmp_path):
    warehouse = tmp_path / "warehouse"
    write_return(
        raw / "returns" / "later_dated.xlsx",
        about={"Submitted on": dt.datetime(2008, 4, 30)},
        pi_rows=[pi_row("L01", "2007-04", value=300, frequency="Monthly")],
    )
    materialize_all(raw, warehouse)
    write_return(
        raw / "returns" / "earlier_dated.xlsx",
        about={"Submitted on": dt.datetime(2008, 4, 2)},
        pi_rows=[pi_row("L01", "2007-04", value=100, frequency="Monthly")],
    )
    materialize_all(raw, warehouse)
    assert current(warehouse)["file_name"].tolist() == ["later_dated.xlsx"]
