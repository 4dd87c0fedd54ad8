"""The WTO Regional Trade Agreements database (RTA-IS) "AllRTAs" export, with optional signatory codes.

Layouts read:

- **AllRTAs** as the WTO exports it (``AllRTAs.xlsx``, sheet ``AllRTAs``, dates as Excel dates) or as
  CSV with the same 28 columns and ISO dates: ``RTA ID, RTA Name, Coverage, Type, Notification,
  Status, Date of Signature (G), Date of Signature (S), ..., Date of Entry into Force (G),
  Date of Entry into Force (S), Inactive Date, Accession?, ..., Current signatories, Original
  signatories, Specific Entry/Exit dates, ..., Remarks``. Signatories are WTO names separated by
  ``;``; per-party dates read ``Samoa(31-Dec-2018 - ); United Kingdom( - 31-Dec-2020)``, where
  ``01-Jan-9999`` means "not yet in force".
- **Signatories, long form** (optional, CSV): ``rta_id, signatory_list (current|original),
  signatory_name_wto, iso2, specific_entry_date, specific_exit_date, specific_pending_9999, ...``:
  the same signatories with ISO codes already matched to WTO names.

The parties of an agreement are its current signatories; an inactive one has none listed, so its
original signatories are taken (with the inactive date as the end of their participation).

(G) is the goods part of an agreement, (S) services; the goods date is used where there is one.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from engine.documents import numbered
from seeds.formats import Problems

ALLRTAS_COLUMNS = ("RTA ID", "RTA Name", "Status", "Date of Signature (G)", "Date of Signature (S)",
                   "Date of Entry into Force (G)", "Date of Entry into Force (S)", "Inactive Date",
                   "Current signatories")
LONG_COLUMNS = ("rta_id", "signatory_list", "signatory_name_wto", "iso2")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPECIFIC = re.compile(r"([^;()]+)\(\s*(\d{1,2}-[A-Za-z]{3}-\d{4})?\s*-\s*(\d{1,2}-[A-Za-z]{3}-\d{4})?\s*\)")
PENDING_YEAR = 9999


@dataclass(frozen=True)
class Signatory:
    name: str
    iso2: str | None
    entry: str | None  # specific entry into force for this party
    exit: str | None
    pending: bool  # 01-Jan-9999: not yet in force for this party


@dataclass(frozen=True)
class Rta:
    rta_id: int
    name: str
    coverage: str | None
    type: str | None
    notification: str | None
    status: str
    signed_goods: str | None
    signed_services: str | None
    eif_goods: str | None
    eif_services: str | None
    inactive: str | None
    accession: bool
    composition: str | None
    region: str | None
    signatories: tuple[Signatory, ...]  # current signatories (original ones when it has none: inactive)
    remarks: str | None
    line: int

    @property
    def signed(self) -> str | None:
        return self.signed_goods or self.signed_services

    @property
    def in_force_from(self) -> str | None:
        return self.eif_goods or self.eif_services


@dataclass
class WtoRtaData:
    files: list[str]
    rtas: list[Rta] = field(default_factory=list)
    coded: bool = False  # signatory ISO codes came from the long signatories file
    source: str = ""


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _iso_date(value: object, file: str, line: int, column: str, problems: Problems) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (date(1899, 12, 30) + timedelta(days=int(value))).isoformat()  # an Excel serial date
    text = str(value).strip()
    if _ISO.match(text):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    problems.add(file, line, column, f"expected a date (YYYY-MM-DD), got {value!r}")
    return None


def _wto_day(text: str | None) -> tuple[str | None, bool]:
    """``31-Dec-2018`` -> ('2018-12-31', False); ``01-Jan-9999`` -> (None, True)."""
    if not text:
        return None, False
    parsed = datetime.strptime(text, "%d-%b-%Y").date()
    return (None, True) if parsed.year == PENDING_YEAR else (parsed.isoformat(), False)


def specific_dates(text: str | None) -> dict[str, tuple[str | None, str | None, bool]]:
    """``Samoa(31-Dec-2018 - ); United Kingdom( - 31-Dec-2020)`` -> name: (entry, exit, pending)."""
    out: dict[str, tuple[str | None, str | None, bool]] = {}
    for m in _SPECIFIC.finditer(text or ""):
        entry, pending = _wto_day(m.group(2))
        leave, _ = _wto_day(m.group(3))
        out[m.group(1).strip()] = (entry, leave, pending)
    return out


def _rows_xlsx(path: Path, file: str, problems: Problems) -> list[tuple[int, dict[str, object]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        problems.add(file, None, "", f"not a readable .xlsx workbook: {exc}")
        return []
    try:
        sheet = next((s for s in book.worksheets if s.title.replace(" ", "").lower() == "allrtas"), None)
        if sheet is None:
            problems.add(file, None, "sheet", f"no sheet 'AllRTAs' (sheets: {', '.join(s.title for s in book.worksheets)})")
            return []
        rows = sheet.iter_rows(values_only=True)
        header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
        return [(n, dict(zip(header, cells))) for n, cells in enumerate(rows, start=2)]
    finally:
        book.close()


def _rows_csv(path: Path, file: str, problems: Problems) -> tuple[list[str], list[tuple[int, dict[str, object]]]]:
    out = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        reader.fieldnames = header
        try:
            for line, row in numbered(reader):
                if None in row:
                    problems.add(file, line, "", "more values than columns")
                    continue
                out.append((line, dict(row)))
        except csv.Error as exc:
            problems.add(file, reader.line_num, "", f"not readable CSV: {exc}")
    return header, out


def _rtas(rows: list[tuple[int, dict[str, object]]], file: str, problems: Problems) -> list[Rta]:
    missing = [c for c in ALLRTAS_COLUMNS if rows and c not in rows[0][1]]
    if missing:
        problems.add(file, 1, ", ".join(missing), "missing column(s) of the WTO AllRTAs export")
        return []
    out = []
    seen: dict[int, int] = {}
    for line, row in rows:
        if all(_text(v) is None for v in row.values()):
            continue
        raw_id = row.get("RTA ID")
        try:
            rta_id = int(str(raw_id).strip().removesuffix(".0"))
        except ValueError:
            problems.add(file, line, "RTA ID", f"expected a number, got {raw_id!r}")
            continue
        if rta_id in seen:
            problems.add(file, line, "RTA ID", f"duplicate RTA ID {rta_id} (first on line {seen[rta_id]})")
            continue
        seen[rta_id] = line
        name, status = _text(row.get("RTA Name")), _text(row.get("Status"))
        if not name:
            problems.add(file, line, "RTA Name", "is empty")
        if not status:
            problems.add(file, line, "Status", "is empty")
        dates = {c: _iso_date(row.get(c), file, line, c, problems) for c in (
            "Date of Signature (G)", "Date of Signature (S)", "Date of Entry into Force (G)",
            "Date of Entry into Force (S)", "Inactive Date")}
        try:
            specific = specific_dates(_text(row.get("Specific Entry/Exit dates")))
        except ValueError as exc:
            problems.add(file, line, "Specific Entry/Exit dates", f"a date is not written DD-Mon-YYYY: {exc}")
            specific = {}
        names = [n.strip() for n in (_text(row.get("Current signatories")) or _text(row.get("Original signatories"))
                                     or "").split(";") if n.strip()]
        signatories = tuple(Signatory(n, None, *specific.get(n, (None, None, False))) for n in names)
        out.append(Rta(rta_id, name or "", _text(row.get("Coverage")), _text(row.get("Type")),
                       _text(row.get("Notification")), status or "", dates["Date of Signature (G)"],
                       dates["Date of Signature (S)"], dates["Date of Entry into Force (G)"],
                       dates["Date of Entry into Force (S)"], dates["Inactive Date"],
                       (_text(row.get("Accession?")) or "").lower() == "yes", _text(row.get("RTA Composition")),
                       _text(row.get("Region")), signatories, _text(row.get("Remarks")), line))
    return out


def _long(rows: list[tuple[int, dict[str, object]]], file: str, problems: Problems) -> dict[int, list[Signatory]]:
    lists: dict[str, dict[int, list[Signatory]]] = {"current": {}, "original": {}}
    for line, row in rows:
        which = (_text(row.get("signatory_list")) or "").lower()
        if which not in lists:
            problems.add(file, line, "signatory_list", f"expected current or original, got {which!r}")
            continue
        try:
            rta_id = int(str(row.get("rta_id")).strip())
        except ValueError:
            problems.add(file, line, "rta_id", f"expected a number, got {row.get('rta_id')!r}")
            continue
        name = _text(row.get("signatory_name_wto"))
        if not name:
            problems.add(file, line, "signatory_name_wto", "is empty")
            continue
        iso2 = _text(row.get("iso2"))
        if iso2 is not None and not re.match(r"^[A-Z]{2}$", iso2):
            problems.add(file, line, "iso2", f"expected an ISO 3166-1 alpha-2 code, got {iso2!r}")
            continue
        entry = _iso_date(row.get("specific_entry_date"), file, line, "specific_entry_date", problems)
        leave = _iso_date(row.get("specific_exit_date"), file, line, "specific_exit_date", problems)
        pending = (_text(row.get("specific_pending_9999")) or "") in ("1", "True", "true")
        lists[which].setdefault(rta_id, []).append(Signatory(name, iso2, entry, leave, pending))
    # the current signatories; an inactive agreement has none, so its original ones
    return {**lists["original"], **lists["current"]}


def read_wto_rta(paths: list[Path]) -> WtoRtaData:
    """Read one AllRTAs export (.xlsx or .csv) and optionally the long signatories CSV, in any order."""
    problems = Problems()
    rtas: list[Rta] = []
    coded: dict[int, list[Signatory]] | None = None
    main_file = None
    for path in paths:
        file = str(path)
        if not path.is_file():
            problems.add(file, None, "", "no such file")
            continue
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            kind, rows = "allrtas", _rows_xlsx(path, file, problems)
        else:
            header, rows = _rows_csv(path, file, problems)
            kind = "long" if all(c in header for c in LONG_COLUMNS) else "allrtas"
        if kind == "allrtas":
            if main_file:
                problems.add(file, None, "", f"a second AllRTAs export (first: {main_file}); give one")
                continue
            main_file = file
            rtas = _rtas(rows, file, problems)
        else:
            coded = _long(rows, file, problems)
    if not main_file and not problems:
        problems.add(", ".join(map(str, paths)), None, "", "no WTO AllRTAs export among the files "
                                                           "(a .xlsx with sheet AllRTAs, or its CSV)")
    problems.check()
    if coded is not None:
        rtas = [Rta(**{**r.__dict__, "signatories": tuple(coded.get(r.rta_id) or r.signatories)}) for r in rtas]
    names = ", ".join(Path(p).name for p in paths)
    return WtoRtaData([str(p) for p in paths], rtas, coded is not None, f"WTO RTA database (RTA-IS) export ({names})")
