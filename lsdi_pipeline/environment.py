"""What the pipeline takes from its environment, read here and nowhere else.

- LSDI_RAW_DIR: the raw input directory (default `data/raw`);
- LSDI_WAREHOUSE_DIR: the warehouse directory (default `data/warehouse`);
- DAGSTER_HOME: the Dagster instance a run started by `lsdi run` is recorded in (default: the project's own
  `dagster_home/`, when run from the project folder).

A directory given on the command line wins over the environment. Nothing reads these at import time: a caller asks
when it builds its run (see `definitions.build_defs`).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_RAW_DIR = "data/raw"
DEFAULT_WAREHOUSE_DIR = "data/warehouse"
PROJECT_DAGSTER_HOME = Path("dagster_home")


def raw_dir(given: str | os.PathLike | None = None) -> str:
    return str(given) if given else os.environ.get("LSDI_RAW_DIR", DEFAULT_RAW_DIR)


def warehouse_dir(given: str | os.PathLike | None = None) -> str:
    return str(given) if given else os.environ.get("LSDI_WAREHOUSE_DIR", DEFAULT_WAREHOUSE_DIR)


def dagster_home() -> str | None:
    """DAGSTER_HOME; else the project's instance when run from the project folder (so a run shows in the UI's run
    history); else None, for a temporary instance."""
    if os.environ.get("DAGSTER_HOME"):
        return os.path.abspath(os.path.expanduser(os.environ["DAGSTER_HOME"]))
    if (PROJECT_DAGSTER_HOME / "dagster.yaml").exists():
        return str(PROJECT_DAGSTER_HOME.resolve())
    return None
