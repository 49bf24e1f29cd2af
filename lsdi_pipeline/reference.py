"""Reference data read from the raw directory: the PI catalogue, the authorities, the
mapping stage and the pilot register. Pure functions of the files; no hard-coded boroughs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lsdi_pipeline import codes, published

DATASET_DIR = "dataset"
RETURNS_DIR = "returns"


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")


def read_goals(raw_dir: Path) -> pd.DataFrame:
    return _read(raw_dir / DATASET_DIR / "goals.csv")


def read_clusters(raw_dir: Path) -> pd.DataFrame:
    return _read(raw_dir / DATASET_DIR / "clusters.csv")


def read_indicators(raw_dir: Path, clusters: pd.DataFrame) -> pd.DataFrame:
    """The PI catalogue, with each PI's goal (from its cluster) and source type (from its agency)."""
    indicators = _read(raw_dir / DATASET_DIR / "indicators.csv")
    goal_of = dict(zip(clusters["cluster_code"], clusters["goal_code"]))
    indicators["goal_code"] = indicators["cluster_code"].map(goal_of)
    indicators["source_type"] = indicators["source_agency"].map(codes.source_type)
    for col in ("band_min", "band_max", "valid_min", "valid_max"):
        indicators[col] = pd.to_numeric(indicators[col])
    measures = published.read_measures(raw_dir).set_index("pi_code")
    indicators["national_polarity"] = indicators["pi_code"].map(measures["national_polarity"])
    indicators["published_source"] = indicators["pi_code"].map(
        measures["source_file"]
        + " ("
        + measures["value_column"].fillna(measures["numerator_column"] + " per " + measures["denominator_column"])
        + ")"
    )
    return indicators


#: columns of boroughs.csv that a raw directory written before they existed may lack
OPTIONAL_BOROUGH_COLUMNS = ("neighbour_model", "region_code")


def read_boroughs(raw_dir: Path, pilot: pd.DataFrame) -> pd.DataFrame:
    boroughs = _read(raw_dir / "boroughs.csv")
    for column in OPTIONAL_BOROUGH_COLUMNS:
        if column not in boroughs.columns:
            boroughs[column] = None
    boroughs["is_pilot"] = boroughs["borough_code"].isin(pilot["borough_code"])
    return boroughs


def read_mapping_responses(raw_dir: Path) -> pd.DataFrame:
    return _read(raw_dir / "mapping" / "responses.csv")


def read_mapping_inventory(raw_dir: Path) -> pd.DataFrame:
    inventory = _read(raw_dir / "mapping" / "inventory.csv")
    inventory["source_type"] = inventory["source_agency"].map(codes.source_type)
    return inventory


def read_pilot(raw_dir: Path) -> pd.DataFrame:
    return _read(raw_dir / "pilot" / "pilot_boroughs.csv")


_NAME_PREFIX = re.compile(r"^(the )?(london borough of|royal borough of|city of|lb|rb) ")


def normalise_name(name: str) -> str:
    """Fold the ways an authority's name is written: case, '&', hyphens, 'London Borough of'."""
    text = codes.normalise_label(name).replace("&", " and ").replace("-", " ").replace(".", " ")
    text = " ".join(text.split())
    return _NAME_PREFIX.sub("", text)


@dataclass(frozen=True)
class AuthorityRegister:
    """Resolves what a return calls its borough — GSS code, legacy code, name or alias — to a GSS code."""

    by_code: dict[str, str]
    by_name: dict[str, str]
    names: dict[str, str]

    @classmethod
    def from_frame(cls, boroughs: pd.DataFrame) -> AuthorityRegister:
        by_code, by_name, names = {}, {}, {}
        for row in boroughs.itertuples(index=False):
            names[row.borough_code] = row.borough_name
            by_code[row.borough_code.upper()] = row.borough_code
            if isinstance(row.legacy_code, str) and row.legacy_code:
                by_code[row.legacy_code.upper()] = row.borough_code
            aliases = row.aliases.split(";") if isinstance(row.aliases, str) else []
            for name in [row.borough_name, *aliases]:
                if name.strip():
                    by_name[normalise_name(name)] = row.borough_code
        return cls(by_code, by_name, names)

    def by_code_text(self, text: str) -> str | None:
        return self.by_code.get(clean_code(text))

    def by_name_text(self, text: str) -> str | None:
        return self.by_name.get(normalise_name(text))


def clean_code(text: object) -> str:
    """A code as typed, without any (non-breaking) spaces, upper-case: ' ni 62\u00a0' → 'NI62'."""
    return "".join(str(text).split()).upper()


@dataclass(frozen=True)
class Catalogue:
    """What the parser needs to know about PIs and clusters."""

    indicators: dict[str, dict]
    clusters: frozenset[str]

    @classmethod
    def from_frames(cls, indicators: pd.DataFrame, clusters: pd.DataFrame) -> Catalogue:
        records = indicators.astype(object).where(indicators.notna(), None).to_dict("records")
        return cls({r["pi_code"].upper(): r for r in records}, frozenset(clusters["cluster_code"].str.upper()))

    def phase_1_codes(self) -> list[str]:
        return [code for code, pi in self.indicators.items() if pi["status"] == "phase_1"]
