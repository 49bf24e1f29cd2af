"""What the analyst with the DuckDB CLI relies on, on a warehouse freshly built from the bundled data: every SQL query
of the README runs and returns rows; the `current_figure` view is published (and re-published) and holds exactly the
figures the comparisons use; names sit beside codes; the safe tables are rounded as DfE rounds; `evidence` is JSON."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from lsdi_pipeline.analysis.availability import availability_by, overall_availability
from lsdi_pipeline.analysis.comparison import compare, usable_figures
from lsdi_pipeline.analysis.rounding import round_half_up
from lsdi_pipeline.warehouse.schema import TABLES
from lsdi_pipeline.warehouse.store import BACKUP_FILE, WAREHOUSE_FILE, publish
from lsdi_pipeline.warehouse.views import VIEWS
from lsdi_pipeline_tests.pipeline import copy_bundled_raw, materialize_all, query, table

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CLI = Path(sys.executable).parent / "duckdb"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("analyst")
    materialize_all(copy_bundled_raw(root / "raw"), root / "warehouse")
    return root / "warehouse"


def _readme_blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README.read_text(encoding="utf-8"), flags=re.S | re.M)


def _readme_sql() -> list[tuple[str, str]]:
    """(the comment above it, the statement) for every statement of every ```sql block of the README."""
    statements = []
    for block in _readme_blocks("sql"):
        title = ""
        for part in block.split(";"):
            lines = part.strip().splitlines()
            comments = [line for line in lines if line.strip().startswith("--")]
            title = comments[-1].strip("- ") if comments else title
            sql = "\n".join(line for line in lines if not line.strip().startswith("--")).strip()
            if sql:
                statements.append((title, sql))
    return statements


def test_the_readme_has_the_queries_an_analyst_starts_from():
    statements = _readme_sql()
    assert len(statements) >= 12
    least = [sql for title, sql in statements if "least available" in title]
    assert len(least) == 1, "one 'least available PIs' query, not two that disagree"
    assert "availability_matrix" in least[0]


@pytest.mark.parametrize("title,sql", _readme_sql(), ids=[t or s[:30] for t, s in _readme_sql()])
def test_every_readme_query_runs_read_only_and_returns_rows(warehouse, title, sql):
    with duckdb.connect(str(warehouse / WAREHOUSE_FILE), read_only=True) as con:
        rows = con.execute(sql).fetchall()
    assert rows, f"README query returned no rows: {title}"


def test_the_readme_python_example_runs(warehouse):
    [block] = _readme_blocks("python")
    code = block.replace('"data/warehouse/lsdi.duckdb"', repr(str(warehouse / WAREHOUSE_FILE)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert "invited" in out.stdout


def test_the_readme_availability_queries_agree_with_the_report_and_phase_ii(warehouse):
    statements = dict(_readme_sql())
    [overall] = [sql for title, sql in statements.items() if "pilot's availability" in title]
    [least] = [sql for title, sql in statements.items() if "least available" in title]
    matrix = table(warehouse, "availability_matrix")
    provided, expected, pct = overall_availability(matrix)
    got = query(warehouse, overall)
    assert (got["provided"][0], got["expected"][0], got["availability_pct"][0]) == (provided, expected, pct)
    report = (warehouse / "reports" / "phase1_report.html").read_text(encoding="utf-8")
    assert f"{pct:.1f}\u00a0%" in report  # the report's percentages: one decimal, a no-break space before the sign
    evidence = query(warehouse, "SELECT evidence FROM phase2_recommendation WHERE recommendation = 'extend_pilot'")
    assert json.loads(evidence["evidence"][0])["availability_pct"] == pct
    by_pi = availability_by(matrix, "pi_code").sort_values(["availability_pct", "pi_code"]).head(10)
    rows = query(warehouse, least)
    assert rows["pi_code"].tolist() == by_pi["pi_code"].tolist()
    assert rows["availability_pct"].tolist() == by_pi["availability_pct"].tolist()


# -- the current_figure view -------------------------------------------------------------------------------------------
def test_current_figure_holds_exactly_the_figures_the_comparisons_use(warehouse):
    facts = table(warehouse, "fact_pi_value")
    view = query(warehouse, "SELECT * FROM current_figure")
    expected = usable_figures(facts)
    key = ["borough_code", "pi_code", "period"]
    assert len(view) == len(expected) > 500
    assert sorted(map(tuple, view[key].to_numpy())) == sorted(map(tuple, expected[key].to_numpy()))
    assert set(view["quality_status"]) <= {"ok", "warning"}
    merged = view.merge(expected, on=key, suffixes=("", "_fact"))
    assert np.allclose(merged["value"], merged["value_fact"].astype(float))  # true values, not rounded
    compared = query(warehouse, "SELECT pi_code, period, borough_code FROM cmp_borough_pi")
    assert len(compared) == len(view)
    names = table(warehouse, "dim_borough").set_index("borough_code")["borough_name"]
    titles = table(warehouse, "dim_indicator").set_index("pi_code")
    assert (view["borough_name"] == view["borough_code"].map(names)).all()
    assert (view["pi_name"] == view["pi_code"].map(titles["title"])).all()
    assert (view["unit"] == view["pi_code"].map(titles["unit"])).all()


def test_views_are_described_like_tables_and_open_in_a_duckdb_1x_cli(warehouse):
    described = query(
        warehouse,
        "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE table_name IN "
        f"({', '.join(repr(v) for v in VIEWS)})",
    )
    for view in VIEWS.values():
        mine = described.loc[described["table_name"] == view.name]
        assert mine["column_name"].tolist() == [c for c, _ in view.columns], view.name
        assert mine["comment"].notna().all(), view.name
    views = query(warehouse, "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal")
    assert set(views["view_name"]) == set(VIEWS) and views["comment"].notna().all()
    out = subprocess.run(
        [str(CLI), "-readonly", str(warehouse / WAREHOUSE_FILE), "-csv", "-c", "SELECT count(*) n FROM current_figure"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(out.stdout.splitlines()[1]) == len(query(warehouse, "SELECT * FROM current_figure"))


def test_views_survive_a_republish_and_work_however_the_file_is_attached(warehouse, tmp_path):
    tables = {name: table(warehouse, name) for name in TABLES}
    publish(tmp_path, tables)
    tables["fact_pi_value"] = tables["fact_pi_value"].iloc[: len(tables["fact_pi_value"]) // 2]
    publish(tmp_path, tables)  # the second publish keeps the first as the backup
    expected = len(usable_figures(tables["fact_pi_value"]))
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{tmp_path / WAREHOUSE_FILE}' AS lsdi (READ_ONLY)")
        con.execute(f"ATTACH '{tmp_path / BACKUP_FILE}' AS earlier (READ_ONLY)")
        assert con.execute("SELECT count(*) FROM lsdi.current_figure").fetchone()[0] == expected
        before = con.execute("SELECT count(*) FROM earlier.current_figure").fetchone()[0]
    assert before == len(query(warehouse, "SELECT * FROM current_figure")) > expected


# -- names beside codes ------------------------------------------------------------------------------------------------
def test_every_analysis_table_keyed_by_borough_or_pi_names_it(warehouse):
    names = table(warehouse, "dim_borough").set_index("borough_code")["borough_name"]
    titles = table(warehouse, "dim_indicator").set_index("pi_code")["title"]
    checked = set()
    for name in ("availability_matrix", "cadence_mismatch", "cmp_borough_pi", "feasibility_summary"):
        frame = table(warehouse, name)
        assert len(frame), name
        if "borough_code" in frame:
            assert (frame["borough_name"] == frame["borough_code"].map(names)).all(), name
            checked.add((name, "borough_name"))
        assert (frame["pi_name"] == frame["pi_code"].map(titles)).all(), name
        checked.add((name, "pi_name"))
    recommendations = table(warehouse, "phase2_recommendation")
    per_pi = recommendations["pi_code"].notna()
    assert (recommendations.loc[per_pi, "pi_name"] == recommendations.loc[per_pi, "pi_code"].map(titles)).all()
    assert recommendations.loc[~per_pi, "pi_name"].isna().all() and (~per_pi).any()
    # the names sit beside the codes
    for name, column in checked:
        columns = TABLES[name].column_names
        assert columns.index(column) == columns.index(column.replace("_name", "_code")) + 1, (name, column)


# -- DfE's rounding ----------------------------------------------------------------------------------------------------
def test_dfe_rounding_halves_away_from_zero_and_totals_to_the_nearest_ten():
    assert round_half_up(pd.Series([6.25, 0.15, -0.15, 22.649, 2.5, np.nan]), 1).tolist()[:5] == [
        6.3,
        0.2,
        -0.2,
        22.6,
        2.5,
    ]
    assert round_half_up(pd.Series([2.5, -2.5, 1234.0, 1235.0]), pd.Series([0, 0, -1, -1])).tolist() == [
        3.0,
        -3.0,
        1230.0,
        1240.0,
    ]


def _decimals_ok(values: pd.Series, decimals: int) -> bool:
    v = values.dropna().astype(float).to_numpy() * 10**decimals
    return bool(np.allclose(v, np.round(v), atol=1e-6))


def test_cmp_borough_pi_is_rounded_as_dfe_publishes_and_statistics_use_the_figures_shown(warehouse):
    cmp = table(warehouse, "cmp_borough_pi")
    for unit, rows in cmp.groupby("unit"):
        places = 0 if unit in ("count", "days") else 1
        assert _decimals_ok(rows["value"], places), unit
        assert _decimals_ok(rows["change_from_previous"], places), unit
        for column in ("group_mean", "group_median", "group_q1", "group_q3", "group_pooled", "sn_median", "sn_mean"):
            assert _decimals_ok(rows[column], max(places, 1)), (unit, column)
    # the shown value, or DfE's symbol c where it is hidden
    assert (cmp.loc[cmp["suppressed"], "value_shown"] == "c").all() and cmp["suppressed"].any()
    shown = cmp.loc[~cmp["suppressed"]]
    assert (shown["value_shown"].astype(float) == shown["value"]).all()
    # a statistic is the shown figures' statistic, rounded: QUARTILE.INC over the value column gives group_q1
    stats = query(
        warehouse,
        """SELECT pi_code, period, any_value(group_q1) q1, quantile_cont(value, 0.25) sql_q1,
                  any_value(group_median) med, median(value) sql_med, any_value(diff_from_group) d
           FROM cmp_borough_pi WHERE NOT suppressed GROUP BY ALL HAVING count(*) >= 3""",
    )
    assert (np.abs(stats["q1"] - stats["sql_q1"]) <= 0.05 + 1e-9).all()
    assert (np.abs(stats["med"] - stats["sql_med"]) <= 0.05 + 1e-9).all()
    assert np.allclose(shown["diff_from_group"], shown["value"] - shown["group_median"], equal_nan=True)


def test_statistics_of_figures_typed_with_many_decimals_are_rounded_from_the_figures_shown(warehouse):
    """A figure typed as 12.3456 is shown 12.3, and every statistic is computed on what is shown."""
    facts = table(warehouse, "fact_pi_value")
    indicators, boroughs = table(warehouse, "dim_indicator"), table(warehouse, "dim_borough")
    usable = usable_figures(facts).index
    rng = np.random.default_rng(15)
    noisy = facts.copy()
    noisy.loc[usable, "value"] = facts.loc[usable, "value"].astype(float) + rng.uniform(-0.049, 0.049, len(usable))
    percent = noisy["pi_code"].map(indicators.set_index("pi_code")["unit"]) == "percent"
    noisy = noisy.loc[percent]
    got = compare(noisy, indicators, boroughs)
    assert _decimals_ok(got["value"], 1) and _decimals_ok(got["group_median"], 1)
    for (_pi, _period), rows in got.loc[~got["suppressed"]].groupby(["pi_code", "period"]):
        if len(rows) >= 3:
            expected = float(round_half_up(pd.Series([rows["value"].median()]), 1).iloc[0])
            assert rows["group_median"].iloc[0] == pytest.approx(expected)


# -- evidence as JSON --------------------------------------------------------------------------------------------------
def _documented_keys(heading: str) -> set[str]:
    docs = (ROOT / "docs" / "warehouse.md").read_text(encoding="utf-8")
    item = re.search(rf"  - {re.escape(heading)}(.*?)(?=\n  - |\n- |\n\n)", docs, flags=re.S)
    assert item, heading
    return set(re.findall(r"`([a-z_]+)`", item.group(1)))


def test_evidence_is_duckdb_json_with_the_documented_keys(warehouse):
    types = query(warehouse, "SELECT DISTINCT typeof(evidence) t FROM phase2_recommendation")
    assert types["t"].tolist() == ["JSON"]
    rows = query(
        warehouse,
        """SELECT pi_code, recommendation, evidence, evidence->>'$.availability_pct' AS availability_text,
                  json_keys(evidence) AS keys FROM phase2_recommendation""",
    )
    per_pi = rows.loc[rows["pi_code"].notna()]
    documented = _documented_keys("a PI's row:") - {"null"}
    for keys in per_pi["keys"]:
        assert set(keys) == documented
    by_pi = availability_by(table(warehouse, "availability_matrix"), "pi_code").set_index("pi_code")["availability_pct"]
    measured = per_pi.loc[per_pi["pi_code"].isin(by_pi.index)]
    assert len(measured) > 20
    assert (measured["availability_text"].astype(float) == measured["pi_code"].map(by_pi)).all()
    for recommendation in ("extend_pilot", "map_sources", "chase_responses"):
        [keys] = rows.loc[rows["recommendation"] == recommendation, "keys"]
        assert set(keys) == _documented_keys(f"`{recommendation}`:") - {recommendation}, recommendation
