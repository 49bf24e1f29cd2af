"""All returns together: parse every archived file, then apply the rules that span files —
duplicates, the current-figure rule and the pilots that sent nothing."""

from __future__ import annotations

import logging
import pickle
import time
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from lsdi_pipeline.checks.findings import Finding, finding_records
from lsdi_pipeline.checks.series import check_series
from lsdi_pipeline.reference import AuthorityRegister, Catalogue
from lsdi_pipeline.returns.cache import PICKLE_PROTOCOL, ParseCache
from lsdi_pipeline.returns.format import Limits
from lsdi_pipeline.returns.parse import parse_job, set_reference
from lsdi_pipeline.returns.reader import reader_for
from lsdi_pipeline.returns.reading import ParsedReturn, empty_result
from lsdi_pipeline.returns.return_batch import RETURN_TABLES, ReturnBatch
from lsdi_pipeline.returns.statuses import figure_quality, loaded, submission_statuses
from lsdi_pipeline.warehouse.schema import TABLES
from lsdi_pipeline.warehouse.table import Column, Table
from lsdi_pipeline.workers import map_untrusted

log = logging.getLogger(__name__)


def parse_archive(
    ledger: pd.DataFrame,
    warehouse_dir: Path,
    register: AuthorityRegister,
    catalogue: Catalogue,
    cache: ParseCache | None = None,
    limits: Limits = Limits(),
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
    for entry, (result, pickled, lasting) in zip(
        to_parse, _parse_each(to_parse, warehouse_dir, register, catalogue, limits)
    ):
        parsed[_reading(entry)] = result
        if cache and lasting:  # out of time, or its worker stopped: the next run reads it again, not this rejection
            cache.put(entry, result, pickled)
    results, loaded = [], {}  # SHA-256 → the submission that loaded those bytes
    for entry in entries:
        if entry.get("kind", "file") != "file":
            results.append(_not_a_file(entry))
            continue
        original = parsed[_reading(entry)]
        if entry["file_sha256"] in loaded:
            first = loaded[entry["file_sha256"]]
            duplicate_of = (first["submission_id"], first["file_name"])
            results.append(ParsedReturn({**first, **_ledger_fields(entry)}, duplicate_of=duplicate_of))
            continue
        result = original if entry is firsts[_reading(entry)] else _same_rejection(original, entry)
        if not result.rejected:
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
        submission, findings=[replace(f, submission_id=entry["submission_id"]) for f in original.findings]
    )


