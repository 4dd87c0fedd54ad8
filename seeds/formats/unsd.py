"""UN Statistics Division HS correlation tables: the UNSD workbook (.xlsx) and its CSV form.

Layouts read:

- **Workbook** (``HS2022toHS2017ConversionAndCorrelationTables.xlsx``): the sheet whose name says
  ``Correlation``; a title row (``Between``), then a header row naming the two editions
  (``HS2022 | HS2017 | Relationship``, or ``HS 2017 | (blank) | HS 2012 | Relationship`` where the
  blank column holds ``ex`` markers), then one row per link. Tables are written newer edition first.
- **CSV** (one row per link): one column per edition named ``hs2022`` / ``hs2017`` (any case, an
  optional space), optionally an ``ex`` marker column (``ex_flag_unsd`` or ``ex``); other columns
  (``relationship_unsd``, group ids, ...) are ignored.

Links always run from the older edition to the newer one, whatever the column order.

``partial`` (the link carries only part of the older code's goods, an "ex" link): where the table
has an ``ex`` column it is taken from it; otherwise it is derived the way UNSD marks it (a link is
partial when its older code has more than one partner). Both agree on every UNSD table we checked.
The kind of each link (1:1, 1:n, n:1, n:n) depends on its whole group and is derived by the writer.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from engine.documents import numbered
from seeds.formats import Problems, version_code

_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class CorrelationLink:
    """One link, older edition -> newer edition (attribute names match ``seeds.schema.CorrelationRow``)."""

    from_version: str
    from_code: str
    to_version: str
    to_code: str
    partial: bool
    line: int


@dataclass(frozen=True)
class CorrelationTable:
    file: str
    from_version: str
    to_version: str
    links: tuple[CorrelationLink, ...]
    partial_from: str  # "ex column" or "derived"
    source: str


def _code(value: object) -> tuple[str | None, bool]:
    """A 6-digit code from a cell (``'010121'``, ``10121``, ``'0101.21'``, ``'ex 010121'``) and its ex mark."""
    if value is None:
        return None, False
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):  # a spreadsheet that stored the code as a number lost its leading zero
        return (f"{value:06d}" if 0 <= value <= 999999 else None), False
    text = str(value).strip()
    ex = text.lower().startswith("ex")
    if ex:
        text = text[2:].strip()
    text = text.replace(".", "").replace(" ", "")
    return (text if _CODE.match(text) else None), ex


@dataclass(frozen=True)
class _Layout:
    header_line: int
    columns: dict[str, int]  # version -> column index
    names: dict[str, str]  # version -> header text as written
    ex_column: int | None


def _layout(rows: list[tuple[int, list[object]]], file: str, problems: Problems,
            versions: tuple[str | None, str | None]) -> _Layout | None:
    """Find the header row (the first that names two HS editions) among the first rows."""
    for line, cells in rows[:10]:
        found = {}
        names = {}
        for i, cell in enumerate(cells):
            v = version_code(cell if not isinstance(cell, str) else cell.replace("_", " "))
            if v and v not in found:
                found[v], names[v] = i, str(cell).strip()
        if len(found) >= 2:
            if len(found) > 2:
                problems.add(file, line, "header", f"names more than two HS editions: {', '.join(found)}")
                return None
            ex_col = None
            for i, cell in enumerate(cells):
                if isinstance(cell, str) and cell.strip().lower() in ("ex", "ex_flag_unsd", "ex flag", "ex_flag"):
                    ex_col = i
            if ex_col is None:
                # the UNSD workbook's ex markers sit in an unnamed column right after an edition's column
                for i in found.values():
                    if i + 1 < len(cells) and (cells[i + 1] is None or str(cells[i + 1]).strip() == "") \
                            and i + 1 not in found.values():
                        ex_col = i + 1
            for wanted, flag in zip(versions, ("--from", "--to")):
                if wanted and wanted not in found:
                    problems.add(file, line, "header", f"{flag} {wanted} is not one of the table's editions "
                                                       f"({', '.join(found)})")
            return _Layout(line, found, names, ex_col)
    problems.add(file, rows[0][0] if rows else 1, "header",
                 "no header row naming two HS editions (e.g. 'HS2022 | HS2017') in the first rows")
    return None


def _rows_xlsx(path: Path, problems: Problems) -> tuple[list[tuple[int, list[object]]], str]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is no workbook
        problems.add(path, None, "", f"not a readable .xlsx workbook: {exc}")
        return [], ""
    try:
        sheets = [s for s in book.worksheets if "correlation" in s.title.lower()]
        if not sheets:
            problems.add(path, None, "sheet", "no sheet named '... Correlation(s)' "
                                              f"(sheets: {', '.join(s.title for s in book.worksheets)})")
            return [], ""
        sheet = sheets[0]
        rows = [(n, list(cells)) for n, cells in enumerate(sheet.iter_rows(values_only=True), start=1)]
        return rows, sheet.title
    finally:
        book.close()


def _rows_csv(path: Path, problems: Problems) -> list[tuple[int, list[object]]]:
    rows = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = [(line, list(cells)) for line, cells in numbered(csv.reader(handle))]
    except (UnicodeDecodeError, csv.Error) as exc:
        problems.add(path, None, "", f"not a readable CSV file: {exc}")
    return rows


def read_correlation(path: Path, from_version: str | None = None, to_version: str | None = None,
                     display: str | None = None) -> CorrelationTable:
    """Read a UNSD correlation table (.xlsx or .csv); raise ``FormatError`` naming file, row and column."""
    problems = Problems()
    file = display or str(path)
    if not path.is_file():
        problems.add(file, None, "", "no such file")
        problems.check()
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows, sheet = _rows_xlsx(path, problems)
        where = f"{file} [{sheet}]" if sheet else file
    else:
        rows, where = _rows_csv(path, problems), file
    problems.check()
    layout = _layout(rows, where, problems, (from_version, to_version))
    problems.check()
    assert layout is not None
    older, newer = sorted(layout.columns, key=lambda v: int(v[2:]))
    if from_version and to_version and (from_version, to_version) != (older, newer):
        problems.add(where, layout.header_line, "header",
                     f"links run from the older edition to the newer: use --from {older} --to {newer}")
        problems.check()

    raw: list[tuple[int, str, str, bool]] = []
    for line, cells in rows:
        if line <= layout.header_line or all(c is None or str(c).strip() == "" for c in cells):
            continue
        codes = {}
        marks = False
        for version in (older, newer):
            i = layout.columns[version]
            value = cells[i] if i < len(cells) else None
            code, ex = _code(value)
            if code is None:
                problems.add(where, line, layout.names[version],
                             f"expected a 6-digit {version} code, got {value!r}")
            codes[version] = code
            marks = marks or ex
        if layout.ex_column is not None and layout.ex_column < len(cells):
            mark = cells[layout.ex_column]
            text = "" if mark is None else str(mark).strip().lower()
            if text not in ("", "ex"):
                problems.add(where, line, "ex", f"expected 'ex' or nothing, got {mark!r}")
            marks = marks or text == "ex"
        if codes[older] and codes[newer]:
            raw.append((line, codes[older], codes[newer], marks))
    if not raw and not problems:
        problems.add(where, layout.header_line, "", "the table has no links")
    seen: dict[tuple[str, str], int] = {}
    for line, a, b, _ in raw:
        if (a, b) in seen:
            problems.add(where, line, "", f"duplicate link {older} {a} -> {newer} {b} (first on line {seen[(a, b)]})")
        seen.setdefault((a, b), line)
    problems.check()

    has_ex = layout.ex_column is not None or any(m for *_, m in raw)
    partners = Counter(a for _, a, _, _ in raw)
    links = tuple(
        CorrelationLink(older, a, newer, b, ex if has_ex else partners[a] > 1, line)
        for line, a, b, ex in raw
    )
    source = f"UNSD {newer}-{older} correlation table ({Path(file).name})"
    return CorrelationTable(file, older, newer, links, "ex column" if has_ex else "derived", source)
