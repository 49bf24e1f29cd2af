"""Reading a number cell of a return: a value *and* a status, never a silent NaN.

See docs/return-format.md, *Values*. Pure functions, no I/O.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from lsdi_pipeline import codes
from lsdi_pipeline.returns.tables import cell_text, is_percent_format

#: the contract's markers, plus the spellings officers use for the same (na, n/k, dashes)
NOT_PROVIDED_MARKERS = frozenset({"n/a", "-", "not collected", "not available", "nk", "na", "n/k", "\u2013", "\u2014"})
#: the borough's own suppression marks, and DfE's symbols (`c` suppressed, `x` not available, ...) with their meanings
MARKERS = {"<5": "suppressed", "< 5": "suppressed", "*": "suppressed", **codes.DFE_SYMBOLS}
#: no count, percentage or rate in a return comes near this; anything larger (or not finite) is not a figure, and
#: keeping figures below it keeps every sum and ratio the analysis takes finite
MAX_MAGNITUDE = 1e12
EXCEL_ERRORS = frozenset({"#div/0!", "#n/a", "#value!", "#ref!", "#name?", "#num!", "#null!", "#spill!", "#calc!"})

_QUALIFIER = re.compile(r"^(?:approx(?:imately)?\.?|c\.|ca\.|circa|about|~)\s*(.+)$")
#: a number, with commas or spaces between thousands (1,204 or 1 204)
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+|\d+)(?:\.\d+)?$|^[+-]?\.\d+$")


@dataclass(frozen=True)
class CellReading:
    """`status` is a value status (`reported`, `not_provided`, `suppressed`, a DfE symbol's) or `unreadable` (with
    `problem`)."""

    number: float | None
    status: str
    qualified: bool = False
    percent: bool = False
    problem: str | None = None


NOT_PROVIDED = CellReading(None, "not_provided")


def read_number(value: object, number_format: str | None = None) -> CellReading:
    """Interpret one cell: a number (however typed), a marker, or unreadable."""
    if value is None:
        return NOT_PROVIDED
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.datetime, dt.time)):
        return CellReading(None, "unreadable", problem=f"holds {cell_text(value)}, which is not a number")
    if isinstance(value, (int, float)):
        percent = is_percent_format(number_format)
        number = float(value) * 100 if percent else float(value)
        return _figure(number, cell_text(value, number_format), percent=percent)
    text = " ".join(str(value).replace("\u00a0", " ").split())
    lowered = text.lower()
    if not text:
        return NOT_PROVIDED
    if lowered in NOT_PROVIDED_MARKERS:
        return NOT_PROVIDED
    if lowered in MARKERS:
        return CellReading(None, MARKERS[lowered])
    if lowered in EXCEL_ERRORS:
        return CellReading(None, "unreadable", problem=f"holds the Excel error {text}")
    qualified = False
    if m := _QUALIFIER.match(lowered):
        qualified, lowered = True, m.group(1).strip()
    percent = lowered.endswith("%")
    if percent:
        lowered = lowered[:-1].strip()
    if not _NUMBER.match(lowered):
        return CellReading(
            None, "unreadable", problem=f"holds '{text}', which is neither a number nor a recognised marker"
        )
    return _figure(float(lowered.replace(",", "").replace(" ", "")), text, qualified=qualified, percent=percent)


def is_figure(number: float) -> bool:
    """A number the warehouse can hold as a figure: finite and no larger than `MAX_MAGNITUDE`."""
    return math.isfinite(number) and abs(number) <= MAX_MAGNITUDE


def _figure(number: float, shown: str, qualified: bool = False, percent: bool = False) -> CellReading:
    if not is_figure(number):
        what = "not a number" if math.isnan(number) else "too large to be a figure"
        return CellReading(None, "unreadable", problem=f"holds {shown[:40]}, which is {what}")
    return CellReading(round(number, 10) if percent else number, "reported", qualified=qualified, percent=percent)
