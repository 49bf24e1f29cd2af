"""Properties over files nobody wrote on purpose: random bytes, random zip members, mutated copies of the
bundled workbooks. Whatever arrives, no run fails, every data row of a readable file becomes a figure or
a rejected row, no figure is other than finite, and no file costs more than the limits of one return."""

from __future__ import annotations

import io
import math
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lsdi_pipeline import codes
from lsdi_pipeline.returns.batch import _parse_all
from lsdi_pipeline.returns.format import Limits
from lsdi_pipeline.returns.reader import FileRejected, read_book
from lsdi_pipeline.returns.values import MAX_MAGNITUDE
from lsdi_pipeline_tests.pipeline import BUNDLED_RAW, copy_bundled_raw, lsdi_run_ok, query
from lsdi_pipeline_tests.returns_builder import RECEIVED_AT, reference_data

BUNDLED = {
    path.name: path.read_bytes()
    for path in sorted((BUNDLED_RAW / "returns").iterdir())
    if path.suffix in (".xlsx", ".csv")
}
WORKBOOKS = sorted(name for name in BUNDLED if name.endswith(".xlsx"))
#: fragments a mutation splices into a part: far cells, formulas, odd numbers, broken markup, entities
SNIPPETS = [
    b'<row r="10001"><c r="A10001"><v>1</v></c></row>',
    b"<c r='cv3'><v>1</v></c>",
    b"<c><f>1/0</f><v>1e999</v></c>",
    b'<c r="E2"><v>5e306</v></c>',
    b"<c <c <c <c",
    b"&lol;",
    b"<!DOCTYPE x>",
    b"</sheetData>",
    b"<row>",
    b"\x00\xff",
    b'<mergeCell ref="A1:Z99"/>',
    b't="s"',
    b"<v>-0</v>",
    b'"',
    b"E09000005",
    b"2080-01-01",
    b'\r\n,"',
    b"NaN",
]


def _rezip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


@st.composite
def mutated_workbook(draw) -> tuple[str, bytes]:
    data = BUNDLED[draw(st.sampled_from(WORKBOOKS))]
    if draw(st.booleans()):  # damage the archive's bytes
        cut = draw(st.integers(0, len(data)))
        return "xlsx", data[:cut] + draw(st.binary(max_size=64)) + data[cut + draw(st.integers(0, 64)) :]
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # damage one part's markup, keeping the archive valid
        members = {info.filename: z.read(info) for info in z.infolist()}
    name = draw(st.sampled_from(sorted(members)))
    part = members[name]
    at = draw(st.integers(0, len(part)))
    members[name] = (
        part[:at] + draw(st.sampled_from(SNIPPETS)) * draw(st.integers(1, 40)) + part[at + draw(st.integers(0, 200)) :]
    )
    return "xlsx", _rezip(members)


@st.composite
def random_zip(draw) -> tuple[str, bytes]:
    names = st.sampled_from(
        [
            "[Content_Types].xml",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/worksheets/sheet1.xml",
            "xl/sharedStrings.xml",
            "xl/styles.xml",
            "_rels/.rels",
            "docProps/core.xml",
            "../../etc/x",
        ]
    )
    contents = st.one_of(
        st.binary(max_size=300), st.sampled_from(SNIPPETS), st.just(b'<?xml version="1.0"?><workbook/>')
    )
    return "xlsx", _rezip(draw(st.dictionaries(names, contents, max_size=8)))


@st.composite
def mutated_csv(draw) -> tuple[str, bytes]:
    data = BUNDLED["tower_hamlets_police_export.csv"]
    at = draw(st.integers(0, len(data)))
    return "csv", data[:at] + draw(st.sampled_from(SNIPPETS)) + data[at + draw(st.integers(0, 100)) :]


ANY_FILE = st.one_of(
    mutated_workbook(),
    random_zip(),
    mutated_csv(),
    st.tuples(st.sampled_from(["xlsx", "csv"]), st.binary(max_size=2048)),
)


def _data_rows(path: Path) -> set[int] | None:
    """The PI data rows holding something, read without the parser (None if the file cannot be read at all)."""
    try:
        book = read_book(path)
    except FileRejected:
        return None
    sheet = next((s for name, s in book.sheets.items() if codes.normalise_label(name) == "pi data"), None)
    return (
        None
        if sheet is None
        else {
            n
            for n, cells in sheet.rows[1:]
            if any(c.value not in (None, "") and str(c.value).strip("\u00a0 ") for c in cells)
        }
    )


def _check_accounted(path: Path, result) -> None:
    reason = result.reject_reason or ""
    assert (
        "longer than" not in reason and "MiB of memory" not in reason and "process reading it stopped" not in reason
    ), reason
    for fact in result.pi_values:
        for name in ("value", "numerator", "denominator"):
            assert fact[name] is None or (math.isfinite(fact[name]) and abs(fact[name]) <= MAX_MAGNITUDE)
    if result.status == "rejected":
        assert not result.pi_values and not result.rejected_rows and [i["severity"] for i in result.issues] == ["error"]
        return
    placed = [f["row_number"] for f in result.pi_values] + [
        r["row_number"] for r in result.rejected_rows if r["sheet"] == "PI data"
    ]
    assert len(placed) == len(set(placed))
    assert set(placed) == _data_rows(path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(files=st.lists(ANY_FILE, min_size=1, max_size=6))
def test_any_file_is_read_within_its_limits_and_every_row_is_accounted_for(files):
    register, catalogue = reference_data()
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for i, (suffix, data) in enumerate(files):
            paths.append(Path(folder) / f"file{i}.{suffix}")
            paths[-1].write_bytes(data)
        entries = [
            {"submission_id": i, "file_name": p.name, "received_at": RECEIVED_AT, "archive_path": p.name}
            for i, p in enumerate(paths, start=1)
        ]
        results = _parse_all(entries, Path(folder), register, catalogue, Limits())
        for path, result in zip(paths, results):
            event(result.status)
            _check_accounted(path, result)


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(files=st.lists(ANY_FILE, min_size=3, max_size=5))
def test_no_run_fails_whatever_arrives(files):
    from lsdi_pipeline_tests.test_hostile_returns import _loaded

    with tempfile.TemporaryDirectory() as folder:
        raw, warehouse = copy_bundled_raw(Path(folder) / "raw"), Path(folder) / "warehouse"
        bundled_files = {p.name for p in (raw / "returns").iterdir()}
        for i, (suffix, data) in enumerate(files):
            (raw / "returns" / f"generated_{i}.{suffix}").write_bytes(data)
        for _ in range(2):  # the second run starts from whatever the first left
            lsdi_run_ok(raw, warehouse)
            subs = query(warehouse, "SELECT file_name, status FROM submission")
            assert set(subs["file_name"]) == bundled_files | {f"generated_{i}.{s}" for i, (s, _) in enumerate(files)}
            facts = _loaded(warehouse)["facts"]
            assert (facts[["value", "numerator", "denominator"]].abs().max().fillna(0) <= MAX_MAGNITUDE).all()
            assert set(facts["file_name"]) >= {"brent_lsdi_return_2007-08.xlsx", "tower_hamlets_police_export.csv"}
