"""Rules on one figure (one `PI data` row, read): small functions, each tagged with its rule.

Each rule gets a `Figure` and yields `(field, message)` for every problem it finds; the
parser locates the field to its cell. Severity, category and fix hint come from the rule
list (`lsdi_pipeline.checks.rules`), so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from lsdi_pipeline import codes
from lsdi_pipeline.checks.rules import registering_in
from lsdi_pipeline.checks.rules.integrity import PERCENT_RANGE, ROUNDING_TOLERANCE
from lsdi_pipeline.periods import Period


@dataclass(frozen=True)
class Figure:
    """A PI data row as read: the catalogue entry, the period and the numbers (None when absent)."""

    pi: dict
    period: Period
    value: float | None
    value_status: str
    numerator: float | None = None
    denominator: float | None = None
    frequency: str | None = None
    submitted_on: dt.date | None = None
    ambiguity: str | None = None
    #: field → the text a qualified number was written as (`approx 45`)
    qualified: dict[str, str] = field(default_factory=dict)
    raw_value: str | None = None
    #: the value was written as a percentage (45% or a %-formatted cell)
    typed_as_percent: bool = False

    @classmethod
    def as_loaded(cls, fact: Mapping, pi: dict) -> Figure:
        """A `fact_pi_value` row (a record, None where a cell is empty) as the rules see it.

        The warehouse keeps a figure's numbers, status, period and declared frequency, so a rule on those finds on the
        loaded figure what it found on the row read; how a number was written (approx, 45%), the date of submission and
        how an ambiguous period was read are known to the parser alone, and the rules on them find nothing here.
        """
        period = Period(fact["period"], fact["period_type"], _day(fact["period_start"]), _day(fact["period_end"]))
        return cls(
            pi,
            period,
            fact["value"],
            fact["value_status"],
            fact["numerator"],
            fact["denominator"],
            fact["reported_frequency"],
            raw_value=fact["raw_value"],
        )

    @property
    def code(self) -> str:
        return self.pi["pi_code"]

    @property
    def where(self) -> str:
        return f"{self.code} {self.period.label}"


FigureRule = Callable[[Figure], Iterable[tuple[str, str]]]
FIGURE_RULES: dict[str, FigureRule] = {}


def figure_rule(check_name: str) -> Callable[[FigureRule], FigureRule]:
    """Register a rule on one figure under its `check_name`."""
    return registering_in(FIGURE_RULES, check_name)


def check_figure(figure: Figure) -> Iterator[tuple[str, str, str]]:
    """Every finding on one figure, as (check_name, field, message)."""
    for check_name, rule in FIGURE_RULES.items():
        for field_name, message in rule(figure):
            yield check_name, field_name, message


def _reported(figure: Figure) -> bool:
    return figure.value_status == "reported" and figure.value is not None


# -- structure ------------------------------------------------------------------------------------
@figure_rule("pi_postponed")
def pi_postponed(f: Figure):
    if f.pi["status"] == "postponed":
        yield "pi_code", f"{f.code} is postponed to a later phase and was not asked for"


# -- availability ---------------------------------------------------------------------------------
@figure_rule("pi_not_provided")
def pi_not_provided(f: Figure):
    if f.value_status == "not_provided":
        yield "value", f"{f.where} was not provided" + (f" ('{f.raw_value}')" if f.raw_value else " (blank)")
    elif f.value_status in ("not_available", "not_applicable"):
        yield "value", f"{f.where} was marked as {codes.VALUE_STATUS_MEANINGS[f.value_status]} ('{f.raw_value}')"


@figure_rule("pi_marked_unreliable")
def pi_marked_unreliable(f: Figure):
    if f.value_status in ("low_reliability", "rounds_to_zero"):
        yield (
            "value",
            (
                f"{f.where} was marked as {codes.VALUE_STATUS_MEANINGS[f.value_status]} ('{f.raw_value}'), "
                "so it has no value to compare"
            ),
        )


@figure_rule("pi_suppressed")
def pi_suppressed(f: Figure):
    if f.value_status == "suppressed":
        yield "value", f"{f.where} was suppressed ('{f.raw_value}')"


# -- cadence --------------------------------------------------------------------------------------
@figure_rule("period_ambiguous")
def period_ambiguous(f: Figure):
    if f.ambiguity:
        yield "period", f.ambiguity


@figure_rule("period_incomplete")
def period_incomplete(f: Figure):
    if f.submitted_on and f.period.end > f.submitted_on:
        yield "period", f"{f.period.label} had not ended on the date of submission ({f.submitted_on})"


@figure_rule("cadence_mismatch")
def period_off_cadence(f: Figure):
    """The figure's period is not one of the PI's cadence (the rule is named cadence_mismatch, as is the analysis
    table of such figures)."""
    expected, basis, period = f.pi["expected_cadence"], f.pi["period_basis"], f.period
    if basis == "snapshot" or period.period_type == "snapshot":
        fits = period.period_type == "snapshot" and basis == "snapshot" and snapshot_fits(period.end, expected)
        given = (
            f"a snapshot on {period.label}"
            if period.period_type == "snapshot"
            else f"a {period.period_type.replace('_', ' ')} figure"
        )
    else:
        fits = codes.PERIOD_TYPE_CADENCE[period.period_type] == expected
        given = f"a {codes.PERIOD_TYPE_CADENCE[period.period_type]} figure ({period.label})"
    if not fits:
        asked = f"{expected} snapshot" if basis == "snapshot" else expected
        yield "period", f"{f.code} is asked for as {_a(asked)} figure but {given} was given"


@figure_rule("frequency_contradicts_period")
def frequency_contradicts_period(f: Figure):
    implied = codes.PERIOD_TYPE_CADENCE[f.period.period_type]
    if f.frequency and implied and f.frequency != implied:
        yield (
            "reporting_frequency",
            (
                f"reporting frequency {codes.FREQUENCY_LABELS[f.frequency]} does not match "
                f"the period {f.period.label}, which is {_a(implied)} period"
            ),
        )


# -- integrity ------------------------------------------------------------------------------------
@figure_rule("qualified_number")
def qualified_number(f: Figure):
    for field_name, text in f.qualified.items():
        yield field_name, f"{f.where}: '{text}' was read as the number it qualifies"


@figure_rule("unit_mismatch")
def unit_mismatch(f: Figure):
    if _reported(f) and f.typed_as_percent and f.pi["unit"] != "percent":
        yield (
            "value",
            f"{f.where}: '{f.raw_value}' is written as a percentage "
            f"but the PI's unit is {f.pi['unit'].replace('_', ' ')}",
        )


@figure_rule("numerator_exceeds_denominator")
def numerator_exceeds_denominator(f: Figure):
    if (
        f.pi["unit"] in codes.UNIT_SCALE
        and f.numerator is not None
        and f.denominator is not None
        and f.numerator > f.denominator
    ):
        yield "numerator", f"{f.where}: numerator {f.numerator:g} is larger than denominator {f.denominator:g}"


@figure_rule("percent_out_of_range")
def percent_out_of_range(f: Figure):
    if _reported(f) and f.pi["unit"] == "percent" and not _percent_in_range(f.value):
        yield "value", f"{f.where}: {f.value:g}% is outside {PERCENT_RANGE[0]}–{PERCENT_RANGE[1]}"


@figure_rule("count_invalid")
def count_invalid(f: Figure):
    if _reported(f) and f.pi["unit"] == "count" and not _whole(f.value):
        yield "value", f"{f.where}: the count {f.value:g} is not a whole, non-negative number"
    for field_name, number in (("numerator", f.numerator), ("denominator", f.denominator)):
        if number is not None and not _whole(number):
            yield field_name, f"{f.where}: {field_name} {number:g} is not a whole, non-negative number"


@figure_rule("value_out_of_range")
def value_out_of_range(f: Figure):
    if (
        not _reported(f)
        or f.pi["unit"] == "percent"
        and not _percent_in_range(f.value)
        or f.pi["unit"] == "count"
        and f.value < 0
    ):
        return  # already an error of its unit
    low, high = f.pi["valid_min"], f.pi["valid_max"]
    if (low is not None and f.value < low) or (high is not None and f.value > high):
        bounds = f"{'' if low is None else f'{low:g}'}–{'' if high is None else f'{high:g}'}"
        yield "value", f"{f.where}: {f.value:g} is outside the PI's valid range {bounds} ({f.pi['unit']})"


@figure_rule("value_inconsistent")
def value_inconsistent(f: Figure):
    scale = codes.UNIT_SCALE.get(f.pi["unit"])
    if _reported(f) and scale and f.numerator is not None and f.denominator:
        expected = f.numerator / f.denominator * scale
        if abs(f.value - expected) > ROUNDING_TOLERANCE + 1e-9:
            yield "value", f"{f.where}: the value is {f.value:g} but numerator / denominator gives {expected:.1f}"


def _percent_in_range(value: float) -> bool:
    return PERCENT_RANGE[0] <= value <= PERCENT_RANGE[1]


def _whole(number: float) -> bool:
    return number >= 0 and float(number).is_integer()


def _day(moment: dt.date) -> dt.date:
    """A day, from a date or a timestamp (pandas gives period_start and period_end as timestamps)."""
    return moment.date() if isinstance(moment, dt.datetime) else moment


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def snapshot_fits(day: dt.date, cadence: str) -> bool:
    """Whether a snapshot date falls where a figure of this cadence is taken (a month, quarter or year end)."""
    month_end = (day + dt.timedelta(days=1)).day == 1
    if cadence == "monthly":
        return month_end
    if cadence == "quarterly":
        return month_end and day.month in (3, 6, 9, 12)
    return month_end and day.month == 3
