"""DfE's published statistics, read as figures of the catalogue's PIs: the `published_value` table.

`data/raw/published/` holds Explore Education Statistics CSV files exactly as DfE publishes them
(tidy: `time_period`, `time_identifier`, `geographic_level`, codes and names, then one column per
measure, with DfE's symbols in cells). `dataset/published_measures.csv`, beside the catalogue, says
once which file and columns give which PI — only where DfE's definition is the PI's — and the PI's
polarity as DfE's Local Authority Interactive Tool (LAIT) gives it. Pure functions of the files.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd

from lsdi_pipeline import codes
from lsdi_pipeline.periods import financial_year, snapshot
from lsdi_pipeline.returns.values import is_figure

PUBLISHED_DIR = "published"
MEASURES_FILE = "published_measures.csv"
COLUMNS = [
    "pi_code",
    "period",
    "geographic_level",
    "area_code",
    "dfe_la_code",
    "area_name",
    "value",
    "numerator",
    "denominator",
    "value_status",
    "raw_value",
    "source_file",
]
#: DfE's geographic levels, as the warehouse codes them
LEVELS = {"National": "national", "Regional": "regional", "Local authority": "local_authority"}
#: the area columns of an Explore Education Statistics file
GEOGRAPHY = ("country_name", "region_code", "region_name", "old_la_code", "new_la_code", "la_name")
#: DfE publishes rates per 10,000 to one decimal place
RATE_DECIMALS = 1


#: the columns of dataset/published_measures.csv
MEASURE_COLUMNS = (
    "pi_code",
    "source_file",
    "value_column",
    "numerator_column",
    "denominator_column",
    "denominator_file",
    "denominator_lag_years",
    "national_polarity",
    "lait_measure",
    "note",
)


class PublishedDataError(ValueError):
    """A published file or the declaration cannot be read as declared; the message names the file (and line)."""


def read_measures(raw_dir: Path) -> pd.DataFrame:
    """The declaration of which published file and columns give which PI (empty if there is none)."""
    path = Path(raw_dir) / "dataset" / MEASURES_FILE
    if not path.exists():
        return pd.DataFrame(columns=list(MEASURE_COLUMNS))
    measures = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    missing = [c for c in MEASURE_COLUMNS if c not in measures.columns]
    if missing:
        raise PublishedDataError(f"dataset/{MEASURES_FILE} has no column {', '.join(missing)}")
    for line, m in enumerate(measures.itertuples(index=False), start=2):
        where = f"dataset/{MEASURES_FILE}, line {line} ({m.pi_code})"
        if not isinstance(m.pi_code, str) or not isinstance(m.source_file, str):
            raise PublishedDataError(f"{where}: pi_code and source_file are needed")
        if not isinstance(m.value_column, str) and not (
            isinstance(m.numerator_column, str) and isinstance(m.denominator_column, str)
        ):
            raise PublishedDataError(f"{where}: give value_column, or numerator_column and denominator_column")
        if m.national_polarity not in ("higher_is_better", "lower_is_better", "neutral"):
            raise PublishedDataError(
                f"{where}: national_polarity must be higher_is_better, lower_is_better or neutral, "
                f"not '{m.national_polarity}'"
            )
        if isinstance(m.denominator_lag_years, str) and not m.denominator_lag_years.strip().isdigit():
            raise PublishedDataError(
                f"{where}: denominator_lag_years must be a whole number of years, not '{m.denominator_lag_years}'"
            )
    return measures


def read_published(raw_dir: Path, indicators: pd.DataFrame, measures: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every published figure of every declared PI, national, regional and local authority, in the period grammar."""
    raw_dir = Path(raw_dir)
    measures = read_measures(raw_dir) if measures is None else measures
    if not (raw_dir / PUBLISHED_DIR).is_dir():  # a raw directory without DfE's files: no England-wide comparison
        measures = measures.iloc[:0]
    basis = dict(zip(indicators["pi_code"], indicators["period_basis"]))
    units = dict(zip(indicators["pi_code"], indicators["unit"]))
    frames, files = [], {}
    for m in measures.itertuples(index=False):
        if m.pi_code not in basis:
            raise PublishedDataError(f"dataset/{MEASURES_FILE}: {m.pi_code} is not a PI of the catalogue")
        source = files.get(m.source_file)
        if source is None:
            source = files[m.source_file] = _read_file(raw_dir, m.source_file)
        frames.append(_measure(raw_dir, m, source, basis[m.pi_code], units[m.pi_code], files))
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    published = pd.concat(frames, ignore_index=True)[COLUMNS]
    key = ["pi_code", "period", "geographic_level", "area_code"]
    published = published.drop_duplicates()
    clash = published.loc[published.duplicated(key, keep=False)]
    if len(clash):
        first = clash.iloc[0]
        raise PublishedDataError(
            f"{first['source_file']} gives {first['area_name']} ({first['area_code']}) more than one figure for "
            f"{first['pi_code']} {first['period']}: "
            f"{', '.join(clash.loc[(clash[key] == first[key]).all(axis=1), 'raw_value'])}"
        )
    return published


