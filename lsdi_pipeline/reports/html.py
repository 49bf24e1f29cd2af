"""HTML for the reports: escaping, how a value is shown, tables, the page skeleton and embedded charts.

Used by the Phase I report and the borough feedback pages. Every piece of text goes through `escape`
(`as_text` formats a value, it does not escape it). Charts are plain plotly.js dicts drawn by
`Plotly.newPlot`, with plotly.js embedded once in the page (`plotly_script`), so a page opens offline.

Every page fits a phone (390 px wide): a table scrolls inside its own region, which the keyboard can reach.
Every chart has its title above it, a text alternative, and its figures as a table a screen reader can read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from html import escape as escape_text

import numpy as np
import pandas as pd
from plotly.io.json import to_json_plotly
from plotly.offline import get_plotlyjs

from lsdi_pipeline.reports.safe import missing

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
#: fill patterns for the series of a stacked or grouped bar chart, so that no series is told apart by colour alone
PATTERNS = ("", "/", "x", ".", "+", "-")
#: a sequential scale for 0–100 % that reads the same with any colour vision (cividis: dark blue to yellow)
SEQUENTIAL_SCALE = "Cividis"

# What every page needs whatever its own style: a width that follows the phone's, tables that scroll inside their
# own region rather than the page, long words (file names, codes) that wrap, and a focus ring that can be seen.
BASE_CSS = (
    "*,*::before,*::after{box-sizing:border-box}"
    "body{overflow-wrap:break-word}"
    ".scroll{overflow-x:auto;max-width:100%}"
    ".scroll>table{margin-top:0}"
    ".date{white-space:nowrap}"
    ":focus-visible{outline:3px solid #0072B2;outline-offset:2px}"
    "img,svg{max-width:100%}"
)

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
# plotly.js 3 adds a "Share chart" button that uploads the figure to Plotly Cloud: a report must not offer that.
CHART_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "showSendToCloud": False,
    "modeBarButtonsToRemove": ["sendChartToCloud", "lasso2d", "select2d"],
}
#: above this many boroughs a ranking is drawn as horizontal bars, one labelled row per borough, and a heat-map
#: gets shorter rows (London, 33 authorities, stays as it was; national scale, 153, does not)
LONG_CHART_ROWS = 40
ROW_HEIGHT, LONG_ROW_HEIGHT = 26, 16


# -- text -------------------------------------------------------------------------------------------------------


def escape(value: object) -> str:
    """A value as HTML text: escaped, and empty when missing."""
    if value.__class__ is str:  # most values: escaped straight away
        return escape_text(value)
    return "" if missing(value) else escape_text(str(value))


def as_text(value: object) -> str:
    """A value as display text (not escaped): '–' when missing, dates as ISO, numbers without needless decimals."""
    if missing(value):
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


def paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def heading(text: str, anchor: str | None = None) -> str:
    """A sub-heading of a section; `anchor` its id, for a link to it."""
    return f'<h3 id="{escape(anchor)}">{escape(text)}</h3>' if anchor else f"<h3>{escape(text)}</h3>"


def empty(message: str) -> str:
    """What a section says where it has nothing to show."""
    return f'<p class="empty">{escape(message)}</p>'


# -- tables -----------------------------------------------------------------------------------------------------


def table(head: Iterable[str], rows: Iterable[str], label: str | None = None) -> str:
    """A table of header cells and body rows, each already HTML (`<th>…</th>`, `<tr>…</tr>`), in a region of its
    own that scrolls sideways when the table is wider than the page. The keyboard can reach the region (tabindex),
    or a keyboard user could not scroll it; `label` names it for a screen reader."""
    name = f' role="region" aria-label="{escape(label)}"' if label else ""
    return (
        f'<div class="scroll" tabindex="0"{name}><table><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def frame_table(
    frame: pd.DataFrame, columns: Mapping[str, str], empty_text: str = "Nothing to show.", label: str | None = None
) -> str:
    """The frame's `columns` (name → heading) as a scrollable table of display text, numbers and dates aligned;
    `empty_text` said instead when it has no rows. `label` names the table's region (else its column headings)."""
    if frame.empty:
        return empty(empty_text)
    head = (f'<th scope="col">{escape(title)}</th>' for title in columns.values())
    rows = (
        "<tr>" + "".join(f"<td{_cell_class(v)}>{escape(as_text(v))}</td>" for v in record) + "</tr>"
        for record in frame[list(columns)].itertuples(index=False)
    )
    return table(head, rows, label or "Table: " + ", ".join(columns.values()))


def _cell_class(value) -> str:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        return ' class="num"'
    if isinstance(value, (date, pd.Timestamp)):
        return ' class="date"'
    return ""


# -- the page ---------------------------------------------------------------------------------------------------


def document(title: str, style: str, body: str, *, meta: str = "", scripts: str = "") -> str:
    """A whole HTML page, as wide as the screen it is read on: `meta` tags straight after the character set (a
    content security policy must come before what it governs), `scripts` after the style; both already HTML.
    `style` comes after BASE_CSS, so a page may override it."""
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">{meta}'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{BASE_CSS}\n{style}</style>{scripts}</head><body>{body}</body></html>"
    )


