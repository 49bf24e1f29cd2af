"""The Phase I report's page around its sections: title, provenance, the synthetic-data banner, the key findings
(the six questions of Phase I, each answered in a sentence or two and linked to its section), contents and footer;
and the short Markdown summary of the same findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lsdi_pipeline.checks.personal_data import mask
from lsdi_pipeline.reports.html import document, escape, plotly_script
from lsdi_pipeline.reports.phase1.prose import plural
from lsdi_pipeline.reports.phase1.tables import Warehouse

TITLE = "London Datasets Initiative — Phase I report"

#: the questions the key findings answer, in the order a reader asks them, each by the section that answers it
KEY_QUESTIONS = (
    ("mapping", "Who responded?"),
    ("pilot", "What is available?"),
    ("cadence", "Where do reporting cycles differ?"),
    ("comparison", "How do boroughs compare?"),
    ("bias", "How much rests on local-authority sources?"),
    ("phase2", "What should Phase II contain?"),
)

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
nav ul { columns: 16rem 3; column-gap: 2rem; padding-left: 0; list-style: none; }
nav li { break-inside: avoid; padding: .1rem 0; }
#key-findings { border-top: 4px solid #0072B2; }
#key-findings dl { margin: 0; }
#key-findings dt { font-weight: 600; margin-top: .75rem; }
#key-findings dd { margin: .15rem 0 0; }
.chart-title { margin: 1.25rem 0 .25rem; font-size: 1.05rem; }
details.chart-figures { margin-top: .4rem; font-size: .9rem; }
ul.findings { background: #eef5fb; border-radius: 4px; padding: .6rem 1rem .6rem 2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { border-bottom: 1px solid #e5e7eb; padding: .25rem .6rem; text-align: left; vertical-align: top; }
th { background: #f0f2f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num, td.date { white-space: nowrap; }
.empty { color: #52606d; font-style: italic; }
figure.chart { margin: 1rem 0; }
figcaption { font-size: .9rem; color: #3e4c59; margin-top: .25rem; }
blockquote { margin: .5rem 0; padding: .3rem 1rem; border-left: 4px solid #d9dde3; }
blockquote footer { font-size: .85rem; color: #52606d; }
details summary { cursor: pointer; }
main nav { padding: 0; }
/* a phone: narrower margins, so the text has the width */
@media (max-width: 40rem) {
  header, main, footer { padding: 0 .75rem; }
  section { padding: .75rem; }
  h1 { font-size: 1.45rem; }
}
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
    #: the section's answer to its key question (KEY_QUESTIONS), a sentence or two with the figures
    key_finding: str = ""
    #: where in the section the answer is shown, if not at its top
    key_anchor: str | None = None

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
    meta = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
    body = f"""
<header>
<h1>{escape(TITLE)}</h1>
<p class="meta">Generated <time datetime="{escape(generated_at.isoformat())}">{escape(_generated(generated_at))}</time>.
{escape(_source_note(data))}</p>
{synthetic}
</header>
<main>
{_key_findings(sections)}
<nav aria-label="Contents"><ul>{contents}</ul></nav>
{chr(10).join(s.html() for s in sections)}
</main>
<footer><p class="meta">{escape(TITLE)} · lsdi_pipeline · a self-contained file: it loads nothing.</p></footer>
"""
    return document(TITLE, CSS, body, meta=meta, scripts=plotly_script()) + "\n"


def key_findings(sections: list[Section]) -> list[tuple[str, str, Section]]:
    """(question, answer, section answering it) for each key question a section answers, in KEY_QUESTIONS order."""
    by_id = {s.id: s for s in sections}
    answering = [(question, by_id.get(sid)) for sid, question in KEY_QUESTIONS]
    return [(question, s.key_finding, s) for question, s in answering if s is not None and s.key_finding]


def _key_findings(sections: list[Section]) -> str:
    """The key findings, first in the page: each question, its answer and a link to the section that shows it."""
    items = "".join(
        f"<dt>{escape(question)}</dt><dd>{escape(answer)} "
        f'<a href="#{escape(section.key_anchor or section.id)}">See {escape(section.heading)}</a></dd>'
        for question, answer, section in key_findings(sections)
    )
    if not items:
        return ""
    return (
        '<section id="key-findings" aria-labelledby="key-findings-heading">\n'
        f'<h2 id="key-findings-heading">Key findings</h2>\n<dl>{items}</dl>\n</section>'
    )


def markdown(data: Warehouse, sections: list[Section], generated_at: datetime) -> str:
    """The key findings, then the findings of every section, one line each, for the asset's page in the Dagster UI."""
    lines = [f"# {TITLE}: summary", "", f"Generated {_generated(generated_at)}. {_source_note(data)}"]
    if banner := _synthetic_banner(data):
        lines.append(f"**{banner[0]}** {banner[1]}")
    lines.append("")
    if answers := key_findings(sections):
        lines += ["## Key findings", ""] + [f"- **{question}** {answer}" for question, answer, _ in answers]
        lines += ["", "## By section", ""]
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
