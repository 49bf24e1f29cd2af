"""The Phase II recommendations: an explicit rule set over the pilot's evidence.

Per PI, the first rule that matches decides: `postpone` (not collected yet), `replace` (rarely
available and most boroughs cannot provide it), `revise` (cadence, definition or availability
problems) or `retain`. Programme-level rows (NULL pi_code) say whether to extend the pilot,
which multi-agency sources to map, which boroughs need support and whom to chase. Thresholds
live in `phase2_rules.toml`; every reason cites the figures behind it.
"""

from __future__ import annotations

import json

import pandas as pd

from lsdi_pipeline.analysis.availability import availability_by, availability_pct, overall_availability
from lsdi_pipeline.analysis.names import with_names
from lsdi_pipeline.analysis.timeliness import pilot_returns
from lsdi_pipeline.thresholds import Thresholds

COLUMNS = ["pi_code", "pi_name", "recommendation", "reasons", "evidence", "rule"]


def pi_evidence(
    dim_indicator: pd.DataFrame,
    fact_pi_value: pd.DataFrame,
    availability_matrix: pd.DataFrame,
    feasibility_summary: pd.DataFrame,
    cadence_mismatch: pd.DataFrame,
) -> pd.DataFrame:
    """Per PI, the figures the rules look at."""
    current = fact_pi_value.loc[fact_pi_value["is_current"]]
    evidence = dim_indicator[["pi_code", "status", "status_reason", "expected_cadence", "source_agency"]].copy()
    matrix = availability_matrix.groupby("pi_code").agg(
        expected=("periods_expected", "sum"),
        provided=("periods_provided", "sum"),
        boroughs_providing=("periods_provided", lambda p: int((p > 0).sum())),
        pilots=("borough_code", "nunique"),
    )
    figures = current.groupby("pi_code").agg(
        figures=("period", "size"),
        errors=("quality_status", lambda q: int((q == "error").sum())),
        boroughs_reporting=("borough_code", "nunique"),
    )
    cadence = cadence_mismatch.groupby("pi_code").agg(boroughs_other_cadence=("borough_code", "nunique"))
    feasibility = feasibility_summary.set_index("pi_code")[
        ["responses", "can_provide_yes", "can_provide_partially", "can_provide_no"]
    ]
    evidence = (
        evidence.join(matrix, on="pi_code")
        .join(figures, on="pi_code")
        .join(cadence, on="pi_code")
        .join(feasibility, on="pi_code")
    )
    counts = [
        "expected",
        "provided",
        "boroughs_providing",
        "pilots",
        "figures",
        "errors",
        "boroughs_reporting",
        "boroughs_other_cadence",
        "responses",
        "can_provide_yes",
        "can_provide_partially",
        "can_provide_no",
    ]
    evidence[counts] = evidence[counts].apply(pd.to_numeric).fillna(0).astype(int)
    evidence["availability_pct"] = availability_pct(evidence["provided"], evidence["expected"])
    evidence["error_share"] = (evidence["errors"] / evidence["figures"].where(evidence["figures"] > 0)).round(3)
    evidence["cadence_mismatch_share"] = (
        evidence["boroughs_other_cadence"] / evidence["boroughs_reporting"].where(evidence["boroughs_reporting"] > 0)
    ).round(3)
    evidence["cannot_provide_share"] = (
        evidence["can_provide_no"] / evidence["responses"].where(evidence["responses"] > 0)
    ).round(3)
    return evidence


def boroughs_needing_support(availability_matrix: pd.DataFrame, below_pct: float) -> pd.Series:
    """The pilot boroughs needing support, the one definition (Phase II's `support_boroughs`, the feedback index): those
    whose availability is below `below_pct`; borough code → availability %, by code.

    A pilot that sent nothing usable is at 0%; errors do not count on their own, as the figures they spoil already
    count as missing."""
    by_borough = availability_by(availability_matrix, "borough_code").set_index("borough_code")["availability_pct"]
    return by_borough[by_borough < below_pct]


