"""`lsdi bench`: how fast and how lean the pipeline is, from the bundled data to every English authority.

Every figure is the median of several runs of a fresh `lsdi run` process (cold: imports,
Dagster instance and all), timed from outside, with its peak resident memory from the
kernel's accounting of the finished process (`wait4`). Stage times come from the run's own
event log. Data sets are generated with `lsdi sample --authorities N` into a scratch folder
beside the warehouse and kept for the next bench; warehouses there are rebuilt each run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from lsdi_pipeline.assets import STAGES, stage_of_steps
from lsdi_pipeline.sample.hostile import HOSTILE

#: issue 16's targets; a run is measured against the fixed cost of any run, since that is not the data's work
TARGETS = {
    "bundled_run_x_fixed_cost": 2.0,
    "national_run_s": 25.0,
    "national_peak_rss_mib": 1024.0,
    "new_return_national_above_fixed_s": 3.0,
    "definitions_validate_s": 2.0,
    "hostile_extra_s": 10.0,
    "hostile_extra_rss_mib": 1024.0,
}
#: `lsdi run`'s own path, materialising one asset with no inputs, and exiting as the `lsdi` command does; it writes
#: when each part of it ended (seconds since the interpreter handed over) to the file named by LSDI_BENCH_PARTS
FIXED_COST_RUN = """
import json, os, time
ended = {"interpreter": time.perf_counter()}
import dagster
ended["import_dagster"] = time.perf_counter()
import lsdi_pipeline.definitions
from lsdi_pipeline.cli import exit_quickly, run_pipeline
from lsdi_pipeline.resources import run_instance
ended["import_lsdi_pipeline"] = time.perf_counter()
instance = run_instance()
ended["open_instance"] = time.perf_counter()
code = run_pipeline(None, None, only=("dq_rule",), instance=instance)
ended["run"] = time.perf_counter()
with open(os.environ["LSDI_BENCH_PARTS"], "w") as out:
    json.dump(ended, out)
