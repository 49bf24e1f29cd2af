"""`lsdi bench` on a small shape: real `lsdi run` processes, every figure issue 7 asks for, and its JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lsdi_pipeline.assets import STAGES
from lsdi_pipeline.bench import main

ROOT = Path(__file__).resolve().parent.parent


def test_the_bench_measures_every_figure_and_writes_them_as_json(tmp_path, capsys):
    assert main(tmp_path / "warehouse", [2], years=1, repeat=1, project=ROOT, hostile=["deep_nesting.xlsx"]) == 0
    results = json.loads((tmp_path / "warehouse" / "reports" / "bench" / "latest.json").read_text(encoding="utf-8"))
    runs = [results["bundled"], results["new_return_bundled"], *results["scales"], results["new_return_national"]]
    for run in runs:
        assert run["runs"] == 1 and run["wall_s"] > 0 and run["peak_rss_mib"] > 50, run["label"]
        assert set(run["stages_s"]) == {*STAGES, "schema_validation", "startup_and_bookkeeping"}
        steps = sum(v for k, v in run["stages_s"].items() if k not in ("schema_validation", "startup_and_bookkeeping"))
        assert 0 < steps < run["wall_s"]
        # both are rounded from the same wall time: wall_s to 0.01 s, s_per_1000_facts to 0.001 s
        assert run["s_per_1000_facts"] * run["facts"] / 1000 == pytest.approx(
            run["wall_s"], abs=0.005 + 0.0005 * run["facts"] / 1000 + 1e-9
        )
    assert (
        results["bundled"]["stages_s"]["expectations"] > 0
        and results["new_return_bundled"]["stages_s"]["expectations"] == 0
    )  # left to nightly
    assert results["new_return_bundled"]["facts"] == results["bundled"]["facts"] + 1  # the one new figure, and only it
    assert results["scales"][0]["authorities"] == 2 and results["scales"][0]["facts"] > 0
    # the fixed cost of any run: one asset with no inputs, on lsdi run's own path in a fresh process
    fixed = results["fixed_cost"]
    assert (
        fixed["runs"] == 1
        and 0 < fixed["stages_s"]["warehouse"] < fixed["wall_s"]
        and fixed["stages_s"]["validated"] == 0
    )
    for name, full, new in [
        ("bundled", results["bundled"], results["new_return_bundled"]),
        ("2 authorities", results["scales"][0], results["new_return_national"]),
    ]:
        share = results["new_return_share"][name]
        assert share["whole_process"] == pytest.approx(new["wall_s"] / full["wall_s"], abs=1e-3)
        assert share["above_fixed_cost"] == pytest.approx(
            max(new["wall_s"] - fixed["wall_s"], 0) / (full["wall_s"] - fixed["wall_s"]), abs=1e-3
        )
    assert results["definitions_validate"]["runs"] == 3 and results["definitions_validate"]["wall_s"] > 0
    # a hostile file beside the bundled returns: its extra cost against the bundled run, and what became of it
    [hostile] = results["hostile"]
    assert (
        hostile["file"] == "deep_nesting.xlsx"
        and hostile["status"].startswith("rejected: ")
        and hostile["facts"] == results["bundled"]["facts"]
    )
    assert hostile["extra_s"] == pytest.approx(hostile["wall_s"] - results["bundled"]["wall_s"], abs=0.02)
    assert {
        "one hostile file adds ≤ 10 s (deep_nesting.xlsx)",
        "one hostile file adds ≤ 1024 MiB (deep_nesting.xlsx)",
    } <= {v["target"] for v in results["verdicts"]}
    # what the fixed cost is made of: its parts add up to the whole process
    parts = fixed["parts_s"]
    assert list(parts) == [
        "interpreter",
        "import_dagster",
        "import_lsdi_pipeline",
        "open_instance",
        "run",
        "exit",
    ] and all(v >= 0 for v in parts.values())
    assert sum(parts.values()) == pytest.approx(fixed["wall_s"], abs=0.05)
    assert parts["import_dagster"] > 0.1 and parts["run"] > 0
    assert results["machine"]["cpus"] >= 1
    # every target of issue 16, with the figure measured, its limit and whether it was met
    verdicts = {v["target"]: v for v in results["verdicts"]}
    fixed_s = fixed["wall_s"]
    expected = {
        f"bundled lsdi run ≤ 2 × the fixed cost of a run ({fixed_s:.2f} s)": (
            results["bundled"]["wall_s"],
            round(2 * fixed_s, 2),
        ),
        "2-authority lsdi run ≤ 25 s": (results["scales"][0]["wall_s"], 25.0),
        "2-authority peak RSS ≤ 1024 MiB": (results["scales"][0]["peak_rss_mib"], 1024.0),
        f"one new return on the 2-authority warehouse ≤ the fixed cost of a run ({fixed_s:.2f} s) + 3 s": (
            results["new_return_national"]["wall_s"],
            round(fixed_s + 3, 2),
        ),
        "cold dagster definitions validate -w workspace.yaml ≤ 2 s": (results["definitions_validate"]["wall_s"], 2.0),
    }
    for target, (measured, limit) in expected.items():
        assert (verdicts[target]["measured"], verdicts[target]["limit"]) == (measured, limit), target
        assert verdicts[target]["met"] is (measured <= limit)
    assert all(isinstance(v["met"], bool) for v in results["verdicts"])
    printed = capsys.readouterr().out
    assert (
        "targets:" in printed
        and "one new return, 2-authority warehouse" in printed
        and "fixed cost of a run" in printed
        and "the fixed cost of a run, part by part" in printed
        and "(limit " in printed
    )
    assert "one hostile file beside the bundled returns" in printed
    # the files the bench drops in to time a new return are removed: the generated data stays as generated
    assert not list((tmp_path / "warehouse" / "bench" / "raw-2x1" / "returns").glob("bench_new_return_*"))
