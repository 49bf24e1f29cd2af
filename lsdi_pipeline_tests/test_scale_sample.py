"""`lsdi sample --authorities all|N --years N`: the national shape of the synthetic data, on real files."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from lsdi_pipeline.cli import main
from lsdi_pipeline.reference import AuthorityRegister, normalise_name
from lsdi_pipeline.sample import national
from lsdi_pipeline.sample.national import read_authorities, select_authorities
from lsdi_pipeline_tests.pipeline import BUNDLED_RAW, materialize_all, query, table

AUTHORITIES, YEARS = 4, 2


def _sample(output: Path, *args: str) -> int:
    return main(["sample", "--output", str(output), *args])


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("national") / "raw"  # does not exist yet
    assert _sample(raw, "--authorities", str(AUTHORITIES), "--years", str(YEARS)) == 0
    return raw


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _about(path: Path) -> dict[str, object]:
    wb = openpyxl.load_workbook(path, read_only=True)
    return {row[0]: row[1] for row in wb["About"].iter_rows(values_only=True)}


def test_all_means_the_153_local_authorities_with_real_codes():
    everyone = select_authorities("all")
    assert len(everyone) == 153 and len(select_authorities("ALL")) == 153
    assert everyone["borough_code"].is_unique and everyone["borough_code"].str.match(r"^E(0[6-9]|10)\d{6}$").all()
    assert everyone["dfe_la_code"].is_unique and everyone["dfe_la_code"].str.match(r"^\d{3}$").all()
    assert (
        pd.to_numeric(everyone["child_population"]).gt(0).all() and (everyone["child_population_year"] == "2024").all()
    )
    assert (
        everyone["source"].str.contains("OGL v3.0").all() and everyone["source"].str.contains("Crown copyright").all()
    )
    # the 32 boroughs of data/raw/boroughs.csv keep their codes, neighbours and aliases; the City of London is the 33rd
    bundled = pd.read_csv(BUNDLED_RAW / "boroughs.csv", dtype=str, keep_default_na=False).set_index("borough_code")
    london = everyone.loc[everyone["comparison_group"] == "London"].set_index("borough_code").fillna("")
    assert set(london.index) == set(bundled.index) | {"E09000001"}
    for column in ("legacy_code", "dfe_la_code", "borough_name", "aliases", "inner_outer", "statistical_neighbours"):
        assert (london.loc[bundled.index, column] == bundled[column]).all(), column
    assert everyone.loc[everyone["comparison_group"] != "London", "inner_outer"].isna().all()
    # a name or alias an officer types identifies exactly one authority
    owners = {}
    for row in everyone.itertuples():
        aliases = row.aliases.split(";") if isinstance(row.aliases, str) else []
        for name in [row.borough_name, *aliases]:
            owners.setdefault(normalise_name(name), set()).add(row.borough_code)
    assert {name: codes for name, codes in owners.items() if len(codes) > 1} == {}


def test_n_is_the_first_n_in_the_packaged_order():
    assert list(select_authorities(5)["borough_code"]) == list(read_authorities()["borough_code"][:5])
    assert list(select_authorities(3)["borough_name"]) == ["County Durham", "Darlington", "Gateshead"]
    for bad in ("0", "154", "some"):
        with pytest.raises(ValueError, match="--authorities"):
            select_authorities(bad)


def test_the_national_shape_needs_an_output_and_never_replaces_the_bundled_data(tmp_path, capsys, monkeypatch):
    with pytest.raises(SystemExit):
        main(["sample", "--authorities", "2"])
    with pytest.raises(SystemExit):
        main(["sample", "--years", "2", "--output", str(tmp_path)])
    # a stand-in for data/raw: the real one is never risked in a test
    bundled = tmp_path / "checkout" / "data" / "raw"
    shutil.copytree(BUNDLED_RAW / "dataset", bundled / "dataset")
    monkeypatch.setattr(national, "BUNDLED_RAW", bundled)
    assert _sample(bundled, "--authorities", "2") == 2
    assert "refusing" in capsys.readouterr().err and not (bundled / "boroughs.csv").exists()
    assert _sample(tmp_path / "x", "--authorities", "2", "--years", "0") == 2
    # without a checkout's catalogue, a catalogue already in the output is used; with none, a clear message
    monkeypatch.setattr(national, "BUNDLED_RAW", tmp_path / "installed_wheel")
    assert _sample(tmp_path / "empty", "--authorities", "1") == 2
    assert "no PI catalogue" in capsys.readouterr().err
    shutil.copytree(BUNDLED_RAW / "dataset", tmp_path / "ready" / "dataset")
    assert _sample(tmp_path / "ready", "--authorities", "1") == 0


def test_a_complete_raw_directory_with_one_workbook_per_authority_per_year(generated):
    expected = read_authorities().iloc[:AUTHORITIES]
    boroughs = pd.read_csv(generated / "boroughs.csv", dtype=str, keep_default_na=False)
    assert list(boroughs.columns) == list(pd.read_csv(BUNDLED_RAW / "boroughs.csv", nrows=0).columns)
    assert list(boroughs["borough_code"]) == list(expected["borough_code"])
    assert (boroughs["legacy_code"] == "").all() and (boroughs["comparison_group"] == "North East").all()
    for name in ("goals.csv", "clusters.csv", "indicators.csv"):
        assert (generated / "dataset" / name).read_bytes() == (BUNDLED_RAW / "dataset" / name).read_bytes()
    for csv_file in ("mapping/responses.csv", "pilot/pilot_boroughs.csv"):
        assert list(pd.read_csv(generated / csv_file, dtype=str)["borough_code"]) == list(expected["borough_code"])
    assert set(pd.read_csv(generated / "mapping" / "inventory.csv", dtype=str)["borough_code"]) == set(
        expected["borough_code"]
    )

    files = sorted((generated / "returns").iterdir())
    assert len(files) == AUTHORITIES * YEARS and all(f.suffix == ".xlsx" for f in files)
    register = AuthorityRegister.from_frame(boroughs)
    seen = set()
    for path in files:
        about = _about(path)
        typed = about["Borough code"]
        code = register.by_code_text(typed) if typed else register.by_name_text(about["Borough name"])
        assert code is not None and about["Template version"] == "LSDI-R1"
        seen.add((code, about["Return period"]))
        assert re.search(about["Return period"].replace("/", "-") + r"\.xlsx$", path.name)
    assert seen == {(code, year) for code in expected["borough_code"] for year in ("2006/07", "2007/08")}


def test_same_arguments_same_bytes_and_a_smaller_selection_writes_the_same_files(generated, tmp_path):
    again = tmp_path / "again"
    again.mkdir()
    (again / "returns").mkdir()
    (again / "returns" / "stale.csv").write_text("left from an earlier run")
    assert _sample(again, "--authorities", str(AUTHORITIES), "--years", str(YEARS)) == 0
    assert _files(again) == _files(generated)
    smaller = tmp_path / "smaller"
    assert _sample(smaller, "--authorities", "2", "--years", "1") == 0
    returns = _files(smaller / "returns")
    assert len(returns) == 2 and all(name.endswith("2007-08.xlsx") for name in returns)
    assert all(data == (generated / "returns" / name).read_bytes() for name, data in returns.items())
    assert _sample(tmp_path / "other_seed", "--authorities", "2", "--seed", "7") == 0
    assert _files(tmp_path / "other_seed" / "returns").keys() == returns.keys() != {}
    assert _files(tmp_path / "other_seed" / "returns") != returns


def test_the_generated_directory_runs_through_the_real_pipeline(generated, tmp_path):
    warehouse = tmp_path / "warehouse"
    materialize_all(generated, warehouse)  # authorities outside London have no statistical neighbours: nothing breaks
    submissions = table(warehouse, "submission")
    assert len(submissions) == AUTHORITIES * YEARS
    assert set(submissions["status"]) <= {"accepted", "accepted_with_issues"}
    assert set(submissions["return_period"]) == {"2006/07", "2007/08"}
    assert len(table(warehouse, "dim_borough")) == AUTHORITIES
    years = query(
        warehouse, "SELECT DISTINCT borough_code, left(period, 4) AS y FROM fact_pi_value WHERE period_type = 'year'"
    )
    assert len(years) == AUTHORITIES * YEARS
    # availability counts every year the returns cover, not just one
    expected = query(
        warehouse,
        "SELECT DISTINCT a.periods_expected FROM availability_matrix a JOIN dim_indicator i USING (pi_code) "
        "WHERE i.expected_cadence = 'annual'",
    )
    assert list(expected["periods_expected"]) == [YEARS]