exit_quickly(code)
"""
#: the parts of the fixed-cost run, in order; "exit" is from the end of the run to the end of the process
PARTS = ("interpreter", "import_dagster", "import_lsdi_pipeline", "open_instance", "run", "exit")
NEW_RETURN = (
    "borough_code,pi_code,period,numerator,denominator,value,source_agency,reporting_frequency,note\n"
    "{code},L01,2007-04,,,{value},Police,Monthly,bench: a return arriving on its own\n"
)


@dataclass
class Measured:
    """One command, run `repeat` times: wall seconds and peak RSS (MiB) of each run, and per-stage seconds."""

    label: str
    wall_s: list[float] = field(default_factory=list)
    peak_rss_mib: list[float] = field(default_factory=list)
    stages_s: list[dict[str, float]] = field(default_factory=list)
    facts: int | None = None
    #: what each part of the process took, for a command that says when each ended (the fixed-cost run)
    parts_s: list[dict[str, float]] = field(default_factory=list)

    def median(self) -> dict:
        stages = (
            {
                name: round(statistics.median(run.get(name, 0.0) for run in self.stages_s), 2)
                for name in [*STAGES, "schema_validation", "startup_and_bookkeeping"]
            }
            if self.stages_s
            else {}
        )
        wall = statistics.median(self.wall_s)
        out = {
            "label": self.label,
            "runs": len(self.wall_s),
            "wall_s": round(wall, 2),
            "wall_s_min": round(min(self.wall_s), 2),
            "wall_s_max": round(max(self.wall_s), 2),
            "peak_rss_mib": round(statistics.median(self.peak_rss_mib), 1),
            "stages_s": stages,
        }
        if self.parts_s:
            out["parts_s"] = {name: round(statistics.median(run[name] for run in self.parts_s), 2) for name in PARTS}
        if self.facts:
            out |= {
                "facts": self.facts,
                "facts_per_s": round(self.facts / wall),
                "s_per_1000_facts": round(wall / self.facts * 1000, 3),
            }
        return out


def run_bench(
    work: Path, scales: list[int], years: int, repeat: int, project: Path, hostile: list[str] | None = None
) -> dict:
    """Measure everything; return the results as a JSON-ready dict."""
    work.mkdir(parents=True, exist_ok=True)
    instance = _bench_instance(work, project)
    results: dict = {
        "machine": _machine(),
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "repeat": repeat,
        "years": years,
        "targets": TARGETS,
    }

    bundled_raw = work / "raw-bundled"
    shutil.rmtree(bundled_raw, ignore_errors=True)
    shutil.copytree(project / "data" / "raw", bundled_raw)
    bundled = _full_runs("bundled data", bundled_raw, work / "wh-bundled", instance, repeat)
    results["bundled"] = bundled.median()
    results["new_return_bundled"] = _new_returns(
        "one new return, bundled warehouse", bundled_raw, work / "wh-bundled", instance, repeat
    ).median()
    results["fixed_cost"] = _fixed_cost_runs(bundled_raw, work / "wh-bundled", instance, repeat).median()
    results["hostile"] = _hostile_runs(
        project, work, instance, repeat, results["bundled"], list(HOSTILE) if hostile is None else hostile
    )

    results["scales"] = []
    for n in scales:
        raw = _national_raw(work, n, years)
        measured = _full_runs(f"{n} authorities × {years} years", raw, work / f"wh-{n}", instance, repeat)
        results["scales"].append({"authorities": n, **measured.median()})
        if n == max(scales):
            results["new_return_national"] = _new_returns(
                f"one new return, {n}-authority warehouse", raw, work / f"wh-{n}", instance, repeat
            ).median()
    validate = Measured("cold dagster definitions validate")
    for _ in range(max(repeat, 3)):
        _, wall, rss = _timed(
            [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
            {"DAGSTER_HOME": str(instance)},
            project,
        )
        validate.wall_s.append(wall)
        validate.peak_rss_mib.append(rss)
    results["definitions_validate"] = validate.median()
    results["new_return_share"] = _new_return_share(results)
    results["verdicts"] = _verdicts(results)
    return results


def _full_runs(label: str, raw: Path, warehouse: Path, instance: Path, repeat: int) -> Measured:
    measured = Measured(label)
    for _ in range(repeat):
        shutil.rmtree(warehouse, ignore_errors=True)
        _lsdi_run(measured, raw, warehouse, instance)
    measured.facts = _facts(warehouse)
    return measured


def _new_returns(label: str, raw: Path, warehouse: Path, instance: Path, repeat: int) -> Measured:
    """`lsdi run --new-returns` after a file arrives, on the warehouse a full run left; the files are removed after."""
    import pandas as pd

    measured = Measured(label)
    code = pd.read_csv(raw / "boroughs.csv", dtype=str)["borough_code"].iloc[0]
    added = []
    try:
        for i in range(repeat):
            path = raw / "returns" / f"bench_new_return_{i}.csv"
            path.write_text(NEW_RETURN.format(code=code, value=100 + i), encoding="utf-8")
            added.append(path)
            _lsdi_run(measured, raw, warehouse, instance, "--new-returns")
    finally:
        for path in added:
            path.unlink(missing_ok=True)
    measured.facts = _facts(warehouse)
    return measured


def _hostile_runs(
    project: Path, work: Path, instance: Path, repeat: int, bundled: dict, names: list[str]
) -> list[dict]:
    """A full run with one hostile file (the costliest we know of each kind, `sample/hostile.py`) beside the bundled
    returns, against the bundled run: what one file can add to a run's wall time and peak memory."""
    rows = []
    for name in names:
        raw = work / "raw-hostile"
        shutil.rmtree(raw, ignore_errors=True)
        shutil.copytree(project / "data" / "raw", raw)
        HOSTILE[name](raw / "returns" / name)
        row = _full_runs(f"bundled + hostile {name}", raw, work / "wh-hostile", instance, repeat).median()
        row |= {
            "file": name,
            "size_bytes": (raw / "returns" / name).stat().st_size,
            "extra_s": round(row["wall_s"] - bundled["wall_s"], 2),
            "extra_rss_mib": round(row["peak_rss_mib"] - bundled["peak_rss_mib"], 1),
            "status": _submission_status(work / "wh-hostile", name),
        }
        rows.append(row)
    return rows


def _submission_status(warehouse: Path, file_name: str) -> str:
    import duckdb

    with duckdb.connect(str(warehouse / "lsdi.duckdb"), read_only=True) as con:
        status, reason = con.execute(
            "SELECT status, reject_reason FROM submission WHERE file_name = ?", [file_name]
        ).fetchone()
    return status + (f": {reason}" if reason else "")


