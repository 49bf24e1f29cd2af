"""What a data-quality rule is: a code and a plain title, its category and severity, and what it tells the person who
must fix the data.

A rule's severity decides what happens to the row it is found on: `error` keeps the row
out of comparisons (or, for rules marked `rejects`, out of the facts altogether, kept in
`rejected_row`); `warning` asks the borough to check it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    check_name: str
    category: str
    severity: str
    description: str
    fix_hint: str
    #: a finding of this rule puts the whole file or row aside rather than loading it
    rejects: str | None = None  # None | "file" | "row"
    #: what the borough officer reads in their feedback: plain words, unique across the rules (the code stays beside it
    #: for the data team)
    title: str = field(kw_only=True)
