"""Shared pytest fixtures. Each block belongs to the tests named in its heading."""

from __future__ import annotations

import pandas as pd
import pytest

# ---------------------------------------------------------------------------------------------
# Borough returns: test_periods.py, test_values.py, test_return_format.py (see returns_builder)
# ---------------------------------------------------------------------------------------------
from lsdi_pipeline_tests.returns_builder import RAW_DIR


@pytest.fixture(scope="session")
def catalogue_rows() -> list[dict]:
    """The PI catalogue as written in data/raw/dataset/indicators.csv, one dict per PI."""
    indicators = pd.read_csv(RAW_DIR / "dataset" / "indicators.csv", dtype=str, keep_default_na=False)
    return indicators.to_dict("records")


@pytest.fixture
def workbook_path(tmp_path):
    return tmp_path / "return.xlsx"


@pytest.fixture
def csv_path(tmp_path):
    return tmp_path / "return.csv"