def _read_file(raw_dir: Path, name: str) -> pd.DataFrame:
    path = raw_dir / PUBLISHED_DIR / str(name)
    if not path.is_file():
        raise PublishedDataError(f"{PUBLISHED_DIR}/{name} is declared in dataset/{MEASURES_FILE} but is not there")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8-sig")
    missing = {"time_period", "time_identifier", "geographic_level", "country_code"} - set(frame.columns)
    if missing:
        raise PublishedDataError(
            f"{PUBLISHED_DIR}/{name} is not an Explore Education Statistics file: it has no "
            f"{', '.join(sorted(missing))} column"
        )
    frame = frame.loc[frame["geographic_level"].isin(LEVELS)].copy()
    for column in GEOGRAPHY:  # a file of one level may lack the columns of the others
        if column not in frame.columns:
            frame[column] = ""
    frame["_line"] = frame.index + 2  # the header is line 1
    return frame


def _column(frame: pd.DataFrame, name: str, file: str) -> pd.Series:
    if name not in frame.columns:
        raise PublishedDataError(f"{PUBLISHED_DIR}/{file} has no column {name} (declared in dataset/{MEASURES_FILE})")
    return frame[name]


def _measure(raw_dir: Path, m, source: pd.DataFrame, period_basis: str, unit: str, files: dict) -> pd.DataFrame:
    rows = source.copy()
    rows["period"] = [
        _period(tp, ti, period_basis, m.source_file, line)
        for tp, ti, line in zip(rows["time_period"], rows["time_identifier"], rows["_line"])
    ]
    numerator = _column(rows, m.numerator_column, m.source_file) if isinstance(m.numerator_column, str) else None
    if isinstance(m.denominator_file, str):
        denominator = _lagged(raw_dir, m, rows, files)
    elif isinstance(m.denominator_column, str):
        denominator = _column(rows, m.denominator_column, m.source_file)
    else:
        denominator = None
    readings_num = numerator.map(read_cell) if numerator is not None else None
    readings_den = denominator.map(read_cell) if denominator is not None else None
    if isinstance(m.value_column, str):
        raw = _column(rows, m.value_column, m.source_file)
        readings = raw.map(read_cell)
    else:  # a rate DfE does not publish in this file: numerator ÷ denominator × the unit's scale, as DfE computes it
        if unit not in codes.UNIT_SCALE:
            raise PublishedDataError(f"dataset/{MEASURES_FILE}: {m.pi_code} is a {unit}, so it needs a value_column")
        readings = pd.Series(
            [_ratio(n, d, codes.UNIT_SCALE[unit]) for n, d in zip(readings_num, readings_den)], index=rows.index
        )
        raw = pd.Series([f"{n} / {d}" for n, d in zip(numerator, denominator)], index=rows.index)
    level = rows["geographic_level"].map(LEVELS)
    by_level = [level == "local_authority", level == "regional"]
    area_code = np.select(by_level, [rows["new_la_code"], rows["region_code"]], rows["country_code"])
    names = np.select(by_level, [rows["la_name"], rows["region_name"]], rows["country_name"].replace("", "England"))
    dfe = pd.to_numeric(rows["old_la_code"].where(by_level[0]), errors="coerce")
    return pd.DataFrame(
        {
            "pi_code": m.pi_code,
            "period": rows["period"],
            "geographic_level": level,
            "area_code": area_code,
            "dfe_la_code": dfe.astype("Int64"),
            "area_name": names,
            "value": _numbers(readings, len(rows)),
            "value_status": [r[1] for r in readings],
            "raw_value": raw,
            "numerator": _numbers(readings_num, len(rows)),
            "denominator": _numbers(readings_den, len(rows)),
            "source_file": f"{PUBLISHED_DIR}/{m.source_file}",
        }
    ).reset_index(drop=True)


