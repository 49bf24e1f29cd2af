"""The period grammar of LSDI-R1: every accepted spelling to one canonical label.

See docs/return-format.md, *Periods*. Pure functions, no I/O.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace

from lsdi_pipeline.returns.tables import cell_text

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9


@dataclass(frozen=True)
class Period:
    label: str
    period_type: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class PeriodReading:
    """A period as read from a cell: the period, or why it could not be read.

    `ambiguity` explains a reading that the ambiguity rule had to choose.
    """

    period: Period | None = None
    ambiguity: str | None = None
    error: str | None = None


def financial_year(start_year: int) -> Period:
    return Period(
        f"{start_year}/{(start_year + 1) % 100:02d}", "year", dt.date(start_year, 4, 1), dt.date(start_year + 1, 3, 31)
    )


def year_due_on(due: dt.date) -> Period:
    """The financial year a return due on `due` covers: the last one to have ended before it."""
    return financial_year(due.year - 1 if due.month >= 4 else due.year - 2)


def financial_quarter(start_year: int, quarter: int) -> Period:
    first_month = 4 + 3 * (quarter - 1)
    year = start_year + (first_month - 1) // 12
    first_month = (first_month - 1) % 12 + 1
    start = dt.date(year, first_month, 1)
    return Period(f"{financial_year(start_year).label} Q{quarter}", "quarter", start, _month_end(year, first_month + 2))


def month(year: int, month_number: int) -> Period:
    return Period(f"{year}-{month_number:02d}", "month", dt.date(year, month_number, 1), _month_end(year, month_number))


def calendar_year(year: int) -> Period:
    return Period(f"{year}", "calendar_year", dt.date(year, 1, 1), dt.date(year, 12, 31))


def calendar_quarter(year: int, quarter: int) -> Period:
    first_month = 1 + 3 * (quarter - 1)
    return Period(
        f"{year} Q{quarter}", "calendar_quarter", dt.date(year, first_month, 1), _month_end(year, first_month + 2)
    )


def snapshot(day: dt.date) -> Period:
    return Period(day.isoformat(), "snapshot", day, day)


def _month_end(year: int, month_number: int) -> dt.date:
    return dt.date(year, month_number, calendar.monthrange(year, month_number)[1])


def _fy_start(first: str, second: str) -> int | None:
    """The start year if `first`/`second` name consecutive years (`2007`/`08` or `2007`/`2008`)."""
    start = int(first)
    if len(second) == 2 and int(second) == (start + 1) % 100:
        return start
    if len(second) == 4 and int(second) == start + 1:
        return start
    return None


_FY = re.compile(r"^(?:fy\s*)?(\d{4})\s*([/\-])\s*(\d{2}|\d{4})$")
_FQ = re.compile(r"^(\d{4})\s*[/\-]\s*(\d{2}|\d{4})\s*q([1-4])$")
_QF = re.compile(r"^q([1-4])\s*(\d{4})\s*[/\-]\s*(\d{2}|\d{4})$")
_CQ = re.compile(r"^(\d{4})\s*q([1-4])$|^q([1-4])\s*(\d{4})$")
_CY = re.compile(r"^(\d{4})$")
_MONTH_NAME = re.compile(r"^([a-z]+)\.?\s+(\d{4})$")
_MONTH_SLASH = re.compile(r"^(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ t]00:00(?::00)?)?$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


#: the years a period may fall in: wide enough for any real return, and inside what dates can hold
YEARS = range(1900, 2101)


def read_period(raw: object, frequency: str | None = None) -> PeriodReading:
    """Read a period cell. `frequency` is the row's reporting frequency code (or None).

    `YYYY-YY` naming consecutive years is a financial year unless the row is `monthly`,
    when it is a month; either reading is reported through `ambiguity`.
    """
    reading = _read(raw, frequency)
    if reading.period is not None and not (reading.period.start.year in YEARS and reading.period.end.year in YEARS):
        return PeriodReading(error=f"'{_shown(raw)}' is outside the years {YEARS.start}–{YEARS.stop - 1}")
    return reading


def _shown(raw: object) -> str:
    """The cell as typed (`returns.tables.cell_text`), its spaces tidied for a message."""
    return " ".join((cell_text(raw) or "").replace("\u00a0", " ").split())


def _read(raw: object, frequency: str | None) -> PeriodReading:
    if raw is None:
        return PeriodReading(error="the period is blank")
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return PeriodReading(month(raw.year, raw.month) if raw.day == 1 else snapshot(raw))
    if isinstance(raw, bool):
        return PeriodReading(error=f"'{_shown(raw)}' is not a period")
    if isinstance(raw, (int, float)):
        if float(raw).is_integer() and int(raw) in YEARS:
            return PeriodReading(calendar_year(int(raw)))
        return PeriodReading(error=f"'{_shown(raw)}' is not a period")
    text = " ".join(str(raw).replace("\u00a0", " ").strip().lower().split())
    # an en or em dash only ever joins the two years of a financial year
    text = text.replace("\u2013", "/").replace("\u2014", "/")
    if not text:
        return PeriodReading(error="the period is blank")
    try:
        reading = _read_text(text, frequency)
    except ValueError as exc:  # an impossible date such as 31/02/2008
        return PeriodReading(error=f"'{_shown(raw)}' is not a valid date ({exc})")
    if reading.error:  # say what the borough typed, as typed
        return PeriodReading(error=reading.error.replace(f"'{text}'", f"'{_shown(raw)}'", 1))
    if reading.ambiguity:
        return replace(reading, ambiguity=reading.ambiguity.replace(f"'{text}'", f"'{_shown(raw)}'", 1))
    return reading


def _read_text(text: str, frequency: str | None) -> PeriodReading:
    if m := _FY.match(text):
        first, sep, second = m.groups()
        start = _fy_start(first, second)
        prefixed = text.startswith("fy")
        if sep == "-" and len(second) == 2 and not prefixed:
            as_month = int(second) if 1 <= int(second) <= 12 else None
            if start is not None and as_month is not None:
                if frequency == "monthly":
                    return PeriodReading(
                        month(int(first), as_month),
                        ambiguity=(
                            f"'{text}' read as the month {month(int(first), as_month).label} because the row is "
                            f"Monthly; write {financial_year(start).label} for the financial year"
                        ),
                    )
                return PeriodReading(
                    financial_year(start),
                    ambiguity=(
                        f"'{text}' read as the financial year {financial_year(start).label}; if you meant the month, "
                        f"write {month(int(first), as_month).start:%b %Y} with the reporting frequency Monthly"
                    ),
                )
            if as_month is not None:
                return PeriodReading(month(int(first), as_month))
        if start is not None:
            return PeriodReading(financial_year(start))
        return PeriodReading(error=f"'{text}' does not name a financial year (two consecutive years, as 2007/08)")
    if m := _FQ.match(text):
        start = _fy_start(m.group(1), m.group(2))
        if start is not None:
            return PeriodReading(financial_quarter(start, int(m.group(3))))
    if m := _QF.match(text):
        start = _fy_start(m.group(2), m.group(3))
        if start is not None:
            return PeriodReading(financial_quarter(start, int(m.group(1))))
    if m := _CQ.match(text):
        year, quarter = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        return PeriodReading(calendar_quarter(int(year), int(quarter)))
    if m := _CY.match(text):
        return PeriodReading(calendar_year(int(text)))
    if (m := _MONTH_NAME.match(text)) and m.group(1) in _MONTHS:
        return PeriodReading(month(int(m.group(2)), _MONTHS[m.group(1)]))
    if (m := _MONTH_SLASH.match(text)) and 1 <= int(m.group(1)) <= 12:
        return PeriodReading(month(int(m.group(2)), int(m.group(1))))
    if m := _ISO_DATE.match(text):
        return PeriodReading(snapshot(dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))))
    if m := _DMY.match(text):
        return PeriodReading(snapshot(dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))))
    return PeriodReading(
        error=(
            f"'{text}' is not a period this return format knows "
            "(e.g. 2007/08, 2007/08 Q3, 2007-12, 2007, 2007 Q4, 2008-03-31)"
        )
    )


def expected_periods(financial_year_start: int, cadence: str, basis: str) -> list[Period]:
    """The periods a PI of this cadence and basis should report for one financial year."""
    if basis == "snapshot":
        if cadence == "annual":
            return [snapshot(dt.date(financial_year_start + 1, 3, 31))]
        quarters = [financial_quarter(financial_year_start, q) for q in range(1, 5)]
        if cadence == "quarterly":
            return [snapshot(q.end) for q in quarters]
        return [snapshot(month(p.year, p.month).end) for p in _months_of(financial_year_start)]
    if basis == "calendar_year" and cadence == "annual":
        return [calendar_year(financial_year_start)]
    if cadence == "annual":
        return [financial_year(financial_year_start)]
    if cadence == "quarterly":
        return [financial_quarter(financial_year_start, q) for q in range(1, 5)]
    return [month(d.year, d.month) for d in _months_of(financial_year_start)]


def _months_of(financial_year_start: int) -> list[dt.date]:
    return [dt.date(financial_year_start + (m < 4), m, 1) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]
