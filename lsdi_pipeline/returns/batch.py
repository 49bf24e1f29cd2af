"""All returns together: parse every archived file, then apply the rules that span files —
duplicates, the current-figure rule and the pilots that sent nothing."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lsdi_pipeline import codes
from lsdi_pipeline.checks.rules import RULES, rule
from lsdi_pipeline.checks.series import check_series
from lsdi_pipeline.reference import AuthorityRegister, Catalogue
from lsdi_pipeline.returns.cache import ParseCache
from lsdi_pipeline.returns.parse import ParsedReturn, empty_result, parse_job, reject_file, set_reference
from lsdi_pipeline.returns.reader import Limits, reader_for
from lsdi_pipeline.warehouse.schema import TABLES
from lsdi_pipeline.workers import map_untrusted

log = logging.getLogger(__name__)

RETURN_TABLES = ("submission", "fact_pi_value", "fact_feasibility", "fact_narrative", "rejected_row", "dq_issue")


@dataclass
class ReturnBatch:
    """Every file's contribution, as frames named after the warehouse tables they feed."""

    submission: pd.DataFrame
    fact_pi_value: pd.DataFrame
    fact_feasibility: pd.DataFrame
    fact_narrative: pd.DataFrame
    rejected_row: pd.DataFrame
    dq_issue: pd.DataFrame
    #: seconds spent checking the frames against the warehouse schema (pandera), for the benchmark
    schema_validation_s: float = 0.0


def parse_archive(
    ledger: pd.DataFrame,
    warehouse_dir: Path,
    register: AuthorityRegister,
    catalogue: Catalogue,
    cache: ParseCache | None = None,
) -> ReturnBatch:
    """Parse each distinct file once; a later file whose bytes were already loaded is recorded as a duplicate.

    Bytes are read once for each way of reading them (a workbook first sent named .csv, then as .xlsx, is read
    both times: the first was rejected for its name, not its content). An entry that is not a regular file (a link, a
    pipe) is rejected without being read. With a `cache`, a file parsed by an earlier run against the same reference
    data is not read again.
    """
    entries = ledger.sort_values("submission_id").to_dict("records")
    for entry in entries:
        entry["received_at"] = pd.Timestamp(entry["received_at"]).to_pydatetime()
    files = [entry for entry in entries if entry.get("kind", "file") == "file"]
    firsts = {}  # (SHA-256, how the bytes are read) → the first entry so: the only one parsed
    for entry in files:
        firsts.setdefault(_reading(entry), entry)
    parsed = {key: cache.get(entry) if cache else None for key, entry in firsts.items()}
    to_parse = [entry for key, entry in firsts.items() if parsed[key] is None]
    for entry, result in zip(to_parse, _parse_all(to_parse, warehouse_dir, register, catalogue)):
        parsed[_reading(entry)] = result
        if cache:
            cache.put(entry, result)
    results, loaded = [], {}  # SHA-256 → the submission that loaded those bytes
    for entry in entries:
        if entry.get("kind", "file") != "file":
            results.append(_not_a_file(entry))
            continue
        original = parsed[_reading(entry)]
        if entry["file_sha256"] in loaded:
            first = loaded[entry["file_sha256"]]
            results.append(
                ParsedReturn(
                    {
                        **first,
                        **_ledger_fields(entry),
                        "status": "duplicate",
                        "reject_reason": f"the same bytes as submission {first['submission_id']} "
                        f"({first['file_name']}); nothing loaded twice",
                    }
                )
            )
            continue
        result = original if entry is firsts[_reading(entry)] else _same_rejection(original, entry)
        if result.submission["status"] in codes.LOADED_STATUSES:
            loaded[entry["file_sha256"]] = result.submission
        results.append(result)
    started = time.perf_counter()
    try:
        frames = _frames(results)
    except Exception:  # noqa: BLE001 — some file yielded rows the schema refuses: find it, set it aside, keep the rest
        frames = _frames([_schema_checked(result) for result in results])
    return ReturnBatch(**frames, schema_validation_s=time.perf_counter() - started)


