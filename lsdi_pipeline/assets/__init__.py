"""Dagster assets, one module per stage (asset group), in the order of the data's journey: `STAGES`.

`all_assets` and `all_asset_checks` are every asset and check of the pipeline, for the jobs and the Definitions.
"""

import dagster as dg

from lsdi_pipeline.assets import analysis, checks, expectations, publish, raw, reports, validated, warehouse

#: the asset groups, in the order the data goes through them (the UI's collapsed lineage reads so, left to right)
STAGES = ("raw", "validated", "warehouse", "expectations", "analysis", "publish", "reports")

all_assets = dg.load_assets_from_modules([raw, validated, warehouse, expectations, analysis, publish, reports])
all_asset_checks = dg.load_asset_checks_from_modules([checks, expectations])


def stage_of_steps() -> dict[str, str]:
    """Step key → stage, for every asset and asset check (a check is in the stage of the asset it checks)."""
    stages = {}
    for assets_def in all_assets:
        for key in assets_def.keys:
            stages[assets_def.node_def.name] = assets_def.group_names_by_key[key]
    group_of = {key: group for a in all_assets for key, group in a.group_names_by_key.items()}
    for checks_def in all_asset_checks:
        for check_key in checks_def.check_keys:
            stages[checks_def.node_def.name] = group_of[check_key.asset_key]
    return stages
