"""Importers of public formats, on small fixtures in the real layouts (tests/fixtures/importers,
see its README), against the real session store. Each format: the happy path, a second import
changes nothing, and a bad row is reported with file, line (or JSON path) and field, nothing written.

The fixtures use codes that do not disturb the other tests: an HS2012 edition, chapters the seeds
do not have, UK schemes (GB is in no other test) and WTO agreements between countries no other
test pairs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from engine.models import Product, Shipment
from graph import queries
from graph.imports import (EU_ROO, CodeIndex, import_correlation, import_eu_roo, import_hs_list, import_uk_roo,
                           import_wto_rta, roo_plan, run_plan)
from graph.lineage import lineage
from graph.load import count_graph
from graph.origin import evaluate_shipment
from graph.psr import governing_rule
from graph.store import Store
from seeds.formats import FormatError
from seeds.formats.hs_lists import read_hs_list
from seeds.formats.eu_roo import read_eu_roo
from seeds.formats.uk_roo import read_uk_roo, translate_text
from seeds.formats.unsd import read_correlation
from seeds.formats.wto_rta import read_wto_rta, specific_dates

FIXTURES = Path(__file__).parent / "fixtures" / "importers"
CLI = [sys.executable, "-m", "api.cli"]

# The UNSD HS2017-HS2012 workbook layout: title row, header with an unnamed 'ex' column, links.
UNSD_2017_2012 = [
    ("010121", None, "010121", "1:1"),
    ("010129", None, "010129", "1:1"),
    ("030193", None, "030193", "1:n"),  # n:n group 030193/030199 <-> 030193/030199
    ("030193", "ex", "030199", "n:n"),
    ("030199", "ex", "030199", "n:1"),
    ("030552", "ex", "030559", "n:1"),  # 1:n split of HS2012 030559
    ("030553", "ex", "030559", "n:1"),
    ("030554", "ex", "030559", "n:1"),
    ("030559", "ex", "030559", "n:1"),
    ("370500", None, "370510", "1:n"),  # n:1 merge into HS2017 370500
    ("370500", None, "370590", "1:n"),
]


def _workbook(path: Path, rows=UNSD_2017_2012) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    conversion = book.active
    conversion.title = "Conversion HS17-HS12"
    conversion.append(("From HS 2017", "To HS 2012"))
    correlation = book.create_sheet("Correlation HS17-HS12")
    correlation.append(("Between", None, None, None))
    correlation.append(("HS 2017", None, "HS 2012", "Relationship"))
    for row in rows:
        correlation.append(row)
    book.save(path)
    return path


def _links(store: Store, version: str) -> dict[tuple[str, str], dict]:
    rows = store.read("MATCH (a:HSCode)-[r:CORRELATES_TO]->(b:HSCode) WHERE a.version = $v "
                      "RETURN a.code AS a, b.code AS b, properties(r) AS r", v=version)
    return {(row["a"], row["b"]): row["r"] for row in rows}


# --------------------------------------------------------------------------- UNSD correlations


def test_unsd_workbook_groups_kinds_and_ex_links(store: Store, tmp_path: Path) -> None:
    table = read_correlation(_workbook(tmp_path / "HS2017toHS2012ConversionAndCorrelationTables.xlsx"),
                             "HS2012", "HS2017")
    assert (table.from_version, table.to_version, table.partial_from) == ("HS2012", "HS2017", "ex column")
    summary = import_correlation(store, table)
    links = _links(store, "HS2012")
    assert links[("010121", "010121")]["kind"] == "1:1" and links[("010121", "010121")]["partial"] is False
    assert {links[(a, b)]["kind"] for a, b in [("030193", "030193"), ("030199", "030193"), ("030199", "030199")]} == {"n:n"}
    assert links[("030199", "030193")]["partial"] is True and links[("030193", "030193")]["partial"] is False
    assert {b for a, b in links if a == "030559"} == {"030552", "030553", "030554", "030559"}
    assert links[("030559", "030552")]["kind"] == "1:n" and links[("030559", "030552")]["partial"] is True
    assert links[("370510", "370500")]["kind"] == "n:1" and links[("370510", "370500")]["partial"] is False
    assert summary.counts["links"] == 11 and summary.counts["links of kind n:1"] == 2

    split = lineage(store, "030559", "HS2012", "HS2017")
    assert split.ambiguous and split.targets == ("030552", "030553", "030554", "030559")
    assert store.read("MATCH (:HSVersion {code: 'HS2017'})-[:FOLLOWS]->(v:HSVersion) RETURN v.code AS c") == [{"c": "HS2012"}]

    before = count_graph(store)
    import_correlation(store, table)
    assert count_graph(store) == before


def test_unsd_csv_layout_derives_partial_and_reads_old_to_new(store: Store) -> None:
    table = read_correlation(FIXTURES / "unsd" / "correlation_sample.csv")
    assert (table.from_version, table.to_version, table.partial_from) == ("HS2017", "HS2022", "derived")
    import_correlation(store, table)
    links = _links(store, "HS2017")
    assert links[("080290", "080291")] == {**links[("080290", "080291")], "kind": "1:n", "partial": True}
    assert links[("070490", "070410")]["kind"] == "n:n"
    assert links[("490510", "490590")]["kind"] == "n:1" and links[("490510", "490590")]["partial"] is False
    assert links[("070110", "070110")]["kind"] == "1:1"
    assert lineage(store, "080290", "HS2017", "HS2022").targets == ("080291", "080292", "080299")


def test_unsd_bad_code_names_file_line_column_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    good = (FIXTURES / "unsd" / "correlation_sample.csv").read_text().splitlines()
    parts = good[4].split(",")
    parts[1] = "0704X0"
    good[4] = ",".join(parts)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(good) + "\n")
    before = count_graph(store)
    with pytest.raises(FormatError) as caught:
        import_correlation(store, read_correlation(bad))
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.field) == (str(bad), 5, "hs2017")
    assert "0704X0" in problem.message
    assert count_graph(store) == before

    with pytest.raises(FormatError) as caught:
        read_correlation(_workbook(tmp_path / "wrong.xlsx"), "HS2017", "HS2012")
    assert "use --from HS2012 --to HS2017" in str(caught.value)


def test_a_failing_import_rolls_back_whole(store: Store) -> None:
    before = count_graph(store)
    plan = [("MERGE_HS_CODES", [{"uid": "HS2012:999901", "props": {"code": "999901", "version": "HS2012"}}]),
            ("NO_SUCH_STATEMENT", [{"x": 1}])]
    with pytest.raises(KeyError):
        run_plan(store, plan)
    assert count_graph(store) == before
    assert not store.read(queries.HS_CODE_EXISTS, uid="HS2012:999901")


# --------------------------------------------------------------------------- HS lists


def test_hs_list_datahub_with_hierarchy_and_sections(store: Store) -> None:
    hs = read_hs_list(FIXTURES / "hs" / "datahub_harmonized-system_ch01.csv", "HS2022")
    assert len(hs.entries) == 46  # the TOTAL row is not a code
    summary = import_hs_list(store, hs)
    assert summary.counts == {"chapters": 2, "headings": 7, "subheadings": 37}
    up = store.read("MATCH (:HSCode {uid: 'HS2022:010121'})-[:CHILD_OF*]->(p) RETURN p.code AS code, p.section AS s "
                    "ORDER BY code")
    assert up == [{"code": "01", "s": "I"}, {"code": "0101", "s": "I"}]
    before = count_graph(store)
    import_hs_list(store, hs)
    assert count_graph(store) == before


def test_hs_list_comtrade_json_names_its_edition(store: Store) -> None:
    hs = read_hs_list(FIXTURES / "hs" / "comtrade_H4_HS2012_ch01.json")
    assert hs.version == "HS2012" and all(e.code.isdigit() for e in hs.entries)
    import_hs_list(store, hs)
    row = store.read(queries.HS_CODE_EXISTS, uid="HS2012:010129")[0]
    assert row["level"] == 6 and not row["description"].startswith("010129")
    assert store.read("MATCH (:HSCode {uid: 'HS2012:010129'})-[:CHILD_OF]->(p) RETURN p.code AS c") == [{"c": "0101"}]
    with pytest.raises(FormatError, match="not --version HS2017"):
        read_hs_list(FIXTURES / "hs" / "comtrade_H4_HS2012_ch01.json", "HS2017")


def test_hs_list_bad_rows_name_line_or_json_path(store: Store, tmp_path: Path) -> None:
    lines = (FIXTURES / "hs" / "datahub_harmonized-system_ch01.csv").read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",4"  # a subheading claiming level 4
    bad = tmp_path / "hs.csv"
    bad.write_text("\n".join(lines) + "\n")
    before = count_graph(store)
    with pytest.raises(FormatError) as caught:
        import_hs_list(store, read_hs_list(bad, "HS2022"))
    assert [(p.line, p.field) for p in caught.value.problems] == [(4, "level")]

    data = json.loads((FIXTURES / "hs" / "comtrade_H4_HS2012_ch01.json").read_text())
    data["results"][7]["parent"] = "0102"
    bad_json = tmp_path / "h4.json"
    bad_json.write_text(json.dumps(data))
    with pytest.raises(FormatError) as caught:
        read_hs_list(bad_json)
    assert caught.value.problems[0].field == "results[7].parent"
    assert count_graph(store) == before


# --------------------------------------------------------------------------- UK rules of origin


def test_uk_rule_wordings_translate_only_when_unambiguous() -> None:
    assert translate_text("Manufacture in which the value of all the materials used does not exceed 50% of the "
                          "ex-works price of the product.") == "MaxNOM(50)"
    assert translate_text("A change to a good of heading 7219 from any other heading, except from heading 7220.") \
        == "CTH except 7220"
    assert translate_text("A change from any other chapter, except from chapter 2 or chapter 3.") == "CC except 02, 03"
    assert translate_text("The good has a Regional Value Content (RVC) as calculated under Article 4 of the Origin "
                          "Reference Document of not less than 40%, whether using the build-up method or build-down "
                          "method (RVC40).") == "RVC(40, build-down) | RVC(40, build-up)"
    # tolerances and named materials now have exact forms (seeds/formats/rule_text.py)
    assert translate_text("Manufacture from materials of any heading, except that of the product. However, materials "
                          "of the same heading as the product may be used, provided that their total value does not "
                          "exceed 20% of the ex-works price of the product.") == "CTH allow @heading & NOM(@heading, 20)"
    assert translate_text("Manufacture from yarn.") == 'FROM("yarn")'
    # prose conditions with no exact form: kept as text
    assert translate_text("A change from within this subheading or any other subheading, except from subheading "
                          "170191 through 170199.") is None


def test_code_index_covers_ranges_most_specific_first() -> None:
    index = CodeIndex(["61", "6109", "610910", "610990", "6110", "611011", "85", "8541", "854110", "854190"])
    assert index.cover("6100000000", "6199999999") == [("61", False)]
    assert index.cover("6101000000", "6117999999") == [("6109", False), ("6110", False)]
    assert index.cover("8541900000", "8541999999") == [("854190", False)]
    assert index.cover("6109100010", "6109100090") == [("610910", True)]
    assert index.cover("8801000000", "8805999999") == []


def _uk(store: Store):
    import_hs_list(store, read_hs_list(FIXTURES / "hs" / "datahub_harmonized-system_ch01.csv", "HS2022"))
    return import_uk_roo(store, read_uk_roo(FIXTURES / "uk_roo"))


def test_uk_roo_schemes_parties_and_psrs(seeded: Store) -> None:
    summary = _uk(seeded)
    rules = sum(len(rs.rules) for rss in read_uk_roo(FIXTURES / "uk_roo").rule_sets.values() for rs in rss)
    assert rules == 26
    assert sum(sum(reasons.values()) for reasons in summary.outcomes.values()) == rules  # every rule accounted for
    assert set(summary.outcomes.get("skipped", {})) <= {  # none once the seeds carry chapter 88
        "no HS2022 code in the graph falls in its commodity-code range (codes that are not in HS2022, "
        "or the HS2022 list is not imported)"}
    assert summary.counts["schemes without a rule_sets file (imported without PSRs)"] == "andean"
    assert "andean" in summary.counts["scheme countries/areas not a Country or Bloc in the graph (no PARTY_TO)"]

    parties = seeded.read("MATCH (p)-[r:PARTY_TO]->(:Instrument {code: 'UK-SERBIA'}) "
                          "RETURN p.code AS code, r.side AS side, r.in_force_from AS since ORDER BY code")
    assert parties == [{"code": "GB", "side": "GB", "since": "2021-01-01"},
                       {"code": "RS", "side": "partner", "since": "2021-01-01"}]  # the tariff's XS is Serbia
    extended = seeded.read("MATCH (:Instrument {code: 'UK-SERBIA'})-[:HAS_PROVISION]->(v {key: 'cumulation.extended'}) "
                           "RETURN v.extends_to AS countries")[0]["countries"]
    assert "EU" in extended and "GB" not in extended and "RS" not in extended

    psrs = seeded.read("MATCH (:Instrument {code: 'UK-JAPAN'})-[:HAS_PSR]->(p:Psr)-[:APPLIES_TO]->(h:HSCode) "
                       "RETURN p.scope AS scope, p.rule AS rule, p.criteria AS criteria, p.machine_evaluable AS ok, "
                       "p.reason AS reason, h.code AS code ORDER BY code, scope")
    by_code = {}
    for row in psrs:
        by_code.setdefault(row["code"], []).append(row)
    assert {r["code"] for r in psrs} >= {"0101", "0106", "6109", "7207", "854190"}
    assert by_code["7207"][0]["ok"] is True and by_code["7207"][0]["criteria"]
    text_only = [r for r in psrs if not r["ok"]]
    assert text_only and all(r["criteria"] is None and r["reason"] for r in text_only)
    ex = seeded.read("MATCH (:Instrument {code: 'UK-SERBIA'})-[:HAS_PSR]->(p:Psr)-[:APPLIES_TO]->(:HSCode {code: '8541'}) "
                     "RETURN p.scope AS scope, p.ex AS ex ORDER BY scope")
    assert ex == [{"scope": "ex 8541", "ex": True}, {"scope": "ex Chapter 85", "ex": False}]

    before = count_graph(seeded)
    again = _uk(seeded)
    assert count_graph(seeded) == before
    assert again.outcomes == summary.outcomes


def test_uk_roo_bad_rule_set_names_json_path_and_writes_nothing(seeded: Store, tmp_path: Path) -> None:
    copy = shutil.copytree(FIXTURES / "uk_roo", tmp_path / "uk_roo")
    path = copy / "rule_sets" / "serbia.json"
    data = json.loads(path.read_text())
    data["rule_sets"][1]["min"] = "61000000"
    path.write_text(json.dumps(data))
    before = count_graph(seeded)
    with pytest.raises(FormatError) as caught:
        import_uk_roo(seeded, read_uk_roo(copy))
    problem = caught.value.problems[0]
    assert problem.file.endswith("rule_sets/serbia.json") and problem.field == "rule_sets[1].min"
    assert count_graph(seeded) == before


def test_uk_roo_unknown_cumulation_method_names_file_and_field_and_writes_nothing(seeded: Store) -> None:
    """A method the engine has no kind for (``diagnoal``) would be a provision no evaluation reads: the
    reader refuses it, naming the file and the JSON path, before anything is written."""
    hostile = FIXTURES / "uk_roo_unknown_cumulation"
    before = count_graph(seeded)
    with pytest.raises(FormatError) as caught:
        import_uk_roo(seeded, read_uk_roo(hostile))
    [problem] = caught.value.problems
    assert problem.file == f"{hostile}/roo_schemes_uk.json"
    assert problem.field == "schemes[0].cumulation_methods.diagnoal"
    assert "unknown cumulation method 'diagnoal': the engine knows bilateral, diagonal, full, extended" \
        in problem.message
    assert count_graph(seeded) == before


@pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="exercises the embedded default")
def test_cli_uk_roo_unknown_cumulation_method_is_an_import_error(tmp_path: Path) -> None:
    env = {**os.environ, "ORIGINGRAPH_DATA": str(tmp_path / "data")}
    hostile = FIXTURES / "uk_roo_unknown_cumulation"
    failed = subprocess.run([*CLI, "import", "uk-roo", str(hostile)], env=env, capture_output=True, text=True,
                            timeout=300)
    assert failed.returncode == 2
    assert (f"{hostile}/roo_schemes_uk.json: schemes[0].cumulation_methods.diagnoal: unknown cumulation method "
            f"'diagnoal'") in failed.stderr
    assert "nothing was written" in failed.stderr


# --------------------------------------------------------------------------- EU-side (XI) rules of origin


def _parties(store: Store, instrument: str) -> list[dict]:
    return store.read("MATCH (p)-[r:PARTY_TO]->(:Instrument {code: $code}) RETURN p.code AS code, r.side AS side, "
                      "r.status AS status, r.in_force_from AS since, r.note AS note ORDER BY code", code=instrument)


def test_eu_roo_schemes_parties_psrs_and_per_scheme_summary(seeded: Store) -> None:
    data = read_eu_roo(FIXTURES / "eu_roo")
    summary = import_eu_roo(seeded, data)
    assert summary.source.endswith("(PSRs attached to HS2017 codes)")  # the default edition
    faroe = summary.schemes["faroe-islands"]
    assert (faroe.rule_sets, faroe.machine_evaluable, faroe.text_only, faroe.heading_labels_skipped) == (7, 3, 1, 1)
    assert sum(faroe.skipped.values()) == 2 and sum(faroe.reasons.values()) == faroe.text_only
    assert any("not two 10-digit codes" in r for r in faroe.skipped)  # '7108and7110' in min/max
    assert any(r.startswith("no HS2017 code") for r in faroe.skipped)  # 8524 'records' is no HS2017 heading
    assert summary.schemes["pacific"].skipped == {"rule set marked not valid in the source": 1}
    assert summary.schemes["oct"].skipped == {"oct.json has no scheme 'oct' in roo_schemes_xi.json": 1}
    total = summary.totals
    assert total.rule_sets == sum(len(v) for v in data.rule_sets.values()) == 10
    assert total.rule_sets == (total.machine_evaluable + total.text_only + total.heading_labels_skipped
                               + sum(total.skipped.values()))  # every rule set accounted for
    assert sum(sum(r.values()) for r in summary.outcomes.values()) == summary.counts["rules"] == 11

    # dates where the data gives them (faroe-islands), else null with a note; the EU on its own side
    assert [(p["code"], p["side"], p["status"], p["since"]) for p in _parties(seeded, "EU-FAROE-ISLANDS")] == [
        ("EU", "EU", "in_force", "1997-01-01"), ("FO", "partner", "in_force", "1997-01-01")]
    pacific = _parties(seeded, "EU-PACIFIC")
    assert [p["code"] for p in pacific] == ["EU", "FJ", "PG", "WS"]
    assert all(p["status"] == "signed" and p["since"] is None and "no dates" in p["note"] for p in pacific)
    # a scheme listing the EU itself names the EU's own side: no partner
    assert [p["code"] for p in _parties(seeded, "EU-EU")] == ["EU"]
    assert "esa" in summary.counts["scheme countries/areas not a Country or Bloc in the graph (no PARTY_TO)"]
    note = seeded.read("MATCH (i:Instrument {code: 'EU-PACIFIC'}) RETURN i.note AS note, i.status AS status")[0]
    assert note["status"] == "signed" and "gives no dates" in note["note"] and "no cumulation" in note["note"]

    psrs = seeded.read("MATCH (:Instrument {code: 'EU-FAROE-ISLANDS'})-[:HAS_PSR]->(p:Psr)-[:APPLIES_TO]->(h:HSCode) "
                       "RETURN p.scope AS scope, p.rule AS rule, p.machine_evaluable AS ok, p.reason AS reason, "
                       "p.ex AS ex, h.uid AS uid ORDER BY uid")
    by_uid = {r["uid"]: r for r in psrs}
    assert by_uid["HS2017:6109"]["rule"] == "CTH" and by_uid["HS2017:6109"]["ok"] is True
    assert by_uid["HS2017:854140"]["scope"] == "ex 8541" and by_uid["HS2017:854140"]["rule"] == "CTH"
    assert by_uid["HS2017:28"]["rule"] == "MaxNOM(40)"
    assert by_uid["HS2017:8471"]["ok"] is False and by_uid["HS2017:8471"]["reason"]
    assert "HS2017:8541" not in by_uid  # the heading label is no PSR

    before = count_graph(seeded)
    again = import_eu_roo(seeded, read_eu_roo(FIXTURES / "eu_roo"))
    assert count_graph(seeded) == before
    assert again.schemes == summary.schemes and again.outcomes == summary.outcomes


def _eu_copy(tmp_path: Path) -> Path:
    return shutil.copytree(FIXTURES / "eu_roo", tmp_path / "eu_roo")


def _rewrite(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("file, change, field, message", [
    ("psr_new/faroe-islands.json", lambda d: d["rule_sets"][1]["rules"][0].update({"class": "CTH"}),
     "rule_sets[1].rules[0].class", "expected a list of class tags"),
    ("psr_new/faroe-islands.json", lambda d: d["rule_sets"][3].pop("min"), "rule_sets[3].min",
     "expected a 10-digit commodity code"),
    ("psr_new/pacific.json", lambda d: d["rule_sets"][0].update({"valid": "yes"}), "rule_sets[0].valid",
     "expected true or false"),
    ("roo_schemes_xi.json", lambda d: d["schemes"][1].update({"scheme_code": "Pacific States"}),
     "schemes[1].scheme_code", "expected a scheme code"),
    ("roo_schemes_xi.json", lambda d: d["schemes"][0].update({"validity_start_date": "1 January 1997"}),
     "schemes[0].validity_start_date", "expected a date written YYYY-MM-DD"),
])
def test_eu_roo_bad_field_names_file_json_path_and_writes_nothing(seeded: Store, tmp_path: Path, file, change,
                                                                  field, message) -> None:
    copy = _eu_copy(tmp_path)
    _rewrite(copy / file, change)
    before = count_graph(seeded)
    with pytest.raises(FormatError) as caught:
        import_eu_roo(seeded, read_eu_roo(copy))
    problem = caught.value.problems[0]
    assert (problem.file, problem.field) == (f"{copy}/{file}", field) and message in problem.message
    assert count_graph(seeded) == before


def test_eu_roo_bad_files_are_named(tmp_path: Path) -> None:
    copy = _eu_copy(tmp_path)
    (copy / "psr_new" / "pacific.json").write_text('{"rule_sets": [')
    with pytest.raises(FormatError) as caught:
        read_eu_roo(copy)
    assert caught.value.problems[0].file == f"{copy}/psr_new/pacific.json"
    assert "not valid JSON" in caught.value.problems[0].message
    (copy / "roo_schemes_xi.json").unlink()
    with pytest.raises(FormatError, match="no roo_schemes_xi.json in"):
        read_eu_roo(copy)


def test_eu_roo_import_is_all_or_nothing(seeded: Store, tmp_path: Path) -> None:
    """A failure after every EU write has run in the transaction leaves none of them."""
    copy = _eu_copy(tmp_path)
    _rewrite(copy / "roo_schemes_xi.json", lambda d: d["schemes"][0].update({"scheme_code": "faroe-rollback"}))
    (copy / "psr_new" / "faroe-islands.json").rename(copy / "psr_new" / "faroe-rollback.json")
    codes = [r["code"] for r in seeded.read(queries.IMPORT_CODES_OF_VERSION, version="HS2017")]
    plan, _ = roo_plan(EU_ROO, read_eu_roo(copy), codes, {"EU", "FO"}, "HS2017")
    before = count_graph(seeded)
    with pytest.raises(KeyError):
        run_plan(seeded, [*plan, ("NO_SUCH_STATEMENT", [{"x": 1}])])
    assert count_graph(seeded) == before
    assert not seeded.read("MATCH (i:Instrument {code: 'EU-FAROE-ROLLBACK'}) RETURN i.code AS c")


# --------------------------------------------------------------------------- WTO RTA database


def _wto_party(store: Store, code: str) -> list[dict]:
    return store.read("MATCH (p)-[r:PARTY_TO]->(:Instrument {code: $code}) RETURN p.code AS party, "
                      "r.status AS status, r.signed AS signed, r.in_force_from AS since, r.in_force_until AS until "
                      "ORDER BY party", code=code)


def test_wto_rta_csv_with_long_signatories(seeded: Store) -> None:
    data = read_wto_rta([FIXTURES / "wto" / "wto_rta_allrtas.csv", FIXTURES / "wto" / "wto_rta_signatories_long.csv"])
    summary = import_wto_rta(seeded, data)
    assert summary.counts["RTAs read"] == 7 and summary.counts["agreements written"] == 6
    assert sum(summary.outcomes["RTAs skipped"].values()) == 1
    assert _wto_party(seeded, "WTO-RTA-848") == [
        {"party": "EU", "status": "in_force", "signed": "2014-06-27", "since": "2014-09-01", "until": None},
        {"party": "GE", "status": "in_force", "signed": "2014-06-27", "since": "2014-09-01", "until": None}]
    services = {p["party"]: p for p in _wto_party(seeded, "WTO-RTA-1268")}
    assert services["AM"]["since"] == "2024-11-13" and services["BY"]["since"] == "2024-06-05"
    kg_ru = _wto_party(seeded, "WTO-RTA-103")
    assert {p["status"] for p in kg_ru} == {"withdrawn"} and kg_ru[0]["until"]
    assert {p["status"] for p in _wto_party(seeded, "WTO-RTA-950")} == {"signed"}

    before = count_graph(seeded)
    import_wto_rta(seeded, data)
    assert count_graph(seeded) == before


def test_wto_rta_xlsx_and_names_without_the_long_file(seeded: Store, tmp_path: Path) -> None:
    import csv

    import openpyxl

    with (FIXTURES / "wto" / "wto_rta_allrtas.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "AllRTAs"
    sheet.append(rows[0])
    for row in rows[1:]:  # the WTO export stores dates as dates and ids as numbers
        sheet.append([int(v) if i == 0 else (__import__("datetime").date.fromisoformat(v) if len(v) == 10 and
                      v[4] == "-" and v[7] == "-" else (v or None)) for i, v in enumerate(row)])
    sheet_file = tmp_path / "AllRTAs.xlsx"
    book.save(sheet_file)
    coded = read_wto_rta([FIXTURES / "wto" / "wto_rta_allrtas.csv", FIXTURES / "wto" / "wto_rta_signatories_long.csv"])
    by_names = read_wto_rta([sheet_file])
    assert [(r.rta_id, r.in_force_from, r.signed) for r in by_names.rtas] == \
        [(r.rta_id, r.in_force_from, r.signed) for r in coded.rtas]
    import_wto_rta(seeded, by_names)
    assert [p["party"] for p in _wto_party(seeded, "WTO-RTA-50")] == ["AM", "KZ"]
    assert specific_dates("Samoa(31-Dec-2018 - ); United Kingdom( - 31-Dec-2020); X(01-Jan-9999 - )") == {
        "Samoa": ("2018-12-31", None, False), "United Kingdom": (None, "2020-12-31", False), "X": (None, None, True)}


def test_wto_rta_bad_date_names_line_and_column(seeded: Store, tmp_path: Path) -> None:
    text = (FIXTURES / "wto" / "wto_rta_allrtas.csv").read_text(encoding="utf-8")
    bad = tmp_path / "allrtas.csv"
    bad.write_text(text.replace("2014-09-01", "2014-09-31", 1), encoding="utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), start=1) if "2014-09-01" in l)
    before = count_graph(seeded)
    with pytest.raises(FormatError) as caught:
        import_wto_rta(seeded, read_wto_rta([bad]))
    problem = caught.value.problems[0]
    assert (problem.line, problem.field) == (line, "Date of Entry into Force (G)")
    assert count_graph(seeded) == before


# --------------------------------------------------------------------------- CLI


@pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="exercises the embedded default")
def test_cli_import_summary_on_stdout_and_errors_name_the_row(tmp_path: Path) -> None:
    env = {**os.environ, "ORIGINGRAPH_DATA": str(tmp_path / "data")}
    ok = subprocess.run([*CLI, "import", "hs-list", str(FIXTURES / "hs" / "datahub_harmonized-system_ch01.csv"),
                         "--version", "HS2022"], env=env, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert "hs-list:" in ok.stdout and "subheadings: 37" in ok.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("hs2022,hs2017\n010121,010121\n01012,0101X1\n")
    failed = subprocess.run([*CLI, "import", "unsd-correlation", str(bad)], env=env, capture_output=True, text=True,
                            timeout=300)
    assert failed.returncode == 2
    assert f"{bad}:3: hs2017: expected a 6-digit HS2017 code" in failed.stderr
    assert "nothing was written" in failed.stderr


@pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="exercises the embedded default")
def test_cli_eu_roo_json_summary_and_bad_field(tmp_path: Path) -> None:
    env = {**os.environ, "ORIGINGRAPH_DATA": str(tmp_path / "data")}
    ok = subprocess.run([*CLI, "import", "eu-roo", str(FIXTURES / "eu_roo"), "--json", "--hs-version", "HS2022"],
                        env=env, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    summary = json.loads(ok.stdout)
    assert summary["kind"] == "eu-roo" and "HS2022" in summary["source"]
    assert set(summary["schemes"]) == {"faroe-islands", "oct", "pacific"}
    assert summary["totals"]["rule_sets"] == 10 and summary["totals"]["heading_labels_skipped"] == 1
    assert set(summary["schemes"]["pacific"]) >= {"rule_sets", "machine_evaluable", "text_only", "reasons"}
    copy = _eu_copy(tmp_path)
    _rewrite(copy / "psr_new" / "pacific.json", lambda d: d["rule_sets"][1].update({"rules": []}))
    failed = subprocess.run([*CLI, "import", "eu-roo", str(copy)], env=env, capture_output=True, text=True,
                            timeout=300)
    assert failed.returncode == 2
    assert f"{copy}/psr_new/pacific.json: rule_sets[1].rules: expected a non-empty list of rules" in failed.stderr


def test_a_text_only_rule_is_reported_never_evaluated(seeded: Store) -> None:
    """A UK rule kept as text governs 170211 under UK-JAPAN (a weight limit against the product's own weight,
    which the rule language cannot say): the answer says so and no verdict is guessed."""
    _uk(seeded)
    rule = governing_rule(seeded, "UK-JAPAN", "170211", "HS2022", date(2025, 1, 1))
    assert rule.criterion is None and not rule.general_rule
    assert any("kept as text only" in note for note in rule.notes)
    product = Product(sku="JP-SUGAR", hs="170211", hs_version="HS2022", producer="JP", ex_works=Decimal(90),
                      fob=Decimal(100), currency="USD")
    report = evaluate_shipment(seeded, product, Shipment(exporter="JP", importer="GB", date=date(2025, 1, 1)))
    assert "UK-JAPAN" not in {v.instrument for v in report.verdicts}
    text_only = next(u for u in report.undetermined if u.instrument == "UK-JAPAN")
    assert "text only" in text_only.reason
