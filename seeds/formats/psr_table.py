"""An official PSR annex table (the product-specific rules of one agreement in one HS edition), as
the parties publish it: a spreadsheet (.xlsx) or its CSV export.

Layout read: one row per annex line, under a header row found among the first 20 rows (rows above it,
such as a title, are ignored; in a workbook, the first sheet that has such a header). Header names
are matched liberally (case, spaces and punctuation ignored); values are checked strictly.

| column | accepted header names | value |
|---|---|---|
| code (required) | ``HS Code``, ``HS``, ``Code``, ``HS2022``, ``HS 2022 Code``, ``Heading``, ``Subheading``, ``Heading/Subheading``, ``Tariff Heading``, ``Tariff Classification``, ``Product Code`` | as the annex writes it: a chapter (``61``, ``Chapter 61``, ``Ch. 61``), heading (``61.01``, ``6101``), subheading (``6101.10``, ``610110``), ``ex`` before any of them (``ex 0302``), a range of one level (``84.25-84.30``), or several of these separated by ``,`` or ``;`` |
| rule (required) | ``Rule``, ``Rules``, ``PSR``, ``Product Specific Rule(s)``, ``Product-Specific Rule(s) of Origin``, ``Rule(s) of Origin``, ``Origin Criterion``, ``Criteria`` | the annex wording, compiled by ``seeds.formats.rule_text`` |
| ex (optional) | ``ex``, ``ex flag``, ``ex mark``, ``partial`` | ``ex`` / ``x`` / ``yes`` / ``true`` / ``1`` (the line covers only part of its code), or blank / ``no`` / ``false`` / ``0`` |
| notes (optional) | ``Note(s)``, ``Remark(s)``, ``Comment(s)``, ``Footnote(s)`` | free text; for an ``ex`` line, which part of the code it covers |
| description (optional) | ``Description``, ``Description of Goods``, ``Product Description``, ``Goods`` | kept with the line |

A row with a code but no rule is a title row of the annex (a chapter or heading caption) and is
skipped; a row whose code cell says ``Section ...`` likewise. A rule with no code, a code that is not
a chapter/heading/subheading, a range across levels or running backwards, a code typed as a decimal
number (``61.1`` may be ``61.10``: format the column as text), or a code written twice is an error
``file:row: column: message``; nothing is imported when any row is wrong. Whole numbers that lost a
leading zero in a spreadsheet (``302`` for ``0302``) are restored, as only one reading exists.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from engine.documents import numbered
from seeds.formats import Problems

_HEADER_ROWS = 20


def _key(text: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text).lower()) if text is not None else ""


_CODE_NAMES = {"hscode", "hscodes", "hs", "code", "codes", "heading", "headings", "subheading", "subheadings",
               "headingsubheading", "hsheading", "hssubheading", "hsheadingsubheading", "tariffheading",
               "tariffclassification", "productcode", "hstariffheading"}
_RULE_NAMES = {"rule", "rules", "psr", "psrs", "productspecificrule", "productspecificrules",
               "productspecificruleoforigin", "productspecificrulesoforigin", "ruleoforigin", "rulesoforigin",
               "origincriterion", "origincriteria", "criterion", "criteria", "productspecificrulespsr"}
_EX_NAMES = {"ex", "exflag", "exmark", "partial"}
_NOTE_NAMES = {"note", "notes", "remark", "remarks", "comment", "comments", "footnote", "footnotes"}
_DESCRIPTION_NAMES = {"description", "descriptionofgoods", "productdescription", "goods", "descriptionofproducts"}
_EDITION_HEADER = re.compile(r"^hs\d{4}(code|codes)?$")

_EX_TRUE = {"ex", "x", "yes", "y", "true", "1"}
_EX_FALSE = {"", "no", "n", "false", "0"}

_CHAPTER = re.compile(r"^(?:chapter|ch\.?)\s*(\d{1,2})$", re.IGNORECASE)
_ITEM = re.compile(r"^\d{2}(?:\.?\d{2}){0,2}$")


@dataclass(frozen=True)
class AnnexScope:
    """One code, or a range of codes of one level, that an annex line applies to."""

    low: str
    high: str
    ex: bool

    @property
    def text(self) -> str:
        """The scope as stored (``ex 0302``, ``8425-8430``, ``61``)."""
        code = self.low if self.low == self.high else f"{self.low}-{self.high}"
        return f"ex {code}" if self.ex else code


@dataclass(frozen=True)
class AnnexLine:
    row: int
    code_text: str
    scopes: tuple[AnnexScope, ...]
    rule_text: str
    note: str | None
    description: str | None


@dataclass(frozen=True)
class PsrTable:
    file: str  # as messages name it (with the sheet of a workbook)
    name: str  # the file's name
    lines: tuple[AnnexLine, ...]
    columns: dict[str, str]  # role -> header as written
    skipped_titles: int
    source: str


def _item(text: str) -> str | None:
    """Digits of one chapter / heading / subheading as an annex writes it, or None."""
    text = text.strip()
    chapter = _CHAPTER.match(text)
    if chapter:
        return chapter.group(1).zfill(2)
    text = text.replace(" ", "")
    return text.replace(".", "") if _ITEM.match(text) else None


def parse_scopes(text: str) -> tuple[tuple[AnnexScope, ...], str | None]:
    """The scopes of a code cell (``ex 0302``, ``84.25-84.30``, ``6101.10, 6101.20``), or an error message."""
    scopes = []
    for part in re.split(r"[;,]", text):
        part = part.strip()
        if not part:
            continue
        ex = False
        m = re.match(r"^ex\.?\s*(?=\d|ch)(.*)$", part, re.IGNORECASE)
        if m:
            ex, part = True, m.group(1)
        ends = [e for e in re.split(r"\s*[-\u2013\u2014]\s*|\s+to\s+", part) if e != ""]
        if len(ends) not in (1, 2):
            return (), f"expected a code or a range of two codes, got {part!r}"
        codes = [_item(e) for e in ends]
        if any(c is None for c in codes):
            bad = ends[codes.index(None)]
            return (), (f"{bad!r} is not a chapter, heading or subheading (e.g. 61, 61.01, 6101.10, "
                        "Chapter 61, ex 0302, 84.25-84.30)")
        low, high = codes[0], codes[-1]
        if len(low) != len(high):
            return (), f"the range {part!r} runs from a {len(low)}-digit to a {len(high)}-digit code"
        if low > high:
            return (), f"the range {part!r} runs backwards"
        scopes.append(AnnexScope(low, high, ex))
    if not scopes:
        return (), "no code"
    return tuple(scopes), None


def _cell_text(value: object, field: str) -> tuple[str, str | None]:
    """A cell as text; a decimal number in the code column is refused (its trailing zeros are lost)."""
    if value is None:
        return "", None
    if isinstance(value, bool):
        return str(value), None
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        digits = str(int(value))
        if field == "code":
            return (digits.zfill(len(digits) + len(digits) % 2)), None
        return digits, None
    if isinstance(value, float):
        if field == "code":
            return "", (f"{value!r} is a number, not text: trailing zeros are lost (61.1 may be 61.10); "
                        "format the code column as text")
        return repr(value), None
    return str(value).strip(), None


def _header(rows: list[tuple[int, list[object]]]) -> tuple[int, dict[str, int], dict[str, str]] | None:
    """The header row: the first that names a code column and a rule column."""
    for line, cells in rows[:_HEADER_ROWS]:
        columns: dict[str, int] = {}
        names: dict[str, str] = {}
        for i, cell in enumerate(cells):
            k = _key(cell)
            role = ("code" if k in _CODE_NAMES or _EDITION_HEADER.match(k) else
                    "rule" if k in _RULE_NAMES else
                    "ex" if k in _EX_NAMES else
                    "note" if k in _NOTE_NAMES else
                    "description" if k in _DESCRIPTION_NAMES else None)
            if role and role not in columns:
                columns[role], names[role] = i, str(cell).strip()
        if "code" in columns and "rule" in columns:
            return line, columns, names
    return None


def _rows_xlsx(path: Path, file: str, problems: Problems) -> tuple[list[tuple[int, list[object]]], str]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is no workbook
        problems.add(file, None, "", f"not a readable .xlsx workbook: {exc}")
        return [], ""
    try:
        for sheet in book.worksheets:
            rows = [(n, list(cells)) for n, cells in enumerate(sheet.iter_rows(values_only=True), start=1)]
            if _header(rows):
                return rows, sheet.title
        problems.add(file, None, "header", "no sheet has a header row naming a code column (e.g. 'HS Code') and a "
                                           f"rule column (e.g. 'Product Specific Rule') (sheets: "
                                           f"{', '.join(s.title for s in book.worksheets)})")
        return [], ""
    finally:
        book.close()


def _rows_csv(path: Path, file: str, problems: Problems) -> list[tuple[int, list[object]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [(line, list(cells)) for line, cells in numbered(csv.reader(handle))]
    except (UnicodeDecodeError, csv.Error) as exc:
        problems.add(file, None, "", f"not a readable CSV file (UTF-8 expected): {exc}")
        return []


def read_psr_table(path: Path, display: str | None = None) -> PsrTable:
    """Read an annex table (.xlsx or .csv); raise ``FormatError`` naming file, row and column."""
    problems = Problems()
    file = display or str(path)
    if not path.is_file():
        problems.add(file, None, "", "no such file")
        problems.check()
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows, sheet = _rows_xlsx(path, file, problems)
        where = f"{file} [{sheet}]" if sheet else file
    else:
        rows, where = _rows_csv(path, file, problems), file
    problems.check()
    found = _header(rows)
    if found is None:
        problems.add(where, rows[0][0] if rows else 1, "header",
                     "no header row naming a code column (e.g. 'HS Code') and a rule column (e.g. 'Product "
                     f"Specific Rule') in the first {_HEADER_ROWS} rows")
        problems.check()
    header_line, columns, names = found  # type: ignore[misc]

    def cell(cells: list[object], role: str, line: int) -> str:
        i = columns.get(role)
        if i is None or i >= len(cells):
            return ""
        text, error = _cell_text(cells[i], role)
        if error:
            problems.add(where, line, names[role], error)
        return text

    lines: list[AnnexLine] = []
    titles = 0
    seen: dict[tuple[str, str, bool], int] = {}
    for line, cells in rows:
        if line <= header_line or all(c is None or str(c).strip() == "" for c in cells):
            continue
        before = len(problems.items)
        code, rule = cell(cells, "code", line), " ".join(cell(cells, "rule", line).split())
        if len(problems.items) > before:
            continue
        if not code:
            if rule:
                problems.add(where, line, names["code"], "a rule with no code (a rule continued from the row "
                                                         "above? put the whole rule in one cell)")
            continue
        if not rule or code.lower().startswith("section"):
            titles += 1
            continue
        scopes, error = parse_scopes(code)
        if error:
            problems.add(where, line, names["code"], error)
            continue
        if "ex" in columns:
            mark = cell(cells, "ex", line).lower()
            if mark in _EX_TRUE:
                scopes = tuple(AnnexScope(s.low, s.high, True) for s in scopes)
            elif mark not in _EX_FALSE:
                problems.add(where, line, names["ex"], f"expected 'ex' or nothing (or yes/no), got {mark!r}")
                continue
        for s in scopes:
            key = (s.low, s.high, s.ex)
            if key in seen:
                problems.add(where, line, names["code"], f"{s.text} is written twice (first on row {seen[key]})")
            seen.setdefault(key, line)
        lines.append(AnnexLine(row=line, code_text=code, scopes=scopes, rule_text=rule,
                               note=cell(cells, "note", line) or None,
                               description=cell(cells, "description", line) or None))
    if not lines and not problems:
        problems.add(where, header_line, "", "the table has no annex line (a code with a rule)")
    problems.check()
    return PsrTable(file=where, name=Path(file).name, lines=tuple(lines), columns=names, skipped_titles=titles,
                    source=f"PSR annex table {Path(file).name}")
