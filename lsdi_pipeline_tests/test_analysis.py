"""Every number in the analysis tables can be recomputed from fact_pi_value and the dimensions
with plain SQL — and these tests do exactly that, on the bundled warehouse and on crafted ties."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from lsdi_pipeline.analysis.comparison import compare
from lsdi_pipeline_tests.pipeline import copy_bundled_raw, materialize_all, query, resources, table

USABLE = "f.is_current AND f.value_status = 'reported' AND f.quality_status <> 'error'"
RANK_SQL = """CASE i.polarity
    WHEN 'higher_is_better' THEN rank() OVER (PARTITION BY f.pi_code, f.period ORDER BY f.value DESC)
    WHEN 'lower_is_better' THEN rank() OVER (PARTITION BY f.pi_code, f.period ORDER BY f.value ASC)
    WHEN 'in_band' THEN rank() OVER (PARTITION BY f.pi_code, f.period
                                     ORDER BY greatest(i.band_min - f.value, 0) + greatest(f.value - i.band_max, 0))
    END"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("analysis")
    materialize_all(copy_bundled_raw(root / "raw"), root / "warehouse")
    return root / "warehouse"


def _close(a: pd.Series, b: pd.Series) -> bool:
    return bool(np.allclose(a.astype(float), b.astype(float), equal_nan=True))


def _rounded_from(published: pd.Series, exact: pd.Series, decimals: int = 1) -> bool:
    """The published statistic is the exact one rounded as DfE does: to `decimals` places (no more), and within half
    a unit of the last place of the exact one (NULL where it is NULL)."""
    a, b = published.astype(float).to_numpy(), exact.astype(float).to_numpy()
    same_nulls = bool((np.isnan(a) == np.isnan(b)).all())
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    places = bool(np.allclose(a * 10**decimals, np.round(a * 10**decimals)))
    return same_nulls and places and bool((np.abs(a - b) <= 0.5 * 10**-decimals + 1e-9).all())


#: the figures every statistic is computed on: usable, and published (not hidden by primary or secondary suppression)
SHOWN = f"""shown AS (SELECT f.* FROM fact_pi_value f JOIN cmp_borough_pi c USING (pi_code, period, borough_code)
                     WHERE {USABLE} AND NOT c.suppressed)"""


def test_group_statistics_are_sql_medians_quartiles_and_means_of_the_figures_shown(warehouse):
    expected = query(
        warehouse,
        f"""
        WITH {SHOWN}, stats AS (
            SELECT pi_code, period, avg(value) mean, median(value) med, quantile_cont(value, 0.25) q1,
                   quantile_cont(value, 0.75) q3, count(*) n FROM shown GROUP BY ALL)
        SELECT DISTINCT c.pi_code, c.period, CASE WHEN n >= 3 THEN mean END mean, CASE WHEN n >= 3 THEN med END med,
               CASE WHEN n >= 3 THEN q1 END q1, CASE WHEN n >= 3 THEN q3 END q3, coalesce(n, 0) n
        FROM cmp_borough_pi c LEFT JOIN stats USING (pi_code, period) ORDER BY 1, 2""",
    )
    got = query(
        warehouse,
        """SELECT DISTINCT pi_code, period, group_mean, group_median, group_q1, group_q3, boroughs_reporting
                              FROM cmp_borough_pi ORDER BY 1, 2""",
    )
    assert len(got) == len(expected) > 50
    for ours, sql in (
        ("group_mean", "mean"),
        ("group_median", "med"),
        ("group_q1", "q1"),
        ("group_q3", "q3"),
    ):
        assert _rounded_from(got[ours], expected[sql]), ours  # DfE's rounding (analysis.rounding)
    assert (got["boroughs_reporting"].to_numpy() == expected["n"].to_numpy()).all()
    assert (
        got["group_median"].notna().sum() > 40 and got["group_median"].isna().any()
    )  # small groups publish no statistic


