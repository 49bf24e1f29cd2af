"""The Phase I report: the warehouse's findings as one self-contained HTML page, and a short Markdown summary.

The sections follow the Phase I progress report: the mapping stage, the dataset, the feasibility
pilot (with data quality), and the challenges it named — varying reporting cycles, how boroughs
compare, the local-authority bias — ending with the recommended content of Phase II.

Pure: warehouse tables in, strings out. plotly.js is embedded once in the page and nothing is
fetched, so the file opens offline. Every piece of text is HTML-escaped, and borough free text
(narratives, comments) is shown only after personal data have been masked.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

import numpy as np
import pandas as pd
from plotly.io.json import to_json_plotly
from plotly.offline import get_plotlyjs

from lsdi_pipeline import codes
from lsdi_pipeline.analysis.comparison import MIN_CONTRIBUTORS
from lsdi_pipeline.analysis.timeliness import first_return_for_due_year
from lsdi_pipeline.checks.personal_data import mask
from lsdi_pipeline.periods import read_period, year_due_on
from lsdi_pipeline.warehouse.schema import TABLES

TITLE = "London Datasets Initiative — Phase I report"

USABLE_SUBMISSIONS = ("accepted", "accepted_with_issues")
PI_RECOMMENDATIONS = ("retain", "revise", "postpone", "replace")
NARRATIVES_PER_CLUSTER = 2
FEASIBILITY_COMMENTS_SHOWN = 10
BOROUGH_TEXT_LIMIT = 600

UNIT_LABELS = {
    "percent": "%",
    "rate_per_1k": "rate per 1,000",
    "rate_per_10k": "rate per 10,000",
    "rate_per_100k": "rate per 100,000",
    "count": "count",
    "days": "days",
    "score": "score",
}
SOURCE_TYPE_LABELS = {"local_authority": "Local authority", "multi_agency": "Multi-agency"}
ISSUE_COLUMNS = {
    "issue_reporting_cycle": "Reporting cycle",
    "issue_data_availability": "Data availability",
    "issue_data_integrity": "Data integrity",
    "issue_other": "Other",
}

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
SOURCE_TYPE_COLOURS = {"local_authority": "#0072B2", "multi_agency": "#E69F00"}
CAN_PROVIDE_COLOURS = {"yes": "#009E73", "partially": "#E69F00", "no": "#D55E00"}
CADENCE_COLOURS = {"monthly": "#0072B2", "quarterly": "#E69F00", "annual": "#009E73"}
BAND_COLOURS = {"A": "#1a9850", "B": "#91cf60", "C": "#fc8d59", "D": "#d73027", None: "#6b7280"}
AVAILABILITY_SCALE = [[0.0, "#d73027"], [0.5, "#fee08b"], [1.0, "#1a9850"]]

# Figures are plain dicts handed to Plotly.newPlot: no plotly.py figure objects (validating every add_* call
# took most of the report's time). The template is plotly.js's own `layout.template`, as plotly.py would write it.
CHART_TEMPLATE = {
    "layout": {
        "font": {"family": FONT, "size": 13, "color": "#1f2933"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "colorway": list(COLOURS),
        "margin": {"l": 60, "r": 30, "t": 40, "b": 60},
        "xaxis": {"gridcolor": "#e5e7eb", "linecolor": "#9ca3af", "automargin": True},
        "yaxis": {"gridcolor": "#e5e7eb", "linecolor": "#9ca3af", "automargin": True, "zerolinecolor": "#9ca3af"},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        "hoverlabel": {"font": {"family": FONT}},
    }
}
#: above this many boroughs a ranking is drawn as horizontal bars, one labelled row per borough, and the
#: availability heat-map gets shorter rows (London, 33 authorities, stays as it was; national scale, 153, does not)
LONG_CHART_ROWS = 40
ROW_HEIGHT, LONG_ROW_HEIGHT = 26, 16
# plotly.js 3 adds a "Share chart" button that uploads the figure to Plotly Cloud: a report must not offer that.
CHART_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "showSendToCloud": False,
    "modeBarButtonsToRemove": ["sendChartToCloud", "lasso2d", "select2d"],
}

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


@dataclass
class Section:
    """One section of the report: its findings (plain sentences, also used for the Markdown summary) and body."""

    id: str
    heading: str
    findings: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)

    def html(self) -> str:
        findings = "".join(f"<li>{html.escape(f)}</li>" for f in self.findings)
        return (
            f'<section id="{self.id}">\n<h2>{html.escape(self.heading)}</h2>\n'
            + (f'<ul class="findings">{findings}</ul>\n' if findings else "")
            + "\n".join(self.body)
            + "\n</section>"
        )


def render_phase1_report(tables: Mapping[str, pd.DataFrame], generated_at: datetime) -> tuple[str, str]:
    """(self-contained HTML, a short Markdown summary of the same findings)."""
    data = Warehouse(tables)
    sections = [
        mapping_section(data),
        dataset_section(data),
        pilot_section(data),
        quality_section(data),
        cadence_section(data),
        comparison_section(data),
        bias_section(data),
        feasibility_section(data),
        phase2_section(data),
    ]
    return _page(data, sections, generated_at), _markdown(data, sections, generated_at)


# ---------------------------------------------------------------------------------------------
# The tables, normalised once
# ---------------------------------------------------------------------------------------------


class Warehouse:
    """The tables passed in, each with its contract columns in plain dtypes (text as object/None, numbers as float)."""

    def __init__(self, tables: Mapping[str, pd.DataFrame]):
        self._tables = tables
        self._cache: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            self._cache[name] = _normalise(name, self._tables.get(name))
        return self._cache[name]

    @cached_property
    def borough_names(self) -> dict[str, str]:
        boroughs = self["dim_borough"]
        return dict(zip(boroughs["borough_code"], boroughs["borough_name"]))

    def borough_name(self, code: str | None) -> str:
        if code is None:
            return "(not attributed)"
        return self.borough_names.get(code) or code

    @cached_property
    def indicators(self) -> dict[str, dict]:
        return {row["pi_code"]: row for row in self["dim_indicator"].to_dict("records")}

    @cached_property
    def pi_order(self) -> dict[str, int]:
        """Catalogue order: by cluster, then as listed."""
        catalogue = self["dim_indicator"].reset_index(drop=True)
        ordered = catalogue.assign(_row=catalogue.index).sort_values(["cluster_code", "_row"], na_position="last")
        return {code: i for i, code in enumerate(ordered["pi_code"])}

    def sorted_pis(self, pi_codes) -> list[str]:
        return sorted(set(pi_codes), key=lambda code: (self.pi_order.get(code, len(self.pi_order)), code))

    def pi_title(self, code: str) -> str:
        return (self.indicators.get(code) or {}).get("title") or ""

    @cached_property
    def has_returns(self) -> bool:
        return bool(self["submission"]["status"].isin(USABLE_SUBMISSIONS).any())


def _normalise(name: str, frame: pd.DataFrame | None) -> pd.DataFrame:
    spec = TABLES[name]
    out = pd.DataFrame(columns=spec.column_names) if frame is None else frame.reset_index(drop=True)  # a copy
    for column in spec.columns:
        values = out[column.name] if column.name in out.columns else pd.Series(None, index=out.index, dtype=object)
        if column.sql_type == "VARCHAR":
            values = values.astype(object).where(values.notna(), None)
        elif column.sql_type in ("INTEGER", "BIGINT", "DOUBLE"):
            values = pd.to_numeric(values, errors="coerce").astype("float64")
        elif column.sql_type == "BOOLEAN":
            values = values.astype("boolean").fillna(False).astype(bool)
        elif not pd.api.types.is_datetime64_any_dtype(values):  # already dates: nothing to convert
            values = pd.to_datetime(values, errors="coerce")
        out[column.name] = values
    return out


# ---------------------------------------------------------------------------------------------
# Small helpers: values, tables, figures
# ---------------------------------------------------------------------------------------------


def _present(value) -> bool:
    if value is None:
        return False
    try:
        return not bool(pd.isna(value))
    except (TypeError, ValueError):
        return True


def _text(value) -> str:
    """A value as display text (not escaped): '–' when missing, dates as ISO, numbers without needless decimals."""
    if not _present(value):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.strftime("%Y-%m-%d") if (value.hour, value.minute) == (0, 0) else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    if isinstance(value, (float, np.floating)):
        return f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def _pct(value) -> str:
    return f"{value:.1f} %" if _present(value) else "–"


def _n(value) -> int:
    return int(value) if _present(value) else 0


def _label(code: str | None) -> str:
    """`accepted_with_issues` → `accepted with issues`."""
    return "–" if code is None else str(code).replace("_", " ")


def _listing(names) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _span(low, high) -> str:
    return f"{low}" if low == high else f"{low}–{high}"


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


def _cell_class(value) -> str:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        return ' class="num"'
    if isinstance(value, (date, pd.Timestamp)):
        return ' class="date"'
    return ""


def html_table(frame: pd.DataFrame, columns: Mapping[str, str], empty: str = "Nothing to show.") -> str:
    """The frame's `columns` (name → heading) as an escaped HTML table; `empty` said instead when it has no rows."""
    if frame.empty:
        return f'<p class="empty">{html.escape(empty)}</p>'
    head = "".join(f'<th scope="col">{html.escape(heading)}</th>' for heading in columns.values())
    rows = []
    for record in frame[list(columns)].itertuples(index=False):
        cells = "".join(f"<td{_cell_class(v)}>{html.escape(_text(v))}</td>" for v in record)
        rows.append(f"<tr>{cells}</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def _json(value) -> str:
    """JSON for inline script: plotly's encoder (NaN → null, numpy values) with `<`, `>` and `/` escaped."""
    return to_json_plotly(value, engine="json")


def chart(data: list[dict], layout: dict, chart_id: str, caption: str, height: int = 420) -> str:
    """A chart as a div and the Plotly.newPlot call that draws it (plotly.js is in the page head), with the
    report's template, `height` and a caption. `data` and `layout` are plain plotly.js dicts: nothing validates them."""
    layout = {"template": CHART_TEMPLATE, **layout, "height": height}
    return (
        f'<figure class="chart" data-chart="{html.escape(chart_id)}"><div style="height:{height}px; width:100%;">'
        f'<div id="{html.escape(chart_id)}" class="plotly-graph-div" style="height:100%; width:100%;"></div>'
        f"<script>Plotly.newPlot({_json(chart_id)}, {_json(data)}, {_json(layout)}, {_json(CHART_CONFIG)});</script>"
        f"</div><figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _bar(x, y, name: str | None = None, colour: str | None = None, **extra) -> dict:
    """A plotly.js bar trace."""
    trace = {"type": "bar", "x": list(x), "y": list(y), **extra}
    if name is not None:
        trace["name"] = name
    if colour is not None:
        trace["marker"] = {"color": colour}
    return trace


def _label_margin(labels, font_size: int) -> int:
    """Pixels a column of tick labels needs, generously estimated from the longest one (for a fixed margin)."""
    return 24 + round(0.62 * font_size * max((len(str(label)) for label in labels), default=0))


def _chart_id(*parts: str) -> str:
    return "chart-" + "-".join("".join(ch if ch.isalnum() else "_" for ch in str(p)) for p in parts)


def _floats(values) -> list[float | None]:
    return [float(v) if _present(v) else None for v in values]


def _empty(message: str) -> str:
    return f'<p class="empty">{html.escape(message)}</p>'


def _paragraph(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _heading(text: str) -> str:
    return f"<h3>{html.escape(text)}</h3>"


def _borough_text(text: str | None) -> str:
    """Borough free text as it may be shown: personal data masked, cut to a readable length (escape it after)."""
    masked = mask(text) or ""
    return masked if len(masked) <= BOROUGH_TEXT_LIMIT else masked[:BOROUGH_TEXT_LIMIT].rstrip() + " …"


def _no_returns_yet(data: Warehouse, what: str) -> str:
    return f"No {what} yet: no pilot return has been accepted." if not data.has_returns else f"No {what}."


# ---------------------------------------------------------------------------------------------
# 1. Mapping
# ---------------------------------------------------------------------------------------------


def mapping_section(data: Warehouse) -> Section:
    section = Section("mapping", "1. The mapping stage")
    summary = data["mapping_summary"].sort_values("measure_order", kind="stable")
    responses = data["mapping_response"]
    if summary.empty:
        section.findings.append("No mapping responses have been recorded yet.")
        return section

    counts = {m: _n(b) for m, b in zip(summary["measure"], summary["boroughs"])}
    responded = counts.get("responded", 0)
    section.findings.append(
        f"{responded} of the {counts.get('invited', 0)} boroughs invited responded to the request for "
        f"LSCB performance information; {counts.get('no response', 0)} did not respond."
    )
    detail = ""
    if "supplied full report" in counts or "supplied partial report" in counts:
        detail = (
            f" ({counts.get('supplied full report', 0)} sent their full LSCB performance report, "
            f"{counts.get('supplied partial report', 0)} part of it)"
        )
    section.findings.append(
        f"Of the {responded} responding boroughs, {counts.get('supplied information', 0)} supplied at least "
        f"some performance information{detail}; {counts.get('acknowledged only', 0)} acknowledged the "
        "request but did not contribute further."
    )

    bars = _bar(
        _floats(summary["boroughs"]),
        [m.capitalize() for m in summary["measure"]],
        colour=COLOURS[0],
        orientation="h",
        text=[_text(b) for b in summary["boroughs"]],
        textposition="auto",
        hovertemplate="%{y}: %{x} boroughs<extra></extra>",
    )
    layout = {"xaxis": {"title": {"text": "Boroughs"}}, "yaxis": {"autorange": "reversed"}, "showlegend": False}
    section.body.append(
        chart(
            [bars],
            layout,
            _chart_id("mapping"),
            "Boroughs at each step of the mapping stage.",
            height=120 + 36 * len(summary),
        )
    )
    section.body.append(
        html_table(
            summary.assign(measure=summary["measure"].str.capitalize()), {"measure": "Measure", "boroughs": "Boroughs"}
        )
    )

    silent = responses[responses["response"].isin(["no_response"])]
    acknowledged = responses[responses["contribution"].isin(["acknowledged_only"])]
    for rows, heading in (
        (silent, "Boroughs that did not respond"),
        (acknowledged, "Boroughs that acknowledged the request only"),
    ):
        names = sorted(data.borough_name(code) for code in rows["borough_code"])
        section.body.append(_heading(heading))
        section.body.append(_paragraph(_listing(names) + ".") if names else _empty("None."))
    if not silent.empty:
        section.findings.append(f"Did not respond: {_listing(sorted(map(data.borough_name, silent['borough_code'])))}.")

    inventory = data["mapping_inventory"]
    if not inventory.empty:
        matched = int(inventory["pi_code"].notna().sum())
        section.body.append(
            _paragraph(
                f"The contributing boroughs' reports held {_plural(len(inventory), 'measure')} from "
                f"{_plural(inventory['borough_code'].nunique(), 'borough')}; {matched:,} correspond to a PI of the dataset."
            )
        )
    if not responses.empty:
        table = responses.assign(
            borough=[data.borough_name(c) for c in responses["borough_code"]],
            response=responses["response"].map(_label),
            contribution=responses["contribution"].map(_label),
        ).sort_values("borough")
        section.body.append(
            "<details><summary>Every borough's response</summary>"
            + html_table(
                table,
                {
                    "borough": "Borough",
                    "response": "Response",
                    "contribution": "Contribution",
                    "response_date": "Responded on",
                },
            )
            + "</details>"
        )
    return section


# ---------------------------------------------------------------------------------------------
# 2. The dataset
# ---------------------------------------------------------------------------------------------


def dataset_section(data: Warehouse) -> Section:
    section = Section("dataset", "2. The dataset")
    indicators, clusters, goals = data["dim_indicator"], data["dim_cluster"], data["dim_goal"]
    if indicators.empty:
        section.findings.append("No PI catalogue has been loaded yet.")
        return section

    postponed = indicators[indicators["status"].isin(["postponed"])]
    sizes = indicators.groupby("cluster_code").size()
    national = int(indicators["ni_ref"].notna().sum())
    section.findings.append(
        f"The dataset holds {_plural(len(indicators), 'PI')} ({len(indicators) - len(postponed)} collected in Phase I, "
        f"{len(postponed)} postponed) in {_plural(sizes.size, 'cluster')} of {_span(sizes.min(), sizes.max())} PIs under "
        f"{_plural(max(len(goals), indicators['goal_code'].nunique()), 'overarching goal')}; "
        f"{national} are indicators of the 2008 National Indicator Set."
    )

    section.body.append(_heading("Goals and clusters"))
    items = []
    for goal in goals.sort_values("goal_code").itertuples():
        goal_clusters = clusters[clusters["goal_code"].isin([goal.goal_code])].sort_values("cluster_code")
        inner = "".join(
            f"<li>{html.escape(f'{c.cluster_code} {c.title} ({sizes.get(c.cluster_code, 0)} PIs)')}</li>"
            for c in goal_clusters.itertuples()
        )
        items.append(f"<li>{html.escape(f'{goal.goal_code} {goal.title}')}<ul>{inner}</ul></li>")
    section.body.append(f"<ul>{''.join(items)}</ul>" if items else _empty("No goals are recorded."))

    cluster_titles = dict(zip(clusters["cluster_code"], clusters["title"]))
    catalogue = indicators.assign(
        _order=indicators["pi_code"].map(data.pi_order),
        cluster=[f"{c} {cluster_titles.get(c, '')}".strip() for c in indicators["cluster_code"]],
        unit=indicators["unit"].map(lambda u: UNIT_LABELS.get(u, u)),
        polarity=indicators["polarity"].map(_label),
        source_agency=indicators["source_agency"].map(lambda a: codes.AGENCY_LABELS.get(a, a)),
        expected_cadence=indicators["expected_cadence"].map(lambda c: codes.FREQUENCY_LABELS.get(c, c)),
        status=indicators["status"].map(_label),
    ).sort_values("_order")
    section.body.append(_heading("PIs by cluster"))
    section.body.append(
        html_table(
            catalogue,
            {
                "cluster": "Cluster",
                "pi_code": "PI",
                "title": "Title",
                "ni_ref": "NI",
                "unit": "Unit",
                "polarity": "Polarity",
                "source_agency": "Source agency",
                "expected_cadence": "Expected cadence",
                "status": "Status",
            },
        )
    )
    section.body.append(_heading("Postponed PIs"))
    section.body.append(
        html_table(
            postponed,
            {"pi_code": "PI", "title": "Title", "status_reason": "Why postponed"},
            empty="No PI is postponed.",
        )
    )
    if not postponed.empty:
        section.findings.append(f"Postponed to later phases: {_listing(postponed['pi_code'].tolist())}.")
    return section


# ---------------------------------------------------------------------------------------------
# 3. The pilot
# ---------------------------------------------------------------------------------------------


def pilot_section(data: Warehouse) -> Section:
    section = Section("pilot", "3. The feasibility pilot")
    pilots, submissions = data["pilot_borough"], data["submission"]
    returns = _pilot_returns(data)
    if pilots.empty:
        section.findings.append("No pilot boroughs are recorded yet.")
    else:
        outstanding = int(pilots["chair_confirmed_on"].isna().sum())
        section.findings.append(
            f"{_plural(len(pilots), 'borough')} expressed interest in the feasibility pilot; "
            f"confirmation from the LSCB chair is outstanding for {outstanding}."
        )
        received = returns[returns["first_return"].notna()]
        late = received[received["timeliness"].str.startswith("late")]
        silent = returns[returns["first_return"].isna()]["borough"].tolist()
        finding = f"Returns received from {len(received)} of the {len(pilots)} pilot boroughs ({len(late)} late)"
        section.findings.append(finding + (f"; nothing received from {_listing(silent)}." if silent else "."))
        section.body.append(
            html_table(
                returns,
                {
                    "borough": "Pilot borough",
                    "expressed_interest_on": "Expressed interest",
                    "chair": "Chair confirmed",
                    "return_due_on": "Return due",
                    "files": "Files",
                    "statuses": "Status of files",
                    "first_return": "First return",
                    "latest_return": "Latest return",
                    "timeliness": "On time?",
                },
            )
        )
        section.body.append(
            _paragraph(
                "A return is late when the first usable file (accepted, or accepted with issues) "
                "was submitted after the due date."
            )
        )

    if not submissions.empty:
        status = submissions["status"].value_counts()
        section.findings.append(
            f"{_plural(len(submissions), 'file')} received in all: "
            + ", ".join(f"{status.get(s, 0)} {_label(s)}" for s in codes.SUBMISSION_STATUSES)
            + "."
        )
        pilot_codes = set(pilots["borough_code"])
        others = sorted({data.borough_name(c) for c in submissions["borough_code"].dropna() if c not in pilot_codes})
        if others:
            section.body.append(_paragraph(f"Returns also came from boroughs outside the pilot: {_listing(others)}."))
        unattributed = int(submissions["borough_code"].isna().sum())
        if unattributed:
            section.body.append(_paragraph(f"{_plural(unattributed, 'file')} could not be attributed to a borough."))
        rejected = submissions[submissions["status"].isin(["rejected"])]
        if not rejected.empty:
            section.body.append(_heading("Rejected files"))
            section.body.append(
                html_table(
                    rejected.assign(borough=rejected["borough_code"].map(data.borough_name)),
                    {"borough": "Borough", "file_name": "File", "reject_reason": "Why rejected"},
                )
            )

    section.body.append(_heading("What each pilot borough provided, PI by PI"))
    _availability(data, section)
    return section


def _pilot_returns(data: Warehouse) -> pd.DataFrame:
    """One row per pilot borough: dates, the files it sent, first and latest usable return and whether it was late."""
    pilots, submissions = data["pilot_borough"], data["submission"]
    # One pass over the files, not one filter per pilot: files and statuses (as value_counts orders them: most
    # first, ties in order of appearance) and the first and latest usable return, per borough.
    files: dict[str, int] = {}
    statuses: dict[str, Counter] = {}
    for code, status in zip(submissions["borough_code"], submissions["status"]):
        files[code] = files.get(code, 0) + 1
        if status is not None:
            statuses.setdefault(code, Counter())[status] += 1
    usable = submissions[submissions["status"].isin(USABLE_SUBMISSIONS)]
    firsts = usable.groupby("borough_code")["submitted_on"].min().to_dict()
    latests = usable.groupby("borough_code")["submitted_on"].max().to_dict()
    usable_by_borough = dict(tuple(usable.groupby("borough_code")))
    rows = []
    for pilot in pilots.itertuples():
        code = pilot.borough_code
        first, latest = firsts.get(code), latests.get(code)
        rows.append(
            {
                "borough": data.borough_name(code),
                "expressed_interest_on": pilot.expressed_interest_on,
                "chair": _text(pilot.chair_confirmed_on) if _present(pilot.chair_confirmed_on) else "outstanding",
                "return_due_on": pilot.return_due_on,
                "files": files.get(code, 0),
                "statuses": "; ".join(f"{n} {_label(s)}" for s, n in statuses.get(code, Counter()).most_common())
                or "none",
                "first_return": first if _present(first) else None,
                "latest_return": latest if _present(latest) else None,
                "timeliness": _timeliness(usable_by_borough.get(code), pilot.return_due_on, files.get(code, 0)),
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "borough",
            "expressed_interest_on",
            "chair",
            "return_due_on",
            "files",
            "statuses",
            "first_return",
            "latest_return",
            "timeliness",
        ],
    )
    return frame.sort_values("borough", kind="stable")


def _timeliness(usable: pd.DataFrame | None, due, files: int) -> str:
    """Whether the first usable return for the year due (a return not naming its year counts) came by the due date."""
    if usable is None or usable.empty:
        return "only rejected or duplicate files" if files else "nothing received"
    if not _present(due):
        return "received (no due date)"
    first = first_return_for_due_year(usable, due)
    if first is None:
        return f"no return for {year_due_on(pd.Timestamp(due).date()).label}"
    days = (first - pd.Timestamp(due)).days
    return f"late ({_plural(days, 'day')})" if days > 0 else "on time"


def _availability(data: Warehouse, section: Section) -> None:
    matrix = data["availability_matrix"]
    if matrix.empty:
        section.body.append(_empty(_no_returns_yet(data, "availability figures")))
        return
    expected, provided = matrix["periods_expected"].sum(), matrix["periods_provided"].sum()
    pooled = 100 * provided / expected if expected else float("nan")
    by_pi = matrix.groupby("pi_code")[["periods_expected", "periods_provided"]].sum()
    by_pi = by_pi[by_pi["periods_expected"] > 0]
    lowest = (100 * by_pi["periods_provided"] / by_pi["periods_expected"]).sort_values(kind="stable").head(3)
    section.findings.append(
        f"Pilot returns provided {_n(provided):,} of {_n(expected):,} expected figures ({_pct(pooled)}); mean availability "
        f"per borough × PI {_pct(matrix['availability_pct'].mean())}"
        + (f"; least available: {', '.join(f'{pi} ({_pct(v)})' for pi, v in lowest.items())}." if len(lowest) else ".")
    )

    boroughs = sorted(matrix["borough_code"].unique(), key=data.borough_name)
    pis = data.sorted_pis(matrix["pi_code"])
    cells = matrix.drop_duplicates(["borough_code", "pi_code"])
    grid = {
        column: cells.pivot(index="borough_code", columns="pi_code", values=column).reindex(index=boroughs, columns=pis)
        for column in ("availability_pct", "periods_provided", "periods_expected")
    }
    z = [[None if np.isnan(v) else float(v) for v in row] for row in grid["availability_pct"].to_numpy(dtype=float)]
    counts: dict[float, str] = {}  # a few distinct period counts, formatted once each

    def count(value: float) -> str:
        if np.isnan(value):
            return "–"
        if value not in counts:
            counts[value] = _text(value)
        return counts[value]

    custom = [
        [[count(p), count(e)] for p, e in zip(provided, expected)]
        for provided, expected in zip(
            grid["periods_provided"].to_numpy(dtype=float), grid["periods_expected"].to_numpy(dtype=float)
        )
    ]
    long = len(boroughs) > LONG_CHART_ROWS
    heatmap = {
        "type": "heatmap",
        "z": z,
        "x": pis,
        "y": [data.borough_name(b) for b in boroughs],
        "customdata": custom,
        "zmin": 0,
        "zmax": 100,
        "colorscale": AVAILABILITY_SCALE,
        "xgap": 1,
        "ygap": 1,
        "texttemplate": "%{z:.0f}",
        "textfont": {"size": 9},
        "colorbar": {"title": {"text": "% provided"}},
        "hovertemplate": "%{y} · %{x}: %{z:.0f}% (%{customdata[0]} of %{customdata[1]} periods)<extra></extra>",
    }
    layout = {
        "xaxis": {"type": "category", "tickangle": -60, "title": {"text": "PI"}},
        "yaxis": {"autorange": "reversed", "type": "category"},
    }
    if long:
        # A tall map has its PI codes above it, where its reader starts, a colour bar of a readable length, and
        # fixed margins: letting plotly fit them (automargin) draws its thousands of cells twice.
        layout["xaxis"] |= {"side": "top", "automargin": False}
        layout["yaxis"]["automargin"] = False
        layout["margin"] = {
            "l": _label_margin(heatmap["y"], 13),
            "r": 30,
            "b": 30,
            "t": 60 + _label_margin(pis, 13) * 7 // 8,
        }  # the PI codes are at 60°
        heatmap["colorbar"].update(
            len=min(1.0, 600 / (LONG_ROW_HEIGHT * len(boroughs))), lenmode="fraction", y=1, yanchor="top"
        )
    section.body.append(
        chart(
            [heatmap],
            layout,
            _chart_id("availability"),
            "Availability: share of the periods each PI's expected cadence asks for that the borough "
            "provided a usable figure for (blank: the PI was not expected of the borough).",
            height=200 + (LONG_ROW_HEIGHT if long else ROW_HEIGHT) * len(boroughs),
        )
    )

    per_borough = (
        matrix.groupby("borough_code")[
            ["periods_expected", "periods_provided", "periods_not_provided", "periods_suppressed", "periods_missing"]
        ]
        .sum()
        .reset_index()
    )
    per_borough["availability"] = [
        _pct(100 * p / e) if e else "–"
        for p, e in zip(per_borough["periods_provided"], per_borough["periods_expected"])
    ]
    per_borough["borough"] = per_borough["borough_code"].map(data.borough_name)
    section.body.append(
        html_table(
            per_borough.sort_values("borough"),
            {
                "borough": "Borough",
                "periods_expected": "Expected",
                "periods_provided": "Provided",
                "periods_not_provided": "Not provided",
                "periods_suppressed": "Suppressed",
                "periods_missing": "Missing",
                "availability": "Availability",
            },
        )
    )


# ---------------------------------------------------------------------------------------------
# Data quality
# ---------------------------------------------------------------------------------------------


def quality_section(data: Warehouse) -> Section:
    section = Section("quality", "Data quality")
    issues = data["dq_issue"]
    if issues.empty:
        section.findings.append(_no_returns_yet(data, "data-quality findings"))
        return section
    errors = int(issues["severity"].isin(["error"]).sum())
    section.findings.append(
        f"{_plural(len(issues), 'data-quality finding')}: {_plural(errors, 'error')} (must be fixed; "
        f"excluded from comparisons) and {_plural(len(issues) - errors, 'warning')} (please check)."
    )
    categories = [c for c in codes.DQ_CATEGORIES if c in set(issues["category"])] + sorted(
        set(issues["category"].dropna()) - set(codes.DQ_CATEGORIES)
    )
    grid = pd.crosstab(issues["category"], issues["severity"]).reindex(
        index=categories, columns=list(codes.SEVERITIES), fill_value=0
    )
    grid["total"] = grid.sum(axis=1)
    grid = grid.reset_index()
    section.findings.append(
        "By category: " + ", ".join(f"{c} {t}" for c, t in zip(grid["category"], grid["total"])) + "."
    )
    section.body.append(
        html_table(grid, {"category": "Category", "error": "Errors", "warning": "Warnings", "total": "Total"})
    )
    rules = (
        issues.groupby(["check_name", "category", "severity"])
        .agg(findings=("check_name", "size"), boroughs=("borough_code", "nunique"))
        .reset_index()
        .sort_values(["findings", "check_name"], ascending=[False, True])
    )
    section.body.append(_heading("Findings by rule"))
    section.body.append(
        html_table(
            rules,
            {
                "check_name": "Rule",
                "category": "Category",
                "severity": "Severity",
                "findings": "Findings",
                "boroughs": "Boroughs",
            },
        )
    )
    return section


# ---------------------------------------------------------------------------------------------
# 4. Cadence
# ---------------------------------------------------------------------------------------------


def cadence_section(data: Warehouse) -> Section:
    section = Section("cadence", "4. Varying reporting cycles")
    mismatches = data["cadence_mismatch"]
    if mismatches.empty:
        section.findings.append(_no_returns_yet(data, "figure given at another cadence than asked"))
    else:
        figures = _n(mismatches["periods"].sum())
        section.findings.append(
            f"{_plural(figures, 'figure')} from {_plural(len(mismatches), 'borough × PI combination')} "
            f"({_plural(mismatches['borough_code'].nunique(), 'borough')}, {_plural(mismatches['pi_code'].nunique(), 'PI')}) "
            "were given at another cadence than the catalogue asks for."
        )
        pairs = (
            mismatches.groupby(["expected_cadence", "reported_frequency"])["periods"].sum().sort_values(ascending=False)
        )
        section.findings.append(
            "Asked for → given: " + "; ".join(f"{asked} → {given} {_n(n)}" for (asked, given), n in pairs.items()) + "."
        )

        by_pi = mismatches.groupby(["pi_code", "reported_frequency"])["periods"].sum().reset_index()
        pis = data.sorted_pis(by_pi["pi_code"])
        bars = []
        for cadence in [c for c in codes.CADENCES if c in set(by_pi["reported_frequency"])]:
            rows = by_pi[by_pi["reported_frequency"] == cadence].set_index("pi_code")["periods"]
            bars.append(
                _bar(
                    pis,
                    [float(rows.get(p, 0)) for p in pis],
                    f"given {cadence}",
                    CADENCE_COLOURS.get(cadence),
                    hovertemplate="%{x}: %{y} figures given " + cadence + "<extra></extra>",
                )
            )
        layout = {
            "barmode": "stack",
            "xaxis": {"type": "category", "title": {"text": "PI"}},
            "yaxis": {"title": {"text": "Figures"}},
        }
        section.body.append(
            chart(
                bars,
                layout,
                _chart_id("cadence"),
                "Figures given at another cadence than asked, by PI and the cadence the borough gave.",
            )
        )
        table = mismatches.assign(
            borough=mismatches["borough_code"].map(data.borough_name),
            _order=mismatches["pi_code"].map(lambda p: data.pi_order.get(p, len(data.pi_order))),
        )
        section.body.append(
            html_table(
                table.sort_values(["_order", "borough"]),
                {
                    "borough": "Borough",
                    "pi_code": "PI",
                    "expected_cadence": "Asked for",
                    "reported_frequency": "Given",
                    "periods": "Figures",
                    "period_list": "Periods",
                    "declared_frequency": "Declared",
                },
            )
        )

    issues = data["dq_issue"]
    cadence = issues[issues["category"].isin(["cadence"])]
    section.body.append(_heading("Cadence findings by rule"))
    if cadence.empty:
        section.body.append(_empty("No cadence findings."))
        return section
    rules = (
        cadence.groupby(["check_name", "severity"])
        .agg(findings=("check_name", "size"), boroughs=("borough_code", "nunique"))
        .reset_index()
        .sort_values(["findings", "check_name"], ascending=[False, True])
    )
    section.findings.append(
        "Cadence findings by rule: " + ", ".join(f"{r.check_name} {r.findings}" for r in rules.itertuples()) + "."
    )
    section.body.append(
        html_table(
            rules, {"check_name": "Rule", "severity": "Severity", "findings": "Findings", "boroughs": "Boroughs"}
        )
    )
    return section


# ---------------------------------------------------------------------------------------------
# 5. Cross-borough comparison
# ---------------------------------------------------------------------------------------------


def _period_reading(label: str):
    return read_period(label).period


def _period_key(label: str) -> tuple:
    period = _period_reading(label)
    return (period.end, period.start, label) if period else (date.min, date.min, label)


def comparison_period(periods, expected_cadence: str | None) -> str:
    """The period a PI is compared on: its latest period at the cadence the catalogue asks for, else its latest."""
    periods = list(periods)

    def cadence(label: str) -> str | None:
        period = _period_reading(label)
        return codes.PERIOD_TYPE_CADENCE.get(period.period_type) if period else None

    at_cadence = [p for p in periods if cadence(p) in (expected_cadence, None)]
    return max(at_cadence or periods, key=_period_key)


def comparison_section(data: Warehouse) -> Section:
    section = Section("comparison", "5. How boroughs compare")
    comparisons = data["cmp_borough_pi"]
    if comparisons.empty:
        section.findings.append(_no_returns_yet(data, "cross-borough comparison"))
        return section
    section.body.append(
        _paragraph(
            "One chart per PI, at the PI's latest period at its expected cadence. Bars are coloured by London quartile band "
            "(A best, by the PI's polarity); the dashed line is the London median, the grey band runs from the lower "
            "to the upper quartile, and the dotted line is DfE's figure for England where DfE publishes one. A suppressed "
            "figure is a gap marked 'suppressed': a small count, or a figure hidden with it so that it cannot be worked out "
            "from a total. Suppressed figures take no part in any statistic, and a statistic of fewer than "
            f"{MIN_CONTRIBUTORS} figures is not shown."
        )
    )

    # One pass over the table, not one filter per PI: each PI's periods, the period it is compared on, and
    # then the rows charted, as plain records grouped by PI.
    periods: dict[str, list[str]] = {}
    for pi, period in comparisons[["pi_code", "period"]].drop_duplicates().itertuples(index=False):
        periods.setdefault(pi, []).append(period)
    pis = data.sorted_pis(periods)
    compared_on = {
        pi: comparison_period(periods[pi], (data.indicators.get(pi) or {}).get("expected_cadence")) for pi in pis
    }
    charted = comparisons[comparisons["period"].eq(comparisons["pi_code"].map(compared_on))].reset_index(drop=True)
    charted = charted.assign(borough=[data.borough_name(code) for code in charted["borough_code"]])
    by_pi: dict[str, list[dict]] = {}
    for record in charted.to_dict("records"):
        by_pi.setdefault(record["pi_code"], []).append(record)

    section.body.append(
        '<p class="meta">Charts: '
        + ", ".join(f'<a href="#{_chart_id("cmp", pi)}">{html.escape(str(pi))}</a>' for pi in pis)
        + ".</p>"
    )
    for pi in pis:
        section.body.append(_comparison_chart(data, pi, compared_on[pi], by_pi[pi]))

    section.body.append(_london_and_england(data, charted, pis, compared_on))
    groups = sorted(charted["comparison_group"].dropna().unique())
    section.findings.append(
        f"{_plural(len(pis), 'PI')} compared across {_plural(charted['borough_code'].nunique(), 'borough')} "
        f"({_listing(groups)} group); a median of {_n(charted.groupby('pi_code')['boroughs_reporting'].max().median())} "
        f"boroughs reported each PI; {_plural(int(charted['suppressed'].sum()), 'figure')} suppressed."
    )

    bands = charted.assign(
        band=charted["quartile_band"].where(~charted["suppressed"], "suppressed").fillna("not banded")
    )
    grid = pd.crosstab(bands["borough_code"], bands["band"])
    grid = grid.reindex(columns=["A", "B", "C", "D", "suppressed", "not banded"], fill_value=0)
    grid["compared"] = grid.sum(axis=1)
    grid = grid.reset_index()
    grid["borough"] = grid["borough_code"].map(data.borough_name)
    section.body.append(_heading("Quartile bands by borough, across the PIs charted"))
    section.body.append(
        html_table(
            grid.sort_values("borough"),
            {
                "borough": "Borough",
                "A": "A (best)",
                "B": "B",
                "C": "C",
                "D": "D (worst)",
                "suppressed": "Suppressed",
                "not banded": "Not banded (neutral PI)",
                "compared": "PIs compared",
            },
        )
    )
    return section


def neighbour_models(data: Warehouse) -> str:
    """The statistical-neighbour model(s) of dim_borough, e.g. 'DfE May 2025'."""
    models = sorted({m for m in data["dim_borough"].get("neighbour_model", pd.Series(dtype=object)).dropna() if m})
    return _listing(models) or "model not recorded"


def _london_and_england(data: Warehouse, charted: pd.DataFrame, pis: list[str], compared_on: dict[str, str]) -> str:
    """London and England side by side for each PI charted, or why there is no England-wide figure to show."""
    parts = [_heading("London and England, side by side")]
    published = data["published_value"]
    with_england = charted.loc[charted["england_value"].notna()]
    if with_england.empty:
        if published.empty:
            parts.append(
                _paragraph(
                    "No England-wide comparison: the raw directory holds no DfE published statistics "
                    "(published/, declared in dataset/published_measures.csv)."
                )
            )
        else:
            pis_published = _listing(sorted(published["pi_code"].unique()))
            ends = [p.end.year for p in map(_period_reading, published["period"].unique()) if p]
            parts.append(
                "<p>"
                + html.escape(
                    f"No England-wide comparison for the periods charted ({_listing(sorted(set(compared_on.values()), key=_period_key))}): "
                    f"DfE's published statistics here cover {pis_published} for the years ending 31 March {min(ends)} to "
                    f"{max(ends)}, so these returns have no published year to compare with. "
                )
                + "<code>lsdi sample --published</code>"
                + html.escape(
                    " builds a raw directory of the boroughs' own published figures that fills these columns."
                )
                + "</p>"
            )
        return "".join(parts)
    rows = []
    for pi in pis:
        of_pi = charted.loc[charted["pi_code"] == pi]
        if of_pi["england_value"].isna().all():
            continue
        r = of_pi.iloc[0]
        shown = of_pi.loc[~of_pi["suppressed"]]
        ranked = shown["national_rank"].notna().any()
        rows.append(
            {
                "pi": f"{pi} {data.pi_title(pi)}",
                "period": compared_on[pi],
                "london_median": _text(r["group_median"]),
                "london_pooled": f"{_text(r['group_pooled'])} ({_n(r['pooled_reporting'])} boroughs)"
                if _present(r["group_pooled"])
                else "–",
                "dfe_london": _text(r["region_value"]),
                "england": _text(r["england_value"]),
                "bands": ", ".join(f"{b}: {int((shown['national_band'] == b).sum())}" for b in "ABCD")
                if ranked
                else "not banded",
                "ranked": _text(shown["authorities_ranked"].max()) if ranked else "–",
                "sn": f"{_n(shown['sn_mean'].notna().sum())} of {len(of_pi)}",
            }
        )
    parts.append(
        html_table(
            pd.DataFrame(rows),
            {
                "pi": "PI",
                "period": "Period",
                "london_median": "London median (returns)",
                "london_pooled": "London pooled (returns)",
                "dfe_london": "London (DfE published)",
                "england": "England (DfE published)",
                "bands": "Boroughs by England band (LAIT)",
                "ranked": "Authorities ranked",
                "sn": "Boroughs with a neighbours' mean",
            },
        )
    )
    parts.append(f'<p class="meta">{html.escape(_neighbour_note(data))}</p>')
    return "".join(parts)


def _neighbour_note(data: Warehouse) -> str:
    return (
        f"Statistical neighbours: the {neighbour_models(data)} model, applied to every period shown. A neighbour's figure "
        "is its return where it sent one, else DfE's published figure; a neighbour whose figure is suppressed is left out, "
        f"and a mean of fewer than {MIN_CONTRIBUTORS} neighbours is not shown. England bands and ranks follow DfE's LAIT: "
        "every English local authority with a figure, quartile intervals closed at their upper end, A the best quarter."
    )


def _polarity_text(indicator: dict) -> str:
    polarity = indicator.get("polarity")
    if polarity == "in_band":
        return f"best within {_text(indicator.get('band_min'))}–{_text(indicator.get('band_max'))}"
    if polarity == "neutral":
        return "neutral (context only, not ranked)"
    return _label(polarity) if polarity else "polarity not recorded"


def _comparison_chart(data: Warehouse, pi: str, period: str, rows: list[dict]) -> str:
    """One PI's chart from its rows of cmp_borough_pi at `period` (records, each with its `borough` name)."""
    indicator = data.indicators.get(pi) or {}
    polarity = indicator.get("polarity")
    models = neighbour_models(data)
    shown = [r for r in rows if not r["suppressed"]]
    hidden = [r for r in rows if r["suppressed"]]
    # Ranked PIs by rank, others by value (best first by polarity); missing values last, then by name.
    if any(_present(r["rank"]) for r in shown):
        shown.sort(key=lambda r: (not _present(r["rank"]), r["rank"] if _present(r["rank"]) else 0, r["borough"]))
    else:
        sign = 1 if polarity == "lower_is_better" else -1
        shown.sort(
            key=lambda r: (not _present(r["value"]), sign * r["value"] if _present(r["value"]) else 0, r["borough"])
        )
    hidden_names = sorted(r["borough"] for r in hidden)
    order = [r["borough"] for r in shown] + hidden_names
    # Up to LONG_CHART_ROWS boroughs stand side by side; more are drawn as horizontal bars, one labelled row
    # each (rank 1 at the top), so the chart grows with the boroughs rather than crushing their names.
    long = len(order) > LONG_CHART_ROWS
    value_axis, name_axis = ("x", "y") if long else ("y", "x")

    def trace(names: list, values: list, **extra) -> dict:
        return {value_axis: values, name_axis: names, **({"orientation": "h"} if long else {}), **extra}

    first = rows[0]
    england = float(first["england_value"]) if _present(first.get("england_value")) else None
    records = [
        (
            r["borough"],
            r["value"] if _present(r["value"]) else None,
            r["rank"],
            r["quartile_band"],
            _text(r["national_rank"]),
            _text(r["sn_mean"]),
        )
        for r in shown
    ]
    england_rank = ", England rank %{customdata[1]}" if england is not None else ""
    traces = []
    for band in ["A", "B", "C", "D", None]:
        subset = [r for r in records if (r[3] == band if band else not _present(r[3]))]
        if not subset:
            continue
        traces.append(
            trace(
                [r[0] for r in subset],
                [r[1] for r in subset],
                type="bar",
                marker={"color": BAND_COLOURS[band]},
                name=f"band {band}" if band else "not banded",
                customdata=[[_text(r[2]), r[4], r[5]] for r in subset],
                hovertemplate=f"%{{{name_axis}}}: %{{{value_axis}}} (London rank %{{customdata[0]}}{england_rank}; "
                f"neighbours' mean %{{customdata[2]}}, {models} model)<extra></extra>",
            )
        )
    if hidden_names:
        traces.append(
            trace(
                hidden_names,
                [0] * len(hidden_names),
                type="scatter",
                mode="markers+text",
                text="suppressed",
                textposition="middle right" if long else "top center",
                marker={"symbol": "x-thin-open", "size": 10, "color": "#52606d"},
                name="suppressed",
                hovertemplate=f"%{{{name_axis}}}: suppressed<extra></extra>",
            )
        )

    # Reference lines and the quartile band are layout shapes across the whole plot (as plotly's add_hline and
    # add_hrect would write them, without rebuilding the figure for each).
    q1, median, q3 = (float(first[c]) if _present(first[c]) else None for c in ("group_q1", "group_median", "group_q3"))

    def across(low: float, high: float, **style) -> dict:
        return {
            f"{value_axis}0": low,
            f"{value_axis}1": high,
            f"{value_axis}ref": value_axis,
            f"{name_axis}0": 0,
            f"{name_axis}1": 1,
            f"{name_axis}ref": f"{name_axis} domain",
            **style,
        }

    shapes, annotations = [], []
    if q1 is not None and q3 is not None:
        shapes.append(across(q1, q3, type="rect", fillcolor="#9ca3af", opacity=0.25, line={"width": 0}, layer="below"))
    if median is not None:
        shapes.append(across(median, median, type="line", line={"color": "#1f2933", "dash": "dash"}))
        annotations.append(
            {
                "showarrow": False,
                "text": f"median {_text(median)}",
                value_axis: median,
                f"{value_axis}ref": value_axis,
                name_axis: 1,
                f"{name_axis}ref": f"{name_axis} domain",
                "xanchor": "left" if long else "right",
                "yanchor": "bottom",
            }
        )
    if polarity == "in_band":
        for edge in ("band_min", "band_max"):
            if _present(indicator.get(edge)):
                value = float(indicator[edge])
                shapes.append(across(value, value, type="line", line={"color": "#1a9850", "dash": "dot"}))
    if england is not None and indicator.get("unit") != "count":  # England's count is a total, off any borough's scale
        shapes.append(across(england, england, type="line", line={"color": "#7b3294", "dash": "dot"}))
        annotations.append(
            {
                "showarrow": False,
                "text": f"England {_text(england)}",
                value_axis: england,
                f"{value_axis}ref": value_axis,
                name_axis: 0,
                f"{name_axis}ref": f"{name_axis} domain",
                "xanchor": "left",
                "yanchor": "top" if long else "bottom",
            }
        )
    unit = UNIT_LABELS.get(indicator.get("unit"), indicator.get("unit") or "value")
    names = {"type": "category", "categoryorder": "array", "categoryarray": order}
    layout = {
        f"{name_axis}axis": names,
        f"{value_axis}axis": {"title": {"text": unit}},
        "barmode": "overlay",
        **({"shapes": shapes} if shapes else {}),
        **({"annotations": annotations} if annotations else {}),
    }
    if long:
        # Fixed margins for the names: plotly fitting them (automargin) would draw the chart twice.
        names |= {"autorange": "reversed", "tickfont": {"size": 11}, "automargin": False}
        layout["xaxis"]["automargin"] = False
        layout["margin"] = {"l": _label_margin(order, 11), "r": 30, "t": 40, "b": 60}
    else:
        names["tickangle"] = -45
    height = 160 + LONG_ROW_HEIGHT * len(order) if long else 380

    caption = (
        f"{pi} — {data.pi_title(pi)}. Period {period}; {_polarity_text(indicator)}. "
        f"{_listing(sorted({r['comparison_group'] for r in rows if _present(r['comparison_group'])}))}: "
        f"{_text(first['boroughs_reporting'])} boroughs "
        f"reporting; median {_text(median)}, Q1 {_text(q1)}, Q3 {_text(q3)}"
    )
    if _present(first["group_pooled"]):
        caption += f", pooled {_text(first['group_pooled'])} over {_n(first['pooled_reporting'])} boroughs"
    caption += "."
    if england is not None:
        ranked_over = [r["authorities_ranked"] for r in rows if _present(r["authorities_ranked"])]
        caption += (
            f" DfE published: England {_text(england)}, London {_text(first.get('region_value'))}"
            + (f"; England bands over {_text(max(ranked_over))} authorities" if ranked_over else "")
            + "."
        )
    caption += f" Statistical neighbours: the {models} model."
    if hidden_names:
        caption += f" Suppressed (shown as a gap): {_listing(hidden_names)}."
    return chart(traces, layout, _chart_id("cmp", pi), caption, height=height)


# ---------------------------------------------------------------------------------------------
# 6. Source bias
# ---------------------------------------------------------------------------------------------


def bias_section(data: Warehouse) -> Section:
    section = Section("bias", "6. Local-authority and multi-agency sources")
    bias = data["bias_by_source"]
    if bias.empty:
        section.findings.append("The source-bias analysis is not available yet.")
        return section
    totals = bias[bias["source_agency"].isna()].set_index("source_type")
    types = [t for t in codes.SOURCE_TYPES if t in totals.index]
    if types:
        section.findings.append(
            "PIs in the dataset by source: "
            + "; ".join(
                f"{SOURCE_TYPE_LABELS[t].lower()} {_n(totals.at[t, 'pis_in_dataset'])} ({_pct(totals.at[t, 'share_of_dataset_pct'])})"
                for t in types
            )
            + "."
        )
        section.findings.append(
            "Phase-1 PIs asked for more often than once a year: "
            + "; ".join(
                f"{SOURCE_TYPE_LABELS[t].lower()} {_n(totals.at[t, 'pis_more_than_annual'])} of {_n(totals.at[t, 'pis_phase_1'])}"
                for t in types
            )
            + "; availability of pilot figures: "
            + "; ".join(f"{SOURCE_TYPE_LABELS[t].lower()} {_pct(totals.at[t, 'availability_pct'])}" for t in types)
            + "."
        )
        section.findings.append(
            "Measures held in contributing boroughs' reports: "
            + "; ".join(
                f"{SOURCE_TYPE_LABELS[t].lower()} {_n(totals.at[t, 'measures_in_mapping'])} "
                f"({_n(totals.at[t, 'measures_more_than_annual_in_mapping'])} more than annual)"
                for t in types
            )
            + "."
        )
        section.body.append(_bias_chart(totals.loc[types]))

    ordered = []
    for source_type in [t for t in codes.SOURCE_TYPES if t in set(bias["source_type"])] + sorted(
        set(bias["source_type"].dropna()) - set(codes.SOURCE_TYPES)
    ):
        rows = bias[bias["source_type"] == source_type]
        agencies = rows[rows["source_agency"].notna()].sort_values(
            ["pis_in_dataset", "source_agency"], ascending=[False, True]
        )
        ordered += [rows[rows["source_agency"].isna()], agencies]
    table = pd.concat(ordered, ignore_index=True)
    table["type"] = table["source_type"].map(lambda t: SOURCE_TYPE_LABELS.get(t, t))
    table["agency"] = [codes.AGENCY_LABELS.get(a, a) if a else "all agencies" for a in table["source_agency"]]
    table["share"] = table["share_of_dataset_pct"].map(_pct)
    table["availability"] = table["availability_pct"].map(_pct)
    section.body.append(
        html_table(
            table,
            {
                "type": "Source type",
                "agency": "Agency",
                "pis_in_dataset": "PIs in dataset",
                "share": "Share of dataset",
                "pis_phase_1": "Phase 1",
                "pis_more_than_annual": "More than annual",
                "availability": "Pilot availability",
                "measures_in_mapping": "Measures in mapping",
                "measures_more_than_annual_in_mapping": "…more than annual",
                "boroughs_holding": "Boroughs holding",
            },
        )
    )
    return section


def _bias_chart(totals: pd.DataFrame) -> str:
    def share(column: str) -> list[float | None]:
        whole = totals[column].sum()
        return [100 * v / whole if whole else None for v in totals[column]]

    metrics = {
        "PIs in dataset": _floats(totals["share_of_dataset_pct"]),
        "PIs more than annual": share("pis_more_than_annual"),
        "Measures boroughs hold": share("measures_in_mapping"),
        "Measures held more than annual": share("measures_more_than_annual_in_mapping"),
        "Pilot figures provided": _floats(totals["availability_pct"]),
    }
    bars = [
        _bar(
            list(metrics),
            [values[i] for values in metrics.values()],
            SOURCE_TYPE_LABELS[source_type],
            SOURCE_TYPE_COLOURS[source_type],
            hovertemplate="%{x}: %{y:.1f}%<extra></extra>",
        )
        for i, source_type in enumerate(totals.index)
    ]
    layout = {"barmode": "group", "yaxis": {"title": {"text": "%"}, "range": [0, 100]}}
    return chart(
        bars,
        layout,
        _chart_id("bias"),
        "Each source type's share of the dataset's PIs, of the PIs asked for more "
        "often than once a year, and of the measures boroughs hold; and the share "
        "of expected pilot figures provided (availability).",
    )


# ---------------------------------------------------------------------------------------------
# 7. Feasibility
# ---------------------------------------------------------------------------------------------


def feasibility_section(data: Warehouse) -> Section:
    section = Section("feasibility", "7. Feasibility commentary")
    summary = data["feasibility_summary"]
    if summary.empty:
        section.findings.append(_no_returns_yet(data, "feasibility answers"))
    else:
        answers = {a: _n(summary[f"can_provide_{a}"].sum()) for a in CAN_PROVIDE_COLOURS}
        total = sum(answers.values())
        section.findings.append(
            f"{_plural(total, 'feasibility answer')} on {_plural(len(summary), 'PI')}: "
            + ", ".join(f"{a} {n} ({_pct(100 * n / total if total else None)})" for a, n in answers.items())
            + "."
        )
        issues = {label: _n(summary[column].sum()) for column, label in ISSUE_COLUMNS.items()}
        section.findings.append(
            "Main issues named: "
            + ", ".join(f"{label.lower()} {n}" for label, n in sorted(issues.items(), key=lambda kv: -kv[1]))
            + "."
        )

        pis = data.sorted_pis(summary["pi_code"])
        by_pi = summary.set_index("pi_code")
        bars = [
            _bar(
                pis,
                [float(by_pi.at[p, f"can_provide_{answer}"]) for p in pis],
                answer,
                colour,
                hovertemplate="%{x}: %{y} boroughs " + answer + "<extra></extra>",
            )
            for answer, colour in CAN_PROVIDE_COLOURS.items()
        ]
        layout = {
            "barmode": "stack",
            "xaxis": {"type": "category", "title": {"text": "PI"}},
            "yaxis": {"title": {"text": "Boroughs"}},
        }
        section.body.append(
            chart(
                bars,
                layout,
                _chart_id("feasibility"),
                "Can the borough provide the PI? Current answers of the pilot boroughs, by PI.",
            )
        )
        rows = []
        for column, label in ISSUE_COLUMNS.items():
            top = by_pi[column][by_pi[column] > 0].sort_values(ascending=False, kind="stable").head(3)
            rows.append(
                {
                    "issue": label,
                    "answers": _n(by_pi[column].sum()),
                    "pis": ", ".join(f"{p} ({_n(n)})" for p, n in top.items()) or "–",
                }
            )
        section.body.append(_heading("Main issues"))
        section.body.append(
            html_table(pd.DataFrame(rows), {"issue": "Main issue", "answers": "Answers", "pis": "PIs most affected"})
        )
    _feasibility_comments(data, section)
    _narratives(data, section)
    return section


def _feasibility_comments(data: Warehouse, section: Section) -> None:
    answers = data["fact_feasibility"]
    answers = answers[answers["is_current"] & answers["comment"].notna() & ~answers["main_issue"].isin(["none"])]
    if answers.empty:
        return
    answers = answers.assign(
        borough=answers["borough_code"].map(data.borough_name),
        _order=answers["pi_code"].map(lambda p: data.pi_order.get(p, len(data.pi_order))),
        comment=answers["comment"].map({c: _borough_text(c) for c in answers["comment"].unique()}),
        main_issue=answers["main_issue"].map(_label),
    )
    # Many boroughs write the same few sentences: show each distinct comment once, in catalogue order.
    distinct = answers.sort_values(["_order", "borough"]).drop_duplicates("comment").head(FEASIBILITY_COMMENTS_SHOWN)
    section.body.append(_heading("Borough comments on the issues"))
    section.body.append(
        _paragraph(
            f"{_plural(len(distinct), 'distinct comment')} of {len(answers):,} (the first "
            f"{FEASIBILITY_COMMENTS_SHOWN} at most), with personal data masked."
        )
    )
    section.body.append(
        html_table(
            distinct,
            {
                "pi_code": "PI",
                "borough": "Borough",
                "can_provide": "Can provide",
                "main_issue": "Main issue",
                "comment": "Comment",
            },
        )
    )


def _narratives(data: Warehouse, section: Section) -> None:
    narratives = data["fact_narrative"]
    narratives = narratives[narratives["is_current"] & narratives["narrative"].notna()]
    section.body.append(_heading("Contextual narratives, by cluster"))
    if narratives.empty:
        section.body.append(_empty(_no_returns_yet(data, "narratives")))
        return
    section.body.append(
        _paragraph(f"Up to {NARRATIVES_PER_CLUSTER} current narratives per cluster, with personal data masked.")
    )
    titles = dict(zip(data["dim_cluster"]["cluster_code"], data["dim_cluster"]["title"]))
    narratives = narratives.assign(borough=narratives["borough_code"].map(data.borough_name))
    for cluster in sorted(narratives["cluster_code"].unique()):
        rows = narratives[narratives["cluster_code"] == cluster].sort_values("borough").head(NARRATIVES_PER_CLUSTER)
        heading = f"{cluster} {titles.get(cluster) or ''}".strip()
        section.body.append(f"<h4>{html.escape(heading)}</h4>")
        for row in rows.itertuples():
            section.body.append(
                f"<blockquote><p>{html.escape(_borough_text(row.narrative))}</p>"
                f"<footer>{html.escape(row.borough)}</footer></blockquote>"
            )


# ---------------------------------------------------------------------------------------------
# 8. Phase II
# ---------------------------------------------------------------------------------------------


def phase2_section(data: Warehouse) -> Section:
    section = Section("phase2", "8. Recommendations for Phase II")
    recommendations = data["phase2_recommendation"]
    if recommendations.empty:
        section.findings.append("No Phase II recommendations have been made yet.")
        return section
    programme = recommendations[recommendations["pi_code"].isna()]
    per_pi = recommendations[recommendations["pi_code"].notna()]
    kinds = [k for k in PI_RECOMMENDATIONS if k in set(per_pi["recommendation"])] + sorted(
        set(per_pi["recommendation"]) - set(PI_RECOMMENDATIONS)
    )
    counts = per_pi["recommendation"].value_counts()
    section.findings.append(
        f"Recommendations for {_plural(per_pi['pi_code'].nunique(), 'PI')}: "
        + ", ".join(f"{k} {counts.get(k, 0)}" for k in PI_RECOMMENDATIONS)
        + "."
    )
    if not programme.empty:
        section.findings.append("Programme-level: " + ", ".join(_label(k) for k in programme["recommendation"]) + ".")

    section.body.append(_heading("Programme-level recommendations"))
    section.body.append(
        html_table(
            programme.assign(recommendation=programme["recommendation"].map(_label)),
            {"recommendation": "Recommendation", "reasons": "Reasons"},
            empty="No programme-level recommendation.",
        )
    )
    for kind in kinds:
        rows = per_pi[per_pi["recommendation"] == kind]
        rows = rows.assign(
            title=rows["pi_code"].map(data.pi_title),
            _order=rows["pi_code"].map(lambda p: data.pi_order.get(p, len(data.pi_order))),
        ).sort_values("_order")
        section.body.append(_heading(f"{_label(kind).capitalize()} — {_plural(len(rows), 'PI')}"))
        section.body.append(html_table(rows, {"pi_code": "PI", "title": "Title", "reasons": "Reasons"}))
    return section


# ---------------------------------------------------------------------------------------------
# The page and the summary
# ---------------------------------------------------------------------------------------------

RETURN_SOURCES = [("fact_pi_value", "note"), ("fact_narrative", "narrative"), ("fact_feasibility", "comment")]


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
    """(label, explanation) of what is synthetic: everything, or (as in `lsdi sample --published`) all but the returns."""
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
        f"Computed from the LSDI warehouse: {_plural(len(data['mapping_response']), 'mapping response')}, "
        f"{_plural(len(submissions), 'return file')} from {_plural(submissions['borough_code'].nunique(), 'borough')}, "
        f"{_plural(int(facts['is_current'].sum()), 'current figure')} and "
        f"{_plural(len(data['dq_issue']), 'data-quality finding')}. Comparisons use current figures not flagged as errors."
    )


def _page(data: Warehouse, sections: list[Section], generated_at: datetime) -> str:
    banner = _synthetic_banner(data)
    synthetic = ""
    if banner:
        synthetic = (
            f'<p class="synthetic" role="note"><strong>{html.escape(banner[0])}</strong> {html.escape(banner[1])}</p>'
        )
    contents = "".join(f'<li><a href="#{s.id}">{html.escape(s.heading)}</a></li>' for s in sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(TITLE)}</title>
<style>{CSS}</style>
<script>{get_plotlyjs()}</script>
</head>
<body>
<header>
<h1>{html.escape(TITLE)}</h1>
<p class="meta">Generated <time datetime="{html.escape(generated_at.isoformat())}">{html.escape(_generated(generated_at))}</time>.
{html.escape(_source_note(data))}</p>
{synthetic}
</header>
<nav aria-label="Contents"><ul>{contents}</ul></nav>
<main>
{chr(10).join(s.html() for s in sections)}
</main>
<footer><p class="meta">{html.escape(TITLE)} · lsdi_pipeline · a self-contained file: it loads nothing.</p></footer>
</body>
</html>
"""


def _markdown(data: Warehouse, sections: list[Section], generated_at: datetime) -> str:
    lines = [f"# {TITLE}: summary", "", f"Generated {_generated(generated_at)}. {_source_note(data)}"]
    if banner := _synthetic_banner(data):
        lines.append(f"**{banner[0]}** {banner[1]}")
    lines.append("")
    for section in sections:
        lines.append(f"- **{section.heading}**: " + " ".join(section.findings))
    return "\n".join(lines) + "\n"
