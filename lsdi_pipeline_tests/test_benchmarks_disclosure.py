"""England-wide benchmarks and disclosure control of `cmp_borough_pi`, on real runs of `lsdi run`.

Two warehouses are built once for the module, each by the real `lsdi run` in a subprocess:

* the *real-data* warehouse: `write_published_returns` turns DfE's own published figures of the 32
  boroughs into CSV returns (L01, L02, L03, NI65, the latest years DfE publishes);
* the *bundled* warehouse: the bundled 2007/08 raw directory, whose small figures are suppressed.

What the tests prove:

1. national_rank / national_band / authorities_ranked / england_value / region_value agree with an
   independent implementation of DfE's LAIT rule, written here from DfE's raw CSV files with the
   `csv` module (R's `rank(ties.method = "min")`, R type 7 quantiles) — not via the package.
2. sn_mean is the plain mean of the ten DfE statistical neighbours' figures.
3. No suppressed figure can be worked out from the published outputs: an *invariance* test (changing the
   hidden true figures, keeping them hidden, leaves every column of cmp_borough_pi unchanged), explicit
   attacker derivations (a)–(f) made differential (a derivation "recovers" a figure only if it tracks it
   through that change), and the HTML report's chart data.
4. change_from_previous is NULL across a gap in a borough's series.
"""

from __future__ import annotations

import csv
import json
import math
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lsdi_pipeline.analysis.comparison import compare
from lsdi_pipeline.periods import financial_quarter, financial_year, snapshot
from lsdi_pipeline.sample.published_returns import write_published_returns
from lsdi_pipeline_tests.pipeline import copy_bundled_raw, lsdi_run_ok, table

#: DfE's Explore Education Statistics files, as bundled (byte-identical to ../shared/reference/)
DFE_DIR = Path(__file__).resolve().parent.parent / "data" / "raw" / "published"
NI65_FILE = "dfe_d3_cpps_subsequent_plan_2013_to_2025.csv"
L02_FILE = "dfe_c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
LONDON_BOROUGHS = [f"E09{n:06d}" for n in range(2, 34)]  # E09000002 … E09000033
LONDON_REGION = "E12000007"
#: the unit scale of ratio PIs (written out here, not read from the package)
SCALE = {"percent": 100, "rate_per_1k": 1_000, "rate_per_10k": 10_000, "rate_per_100k": 100_000}
KEY = ["pi_code", "period", "borough_code"]
INPUTS = ("fact_pi_value", "dim_indicator", "dim_borough", "published_value")


# ---------------------------------------------------------------------------------------------------------------------
# Fixtures: each warehouse built once, by the real `lsdi run`
# ---------------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_warehouse(tmp_path_factory) -> Path:
    """`lsdi run` on the boroughs' own DfE published figures (5 years)."""
    root = tmp_path_factory.mktemp("real_data")
    written = write_published_returns(root / "raw", 5)
    assert written["boroughs"] == 32 and written["last_year"] == 2024, written
    lsdi_run_ok(root / "raw", root / "warehouse")
    return root / "warehouse"


@pytest.fixture(scope="module")
def bundled_warehouse(tmp_path_factory) -> Path:
    """`lsdi run` on a copy of the bundled raw directory."""
    root = tmp_path_factory.mktemp("bundled")
    lsdi_run_ok(copy_bundled_raw(root / "raw"), root / "warehouse")
    return root / "warehouse"


def _frames(warehouse: Path) -> dict[str, pd.DataFrame]:
    return {name: table(warehouse, name) for name in (*INPUTS, "cmp_borough_pi")}


@pytest.fixture(scope="module")
def real(real_warehouse) -> dict[str, pd.DataFrame]:
    return _frames(real_warehouse)


@pytest.fixture(scope="module")
def bundled(bundled_warehouse) -> dict[str, pd.DataFrame]:
    return _frames(bundled_warehouse)