def _fixed_cost_runs(raw: Path, warehouse: Path, instance: Path, repeat: int) -> Measured:
    """What any run costs before it does work: `lsdi run`'s own path in a fresh process (imports, the Dagster instance,
    the run's events, exit), materialising one asset with no inputs: `dq_rule`, the rule list, built from the code."""
    measured = Measured("fixed cost of a run (dq_rule alone)")
    with tempfile.TemporaryDirectory() as scratch:
        parts_file = Path(scratch) / "parts.json"
        for _ in range(repeat):
            started = _run(
                measured, [sys.executable, "-c", FIXED_COST_RUN], raw, warehouse, instance, LSDI_BENCH_PARTS=parts_file
            )
            ended = json.loads(parts_file.read_text(encoding="utf-8"))
            ends = [ended[name] - started for name in PARTS[:-1]] + [measured.wall_s[-1]]
            measured.parts_s.append({name: end - before for name, end, before in zip(PARTS, ends, [0.0, *ends])})
    return measured


def _new_return_share(results: dict) -> dict:
    """One new return as a share of a full run on the same data: whole process, and above the fixed cost of any run."""
    fixed = results["fixed_cost"]["wall_s"]
    pairs = [("bundled", results["bundled"], results["new_return_bundled"])]
    if "new_return_national" in results:
        pairs.append(
            (
                f"{results['scales'][-1]['authorities']} authorities",
                results["scales"][-1],
                results["new_return_national"],
            )
        )
    return {
        name: {
            "whole_process": round(new["wall_s"] / full["wall_s"], 3),
            "above_fixed_cost": round(max(new["wall_s"] - fixed, 0.0) / (full["wall_s"] - fixed), 3),
        }
        for name, full, new in pairs
    }


def _lsdi_run(measured: Measured, raw: Path, warehouse: Path, instance: Path, *args: str) -> None:
    _run(measured, [sys.executable, "-m", "lsdi_pipeline.cli", "run", *args], raw, warehouse, instance)


def _run(measured: Measured, command: list[str], raw: Path, warehouse: Path, instance: Path, **env) -> float:
    """Time one run of `command` on `raw` and `warehouse`, and read its stages from the instance's latest run; the
    `time.perf_counter()` at which it was started (the clock is the system's, so the process can say when it did
    what)."""
    env = {"LSDI_RAW_DIR": raw, "LSDI_WAREHOUSE_DIR": warehouse, "DAGSTER_HOME": instance} | env
    started, wall, rss = _timed(command, {name: str(value) for name, value in env.items()}, raw.parent)
    measured.wall_s.append(wall)
    measured.peak_rss_mib.append(rss)
    measured.stages_s.append(_stages_of_last_run(instance, wall))
    return started


def _timed(command: list[str], env: dict, cwd: Path) -> tuple[float, float, float]:
    """When a command was started, its wall seconds and its peak RSS (MiB): the larger of the process's own peak and
    the peak of the resident memory of every process of its session together (sampled every 20 ms), which counts the
    worker processes that read returns and write feedback."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, env=os.environ | env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True
        )
        sampler = _SessionMemory(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        sampler.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{errors.read().decode()[-3000:]}")
    return started, wall, max(usage.ru_maxrss / 1024, sampler.peak_mib)


class _SessionMemory(threading.Thread):
    """The peak, over time, of the summed resident memory of the processes in one session (Linux /proc)."""

    def __init__(self, session: int) -> None:
        super().__init__(daemon=True)
        self.session, self.peak_mib, self._done = session, 0.0, threading.Event()

    def run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._done.wait(0.02):
            total = 0
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry.name}/stat", "rb") as f:
                        fields = f.read().rpartition(b")")[2].split()
                    if int(fields[3]) == self.session:  # field 6 of stat, counted after the command name
                        with open(f"/proc/{entry.name}/statm", "rb") as f:
                            total += int(f.read().split()[1]) * page
                except (OSError, IndexError, ValueError):
                    continue
            self.peak_mib = max(self.peak_mib, total / 2**20)

    def stop(self) -> None:
        self._done.set()
        self.join()


def _stages_of_last_run(instance: Path, wall: float) -> dict[str, float]:
    """Seconds per stage from the event log of the instance's latest run; the rest of the wall time is start-up."""
    from lsdi_pipeline.resources import open_instance

    with open_instance(instance) as dagster_instance:
        [run] = dagster_instance.get_runs(limit=1)
        started, steps = {}, {}
        for record in dagster_instance.all_logs(run.run_id):
            event = record.dagster_event
            if event is None or event.step_key is None:
                continue
            if event.event_type_value == "STEP_START":
                started[event.step_key] = record.timestamp
            elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in started:
                steps[event.step_key] = record.timestamp - started[event.step_key]
            elif event.event_type_value == "ASSET_MATERIALIZATION" and event.step_key == "parsed_returns":
                schema = event.event_specific_data.materialization.metadata.get("schema_validation_s")
                steps["schema_validation"] = schema.value if schema else 0.0
    stage_of = stage_of_steps()
    stages = {name: round(sum(s for key, s in steps.items() if stage_of.get(key) == name), 3) for name in STAGES}
    stages["validated"] = round(stages["validated"] - steps.get("schema_validation", 0.0), 3)
    stages["schema_validation"] = round(steps.get("schema_validation", 0.0), 3)
    stages["startup_and_bookkeeping"] = round(
        wall - sum(s for key, s in steps.items() if key != "schema_validation"), 3
    )
    return stages


