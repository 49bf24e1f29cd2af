"""The availability rules: the figures a return did not give."""

from __future__ import annotations

from lsdi_pipeline.checks.rules.rule import Rule

#: the share (%) of its expected figures a PI, or a pilot borough, should provide (held over the pilot by the
#: availability expectations)
AVAILABILITY_TARGET = 75

AVAILABILITY: tuple[Rule, ...] = (
    Rule(
        "pi_not_provided",
        "availability",
        "warning",
        "A figure was marked as not provided (blank, n/a, not collected, …), not available (x, :, [x]) or not "
        "applicable (z, [z]).",
        "If the figure can be obtained from the source agency, send it; otherwise say why in the Feasibility sheet.",
        None,
        title="A figure was not given",
    ),
    Rule(
        "pi_suppressed",
        "availability",
        "warning",
        "A figure was suppressed by the borough (<5, c, [c], *).",
        "Send the true figure: the pipeline suppresses small numbers itself before anything is published.",
        None,
        title="A figure was suppressed",
    ),
    Rule(
        "pi_marked_unreliable",
        "availability",
        "warning",
        "A figure was given as a DfE symbol with no value: low reliability (u, [u]) or rounds to zero (low, k, ~).",
        "Send the figure itself, with any caveat in the Note column: the pipeline applies its own disclosure control.",
        None,
        title="A symbol was given instead of the figure",
    ),
    Rule(
        "pi_missing_from_return",
        "availability",
        "warning",
        "A phase-1 PI has no row at all in a workbook return.",
        "Add a row for every PI and period pre-listed in the template, marking figures you cannot supply n/a.",
        None,
        title="A PI has no row in the return",
    ),
    Rule(
        "period_missing",
        "availability",
        "warning",
        "An expected period of a phase-1 PI has no figure at all from a pilot borough (measured across the pilot by "
        "the availability expectation; the findings row by row are pi_missing_from_return and series_gap).",
        "Send a figure for every PI and period pre-listed in the template, or mark it n/a with the reason in the Note "
        "column.",
        None,
        title="No figure for a period the pilot expects",
    ),
    Rule(
        "pilot_return_missing",
        "availability",
        "warning",
        "A pilot borough has sent no return at all.",
        "Send the return for the pilot period, even if incomplete.",
        None,
        title="No return has been received",
    ),
)