_LEDGER_FIELDS = ("submission_id", "original_path", "file_name", "received_at", "archive_path")
_NOT_A_FILE = {"symlink": "a link", "fifo": "a named pipe (FIFO)", "socket": "a socket", "device": "a device"}


def _reading(entry: dict) -> tuple[str, str]:
    """What decides how a file is read: its bytes, and the kind of file its name says it is."""
    return entry["file_sha256"], reader_for(entry["archive_path"])


def _ledger_fields(entry: dict) -> dict:
    return {k: entry[k] for k in _LEDGER_FIELDS}


def _same_rejection(original: ParsedReturn, entry: dict) -> ParsedReturn:
    """A file with the bytes of an earlier rejected one, read the same way: the same reasons, under its own id."""
    submission = {**original.submission, **_ledger_fields(entry)}
    return ParsedReturn(
        submission, issues=[{**issue, "submission_id": entry["submission_id"]} for issue in original.issues]
    )


def _not_a_file(entry: dict) -> ParsedReturn:
    """A link, pipe or device in the returns folder: recorded as rejected, never followed or read."""
    what = _NOT_A_FILE.get(entry.get("kind"), "a special file")
    result = empty_result(Path(entry["file_name"]), entry)
    result.submission["file_format"] = None
    reject_file(
        result,
        "file_not_regular",
        f"{entry['file_name']} is {what}, not a file: it was neither followed nor read; "
        "put the return file itself in the folder",
    )
    return result


def _parse_all(
    entries: list[dict],
    warehouse_dir: Path,
    register: AuthorityRegister,
    catalogue: Catalogue,
    limits: Limits = Limits(),
) -> list[ParsedReturn]:
    """Parse each file in a worker process under the memory and time limits of one return (see `map_untrusted`)."""
    jobs = [(warehouse_dir / entry["archive_path"], entry, limits) for entry in entries]
    return map_untrusted(
        parse_job,
        jobs,
        _over_limits,
        limits.max_memory_mib,
        limits.max_seconds,
        initializer=set_reference,
        initargs=(register, catalogue),
    )


def _over_limits(job: tuple[Path, dict, Limits], reason: str) -> ParsedReturn:
    """A file whose reading broke a limit (or stopped its worker): rejected, saying which."""
    path, entry, _ = job
    log.warning("%s rejected: %s", entry.get("file_name"), reason)
    result = empty_result(path, entry)
    reject_file(
        result, "file_limits", f"{reason}: send only the four LSDI-R1 sheets, without stray cells or embedded objects"
    )
    return result


def _frames(results: list[ParsedReturn]) -> dict[str, pd.DataFrame]:
    """The parsed rows of every file as frames, conformed to and checked against the warehouse schema."""
    parts = {
        "submission": [r.submission for r in results],
        "fact_pi_value": [],
        "fact_feasibility": [],
        "fact_narrative": [],
        "rejected_row": [],
        "dq_issue": [],
    }
    for r in results:
        parts["fact_pi_value"] += r.pi_values
        parts["fact_feasibility"] += r.feasibility
        parts["fact_narrative"] += r.narratives
        parts["rejected_row"] += r.rejected_rows
        parts["dq_issue"] += r.issues
    frames = {}
    for name in RETURN_TABLES:
        table = _parsed_table(name)
        frames[name] = table.pandera_schema().validate(
            table.conform(pd.DataFrame(parts[name], columns=table.column_names))
        )
    return frames


def _schema_checked(result: ParsedReturn) -> ParsedReturn:
    """The file's result if its rows fit the schema; otherwise the file rejected, saying why."""
    try:
        _frames([result])
        return result
    except Exception as exc:
        log.exception("rows of %s do not fit the warehouse schema", result.submission.get("file_name"))
        reject_file(
            result, "file_unreadable", f"the file's rows could not be loaded ({type(exc).__name__}: {str(exc)[:200]})"
        )
        return result


def _parsed_table(name: str):
    """A Returns table as parsing produces it: without what needs all files (`is_current`) or the rule list (`fix_hint`)."""
    return TABLES[name].without("is_current", "fix_hint")


