"""A real example: the 32 boroughs' own DfE published figures as LSDI-R1 CSV returns.

    lsdi sample --published [--years N] --output DIR

writes a complete raw directory whose returns hold nothing invented: for each borough and each
of the latest N years DfE publishes (default 5), one CSV return with the borough's published
figures for every PI that `dataset/published_measures.csv` maps (L01, L02, L03, NI65), exactly
as `published_value` reads them — DfE's symbols (`c`, `x`, `u`, `z`) included, so they load
with their meanings. Everything else (catalogue, boroughs.csv, DfE's files, the mapping stage
and the pilot register) is copied from the bundled raw directory, so `lsdi run` on it fills the
England-wide columns of `cmp_borough_pi` (the bundled 2007/08 returns have no published year).
The figures are Crown copyright (DfE/ONS), Open Government Licence v3.0.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd

from lsdi_pipeline import reference
from lsdi_pipeline.published import PUBLISHED_DIR, read_published
from lsdi_pipeline.sample import generator as g
from lsdi_pipeline.sample.national import BUNDLED_RAW, file_slug

HEADER = [
    "borough_code",
    "pi_code",
    "period",
    "numerator",
    "denominator",
    "value",
    "source_agency",
    "reporting_frequency",
    "note",
]
COPIED = ("boroughs.csv", "dataset", PUBLISHED_DIR, "mapping", "pilot")
#: what the name of every return this command writes holds: <borough>_dfe_published_<year>.csv
NAME_MARK = "_dfe_published_"
#: DfE's symbol for each status a published cell can have
SYMBOL = {
    "suppressed": "c",
    "not_available": "x",
    "not_applicable": "z",
    "low_reliability": "u",
    "rounds_to_zero": "low",
}
README = """# A real example: DfE's published figures as LSDI-R1 returns

Written by `lsdi sample --published`. `returns/` holds one CSV return per London borough and
year: the borough's own figures as DfE publishes them (Explore Education Statistics files in
`published/`, declared in `dataset/published_measures.csv`), for L01, L02, L03 and NI65, with
DfE's symbols where DfE shows no figure. Nothing in them is invented. Crown copyright
(DfE/ONS), Open Government Licence v3.0.

Everything else is copied from the bundled raw directory: the catalogue, boroughs.csv, DfE's
files, and the (synthetic) mapping stage and pilot register of the 2007/08 Phase I — so the
availability and Phase II tables built from this directory say nothing about the published
years, and annual returns draw cadence warnings for PIs asked for quarterly or monthly. It is
for the comparison with England (cmp_borough_pi).
"""


def write_published_returns(raw_dir: Path, years: int = 5, source: Path = BUNDLED_RAW) -> dict[str, int]:
    """Write the raw directory; return the counts written."""
    raw_dir, source = Path(raw_dir), Path(source)
    if raw_dir.resolve() == source.resolve():
        raise ValueError(
            f"refusing to replace the raw directory {source} with the published example; choose another --output"
        )
    if years < 1:
        raise ValueError(f"--years must be at least 1, not {years}")
    returns = raw_dir / reference.RETURNS_DIR
    foreign = (
        sorted(p.name for p in returns.glob("*") if p.is_file() and not _written_here(p.name))
        if returns.is_dir()
        else []
    )
    if foreign:
        raise ValueError(
            f"refusing to write the published example over {returns}: it holds returns this command did not "
            f"write ({', '.join(foreign[:3])}{', …' if len(foreign) > 3 else ''}); choose an empty --output"
        )
    raw_dir.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        if (source / name).is_dir():
            shutil.copytree(source / name, raw_dir / name, dirs_exist_ok=True)
        elif (source / name).is_file():
            shutil.copyfile(source / name, raw_dir / name)
    (raw_dir / "README.md").write_text(README, encoding="utf-8")
    boroughs = reference.read_boroughs(raw_dir, pd.DataFrame(columns=["borough_code"]))
    indicators = reference.read_indicators(raw_dir, reference.read_clusters(raw_dir))
    published = read_published(raw_dir, indicators)
    figures = published.loc[published["geographic_level"] == "local_authority"].merge(
        boroughs.assign(dfe_la_code=pd.to_numeric(boroughs["dfe_la_code"]).astype("Int64"))[
            ["borough_code", "borough_name", "dfe_la_code"]
        ],
        on="dfe_la_code",
    )
    figures["year"] = figures["period"].str[:4].astype(int) - figures["period"].str.contains("-").astype(int)
    chosen = sorted(figures["year"].unique())[-years:]
    figures = figures.loc[figures["year"].isin(chosen)]
    g._clear_returns(returns)
    agency = dict(zip(indicators["pi_code"], indicators["source_agency"]))
    written = 0
    for (code, name, year), rows in figures.groupby(["borough_code", "borough_name", "year"]):
        path = returns / f"{file_slug(name)}{NAME_MARK}{year}-{(year + 1) % 100:02d}.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(HEADER)
            for r in rows.sort_values(["pi_code", "period"]).itertuples(index=False):
                value = _number(r.value) if r.value_status == "reported" else SYMBOL[r.value_status]
                out.writerow(
                    [
                        code,
                        r.pi_code,
                        r.period,
                        _number(r.numerator),
                        _number(r.denominator),
                        value,
                        agency[r.pi_code],
                        "annual",
                        f"DfE published ({r.source_file}); Crown copyright, OGL v3.0",
                    ]
                )
        written += 1
    return {
        "returns": written,
        "boroughs": int(figures["borough_code"].nunique()),
        "years": len(chosen),
        "first_year": int(chosen[0]) if chosen else 0,
        "last_year": int(chosen[-1]) if chosen else 0,
    }


def _written_here(name: str) -> bool:
    return NAME_MARK in name and name.endswith(".csv")


def _number(value: object) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{float(value):g}" if float(value) != int(float(value)) else str(int(float(value)))
