"""How the return template looks on screen and on paper: its fonts, fills, borders, row heights and print set-up.

Row heights are computed, not left to the spreadsheet: Excel does not grow a row to fit wrapped text that a file
arrives with, so a paragraph of instructions would show as its first line. A cell's text is wrapped here as the
spreadsheet wraps it, word by word, measured with Arial's character widths (Liberation Sans, LibreOffice's Arial,
has the same), and each row is made as tall as its tallest cell.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

FONT_NAME = "Arial"
FONT_SIZE = 10
BODY = Font(name=FONT_NAME, size=FONT_SIZE)
BOLD = Font(name=FONT_NAME, size=FONT_SIZE, bold=True)
HEADING = Font(name=FONT_NAME, size=12, bold=True)
TITLE = Font(name=FONT_NAME, size=14, bold=True)
#: header cells: a mid blue that stays distinct from the input cells' yellow on a grey-scale printer too
HEADER_FILL = PatternFill("solid", fgColor="BDD7EE")
#: the cells an officer fills in, shaded as forms shade them (Excel's own "input" yellow)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
NO_FILL = PatternFill()
_LINE = Side(style="thin", color="A6A6A6")
GRID = Border(left=_LINE, right=_LINE, top=_LINE, bottom=_LINE)

#: Arial's advance widths in thousandths of the font size, from the space (32) to the tilde (126)
_ARIAL_WIDTHS = (
    (278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278)
    + (556,) * 10
    + (278, 278, 584, 584, 584, 556, 1015)
    + (667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833)
    + (722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611)
    + (278, 278, 278, 469, 556, 333)
    + (556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833)
    + (556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500)
    + (334, 260, 334, 584)
)
#: characters beyond ASCII that the template's text uses
_OTHER_WIDTHS = {"—": 1000, "–": 556, "÷": 584, "×": 584, "’": 222, "‘": 222, "…": 1000, "£": 556, "é": 556}
_WIDEST = 1015
#: bold Arial is about 8% wider; allow a little more
_BOLD_FACTOR = 1.1
#: Excel's column width unit is the width of a digit of the default font (7 pixels at 96 dpi); a cell keeps a few
#: pixels of margin on each side
_DIGIT_PX, _COLUMN_PADDING_PX, _CELL_MARGIN_PX = 7, 5, 6
#: line spacing as a multiple of the font size, and the room above and below a cell's text, in points
_LINE_SPACING, _ROW_PADDING_PT = 1.25, 3.0


def _char_width(char: str) -> int:
    code = ord(char)
    if 32 <= code <= 126:
        return _ARIAL_WIDTHS[code - 32]
    return _OTHER_WIDTHS.get(char, _WIDEST if code > 0x2E7F else 600)


def text_width_px(text: str, font: Font = BODY) -> float:
    """How wide `text` is drawn in `font`, in pixels at 96 dpi."""
    px_per_em = round((font.sz or FONT_SIZE) * 96 / 72)  # a whole number of pixels, as screens draw it
    factor = _BOLD_FACTOR if font.b else 1.0
    return sum(_char_width(c) for c in text) / 1000 * px_per_em * factor


def column_px(width: float) -> float:
    """The room for text in a column of `width` (Excel's width units)."""
    return width * _DIGIT_PX + _COLUMN_PADDING_PX - _CELL_MARGIN_PX


def wrapped_lines(text: str, width: float, font: Font = BODY) -> int:
    """How many lines `text` takes wrapped in a column of `width`: word by word, a word too long for a line broken
    where it reaches the edge, each line break in the text starting a new line."""
    room = column_px(width)
    space = text_width_px(" ", font)
    lines = 0
    for paragraph in str(text).split("\n"):
        lines += 1
        used = 0.0
        for word in paragraph.split(" "):
            word_px = text_width_px(word, font)
            needed = word_px if used == 0 else used + space + word_px
            if needed <= room:
                used = needed
                continue
            if used > 0:
                lines += 1
            while word_px > room:  # a word wider than the column runs on over whole lines
                lines += 1
                word_px -= room
            used = word_px
    return lines


def line_height(font: Font = BODY) -> float:
    return (font.sz or FONT_SIZE) * _LINE_SPACING


def fit_row(ws: Worksheet, row: int, minimum: float = 0.0) -> float | None:
    """Make `row` as tall as its tallest wrapped cell (and at least `minimum` points); a row of single lines keeps the
    spreadsheet's own height, so that it still grows to fit what an officer types. Returns the height set, or None."""
    tallest = 0.0
    needs_height = minimum > 0
    for cell in ws[row]:
        if cell.value is None:
            continue
        font = cell.font or BODY
        width = ws.column_dimensions[cell.column_letter].width or 8.43
        lines = wrapped_lines(str(cell.value), width, font) if cell.alignment.wrap_text else 1
        needs_height |= lines > 1 or (font.sz or FONT_SIZE) > FONT_SIZE
        tallest = max(tallest, lines * line_height(font) + _ROW_PADDING_PT)
    if not needs_height:
        return None
    height = math.ceil(max(tallest, minimum) / 0.75) * 0.75  # a whole number of pixels, as Excel stores it
    ws.row_dimensions[row].height = height
    return height


def fit_rows(ws: Worksheet, rows: Iterable[int], minimum: float = 0.0) -> None:
    for row in rows:
        fit_row(ws, row, minimum)


def print_setup(ws: Worksheet, footer: str, *, last_column: int, last_row: int, title_rows: int | None = 1) -> None:
    """Landscape A4, one page wide, the header row(s) on every page, the form as the print area, and a footer naming
    the return (`footer`, in the footer's own code: `&` written as `&&`), the sheet and the page."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.75, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = f"1:{title_rows}"
    ws.print_area = f"A1:{get_column_letter(last_column)}{last_row}"
    ws.oddFooter.left.text = footer
    ws.oddFooter.left.font = FONT_NAME
    ws.oddFooter.left.size = 8
    ws.oddFooter.center.text = "&A"
    ws.oddFooter.center.font = FONT_NAME
    ws.oddFooter.center.size = 8
    ws.oddFooter.right.text = "Page &P of &N"
    ws.oddFooter.right.font = FONT_NAME
    ws.oddFooter.right.size = 8
