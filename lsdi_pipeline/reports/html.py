"""HTML for the reports: escaping, how a value is shown, tables, the page skeleton and embedded charts.

Used by the Phase I report and the borough feedback pages. Every piece of text goes through `escape`
(`as_text` formats a value, it does not escape it). Charts are plain plotly.js dicts drawn by
`Plotly.newPlot`, with plotly.js embedded once in the page (`plotly_script`), so a page opens offline.
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


def heading(text: str) -> str:
    return f"<h3>{escape(text)}</h3>"


def empty(message: str) -> str:
    """What a section says where it has nothing to show."""
    return f'<p class="empty">{escape(message)}</p>'


# -- tables -----------------------------------------------------------------------------------------------------


def table(head: Iterable[str], rows: Iterable[str]) -> str:
    """A table of header cells and body rows, each already HTML (`<th>…</th>`, `<tr>…</tr>`)."""
    return f"<table><thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def frame_table(frame: pd.DataFrame, columns: Mapping[str, str], empty_text: str = "Nothing to show.") -> str:
    """The frame's `columns` (name → heading) as a scrollable table of display text, numbers and dates aligned;
    `empty_text` said instead when it has no rows."""
    if frame.empty:
        return empty(empty_text)
    head = (f'<th scope="col">{escape(title)}</th>' for title in columns.values())
    rows = (
        "<tr>" + "".join(f"<td{_cell_class(v)}>{escape(as_text(v))}</td>" for v in record) + "</tr>"
        for record in frame[list(columns)].itertuples(index=False)
    )
    return f'<div class="scroll">{table(head, rows)}</div>'


def _cell_class(value) -> str:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        return ' class="num"'
    if isinstance(value, (date, pd.Timestamp)):
        return ' class="date"'
    return ""


# -- the page ---------------------------------------------------------------------------------------------------


def document(title: str, style: str, body: str, *, meta: str = "", scripts: str = "") -> str:
    """A whole HTML page: `meta` tags straight after the character set (a content security policy must come before
    what it governs), `scripts` after the style; both already HTML."""
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">{meta}<title>{escape(title)}</title>'
        f"<style>{style}</style>{scripts}</head><body>{body}</body></html>"
    )


def plotly_script() -> str:
    """plotly.js, to embed once in the head of a page with charts."""
    return f"<script>{get_plotlyjs()}</script>"


# -- charts -----------------------------------------------------------------------------------------------------


def chart(data: list[dict], layout: dict, chart_id: str, caption: str, height: int = 420) -> str:
    """A chart as a div and the Plotly.newPlot call that draws it (plotly.js is in the page head), with the
    report's template, `height` and a caption. `data` and `layout` are plain plotly.js dicts: nothing validates them."""
    layout = {"template": CHART_TEMPLATE, **layout, "height": height}
    return (
        f'<figure class="chart" data-chart="{escape(chart_id)}"><div style="height:{height}px; width:100%;">'
        f'<div id="{escape(chart_id)}" class="plotly-graph-div" style="height:100%; width:100%;"></div>'
        f"<script>Plotly.newPlot({_json(chart_id)}, {_json(data)}, {_json(layout)}, {_json(CHART_CONFIG)});</script>"
        f"</div><figcaption>{escape(caption)}</figcaption></figure>"
    )


def chart_id(*parts: str) -> str:
    """A chart's element id, e.g. `chart-cmp-NI59`: also its anchor in the page."""
    return "chart-" + "-".join("".join(ch if ch.isalnum() else "_" for ch in str(p)) for p in parts)


def bar(x, y, name: str | None = None, colour: str | None = None, **extra) -> dict:
    """A plotly.js bar trace."""
    trace = {"type": "bar", "x": list(x), "y": list(y), **extra}
    if name is not None:
        trace["name"] = name
    if colour is not None:
        trace["marker"] = {"color": colour}
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
