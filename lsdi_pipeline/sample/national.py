"""The national shape of `lsdi sample`: English local authorities, several financial years.

    lsdi sample --authorities all|N --years N --output DIR

writes a complete raw directory (boroughs.csv, dataset/, mapping/, pilot/, returns/) that
`lsdi run` processes: every selected authority is a pilot and answered the mapping stage,
and sends ONE LSDI-R1 workbook per financial year, the years ending with 2007/08. Each
workbook is made by the bundled generator's own machinery (generator.py: `_plan`,
`_write_return`), with the same habits and slips as the bundled pilots: authority number i
(counted from 0 in the order below) files like bundled sender i mod 9, every year.

Data source: the authorities come from `authorities_2025.csv` next to this module, a derived
copy of Crown-copyright ONS/DfE statistics (Open Government Licence v3.0); each row's
`source` column names the files. It was written once by `derive_authorities` below from the
project's reference folder (not read at run time):
- the 153 authorities: rows with geographic_level "Local authority" and time_period 2025 of
  `dfe_d3_cpps_subsequent_plan_2013_to_2025.csv` (DfE children in need statistics) — GSS code
  (new_la_code), DfE LA number (old_la_code), name (la_name) and region (region_name), in
  that file's order: by DfE region code (North East … South West, then Inner London and
  Outer London), alphabetically within a region. `--authorities N` takes the first N;
- child population 0-17: mid-2024 (the latest year, and the only one that has all 153
  current authorities) from `dfe_ons_mid-year_population_estimates_2012_to_2024.csv`
  (geographic_level "Local authority", age_group "Children aged 0 to 17 years");
- comparison_group: the DfE region, with Inner and Outer London as one group "London"
  (as in data/raw/boroughs.csv); inner_outer: "inner"/"outer" from the DfE region for London
  (the ONS/DfE statistical split), blank elsewhere;
- legacy ONS codes, aliases and statistical neighbours: for the 32 boroughs, copied from
  data/raw/boroughs.csv; for the City of London the legacy code 00AA and the neighbours of
  `london_la_reference.csv` (DfE LAIT, May 2025); blank elsewhere (aliases are added for the
  three "X, City of" / "X, County of" names).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
from pathlib import Path

import pandas as pd

from lsdi_pipeline import reference
from lsdi_pipeline.periods import financial_year
from lsdi_pipeline.published import PUBLISHED_DIR
from lsdi_pipeline.sample import generator as g
from lsdi_pipeline.sample import mapping

AUTHORITIES_FILE = Path(__file__).with_name("authorities_2025.csv")
#: the bundled raw directory of a checkout (not part of an installed wheel)
BUNDLED_RAW = Path(__file__).resolve().parents[2] / "data" / "raw"
CATALOGUE_FILES = ("goals.csv", "clusters.csv", "indicators.csv", "published_measures.csv")
BOROUGH_COLUMNS = [
    "borough_code",
    "legacy_code",
    "dfe_la_code",
    "borough_name",
    "aliases",
    "inner_outer",
    "comparison_group",
    "child_population",
    "child_population_year",
    "statistical_neighbours",
    "neighbour_model",
    "region_code",
    "source",
]
POPULATION_YEAR = 2024
#: the model the statistical neighbours come from (DfE LAIT reference tables)
NEIGHBOUR_MODEL = "DfE May 2025"
#: the last financial year generated (2007/08), as in the bundled data
LAST_YEAR = g.RETURN_YEAR
#: share of pilots whose LSCB chair has confirmed, as in the bundled register (7 of 11)
CONFIRMED_SHARE = 7 / 11


def read_authorities() -> pd.DataFrame:
    """The packaged authorities, in their fixed order (see the module docstring)."""
    return pd.read_csv(AUTHORITIES_FILE, dtype=str, keep_default_na=False, na_values=[""])


def select_authorities(spec: str | int) -> pd.DataFrame:
    """`all`, or the first N authorities."""
    authorities = read_authorities()
    if str(spec).strip().lower() == "all":
        return authorities
    try:
        n = int(spec)
    except ValueError:
        raise ValueError(
            f"--authorities must be 'all' or a number from 1 to {len(authorities)}, not '{spec}'"
        ) from None
    if not 1 <= n <= len(authorities):
        raise ValueError(f"--authorities must be 'all' or a number from 1 to {len(authorities)}, not {n}")
    return authorities.iloc[:n].reset_index(drop=True)


def return_years(years: int) -> list[int]:
    """The start years of the `years` financial years ending with 2007/08, earliest first."""
    if not 1 <= years <= LAST_YEAR - 1900:
        raise ValueError(f"--years must be a number from 1 to {LAST_YEAR - 1900}, not {years}")
    return list(range(LAST_YEAR - years + 1, LAST_YEAR + 1))


def file_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def write_national_sample(
    raw_dir: Path, authorities: str | int = "all", years: int = 1, seed: int = g.SEED
) -> dict[str, int]:
    """Write a complete raw directory for the selected authorities and years; return the counts written."""
    selected = select_authorities(authorities)
    start_years = return_years(years)
    raw_dir = Path(raw_dir)
    if raw_dir.resolve() == BUNDLED_RAW.resolve():
        raise ValueError(
            f"refusing to replace the bundled data in {BUNDLED_RAW} with the national shape; choose another --output"
        )
    raw_dir.mkdir(parents=True, exist_ok=True)
    _copy_catalogue(raw_dir)
    selected = selected.assign(
        neighbour_model=selected["statistical_neighbours"].notna().map({True: NEIGHBOUR_MODEL, False: None})
    )
    g._write_csv(raw_dir / "boroughs.csv", selected[BOROUGH_COLUMNS])
    # read back exactly as the bundled generator and the pipeline read it
    boroughs = pd.read_csv(raw_dir / "boroughs.csv", dtype=str)
    clusters = reference.read_clusters(raw_dir)
    indicators = reference.read_indicators(raw_dir, clusters)
    register = reference.AuthorityRegister.from_frame(boroughs.assign(is_pilot=False))
    _check_names_are_unique(boroughs)
    pilots = list(boroughs["borough_code"])
    note = g.SYNTHETIC.format(seed=seed)
    rng = random.Random(seed)
    responses = mapping.mapping_responses(rng, boroughs, pilots, note)  # every pilot responded with a full report
    g._write_csv(raw_dir / "mapping" / "responses.csv", responses)
    g._write_csv(raw_dir / "mapping" / "inventory.csv", mapping.mapping_inventory(rng, responses, indicators, note))
    g._write_csv(
        raw_dir / "pilot" / "pilot_boroughs.csv",
        mapping.pilot_register(
            rng,
            pilots,
            register,
            note,
            confirmed=round(len(pilots) * CONFIRMED_SHARE),
            due=dt.date(start_years[-1] + 1, 4, 11),
        ),
    )
    returns_dir = raw_dir / "returns"
    g._clear_returns(returns_dir)
    groups = g._pi_groups(indicators)
    by_code = boroughs.set_index("borough_code")
    written = 0
    for year in start_years:
        for i, code in enumerate(pilots):
            borough = by_code.loc[code]
            # one stream per authority and year: a smaller selection writes the same files for its authorities
            rng = random.Random(f"{seed}/{code}/{year}")
            k = i % len(g.STYLES)
            plan = g._plan(rng, k, code, groups, year)
            if plan.code_style == "legacy" and pd.isna(borough["legacy_code"]):
                plan.code_style = "gss"  # no 2008 ONS code outside London: the officer writes the GSS code
            label = financial_year(year).label.replace("/", "-")
            plan.file_name = f"{file_slug(borough['borough_name'])}_lsdi_return_{label}.xlsx"
            g._write_return(rng, returns_dir, plan, k, borough, indicators, clusters, note)
            written += 1
    return {
        "returns": written,
        "authorities": len(pilots),
        "years": len(start_years),
        "mapping_responses": len(responses),
        "pilot_boroughs": len(pilots),
        "first_year": start_years[0],
        "last_year": start_years[-1],
    }


def _check_names_are_unique(boroughs: pd.DataFrame) -> None:
    """A return that gives only a name (style name_only) must name one authority."""
    owners: dict[str, set[str]] = {}
    for row in boroughs.itertuples(index=False):
        aliases = row.aliases.split(";") if isinstance(row.aliases, str) else []
        for name in [row.borough_name, *aliases]:
            owners.setdefault(reference.normalise_name(name), set()).add(row.borough_code)
    shared = {name: sorted(codes) for name, codes in owners.items() if len(codes) > 1}
    if shared:
        raise ValueError(f"names or aliases shared by more than one authority: {shared}")


def _copy_catalogue(raw_dir: Path) -> None:
    """dataset/ and published/: the bundled catalogue and DfE files of a checkout; else those already in `raw_dir`."""
    target = raw_dir / reference.DATASET_DIR
    source = BUNDLED_RAW / reference.DATASET_DIR
    if all((source / name).is_file() for name in CATALOGUE_FILES):
        target.mkdir(parents=True, exist_ok=True)
        for name in CATALOGUE_FILES:
            if not (target / name).exists() or not (target / name).samefile(source / name):
                shutil.copyfile(source / name, target / name)
        published = BUNDLED_RAW / PUBLISHED_DIR
        if (raw_dir / PUBLISHED_DIR).resolve() != published.resolve():
            shutil.copytree(published, raw_dir / PUBLISHED_DIR, dirs_exist_ok=True)
        return
    if not all((target / name).is_file() for name in CATALOGUE_FILES):
        raise FileNotFoundError(
            f"no PI catalogue: {source} is not there (lsdi sample --authorities needs a checkout of the "
            f"project) and {target} does not hold {', '.join(CATALOGUE_FILES)}; copy data/raw/dataset there"
        )


def derive_authorities(reference_dir: Path, boroughs_csv: Path) -> pd.DataFrame:
    """authorities_2025.csv from the reference files (run once by hand; see the module docstring)."""
    read = lambda name: pd.read_csv(reference_dir / name, dtype=str, keep_default_na=False)  # noqa: E731
    plans = read("dfe_d3_cpps_subsequent_plan_2013_to_2025.csv")
    las = plans.loc[(plans["geographic_level"] == "Local authority") & (plans["time_period"] == "2025")]
    population = read("dfe_ons_mid-year_population_estimates_2012_to_2024.csv")
    population = population.loc[
        (population["geographic_level"] == "Local authority")
        & (population["time_period"] == str(POPULATION_YEAR))
        & (population["age_group"] == "Children aged 0 to 17 years")
    ]
    children = dict(zip(population["new_la_code"], population["population_estimate"]))
    london = read("london_la_reference.csv").set_index("gss_code")
    boroughs = pd.read_csv(boroughs_csv, dtype=str, keep_default_na=False).set_index("borough_code")
    aliases = {
        "Bristol, City of": "Bristol",
        "Herefordshire, County of": "Herefordshire",
        "Kingston upon Hull, City of": "Kingston upon Hull;Hull",
    }
    rows = []
    for la in las.itertuples(index=False):
        code = la.new_la_code
        in_london = la.region_name in ("Inner London", "Outer London")
        borough = boroughs.loc[code] if code in boroughs.index else None
        if borough is not None:
            legacy, alias, neighbours = borough["legacy_code"], borough["aliases"], borough["statistical_neighbours"]
        elif code == "E09000001":
            legacy, alias, neighbours = "00AA", "", london.loc[code, "dfe_statistical_neighbours_may2025"]
        else:
            legacy, alias, neighbours = "", aliases.get(la.la_name, ""), ""
        source = (
            f"ONS mid-year population estimates 0-17 (mid-{POPULATION_YEAR}), via DfE "
            f"(dfe_ons_mid-year_population_estimates_2012_to_2024.csv); GSS codes, DfE LA numbers, names and regions "
            f"DfE children in need statistics 2025 (dfe_d3_cpps_subsequent_plan_2013_to_2025.csv)"
        )
        if in_london:
            source += (
                "; legacy ONS codes ONS; inner/outer London and statistical neighbours DfE LAIT (May 2025) "
                "(data/raw/boroughs.csv, london_la_reference.csv)"
            )
        rows.append(
            {
                "borough_code": code,
                "legacy_code": legacy,
                "dfe_la_code": la.old_la_code,
                "borough_name": la.la_name,
                "aliases": alias,
                "inner_outer": ("inner" if la.region_name == "Inner London" else "outer") if in_london else "",
                "comparison_group": "London" if in_london else la.region_name,
                "child_population": children[code],
                "child_population_year": str(POPULATION_YEAR),
                "statistical_neighbours": neighbours,
                "source": source + "; Crown copyright ONS/DfE, OGL v3.0",
                "region_code": la.region_code,
                "region_name": la.region_name,
            }
        )
    return pd.DataFrame(rows)
