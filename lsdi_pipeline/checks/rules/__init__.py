"""The data-quality rule list: one source of truth, published as the `dq_rule` table.

Each category's rules are declared in a module of their own (`structure`, `availability`, `cadence`, `integrity`),
with the thresholds they are measured by: a description quotes its threshold from there, and the functions that find
the rule (`checks.figures`, `checks.series`) and the expectations import it from there too, so each number is written
once. Those functions register under the rule's `check_name`; the structure rules are found by the parser
(`returns.parse`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsdi_pipeline import codes
from lsdi_pipeline.checks.rules.availability import AVAILABILITY
from lsdi_pipeline.checks.rules.cadence import CADENCE
from lsdi_pipeline.checks.rules.integrity import INTEGRITY
from lsdi_pipeline.checks.rules.rule import Rule
from lsdi_pipeline.checks.rules.structure import STRUCTURE

if TYPE_CHECKING:  # imported where it is used: the Dagster definitions read the rules without pandas
    import pandas as pd

RULES: tuple[Rule, ...] = (*STRUCTURE, *AVAILABILITY, *CADENCE, *INTEGRITY)
RULES_BY_NAME: dict[str, Rule] = {rule.check_name: rule for rule in RULES}


def rule(check_name: str) -> Rule:
    return RULES_BY_NAME[check_name]


def registering_in(registry: dict, check_name: str):
    """A decorator that registers a rule's function under its `check_name`, which must be in the rule list."""
    if check_name not in RULES_BY_NAME:
        raise KeyError(f"{check_name} is not in the rule list")

    def register(fn):
        registry[check_name] = fn
        return fn

    return register


def rule_table() -> pd.DataFrame:
    """The rule list as the `dq_rule` table."""
    import pandas as pd

    return pd.DataFrame(
        [(r.check_name, r.title, r.category, r.severity, r.description, r.fix_hint) for r in RULES],
        columns=["check_name", "title", "category", "severity", "description", "fix_hint"],
    )


def rule_page() -> str:
    """The rule list as a Markdown page for people (docs/data-quality-rules.md is generated from it)."""
    outcome = {
        "file": "the file is rejected",
        "row": "the row is set aside in `rejected_row`",
        None: "the figure is loaded",
    }
    lines = [
        "# Data-quality rules",
        "",
        "Generated from `lsdi_pipeline/checks/rules/` by `lsdi rules` — do not edit by hand. The same list is the "
        "warehouse",
        "table `dq_rule`; every finding in `dq_issue` names one of these rules in `check_name`.",
        "",
        "- **error**: the value must not be used in comparisons (or the file or row cannot be used at all);",
        "- **warning**: please check — the figure is used, but needs a second look.",
        "",
    ]
    for category in codes.DQ_CATEGORIES:
        lines += [
            f"## {category.capitalize()}",
            "",
            "| rule | title | severity | what it finds | what happens | how to fix it |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for r in RULES:
            if r.category == category:
                happens = outcome[r.rejects] + (" as an error" if r.rejects is None and r.severity == "error" else "")
                lines.append(
                    f"| `{r.check_name}` | {r.title} | {r.severity} | {r.description} | {happens} | {r.fix_hint} |"
                )
        lines.append("")
    return "\n".join(lines)
