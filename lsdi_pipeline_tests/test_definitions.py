"""The Dagster definitions load, and every asset is described and placed in a stage."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg

from lsdi_pipeline.assets import STAGES
from lsdi_pipeline.definitions import defs

ROOT = Path(__file__).resolve().parent.parent


def test_definitions_are_loadable():
    dg.Definitions.validate_loadable(defs)


def test_every_asset_has_a_stage_group_and_a_one_sentence_description():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name in STAGES, key
        description = node.description or ""
        assert description.strip().endswith(".") and len(description) > 20, key


def test_the_collapsed_lineage_reads_left_to_right_in_the_order_of_the_stages():
    """Every dependency between stages runs forward: with the groups collapsed in the UI, the graph reads
    raw → validated → warehouse → expectations → analysis → publish → reports."""
    graph = defs.resolve_asset_graph()
    edges = set()
    for key in graph.get_all_asset_keys():
        for parent in graph.get(key).parent_keys:
            edges.add((graph.get(parent).group_name, graph.get(key).group_name))
    backwards = {(a, b) for a, b in edges if STAGES.index(a) > STAGES.index(b)}
    assert backwards == set()
    assert {b for a, b in edges if a != b} == set(STAGES[1:])  # every stage after the first is fed by an earlier one


def test_every_warehouse_table_is_an_asset_of_its_own():
    from lsdi_pipeline.warehouse.schema import TABLES

    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert set(TABLES) <= keys


def test_workspace_and_pyproject_point_at_the_same_module():
    workspace = (ROOT / "workspace.yaml").read_text()
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "module_name: lsdi_pipeline.definitions" in workspace
    assert 'module_name = "lsdi_pipeline.definitions"' in pyproject


def test_dagster_cli_validates_the_workspace():
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_preview_shows_current_figures_and_dates_as_dates():
    """The preview in the UI: of a table with is_current, the current rows; a date as 2007-04-01, not with 00:00:00."""
    import pandas as pd

    from lsdi_pipeline.assets.metadata import table_metadata
    from lsdi_pipeline.warehouse.schema import TABLES

    facts = pd.DataFrame(
        {
            "pi_code": ["NI59", "NI59", "L01"],
            "value": [71.0, 74.0, None],
            "period_start": pd.to_datetime(["2007-04-01", "2007-04-01", "2007-07-01"]),
            "is_current": [False, True, True],
        }
    )
    frame = facts.reindex(columns=TABLES["fact_pi_value"].column_names).assign(**facts)
    text = table_metadata("fact_pi_value", TABLES["fact_pi_value"].conform(frame))["preview"].value
    assert "74" in text and "71" not in text  # the superseded figure is not shown
    assert "2007-04-01 " in text and "00:00:00" not in text


#: what only running an asset needs: loading the definitions (a code location: the UI, the daemon, a validate)
#: imports none of them
RUN_TIME_LIBRARIES = (
    "pandas",
    "numpy",
    "pandera",
    "dagster_pandera",
    "duckdb",
    "openpyxl",
    "plotly",
    "great_expectations",
)


def test_loading_the_definitions_imports_no_data_library():
    probe = (
        "import sys\n"
        "import dagster as dg\n"
        "from lsdi_pipeline.definitions import defs\n"
        "dg.Definitions.validate_loadable(defs)\n"
        f"print(sorted(m for m in {RUN_TIME_LIBRARIES!r} if m in sys.modules))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert loaded.stdout.strip() == "[]"


def test_the_package_is_a_regular_one_so_no_module_comes_from_another_checkout():
    # a namespace package spans every folder of its name on the path: a module missing here would be imported from
    # another checkout without a word
    import lsdi_pipeline

    assert lsdi_pipeline.__file__ is not None and list(lsdi_pipeline.__path__) == [
        str(Path(lsdi_pipeline.__file__).parent)
    ]
    assert Path(sys.modules["lsdi_pipeline.definitions"].__file__).parent == Path(lsdi_pipeline.__file__).parent


def test_a_table_type_checks_a_frame_by_the_tables_pandera_schema():
    import pandas as pd

    from lsdi_pipeline.assets.metadata import DataFrame, table_type
    from lsdi_pipeline.warehouse.schema import TABLES

    goals = TABLES["dim_goal"]
    good = goals.conform(pd.DataFrame({c: ["G1"] for c in goals.column_names}))
    assert table_type("dim_goal").type_check(None, good).success
    extra = table_type("dim_goal").type_check(None, good.assign(extra_column=1))  # the schema is strict
    assert not extra.success and "extra_column" in extra.description
    assert not table_type("dim_goal").type_check(None, "not a frame").success
    assert DataFrame.type_check(None, good).success
    assert not DataFrame.type_check(None, {"goal_code": ["G1"]}).success


def test_the_ledger_type_checks_a_ledger_by_its_pandera_model_and_names_its_columns(tmp_path):
    from lsdi_pipeline.assets.metadata import ledger_schema, ledger_type
    from lsdi_pipeline.returns.archive import LEDGER_COLUMNS, archive_returns

    (tmp_path / "returns").mkdir()
    (tmp_path / "returns" / "Barnet.xlsx").write_bytes(b"not a workbook, but a file received")
    ledger, new = archive_returns(tmp_path / "returns", tmp_path / "archive")
    assert new == 1
    assert ledger_type().type_check(None, ledger).success
    assert not ledger_type().type_check(None, ledger.assign(file_sha256="not a digest")).success
    assert [c.name for c in ledger_schema().columns] == LEDGER_COLUMNS
