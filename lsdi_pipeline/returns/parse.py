"""Interpreting a return (LSDI-R1): who sent it, for when, and every row's fate.

`parse_return` never raises for anything in the file: a file it cannot use is `rejected`
with a reason; a row it cannot attribute goes to `rejected` whole; every finding is
located to sheet, row, column and cell. Pure apart from reading the one file.

The file is read by its format (`returns.format`): who sent it and for when in `returns.about`,
its figures in `returns.pi_data`, its Feasibility and Narrative sheets in `returns.answers`; each
part makes its findings through the `ReturnReading` (`returns.reading`) it is handed.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from lsdi_pipeline.reference import AuthorityRegister, Catalogue
from lsdi_pipeline.returns.about import read_about, read_csv_header
from lsdi_pipeline.returns.answers import read_optional_sheets
from lsdi_pipeline.returns.format import LSDI_R1, Limits
from lsdi_pipeline.returns.pi_data import read_pi_data
from lsdi_pipeline.returns.reader import FileRejected, read_book
from lsdi_pipeline.returns.reading import ParsedReturn, ReturnReading, empty_result

log = logging.getLogger(__name__)


def parse_return(
    path: Path, submission: dict, register: AuthorityRegister, catalogue: Catalogue, limits: Limits = Limits()
) -> ParsedReturn:
    """Parse one archived file. `submission` carries id, file name, received_at, …; it is completed here."""
    result = empty_result(path, submission)
    try:
        book = read_book(path, limits)
        result.submission["file_format"] = book.file_format
        result.submission["encoding"] = book.encoding
        read_return(ReturnReading(result, book, register, catalogue))
    except FileRejected as rejected:
        result.reject(rejected.check_name, without_paths(rejected.message, path))
    except MemoryError:
        result.reject(
            "file_limits",
            f"reading the file needed more than the {limits.max_memory_mib:,} MiB of memory one return may use: "
            f"send only the four {LSDI_R1.version} sheets, without stray cells or embedded objects",
        )
    except Exception as exc:  # a file must never take the run down; the reason says what happened
        log.exception("unexpected failure reading %s", submission.get("file_name"))
        result.reject(
            "file_unreadable", without_paths(f"the file could not be read ({type(exc).__name__}: {exc})", path)
        )
    return result


def read_return(reading: ReturnReading) -> None:
    """Read the whole file: who sent it and for when, then its sheets, recording what each part finds."""
    if reading.book.file_format == "csv":
        pi_table = read_csv_header(reading)
    else:
        read_about(reading)
        pi_data = reading.format.pi_data
        pi_table = reading.require_columns(reading.find_sheet(pi_data.name, required=pi_data.required), pi_data)
        reading.report_sheet_features()
        read_optional_sheets(reading)
    read_pi_data(reading, pi_table)
    if reading.dropped:
        reading.result.findings = [f for f in reading.result.findings if id(f) not in reading.dropped]


#: an absolute path as it shows in an exception's text ('/srv/lsdi/data/warehouse/archive/files/…')
_ABSOLUTE_PATH = re.compile(r"(?<![\w.~/-])/(?:[^\s'\"/:;,()]+/)+[^\s'\":;,()]*")


def without_paths(message: str, path: Path | None = None) -> str:
    """A message fit for a borough and for the warehouse: no server path in it, only the file's own name."""
    if path is not None:
        message = message.replace(str(path), path.name)
    return _ABSOLUTE_PATH.sub(lambda m: m.group(0).rstrip("/").rpartition("/")[2] or "…", message)


# -- in a worker process: the reference data, set once, and one file a call ----------------------------------
_reference: tuple[AuthorityRegister, Catalogue] | None = None


def set_reference(register: AuthorityRegister, catalogue: Catalogue) -> None:
    global _reference
    _reference = (register, catalogue)


def parse_job(job: tuple[Path, dict, Limits]) -> ParsedReturn:
    """`parse_return` for a worker process that `set_reference` prepared (see `workers.map_untrusted`)."""
    path, entry, limits = job
    return parse_return(path, entry, *_reference, limits)
