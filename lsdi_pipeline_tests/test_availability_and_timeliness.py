"""Availability and timeliness are each defined once (lsdi_pipeline/analysis): the figures the Phase I report, the
borough feedback and the Phase II rules all state."""

from __future__ import annotations

import pandas as pd
import pytest

from lsdi_pipeline.analysis.availability import (
    MATRIX_COLUMNS,
    availability_by,
    availability_pct,
    overall_availability,
)
from lsdi_pipeline.analysis.timeliness import TIMELINESS, loaded, pilot_returns, returns_by_borough

A, B, C = "E09000002", "E09000003", "E09000005"


def matrix(rows: list[tuple[str, str, int, int]]) -> pd.DataFrame:
    """An availability matrix of (borough, PI, expected, provided); the rest were missing."""
    frame = pd.DataFrame(rows, columns=["borough_code", "pi_code", "periods_expected", "periods_provided"])
    frame = frame.astype({"periods_expected": int, "periods_provided": int})
    frame = frame.assign(
        borough_name="Borough " + frame["borough_code"],
        pi_name="PI " + frame["pi_code"],
        periods_not_provided=0,
        periods_suppressed=0,
        periods_missing=frame["periods_expected"] - frame["periods_provided"],
        availability_pct=availability_pct(frame["periods_provided"], frame["periods_expected"]),
    )
    return frame[MATRIX_COLUMNS]


def test_the_pilots_availability_is_the_share_of_all_the_figures_expected_that_were_provided():
    # A provided 12 of 12, B 1 of 4: 13 of 16 figures. The mean of the two boroughs (62.5) and of the three
    # borough × PI cells (58.3) are other measures, and not the pilot's availability.
    grid = matrix([(A, "NI59", 8, 8), (A, "NI65", 4, 4), (B, "NI59", 4, 1)])
    assert overall_availability(grid) == (13.0, 16.0, 81.3)  # 81.25 rounded as DfE rounds, a half up
    by_borough = availability_by(grid, "borough_code").set_index("borough_code")
    assert by_borough["availability_pct"].to_dict() == {A: 100.0, B: 25.0}
    assert by_borough.loc[A, ["periods_expected", "periods_provided", "periods_missing"]].tolist() == [12, 12, 0]
    by_pi = availability_by(grid, "pi_code").set_index("pi_code")["availability_pct"]
    assert by_pi.to_dict() == {"NI59": 75.0, "NI65": 100.0}


def test_availability_is_unknown_where_nothing_was_expected():
    nothing = matrix([(A, "NI59", 0, 0)])
    assert pd.isna(overall_availability(nothing)[2])
    assert availability_by(nothing, "borough_code")["availability_pct"].isna().all()
    assert pd.isna(overall_availability(matrix([]))[2])


def submissions(rows: list[tuple]) -> pd.DataFrame:
    """Files of (borough, status, submitted on, return period)."""
    frame = pd.DataFrame(rows, columns=["borough_code", "status", "submitted_on", "return_period"])
    return frame.assign(submitted_on=pd.to_datetime(frame["submitted_on"]))


def pilots(*rows: tuple[str, str | None]) -> pd.DataFrame:
    """Pilot boroughs of (borough, return due on)."""
    frame = pd.DataFrame(rows, columns=["borough_code", "return_due_on"])
    return frame.assign(
        return_due_on=pd.to_datetime(frame["return_due_on"]), expressed_interest_on=pd.NaT, chair_confirmed_on=pd.NaT
    )


def test_a_return_counts_once_its_rows_were_loaded():
    files = submissions(
        [
            (A, "accepted", "2008-04-10", "2007/08"),
            (A, "rejected", "2008-04-01", "2007/08"),
            (B, "duplicate", "2008-04-02", "2007/08"),
            (A, "accepted_with_issues", "2008-04-20", None),
        ]
    )
    assert loaded(files)["status"].tolist() == ["accepted", "accepted_with_issues"]
    sent = returns_by_borough(files).set_index("borough_code")
    assert sent.loc[A, ["files", "loaded_files"]].tolist() == [3, 2]
    assert sent.loc[A, "statuses"] == [("accepted", 1), ("rejected", 1), ("accepted_with_issues", 1)]
    assert sent.loc[A, "first_return"] == pd.Timestamp("2008-04-10")  # a rejected file is not a return
    assert sent.loc[A, "latest_return"] == pd.Timestamp("2008-04-20")
    assert sent.loc[B, "loaded_files"] == 0 and pd.isna(sent.loc[B, "first_return"])


@pytest.mark.parametrize(
    ("sent", "due", "timeliness", "days_late"),
    [
        ([(A, "accepted", "2008-04-30", "2007/08")], "2008-04-30", "on_time", 0),
        ([(A, "accepted", "2008-05-07", "2007/08")], "2008-04-30", "late", 7),
        ([(A, "accepted", "2008-05-07", None)], "2008-04-30", "late", 7),  # a return not naming its year counts
        ([(A, "accepted", "2008-04-01", "2006/07")], "2008-04-30", "no_return_for_year", None),
        ([(A, "accepted", "2008-04-01", "2007/08")], None, "no_due_date", None),
        ([(A, "rejected", "2008-04-01", "2007/08")], "2008-04-30", "not_loaded", None),
        ([(B, "accepted", "2008-04-01", "2007/08")], "2008-04-30", "nothing_received", None),
    ],
)
def test_a_pilots_return_is_judged_on_the_year_its_due_date_is_for(sent, due, timeliness, days_late):
    [pilot] = pilot_returns(pilots((A, due)), submissions(sent)).to_dict("records")
    assert pilot["timeliness"] == timeliness in TIMELINESS
    assert (pilot["days_late"] == days_late) if days_late is not None else pd.isna(pilot["days_late"])
    assert pilot["year_due"] == ("2007/08" if due else None)


def test_pilot_returns_keep_the_pilot_registers_order_and_count_every_pilot():
    got = pilot_returns(pilots((B, "2008-04-30"), (A, "2008-04-30")), submissions([]))
    assert got["borough_code"].tolist() == [B, A]
    assert got["timeliness"].tolist() == ["nothing_received", "nothing_received"]
    assert got["files"].tolist() == [0, 0]
