"""Text cells made safe for spreadsheets: every CSV (or spreadsheet) origingraph writes passes its text
cells through :func:`spreadsheet_safe`.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula by
Excel, LibreOffice and Google Sheets (``=cmd|' /C calc'!A0`` in a SKU or a description would run on
the planner's machine). Such a cell is written with a leading apostrophe, which spreadsheets show as
text and do not evaluate (OWASP's "CSV injection" advice). A plain number (``-0.50``, ``+3``) is left
as it is: it is no formula, and figures must stay figures.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(text: str) -> str:
    """``text``, prefixed with ``'`` when a spreadsheet would read it as a formula."""
    if text.startswith(FORMULA_PREFIXES) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_table(table: Any) -> Any:
    """A pyarrow table with every string cell passed through :func:`spreadsheet_safe`."""
    import pyarrow as pa

    for index, column in enumerate(table.schema):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            values = [None if v is None else spreadsheet_safe(v) for v in table.column(index).to_pylist()]
            table = table.set_column(index, column, pa.array(values, type=column.type))
    return table
