"""DfE's published statistics as a source: read exactly as published, symbols with their meanings, and a
real example raw directory whose returns are the boroughs' own published figures."""

from __future__ import annotations

import calendar
import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from lsdi_pipeline import codes, published, reference
from lsdi_pipeline.published import PublishedDataError, read_published
from lsdi_pipeline.sample.published_returns import write_published_returns
from lsdi_pipeline_tests.pipeline import (
    BUNDLED_RAW,
    copy_bundled_raw,
    lsdi_run,
    lsdi_run_ok,
    query,
    table,
)
from lsdi_pipeline_tests.returns_builder import pi_row, write_return

PUBLISHED = BUNDLED_RAW / "published"
REFERENCE = BUNDLED_RAW.parents[2] / "shared" / "reference"


def _rows(name: str) -> list[dict]:
    with open(PUBLISHED / name, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _indicators(raw: Path = BUNDLED_RAW) -> pd.DataFrame:
    return reference.read_indicators(raw, reference.read_clusters(raw))


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="the project's reference folder is not beside this checkout")
def test_the_published_files_are_shipped_unchanged():
    for path in PUBLISHED.glob("*.csv"):
        assert path.read_bytes() == (REFERENCE / path.name).read_bytes(), path.name


def test_every_declared_figure_is_read_with_its_period_level_and_symbol():
    published = read_published(BUNDLED_RAW, _indicators())
    c1 = _rows("dfe_c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv")
    l02 = published.loc[published["pi_code"] == "L02"]
    assert len(l02) == len(c1)  # every national, regional and LA row, once
    camden = l02.loc[(l02["area_code"] == "E09000007") & (l02["period"] == "2024/25")].iloc[0]
    source = next(r for r in c1 if r["new_la_code"] == "E09000007" and r["time_period"] == "2025")
    assert (camden["value"], camden["numerator"], camden["denominator"]) == (
        float(source["rereferral_percent"]),
        float(source["rereferral_count"]),
        float(source["referral_count"]),
    )
    assert camden["dfe_la_code"] == 202 and camden["geographic_level"] == "local_authority"
    # every symbol DfE used in the cells read is a NULL value with its meaning
    for row in c1:
        cell = row["rereferral_percent"]
        match = l02.loc[
            (l02["raw_value"] == cell) & (l02["area_name"] == (row["la_name"] or row["region_name"] or "England"))
        ]
        if cell.lower() in codes.DFE_SYMBOLS:
            assert (match["value_status"] == codes.DFE_SYMBOLS[cell.lower()]).all() and match["value"].isna().all()
    assert {"suppressed", "not_available", "low_reliability"} <= set(published["value_status"])
    # a rate DfE publishes as its parts: children on a plan at 31 March per 10,000 of the previous mid-year's children
    l03 = published.loc[
        (published["pi_code"] == "L03")
        & (published["area_code"] == "E09000007")
        & (published["period"] == "2025-03-31")
    ]
    assert l03.iloc[0][["numerator", "denominator", "value"]].tolist() == [
        151.0,
        35276.0,
        round(151 / 35276 * 10_000, 1),
    ]
    england = published.loc[(published["geographic_level"] == "national") & (published["pi_code"] == "NI65")]
    assert set(england["period"]) == {f"{y}/{(y + 1) % 100:02d}" for y in range(2012, 2025)}


def test_the_catalogue_stays_at_36_pis_and_names_each_published_source():
    indicators = _indicators()
    assert len(indicators) == 36
    mapped = indicators.loc[indicators["published_source"].notna()]
    assert set(mapped["pi_code"]) == {"L01", "L02", "L03", "NI65"}
    assert (
        indicators.loc[indicators["pi_code"] == "NI64", "published_source"].isna().all()
    )  # not the 31 March duration table
    ni65 = indicators.set_index("pi_code").loc["NI65"]
    assert (ni65["polarity"], ni65["national_polarity"]) == ("in_band", "lower_is_better") and "LAIT" in ni65[
        "definition"
    ]


def test_a_damaged_declaration_or_file_is_a_located_error(tmp_path):
    raw = copy_bundled_raw(tmp_path / "raw")
    (raw / "published" / "dfe_d3_cpps_subsequent_plan_2013_to_2025.csv").unlink()
    with pytest.raises(PublishedDataError, match="dfe_d3_cpps_subsequent_plan_2013_to_2025.csv is declared"):
        read_published(raw, _indicators(raw))
    shutil.copy(PUBLISHED / "dfe_d3_cpps_subsequent_plan_2013_to_2025.csv", raw / "published")
    text = (raw / "published" / "dfe_d3_cpps_subsequent_plan_2013_to_2025.csv").read_text(encoding="utf-8").splitlines()
    text[5] = text[5].replace("2025,Reporting year", "2025 Q9,Reporting year", 1)
    (raw / "published" / "dfe_d3_cpps_subsequent_plan_2013_to_2025.csv").write_text("\n".join(text), encoding="utf-8")
    with pytest.raises(PublishedDataError, match="line 6: time_period '2025 Q9'"):
        read_published(raw, _indicators(raw))


