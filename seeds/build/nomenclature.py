"""HS nomenclature and correlation seeds from the public code lists and the UNSD tables.

Editions built: HS2012 (the CPTPP annex's edition), HS2017 (the EU-Japan EPA annex and the
AANZFTA schedule) and HS2022, with the UNSD links HS2012 -> HS2017 -> HS2022. Chapter 99 and its
``9999`` / ``999999`` entries are UN Comtrade's "commodities not specified according to kind", not
part of the HS, so they are left out (and so are the correlation links that touch them).

Each built edition is written as ``hs_codes/<EDITION>.csv`` and each pair of editions as
``hs_correlations/<OLDER>-<NEWER>.csv``, with the edition(s) and the source stated once in the file's
provenance sidecar. Other files there are curated by hand (the HS2028 vaccine rows and links) and left as
they are. A code or link of the previous build that the real tables no longer have is reported, and so
is a description that changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from seeds.build import RawFile, raw_file, write_seed_table
from seeds.formats.hs_lists import read_hs_list
from seeds.formats.unsd import read_correlation
from seeds.read import seed_table

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


MADE_BY = "python -m seeds.build nomenclature"


@dataclass
class NomenclatureReport:
    codes: dict[str, int] = field(default_factory=dict)
    links: dict[str, int] = field(default_factory=dict)
    curated_files: list[str] = field(default_factory=list)
    dropped_codes: list[str] = field(default_factory=list)
    dropped_links: list[str] = field(default_factory=list)
    descriptions_changed: int = 0

    def lines(self) -> list[str]:
        out = [f"codes {v}: {n}" for v, n in self.codes.items()]
        out += [f"links {k}: {n}" for k, n in self.links.items()]
        out.append(f"curated files left as they are: {', '.join(self.curated_files) or 'none'}")
        out.append(f"descriptions replaced by the real list: {self.descriptions_changed}")
        if self.dropped_codes:
            out.append(f"codes of the previous build the real lists do not have (dropped): {', '.join(self.dropped_codes)}")
        if self.dropped_links:
            out.append(f"links of the previous build the UNSD tables do not have (dropped): {', '.join(self.dropped_links)}")
        return out


def _previous(path: Path) -> list[dict]:
    return seed_table(path) if path.is_file() else []


def build_nomenclature(eval_data: Path, out_dir: Path) -> NomenclatureReport:
    """Rewrite ``hs_codes/<EDITION>.csv`` and ``hs_correlations/<OLDER>-<NEWER>.csv`` (and their sidecars)
    under ``out_dir`` for the editions and pairs built here."""
    report = NomenclatureReport()
    (out_dir / "hs_codes").mkdir(parents=True, exist_ok=True)
    (out_dir / "hs_correlations").mkdir(parents=True, exist_ok=True)
    for version, (local, what) in LISTS.items():
        raw: RawFile = raw_file(eval_data, local)
        hs = read_hs_list(eval_data / local, version if local.endswith(".csv") else None)
        if hs.version != version:
            raise ValueError(f"{local}: the file is {hs.version}, expected {version}")
        source = f"{what}; {raw.cite()}"
        codes = {e.code: {"version": version, "code": e.code, "description": e.description, "source": source}
                 for e in hs.entries if not _not_hs(e.code)}
        report.codes[version] = len(codes)
        path = out_dir / "hs_codes" / f"{version}.csv"
        for row in _previous(path):
            if row["code"] not in codes:
                report.dropped_codes.append(f"{version} {row['code']}")
            elif codes[row["code"]]["description"] != row.get("description"):
                report.descriptions_changed += 1
        write_seed_table(path, CODES_HEADER, [codes[k] for k in sorted(codes)], MADE_BY, shared=("version", "source"))

    for (older, newer), (local, what) in TABLES.items():
        raw = raw_file(eval_data, local)
        table = read_correlation(eval_data / local, older, newer)
        source = f"{what}; {raw.cite()}"
        links: dict[tuple[str, str], dict] = {}
        for link in table.links:
            if _not_hs(link.from_code) or _not_hs(link.to_code):
                continue
            links[(link.from_code, link.to_code)] = {
                "from_version": older, "from_code": link.from_code, "to_version": newer, "to_code": link.to_code,
                "partial": "true" if link.partial else "false", "source": source}
        report.links[f"{older}->{newer}"] = len(links)
        path = out_dir / "hs_correlations" / f"{older}-{newer}.csv"
        report.dropped_links += [f"{older} {r['from_code']} {newer} {r['to_code']}" for r in _previous(path)
                                 if (r["from_code"], r["to_code"]) not in links]
        write_seed_table(path, LINKS_HEADER, [links[k] for k in sorted(links)], MADE_BY,
                         shared=("from_version", "to_version", "source"))

    built = {f"{v}.csv" for v in LISTS} | {f"{a}-{b}.csv" for a, b in TABLES}
    report.curated_files = [f"{p.parent.name}/{p.name}" for d in ("hs_codes", "hs_correlations")
                            for p in sorted((out_dir / d).glob("*.csv")) if p.name not in built]
    return report