def _not_a_file(entry: dict) -> ParsedReturn:
    """A link, pipe or device in the returns folder: recorded as rejected, never followed or read."""
    what = _NOT_A_FILE.get(entry.get("kind"), "a special file")
    result = empty_result(Path(entry["file_name"]), entry)
    result.submission["file_format"] = None
    result.reject(
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
    return [result for result, *_ in _parse_each(entries, warehouse_dir, register, catalogue, limits)]


def _parse_each(
    entries: list[dict],
    warehouse_dir: Path,
    register: AuthorityRegister,
    catalogue: Catalogue,
    limits: Limits = Limits(),
) -> list[tuple[ParsedReturn, bytes | None, bool]]:
    """`_parse_all`, each result with its pickle as its worker wrote it to send it here (None for a file that broke a
    limit), which the parse cache keeps instead of pickling the result again, and whether the result lasts: not when
    reading the file ran out of time or its worker was stopped, which a busy machine can cause whatever the file
    holds. Such a rejection is this run's only; the next run reads the file again."""
    jobs = [(warehouse_dir / entry["archive_path"], entry, limits) for entry in entries]
    outcomes = map_untrusted(
        _parse_pickled,
        jobs,
        _over_limits,
        limits.max_memory_mib,
        limits.max_seconds,
        initializer=set_reference,
        initargs=(register, catalogue),
        transient=_over_limits_this_time,
    )
    return [_outcome(o) for o in outcomes]


def _outcome(outcome: bytes | ParsedReturn | _ThisTime) -> tuple[ParsedReturn, bytes | None, bool]:
    if isinstance(outcome, bytes):
        return pickle.loads(outcome), outcome, True
    if isinstance(outcome, _ThisTime):
        return outcome.result, None, False
    return outcome, None, True


def _parse_pickled(job: tuple[Path, dict, Limits]) -> bytes:
    """`parse_job` in a worker process, its result pickled there (as the parse cache keeps it)."""
    return pickle.dumps(parse_job(job), protocol=PICKLE_PROTOCOL)


def _over_limits(job: tuple[Path, dict, Limits], reason: str, advice: str = "") -> ParsedReturn:
    """A file whose reading broke a limit (or stopped its worker): rejected, saying which."""
    path, entry, _ = job
    log.warning("%s rejected: %s", entry.get("file_name"), reason)
    result = empty_result(path, entry)
    result.reject(
        "file_limits",
        f"{reason}: send only the four LSDI-R1 sheets, without stray cells or embedded objects{advice}",
    )
    return result


class _ThisTime(NamedTuple):
    """A rejection for this run only (see `_parse_each`)."""

    result: ParsedReturn


def _over_limits_this_time(job: tuple[Path, dict, Limits], reason: str) -> _ThisTime:
    return _ThisTime(_over_limits(job, reason, "; the next run reads it again, in case the server reading it was busy"))


def _frames(results: list[ParsedReturn]) -> dict[str, pd.DataFrame]:
    """The parsed rows of every file as frames, conformed to and checked against the warehouse schema."""
    parts = {
        "submission": [
            {
                **r.submission,
                "duplicate_of": (r.duplicate_of or (None, None))[0],
                "duplicate_of_file": (r.duplicate_of or (None, None))[1],
            }
            for r in results
        ],
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
        parts["dq_issue"] += finding_records(r.findings)
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
        result.reject(
            "file_unreadable", f"the file's rows could not be loaded ({type(exc).__name__}: {str(exc)[:200]})"
        )
        return result


#: what parsing adds to a submission (the earlier one a duplicate repeats) and to a finding (the field it is about),
#: for the statuses decided once every finding is known
_DUPLICATE_OF = (
    Column("duplicate_of", "INTEGER", "The submission that loaded the same bytes first."),
    Column("duplicate_of_file", "VARCHAR", "Its file name."),
)
_FIELD = Column("field", "VARCHAR", "The return's field the finding is about (value, period, note, …).")


def _parsed_table(name: str) -> Table:
    """A Returns table as parsing produces it: without what needs every file and finding (`is_current`, the statuses),
    with what the statuses are decided from."""
    table = TABLES[name].without("is_current", "quality_status", "status", "reject_reason")
    return table.plus(*{"submission": _DUPLICATE_OF, "dq_issue": (_FIELD,)}.get(name, ()))


def mark_current(facts: pd.DataFrame, submissions: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """`is_current` per key: the row from the latest submission (latest Submitted on; ties: first seen latest)."""
    order = submissions.set_index("submission_id")[["submitted_on", "received_at"]]
    ranked = facts.join(order, on="submission_id").sort_values(
        ["submitted_on", "received_at", "submission_id"], ascending=False, kind="stable"
    )
    current = ~ranked.duplicated(key, keep="first")
    return facts.assign(is_current=current.reindex(facts.index).fillna(False).astype(bool))


def missing_pilot_returns(pilot: pd.DataFrame, submissions: pd.DataFrame, boroughs: pd.DataFrame) -> list[Finding]:
    """A finding for each pilot borough with no readable return at all (findings with no submission)."""
    names = dict(zip(boroughs["borough_code"], boroughs["borough_name"], strict=True))
    received = set(submissions.loc[loaded(submissions), "borough_code"].dropna())
    return [
        Finding(
            "pilot_return_missing",
            f"{names.get(row.borough_code, row.borough_code)} is a pilot borough and has sent no usable return"
            + (f" (due {pd.Timestamp(row.return_due_on).date()})" if pd.notna(row.return_due_on) else ""),
            None,
            row.borough_code,
        )
        for row in pilot.itertuples(index=False)
        if row.borough_code not in received
    ]


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
    # the rules across figures leave out figures an error in their own return makes unusable
    usable = facts.assign(quality_status=figure_quality(facts, batch.dq_issue))
    across = pd.DataFrame(finding_records(check_series(usable, indicators, boroughs, published)))
    findings = _concat(batch.dq_issue, across)
    subs = submission_statuses(subs, findings)
    missing = pd.DataFrame(finding_records(missing_pilot_returns(pilot, subs, boroughs)))
    findings = _concat(findings, missing)
    tables = {
        "submission": subs,
        "fact_pi_value": facts.assign(quality_status=figure_quality(facts, findings)),
        "fact_feasibility": mark_current(batch.fact_feasibility, subs, ["borough_code", "pi_code"]),
        "fact_narrative": mark_current(batch.fact_narrative, subs, ["borough_code", "cluster_code"]),
        "rejected_row": batch.rejected_row,
        "dq_issue": findings,
    }
    return {name: TABLES[name].conform(frame) for name, frame in tables.items()}


def _concat(findings: pd.DataFrame, more: pd.DataFrame) -> pd.DataFrame:
    more = more.reindex(columns=findings.columns)
    return pd.concat([part.astype(object) for part in (findings, more) if len(part)] or [findings], ignore_index=True)
