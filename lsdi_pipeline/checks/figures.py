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
from lsdi_pipeline.returns.values import read_number


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
    #: the Period, Numerator and Denominator cells as typed (`raw_value` is the Value cell's)
    raw_period: str | None = None
    raw_numerator: str | None = None
    raw_denominator: str | None = None

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
            raw_period=fact.get("raw_period"),
            raw_numerator=fact.get("raw_numerator"),
            raw_denominator=fact.get("raw_denominator"),
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
        yield (
            "period",
            f"{period_typed(f.raw_period, f.period.label)} had not ended on the date of submission ({f.submitted_on})",
        )


@figure_rule("cadence_mismatch")
def period_off_cadence(f: Figure):
    """The figure's period is not one of the PI's cadence (the rule is named cadence_mismatch, as is the analysis
    table of such figures)."""
    expected, basis, period = f.pi["expected_cadence"], f.pi["period_basis"], f.period
    if basis == "snapshot" or period.period_type == "snapshot":
        fits = period.period_type == "snapshot" and basis == "snapshot" and snapshot_fits(period.end, expected)
        given = (
            f"a snapshot on {period_typed(f.raw_period, period.label)}"
            if period.period_type == "snapshot"
            else f"a {period.period_type.replace('_', ' ')} figure"
        )
    else:
        fits = codes.PERIOD_TYPE_CADENCE[period.period_type] == expected
        given = f"a {codes.PERIOD_TYPE_CADENCE[period.period_type]} figure ({period_typed(f.raw_period, period.label)})"
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
                f"the period {period_typed(f.raw_period, f.period.label)}, which is {_a(implied)} period"
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
        yield (
            "numerator",
            f"{f.where}: the numerator, {_quoted(f.raw_numerator, f.numerator)}, is larger than the denominator, "
            f"{_quoted(f.raw_denominator, f.denominator)}",
        )


@figure_rule("percent_out_of_range")
def percent_out_of_range(f: Figure):
    if _reported(f) and f.pi["unit"] == "percent" and not _percent_in_range(f.value):
        yield "value", f"{f.where}: {typed_value(f)}, which is outside {PERCENT_RANGE[0]}–{PERCENT_RANGE[1]}%"


@figure_rule("count_invalid")
def count_invalid(f: Figure):
    if _reported(f) and f.pi["unit"] == "count" and not _whole(f.value):
        yield "value", f"{f.where}: {typed_value(f)}, which is not a whole, non-negative count"
    for field_name, number, typed in (
        ("numerator", f.numerator, f.raw_numerator),
        ("denominator", f.denominator, f.raw_denominator),
    ):
        if number is not None and not _whole(number):
            yield (
                field_name,
                f"{f.where}: the {field_name} is {_quoted(typed, number)}, not a whole, non-negative number",
            )


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
        yield "value", f"{f.where}: {typed_value(f)}, which is outside the PI's valid range {bounds} ({f.pi['unit']})"


@figure_rule("value_inconsistent")
def value_inconsistent(f: Figure):
    scale = codes.UNIT_SCALE.get(f.pi["unit"])
    if _reported(f) and scale and f.numerator is not None and f.denominator:
        expected = f.numerator / f.denominator * scale
        if abs(f.value - expected) > ROUNDING_TOLERANCE + 1e-9:
            yield (
                "value",
                f"{f.where}: {typed_value(f)}, but numerator / denominator gives {expected:.1f}{_unit(f.pi['unit'])}",
            )


def typed_value(f: Figure) -> str:
    """The figure's value as the borough typed it and, where the pipeline read it as something else, what it was read
    as: `you typed 84`, `you typed 0.118, read as 11.8%`; a value calculated from a blank Value cell says so."""
    return typed_as(f.raw_value, f.value, f.pi["unit"])


def typed_as(typed: str | None, number: float | None, unit: str, which_is: str | None = None) -> str:
    """`you typed 84`, with what it was read as where that is not the number typed (`you typed 0.118, read as 11.8%`:
    a %-formatted cell); `which_is` words a comparison's own scale (`you typed 84, which is 9.9 per 10,000
    children`)."""
    if number is None:
        return f"you typed {typed}" if typed is not None else "the Value cell is blank"
    if typed is None:
        shown = f"the value calculated from the numerator and denominator is {number:g}{_unit(unit)}"
        return shown if which_is is None else f"{shown}, which is {which_is}"
    plain = read_number(typed)
    said = f"you typed {typed}"
    if plain.number is None or abs(plain.number - number) > 1e-9 * max(1.0, abs(number)):
        said += f", read as {number:g}{_unit(unit)}"
    return said if which_is is None else f"{said}, which is {which_is}"


def period_typed(typed: str | None, label: str) -> str:
    """A period by its label, with what the borough typed where that was written otherwise: `2007 Q4 (you typed
    Oct-Dec 2007)`."""
    return label if typed is None or typed.strip() == label else f"{label} (you typed {typed})"


def _quoted(typed: str | None, number: float) -> str:
    """A numerator or denominator as typed (its number where the cell was not kept as typed)."""
    return typed if typed is not None else f"{number:g}"


def _unit(unit: str) -> str:
    return "%" if unit == "percent" else ""


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
