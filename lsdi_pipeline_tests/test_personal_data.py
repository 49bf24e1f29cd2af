"""Personal data in free text is found, flagged where it stands, kept as written and masked when shown."""

from __future__ import annotations

import pytest

from lsdi_pipeline.checks.personal_data import find_personal_data, mask
from lsdi_pipeline_tests.returns_builder import parse, pi_row, write_return

VALID_NHS = "943 476 5919"  # the NHS's published example of a valid number
INVALID_NHS = "943 476 5918"


@pytest.mark.parametrize(
    "text, kind",
    [
        (f"Referred by GP, NHS no {VALID_NHS}", "NHS number"),
        ("NHS 9434765919 on file", "NHS number"),
        ("Pupil H801200001001 moved school", "unique pupil number"),
        ("DOB 12/03/2001", "date of birth"),
        ("date of birth: 3 March 2001", "date of birth"),
        ("born on 2001-03-12 in Enfield", "date of birth"),
        ("family moved to SE1 7PB last month", "postcode"),
        ("a girl called Amira was seen twice", "child's name"),
        ("Master Kyle Jones was seen", "child's name"),
        ("Tom Brown aged 7 was placed", "child's name"),
    ],
)
def test_personal_data_is_found(text, kind):
    assert kind in {item.kind for item in find_personal_data(text)}


@pytest.mark.parametrize(
    "text",
    [
        f"NHS number check digit wrong: {INVALID_NHS}",
        "Referrals rose 12% in 2007/08; data as at 31/03/2008",
        "Figures for E09000003 (00AC) from the police CAIT extract",
        "Pupil numbers rose by 1,204 across 12 schools",
        "Pupil A801200001001 has a wrong check letter",
        "Performance improved in Q3 2007 following restructuring of the referral team.",
    ],
)
def test_ordinary_aggregate_commentary_is_not_flagged(text):
    assert find_personal_data(text) == []


def test_masking_replaces_each_piece_and_keeps_the_rest():
    text = f"Child called Jamie Smith (DOB 12/03/2001) moved to SE1 7PB; NHS {VALID_NHS}."
    assert mask(text) == (
        "Child called [child's name removed] (DOB [date of birth removed]) moved to [postcode removed]; "
        "NHS [NHS number removed]."
    )


def test_a_narrative_with_personal_data_is_kept_as_written_flagged_and_masked_in_the_finding(tmp_path):
    narrative = f"A boy called Jamie Smith (NHS {VALID_NHS}) was re-referred."
    parsed = parse(
        write_return(
            tmp_path / "r.xlsx",
            pi_rows=[pi_row("NI62", "2007/08", value=12, frequency="Annual")],
            narrative_rows=[["C01", narrative]],
            feasibility_rows=[["NI62", "Yes", "None", "Ask Miss Patel at SE1 7PB"]],
        )
    )
    assert parsed.narratives[0]["narrative"] == narrative
    findings = [i for i in parsed.issues if i["check_name"] == "personal_data"]
    assert {(f["sheet"], f["cell_ref"]) for f in findings} == {("Narrative", "B2"), ("Feasibility", "D2")}
    for f in findings:
        assert "Jamie" not in f["value_found"] and "5919" not in f["value_found"] and "SE1 7PB" not in f["value_found"]
        assert f["severity"] == "warning"
