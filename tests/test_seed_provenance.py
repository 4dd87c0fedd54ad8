"""Provenance sidecars: the generated seed files state a shared source, licence or note once
(``<name>.provenance.yaml``) and every row still carries it in full, read back and in the graph.

The expected strings are the ones the rows carried inline before the sidecars (commit 8604bc0).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from graph.lineage import lineage
from graph.psr import governing_rule
from graph.store import Store
from seeds.read import SeedError, read_seeds, seed_table

D = date(2025, 6, 1)
WCO = ('WCO press release 2026-01-21 "HS 2028 Amendments" (amendments accepted; vaccines of heading 30.02 '
       'reclassified into new headings 30.07 and 30.08)')
CODE_SOURCES = {
    "HS2012": "UN Comtrade classification H4 (HS2012, abbreviated descriptions; UN terms of use, attribution); "
              "insongkim/concordance data-raw/classificationH4.json @ 201c812e51f2",
    "HS2017": "UN Comtrade classification H5 (HS2017, abbreviated descriptions; UN terms of use, attribution); "
              "insongkim/concordance data-raw/classificationH5.json @ 201c812e51f2",
    "HS2022": "datahub harmonized-system list (HS2022, generated from UN Comtrade H6; ODC-PDDL-1.0); "
              "datasets/harmonized-system data/harmonized-system.csv @ 905e5a0fa29f",
}
LINK_SOURCES = {
    ("HS2012", "HS2017"): "UNSD HS2017-HS2012 correlation table (ex column kept as partial; UN attribution); "
                          "insongkim/concordance data-raw/HS2017toHS2012ConversionAndCorrelationTables.xlsx @ 201c812e51f2",
    ("HS2017", "HS2022"): "UNSD HS2022-HS2017 correlation table (partial derived: the older code has more than one "
                          "partner; UN attribution); insongkim/concordance "
                          "data-raw/HS2022toHS2017ConversionAndCorrelationTables.xlsx @ 201c812e51f2",
    ("HS2022", "HS2028"): f"{WCO}; target is the new heading (its 6-digit subheadings are not in our sources)",
}
LICENCES = {
    "EUJP": "MIT, Crown Copyright (Government Digital Service): repository licence of trade-tariff/ott-prototype "
            "(LICENCE.txt)",
    "CPTPP": "MIT, Crown Copyright (Government Digital Service): repository licence of "
             "trade-tariff/trade-tariff-backend (LICENCE.txt)",
}
TITLES = {
    "EUJP": "EU-Japan EPA Annex 3-B (product-specific rules), EU-side transcription (UK Trade Tariff OTT prototype "
            "XI data), japan.json rule_sets[",
    "CPTPP": "CPTPP product-specific rules (UK Trade Tariff rules of origin, CPTPP Origin Reference Document v1.1), "
             "cptpp.json rule_sets[",
}
CPTPP_6109 = ("CPTPP product-specific rules (UK Trade Tariff rules of origin, CPTPP Origin Reference Document v1.1), "
              "cptpp.json rule_sets[551] (6101-6109); trade-tariff/trade-tariff-backend "
              "lib/rules_of_origin/roo_schemes_uk/rule_sets/cptpp.json @ 3c0266943e27")
EUJP_8413 = ("EU-Japan EPA Annex 3-B (product-specific rules), EU-side transcription (UK Trade Tariff OTT prototype XI "
             "data), japan.json rule_sets[338] (84.09-84.24); trade-tariff/ott-prototype "
             "app/data/roo/xi/psr_new/japan.json @ e5ab46257d21; alternatives from UK-Japan CEPA product-specific rules "
             "(UK Trade Tariff rules of origin), following the EU-Japan Annex 3-B text, japan.json rule_sets[371] "
             "(8413); trade-tariff/trade-tariff-backend lib/rules_of_origin/roo_schemes_uk/rule_sets/japan.json "
             "@ 3c0266943e27")
EUJP_8413_NOTE = ("Annex line 84.09-84.24. EU-side file gives only 'Production from non-originating materials of any "
                  "heading, except that of the product (CTH)'; the UK-side transcription (8413) lists all alternatives "
                  "and is used (EUJP-crosscheck.csv). regional value content method not named in the wording: the "
                  "instrument's default applies")


def test_every_generated_row_reads_back_with_its_full_provenance() -> None:
    seeds = read_seeds()
    for code in seeds.codes:
        assert code.source == CODE_SOURCES.get(code.version, WCO) or code.source.startswith(WCO), code
    assert {c.version for c in seeds.codes} == {"HS2012", "HS2017", "HS2022", "HS2028"}
    for link in seeds.correlations:
        assert link.source == LINK_SOURCES[(link.from_version, link.to_version)], link
    annex = [p for p in seeds.psrs if p.instrument in LICENCES]
    assert len(annex) == 1992 + 2944
    for psr in annex:
        assert psr.licence == LICENCES[psr.instrument]
        assert psr.source.startswith(TITLES[psr.instrument]) and " @ " in psr.source, psr
        assert psr.note and psr.note.startswith(("Annex line ", "Parts: ")), psr
        assert psr.hs_version == {"EUJP": "HS2017", "CPTPP": "HS2012"}[psr.instrument]
        assert not any(str(v).startswith("@") for v in (psr.text, psr.reason, psr.note, psr.confidence))


def test_graph_answers_carry_the_full_sources(seeded: Store) -> None:
    answer = lineage(seeded, "300220", "HS2017", "HS2028")
    links = answer.paths[0].links
    assert [link.source for link in links] == [LINK_SOURCES[("HS2017", "HS2022")], LINK_SOURCES[("HS2022", "HS2028")]]

    cptpp = governing_rule(seeded, "CPTPP", "610910", "HS2022", D)
    assert cptpp.match.psr.scope == "6109" and cptpp.match.psr.source == CPTPP_6109
    eujp = governing_rule(seeded, "EUJP", "841370", "HS2022", D)
    assert eujp.match.psr.scope == "8413" and eujp.match.psr.source == EUJP_8413
    assert eujp.match.note == EUJP_8413_NOTE
    stored = seeded.read("MATCH (p:Psr) WHERE p.uid IN $uids RETURN p.uid AS uid, p.licence AS licence, "
                         "p.confidence AS confidence", uids=["CPTPP:HS2012:6109:undated", "EUJP:HS2017:8413:undated"])
    assert {r["uid"]: (r["licence"], r["confidence"]) for r in stored} == {
        "CPTPP:HS2012:6109:undated": (LICENCES["CPTPP"], "reported"),
        "EUJP:HS2017:8413:undated": (LICENCES["EUJP"], "reported")}


SIDECAR = """defaults:
  instrument: ZZ
  licence: Public domain (test)