def test_a_published_cell_that_is_no_figure_is_not_available_and_a_clash_is_a_located_error(tmp_path):
    raw = copy_bundled_raw(tmp_path / "raw")
    path = raw / "published" / "dfe_d3_cpps_subsequent_plan_2013_to_2025.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    camden = next(i for i, line in enumerate(lines) if line.startswith("2025,") and ",E09000007," in line)
    lines[camden] = lines[camden].rsplit(",", 1)[0] + ",1e300"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    published = read_published(raw, _indicators(raw))
    cell = published.loc[
        (published["pi_code"] == "NI65") & (published["area_code"] == "E09000007") & (published["period"] == "2024/25")
    ]
    assert (
        cell[["value_status", "raw_value"]].values.tolist() == [["not_available", "1e300"]]
        and cell["value"].isna().all()
    )
    lines.insert(camden + 1, lines[camden].rsplit(",", 1)[0] + ",23.0")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(
        PublishedDataError, match=r"Camden \(E09000007\) more than one figure for NI65 2024/25: 1e300, 23.0"
    ):
        read_published(raw, _indicators(raw))


def test_each_symbol_in_a_return_loads_with_its_meaning_and_rejects_no_row(tmp_path):
    """Every DfE symbol in the Value cell of a real workbook, through `lsdi run`: loaded with its status, no row
    rejected."""
    raw = copy_bundled_raw(tmp_path / "raw")
    symbols = ["c", "[c]", "x", ":", "[x]", "z", "[z]", "u", "[u]", "low", "k", "~"]
    months = [f"{calendar.month_abbr[m]} {2007 + (m < 4)}" for m in (*range(4, 13), 1, 2, 3)]
    write_return(
        raw / "returns" / "barnet_symbols.xlsx",
        pi_rows=[pi_row("L01", month, value=symbol) for month, symbol in zip(months, symbols)],
    )
    lsdi_run_ok(raw, tmp_path / "wh")
    loaded = query(
        tmp_path / "wh",
        """SELECT f.raw_value, f.value_status, f.value FROM fact_pi_value f JOIN submission s
           USING (submission_id) WHERE s.file_name = 'barnet_symbols.xlsx' ORDER BY f.period""",
    )
    assert list(loaded["raw_value"]) == symbols
    assert list(loaded["value_status"]) == [codes.DFE_SYMBOLS[s] for s in symbols] and loaded["value"].isna().all()
    rejected = query(
        tmp_path / "wh",
        """SELECT count(*) n FROM rejected_row r JOIN submission s USING (submission_id)
                                         WHERE s.file_name = 'barnet_symbols.xlsx'""",
    )
    assert rejected["n"][0] == 0


@pytest.fixture(scope="module")
def published_example(tmp_path_factory):
    root = tmp_path_factory.mktemp("published")
    counts = write_published_returns(root / "raw", years=3)
    lsdi_run_ok(root / "raw", root / "wh")
    return root, counts


def test_the_real_example_holds_only_published_figures_and_fills_the_england_columns(published_example):
    root, counts = published_example
    assert counts == {"returns": 96, "boroughs": 32, "years": 3, "first_year": 2022, "last_year": 2024}
    facts = table(root / "wh", "fact_pi_value")
    published = table(root / "wh", "published_value")
    la = (
        published.loc[published["geographic_level"] == "local_authority"]
        .add_suffix("_dfe")
        .rename(columns={"pi_code_dfe": "pi_code", "period_dfe": "period"})
    )
    joined = facts.merge(la, on=["pi_code", "period"]).merge(
        table(root / "wh", "dim_borough")[["borough_code", "dfe_la_code"]], on="borough_code"
    )
    same = joined.loc[joined["dfe_la_code"] == joined["dfe_la_code_dfe"]]
    assert len(same) == len(facts) > 300  # every figure is a published one of its own borough
    assert (same["value_status"] == same["value_status_dfe"]).all()
    reported = same.loc[same["value_status"] == "reported"]
    assert (reported["value"] == reported["value_dfe"]).all()
    issues = table(root / "wh", "dq_issue")
    assert not (issues["check_name"] == "differs_from_published").any()
    assert len(table(root / "wh", "rejected_row")) == 0
    cmp = table(root / "wh", "cmp_borough_pi")
    ni65 = cmp.loc[(cmp["pi_code"] == "NI65") & (cmp["period"] == "2024/25")]
    assert (
        ni65["national_band"].notna().sum() >= 30
        and ni65["england_value"].eq(24.5).all()
        and ni65["region_value"].eq(19.2).all()
    )
    # Camden NI 65 2024/25: band D among London's boroughs, band B among England's authorities
    camden = ni65.set_index("borough_code").loc["E09000007"]
    assert (camden["quartile_band"], camden["national_band"]) == ("D", "B")


