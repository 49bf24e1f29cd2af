"""What the pipeline's pages are to a reader who does not use a mouse or a wide screen: the Phase I report, a
borough's feedback page and the data team's feedback index, built by a real run over the bundled data, opened in
headless Chromium with every network request refused, and checked by axe-core (the accessibility engine, from
the npm registry, pinned in package.json) for serious or critical violations, at a desktop width and at a
phone's 390 px, where nothing may scroll the page sideways.
"""

from __future__ import annotations

import json
import os
from functools import cached_property
from pathlib import Path

import pytest

from lsdi_pipeline_tests.browser import chromium
from lsdi_pipeline_tests.pipeline import copy_bundled_raw, materialize_all

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP, PHONE = 1280, 390
#: the impacts a page may not have (axe's four are minor, moderate, serious, critical)
BLOCKING = ("serious", "critical")


def _browser_tools():
    """(chromium, axe-core's source), or a skip saying what is missing; in CI a missing axe-core fails."""
    path = chromium()
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")
    if not AXE.exists():
        message = f"axe-core is not installed ({AXE} is missing): run `npm ci`, as `make test` does"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path, AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    """The reports folder of a real run over the bundled raw data."""
    root = tmp_path_factory.mktemp("accessibility")
    warehouse = root / "warehouse"
    materialize_all(copy_bundled_raw(root / "raw"), warehouse)
    return warehouse / "reports"


@pytest.fixture(scope="module")
def pages(reports) -> dict[str, Path]:
    """The three pages checked: the report, the borough feedback page with the most to say, and the index."""
    feedback = reports / "feedback"
    borough_pages = sorted(feedback.glob("E*/*.html"), key=lambda p: (-p.stat().st_size, p.name))
    assert borough_pages, f"no borough feedback page in {feedback}"
    return {
        "report": reports / "phase1_report.html",
        "feedback page": borough_pages[0],
        "feedback index": feedback / "index.html",
    }


@pytest.fixture(scope="module")
def browser():
    path, _ = _browser_tools()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


class Opened:
    """A page opened offline at a width: the Playwright page and every request it tried beyond its own file."""

    def __init__(self, browser, path: Path, width: int):
        self.context = browser.new_context(viewport={"width": width, "height": 900}, offline=True)
        self.page = self.context.new_page()
        self.refused: list[str] = []
        self.page.route("**/*", self._only_files)
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        # every chart drawn before anything is measured: plotly.js draws them during load
        self.page.wait_for_function(
            "[...document.querySelectorAll('.plotly-graph-div')].every(d => d.classList.contains('js-plotly-plot'))",
            timeout=30_000,
        )

    def _only_files(self, route) -> None:
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            self.refused.append(route.request.url)
            route.abort()

    @cached_property
    def axe_violations(self) -> list[dict]:
        # evaluated through the DevTools protocol, so the page's content security policy does not stop it
        self.page.evaluate(_browser_tools()[1])
        result = self.page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        return result["violations"]

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def opened(browser):
    """Opens a page at a width once for the module (the report draws dozens of charts: each load takes seconds)."""
    cache: dict[tuple[Path, int], Opened] = {}

    def open_page(path: Path, width: int) -> Opened:
        if (path, width) not in cache:
            cache[path, width] = Opened(browser, path, width)
        return cache[path, width]

    yield open_page
    for page in cache.values():
        page.close()


def _described(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['impact']}: {v['id']} — {v['help']} ({v['helpUrl']})\n"
        + "\n".join(f"    {node['target']}: {node['failureSummary']}" for node in v["nodes"][:5])
        for v in violations
    )


@pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("which", ["report", "feedback page", "feedback index"])
def test_axe_finds_no_serious_or_critical_violation(pages, opened, which, width):
    page = opened(pages[which], width)
    violations = page.axe_violations
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{which} at {width} px:\n{_described(blocking)}"
    assert page.refused == [], f"{which} tried to load {page.refused}"


@pytest.mark.parametrize("which", ["report", "feedback page", "feedback index"])
def test_nothing_scrolls_the_page_sideways_on_a_phone(pages, opened, which):
    page = opened(pages[which], PHONE)
    width = page.page.evaluate("document.documentElement.scrollWidth")
    too_wide = page.page.evaluate(
        """[...document.body.querySelectorAll('*')]
            .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.scroll'))
            .slice(0, 5).map(e => e.outerHTML.slice(0, 120))"""
    )
    assert width <= PHONE, f"{which} is {width} px wide at {PHONE} px: {too_wide}"


def test_the_key_findings_links_lead_to_their_sections(pages, opened):
    page = opened(pages["report"], DESKTOP).page
    links = page.evaluate(
        """[...document.querySelectorAll('#key-findings a[href^="#"]')].map(a => {
            const target = document.getElementById(a.getAttribute('href').slice(1));
            return {href: a.getAttribute('href'), found: !!target,
                    section: target && target.closest('section') ? target.closest('section').id : null};
        })"""
    )
    assert len(links) == 6, links
    assert all(link["found"] for link in links), links
    assert [link["section"] for link in links] == ["mapping", "pilot", "cadence", "comparison", "bias", "phase2"]
    # and every other link within the page (contents, the list of charts) has somewhere to go
    dangling = page.evaluate(
        """[...document.querySelectorAll('a[href^="#"]')].map(a => a.getAttribute('href'))
            .filter(href => !document.getElementById(href.slice(1)))"""
    )
    assert dangling == []


def test_a_link_to_a_section_scrolls_it_into_view_on_a_phone(pages, opened):
    page = opened(pages["report"], PHONE).page
    page.click('#key-findings a[href="#phase2"]')
    page.wait_for_function("location.hash === '#phase2'")
    top = page.evaluate("document.getElementById('phase2').getBoundingClientRect().top")
    assert abs(top) < 5, top


def test_the_charts_figures_are_readable_as_text(pages, opened):
    page = opened(pages["report"], DESKTOP).page
    charts = page.evaluate(
        """[...document.querySelectorAll('figure.chart')].map(f => ({
            name: (document.getElementById(f.getAttribute('aria-labelledby')) || {}).textContent,
            drawn: !!f.querySelector('.js-plotly-plot .main-svg'),
            rows: f.querySelectorAll('details.chart-figures tbody tr').length}))"""
    )
    assert len(charts) >= 10, json.dumps(charts)  # the bundled data draw the mapping, pilot, comparison… charts
    assert all(c["name"] and c["drawn"] and c["rows"] for c in charts), json.dumps(charts)
