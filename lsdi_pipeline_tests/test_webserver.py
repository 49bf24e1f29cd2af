"""A smoke test of the UI: the webserver loads every asset, check, schedule and sensor."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from lsdi_pipeline.assets import STAGES
from lsdi_pipeline.definitions import all_asset_checks, all_assets

ROOT = Path(__file__).resolve().parent.parent
QUERY = """{
  assetNodes { assetKey { path } groupName description
               assetChecksOrError { ... on AssetChecks { checks { name description } } } }
  repositoriesOrError { ... on RepositoryConnection { nodes { name schedules { name cronSchedule executionTimezone }
                                                             sensors { name description } } } }
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


def test_the_webserver_loads_every_asset_check_schedule_and_sensor(tmp_path):
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "LSDI_WAREHOUSE_DIR": str(tmp_path / "warehouse")}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dagster-webserver"),
            "-w",
            "workspace.yaml",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "the webserver did not start"
                time.sleep(0.5)
        data = _post(port, QUERY)
    finally:
        server.terminate()
        server.wait(timeout=30)
    nodes = data["assetNodes"]
    expected_assets = {"/".join(key.path) for a in all_assets for key in a.keys}
    assert {"/".join(n["assetKey"]["path"]) for n in nodes} == expected_assets
    assert all(n["description"] and n["groupName"] in STAGES for n in nodes)
    assert [g for g in STAGES if g in {n["groupName"] for n in nodes}] == list(STAGES)  # every stage is in the UI
    checks = {c["name"]: c["description"] for n in nodes for c in n["assetChecksOrError"].get("checks", [])}
    assert set(checks) == {spec.name for c in all_asset_checks for spec in c.check_specs} and all(checks.values())
    repository = data["repositoriesOrError"]["nodes"][0]
    assert [(s["name"], s["cronSchedule"], s["executionTimezone"]) for s in repository["schedules"]] == [
        ("nightly_schedule", "0 2 * * *", "Europe/London")
    ]
    assert [s["name"] for s in repository["sensors"]] == ["returns_folder_sensor"]