def _national_raw(work: Path, authorities: int, years: int) -> Path:
    """The generated raw directory for this shape, written once and kept (same seed, same bytes)."""
    from lsdi_pipeline.sample.national import write_national_sample

    raw = work / f"raw-{authorities}x{years}"
    done = raw / ".complete"
    if not done.exists():
        shutil.rmtree(raw, ignore_errors=True)
        print(f"  generating {authorities} authorities × {years} years in {raw} …", file=sys.stderr)
        write_national_sample(raw, authorities, years)
        done.touch()
    return raw


def _facts(warehouse: Path) -> int:
    import duckdb

    with duckdb.connect(str(warehouse / "lsdi.duckdb"), read_only=True) as con:
        return con.execute("SELECT count(*) FROM fact_pi_value").fetchone()[0]


def _bench_instance(work: Path, project: Path) -> Path:
    """A Dagster home for the bench, configured as the project's, so bench runs stay out of its run history."""
    instance = work / "dagster_home"
    instance.mkdir(exist_ok=True)
    shutil.copyfile(project / "dagster_home" / "dagster.yaml", instance / "dagster.yaml")
    return instance


def _machine() -> dict:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
    }


def _verdicts(results: dict) -> list[dict]:
    """Each target with what was measured and whether it was met. A target set against the fixed cost of a run
    carries that cost's figure and the limit it makes."""
    fixed = results["fixed_cost"]["wall_s"]
    largest = results["scales"][-1] if results["scales"] else None
    rows = [
        (
            f"bundled lsdi run ≤ {TARGETS['bundled_run_x_fixed_cost']:g} × the fixed cost of a run ({fixed:.2f} s)",
            results["bundled"]["wall_s"],
            round(TARGETS["bundled_run_x_fixed_cost"] * fixed, 2),
        )
    ]
    if largest:
        n = largest["authorities"]
        rows += [
            (f"{n}-authority lsdi run ≤ {TARGETS['national_run_s']:g} s", largest["wall_s"], TARGETS["national_run_s"]),
            (
                f"{n}-authority peak RSS ≤ {TARGETS['national_peak_rss_mib']:g} MiB",
                largest["peak_rss_mib"],
                TARGETS["national_peak_rss_mib"],
            ),
        ]
    if "new_return_national" in results:
        above = TARGETS["new_return_national_above_fixed_s"]
        rows.append(
            (
                f"one new return on the {largest['authorities']}-authority warehouse ≤ the fixed cost of a run "
                f"({fixed:.2f} s) + {above:g} s",
                results["new_return_national"]["wall_s"],
                round(fixed + above, 2),
            )
        )
    rows.append(
        (
            f"cold dagster definitions validate -w workspace.yaml ≤ {TARGETS['definitions_validate_s']:g} s",
            results["definitions_validate"]["wall_s"],
            TARGETS["definitions_validate_s"],
        )
    )
    if results["hostile"]:
        worst_s = max(results["hostile"], key=lambda r: r["extra_s"])
        worst_rss = max(results["hostile"], key=lambda r: r["extra_rss_mib"])
        rows += [
            (
                f"one hostile file adds ≤ {TARGETS['hostile_extra_s']:g} s ({worst_s['file']})",
                worst_s["extra_s"],
                TARGETS["hostile_extra_s"],
            ),
            (
                f"one hostile file adds ≤ {TARGETS['hostile_extra_rss_mib']:g} MiB ({worst_rss['file']})",
                worst_rss["extra_rss_mib"],
                TARGETS["hostile_extra_rss_mib"],
            ),
        ]
    verdicts = [
        {"target": name, "measured": value, "limit": limit, "met": value <= limit} for name, value, limit in rows
    ]
    per_1000 = [s["s_per_1000_facts"] for s in results["scales"]]
    if len(per_1000) > 1:
        verdicts.append(
            {
                "target": "s per 1,000 facts does not rise with scale ("
                + ", ".join(f"{s['authorities']} authorities" for s in results["scales"])
                + ")",
                "measured": per_1000,
                "limit": per_1000[0],
                "met": per_1000[-1] <= per_1000[0] * 1.05,
            }
        )
    return verdicts