def _numbers(readings: pd.Series | None, n: int) -> list[float]:
    return [math.nan if r[0] is None else r[0] for r in readings] if readings is not None else [math.nan] * n


def _lagged(raw_dir: Path, m, rows: pd.DataFrame, files: dict) -> pd.Series:
    """The denominator from another file, `denominator_lag_years` earlier (a rate at 31 March 2025 is per the mid-2024
    population), matched on area and level."""
    other = files.get(m.denominator_file)
    if other is None:
        other = files[m.denominator_file] = _read_file(raw_dir, m.denominator_file)
    lag = int(m.denominator_lag_years.strip()) if isinstance(m.denominator_lag_years, str) else 0
    column = _column(other, m.denominator_column, m.denominator_file)
    key = ["geographic_level", "country_code", "region_code", "new_la_code"]
    lookup = other.assign(_year=pd.to_numeric(other["time_period"], errors="coerce") + lag, _value=column)
    lookup = lookup.drop_duplicates([*key, "_year"]).set_index([*key, "_year"])["_value"]
    wanted = pd.MultiIndex.from_arrays([rows[k] for k in key] + [pd.to_numeric(rows["time_period"], errors="coerce")])
    return pd.Series(lookup.reindex(wanted).to_numpy(), index=rows.index).fillna("x")


def _period(time_period: str, time_identifier: str, period_basis: str, file: str, line: int) -> str:
    """DfE's period in our grammar: a reporting year (`2025`, the year ending 31 March 2025) is `2024/25`, or the
    snapshot `2025-03-31` for a PI counted on a date; a financial year (`202425`) is `2024/25`."""
    text = str(time_period).strip()
    if text.isdigit() and len(text) == 4 and time_identifier in ("Reporting year", "Financial year end"):
        end_year = int(text)
    elif (
        text.isdigit()
        and len(text) == 6
        and time_identifier == "Financial year"
        and int(text[4:]) == (int(text[:4]) + 1) % 100
    ):
        end_year = int(text[:4]) + 1
    else:
        raise PublishedDataError(
            f"{PUBLISHED_DIR}/{file}, line {line}: time_period '{time_period}' ({time_identifier}) is "
            "not a reporting or financial year"
        )
    if period_basis == "snapshot":
        return snapshot(dt.date(end_year, 3, 31)).label
    return financial_year(end_year - 1).label


def read_cell(text: object) -> tuple[float | None, str]:
    """A published cell: (number, `reported`), or (None, the status of DfE's symbol). An empty cell is
    `not_available`."""
    cell = str(text).strip()
    status = codes.DFE_SYMBOLS.get(cell.lower())
    if status:
        return None, status
    try:
        number = float(cell.replace(",", ""))
    except ValueError:
        return None, "not_available"
    return (number, "reported") if is_figure(number) else (None, "not_available")


def _ratio(numerator: tuple, denominator: tuple, scale: int) -> tuple[float | None, str]:
    (n, n_status), (d, d_status) = numerator, denominator
    if n is None:
        return None, n_status
    if d is None or d <= 0:
        return None, d_status if d is None else "not_applicable"
    return round(n / d * scale, RATE_DECIMALS), "reported"
