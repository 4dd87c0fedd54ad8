"""The generated seeds: full HS nomenclature, the EU-Japan and CPTPP PSR annexes, their cross-check.

The files are built by ``python -m seeds.build all ../shared/eval-data`` (``seeds/build``); the
rebuild test checks that the committed files are exactly what the script makes from the public
files, and skips when they are absent.
"""

from __future__ import annotations

import filecmp
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from graph.psr import governing_rule
from graph.store import Store
from seeds.read import BUNDLED, read_seeds, seed_table

EVAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "eval-data"
D = date.fromisoformat


def _rows(name: str) -> list[dict]:
    """The rows as the seed reader sees them (provenance sidecar applied), an empty cell as ''."""
    return [defaultdict(str, row) for row in seed_table(BUNDLED / name)]


def test_generated_files_parse_with_full_editions() -> None:
    seeds = read_seeds()
    per_version: dict[str, int] = {}
    for c in seeds.codes:
        if len(c.code) == 6:
            per_version[c.version] = per_version.get(c.version, 0) + 1
    # WCO counts (PROVENANCE.md): 5,205 / 5,387 / 5,612 subheadings
    assert (per_version["HS2012"], per_version["HS2017"], per_version["HS2022"]) == (5205, 5387, 5612)
    assert any(c.version == "HS2028" for c in seeds.codes), "curated HS2028 rows are kept"
    links = {(r.from_version, r.to_version) for r in seeds.correlations}
    assert {("HS2012", "HS2017"), ("HS2017", "HS2022"), ("HS2022", "HS2028")} <= links
    instruments = {p.instrument for p in seeds.psrs}
    assert {"EUJP", "CPTPP"} <= instruments


@pytest.mark.parametrize("name", ["psr/EUJP.csv", "psr/CPTPP.csv"])
def test_annex_rows_say_rule_or_reason_and_cite_their_commit(name: str) -> None:
    rows = _rows(name)
    assert len(rows) > 1500
    for row in rows:
        assert row["rule"] or (row["text"] and row["reason"]), row
        assert row["text"] and row["confidence"] in ("confirmed", "reported", "unknown")
        assert " @ " in row["source"] and "MIT" in row["licence"]
    assert sum(1 for r in rows if r["rule"]) > len(rows) // 3


def test_crosscheck_report_lists_every_disagreement_and_the_choice() -> None:
    report = _rows("reports/EUJP-crosscheck.csv")
    outcomes = {r["outcome"] for r in report}
    assert outcomes <= {"eu_first_alternative_only", "differs", "no_uk_line"}
    line = next(r for r in report if r["eu_label"] == "84.25-84.30")
    assert line["outcome"] == "eu_first_alternative_only" and "55%" in line["uk_text"]
    eujp = [r for r in _rows("psr/EUJP.csv") if r["scope"] == "8425"]
    assert eujp and eujp[0]["confidence"] == "reported"
    assert "50%" in eujp[0]["text"] and "55%" in eujp[0]["text"]
    for r in _rows("psr/EUJP.csv"):
        if r["confidence"] == "unknown" and not r["scope"].startswith("ex "):
            assert not r["rule"] and "differ" in r["reason"]


@pytest.mark.parametrize("code", ["610910", "870323", "847130", "020110", "940360"])
def test_hs2022_codes_resolve_through_the_lineage_to_the_annexes(seeded: Store, code: str) -> None:
    eujp = governing_rule(seeded, "EUJP", code, "HS2022", D("2025-06-01"))
    assert eujp is not None and eujp.schedule_version == "HS2017"
    assert eujp.match is not None and eujp.match.psr.instrument == "EUJP"
    cptpp = governing_rule(seeded, "CPTPP", code, "HS2022", D("2025-06-01"))
    assert cptpp is not None and cptpp.schedule_version == "HS2012"
    assert cptpp.match is not None and cptpp.match.psr.instrument == "CPTPP"
    assert cptpp.lineage is not None and cptpp.lineage.direction == "backward"


@pytest.mark.skipif(not EVAL_DATA.is_dir(), reason=f"{EVAL_DATA} is absent")
def test_build_reproduces_the_committed_files(tmp_path: Path) -> None:
    from seeds.build.annexes import build_annexes
    from seeds.build.nomenclature import build_nomenclature

    out = tmp_path / "data"
    (out / "psr").mkdir(parents=True)
    build_nomenclature(EVAL_DATA, out)
    build_annexes(EVAL_DATA, out)
    built = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert {"hs_codes/HS2022.csv", "hs_codes/HS2022.provenance.yaml", "hs_correlations/HS2017-HS2022.csv",
            "psr/EUJP.csv", "psr/EUJP.provenance.yaml", "psr/CPTPP.provenance.yaml",
            "reports/EUJP-crosscheck.csv"} <= set(built)
    for name in built:
        assert filecmp.cmp(out / name, BUNDLED / name, shallow=False), f"{name} differs from a rebuild"
    # no stale sidecar beside a generated file that a rebuild no longer writes
    for directory in ("hs_codes", "hs_correlations", "psr"):
        for sidecar in (BUNDLED / directory).glob("*.provenance.yaml"):
            assert f"{directory}/{sidecar.name}" in built, f"{sidecar} is not written by the build"