def test_pooled_figures_are_sums_of_numerators_over_sums_of_denominators_of_the_figures_shown(warehouse):
    expected = query(
        warehouse,
        f"""
        WITH {SHOWN}
        SELECT DISTINCT c.pi_code, c.period, p.pooled, coalesce(p.n, 0) n FROM cmp_borough_pi c LEFT JOIN (
            SELECT f.pi_code, f.period, count(*) n,
                   CASE WHEN count(*) >= 3 THEN sum(f.numerator) / sum(f.denominator)
                        * CASE i.unit WHEN 'percent' THEN 100 WHEN 'rate_per_1k' THEN 1000
                                      WHEN 'rate_per_10k' THEN 10000
                                      WHEN 'rate_per_100k' THEN 100000 END END AS pooled
            FROM shown f JOIN dim_indicator i USING (pi_code)
            WHERE f.numerator IS NOT NULL AND f.denominator IS NOT NULL AND i.unit <> 'count' AND i.unit IN
                  ('percent', 'rate_per_1k', 'rate_per_10k', 'rate_per_100k')
            GROUP BY f.pi_code, f.period, i.unit) p USING (pi_code, period) ORDER BY 1, 2""",
    )
    got = query(
        warehouse, "SELECT DISTINCT pi_code, period, group_pooled, pooled_reporting FROM cmp_borough_pi ORDER BY 1, 2"
    )
    assert _rounded_from(got["group_pooled"], expected["pooled"])  # DfE's rounding (analysis.rounding)
    assert (got["pooled_reporting"].to_numpy() == expected["n"].to_numpy()).all()
    assert got["group_pooled"].notna().sum() > 20


def test_ranks_follow_polarity_among_the_figures_shown_with_shared_ties_and_none_for_neutral(warehouse):
    expected = query(
        warehouse,
        f"""
        WITH {SHOWN}
        SELECT c.pi_code, c.period, c.borough_code, r.rank FROM cmp_borough_pi c LEFT JOIN (
            SELECT f.pi_code, f.period, f.borough_code, {RANK_SQL} AS rank
            FROM shown f JOIN dim_indicator i USING (pi_code)
        ) r USING (pi_code, period, borough_code) ORDER BY 1, 2, 3""",
    )
    got = query(warehouse, "SELECT pi_code, period, borough_code, rank FROM cmp_borough_pi ORDER BY 1, 2, 3")
    assert _close(got["rank"], expected["rank"])
    neutral = query(
        warehouse,
        """SELECT count(*) n FROM cmp_borough_pi c JOIN dim_indicator i USING (pi_code)
           WHERE i.polarity = 'neutral' AND (c.rank IS NOT NULL OR c.quartile_band IS NOT NULL)""",
    )
    assert neutral["n"][0] == 0


def test_small_counts_are_primary_suppressed_and_take_no_part_in_any_statistic(warehouse):
    expected = query(
        warehouse,
        f"""
        SELECT f.pi_code, f.period, f.borough_code, f.value,
               (i.unit = 'count' AND f.value BETWEEN 1 AND 5)
               OR (i.unit IN ('percent', 'rate_per_1k', 'rate_per_10k', 'rate_per_100k')
                   AND coalesce(f.numerator BETWEEN 1 AND 5, false)) AS hide
        FROM fact_pi_value f JOIN dim_indicator i USING (pi_code) WHERE {USABLE} ORDER BY 1, 2, 3""",
    )
    got = query(warehouse, "SELECT * FROM cmp_borough_pi ORDER BY 1, 2, 3")
    assert ((got["suppression"] == "primary") == expected["hide"]).all() and expected["hide"].any()
    assert (got["suppressed"] == got["suppression"].notna()).all() and (got["suppression"] == "secondary").any()
    hidden = got.loc[got["suppressed"]]
    for column in (
        "value",
        "rank",
        "quartile_band",
        "diff_from_group",
        "change_from_previous",
        "national_rank",
        "national_band",
    ):
        assert hidden[column].isna().all(), column
    assert _close(got.loc[~got["suppressed"], "value"], expected.loc[~got["suppressed"].to_numpy(), "value"])


def test_availability_matrix_accounts_for_every_expected_period(warehouse):
    matrix = table(warehouse, "availability_matrix")
    parts = matrix[["periods_provided", "periods_not_provided", "periods_suppressed", "periods_missing"]].sum(axis=1)
    assert (parts == matrix["periods_expected"]).all()
    assert set(matrix["borough_code"]) == set(table(warehouse, "pilot_borough")["borough_code"])
    annual = query(
        warehouse,
        f"""
        SELECT f.borough_code, f.pi_code, count(*) provided FROM fact_pi_value f JOIN dim_indicator i USING (pi_code)
        WHERE {USABLE} AND i.status = 'phase_1' AND i.expected_cadence = 'annual'
          AND f.period IN ('2007/08', '2007', '2008-03-31')
          AND f.period_type IN ('year', 'calendar_year', 'snapshot')
          AND (i.period_basis = 'calendar_year') = (f.period_type = 'calendar_year')
        GROUP BY ALL""",
    )
    merged = matrix.merge(annual, on=["borough_code", "pi_code"])
    assert len(merged) > 50 and (merged["periods_provided"] == merged["provided"]).all()


