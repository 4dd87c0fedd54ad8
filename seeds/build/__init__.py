"""Generated seed files, rebuilt from the public files in ``eval-data`` (never committed themselves).

``python -m seeds.build all /path/to/eval-data`` rewrites the HS nomenclature and correlations
(``nomenclature``) and the PSR annexes with their cross-check report (``annexes``) under
``seeds/data``. Each output row names the raw file and the git commit it came from
(``MANIFEST_raw_files.csv``), so a reader can follow every fact back to its source.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from seeds.read import BUNDLED

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


__all__ = ["BUNDLED", "RawFile", "raw_file", "write_csv"]
