"""HS nomenclature lists with their hierarchy: the datahub CSV and UN Comtrade classification JSON.

Layouts read:

- **datahub** ``harmonized-system.csv``: ``section,hscode,description,parent,level``; chapters have
  parent ``TOTAL``; the ``TOTAL`` row itself is skipped. ``section`` (a Roman numeral) is kept as a
  property of each code.
- **UN Comtrade** ``classificationH6.json``: ``{"classCode": "H6", "className": "HS2022",
  "results": [{"id": "010121", "text": "010121 - Horses; ...", "parent": "0101"}, ...]}``; the
  aggregate entries (``ALL``, ``TOTAL``, ``AG2``, ...) are skipped and the ``code - `` prefix is
  taken off the text.

Chapters (2 digits), headings (4) and subheadings (6) are read; a code's parent must be the code
without its last two digits and must be in the same list. Chapter 99 (Comtrade's "commodities not
specified according to kind") is kept as the list has it.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

from engine.documents import numbered
from seeds.formats import Problems, version_code

_CODE = re.compile(r"^(\d{2}|\d{4}|\d{6})$")


@dataclass(frozen=True)
class HsEntry:
    code: str
    parent: str | None
    description: str
    section: str | None
    where: str  # line number or JSON path, for messages


@dataclass(frozen=True)
class HsList:
    file: str
    version: str
    layout: str  # "datahub" or "comtrade"
    entries: tuple[HsEntry, ...]
    source: str


def _check_tree(entries: list[tuple[int | None, str, HsEntry]], file: str, problems: Problems) -> None:
    codes: dict[str, HsEntry] = {}
    for line, field, e in entries:
        if e.code in codes:
            problems.add(file, line, field, f"duplicate code {e.code}")
        codes[e.code] = e
    for line, field, e in entries:
        if len(e.code) == 2:
            continue
        if e.parent != e.code[:-2]:
            problems.add(file, line, "parent", f"parent of {e.code} should be {e.code[:-2]}, got {e.parent!r}")
        elif e.parent not in codes:
            problems.add(file, line, "parent", f"parent {e.parent} of {e.code} is not in the list")


def _read_datahub(path: Path, file: str, problems: Problems) -> list[HsEntry]:
    out: list[tuple[int | None, str, HsEntry]] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"hscode", "description", "parent", "level"} - set(reader.fieldnames or [])
        if missing:
            problems.add(file, 1, ",".join(sorted(missing)), "missing column(s) of the datahub layout "
                                                           "(section,hscode,description,parent,level)")
            return []
        for line, row in numbered(reader):
            if None in row:
                problems.add(file, line, "", "more values than columns")
                continue
            code = (row.get("hscode") or "").strip()
            if code.upper() == "TOTAL":
                continue
            if not _CODE.match(code):
                problems.add(file, line, "hscode", f"expected a code of 2, 4 or 6 digits, got {code!r}")
                continue
            level = (row.get("level") or "").strip()
            if level != str(len(code)):
                problems.add(file, line, "level", f"level {level!r} does not match the {len(code)}-digit code {code}")
            description = (row.get("description") or "").strip()
            if not description:
                problems.add(file, line, "description", "is empty")
            parent = (row.get("parent") or "").strip()
            parent = None if parent.upper() in ("", "TOTAL") else parent
            section = (row.get("section") or "").strip() or None
            out.append((line, "hscode", HsEntry(code, parent, description, section, f"line {line}")))
    _check_tree(out, file, problems)
    return [e for *_, e in out]


def _read_comtrade(path: Path, file: str, problems: Problems) -> tuple[list[HsEntry], str | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.add(file, getattr(exc, "lineno", None), "", f"not valid JSON: {exc}")
        return [], None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        problems.add(file, None, "results", "expected an object with a 'results' list (UN Comtrade classification)")
        return [], None
    named = version_code(data.get("className")) if isinstance(data.get("className"), str) else None
    out: list[tuple[int | None, str, HsEntry]] = []
    for i, item in enumerate(data["results"]):
        at = f"results[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            problems.add(file, None, f"{at}.id", "expected an entry with a string 'id'")
            continue
        code = item["id"].strip()
        if not code.isdigit():
            continue  # ALL, TOTAL, AG2, AG4, AG6: aggregates, not codes
        if not _CODE.match(code):
            problems.add(file, None, f"{at}.id", f"expected a code of 2, 4 or 6 digits, got {code!r}")
            continue
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.add(file, None, f"{at}.text", "is empty")
            continue
        description = text.strip()
        prefix = f"{code} - "
        if description.startswith(prefix):
            description = description[len(prefix):].strip()
        parent = item.get("parent")
        parent = None if not isinstance(parent, str) or not parent.strip().isdigit() else parent.strip()
        out.append((None, f"{at}.parent", HsEntry(code, parent, description, None, at)))
    # tree problems name the JSON path of the entry
    codes: dict[str, HsEntry] = {}
    for _, _, e in out:
        if e.code in codes:
            problems.add(file, None, f"{e.where}.id", f"duplicate code {e.code}")
        codes[e.code] = e
    for _, field, e in out:
        if len(e.code) > 2:
            if e.parent != e.code[:-2]:
                problems.add(file, None, field, f"parent of {e.code} should be {e.code[:-2]}, got {e.parent!r}")
            elif e.parent not in codes:
                problems.add(file, None, field, f"parent {e.parent} of {e.code} is not in the list")
    return [e for *_, e in out], named


def read_hs_list(path: Path, version: str | None = None, display: str | None = None) -> HsList:
    """Read a datahub CSV or Comtrade JSON code list; ``version`` is required unless the file names it."""
    problems = Problems()
    file = display or str(path)
    if not path.is_file():
        problems.add(file, None, "", "no such file")
        problems.check()
    named = None
    if path.suffix.lower() == ".json":
        layout = "comtrade"
        entries, named = _read_comtrade(path, file, problems)
    else:
        layout = "datahub"
        entries = _read_datahub(path, file, problems)
    if version and version_code(version) != version:
        problems.add(file, None, "--version", f"expected an HS edition such as HS2022, got {version!r}")
    elif version and named and named != version:
        problems.add(file, None, "className", f"the file is {named}, not --version {version}")
    elif not version and not named:
        problems.add(file, None, "--version", "the file does not say its HS edition: give --version (e.g. HS2022)")
    if not entries and not problems:
        problems.add(file, None, "", "no HS codes in the file")
    problems.check()
    version = version or named
    assert version
    what = "UN Comtrade classification" if layout == "comtrade" else "datahub harmonized-system list"
    return HsList(file, version, layout, tuple(entries), f"{version} nomenclature: {what} ({Path(file).name})")
