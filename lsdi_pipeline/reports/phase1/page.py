"""The Phase I report's page around its sections: title, provenance, the synthetic-data banner, contents and
footer; and the short Markdown summary of the same findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lsdi_pipeline.checks.personal_data import mask
from lsdi_pipeline.reports.html import document, escape, plotly_script
from lsdi_pipeline.reports.phase1.prose import plural
from lsdi_pipeline.reports.phase1.tables import Warehouse

TITLE = "London Datasets Initiative — Phase I report"

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1f2933;
       line-height: 1.5; margin: 0; background: #f7f7f5; }
header, main, nav, footer { max-width: 72rem; margin: 0 auto; padding: 0 1.5rem; }
header { padding-top: 1.5rem; }
h1 { font-size: 1.8rem; margin-bottom: .25rem; }
h2 { border-bottom: 2px solid #0072B2; padding-bottom: .2rem; margin-top: 0; }
h3 { margin-top: 1.5rem; }
section { background: white; border: 1px solid #d9dde3; border-radius: 6px; padding: 1rem 1.5rem; margin: 1.5rem 0; }
.synthetic { background: #fff4d6; border-left: 5px solid #E69F00; padding: .6rem 1rem; }
.meta { color: #52606d; }
nav ul { columns: 3; padding-left: 1.2rem; list-style: none; }
ul.findings { background: #eef5fb; border-radius: 4px; padding: .6rem 1rem .6rem 2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { border-bottom: 1px solid #e5e7eb; padding: .25rem .6rem; text-align: left; vertical-align: top; }
th { background: #f0f2f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num, td.date { white-space: nowrap; }
.scroll { overflow-x: auto; }
.empty { color: #52606d; font-style: italic; }
figure.chart { margin: 1rem 0; }
figcaption { font-size: .9rem; color: #3e4c59; margin-top: .25rem; }
blockquote { margin: .5rem 0; padding: .3rem 1rem; border-left: 4px solid #d9dde3; }
blockquote footer { font-size: .85rem; color: #52606d; }
details summary { cursor: pointer; }
"""

# Nothing in the page may load anything: scripts and styles are inline, images only as data: URIs.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src 'none'; connect-src 'none'"
)

#: the tables and columns of borough free text that come from the returns
RETURN_SOURCES = (("fact_pi_value", "note"), ("fact_narrative", "narrative"), ("fact_feasibility", "comment"))


@dataclass
class Section:
    """One section of the report: its findings (plain sentences, also used for the Markdown summary) and body."""

    id: str
    heading: str
    findings: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)

    def html(self) -> str:
        findings = "".join(f"<li>{escape(f)}</li>" for f in self.findings)
        return (
            f'<section id="{self.id}">\n<h2>{escape(self.heading)}</h2>\n'
            + (f'<ul class="findings">{findings}</ul>\n' if findings else "")
            + "\n".join(self.body)
            + "\n</section>"
        )


def page(data: Warehouse, sections: list[Section], generated_at: datetime) -> str:
    """The whole self-contained page: plotly.js inline, a policy that forbids loading anything else."""
    banner = _synthetic_banner(data)
    synthetic = ""
    if banner:
        synthetic = f'<p class="synthetic" role="note"><strong>{escape(banner[0])}</strong> {escape(banner[1])}</p>'
    contents = "".join(f'<li><a href="#{s.id}">{escape(s.heading)}</a></li>' for s in sections)
    meta = (
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
    )
    body = f"""
<header>
<h1>{escape(TITLE)}</h1>
<p class="meta">Generated <time datetime="{escape(generated_at.isoformat())}">{escape(_generated(generated_at))}</time>.
{escape(_source_note(data))}</p>
{synthetic}
</header>
<nav aria-label="Contents"><ul>{contents}</ul></nav>
<main>
{chr(10).join(s.html() for s in sections)}
</main>
<footer><p class="meta">{escape(TITLE)} · lsdi_pipeline · a self-contained file: it loads nothing.</p></footer>
"""
    return document(TITLE, CSS, body, meta=meta, scripts=plotly_script()) + "\n"


def markdown(data: Warehouse, sections: list[Section], generated_at: datetime) -> str:
    """The findings of every section, one line each, for the asset's page in the Dagster UI."""
    lines = [f"# {TITLE}: summary", "", f"Generated {_generated(generated_at)}. {_source_note(data)}"]
    if banner := _synthetic_banner(data):
        lines.append(f"**{banner[0]}** {banner[1]}")
    lines.append("")
    for section in sections:
        lines.append(f"- **{section.heading}**: " + " ".join(section.findings))
    return "\n".join(lines) + "\n"


def _synthetic_note(
    data: Warehouse, sources=(("mapping_response", "note"), ("dim_borough", "source"), *RETURN_SOURCES)
) -> str | None:
    """The first provenance note that says the data are synthetic (masked), mapping notes first; None for real data."""
    for table, column in sources:
        texts = data[table][column].dropna().astype(str)
        said = texts[texts.str.contains("synthetic", case=False, regex=False)]
        if len(said):
            return mask(said.iloc[0])
    return None


def _synthetic_banner(data: Warehouse) -> tuple[str, str] | None:
    """(label, explanation) of what is synthetic: everything, or (as in `lsdi sample --published`) all but the
    returns."""
    note = _synthetic_note(data)
    if note is None:
        return None
    if _synthetic_note(data, RETURN_SOURCES) is None and len(data["fact_pi_value"]):
        return (
            "Some of these data are SYNTHETIC.",
            "The mapping stage and the pilot register are; the returns are not "
            "(their notes say where each figure comes from). The synthetic tables say so themselves, e.g. “"
            + note
            + "”",
        )
    return (
        "These data are SYNTHETIC.",
        "No real borough returns are used: the tables say so themselves, e.g. “" + note + "”",
    )


def _generated(generated_at: datetime) -> str:
    zone = f" {generated_at.tzname()}" if generated_at.tzinfo else ""
    return f"{generated_at.day} {generated_at:%B %Y, %H:%M}{zone}"


def _source_note(data: Warehouse) -> str:
    submissions = data["submission"]
    facts = data["fact_pi_value"]
    return (
        f"Computed from the LSDI warehouse: {plural(len(data['mapping_response']), 'mapping response')}, "
        f"{plural(len(submissions), 'return file')} from {plural(submissions['borough_code'].nunique(), 'borough')}, "
        f"{plural(int(facts['is_current'].sum()), 'current figure')} and "
        f"{plural(len(data['dq_issue']), 'data-quality finding')}. "
        "Comparisons use current figures not flagged as errors."
    )