def test_the_real_example_report_shows_london_and_england_and_names_the_neighbour_model(published_example):
    root, _ = published_example
    html = (root / "wh" / "reports" / "phase1_report.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="comparison"') :]
    section = section[: section.index("</section>")]
    assert "London and England, side by side" in section and "England (DfE published)" in section
    assert section.count("DfE May 2025 model") >= 5  # under each chart and the side-by-side table
    assert "Some of these data are SYNTHETIC" in html  # the mapping stage is synthetic, the returns are not


def test_the_bundled_report_says_why_there_is_no_england_comparison(tmp_path):
    raw = copy_bundled_raw(tmp_path / "raw")
    lsdi_run_ok(raw, tmp_path / "wh")
    html = (tmp_path / "wh" / "reports" / "phase1_report.html").read_text(encoding="utf-8")
    assert "have no published year to compare with" in html and "lsdi sample --published" in html
    assert table(tmp_path / "wh", "cmp_borough_pi")["england_value"].isna().all()


def test_an_altered_figure_differs_from_published_and_the_finding_points_at_its_cell(tmp_path):
    root = tmp_path
    write_published_returns(root / "raw", years=1)
    path = root / "raw" / "returns" / "camden_dfe_published_2024-25.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines) if ",NI65," in text)
    lines[line] = lines[line].replace(",21.9,", ",27.5,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = lsdi_run(root / "raw", root / "wh")
    assert done.returncode == 0, done.stderr[-3000:]
    found = query(root / "wh", "SELECT * FROM dq_issue WHERE check_name = 'differs_from_published'")
    assert len(found) == 1
    finding = found.iloc[0]
    assert (finding["borough_code"], finding["pi_code"], finding["period"]) == ("E09000007", "NI65", "2024/25")
    assert finding["row_number"] == line + 1 and finding["value_found"] == "27.5" and finding["cell_ref"]
    assert "27.5" in finding["message"] and "21.9" in finding["message"]


def test_the_example_refuses_to_overwrite_the_raw_directory_it_copies():
    with pytest.raises(ValueError, match="refusing"):
        write_published_returns(BUNDLED_RAW)


def test_the_example_never_deletes_returns_it_did_not_write(tmp_path):
    """Pointed at a raw directory holding a borough's return, it refuses and leaves the return; its own files it
    rewrites."""
    write_published_returns(tmp_path / "raw", years=1)
    theirs = tmp_path / "raw" / "returns" / "barnet_lsdi_return_2024-25.xlsx"
    theirs.write_bytes(b"a borough's own return")
    with pytest.raises(ValueError, match="barnet_lsdi_return_2024-25.xlsx"):
        write_published_returns(tmp_path / "raw", years=2)
    assert theirs.read_bytes() == b"a borough's own return"
    assert len(list((tmp_path / "raw" / "returns").glob("*_dfe_published_*.csv"))) == 32
    theirs.unlink()
    assert write_published_returns(tmp_path / "raw", years=2)["returns"] == 64
    assert len(list((tmp_path / "raw" / "returns").glob("*"))) == 64


def test_lsdi_sample_published_writes_the_example_and_explains_a_missing_output(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lsdi_pipeline.cli",
            "sample",
            "--published",
            "--years",
            "2",
            "--output",
            str(tmp_path / "raw"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "64 CSV returns" in done.stdout and "2023/24–2024/25" in done.stdout and "lsdi run --raw-dir" in done.stdout
    assert len(list((tmp_path / "raw" / "returns").glob("*.csv"))) == 64
    missing = subprocess.run(
        [sys.executable, "-m", "lsdi_pipeline.cli", "sample", "--published"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2 and "--published needs --output" in missing.stderr


def _declaration(raw: Path, edit) -> None:
    path = raw / "dataset" / "published_measures.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    edit(rows)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda rows: rows[1].update(national_polarity="Low"),
            r"line 3 \(L02\): national_polarity must be .* not 'Low'",
        ),
        (
            lambda rows: rows[2].update(denominator_lag_years="one"),
            r"line 4 \(L03\): denominator_lag_years must be a whole number",
        ),
        (
            lambda rows: rows[0].update(value_column=""),
            r"line 2 \(L01\): give value_column, or numerator_column and denominator_column",
        ),
        (
            lambda rows: rows[3].update(value_column="CPP_subsequent_pct"),
            r"dfe_d3_cpps_subsequent_plan_2013_to_2025.csv has no column CPP_subsequent_pct",
        ),
        (lambda rows: rows[3].update(pi_code="NI99"), r"NI99 is not a PI of the catalogue"),
        (lambda rows: [row.pop("national_polarity") for row in rows], r"has no column national_polarity"),
    ],
)
def test_a_damaged_declaration_is_an_error_naming_its_line_and_what_is_wrong(tmp_path, edit, message):
    raw = copy_bundled_raw(tmp_path / "raw")
    _declaration(raw, edit)
    with pytest.raises(PublishedDataError, match=message):
        read_published(raw, _indicators(), published.read_measures(raw))
