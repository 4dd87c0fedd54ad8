"""Parsers for public data formats: each turns a file into typed records, or says where it is wrong.

One module per format (``unsd``, ``hs_lists``, ``uk_roo``, ``wto_rta``). They read only; the graph
writers live in ``graph.imports``. Problems are the seed loader's own ``SeedProblem`` (file, line or
row, field) collected into one ``SeedError``, so a bad file is reported whole and nothing is written.
For JSON files the "field" is the JSON path (``rule_sets[12].rules[0].class``) and the line is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from seeds.read import SeedError, SeedProblem

__all__ = ["HS_EDITIONS", "FormatError", "Problems", "SeedProblem", "edition_in_force", "previous_edition",
           "version_code"]

# WCO Harmonized System editions and the day each entered into force (1 January of its year).
HS_EDITIONS = ("HS1988", "HS1992", "HS1996", "HS2002", "HS2007", "HS2012", "HS2017", "HS2022")

_VERSION = re.compile(r"^\s*(?:HS|H)\s*(\d{4})\s*$", re.IGNORECASE)


def version_code(text: object) -> str | None:
    """``HS2017`` from ``HS2017``, ``HS 2017``, `` HS2017`` or ``hs2017``; None when it is no HS edition."""
    if not isinstance(text, str):
        return None
    m = _VERSION.match(text)
    return f"HS{m.group(1)}" if m else None


def edition_in_force(version: str) -> str | None:
    """ISO date an HS edition entered into force, for the editions WCO has published; else None."""
    return f"{version[2:]}-01-01" if version in HS_EDITIONS else None


def previous_edition(version: str) -> str | None:
    """The edition a known edition follows (HS2022 follows HS2017), or None."""
    if version in HS_EDITIONS and HS_EDITIONS.index(version) > 0:
        return HS_EDITIONS[HS_EDITIONS.index(version) - 1]
    return None


class FormatError(SeedError):
    """One or more problems in an input file; nothing was written."""

    def __init__(self, problems: list[SeedProblem]):
        super().__init__(problems)
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        self.args = (f"{len(problems)} problem(s) in the input:\n{shown}{more}",)

    def __str__(self) -> str:
        return self.args[0]


@dataclass
class Problems:
    """Collects problems across one import; ``check()`` raises them all at once."""

    items: list[SeedProblem] = field(default_factory=list)

    def add(self, file: Path | str, line: int | None, where: str, message: str) -> None:
        self.items.append(SeedProblem(str(file), line, where, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def check(self) -> None:
        if self.items:
            raise FormatError(self.items)
