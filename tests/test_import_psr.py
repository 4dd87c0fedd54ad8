"""``origingraph import psr``: official annex tables (CSV, XLSX) as an instrument's PSRs of one edition.

On the session store, through the real CLI and the real reader; the fictional instruments PSRX and
PSRN (tests/fixtures/importers/psr/seeds, parties FJ and PG that no other test pairs) take the lines.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.load import count_graph, load_seeds
from graph.psr import rule_answer
from graph.store import Store
from seeds.formats import FormatError
from seeds.formats.psr_table import parse_scopes, read_psr_table
from seeds.read import BUNDLED, read_seeds

PSR = Path(__file__).parent / "fixtures" / "importers" / "psr"
D = date(2025, 1, 1)


def psr_fixture_seeds(target: Path) -> Path:
    """Countries and HS editions of the bundled seeds plus the fictional PSRX / PSRN instruments."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("countries.csv", "hs_versions.yaml"):
        shutil.copy(BUNDLED / name, target / name)
    shutil.copytree(PSR / "seeds" / "agreements", target / "agreements", dirs_exist_ok=True)
    return target


@pytest.fixture(scope="module")
def annex_store(seeded: Store, tmp_path_factory: pytest.TempPathFactory) -> Store:
    load_seeds(seeded, read_seeds(psr_fixture_seeds(tmp_path_factory.mktemp("psr-seeds"))))
    return seeded


def import_psr(cli, file: str, instrument: str, version: str = "HS2022"):
    return cli("import", "psr", str(PSR / file), "--instrument", instrument, "--hs-version", version, "--json",
               "--no-progress")


def test_codes_are_read_as_annexes_write_them() -> None:
    cases = {"61.01": ["6101"], "6101.10": ["610110"], "ex 0302": ["ex 0302"], "84.25-84.30": ["8425-8430"],
             "Chapter 61": ["61"], "ex Chapter 3": ["ex 03"], "6101.10, 6101.20": ["610110", "610120"]}
    for text, scopes in cases.items():
        found, error = parse_scopes(text)
        assert error is None and [s.text for s in found] == scopes, text
    for bad in ("61.1x", "84.30-84.25", "61.01-6101.10", "Heading 61"):
        assert parse_scopes(bad)[1], bad


def test_csv_layout_title_rows_and_liberal_headers() -> None:
    table = read_psr_table(PSR / "annex_good.csv")
    assert table.columns == {"code": "HS Code", "description": "Description of Goods",
                             "rule": "Product Specific Rule", "ex": "ex", "note": "Remarks"}
    assert table.skipped_titles == 2  # "Section XI" and the rule-less "Chapter 60" caption
    assert [[s.text for s in line.scopes] for line in table.lines] == [
        ["6001-6004"], ["61"], ["6109"], ["6110"], ["ex 611020"], ["8541"]]
    assert table.lines[4].note == "only those containing cashmere" and table.lines[0].row == 6


def test_xlsx_layout_finds_the_annex_sheet_and_restores_whole_numbers() -> None:
    table = read_psr_table(PSR / "annex_good.xlsx")
    assert table.file.endswith("annex_good.xlsx [Annex 3A]")
    assert [[s.text for s in line.scopes] for line in table.lines] == [["6109"], ["ex 6110"], ["854141"]]


@pytest.mark.parametrize("name, expected", [
    ("annex_bad.csv", [
        "annex_bad.csv:3: HS Code: '61.1x' is not a chapter, heading or subheading",
        "annex_bad.csv:4: HS Code: a rule with no code",
        "annex_bad.csv:5: HS Code: the range '84.30-84.25' runs backwards",
        "annex_bad.csv:6: HS Code: 6109 is written twice (first on row 2)",
        "annex_bad.csv:7: Ex: expected 'ex' or nothing (or yes/no), got 'maybe'",
        "annex_bad.csv:8: HS Code: the range '61.01-6101.10' runs from a 4-digit to a 6-digit code"]),
    ("annex_bad.xlsx", [
        "annex_bad.xlsx [PSR]:2: Code: 61.1 is a number, not text",
        "annex_bad.xlsx [PSR]:3: Code: a rule with no code",
        "annex_bad.xlsx [PSR]:4: Code: 'Heading 61' is not a chapter, heading or subheading"]),
])
def test_bad_rows_are_all_reported_with_file_row_and_column(name: str, expected: list[str]) -> None:
    with pytest.raises(FormatError) as raised:
        read_psr_table(PSR / name)
    lines = [str(p) for p in raised.value.problems]
    assert len(lines) == len(expected)
    for line, want in zip(lines, expected):
        assert want in line