values:
  source:
    doc: "Test annex, {}; test repository @ 0123456789ab"
    whole: Test annex as a whole
"""
HEADER = "hs_version,scope,rule,source\n"


def _psr_dir(tmp_path: Path, rows: str, sidecar: str = SIDECAR) -> Path:
    root = tmp_path / "seeds"
    (root / "psr").mkdir(parents=True)
    (root / "psr" / "ZZ.csv").write_text(HEADER + rows, encoding="utf-8")
    (root / "psr" / "ZZ.provenance.yaml").write_text(sidecar, encoding="utf-8")
    return root


def test_keys_templates_defaults_and_inline_sources(tmp_path: Path) -> None:
    root = _psr_dir(tmp_path, "HS2022,6109,CTH,@doc line 3 (6109)\nHS2022,6110,CTH,@whole\n"
                              "HS2022,6111,CTH,seed-doc 009 (written by hand)\n")
    rows = seed_table(root / "psr" / "ZZ.csv")
    assert [r["source"] for r in rows] == ["Test annex, line 3 (6109); test repository @ 0123456789ab",
                                           "Test annex as a whole", "seed-doc 009 (written by hand)"]
    assert all(r["instrument"] == "ZZ" and r["licence"] == "Public domain (test)" for r in rows)


@pytest.mark.parametrize("cell, message", [
    ("@nope", "seeds/psr/ZZ.csv:3: source: unknown key @nope (not in ZZ.provenance.yaml values.source)"),
    ("@doc", "seeds/psr/ZZ.csv:3: source: @doc is a template: write the text for its {} after the key"),
    ("@whole line 3", "seeds/psr/ZZ.csv:3: source: @whole is no template (its text has no {}), so it takes no argument"),
])
def test_a_bad_key_is_a_load_error_naming_file_line_and_column(tmp_path: Path, cell: str, message: str) -> None:
    root = _psr_dir(tmp_path, f"HS2022,6109,CTH,@whole\nHS2022,6110,CTH,{cell}\n")
    with pytest.raises(SeedError) as caught:
        read_seeds(root)
    assert [str(p) for p in caught.value.problems] == [message]


def test_a_sidecar_naming_no_column_is_a_load_error(tmp_path: Path) -> None:
    root = _psr_dir(tmp_path, "HS2022,6109,CTH,@whole\n", SIDECAR.replace("  licence:", "  colour: red\n  licence:"))
    with pytest.raises(SeedError) as caught:
        read_seeds(root)
    assert [str(p) for p in caught.value.problems] == [
        "seeds/psr/ZZ.provenance.yaml:3: defaults.colour: no such column in its CSV"]