def test_feasibility_summary_counts_current_answers(warehouse):
    expected = query(
        warehouse,
        """SELECT pi_code, count(*) responses, count(*) FILTER (WHERE can_provide = 'no') no,
                                   count(*) FILTER (WHERE main_issue = 'data_availability') availability
                                   FROM fact_feasibility WHERE is_current GROUP BY pi_code ORDER BY pi_code""",
    )
    got = table(warehouse, "feasibility_summary").set_index("pi_code").loc[expected["pi_code"]]
    assert (got["responses"].to_numpy() == expected["responses"].to_numpy()).all()
    assert (got["can_provide_no"].to_numpy() == expected["no"].to_numpy()).all()
    assert (got["issue_data_availability"].to_numpy() == expected["availability"].to_numpy()).all()


def test_bias_by_source_quantifies_the_local_authority_lean(warehouse):
    expected = query(
        warehouse,
        """SELECT source_type, count(*) pis,
                  count(*) FILTER (WHERE status = 'phase_1' AND expected_cadence <> 'annual') sub_annual
                                   FROM dim_indicator GROUP BY ALL""",
    ).set_index("source_type")
    held = query(warehouse, "SELECT source_type, count(*) n FROM mapping_inventory GROUP BY ALL").set_index(
        "source_type"
    )
    got = query(warehouse, "SELECT * FROM bias_by_source WHERE source_agency IS NULL").set_index("source_type")
    for source_type in ("local_authority", "multi_agency"):
        assert got.loc[source_type, "pis_in_dataset"] == expected.loc[source_type, "pis"]
        assert got.loc[source_type, "pis_more_than_annual"] == expected.loc[source_type, "sub_annual"]
        assert got.loc[source_type, "measures_in_mapping"] == held.loc[source_type, "n"]
    assert got.loc["local_authority", "share_of_dataset_pct"] > got.loc["multi_agency", "share_of_dataset_pct"]
    assert got.loc["local_authority", "availability_pct"] > got.loc["multi_agency", "availability_pct"]


def test_every_pi_has_exactly_one_recommendation_citing_its_figures(warehouse):
    recommendations = table(warehouse, "phase2_recommendation")
    per_pi = recommendations.loc[recommendations["pi_code"].notna()]
    assert sorted(per_pi["pi_code"]) == sorted(table(warehouse, "dim_indicator")["pi_code"])
    assert set(per_pi["recommendation"]) <= {"retain", "revise", "postpone", "replace"}
    postponed = set(query(warehouse, "SELECT pi_code FROM dim_indicator WHERE status = 'postponed'")["pi_code"])
    assert set(per_pi.loc[per_pi["recommendation"] == "postpone", "pi_code"]) == postponed
    for row in per_pi.loc[per_pi["recommendation"] != "postpone"].itertuples():
        evidence = pd.read_json(pd.io.common.StringIO(f"[{row.evidence}]")).iloc[0]
        assert (
            f"{evidence['availability_pct']:g}%" in row.reasons
            or str(int(evidence["boroughs_other_cadence"])) in row.reasons
        )
    programme = recommendations.loc[recommendations["pi_code"].isna(), "recommendation"]
    assert {"extend_pilot", "map_sources", "chase_responses"} <= set(programme)


