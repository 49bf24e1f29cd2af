"""The thresholds of phase2_rules.toml, the file the data team edits: the Phase II rules' and the collection checks'.

`rules_in_file` is the one reader of the file. This module imports no data library: the Dagster definitions read
the thresholds when they load (the `phase2_rules` resource's defaults, the checks' descriptions).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

RULES_FILE = Path(__file__).resolve().parent / "phase2_rules.toml"


@dataclass(frozen=True)
class Thresholds:
    """The thresholds of the Phase II rules (`analysis.recommendations`)."""

    retain_min_availability_pct: float
    replace_max_availability_pct: float
    replace_min_cannot_provide_share: float
    revise_min_cadence_mismatch_share: float
    revise_min_error_share: float
    extend_pilot_below_mean_availability_pct: float
    map_sources_below_multi_agency_share_pct: float
    support_boroughs_below_availability_pct: float

    @classmethod
    def from_file(cls) -> Thresholds:
        return cls(**rules_in_file(("pi", "programme"), [f.name for f in fields(cls)], float))


@dataclass(frozen=True)
class CheckThresholds:
    """The limits of the data team's checks on the collection (`checks.collection`)."""

    #: a borough with more error findings than this in its current files is asked to correct and resend
    max_errors_per_borough: int
    #: a borough with more warnings than this in its current files is called to go through them
    max_warnings_per_borough: int

    @classmethod
    def from_file(cls) -> CheckThresholds:
        return cls(**rules_in_file(("checks",), list(cls.__dataclass_fields__), int))


def rules_in_file(sections: tuple[str, ...], names: list[str], kind: type) -> dict:
    """The thresholds `names` from `sections` of phase2_rules.toml, each as `kind`: the one reader of the file, so a
    threshold the data team left out or mistyped stops the code location with the file, section and name, not a
    KeyError."""
    try:
        config = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{RULES_FILE}: {exc}") from exc
    values = {name: (section, value) for section in sections for name, value in config.get(section, {}).items()}
    read = {}
    for name in names:
        if name not in values:
            raise ValueError(f"{RULES_FILE}: {name} is missing (expected in [{'] or ['.join(sections)}])")
        section, value = values[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or (kind is int and value != int(value)):
            raise ValueError(
                f"{RULES_FILE}: [{section}] {name} = {value!r} is not {'a whole number' if kind is int else 'a number'}"
            )
        read[name] = kind(value)
    return read