def recommend_pi(e: pd.Series, t: Thresholds) -> tuple[str, str, str]:
    """(recommendation, reasons, rule) for one PI's evidence; the first rule that matches decides."""
    availability = e["availability_pct"]
    shown = (
        "no figures were expected"
        if pd.isna(availability)
        else f"{availability:g}% of the {e['expected']} figures expected were provided"
    )
    if e["status"] == "postponed":
        return (
            "postpone",
            f"Not collected in Phase I: {(e['status_reason'] or 'postponed').rstrip('.')}.",
            "status_postponed",
        )
    if (
        pd.notna(availability)
        and availability < t.replace_max_availability_pct
        and pd.notna(e["cannot_provide_share"])
        and e["cannot_provide_share"] >= t.replace_min_cannot_provide_share
    ):
        return (
            "replace",
            f"Only {shown}, and {e['can_provide_no']} of {e['responses']} boroughs that answered cannot provide it "
            f"(thresholds: below {t.replace_max_availability_pct:g}% and at least "
            f"{t.replace_min_cannot_provide_share:.0%}); look for a measure the agencies already hold.",
            "replace_unavailable",
        )
    if pd.notna(e["cadence_mismatch_share"]) and e["cadence_mismatch_share"] >= t.revise_min_cadence_mismatch_share:
        return (
            "revise",
            f"{e['boroughs_other_cadence']} of {e['boroughs_reporting']} reporting boroughs gave it at another "
            f"cadence than {e['expected_cadence']} (threshold {t.revise_min_cadence_mismatch_share:.0%}); align the "
            "reporting cycle with what agencies hold.",
            "revise_cadence",
        )
    if pd.notna(e["error_share"]) and e["error_share"] >= t.revise_min_error_share:
        return (
            "revise",
            f"{e['errors']} of {e['figures']} figures were impossible (errors; threshold "
            f"{t.revise_min_error_share:.0%}); tighten the definition of the numerator and denominator.",
            "revise_definition",
        )
    if pd.isna(availability) or availability < t.retain_min_availability_pct:
        return (
            "revise",
            f"Only {shown} (threshold {t.retain_min_availability_pct:g}%); clarify the source and what boroughs "
            "can supply before Phase II.",
            "revise_availability",
        )
    return (
        "retain",
        f"{shown[0].upper()}{shown[1:]} (threshold {t.retain_min_availability_pct:g}%), with no cadence or integrity "
        "problem above the thresholds.",
        "retain",
    )


def _evidence_json(e: pd.Series) -> str:
    keys = [
        "availability_pct",
        "expected",
        "provided",
        "boroughs_providing",
        "pilots",
        "figures",
        "errors",
        "error_share",
        "boroughs_reporting",
        "boroughs_other_cadence",
        "cadence_mismatch_share",
        "responses",
        "can_provide_yes",
        "can_provide_partially",
        "can_provide_no",
        "cannot_provide_share",
    ]
    return json.dumps(
        {k: (None if pd.isna(e[k]) else (float(e[k]) if isinstance(e[k], float) else int(e[k]))) for k in keys}
    )


def recommend(
    dim_indicator: pd.DataFrame,
    dim_borough: pd.DataFrame,
    fact_pi_value: pd.DataFrame,
    availability_matrix: pd.DataFrame,
    feasibility_summary: pd.DataFrame,
    cadence_mismatch: pd.DataFrame,
    bias_by_source: pd.DataFrame,
    mapping_response: pd.DataFrame,
    pilot_borough: pd.DataFrame,
    submission: pd.DataFrame,
    thresholds: Thresholds,
) -> pd.DataFrame:
    """The phase2_recommendation table: programme rows first, then one row per PI."""
    evidence = pi_evidence(dim_indicator, fact_pi_value, availability_matrix, feasibility_summary, cadence_mismatch)
    rows = _programme(
        dim_borough, availability_matrix, bias_by_source, mapping_response, pilot_borough, submission, thresholds
    )
    for _, e in evidence.iterrows():
        recommendation, reasons, rule = recommend_pi(e, thresholds)
        rows.append(
            {
                "pi_code": e["pi_code"],
                "recommendation": recommendation,
                "reasons": reasons,
                "evidence": _evidence_json(e),
                "rule": rule,
            }
        )
    return with_names(pd.DataFrame(rows), dim_indicator=dim_indicator).reindex(columns=COLUMNS)


