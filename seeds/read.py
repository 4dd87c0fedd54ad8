"""Read and check a seed directory, or say exactly where it is wrong.

Every problem is a ``SeedProblem`` naming file, line and field; ``read_seeds`` collects all of them
and raises ``SeedError`` before anything is written, so a bad file never half-loads.
YAML is read by ``engine.documents``: every value stays text until the schema converts it, so a
malformed date is reported with its line and Norway's code ``NO`` stays a country code.
A CSV's provenance sidecar (``<name>.provenance.yaml``, README "Provenance sidecars") is applied to each
row before the row is checked, so a fact stated once for a generated file reaches every row in full.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from engine.documents import load_document, locate, numbered

from seeds.schema import (
    AgreementFile,
    BlocsFile,
    CorrelationRow,
    CountryRow,
    HsCodeRow,
    HSVersionsFile,
    ProvenanceFile,
    PsrRow,
)
from seeds.tariff_schema import TariffFile, check_tariff_files

M = TypeVar("M", bound=BaseModel)
Path_ = tuple[str | int, ...]

BUNDLED = Path(__file__).with_name("data")
SIDECAR = ".provenance.yaml"


@dataclass(frozen=True)
class SeedProblem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class SeedError(ValueError):
    """One or more seed files are wrong; nothing was written."""

    def __init__(self, problems: list[SeedProblem]):
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in the seeds:\n{shown}{more}")


def _line_of(raw: Any, path: Path_) -> int | None:
    return locate(raw, path)[0]


def _dotted(path: Path_) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


@dataclass
class _Collector:
    root: Path
    problems: list[SeedProblem] = field(default_factory=list)

    def name(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def add(self, path: Path, line: int | None, where: str, message: str) -> None:
        self.problems.append(SeedProblem(self.name(path), line, where, message))

    def add_validation(self, path: Path, exc: ValidationError, line_for) -> None:
        for err in exc.errors():
            loc = tuple(step for step in err["loc"] if not str(step).startswith("function-"))
            self.add(path, line_for(loc), _dotted(loc), err["msg"].removeprefix("Value error, "))


def _read_yaml(path: Path, model: type[M], out: _Collector) -> tuple[M | None, Any]:
    try:
        raw = load_document(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        out.add(path, mark.line + 1 if mark else None, "", f"not valid YAML: {exc}")
        return None, None
    try:
        return model.model_validate(raw), raw
    except ValidationError as exc:
        out.add_validation(path, exc, lambda loc: _line_of(raw, loc))
        return None, raw


def sidecar_of(path: Path) -> Path:
    """The provenance sidecar of a seed CSV: ``EUJP.csv`` -> ``EUJP.provenance.yaml``."""
    return path.with_name(path.stem + SIDECAR)


def _read_provenance(path: Path, columns: set[str] | None, out: _Collector) -> ProvenanceFile | None | bool:
    """The sidecar at ``path`` checked against the CSV's possible ``columns`` (any, when None); None when
    there is none, False when it is wrong (the problems are recorded)."""
    if not path.exists():
        return None
    parsed, raw = _read_yaml(path, ProvenanceFile, out)
    if parsed is None:
        return False
    wrong = [(part, column) for part in ("defaults", "values") for column in getattr(parsed, part)
             if columns is not None and column not in columns]
    for part, column in wrong:
        out.add(path, _line_of(raw, (part, column)), f"{part}.{column}", "no such column in its CSV")
    return False if wrong else parsed


def _expand(cell: str, texts: dict[str, str], sidecar: str, column: str) -> tuple[str | None, str]:
    """The text a cell ``@key`` (or ``@key argument`` for a template) stands for, or why it stands for none."""
    key, _, argument = cell[1:].partition(" ")
    text = texts.get(key)
    if text is None:
        return None, f"unknown key @{key} (not in {sidecar} values.{column})"
    if argument:
        if "{}" not in text:
            return None, f"@{key} is no template (its text has no {{}}), so it takes no argument"
        return text.replace("{}", argument, 1), ""
    if "{}" in text:
        return None, f"@{key} is a template: write the text for its {{}} after the key"
    return text, ""


def _table(path: Path, expected: set[str] | None, out: _Collector) -> Iterator[tuple[int, dict[str, str]]]:
    """Each non-empty row of a seed CSV as column -> text, its provenance sidecar applied (a cell ``@key``
    expanded, an empty or absent column given the file's default); ``expected`` limits the columns."""
    provenance = _read_provenance(sidecar_of(path), expected, out)
    if provenance is False:
        return
    defaults = provenance.defaults if provenance else {}
    keyed = provenance.values if provenance else {}
    sidecar = sidecar_of(path).name
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        columns = next(reader, [])
        unknown = [c for c in columns if expected is not None and c not in expected]
        if unknown:
            out.add(path, 1, ",".join(unknown), "unknown column(s)")
            return
        width = len(columns)
        for line, record in numbered(reader):
            if not record:
                continue
            if len(record) > width:
                out.add(path, line, "", "more values than columns")
                continue
            values = {}
            bad = False
            for column, value in zip(columns, record):
                value = value.strip()
                if value:
                    if value[0] == "@" and column in keyed:
                        value, problem = _expand(value, keyed[column], sidecar, column)
                        if value is None:
                            out.add(path, line, column, problem)
                            bad = True
                            continue
                    values[column] = value
            if bad:
                continue
            for column, value in defaults.items():
                values.setdefault(column, value)
            yield line, values


def _read_csv(path: Path, model: type[M], out: _Collector) -> list[tuple[int, M]]:
    expected = set(model.model_fields) | {f.alias for f in model.model_fields.values() if f.alias}
    rows: list[tuple[int, M]] = []
    validate = model.model_validate
    for line, values in _table(path, expected, out):
        try:
            rows.append((line, validate(values)))
        except ValidationError as exc:
            out.add_validation(path, exc, lambda loc, line=line: line)
    return rows


def seed_table(path: Path) -> list[dict[str, str]]:
    """The rows of one seed CSV as the reader sees them: column -> text, every ``@key`` of its provenance
    sidecar expanded and its defaults applied (empty cells left out); raises ``SeedError`` naming file:line."""
    out = _Collector(path.parent)
    rows = [values for _, values in _table(path, None, out)]
    if out.problems:
        raise SeedError(out.problems)
    return rows


def table_files(root: Path, name: str) -> list[Path]:
    """A table written as one file ``<name>.csv`` (hand-written seeds), as ``<name>/*.csv`` (one file per
    HS edition or pair of editions, as the build writes them), or both, in that order."""
    single = root / f"{name}.csv"
    return ([single] if single.is_file() else []) + sorted((root / name).glob("*.csv"))


def read_hs_codes(root: Path = BUNDLED) -> list[HsCodeRow]:
    """The HS codes of a seed directory alone (every edition, checked row by row, not cross-checked):
    for a reader that needs the nomenclature without loading the rest (benchmarks, the annex build)."""
    out = _Collector(root)
    codes = [r for path in table_files(root, "hs_codes") for _, r in _read_csv(path, HsCodeRow, out)]
    if out.problems:
        raise SeedError(out.problems)
    return codes


@dataclass
class Where:
    """A checked record and where it was written (for cross-file error messages)."""

    file: Path
    line: int | None
    path: Path_
    raw: Any = None


@dataclass
class SeedSet:
    """Everything in a seed directory, checked and cross-referenced."""

    countries: list[CountryRow] = field(default_factory=list)
    blocs: BlocsFile | None = None
    versions: HSVersionsFile | None = None
    codes: list[HsCodeRow] = field(default_factory=list)
    correlations: list[CorrelationRow] = field(default_factory=list)
    agreements: list[AgreementFile] = field(default_factory=list)
    psrs: list[PsrRow] = field(default_factory=list)
    tariffs: list[TariffFile] = field(default_factory=list)


def read_seeds(root: Path = BUNDLED) -> SeedSet:
    """Read every seed file under ``root``; raise ``SeedError`` listing all problems if any."""
    out = _Collector(root)
    seeds = SeedSet()
    located: dict[str, list[tuple[Any, Where]]] = {}

    def keep(kind: str, items: Iterable[tuple[Any, Where]]) -> None:
        located.setdefault(kind, []).extend(items)

    if (root / "countries.csv").exists():
        path = root / "countries.csv"
        rows = _read_csv(path, CountryRow, out)
        seeds.countries = [r for _, r in rows]
        keep("country", ((r, Where(path, line, ("code",))) for line, r in rows))
    if (root / "blocs.yaml").exists():
        seeds.blocs, raw = _read_yaml(root / "blocs.yaml", BlocsFile, out)
        if seeds.blocs:
            keep("bloc", ((b, Where(root / "blocs.yaml", _line_of(raw, ("blocs", i)), ("blocs", i)))
                          for i, b in enumerate(seeds.blocs.blocs)))
    if (root / "hs_versions.yaml").exists():
        seeds.versions, _ = _read_yaml(root / "hs_versions.yaml", HSVersionsFile, out)
    for path in table_files(root, "hs_codes"):
        rows = _read_csv(path, HsCodeRow, out)
        seeds.codes.extend(r for _, r in rows)
        keep("code", ((r, Where(path, line, ("code",))) for line, r in rows))
    for path in table_files(root, "hs_correlations"):
        rows = _read_csv(path, CorrelationRow, out)
        seeds.correlations.extend(r for _, r in rows)
        keep("correlation", ((r, Where(path, line, ())) for line, r in rows))
    for path in sorted((root / "agreements").glob("*.yaml")):
        parsed, raw = _read_yaml(path, AgreementFile, out)
        if parsed:
            seeds.agreements.append(parsed)
            keep("agreement", [(parsed, Where(path, 1, (), raw))])
    for path in sorted((root / "psr").glob("*.csv")):
        rows = _read_csv(path, PsrRow, out)
        seeds.psrs.extend(r for _, r in rows)
        keep("psr", ((r, Where(path, line, ())) for line, r in rows))
    for path in sorted((root / "tariffs").glob("*.yaml")):
        parsed, raw = _read_yaml(path, TariffFile, out)
        if parsed:
            seeds.tariffs.append(parsed)
            keep("tariff", [(parsed, Where(path, 1, (), raw))])

    if not out.problems:
        _cross_check(seeds, located, out)
    if out.problems:
        raise SeedError(out.problems)
    return seeds


def _cross_check(seeds: SeedSet, located: dict[str, list[tuple[Any, Where]]], out: _Collector) -> None:
    """References between files: every code used is defined, every key is unique."""
    countries = {c.code for c in seeds.countries}
    blocs = {b.code for b in seeds.blocs.blocs} if seeds.blocs else set()
    versions = {v.code for v in seeds.versions.versions} if seeds.versions else set()
    codes = {(c.version, c.code) for c in seeds.codes}

    def seen_twice(kind: str, key) -> None:
        seen: set = set()
        for item, at in located.get(kind, []):
            k = key(item)
            if k in seen:
                out.add(at.file, at.line, _dotted(at.path), f"duplicate {k}")
            seen.add(k)

    seen_twice("country", lambda c: c.code)
    seen_twice("code", lambda c: (c.version, c.code))
    seen_twice("psr", lambda p: (p.instrument, p.hs_version, p.scope, p.valid_from))
    for agreement, at in located.get("agreement", []):
        for i, inst in enumerate(agreement.instruments):
            versions_seen: set[str] = set()
            for k, schedule in enumerate(inst.psr_schedules):
                if schedule.hs_version in versions_seen:
                    p = ("instruments", i, "psr_schedules", k, "hs_version")
                    out.add(at.file, _line_of(at.raw, p), _dotted(p), f"{inst.code} has two {schedule.hs_version} schedules")
                versions_seen.add(schedule.hs_version)

    for bloc, at in located.get("bloc", []):
        for j, m in enumerate(bloc.members):
            if m.country not in countries:
                path = at.path + ("members", j, "country")
                out.add(at.file, at.line, _dotted(path), f"unknown country {m.country!r}")

    for code, at in located.get("code", []):
        if code.version not in versions:
            out.add(at.file, at.line, "version", f"unknown HS version {code.version!r}")
        elif len(code.code) > 2 and (code.version, code.code[:-2]) not in codes:
            out.add(at.file, at.line, "code", f"parent {code.code[:-2]} of {code.code} is not in {code.version}")

    for link, at in located.get("correlation", []):
        for side in ("from", "to"):
            key = (getattr(link, f"{side}_version"), getattr(link, f"{side}_code"))
            if key not in codes:
                out.add(at.file, at.line, f"{side}_code", f"{key[1]} is not a seeded {key[0]} code")

    instruments = {i.code: i for a in seeds.agreements for i in a.instruments}
    for agreement, at in located.get("agreement", []):
        raw = at.raw
        for i, inst in enumerate(agreement.instruments):
            base: Path_ = ("instruments", i)
            if inst.amends and inst.amends not in instruments:
                out.add(at.file, _line_of(raw, base + ("amends",)), _dotted(base + ("amends",)),
                        f"unknown instrument {inst.amends!r}")
            for k, schedule in enumerate(inst.psr_schedules):
                if schedule.hs_version not in versions:
                    p = base + ("psr_schedules", k, "hs_version")
                    out.add(at.file, _line_of(raw, p), _dotted(p), f"unknown HS version {schedule.hs_version!r}")
            keys = {p.key for p in inst.provisions}
            for j, party in enumerate(inst.parties):
                p = base + ("parties", j)
                if party.party not in countries and party.party not in blocs:
                    out.add(at.file, _line_of(raw, p + ("party",)), _dotted(p + ("party",)),
                            f"unknown country or bloc {party.party!r}")
                if inst.pairing == "across_sides" and not party.side:
                    out.add(at.file, _line_of(raw, p), _dotted(p + ("side",)),
                            "pairing across_sides needs each party's side")
                for r, reservation in enumerate(party.reservations):
                    if reservation.provision not in keys:
                        q = p + ("reservations", r, "provision")
                        out.add(at.file, _line_of(raw, q), _dotted(q),
                                f"{reservation.provision!r} is not a provision of {inst.code}")

    for psr, at in located.get("psr", []):
        if psr.instrument not in instruments:
            out.add(at.file, at.line, "instrument", f"unknown instrument {psr.instrument!r}")
        if (psr.hs_version, psr.code) not in codes:
            out.add(at.file, at.line, "scope", f"{psr.code} is not a seeded {psr.hs_version} code")

    check_tariff_files([(t, at.file, at.raw) for t, at in located.get("tariff", [])], countries, versions,
                       set(instruments), out.add, _line_of)
