"""How the Phase I report words its figures: percentages, counts, lists, codes, and borough free text.

Plain text, not escaped: a section escapes it when it writes it into the page.
"""

from __future__ import annotations

from lsdi_pipeline.checks.personal_data import mask
from lsdi_pipeline.reports.phase1.tables import Warehouse
from lsdi_pipeline.reports.safe import missing

#: the most of a borough's narrative or comment the report quotes
BOROUGH_TEXT_LIMIT = 600


def pct(value) -> str:
    """`67.3 %` (a no-break space, so the sign never wraps away from its figure), or '–' when there is no figure."""
    return "–" if missing(value) else f"{value:.1f}\u00a0%"


def whole(value) -> int:
    """A count as a whole number (0 when missing)."""
    return 0 if missing(value) else int(value)


def label(code: str | None) -> str:
    """`accepted_with_issues` → `accepted with issues`."""
    return "–" if code is None else str(code).replace("_", " ")


def listing(names) -> str:
    """`a`, `a and b`, `a, b and c`."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def span(low, high) -> str:
    return f"{low}" if low == high else f"{low}–{high}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`1 PI`, `3 PIs`, `2 boroughs`."""
    return f"{count:,} {singular if count == 1 else (plural_form or singular + 's')}"


def borough_text(text: str | None) -> str:
    """Borough free text as it may be shown: personal data masked, cut to a readable length (escape it after)."""
    masked = mask(text) or ""
    return masked if len(masked) <= BOROUGH_TEXT_LIMIT else masked[:BOROUGH_TEXT_LIMIT].rstrip() + " …"


def nothing_yet(data: Warehouse, what: str) -> str:
    """Why a section has no `what`: no return loaded yet, or none of them gave any."""
    return f"No {what} yet: no pilot return has been accepted." if not data.has_returns else f"No {what}."
