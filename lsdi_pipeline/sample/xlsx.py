"""Byte-for-byte reproducible .xlsx files: fixed document dates and zip timestamps."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

FIXED_STAMP = "2008-01-01T00:00:00Z"


def make_reproducible(path: Path) -> None:
    """Rewrite a workbook openpyxl saved so that saving the same content twice gives the same bytes."""
    with zipfile.ZipFile(path) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + FIXED_STAMP.encode(), data)
            info = zipfile.ZipInfo(name, date_time=(2008, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