# ---------------------------------------------------------------------------------------------------------------------
# 1–2. LAIT, implemented independently from DfE's raw files
# ---------------------------------------------------------------------------------------------------------------------
def _figure(cell: str) -> float | None:
    """A DfE cell as a number; DfE's symbols (c, x, z, u, low …) and empty cells are not figures."""
    try:
        number = float(cell.replace(",", ""))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _dfe(file: str, column: str, time_period: int) -> dict:
    """DfE's figures for one year: {'national': x, 'london': x, 'la': {new_la_code: x}, 'la_by_number':
    {old_la_code: x}}."""
    out = {"national": None, "london": None, "la": {}, "la_by_number": {}}
    with open(DFE_DIR / file, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if row["time_period"] != str(time_period):
                continue
            value = _figure(row[column])
            level = row["geographic_level"]
            if level == "National":
                out["national"] = value
            elif level == "Regional" and row["region_code"] == LONDON_REGION:
                out["london"] = value
            elif level == "Local authority" and value is not None:
                out["la"][row["new_la_code"]] = value
                out["la_by_number"][int(row["old_la_code"])] = value
    return out


def _quantile_type7(values: list[float], p: float) -> float:
    """R's quantile(type = 7): h = (n-1)p; x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]) on sorted x."""
    x = sorted(values)
    h = (len(x) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(x) - 1)
    return x[lo] + (h - lo) * (x[hi] - x[lo])


def _lait_low(value: float, values: list[float]) -> tuple[int, str]:
    """LAIT's calculate_rank and calculate_quartile_band for polarity 'Low' (lower is better)."""
    rank = 1 + sum(1 for v in values if v < value)  # rank(ties.method = "min")
    q1, q2, q3 = (_quantile_type7(values, p) for p in (0.25, 0.5, 0.75))
    band = "A" if value <= q1 else "B" if value <= q2 else "C" if value <= q3 else "D"
    return rank, band


def _period(time_period: int) -> str:
    """DfE's reporting year 2025 (to 31 March 2025) is the financial year 2024/25."""
    return f"{time_period - 1}/{time_period % 100:02d}"


@pytest.mark.parametrize(
    "pi_code, file, column", [("NI65", NI65_FILE, "CPP_subsequent_percent"), ("L02", L02_FILE, "rereferral_percent")]
)
@pytest.mark.parametrize("time_period", [2025, 2023])
def test_national_rank_and_band_match_an_independent_lait(real, pi_code, file, column, time_period):
    """For every London borough with a DfE figure: national_rank, national_band and authorities_ranked equal LAIT's
    rule computed here over every English LA with a figure; england_value is the National row, region_value London's."""
    dfe = _dfe(file, column, time_period)
    period = _period(time_period)
    cmp = real["cmp_borough_pi"]
    rows = cmp.loc[(cmp["pi_code"] == pi_code) & (cmp["period"] == period)].set_index("borough_code")
    everyone = list(dfe["la"].values())
    checked = 0
    for borough in LONDON_BOROUGHS:
        if borough not in dfe["la"]:
            assert borough not in rows.index or pd.isna(rows.at[borough, "value"]), f"{borough} has no DfE figure"
            continue
        assert borough in rows.index, f"{pi_code} {period}: {borough} has a DfE figure but no row in cmp_borough_pi"
        row = rows.loc[borough]
        rank, band = _lait_low(dfe["la"][borough], everyone)
        assert row["value"] == pytest.approx(dfe["la"][borough])
        assert (int(row["national_rank"]), row["national_band"], int(row["authorities_ranked"])) == (
            rank,
            band,
            len(everyone),
        ), (
            f"{pi_code} {period} {borough}: cmp gives "
            f"{row['national_rank']}/{row['national_band']}/{row['authorities_ranked']}"
        )
        checked += 1
    assert checked >= 30, f"only {checked} London boroughs have a DfE figure for {pi_code} {period}"
    assert rows["england_value"].to_numpy() == pytest.approx([dfe["national"]] * len(rows))
    assert rows["region_value"].to_numpy() == pytest.approx([dfe["london"]] * len(rows))
    assert len(everyone) > 140, "LAIT ranks among (nearly) every English local authority"


def test_sn_mean_is_the_plain_mean_of_the_ten_dfe_statistical_neighbours(real):
    """NI65 2024/25: where all ten DfE statistical neighbours have a DfE figure, sn_mean is their plain mean, rounded
    as DfE publishes a percentage, and sn_reporting is 10."""
    dfe = _dfe(NI65_FILE, "CPP_subsequent_percent", 2025)["la_by_number"]
    neighbours = real["dim_borough"].set_index("borough_code")["statistical_neighbours"]
    cmp = real["cmp_borough_pi"]
    rows = cmp.loc[(cmp["pi_code"] == "NI65") & (cmp["period"] == "2024/25")].set_index("borough_code")
    qualifying = 0
    for borough, row in rows.iterrows():
        numbers = [int(code) for code in str(neighbours[borough]).split(";") if code.strip()]
        assert len(numbers) == 10, f"{borough}: {neighbours[borough]}"
        if not all(n in dfe for n in numbers):
            continue
        mean = sum(dfe[n] for n in numbers) / 10
        # published as DfE rounds a percentage: one decimal place, halves up (written here with the decimal module)
        expected = float(Decimal(repr(round(mean, 9))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        assert row["sn_mean"] == pytest.approx(expected, abs=1e-9), borough
        assert int(row["sn_reporting"]) == 10, borough
        qualifying += 1
    assert qualifying >= 10, f"only {qualifying} boroughs have all ten neighbours' figures"


# ---------------------------------------------------------------------------------------------------------------------
# 3. Disclosure control
# ---------------------------------------------------------------------------------------------------------------------
def _tolerance(unit: str) -> float:
    """Half the unit's rounding: counts are whole, rates and percentages are given to one decimal place."""
    return 0.5 if unit == "count" else 0.05


def _usable(facts: pd.DataFrame) -> pd.DataFrame:
    """The data team's true figures that comparisons are computed on (current, reported, not flagged error)."""
    return facts.loc[
        facts["is_current"]
        & (facts["value_status"] == "reported")
        & (facts["quality_status"] != "error")
        & facts["value"].notna()
    ]


def _fact_index(facts: pd.DataFrame, keys: pd.DataFrame) -> list:
    """The fact_pi_value row (index label) of each usable figure named by keys' pi_code, period and borough_code."""
    usable = _usable(facts)
    lookup = {k: i for i, k in zip(usable.index, zip(*(usable[c] for c in KEY)))}
    return [lookup[k] for k in zip(*(keys[c] for c in KEY))]


def _set_small(facts: pd.DataFrame, index: list, units: dict[str, str], small) -> pd.DataFrame:
    """A copy of facts where each figure at `index` gets the small number `small(old, denominator)`: the value of a
    count; the numerator of a rate or percentage, its value recomputed as numerator / denominator × scale."""
    out = facts.copy()
    for i in index:
        unit = units[out.at[i, "pi_code"]]
        if unit == "count":
            out.at[i, "value"] = float(small(out.at[i, "value"], None))
        else:
            numerator = float(small(out.at[i, "numerator"], out.at[i, "denominator"]))
            out.at[i, "numerator"] = numerator
            out.at[i, "value"] = numerator / out.at[i, "denominator"] * SCALE[unit]
    return out


def _other_small(step: int):
    """Another number in 1–5 (at most the denominator), at least `step` away where it can be."""

    def choose(old, denominator) -> int:
        old = int(old)
        top = 5 if denominator is None or pd.isna(denominator) else int(min(5, denominator))
        candidates = [(old - 1 + step + k) % 5 + 1 for k in range(5)]
        candidates = [c for c in candidates if c != old and c <= top]
        return candidates[0] if candidates else old

    return choose


def _compare(frames: dict, facts: pd.DataFrame | None = None) -> pd.DataFrame:
    return compare(
        frames["fact_pi_value"] if facts is None else facts,
        frames["dim_indicator"],
        frames["dim_borough"],
        frames["published_value"],
    )


def _assert_same_table(actual: pd.DataFrame, expected: pd.DataFrame, what: str) -> None:
    """Every column identical (NULLs compared as NULL, whatever pandas' spelling of them)."""

    def normal(frame):
        return frame.astype(object).where(frame.notna(), None).reset_index(drop=True)

    try:
        pd.testing.assert_frame_equal(normal(actual), normal(expected), check_dtype=False)
    except AssertionError as error:
        raise AssertionError(f"{what}:\n{error}") from None


# -- the attacker ------------------------------------------------------------------------------------------------------
def derivations(cmp: pd.DataFrame, facts: pd.DataFrame, frames: dict) -> pd.DataFrame:
    """Every derivation (a)–(f) of each suppressed figure of `cmp` from the published columns of `cmp` (and, where
    said, from what an attacker who knows everything else knows: the other figures' numerators and denominators
    and DfE's published files). One row per (figure, derivation) with the candidate and the hidden true value;
    a derivation whose inputs are NULL gives no row (NULL is the defence)."""
    units = dict(zip(frames["dim_indicator"]["pi_code"], frames["dim_indicator"]["unit"]))
    boroughs = frames["dim_borough"].set_index("borough_code")
    dfe_number = pd.to_numeric(boroughs["dfe_la_code"], errors="coerce")
    by_number = {int(n): code for code, n in dfe_number.dropna().items()}
    published = frames["published_value"]
    dfe_la = published.loc[(published["geographic_level"] == "local_authority") & published["value"].notna()]
    dfe_la = {
        (p, per, int(n)): v
        for p, per, n, v in zip(dfe_la["pi_code"], dfe_la["period"], dfe_la["dfe_la_code"], dfe_la["value"])
    }

    facts = _usable(facts)[[*KEY, "period_type", "period_start", "period_end", "value", "numerator", "denominator"]]
    rows = cmp.merge(facts.rename(columns={"value": "true"}), on=KEY, how="left")
    rows["unit"] = rows["pi_code"].map(units)
    shown = rows.loc[~rows["suppressed"]]
    shown_value = {k: v for k, v in zip(zip(*(shown[c] for c in KEY)), shown["value"])}
    out = []

    def add(h, name: str, candidate) -> None:
        if candidate is not None and pd.notna(candidate) and np.isfinite(float(candidate)):
            out.append(
                {
                    **{c: h[c] for c in KEY},
                    "derivation": name,
                    "candidate": float(candidate),
                    "true": h["true"],
                    "unit": h["unit"],
                }
            )

    groups = {k: g for k, g in rows.groupby(["comparison_group", "pi_code", "period"])}
    series = {
        k: g.sort_values("period_start").reset_index(drop=True)
        for k, g in rows.groupby(["borough_code", "pi_code", "period_type"])
    }
    spans = {k: g for k, g in rows.loc[rows["period_type"] != "snapshot"].groupby(["borough_code", "pi_code"])}
    for _, h in rows.loc[rows["suppressed"]].iterrows():
        group = groups[(h["comparison_group"], h["pi_code"], h["period"])]
        others = group.loc[~group["suppressed"]]
        total_shown = others["value"].sum()
        n = int(h["boroughs_reporting"])
        scale = SCALE.get(h["unit"])

        # (a) the group mean times the count, less the figures shown (with the count as published, and one more)
        add(h, "a: mean*n - shown", h["group_mean"] * n - total_shown)
        add(h, "a: mean*(n+1) - shown", h["group_mean"] * (n + 1) - total_shown)
        # (b) a statistic of a small group (or neighbour set) that is the hidden figure itself
        for column in ("group_mean", "group_median", "group_q1", "group_q3", "group_pooled", "sn_median", "sn_mean"):
            add(h, f"b: {column}", h[column])
        # (b') a neighbour's sn_mean, if the hidden figure were among the figures it averages
        code = dfe_number.get(h["borough_code"])
        for _, r in group.iterrows():
            if r["borough_code"] == h["borough_code"] or pd.isna(r["sn_mean"]):
                continue
            listed = [
                int(c)
                for c in str(boroughs.at[r["borough_code"], "statistical_neighbours"]).split(";")
                if c.strip().isdigit()
            ]
            if pd.isna(code) or int(code) not in listed:
                continue
            known = []
            for number in listed:
                if number == int(code):
                    continue
                london = by_number.get(number)
                if london is not None and (h["pi_code"], h["period"], london) in shown_value:
                    known.append(shown_value[(h["pi_code"], h["period"], london)])
                elif london is None and (h["pi_code"], h["period"], number) in dfe_la:
                    known.append(dfe_la[(h["pi_code"], h["period"], number)])
            add(
                h,
                f"b: sn_mean of {r['borough_code']} * (known+1) - known",
                r["sn_mean"] * (len(known) + 1) - sum(known),
            )
            add(
                h,
                f"b: sn_mean of {r['borough_code']} * sn_reporting - known",
                r["sn_mean"] * r["sn_reporting"] - sum(known),
            )

        # (c) the next period's value less its change, the previous period's value plus this one's change
        if pd.notna(h["period_type"]):
            s = series[(h["borough_code"], h["pi_code"], h["period_type"])]
            at = s.index[s["period"] == h["period"]][0]
            if at + 1 < len(s):
                after = s.iloc[at + 1]
                add(h, "c: next - change", after["value"] - after["change_from_previous"])
            if at > 0:
                add(h, "c: previous + change", s.iloc[at - 1]["value"] + h["change_from_previous"])

        # (d) the pooled value, solved for this figure's numerator given its denominator and everyone else's parts
        if scale and pd.notna(h["group_pooled"]) and pd.notna(h["denominator"]) and h["denominator"] > 0:
            parts = others.dropna(subset=["numerator", "denominator"])
            numerator = (
                h["group_pooled"] / scale * (parts["denominator"].sum() + h["denominator"]) - parts["numerator"].sum()
            )
            add(h, "d: pooled solved", numerator / h["denominator"] * scale)

        # (e) DfE's London total less the other London counts published (and less DfE's figures of boroughs not shown)
        if h["unit"] == "count" and pd.notna(h["region_value"]):
            london = others.loc[others["borough_code"].map(boroughs["region_code"]) == LONDON_REGION]
            add(h, "e: region - shown", h["region_value"] - london["value"].sum())
            missing = [
                b
                for b in boroughs.index[boroughs["region_code"] == LONDON_REGION]
                if b != h["borough_code"] and b not in set(london["borough_code"])
            ]
            dfe_missing = [dfe_la.get((h["pi_code"], h["period"], int(dfe_number[b]))) for b in missing]
            if all(v is not None for v in dfe_missing):
                add(h, "e: region - shown - DfE's others", h["region_value"] - london["value"].sum() - sum(dfe_missing))

        # (f) a borough's year less its quarters/months shown; a hidden year as the sum of its parts shown
        if h["period_type"] != "snapshot" and (h["borough_code"], h["pi_code"]) in spans:
            mine = spans[(h["borough_code"], h["pi_code"])]
            outers = mine.loc[
                (mine["period_start"] <= h["period_start"])
                & (mine["period_end"] >= h["period_end"])
                & (mine["period_type"] != h["period_type"])
            ]
            for _, outer in outers.iterrows():
                siblings = mine.loc[
                    (mine["period_start"] >= outer["period_start"])
                    & (mine["period_end"] <= outer["period_end"])
                    & (mine["period_type"] == h["period_type"])
                    & (mine["period"] != h["period"])
                ]
                if outer["suppressed"] or siblings["suppressed"].any():
                    continue
                if h["unit"] == "count":
                    add(h, f"f: {outer['period']} - parts", outer["value"] - siblings["value"].sum())
                elif scale and pd.notna(outer["denominator"]) and pd.notna(h["denominator"]) and h["denominator"] > 0:
                    numerator = outer["value"] / scale * outer["denominator"] - siblings["numerator"].sum()
                    add(h, f"f: {outer['period']} - parts", numerator / h["denominator"] * scale)
            inside = mine.loc[
                (mine["period_start"] >= h["period_start"])
                & (mine["period_end"] <= h["period_end"])
                & (mine["period_type"] != h["period_type"])
            ]
            for kind, parts in inside.groupby("period_type"):
                if parts["suppressed"].any():
                    continue
                if h["unit"] == "count":
                    add(h, f"f: sum of {kind}s", parts["value"].sum())
                elif scale and pd.notna(h["denominator"]) and h["denominator"] > 0:
                    add(h, f"f: sum of {kind}s", parts["numerator"].sum() / h["denominator"] * scale)
    return pd.DataFrame(out, columns=[*KEY, "derivation", "candidate", "true", "unit"])


def _recovered(found: pd.DataFrame) -> pd.DataFrame:
    """The derivations that give the hidden figure within the unit's rounding."""
    if found.empty:
        return found
    return found.loc[(found["candidate"] - found["true"]).abs() <= found["unit"].map(_tolerance)]


def _assert_nothing_recovered(
    frames: dict, baseline_facts: pd.DataFrame, baseline_cmp: pd.DataFrame, perturbed_facts: pd.DataFrame
) -> int:
    """Differential attack: a derivation recovers a hidden figure only if it gives it within rounding both on the
    baseline and after the hidden figures were changed (a coincidence does not survive the change). Returns how
    many derivations were tried."""
    perturbed_cmp = _compare(frames, perturbed_facts)
    before = _recovered(derivations(baseline_cmp, baseline_facts, frames))
    after = _recovered(derivations(perturbed_cmp, perturbed_facts, frames))
    both = before.merge(after, on=[*KEY, "derivation"], suffixes=("", "_after"))
    both = both.loc[both["true"] != both["true_after"]]  # a figure that moved, and the derivation moved with it
    assert both.empty, "suppressed figures recovered from the published outputs:\n" + both.to_string()
    # a secondarily suppressed figure keeps its true value, so it cannot move: recovering it exactly is enough
    secondary = baseline_cmp.loc[baseline_cmp["suppression"] == "secondary", KEY]
    exact = _recovered(derivations(baseline_cmp, baseline_facts, frames)).merge(secondary, on=KEY)
    exact = exact.loc[(exact["candidate"] - exact["true"]).abs() < 1e-6]
    assert exact.empty, "secondarily suppressed figures recovered exactly:\n" + exact.to_string()
    return len(derivations(baseline_cmp, baseline_facts, frames))


def _primary(frames: dict, cmp: pd.DataFrame) -> list:
    return _fact_index(frames["fact_pi_value"], cmp.loc[cmp["suppression"] == "primary"])


def test_compare_in_process_reproduces_the_warehouse_table(bundled, real):
    """The in-process compare() on the warehouse's own input tables gives cmp_borough_pi exactly, so what the
    in-process tests below prove holds for the table `lsdi run` wrote."""
    for name, frames in (("bundled", bundled), ("real data", real)):
        _assert_same_table(_compare(frames), frames["cmp_borough_pi"], f"{name}: compare() vs cmp_borough_pi")


def test_bundled_changing_hidden_figures_changes_nothing_published(bundled):
    """Bundled warehouse: give every primarily suppressed figure another small true value (count 1–5, or numerator
    1–5 on the same denominator): every column of every row of cmp_borough_pi is unchanged, twice over."""
    frames, cmp = bundled, bundled["cmp_borough_pi"]
    units = dict(zip(frames["dim_indicator"]["pi_code"], frames["dim_indicator"]["unit"]))
    targets = _primary(frames, cmp)
    assert len(targets) >= 20, "the bundled data should have many primarily suppressed figures"
    for step in (1, 3):
        perturbed = _set_small(frames["fact_pi_value"], targets, units, _other_small(step))
        changed = int(perturbed["value"].ne(frames["fact_pi_value"]["value"]).sum())
        assert changed >= len(targets) - 3, f"only {changed} of {len(targets)} hidden figures could be changed"
        _assert_same_table(_compare(frames, perturbed), cmp, f"hidden figures moved by {step}")


def test_bundled_no_derivation_recovers_a_hidden_figure(bundled):
    """Bundled warehouse: derivations (a)–(f) of every suppressed figure from cmp_borough_pi (and from the other
    figures' parts) recover none of them, differentially (see _assert_nothing_recovered)."""
    frames, cmp = bundled, bundled["cmp_borough_pi"]
    units = dict(zip(frames["dim_indicator"]["pi_code"], frames["dim_indicator"]["unit"]))
    perturbed = _set_small(frames["fact_pi_value"], _primary(frames, cmp), units, _other_small(2))
    tried = _assert_nothing_recovered(frames, frames["fact_pi_value"], cmp, perturbed)
    assert tried >= 50, f"only {tried} derivations could be tried: the attack is too weak to mean anything"


def test_attacker_finds_a_leak_when_there_is_one(bundled):
    """The harness is not blind: with the suppression mask lifted from change_from_previous (a deliberately leaky
    table), derivation (c) recovers hidden figures."""
    frames, cmp = bundled, bundled["cmp_borough_pi"]
    facts = _usable(frames["fact_pi_value"]).sort_values("period_start")
    previous = facts.groupby(["borough_code", "pi_code", "period_type"])["value"].shift(1)
    true_change = pd.DataFrame({**{c: facts[c] for c in KEY}, "leaky": facts["value"] - previous})
    leaky = cmp.merge(true_change, on=KEY, how="left")
    leaky["change_from_previous"] = leaky["change_from_previous"].fillna(leaky["leaky"])
    found = _recovered(derivations(leaky.drop(columns="leaky"), frames["fact_pi_value"], frames))
    assert found["derivation"].str.startswith("c:").any()


def _inject_small_figures(real: dict) -> tuple[pd.DataFrame, list]:
    """Real-data facts where a few true borough figures are made small (numerator 3, or a count of 3): NI65 and L02
    for boroughs that are each other's neighbours and in consecutive years, an L01 count, an L03 rate."""
    facts = real["fact_pi_value"]
    units = dict(zip(real["dim_indicator"]["pi_code"], real["dim_indicator"]["unit"]))
    usable = _usable(facts)
    boroughs = real["dim_borough"].set_index("borough_code")
    by_number = {int(n): code for code, n in pd.to_numeric(boroughs["dfe_la_code"], errors="coerce").dropna().items()}
    first = LONDON_BOROUGHS[0]
    london_neighbours = [
        by_number[int(n)] for n in str(boroughs.at[first, "statistical_neighbours"]).split(";") if int(n) in by_number
    ][:2]
    chosen = [("NI65", "2024/25", b) for b in [first, *london_neighbours, LONDON_BOROUGHS[10]]]
    chosen += [
        ("NI65", "2023/24", first),
        ("L02", "2024/25", LONDON_BOROUGHS[12]),
        ("L02", "2021/22", LONDON_BOROUGHS[12]),
        ("L01", "2022/23", LONDON_BOROUGHS[3]),
    ]
    l03 = usable.loc[(usable["pi_code"] == "L03") & (usable["borough_code"] == LONDON_BOROUGHS[7])].sort_values(
        "period"
    )
    chosen.append(("L03", l03["period"].iloc[-1], LONDON_BOROUGHS[7]))
    keys = pd.DataFrame(chosen, columns=KEY)
    index = _fact_index(facts, keys)
    return _set_small(facts, index, units, lambda old, den: 3), index


def test_real_data_changing_hidden_figures_changes_nothing_published(real):
    """Real-data warehouse: DfE never publishes a small numerator, so small figures are injected (numerator 3);
    they are primarily suppressed, and moving them to 4 and to 2 leaves every column of cmp_borough_pi unchanged."""
    injected, index = _inject_small_figures(real)
    baseline = _compare(real, injected)
    hidden = baseline.merge(injected.loc[index, KEY], on=KEY)
    assert (hidden["suppression"] == "primary").all(), hidden[[*KEY, "suppression"]]
    assert baseline["suppression"].eq("secondary").any(), "a hidden figure of a group should have a secondary partner"
    units = dict(zip(real["dim_indicator"]["pi_code"], real["dim_indicator"]["unit"]))
    for small in (4, 2):
        moved = _set_small(injected, index, units, lambda old, den, small=small: small)
        _assert_same_table(_compare(real, moved), baseline, f"injected figures moved from 3 to {small}")


def test_real_data_no_derivation_recovers_a_hidden_figure(real):
    """Real-data warehouse with injected small figures: derivations (a)–(f) — including DfE's London total less the
    boroughs' published counts, and DfE's own published figures of the neighbours — recover none of them."""
    injected, index = _inject_small_figures(real)
    units = dict(zip(real["dim_indicator"]["pi_code"], real["dim_indicator"]["unit"]))
    moved = _set_small(injected, index, units, lambda old, den: 1)
    tried = _assert_nothing_recovered(real, injected, _compare(real, injected), moved)
    assert tried >= 20, f"only {tried} derivations could be tried"


def _charts(html: str) -> dict[str, list[dict]]:
    """Each chart's plotly.js traces, by chart id, parsed from the page's `Plotly.newPlot(id, data, …)` calls."""
    decoder = json.JSONDecoder()
    charts = {}
    for match in re.finditer(r"Plotly\.newPlot\(\s*", html):
        chart_id, end = decoder.raw_decode(html, match.end())
        data, _ = decoder.raw_decode(html, re.compile(r"\s*,\s*").match(html, end).end())
        charts[chart_id] = data
    return charts


def _points(trace: dict) -> list[tuple]:
    """(borough name, value) of each point of a trace, whichever way the chart is drawn."""
    names, values = ("y", "x") if trace.get("orientation") == "h" else ("x", "y")
    return list(zip(trace.get(names) or [], trace.get(values) or []))


def test_report_charts_show_no_hidden_figure(bundled, bundled_warehouse):
    """phase1_report.html: in each PI's comparison chart, no suppressed borough of the period charted is drawn as a
    bar, and no point of the chart (bar, marker, hover data) carries its hidden true value against its name."""
    html = (bundled_warehouse / "reports" / "phase1_report.html").read_text(encoding="utf-8")
    charts = {k: v for k, v in _charts(html).items() if k.startswith("chart-cmp-")}
    assert charts, "the report has no comparison charts"
    cmp = bundled["cmp_borough_pi"]
    names = bundled["dim_borough"].set_index("borough_code")["borough_name"]
    truth = _usable(bundled["fact_pi_value"]).set_index(KEY)["value"]
    checked = 0
    for pi, rows in cmp.groupby("pi_code"):
        chart_id = "chart-cmp-" + "".join(ch if ch.isalnum() else "_" for ch in pi)
        if chart_id not in charts:
            continue
        bars = {
            (n, round(float(v), 6))
            for t in charts[chart_id]
            if t.get("type") == "bar"
            for n, v in _points(t)
            if v is not None
        }
        # the period charted is the one whose published figures are exactly the chart's bars
        periods = [
            p
            for p, r in rows.groupby("period")
            if {(names[b], round(float(v), 6)) for b, v in zip(r["borough_code"], r["value"]) if pd.notna(v)} == bars
        ]
        assert len(periods) >= 1, f"{pi}: no period's figures match the chart's bars"
        hidden = rows.loc[rows["period"].isin(periods) & rows["suppressed"]]
        for b, period in zip(hidden["borough_code"], hidden["period"]):
            value = float(truth[(pi, period, b)])
            assert names[b] not in {n for n, _ in bars}, f"{pi} {period}: suppressed {names[b]} is drawn as a bar"
            for trace in charts[chart_id]:
                for n, v in _points(trace):
                    assert not (n == names[b] and v is not None and abs(float(v) - value) < 1e-9 and value != 0), (
                        f"{pi} {period}: {names[b]}'s hidden {value} is in trace {trace.get('name')}"
                    )
                text = json.dumps(trace)
                assert f'"{names[b]}: {value:g}' not in text
            checked += 1
    assert checked >= 5, f"only {checked} suppressed figures are charted: the test proves little"


# ---------------------------------------------------------------------------------------------------------------------
# 4. change_from_previous across a gap
# ---------------------------------------------------------------------------------------------------------------------
def _fact(template: pd.Series, borough: str, pi: str, period, value: float, numerator=None, denominator=None) -> dict:
    """A usable figure, copied from a real row of fact_pi_value with its borough, PI, period and figures replaced."""
    row = template.to_dict()
    row.update(
        borough_code=borough,
        pi_code=pi,
        period=period.label,
        period_type=period.period_type,
        period_start=pd.Timestamp(period.start),
        period_end=pd.Timestamp(period.end),
        value=value,
        numerator=numerator,
        denominator=denominator,
        is_current=True,
        value_status="reported",
        quality_status="ok",
    )
    return row


def test_change_from_previous_is_null_across_a_gap(bundled):
    """One borough with L01 for 2019/20 and 2022/23 only, another for 2021/22 and 2022/23; L03 snapshots at 31 March,
    30 June and 30 September 2022 for a third, none at 31 December 2021: the change is NULL across each gap and the
    plain difference for each adjacent pair."""
    template = _usable(bundled["fact_pi_value"]).iloc[0]
    a, b, c = LONDON_BOROUGHS[:3]
    facts = pd.DataFrame(
        [
            _fact(template, a, "L01", financial_year(2019), 100.0),
            _fact(template, a, "L01", financial_year(2022), 130.0),
            _fact(template, b, "L01", financial_year(2021), 200.0),
            _fact(template, b, "L01", financial_year(2022), 215.0),
            _fact(template, c, "L01", financial_quarter(2022, 1), 40.0),
            _fact(template, c, "L01", financial_quarter(2022, 3), 55.0),
            _fact(template, c, "L01", financial_quarter(2022, 4), 52.0),
            *[
                _fact(template, c, "L03", snapshot(pd.Timestamp(day).date()), n / 50_000 * 10_000, n, 50_000.0)
                for day, n in (("2021-09-30", 190), ("2022-03-31", 200), ("2022-06-30", 230), ("2022-09-30", 220))
            ],
        ]
    )
    change = compare(facts, bundled["dim_indicator"], bundled["dim_borough"]).set_index(KEY)["change_from_previous"]
    assert pd.isna(change[("L01", "2022/23", a)]), "2019/20 → 2022/23 is across a gap"
    assert pd.isna(change[("L01", "2019/20", a)]) and pd.isna(change[("L01", "2021/22", b)])
    assert change[("L01", "2022/23", b)] == pytest.approx(15.0)
    assert pd.isna(change[("L01", "2022/23 Q1", c)]) and pd.isna(change[("L01", "2022/23 Q3", c)]), "Q1 → Q3 skips Q2"
    assert change[("L01", "2022/23 Q4", c)] == pytest.approx(-3.0)
    # L03 is quarterly: 2022-03-31 follows no 2021-12-31 (but a year on from nothing); 2022-06-30 follows 2022-03-31;
    # 2022-09-30 follows 2022-06-30 (and is a year on from 2021-09-30: the adjacent quarter is the previous figure)
    assert pd.isna(change[("L03", "2022-03-31", c)]) and pd.isna(change[("L03", "2021-09-30", c)])
    assert change[("L03", "2022-06-30", c)] == pytest.approx(6.0)
    assert change[("L03", "2022-09-30", c)] == pytest.approx(-2.0)


# ---------------------------------------------------------------------------------------------------------------------
# 3 (continued). A linked-table leak: a secondary year shown as the sum of its quarters
# ---------------------------------------------------------------------------------------------------------------------
def test_secondary_suppressed_year_cannot_be_rebuilt_from_its_quarters(bundled):
    """London's total (DfE publishes it: region_value) less the years shown gives the two hidden ones together —
    secondary suppression's protection — but only if the second hidden year cannot be worked out on its own. Here
    it is the sum of its four quarters, all shown; so a count of 4 (and of 2, moving with it) comes straight back.
    The suppression must hide one of the quarters too (the year and its parts are a total with one hidden figure)."""
    template = _usable(bundled["fact_pi_value"]).iloc[0]
    a, b, c, d, e = LONDON_BOROUGHS[:5]
    year = financial_year(2022)
    recovered = {}
    for small in (4.0, 2.0):
        facts = pd.DataFrame(
            [
                _fact(template, a, "L01", year, small),
                _fact(template, b, "L01", year, 50.0),
                _fact(template, c, "L01", year, 60.0),
                _fact(template, d, "L01", year, 70.0),
                _fact(template, e, "L01", year, 80.0),
                *[
                    _fact(template, b, "L01", financial_quarter(2022, q), v)
                    for q, v in zip((1, 2, 3, 4), (10.0, 10.0, 15.0, 15.0))
                ],
            ]
        )
        london_total = float(facts.loc[facts["period"] == year.label, "value"].sum())  # what DfE publishes for London
        published = pd.DataFrame(
            [
                {
                    "pi_code": "L01",
                    "period": year.label,
                    "geographic_level": "regional",
                    "area_code": LONDON_REGION,
                    "dfe_la_code": pd.NA,
                    "area_name": "London",
                    "value": london_total,
                    "numerator": np.nan,
                    "denominator": np.nan,
                    "value_status": "reported",
                    "raw_value": str(london_total),
                    "source_file": "published/test.csv",
                }
            ]
        )
        cmp = compare(facts, bundled["dim_indicator"], bundled["dim_borough"], published).set_index(KEY)
        assert cmp.at[("L01", year.label, a), "suppression"] == "primary"
        years = cmp.xs(year.label, level="period")
        quarters_of_b = cmp.loc[[("L01", financial_quarter(2022, q).label, b) for q in (1, 2, 3, 4)], "value"]
        hidden_years = years.loc[years["suppressed"]]
        assert len(hidden_years) >= 2, "a lone hidden year would be the London total less the others"
        if quarters_of_b.notna().all() and cmp.at[("L01", year.label, b), "suppressed"]:
            recovered[small] = years["region_value"].iloc[0] - years["value"].sum() - quarters_of_b.sum()
    found = _recovered(derivations(cmp.reset_index(), facts, {**bundled, "published_value": published}))
    assert recovered != {4.0: 4.0, 2.0: 2.0}, (
        "London's total − the years shown − the quarters of the secondarily suppressed borough gives back the hidden "
        f"count exactly, and moves with it: {recovered}; the attacker's derivations find:\n{found.to_string()}"
    )