def _programme(
    dim_borough, availability_matrix, bias_by_source, mapping_response, pilot_borough, submission, t: Thresholds
) -> list[dict]:
    names = dict(zip(dim_borough["borough_code"], dim_borough["borough_name"], strict=True))
    rows = []
    returns = pilot_returns(pilot_borough, submission)
    silent = returns.loc[returns["loaded_files"] == 0, "borough_code"].tolist()
    provided, expected, pct = overall_availability(availability_matrix)
    availability = None if pd.isna(pct) else pct
    if silent or availability is None or availability < t.extend_pilot_below_mean_availability_pct:
        given = (
            f"the pilot boroughs provided {provided:,.0f} of the {expected:,.0f} figures expected, an availability "
            f"of {availability:g}%"
            if availability is not None
            else "no figures were expected of the pilot boroughs, so their availability is unknown"
        )
        rows.append(
            _row(
                "extend_pilot",
                "extend_pilot",
                f"{len(silent)} of {len(pilot_borough)} pilot boroughs sent no return "
                f"({', '.join(names[b] for b in silent) or 'none'}); {given} "
                f"(threshold {t.extend_pilot_below_mean_availability_pct:g}%): extend the pilot before Phase II.",
                {
                    "pilots": len(pilot_borough),
                    "pilots_without_return": len(silent),
                    "availability_pct": availability,
                },
            )
        )
    totals = bias_by_source.loc[bias_by_source["source_agency"].isna()].set_index("source_type")
    if "multi_agency" in totals.index:
        multi = totals.loc["multi_agency"]
        if multi["share_of_dataset_pct"] < t.map_sources_below_multi_agency_share_pct:
            agencies = bias_by_source.loc[
                (bias_by_source["source_type"] == "multi_agency") & bias_by_source["source_agency"].notna()
            ]
            listed = "; ".join(
                f"{a.source_agency}: {a.pis_in_dataset} PI(s), {a.pis_more_than_annual} more often than annually, "
                f"availability {a.availability_pct if pd.notna(a.availability_pct) else 'n/a'}%"
                for a in agencies.itertuples()
            )
            rows.append(
                _row(
                    "map_sources",
                    "map_sources",
                    f"Multi-agency sources are {multi['share_of_dataset_pct']:g}% of the dataset (threshold "
                    f"{t.map_sources_below_multi_agency_share_pct:g}%), and {int(multi['pis_more_than_annual'])} of "
                    "its PIs are available more often than annually; map more police, health, probation, youth "
                    f"offending and CAFCASS information, especially monthly or quarterly — {listed}.",
                    {
                        "multi_agency_share_pct": float(multi["share_of_dataset_pct"]),
                        "multi_agency_more_than_annual": int(multi["pis_more_than_annual"]),
                    },
                )
            )
    weak = boroughs_needing_support(availability_matrix, t.support_boroughs_below_availability_pct)
    if len(weak):
        rows.append(
            _row(
                "support_boroughs",
                "support_boroughs",
                "Boroughs below "
                f"{t.support_boroughs_below_availability_pct:g}% availability need support: "
                + ", ".join(f"{names.get(b, b)} ({v:g}%)" for b, v in weak.sort_values().items())
                + ".",
                {names.get(b, b): float(v) for b, v in weak.items()},
            )
        )
    chase = mapping_response.loc[mapping_response["contribution"].isin(["none", "acknowledged_only"])]
    if len(chase):
        rows.append(
            _row(
                "chase_responses",
                "chase_responses",
                f"{(chase['response'] == 'no_response').sum()} boroughs did not respond to the mapping request and "
                f"{(chase['contribution'] == 'acknowledged_only').sum()} only acknowledged it: "
                + ", ".join(sorted(names.get(b, b) for b in chase["borough_code"]))
                + ".",
                {
                    "no_response": int((chase["response"] == "no_response").sum()),
                    "acknowledged_only": int((chase["contribution"] == "acknowledged_only").sum()),
                },
            )
        )
    return rows


def _row(recommendation: str, rule: str, reasons: str, evidence: dict) -> dict:
    return {
        "pi_code": None,
        "recommendation": recommendation,
        "reasons": reasons,
        "evidence": json.dumps(evidence),
        "rule": rule,
    }
