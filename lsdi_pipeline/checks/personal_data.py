"""Personal data in free text: what must not be in an aggregate return.

Narratives, comments and notes are screened for NHS numbers (with a valid check digit),
unique pupil numbers (with a valid check letter), dates of birth, full postcodes and phrases
naming a child. Text is kept as written in the warehouse; `mask` is what every published
output (reports, feedback to other parties) shows instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NHS = re.compile(r"(?<!\d)(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")
_UPN = re.compile(r"\b([A-HJ-NP-RT-Z])(\d{12})\b")
_POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE)
_DATE = (
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:19|20)?\d{2}"
    r"|\d{1,2}(?:st|nd|rd|th)? [A-Za-z]{3,9},? (?:19|20)\d{2}"
    r"|(?:19|20)\d{2}-\d{2}-\d{2})"
)
_BIRTH_DATE = re.compile(rf"\b(?:d\.?o\.?b\.?|date of birth|born(?: on)?)\s*[:\-]?\s*({_DATE})", re.IGNORECASE)
_NAMED_CHILD = re.compile(
    r"\b(?:(?i:child|boy|girl|baby|infant|young person|yp|pupil|sibling|son|daughter)\s+(?i:called|named|known as)\s+"
    r"|(?i:master|miss)\s+)([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"
    r"|\b([A-Z][a-z]+\s+[A-Z][a-z]+)\s*\(?\s*(?i:aged|age)\s+\d{1,2}\b"
)
_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


@dataclass(frozen=True)
class PersonalData:
    kind: str
    start: int
    end: int


def _nhs_number_valid(digits: str) -> bool:
    """The NHS number's modulus-11 check digit."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _upn_valid(letter: str, digits: str) -> bool:
    """The unique pupil number's check letter: Σ character × position (2–13) mod 23."""
    return _UPN_LETTERS[sum(int(d) * w for d, w in zip(digits, range(2, 14), strict=True)) % 23] == letter


def find_personal_data(text: str | None) -> list[PersonalData]:
    """Every piece of personal data found in `text`, in order."""
    if not text:
        return []
    found = []
    for m in _NHS.finditer(text):
        if _nhs_number_valid("".join(m.groups())):
            found.append(PersonalData("NHS number", m.start(), m.end()))
    for m in _UPN.finditer(text):
        if _upn_valid(m.group(1), m.group(2)):
            found.append(PersonalData("unique pupil number", m.start(), m.end()))
    for m in _BIRTH_DATE.finditer(text):
        found.append(PersonalData("date of birth", m.start(1), m.end(1)))
    for m in _POSTCODE.finditer(text):
        found.append(PersonalData("postcode", m.start(), m.end()))
    for m in _NAMED_CHILD.finditer(text):
        group = 1 if m.group(1) else 2
        found.append(PersonalData("child's name", m.start(group), m.end(group)))
    return sorted(found, key=lambda p: p.start)


def mask(text: str | None, found: list[PersonalData] | None = None) -> str | None:
    """`text` with every piece of personal data (`found` in it, if already looked for) replaced by a label such as
    [NHS number removed]."""
    if not text:
        return text
    pieces, last = [], 0
    for item in find_personal_data(text) if found is None else found:
        if item.start < last:
            continue  # overlapping matches: the first one already hid it
        pieces += [text[last : item.start], f"[{item.kind} removed]"]
        last = item.end
    return "".join(pieces) + text[last:]


def describe(found: list[PersonalData]) -> str:
    kinds = sorted({item.kind for item in found})
    return ", ".join(kinds[:-1]) + (" and " if len(kinds) > 1 else "") + kinds[-1]