def plotly_script() -> str:
    """plotly.js, to embed once in the head of a page with charts."""
    return f"<script>{get_plotlyjs()}</script>"


# -- charts -----------------------------------------------------------------------------------------------------


def chart(
    data: list[dict],
    layout: dict,
    chart_id: str,
    title: str,
    caption: str,
    height: int = 420,
    rows_are: str = "Category",
) -> str:
    """A chart: its `title` as a heading above it, the div and the Plotly.newPlot call that draws it (plotly.js is
    in the page head) with the report's template and `height`, the `caption` below it, and the chart's figures as a
    table (`figures_table`, its rows headed `rows_are`) folded away beneath. `data` and `layout` are plain
    plotly.js dicts: nothing validates them.

    The figure is named by the title and described by the caption; its text alternative is the table of its
    figures (plotly's SVG cannot be one image to a screen reader: its controls can take the keyboard's focus)."""
    layout = {"template": CHART_TEMPLATE, **layout, "height": height}
    ids = {part: escape(f"{chart_id}-{part}") for part in ("title", "caption")}
    return (
        f'<figure class="chart" data-chart="{escape(chart_id)}" aria-labelledby="{ids["title"]}" '
        f'aria-describedby="{ids["caption"]}">'
        f'<h3 class="chart-title" id="{ids["title"]}">{escape(title)}</h3>'
        f'<div style="height:{height}px; width:100%;">'
        f'<div id="{escape(chart_id)}" class="plotly-graph-div" style="height:100%; width:100%;"></div>'
        f"<script>Plotly.newPlot({_json(chart_id)}, {_json(data)}, {_json(layout)}, {_json(CHART_CONFIG)});</script>"
        f'</div><figcaption id="{ids["caption"]}">{escape(caption)}</figcaption>'
        f"{figures_table(data, title, rows_are)}</figure>"
    )


def figures_table(data: list[dict], title: str, rows_are: str = "Category") -> str:
    """The figures a chart draws, as a table folded away under the chart: one row per category on its category
    axis (a borough, a PI), one column per series (per x value for a heat-map). A marker's own text (e.g.
    'suppressed') stands for its value, as it does in the chart."""
    rows: dict[str, dict[str, str]] = {}
    columns: list[str] = []
    for trace in data:
        if trace.get("type") == "heatmap":
            for y, values in zip(trace["y"], trace["z"]):
                for x, z in zip(trace["x"], values):
                    rows.setdefault(str(y), {})[str(x)] = as_text(z)
                    columns += [str(x)] if str(x) not in columns else []
            continue
        horizontal = trace.get("orientation") == "h"
        categories, values = (trace.get("y", []), trace.get("x", [])) if horizontal else (trace["x"], trace["y"])
        name = str(trace.get("name") or "Value")
        columns += [name] if name not in columns else []
        # a bar's text is a label on it (its band, its count); a marker's text stands for a value it has not
        texts = trace.get("text") if trace.get("type") != "bar" else None
        for i, (category, value) in enumerate(zip(categories, values)):
            text = texts if isinstance(texts, str) else (texts[i] if isinstance(texts, list) else None)
            rows.setdefault(str(category), {})[name] = as_text(value) if text is None else str(text)
    if not rows:
        return ""
    head = [f'<th scope="col">{escape(rows_are)}</th>'] + [f'<th scope="col">{escape(c)}</th>' for c in columns]
    body = (
        f'<tr><th scope="row">{escape(category)}</th>'
        + "".join(f'<td class="num">{escape(cells.get(c, "–"))}</td>' for c in columns)
        + "</tr>"
        for category, cells in rows.items()
    )
    return (
        f'<details class="chart-figures"><summary>The figures in this chart</summary>'
        f"{table(head, body, f'Figures: {title}')}</details>"
    )


def chart_id(*parts: str) -> str:
    """A chart's element id, e.g. `chart-cmp-NI59`: also its anchor in the page."""
    return "chart-" + "-".join("".join(ch if ch.isalnum() else "_" for ch in str(p)) for p in parts)


def bar(x, y, name: str | None = None, colour: str | None = None, pattern: str = "", **extra) -> dict:
    """A plotly.js bar trace, filled with `colour` and hatched with `pattern` (one of PATTERNS) if given."""
    trace = {"type": "bar", "x": list(x), "y": list(y), **extra}
    if name is not None:
        trace["name"] = name
    if colour is not None or pattern:
        trace["marker"] = ({"color": colour} if colour else {}) | (
            {"pattern": {"shape": pattern, "fillmode": "overlay", "fgcolor": "#1f2933", "fgopacity": 0.55}}
            if pattern
            else {}
        )
    return trace


def floats(values) -> list[float | None]:
    """Values for a trace: numbers as floats, missing ones as None (a gap)."""
    return [None if missing(v) else float(v) for v in values]


def label_margin(labels, font_size: int) -> int:
    """Pixels a column of tick labels needs, generously estimated from the longest one (for a fixed margin)."""
    return 24 + round(0.62 * font_size * max((len(str(label)) for label in labels), default=0))


def _json(value) -> str:
    """JSON for inline script: plotly's encoder (NaN → null, numpy values) with `<`, `>` and `/` escaped."""
    return to_json_plotly(value, engine="json")
