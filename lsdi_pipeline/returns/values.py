"""Reading a number cell of a return: a value *and* a status, never a silent NaN.

See docs/return-format.md, *Values*. Pure functions, no I/O.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

#: the contract's markers, plus the spellings officers use for the same (na, n/k, dashes)
NOT_PROVIDED_MARKERS = frozenset({"n/a", "-", "not collected", "not available", "nk", "na", "n/k", "\u2013", "\u2014"})
SUPPRESSION_MARKERS = frozenset({"<5", "< 5", "c", "x", "*"})
EXCEL_ERRORS = frozenset({"#div/0!", "#n/a", "#value!", "#ref!", "#name?", "#num!", "#null!", "#spill!", "#calc!"})

_QUALIFIER = re.compile(r"^(?:approx(?:imately)?\.?|c\.|ca\.|circa|about|~)\s*(.+)$")
#: a number, with commas or spaces between thousands (1,204 or 1 204)
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+|\d+)(?:\.\d+)?$|^[+-]?\.\d+$")


@dataclass(frozen=True)
class CellReading:
    """`status` is `reported`, `not_provided`, `suppressed` or `unreadable` (with `problem`)."""

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
        return CellReading(None, "unreadable", problem=f"holds {value!s}, which is not a number")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return CellReading(None, "unreadable", problem="holds a number too large to be a figure")
        if number_format and "%" in number_format:
            return CellReading(round(float(value) * 100, 10), "reported", percent=True)
        return CellReading(float(value), "reported")
    text = " ".join(str(value).replace("\u00a0", " ").split())
    lowered = text.lower()
    if not text:
        return NOT_PROVIDED
    if lowered in NOT_PROVIDED_MARKERS:
        return NOT_PROVIDED
    if lowered in SUPPRESSION_MARKERS:
        return CellReading(None, "suppressed")
    if lowered in EXCEL_ERRORS:
        return CellReading(None, "unreadable", problem=f"holds the Excel error {text}")
    qualified = False
    if m := _QUALIFIER.match(lowered):
        qualified, lowered = True, m.group(1).strip()
    percent = lowered.endswith("%")
    if percent:
        lowered = lowered[:-1].strip()
    if not _NUMBER.match(lowered):
        return CellReading(None, "unreadable", problem=f"holds '{text}', which is neither a number nor a recognised marker")
    return CellReading(float(lowered.replace(",", "").replace(" ", "")), "reported", qualified=qualified, percent=percent)
