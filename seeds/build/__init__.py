"""Generated seed files, rebuilt from the public files in ``eval-data`` (never committed themselves).

``python -m seeds.build all /path/to/eval-data`` rewrites the HS nomenclature and correlations
(``nomenclature``) and the PSR annexes with their cross-check report (``annexes``) under
``seeds/data``. Each output row names the raw file and the git commit it came from
(``MANIFEST_raw_files.csv``), so a reader can follow every fact back to its source. What many rows
share (a source, a licence, a note) is written once in the file's provenance sidecar
(``<name>.provenance.yaml``, see ``write_seed_table``), which ``seeds.read`` applies to every row.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from seeds.read import BUNDLED, seed_table, sidecar_of

MANIFEST = "MANIFEST_raw_files.csv"


@dataclass(frozen=True)
class RawFile:
    """One raw public file as the eval-data manifest records it."""

    local_path: str
    repo: str
    path: str
    commit: str

    def cite(self) -> str:
        return f"{self.repo} {self.path} @ {self.commit[:12]}"


def raw_file(eval_data: Path, local_path: str) -> RawFile:
    """The manifest entry of ``local_path``; a file the manifest does not list is refused."""
    manifest = eval_data / MANIFEST
    if not manifest.is_file():
        raise FileNotFoundError(f"{manifest}: no manifest of the raw files (expected the eval-data layout)")
    with manifest.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["local_path"] == local_path:
                if not (eval_data / local_path).is_file():
                    raise FileNotFoundError(f"{eval_data / local_path}: listed in {MANIFEST} but missing")
                return RawFile(local_path, row["source_repo"], row["source_path"], row["source_commit"])
    raise FileNotFoundError(f"{manifest}: {local_path} is not listed")


def write_csv(path: Path, header: list[str], rows: list[dict]) -> None:
    """Write rows in a stable form (LF line ends, minimal quoting) so a rebuild diffs cleanly."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in header})


def _template_argument(template: str, value: str) -> str | None:
    """What ``value`` puts in ``template``'s ``{}``: one citation's own part (no ``; ``), else None."""
    prefix, suffix = template.split("{}", 1)
    if len(value) <= len(prefix) + len(suffix) or not (value.startswith(prefix) and value.endswith(suffix)):
        return None
    argument = value[len(prefix):len(value) - len(suffix)]
    return argument if argument == argument.strip() and "; " not in argument else None


def write_seed_table(path: Path, header: list[str], rows: list[dict], made_by: str, *, shared: tuple[str, ...] = (),
                     keyed: tuple[str, ...] = (), templates: dict[str, dict[str, str]] | None = None) -> None:
    """Write ``rows`` as ``path`` and its provenance sidecar, stating each repeated value once.

    A ``shared`` column with one value on every row becomes a default (left out of the CSV); each value
    of a ``keyed`` column is written once in the sidecar under a key (the first 8 hex digits of its
    SHA-1, so a rebuild that changes one value changes one key) and the rows write ``@key``; a value
    that fills one of the column's ``templates`` (name -> text with ``{}``) is written ``@name argument``.
    The pair is read back through ``seeds.read`` and must give exactly ``rows`` (as the reader strips
    cells, so are the values), so the graph loaded from it is the one the rows describe."""
    cells = [{k: "" if row.get(k) is None else str(row[k]).strip() for k in header} for row in rows]
    defaults: dict[str, str] = {}
    for column in shared:
        distinct = {c[column] for c in cells}
        if len(distinct) == 1 and "" not in distinct:
            defaults[column] = distinct.pop()
    values: dict[str, dict[str, str]] = {}
    written = [dict(c) for c in cells]
    for column in (c for c in keyed if c not in defaults):
        table = values.setdefault(column, {})
        own = (templates or {}).get(column, {})
        for row in written:
            value = row[column]
            if not value:
                continue
            for name, template in own.items():
                argument = _template_argument(template, value)
                if argument is not None:
                    table[name] = template
                    row[column] = f"@{name} {argument}"
                    break
            else:
                key = hashlib.sha1(value.encode()).hexdigest()[:8]
                if table.setdefault(key, value) != value or key in own:
                    raise ValueError(f"{path.name}: key {key} of {column} stands for two values")
                row[column] = f"@{key}"
    columns = [c for c in header if c not in defaults]
    write_csv(path, columns, written)
    sidecar = sidecar_of(path)
    body = {k: v for k, v in (("defaults", defaults), ("values", {c: t for c, t in values.items() if t})) if v}
    if body:
        text = yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=1 << 30)
        sidecar.write_text(f"# Written by {made_by}: what the rows of {path.name} share, stated once (seeds/README.md,\n"
                           f"# 'Provenance sidecars'). Do not edit by hand: rebuild.\n{text}", encoding="utf-8")
    elif sidecar.exists():
        sidecar.unlink()
    expected = [{k: v for k, v in c.items() if v} for c in cells]
    if seed_table(path) != expected:
        raise ValueError(f"{path}: reading it back with its sidecar does not give the rows written")


__all__ = ["BUNDLED", "RawFile", "raw_file", "write_csv", "write_seed_table"]
