"""Great Expectations Data Docs that open offline: the site's pages with nothing loaded from the network.

GX's pages load jQuery, Bootstrap, bootstrap-table, Font Awesome, Vega and its logo from CDNs, and its index page
draws its tables with bootstrap-table, so without the network the index is blank. Here every page's CDN references
are replaced by local copies of jQuery and Bootstrap from their XStatic packages (the Python packaging of those
files), Font Awesome's three status icons by characters, and GX's logo by the copy GX ships in the site; the index
is our own page, plain HTML drawn from the validation results, linking each suite's GX pages.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

VENDOR = "static/vendor"
_OWN_CSS = """
.fa-check-circle::before { content: "\\2714"; } .fa-times::before { content: "\\2716"; }
.fa-comment::before { content: "\\1F5E8"; } .fas { font-style: normal; }
body { padding-bottom: 3rem; } .lsdi-failed { color: #b00020; font-weight: 600; } .lsdi-passed { color: #1b6e20; }
"""
#: a CDN reference: a script or stylesheet tag naming an http(s) address
_REMOTE_TAG = re.compile(r"<(script|link)\b[^>]*\b(?:src|href)=\"https?://[^\"]*\"[^>]*>(?:\s*</script>)?", re.I)
_REMOTE_IMAGE = re.compile(r"src=\"https://great-expectations-web-assets[^\"]*/logo-long\.png[^\"]*\"")
_REMOTE_CSS_URL = re.compile(r"url\('https?://[^']*'\)")


def _vendor_files() -> dict[str, Path]:
    import xstatic.pkg.bootstrap as bootstrap
    import xstatic.pkg.jquery as jquery

    return {
        "jquery.min.js": Path(jquery.BASE_DIR) / "jquery.min.js",
        "bootstrap.min.css": Path(bootstrap.BASE_DIR) / "css" / "bootstrap.min.css",
        "bootstrap.bundle.min.js": Path(bootstrap.BASE_DIR) / "js" / "bootstrap.bundle.min.js",  # Popper included
    }


def _local_head(root: str) -> str:
    return (
        f'<link rel="stylesheet" href="{root}{VENDOR}/bootstrap.min.css">'
        f'<link rel="stylesheet" href="{root}{VENDOR}/lsdi.css">'
        f'<script src="{root}{VENDOR}/jquery.min.js"></script>'
        f'<script src="{root}{VENDOR}/bootstrap.bundle.min.js"></script>'
    )


def offline_page(page: str, root: str) -> str:
    """A GX page with its CDN references replaced by the site's local copies; `root` leads from the page to the
    site's folder (`../../` for a page two folders down). A page already made offline is returned as it is."""
    if f"{VENDOR}/lsdi.css" in page:
        return page
    page = _REMOTE_TAG.sub("", page)
    page = _REMOTE_IMAGE.sub(f'src="{root}static/images/logo-long.png"', page)
    page = _REMOTE_CSS_URL.sub("none", page)
    return page.replace("</head>", _local_head(root) + "</head>", 1)


def index_page(outcomes: Iterable, run_time: datetime, pages: dict[str, tuple[str | None, str | None]]) -> str:
    """The site's index: each suite's result and its expectations, one row each, with links to GX's pages
    (`pages`: suite → its validation page and its suite page, relative to the site)."""
    by_suite: dict[str, list] = {}
    for outcome in outcomes:
        by_suite.setdefault(outcome.suite, []).append(outcome)
    rows, sections = [], []
    for suite, results in by_suite.items():
        failed = [o for o in results if not o.success]
        validation, definition = pages.get(suite, (None, None))
        links = " · ".join(
            f'<a href="{html.escape(href)}">{label}</a>'
            for href, label in ((validation, "validation result"), (definition, "expectation suite"))
            if href
        )
        rows.append(
            f'<tr><th scope="row"><a href="#{suite}">{html.escape(suite)}</a></th>{_status(not failed)}'
            f"<td>{len(results) - len(failed)} of {len(results)}</td><td>{links}</td></tr>"
        )
        lines = "".join(
            f"<tr><td>{html.escape(o.check_name)}</td><td><code>{html.escape(o.expectation)}</code></td>"
            f"<td>{html.escape(o.column or '')}</td>{_status(o.success)}"
            f"<td>{o.unexpected_count:,} of {o.element_count:,} ({o.unexpected_percent:.1f}%)</td></tr>"
            for o in results
        )
        sections.append(
            f'<h2 id="{suite}" class="h4 mt-4">{html.escape(suite)}</h2>'
            '<table class="table table-sm table-bordered"><thead class="thead-light"><tr><th scope="col">Rule</th>'
            '<th scope="col">Expectation</th><th scope="col">Column</th><th scope="col">Result</th>'
            f'<th scope="col">Rows not meeting it</th></tr></thead><tbody>{lines}</tbody></table>'
        )
    when = f"{run_time:%Y-%m-%d %H:%M:%S} UTC"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Data Docs: LSDI expectation suites, run of {when}</title>{_local_head("")}</head>
<body><main class="container-fluid p-4">
<h1 class="h3">Great Expectations validation results</h1>
<p>Run of {when}: {len(by_suite)} suites, {sum(len(r) for r in by_suite.values())} expectations. Each suite's
validation result and expectation suite are Great Expectations' own pages.</p>
<table class="table table-sm table-bordered w-auto"><thead class="thead-light"><tr><th scope="col">Suite</th>
<th scope="col">Result</th><th scope="col">Expectations met</th><th scope="col">Pages</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
{"".join(sections)}
</main></body></html>
"""


def _status(success: bool) -> str:
    return '<td class="lsdi-passed">Passed</td>' if success else '<td class="lsdi-failed">Failed</td>'


def make_offline(site: Path, outcomes: list, run_time: datetime) -> None:
    """Make the Data Docs site under `site`, just built by GX for `run_time` (without its index), open without the
    network, with an index of this run's pages alone."""
    _remove_earlier_pages(site, {o.suite for o in outcomes}, run_time)
    vendor = site / VENDOR
    vendor.mkdir(parents=True, exist_ok=True)
    for name, source in _vendor_files().items():
        shutil.copyfile(source, vendor / name)
    (vendor / "lsdi.css").write_text(_OWN_CSS, encoding="utf-8")
    for page in site.rglob("*.html"):
        if page.parent == site:
            continue  # the index is written below
        root = "../" * (len(page.relative_to(site).parts) - 1)
        page.write_text(offline_page(page.read_text(encoding="utf-8"), root), encoding="utf-8")
    stamp = run_time.strftime("%Y%m%dT%H%M%S.%fZ")
    pages = {}
    for suite in dict.fromkeys(o.suite for o in outcomes):
        validation = next(iter(sorted((site / "validations" / suite).glob(f"*/{stamp}/*.html"))), None)
        definition = site / "expectations" / f"{suite}.html"
        pages[suite] = (
            validation.relative_to(site).as_posix() if validation else None,
            definition.relative_to(site).as_posix() if definition.exists() else None,
        )
    (site / "index.html").write_text(index_page(outcomes, run_time, pages), encoding="utf-8")


def _remove_earlier_pages(site: Path, suites: set[str], run_time: datetime) -> None:
    """Remove what GX's own index builder removes as it lists the site (the index is ours): the validation pages of
    earlier runs and the pages of suites not validated now. Their folders stay, as GX leaves them."""
    stamp = run_time.strftime("%Y%m%dT%H%M%S.%fZ")
    for page in (site / "validations").rglob("*.html"):
        if stamp not in page.relative_to(site).parts:
            page.unlink()
    for page in (site / "expectations").glob("*.html"):
        if page.stem not in suites:
            page.unlink()