def render(results: dict) -> str:
    """The results as a text table."""
    rows = [
        results["bundled"],
        results["new_return_bundled"],
        results["fixed_cost"],
        *results["hostile"],
        *results["scales"],
    ]
    if "new_return_national" in results:
        rows.append(results["new_return_national"])
    rows.append(results["definitions_validate"])
    stage_names = [*STAGES, "schema_validation", "startup_and_bookkeeping"]
    head = f"{'':42} {'wall s':>7} {'min–max':>11} {'RSS MiB':>8} {'facts':>7} {'facts/s':>8} {'s/1000':>7}"
    lines = [
        f"lsdi bench — {results['machine']['cpus']} CPUs, {results['machine']['memory_gib']} GiB, "
        f"Python {results['machine']['python']}, {results['machine']['platform']}; median of {results['repeat']} runs",
        "",
        head,
    ]
    for row in rows:
        lines.append(
            f"{row['label']:42} {row['wall_s']:7.2f} {row['wall_s_min']:5.1f}–{row['wall_s_max']:<5.1f} "
            f"{row['peak_rss_mib']:8.0f} {row.get('facts', ''):>7} {row.get('facts_per_s', ''):>8} "
            f"{row.get('s_per_1000_facts', ''):>7}"
        )
    lines += ["", "seconds per stage (median): " + ", ".join(stage_names)]
    for row in rows:
        if row["stages_s"]:
            lines.append(f"  {row['label']:40} " + " ".join(f"{row['stages_s'][name]:6.2f}" for name in stage_names))
    lines += [
        "",
        f"one new return as a share of a full run (whole process; above the {results['fixed_cost']['wall_s']:.2f} s "
        "fixed cost of any run):",
    ]
    lines += [
        f"  {name:40} {share['whole_process']:6.0%} {share['above_fixed_cost']:6.0%}"
        for name, share in results["new_return_share"].items()
    ]
    parts = results["fixed_cost"].get("parts_s", {})
    lines += [
        "",
        "the fixed cost of a run, part by part (median s): " + ", ".join(f"{k} {v:.2f}" for k, v in parts.items()),
    ]
    if results["hostile"]:
        lines += ["", "one hostile file beside the bundled returns (extra wall s, extra peak MiB; what became of it):"]
        lines += [
            f"  {r['file']:40} {r['extra_s']:+6.2f} {r['extra_rss_mib']:+7.0f}  {r['status'][:110]}"
            for r in results["hostile"]
        ]
    lines += ["", "targets:"]
    lines += [
        f"  {'met   ' if v['met'] else 'MISSED'} {v['target']}: {v['measured']} (limit {v['limit']})"
        for v in results["verdicts"]
    ]
    return "\n".join(lines)


def main(
    warehouse_dir: Path, scales: list[int], years: int, repeat: int, project: Path, hostile: list[str] | None = None
) -> int:
    if (
        not (project / "data" / "raw" / "boroughs.csv").exists()
        or not (project / "dagster_home" / "dagster.yaml").exists()
    ):
        print(f"lsdi bench: run it from the project folder (no data/raw or dagster_home in {project})", file=sys.stderr)
        return 2
    warehouse_dir, project = warehouse_dir.resolve(), project.resolve()
    unknown = sorted(set(hostile or ()) - set(HOSTILE))
    if unknown:
        print(
            f"lsdi bench: no hostile file named {', '.join(unknown)} (there are: {', '.join(HOSTILE)})", file=sys.stderr
        )
        return 2
    results = run_bench(warehouse_dir / "bench", scales, years, repeat, project, hostile)
    out = warehouse_dir / "reports" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    stamp = results["started_at"].replace(":", "").replace("+0000", "Z")
    for name in (f"bench-{stamp}.json", "latest.json"):
        (out / name).write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(render(results))
    print(f"\nwritten to {out / 'latest.json'}")
    return 0