def test_import_csv_compiles_rows_keeps_text_only_and_records_the_annex(annex_store: Store, cli) -> None:
    before = rule_answer(annex_store, "PSRX", "847130", "HS2022", D)
    assert before.rule_status == "annex_not_loaded" and before.rule.provisional

    run = import_psr(cli, "annex_good.csv", "PSRX")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["counts"]["annex lines"] == 6 and summary["counts"]["PSRs written"] == 6
    assert summary["counts"]["machine-evaluable"] == 5 and summary["counts"]["text only"] == 1
    assert summary["counts"]["title rows skipped"] == 2
    assert summary["counts"]["APPLIES_TO links"] == 9  # 6001-6004 reaches the 4 seeded headings

    t_shirt = rule_answer(annex_store, "PSRX", "610910", "HS2022", D)
    assert (t_shirt.rule_status, t_shirt.rule.rule, t_shirt.rule.match.psr.scope) == ("psr", "CC", "6109")
    cotton = rule_answer(annex_store, "PSRX", "611020", "HS2022", D)
    assert cotton.rule_status == "text_only" and cotton.rule.criterion is None
    assert cotton.rule.match.ex and cotton.rule.rule == "RVC 40% under the focused value method or CTH"
    fabric = rule_answer(annex_store, "PSRX", "6002", "HS2022", D)
    assert fabric.rule_status == "psr" and fabric.rule.match.psr.scope == "6001-6004"
    machine = rule_answer(annex_store, "PSRX", "847130", "HS2022", D)
    assert machine.rule_status == "general_rule" and not machine.rule.provisional
    assert machine.rule.annex.coverage == "complete"


def test_before_its_schedule_is_in_force_no_annex_answers_for_the_instrument(annex_store: Store, cli) -> None:
    """PSRX's HS2022 schedule runs from 2022-01-01: in 2019 a code is looked up in its own edition, and
    the HS2022 annex does not answer for it (on ArcadeDB an OPTIONAL MATCH with a variable-length part
    matches any node for an end bound to null: the missing schedule's edition matched HS2022, and an
    HS2017 code got the HS2022 annex's PSR)."""
    assert import_psr(cli, "annex_good.csv", "PSRX").returncode == 0
    before = rule_answer(annex_store, "PSRX", "600410", "HS2017", date(2019, 6, 1))
    assert (before.rule_status, before.rule.schedule_version, before.rule.match) == ("annex_not_loaded", "HS2017", None)
    assert "no PSR schedule edition is recorded for PSRX on 2019-06-01" in " ".join(before.rule.notes)
    after = rule_answer(annex_store, "PSRX", "600410", "HS2022", date(2022, 6, 1))
    assert after.rule_status == "psr" and after.rule.match.psr.scope == "6001-6004"


def test_second_import_changes_no_count(annex_store: Store, cli) -> None:
    assert import_psr(cli, "annex_good.csv", "PSRX").returncode == 0
    first = count_graph(annex_store)
    again = import_psr(cli, "annex_good.csv", "PSRX")
    assert again.returncode == 0, again.stderr
    assert count_graph(annex_store) == first


@pytest.mark.parametrize("file, instrument, version, message", [
    ("annex_unknown_code.csv", "PSRX", "HS2022",
     "annex_unknown_code.csv:3: HS Code: 7777 is not an HS2022 code in the graph"),
    ("annex_bad.csv", "PSRX", "HS2022", "annex_bad.csv:3: HS Code:"),
    ("annex_good.csv", "PSRX", "HS2017", "--hs-version: PSRX has no HS2017 PSR schedule"),
    ("annex_good.csv", "NO-SUCH", "HS2022", "--instrument: unknown instrument 'NO-SUCH'"),
])
def test_a_bad_import_writes_nothing(annex_store: Store, cli, file: str, instrument: str, version: str,
                                     message: str) -> None:
    assert import_psr(cli, "annex_good.csv", "PSRX").returncode == 0
    before = count_graph(annex_store)
    run = import_psr(cli, file, instrument, version)
    assert run.returncode != 0 and message in run.stderr, run.stderr
    assert count_graph(annex_store) == before
    assert rule_answer(annex_store, "PSRX", "610910", "HS2022", D).rule.match.psr.scope == "6109"


def test_xlsx_import_creates_the_schedule_and_replaces_lines_of_that_edition(annex_store: Store, cli) -> None:
    nothing = rule_answer(annex_store, "PSRN", "610910", "HS2022", D)
    assert nothing.rule_status == "no_rule" and nothing.rule is None and "load the annex" in nothing.status_reason
    run = import_psr(cli, "annex_good.xlsx", "PSRN")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["counts"]["PSRs written"] == 3 and "created" in summary["counts"]["annex coverage"]
    assert rule_answer(annex_store, "PSRN", "610910", "HS2022", D).rule_status == "psr"
    listed_nothing = rule_answer(annex_store, "PSRN", "847130", "HS2022", D)
    assert listed_nothing.rule_status == "no_rule" and "lists no PSR" in listed_nothing.status_reason

    client = TestClient(create_app(annex_store))
    detail = client.get("/v1/instruments/PSRN").json()
    assert [(s["hs_version"], s["psr_lines"], s["machine_evaluable"], s["text_only"], s["annex"]["coverage"])
            for s in detail["psr_schedules"]] == [("HS2022", 3, 3, 0, "complete")]
    assert import_psr(cli, "annex_good.csv", "PSRX").returncode == 0
    detail = client.get("/v1/instruments/PSRX").json()
    assert [(s["hs_version"], s["valid_from"], s["psr_lines"], s["machine_evaluable"], s["text_only"])
            for s in detail["psr_schedules"]] == [("HS2022", "2022-01-01", 6, 5, 1)]