# -- crafted ties and polarities, checked against the same SQL -----------------------------------------------
def _crafted():
    values = {
        "P_HI": [70, 80, 80, 90, None],
        "P_LO": [5, 5, 7, 9, 9],
        "P_BAND": [12, 9, 16, 15, 10],
        "P_NEU": [1, 2, 3, 4, 5],
    }
    indicators = pd.DataFrame(
        {
            "pi_code": list(values),
            "unit": ["percent", "percent", "percent", "count"],
            "polarity": ["higher_is_better", "lower_is_better", "in_band", "neutral"],
            "band_min": [None, None, 10, None],
            "band_max": [None, None, 15, None],
        }
    )
    boroughs = pd.DataFrame(
        {
            "borough_code": [f"B{i}" for i in range(5)],
            "comparison_group": "Test",
            "dfe_la_code": range(1, 6),
            "statistical_neighbours": ["2;3", "1", "", "5;1", "4"],
        }
    )
    facts = pd.DataFrame(
        [
            {
                "submission_id": 1,
                "borough_code": f"B{i}",
                "pi_code": pi,
                "period": "2007/08",
                "period_type": "year",
                "period_start": pd.Timestamp("2007-04-01"),
                "period_end": pd.Timestamp("2008-03-31"),
                "value": v,
                "numerator": None if v is None else v * 10,
                "denominator": 1000,
                "value_status": "reported",
                "quality_status": "ok",
                "is_current": True,
            }
            for pi, vs in values.items()
            for i, v in enumerate(vs)
            if v is not None
        ]
    )
    return facts, indicators, boroughs


def test_crafted_ties_rank_and_band_the_same_way_sql_does():
    facts, indicators, boroughs = _crafted()
    got = compare(facts, indicators, boroughs).set_index(["pi_code", "borough_code"])
    con = duckdb.connect()
    con.register("f", facts.assign(value=facts["value"].astype(float)))
    con.register("i", indicators)
    expected = con.execute(f"SELECT f.pi_code, f.borough_code, {RANK_SQL} AS rank FROM f JOIN i USING (pi_code)").df()
    expected = expected.set_index(["pi_code", "borough_code"]).loc[got.index]
    assert _close(got["rank"], expected["rank"])
    assert got.loc[("P_HI", "B1"), "rank"] == got.loc[("P_HI", "B2"), "rank"] == 2  # a tie shares the better rank
    assert (
        got.loc[("P_BAND", "B0"), "rank"] == got.loc[("P_BAND", "B3"), "rank"] == got.loc[("P_BAND", "B4"), "rank"] == 1
    )
    assert got.loc[("P_HI", "B3"), "quartile_band"] == "A" and got.loc[("P_HI", "B0"), "quartile_band"] == "D"
    # lower is better: 5, 5 | 7 | 9, 9 — the worst two sit on the upper quartile itself, so they are in band C
    assert [got.loc[("P_LO", b), "quartile_band"] for b in ("B0", "B1", "B2", "B3", "B4")] == ["A", "A", "B", "C", "C"]
    assert got.loc[("P_NEU", "B0"), "rank"] is pd.NA and pd.isna(got.loc[("P_NEU", "B0"), "quartile_band"])
    assert pd.isna(got.loc[("P_HI", "B0"), "sn_median"])  # two neighbours (B1, B2): too few to publish a statistic
    assert got.loc[("P_HI", "B0"), "group_median"] == 80  # four boroughs reported
    # P_NEU counts of 1–5 are all suppressed, and no statistic is computed on them
    assert got.loc["P_NEU", "suppressed"].all() and got.loc["P_NEU", "value"].isna().all()
    assert got.loc["P_NEU", "group_median"].isna().all() and (got.loc["P_NEU", "boroughs_reporting"] == 0).all()


def test_the_run_writes_the_phase1_report_from_the_published_warehouse(warehouse):
    html = (warehouse / "reports" / "phase1_report.html").read_text(encoding="utf-8")
    for section in ("mapping", "dataset", "pilot", "cadence", "comparison", "bias", "feasibility", "phase2"):
        assert f'<section id="{section}"' in html
    compared = query(warehouse, "SELECT DISTINCT pi_code FROM cmp_borough_pi")["pi_code"]
    assert all(f'id="chart-cmp-{pi}"' in html for pi in compared)
    assert html.count("SYNTHETIC") >= 1


def test_the_phase2_thresholds_can_be_overridden_as_run_config(tmp_path):
    import dagster as dg

    from lsdi_pipeline.definitions import all_asset_checks, all_assets

    raw = copy_bundled_raw(tmp_path / "raw")
    result = dg.materialize(
        [*all_assets, *all_asset_checks],
        resources=resources(raw, tmp_path / "warehouse"),
        run_config={"resources": {"phase2_rules": {"config": {"retain_min_availability_pct": 101.0}}}},
    )
    assert result.success
    recommendations = table(tmp_path / "warehouse", "phase2_recommendation")
    per_pi = recommendations.loc[recommendations["pi_code"].notna()]
    assert "retain" not in set(per_pi["recommendation"])
    assert per_pi["reasons"].str.contains("threshold 101%").any()