def mark_current(facts: pd.DataFrame, submissions: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """`is_current` per key: the row from the latest submission (latest Submitted on; ties: first seen latest)."""
    order = submissions.set_index("submission_id")[["submitted_on", "received_at"]]
    ranked = facts.join(order, on="submission_id").sort_values(
        ["submitted_on", "received_at", "submission_id"], ascending=False, kind="stable"
    )
    current = ~ranked.duplicated(key, keep="first")
    return facts.assign(is_current=current.reindex(facts.index).fillna(False).astype(bool))


def missing_pilot_returns(pilot: pd.DataFrame, submissions: pd.DataFrame, boroughs: pd.DataFrame) -> list[dict]:
    """A finding for each pilot borough with no readable return at all (findings with no submission)."""
    names = dict(zip(boroughs["borough_code"], boroughs["borough_name"]))
    received = set(submissions.loc[submissions["status"].isin(codes.LOADED_STATUSES), "borough_code"].dropna())
    r = rule("pilot_return_missing")
    rows = []
    for row in pilot.itertuples(index=False):
        if row.borough_code in received:
            continue
        due = f" (due {pd.Timestamp(row.return_due_on).date()})" if pd.notna(row.return_due_on) else ""
        rows.append(
            {
                "submission_id": None,
                "borough_code": row.borough_code,
                "pi_code": None,
                "period": None,
                "check_name": r.check_name,
                "category": r.category,
                "severity": r.severity,
                "message": f"{names.get(row.borough_code, row.borough_code)} is a pilot borough and has sent no usable return{due}",
                "sheet": None,
                "row_number": None,
                "column_name": None,
                "cell_ref": None,
                "value_found": None,
            }
        )
    return rows


def build_return_tables(
    batch: ReturnBatch,
    pilot: pd.DataFrame,
    indicators: pd.DataFrame,
    boroughs: pd.DataFrame,
    published: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """The Returns tables: current figures marked, rules across figures applied (against DfE's `published` figures
    too), missing pilot returns found."""
    subs = batch.submission.sort_values("submission_id")
    facts = mark_current(batch.fact_pi_value, subs, ["borough_code", "pi_code", "period"])
    series_findings = check_series(facts, indicators, boroughs, published)
    facts = _downgrade_quality(facts, series_findings)
    flagged = {f["submission_id"] for f in series_findings}
    subs = subs.assign(
        status=subs["status"].where(
            ~(subs["submission_id"].isin(flagged) & (subs["status"] == "accepted")), "accepted_with_issues"
        )
    )
    found = pd.DataFrame(series_findings + missing_pilot_returns(pilot, subs, boroughs), columns=batch.dq_issue.columns)
    issues = pd.concat(
        [part.astype(object) for part in (batch.dq_issue, found) if len(part)] or [found], ignore_index=True
    )
    issues["fix_hint"] = issues["check_name"].map({r.check_name: r.fix_hint for r in RULES})
    tables = {
        "submission": subs,
        "fact_pi_value": facts,
        "fact_feasibility": mark_current(batch.fact_feasibility, subs, ["borough_code", "pi_code"]),
        "fact_narrative": mark_current(batch.fact_narrative, subs, ["borough_code", "cluster_code"]),
        "rejected_row": batch.rejected_row,
        "dq_issue": issues,
    }
    return {name: TABLES[name].conform(frame) for name, frame in tables.items()}


def _downgrade_quality(facts: pd.DataFrame, findings: list[dict]) -> pd.DataFrame:
    """A row that a rule across figures questions needs a second look: its quality is at least `warning`."""
    rows = {
        (f["submission_id"], f["row_number"])
        for f in findings
        if f["row_number"] is not None and f["category"] != "availability"
    }
    if not rows:
        return facts
    hit = pd.Series([key in rows for key in zip(facts["submission_id"], facts["row_number"])], index=facts.index)
    return facts.assign(
        quality_status=facts["quality_status"].where(~(hit & (facts["quality_status"] == "ok")), "warning")
    )
