"""What every feedback page and workbook says to do next: when to send a corrected file, how, and whom to ask.

The data team writes it once in `feedback.toml` in the raw data folder (`LSDI_RAW_DIR`); `read_next_steps` reads and
checks it, and says which line is wrong when it is not right. The deadline itself is the pilot's return due date
(`pilot_borough`) for the year the return is for, moved later by the corrections window the file gives.
"""

from __future__ import annotations

import datetime as dt
import re
import string
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from lsdi_pipeline.periods import year_due_on

CONFIG_FILE = "feedback.toml"
#: what a corrected file's name may be made of, filled in for each borough and year
FILE_NAME_FIELDS = {
    "borough_code": "the borough's code (E09000003)",
    "borough_name": "the borough's name (Barnet)",
    "borough": "the borough's name in lower case with underscores (barking_and_dagenham)",
    "year": "the financial year the return is for (2007-08)",
}
#: table → key → (kind, required)
SCHEMA = {
    "resubmission": {
        "email": ("email", True),
        "file_name": ("file_name", True),
        "corrections_within_days": ("days", False),
    },
    "contact": {"name": ("text", True), "email": ("email", True), "phone": ("text", True)},
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class NextStepsError(ValueError):
    """feedback.toml cannot be used: the message names the file, the line and what to change."""


@dataclass(frozen=True)
class NextSteps:
    send_to: str
    file_name: str
    corrections_within_days: int | None
    contact_name: str
    contact_email: str
    contact_phone: str

    def as_dict(self) -> dict:
        return asdict(self)


def read_next_steps(raw_dir: Path) -> NextSteps | None:
    """The data team's next steps from `raw_dir/feedback.toml`; None when there is no such file."""
    path = raw_dir / CONFIG_FILE
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    try:
        config = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NextStepsError(f"{path}: {exc}; see the comments in the bundled data/raw/{CONFIG_FILE}") from exc
    return _checked(config, text, path)


def _checked(config: dict, text: str, path: Path) -> NextSteps:
    def fail(table: str, key: str | None, problem: str):
        line = _line_of(text, table, key)
        where = f"{path}, line {line}" if line else str(path)
        raise NextStepsError(f"{where}: [{table}]{' ' + key if key else ''} {problem}")

    for table in sorted(set(config) - set(SCHEMA)):
        fail(table, None, f"is not a section this file has (it has {', '.join(f'[{t}]' for t in SCHEMA)})")
    values = {}
    for table, keys in SCHEMA.items():
        section = config.get(table)
        if not isinstance(section, dict):
            fail(table, None, "is missing: add the section with " + ", ".join(keys))
        for key in sorted(set(section) - set(keys)):
            fail(table, key, f"is not a setting of [{table}] (it has {', '.join(keys)})")
        for key, (kind, required) in keys.items():
            if key not in section:
                if required:
                    fail(table, key, "is missing")
                values[(table, key)] = None
                continue
            problem = _problem(kind, section[key])
            if problem:
                fail(table, key, problem)
            values[(table, key)] = section[key].strip() if isinstance(section[key], str) else section[key]
    return NextSteps(
        send_to=values[("resubmission", "email")],
        file_name=values[("resubmission", "file_name")],
        corrections_within_days=values[("resubmission", "corrections_within_days")],
        contact_name=values[("contact", "name")],
        contact_email=values[("contact", "email")],
        contact_phone=values[("contact", "phone")],
    )


def _problem(kind: str, value) -> str | None:
    """What is wrong with a setting's value, or None."""
    if kind == "days":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 366:
            return f"must be a whole number of days from 0 to 366, not {value!r}"
        return None
    if not isinstance(value, str) or not value.strip():
        return f"must be text in quotes, not {value!r}"
    if kind == "email" and not _EMAIL.match(value.strip()):
        return f"{value!r} is not an email address"
    if kind == "file_name":
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as exc:
            return f"{value!r} cannot be filled in ({exc}); write a field as {{borough}}"
        unknown = fields - set(FILE_NAME_FIELDS)
        if unknown:
            return f"names {', '.join(sorted(unknown))}, which cannot be filled in: use " + ", ".join(
                f"{{{f}}}" for f in FILE_NAME_FIELDS
            )
        if not value.strip().lower().endswith((".xlsx", ".csv")):
            return f"{value!r} must end .xlsx (or .csv)"
        if "/" in value or "\\" in value:
            return f"{value!r} must be a file name, not a path"
    return None


def _line_of(text: str, table: str, key: str | None) -> int | None:
    """The line of `[table]`, or of `key = …` within it: where the data team should look."""
    in_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"^\s*\[\s*([^\]]+?)\s*\]", line)
        if header:
            in_table = header.group(1).strip("\"' ") == table
            if in_table and key is None:
                return number
            continue
        if in_table and key is not None and re.match(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=", line):
            return number
    return None


def return_year(sub: pd.Series, due: dt.date | None) -> str | None:
    """The financial year a submission is for: as the return names it, else the year its due date is for, else the
    last year to have ended when it was sent."""
    if isinstance(sub.get("return_period"), str):
        return sub["return_period"]
    if due is not None:
        return year_due_on(due).label
    sent = sub.get("submitted_on")
    return None if sent is None or pd.isna(sent) else year_due_on(pd.Timestamp(sent).date()).label


def due_for(sub: pd.Series, pilot_due) -> dt.date | None:
    """The due date of the return a submission is for: its borough's pilot due date, when the return is for the year
    that date is for (or does not say); None for a borough with no due date or a return for another year."""
    if pilot_due is None or pd.isna(pilot_due):
        return None
    due = pd.Timestamp(pilot_due).date()
    named = sub.get("return_period")
    return due if not isinstance(named, str) or named == year_due_on(due).label else None


def corrections_due(sub: pd.Series, due: dt.date | None, steps: NextSteps | None) -> dt.date | None:
    """The day a corrected file must reach the data team: the return's due date, or the end of the corrections
    window after this file arrived, whichever is later."""
    window = steps.corrections_within_days if steps else None
    if window is None or pd.isna(sub.get("received_at")):
        return due
    after_arrival = pd.Timestamp(sub["received_at"]).date() + dt.timedelta(days=window)
    return after_arrival if due is None else max(due, after_arrival)


def corrected_file_name(steps: NextSteps, borough_code: str | None, borough_name: str | None, year: str | None) -> str:
    """The name the data team asks a corrected file to have, filled in for this borough and year."""
    return steps.file_name.format(
        borough_code=borough_code or "BOROUGHCODE",
        borough_name=borough_name or "Borough",
        borough=re.sub(r"[^a-z0-9]+", "_", (borough_name or "borough").lower()).strip("_"),
        year=(year or "YYYY-YY").replace("/", "-"),
    )


def long_date(day: dt.date) -> str:
    """A date as an officer reads it: Friday 11 April 2008."""
    return f"{day:%A} {day.day} {day:%B %Y}"
