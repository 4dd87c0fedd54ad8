"""HS nomenclature and correlation seeds from the public code lists and the UNSD tables.

Editions built: HS2012 (the CPTPP annex's edition), HS2017 (the EU-Japan EPA annex and the
AANZFTA schedule) and HS2022, with the UNSD links HS2012 -> HS2017 -> HS2022. Chapter 99 and its
``9999`` / ``999999`` entries are UN Comtrade's "commodities not specified according to kind", not
part of the HS, so they are left out (and so are the correlation links that touch them).

Rows already in the seed files are kept when the real tables do not contradict them: rows of an
edition that is not built here (the curated HS2028 vaccine rows), and links of pairs of editions
not built here. A seeded code of a built edition that the real list does not have is dropped and
reported; a built code replaces the old row of the same code (its description may change, which is
counted in the report).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from seeds.build import RawFile, raw_file, write_csv
from seeds.formats.hs_lists import read_hs_list
from seeds.formats.unsd import read_correlation

LISTS = {
    "HS2012": ("hs/comtrade_H4_HS2012_classification.json",
               "UN Comtrade classification H4 (HS2012, abbreviated descriptions; UN terms of use, attribution)"),
    "HS2017": ("hs/comtrade_H5_HS2017_classification.json",
               "UN Comtrade classification H5 (HS2017, abbreviated descriptions; UN terms of use, attribution)"),
    "HS2022": ("hs/datahub_harmonized-system_HS2022.csv",
               "datahub harmonized-system list (HS2022, generated from UN Comtrade H6; ODC-PDDL-1.0)"),
}
TABLES = {
    ("HS2012", "HS2017"): ("correlation/unsd_HS2017toHS2012ConversionAndCorrelationTables.xlsx",
                           "UNSD HS2017-HS2012 correlation table (ex column kept as partial; UN attribution)"),
    ("HS2017", "HS2022"): ("correlation/unsd_HS2022toHS2017ConversionAndCorrelationTables.xlsx",
                           "UNSD HS2022-HS2017 correlation table (partial derived: the older code has more than "
                           "one partner; UN attribution)"),
}
CODES_HEADER = ["version", "code", "description", "source"]
LINKS_HEADER = ["from_version", "from_code", "to_version", "to_code", "partial", "source"]


def _not_hs(code: str) -> bool:
    return code.startswith("99")


@dataclass
class NomenclatureReport:
    codes: dict[str, int] = field(default_factory=dict)
    links: dict[str, int] = field(default_factory=dict)
    kept_curated_codes: int = 0
    kept_curated_links: int = 0
    dropped_codes: list[str] = field(default_factory=list)
    dropped_links: list[str] = field(default_factory=list)
    descriptions_changed: int = 0

    def lines(self) -> list[str]:
        out = [f"codes {v}: {n}" for v, n in self.codes.items()]
        out += [f"links {k}: {n}" for k, n in self.links.items()]
        out.append(f"curated rows kept: {self.kept_curated_codes} codes, {self.kept_curated_links} links")
        out.append(f"descriptions replaced by the real list: {self.descriptions_changed}")
        if self.dropped_codes:
            out.append(f"seeded codes the real lists do not have (dropped): {', '.join(self.dropped_codes)}")
        if self.dropped_links:
            out.append(f"seeded links the UNSD tables do not have (dropped): {', '.join(self.dropped_links)}")
        return out


def _read_existing(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def build_nomenclature(eval_data: Path, out_dir: Path) -> NomenclatureReport:
    """Rewrite ``hs_codes.csv`` and ``hs_correlations.csv`` under ``out_dir``."""
    report = NomenclatureReport()
    codes: dict[tuple[str, str], dict] = {}
    for version, (local, what) in LISTS.items():
        raw: RawFile = raw_file(eval_data, local)
        hs = read_hs_list(eval_data / local, version if local.endswith(".csv") else None)
        if hs.version != version:
            raise ValueError(f"{local}: the file is {hs.version}, expected {version}")
        source = f"{what}; {raw.cite()}"
        for e in hs.entries:
            if not _not_hs(e.code):
                codes[(version, e.code)] = {"version": version, "code": e.code, "description": e.description,
                                            "source": source}
        report.codes[version] = sum(1 for v, _ in codes if v == version)

    for row in _read_existing(out_dir / "hs_codes.csv"):
        key = (row["version"], row["code"])
        if row["version"] not in LISTS:
            codes[key] = row
            report.kept_curated_codes += 1
        elif key not in codes:
            report.dropped_codes.append(f"{row['version']} {row['code']}")
        elif codes[key]["description"] != row["description"]:
            report.descriptions_changed += 1

    links: dict[tuple[str, str, str, str], dict] = {}
    for (older, newer), (local, what) in TABLES.items():
        raw = raw_file(eval_data, local)
        table = read_correlation(eval_data / local, older, newer)
        source = f"{what}; {raw.cite()}"
        for link in table.links:
            if _not_hs(link.from_code) or _not_hs(link.to_code):
                continue
            links[(older, link.from_code, newer, link.to_code)] = {
                "from_version": older, "from_code": link.from_code, "to_version": newer, "to_code": link.to_code,
                "partial": "true" if link.partial else "false", "source": source}
        report.links[f"{older}->{newer}"] = sum(1 for k in links if k[0] == older and k[2] == newer)

    for row in _read_existing(out_dir / "hs_correlations.csv"):
        key = (row["from_version"], row["from_code"], row["to_version"], row["to_code"])
        if (row["from_version"], row["to_version"]) not in TABLES:
            links[key] = row
            report.kept_curated_links += 1
        elif key not in links:
            report.dropped_links.append(" ".join(key))

    order = {v: i for i, v in enumerate(sorted({v for v, _ in codes}))}
    write_csv(out_dir / "hs_codes.csv", CODES_HEADER,
              [codes[k] for k in sorted(codes, key=lambda k: (order[k[0]], k[1]))])
    write_csv(out_dir / "hs_correlations.csv", LINKS_HEADER, [links[k] for k in sorted(links)])
    return report
