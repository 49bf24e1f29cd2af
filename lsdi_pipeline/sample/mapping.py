"""The synthetic mapping stage and pilot register, as the Phase I progress report tells them.

The mapping-stage responses (28 of the 32 boroughs responded: 24 supplied information, 4
acknowledged only) and the inventory of measures they listed, and the pilot boroughs with the
dates they expressed interest, had a chair confirmed and are due to send their return.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

#: how many boroughs gave each answer to the mapping stage; the rest of the 32 sent a full report
MAPPING = {"no_response": 4, "acknowledged_only": 4, "partial_report": 7}
RETURN_DUE = dt.date(2008, 4, 11)


def mapping_responses(rng, boroughs, pilots, note) -> pd.DataFrame:
    others = [b for b in boroughs["borough_code"] if b not in pilots]
    rng.shuffle(others)
    fate = {}
    cut = 0
    for contribution, n in MAPPING.items():
        for code in others[cut : cut + n]:
            fate[code] = contribution
        cut += n
    rows = []
    for code in boroughs["borough_code"]:
        contribution = fate.get(code, "full_report")
        responded = contribution != "no_response"
        day = dt.date(2007, 10, 15) + dt.timedelta(days=rng.randrange(0, 60))
        rows.append(
            {
                "borough_code": code,
                "response": "responded" if responded else "no_response",
                "contribution": contribution if responded else "none",
                "response_date": day.isoformat() if responded else None,
                "note": note,
            }
        )
    return pd.DataFrame(rows)


def mapping_inventory(rng, responses, indicators, note) -> pd.DataFrame:
    extra_measures = [
        ("Children on the child protection register at month end", "childrens_social_care", "monthly"),
        ("Unallocated cases in children's social care", "childrens_social_care", "monthly"),
        ("Exclusions from school (fixed-term)", "education", "annual"),
        ("Attendance at LSCB multi-agency training", "lscb", "quarterly"),
        ("Child abuse investigation unit referrals", "police", "annual"),
        ("Looked-after children with an annual health assessment", "health", "annual"),
        ("Youth offending service caseload", "youth_offending", "annual"),
    ]
    rows = []
    contributors = responses.loc[responses["contribution"].isin(["full_report", "partial_report"])]
    for response in contributors.itertuples(index=False):
        share = 1.0 if response.contribution == "full_report" else 0.5
        for pi in indicators.itertuples(index=False):
            local = pi.source_type == "local_authority"
            if rng.random() > share * (0.85 if local else 0.3) or pi.status == "postponed" and rng.random() > 0.15:
                continue
            if local:
                frequency = rng.choice(["monthly", "quarterly", pi.expected_cadence])
            else:
                frequency = "quarterly" if rng.random() < 0.15 else "annual"
            rows.append(
                {
                    "borough_code": response.borough_code,
                    "measure": pi.title,
                    "pi_code": pi.pi_code,
                    "source_agency": pi.source_agency,
                    "frequency": frequency,
                    "note": note,
                }
            )
        for measure, agency, frequency in extra_measures:
            if rng.random() < 0.4 * share:
                rows.append(
                    {
                        "borough_code": response.borough_code,
                        "measure": measure,
                        "pi_code": None,
                        "source_agency": agency,
                        "frequency": frequency,
                        "note": note,
                    }
                )
    return pd.DataFrame(rows)


def pilot_register(rng, pilots, register, note, confirmed: int = 7, due: dt.date = RETURN_DUE) -> pd.DataFrame:
    confirmed = set(rng.sample(pilots, confirmed))
    rows = []
    for code in pilots:
        interest = dt.date(2007, 11, 19) + dt.timedelta(days=rng.randrange(0, 60))
        chair = dt.date(2008, 2, 4) + dt.timedelta(days=rng.randrange(0, 50)) if code in confirmed else None
        rows.append(
            {
                "borough_code": code,
                "borough_name": register.names[code],
                "expressed_interest_on": interest.isoformat(),
                "chair_confirmed_on": chair.isoformat() if chair else None,
                "return_due_on": due.isoformat(),
                "note": note,
            }
        )
    return pd.DataFrame(rows)
