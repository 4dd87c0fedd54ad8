"""Honest rule status: every instrument of a rules answer and every verdict says whether its rule is a
PSR of a loaded annex, the general rule of a loaded annex, a provisional general rule (annex not
loaded), a text-only PSR (no verdict) or no rule at all; through the graph, the CLI and the API."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from engine.bom_input import parse_bom
from graph.applicability import rules_between
from graph.load import load_seeds
from graph.origin import evaluate_shipment
from graph.store import Store
from seeds.read import read_seeds
from test_import_psr import PSR, import_psr, psr_fixture_seeds

D = date.fromisoformat
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def status_store(seeded: Store, cli, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The seeded store with PSRX holding the fixture annex (one text-only ex line for 6110.20)."""
    load_seeds(seeded, read_seeds(psr_fixture_seeds(tmp_path_factory.mktemp("status-seeds"))))
    run = import_psr(cli, "annex_good.csv", "PSRX")
    assert run.returncode == 0, run.stderr
    return seeded


def _status(store: Store, exporter: str, importer: str, day: str, hs: str, instrument: str):
    answer = rules_between(store, exporter, importer, D(day), hs, "HS2022")
    return next(i for i in answer.instruments if i.instrument == instrument)


def test_psr_of_a_loaded_annex(status_store: Store) -> None:
    item = _status(status_store, "MY", "AU", "2020-06-01", "610120", "AANZFTA")
    assert item.rule_status == "psr" and item.psr.match.psr.scope == "610120" and not item.psr.provisional


def test_general_rule_only_where_the_annex_is_loaded(status_store: Store) -> None:
    item = _status(status_store, "MY", "AU", "2025-04-25", "847130", "XFTA")
    assert item.rule_status == "general_rule" and item.psr.general_rule and not item.psr.provisional
    assert item.psr.annex.holder == "XFTA" and item.psr.annex.coverage == "complete"
    assert "is loaded and lists no PSR for 847130" in item.rule_status_reason


def test_annex_not_loaded_shows_the_general_rule_provisionally(status_store: Store, cli) -> None:
    item = _status(status_store, "MY", "AU", "2025-04-25", "610910", "AANZFTA-P2")
    assert item.rule_status == "annex_not_loaded" and item.psr.provisional and item.psr.annex is None
    assert item.psr.rule == "RVC(40) | CTH"
    assert item.rule_status_reason.startswith("no PSR annex for HS2022 is loaded for AANZFTA-P2: the general rule "
                                              "RVC(40) | CTH is shown provisionally; load the annex with "
                                              "`origingraph import psr FILE --instrument AANZFTA-P2 --hs-version HS2022`")
    text = cli("rules", "--exporter", "MY", "--importer", "AU", "--date", "2025-04-25", "--hs", "610910",
               "--hs-version", "HS2022")
    assert text.returncode == 0, text.stderr
    assert "PROVISIONAL general rule (HS2022): RVC(40) | CTH" in text.stdout
    assert "no PSR annex for HS2022 is loaded for AANZFTA-P2" in text.stdout


def test_a_partial_annex_does_not_answer_for_codes_it_does_not_cover(status_store: Store) -> None:
    """AANZFTA's HS2017 annex holds only the transcribed textile lines: 6109 is not one of them."""
    item = _status(status_store, "MY", "AU", "2020-06-01", "610910", "AANZFTA")
    assert item.rule_status == "annex_not_loaded" and item.psr.provisional
    assert item.psr.annex.coverage == "partial" and "covers only" in item.rule_status_reason


def test_text_only_psr_gives_no_verdict(status_store: Store) -> None:
    item = _status(status_store, "FJ", "PG", "2025-01-01", "611020", "PSRX")
    assert item.rule_status == "text_only" and item.psr.criterion is None
    assert item.psr.rule == "RVC 40% under the focused value method or CTH"
    document = parse_bom((PSR / "jersey-fj-pg.yaml").read_text(), "jersey-fj-pg.yaml", lambda v, c: True)
    report = evaluate_shipment(status_store, document.product, document.shipment)
    assert "PSRX" not in {v.instrument for v in report.verdicts}
    undetermined = next(u for u in report.undetermined if u.instrument == "PSRX")
    assert undetermined.rule_status == "text_only" and "text only, no verdict" in undetermined.reason


def test_no_rule_when_neither_a_psr_nor_a_general_rule_is_recorded(status_store: Store) -> None:
    item = _status(status_store, "FJ", "PG", "2025-01-01", "847130", "PSRN")
    assert item.rule_status == "no_rule" and item.psr is None and "no general rule" in item.rule_status_reason
    document = parse_bom((PSR / "machine-fj-pg.yaml").read_text(), "machine-fj-pg.yaml", lambda v, c: True)
    report = evaluate_shipment(status_store, document.product, document.shipment)
    assert next(u for u in report.undetermined if u.instrument == "PSRN").rule_status == "no_rule"
    psrx = next(v for v in report.verdicts if v.instrument == "PSRX")
    assert psrx.rule_status == "general_rule" and not psrx.provisional


PAIRS = [("MY", "AU"), ("AU", "MY"), ("SG", "NZ"), ("VN", "JP"), ("DE", "JP"), ("MY", "TH"), ("ID", "KH"),
         ("FJ", "PG"), ("CA", "JP"), ("KE", "GH")]
CODES = ["610910", "610120", "611020", "847130", "854141", "620120", "6002"]
DATES = ["2020-06-01", "2024-06-01", "2025-04-25", "2026-01-01"]


def test_no_answer_claims_a_general_rule_the_annex_does_not_back(status_store: Store) -> None:
    seen = set()
    for exporter, importer in PAIRS:
        for day in DATES:
            for code in CODES:
                for item in rules_between(status_store, exporter, importer, D(day), code, "HS2022").instruments:
                    seen.add(item.rule_status)
                    assert item.rule_status is not None and item.rule_status_reason
                    if item.psr is not None:
                        assert item.psr.rule_status == item.rule_status
                        assert item.psr.provisional == (item.rule_status == "annex_not_loaded")
                    if item.rule_status == "general_rule":
                        targets = item.psr.lineage.targets if item.psr.lineage else (code,)
                        assert item.psr.annex is not None and all(item.psr.annex.covers_code(t) for t in targets)
                    if item.psr is not None and item.psr.match is None and item.psr.annex is None:
                        assert item.rule_status == "annex_not_loaded"
    assert {"psr", "general_rule", "annex_not_loaded", "text_only", "no_rule"} <= seen


def test_provisional_verdict_through_the_cli_and_the_api(status_store: Store, cli) -> None:
    bom = EXAMPLES / "tshirt-my-au.yaml"
    run = cli("evaluate", str(bom), "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    p2 = next(v for v in report["verdicts"] if v["instrument"] == "AANZFTA-P2")
    assert p2["rule_status"] == "annex_not_loaded" and p2["provisional"] is True
    assert "no PSR annex for HS2022 is loaded for AANZFTA-P2" in p2["provisional_reason"]
    xfta = next(v for v in report["verdicts"] if v["agreement"] == "XFTA")
    assert xfta["rule_status"] == "psr" and xfta["provisional"] is False
    text = cli("evaluate", str(bom))
    assert "(PROVISIONAL)" in text.stdout and "provisional: no PSR annex for HS2022" in text.stdout

    with TestClient(create_app(status_store)) as client:
        answer = client.post("/v1/origin/evaluate", content=bom.read_text(),
                             headers={"content-type": "application/yaml"})
        assert answer.status_code == 200
        assert answer.json() == report
        rules = client.get("/v1/rules", params={"exporter": "MY", "importer": "AU", "date": "2025-04-25",
                                                "hs": "610910", "hs_version": "HS2022"}).json()
        statuses = {i["instrument"]: i["rule_status"] for i in rules["instruments"]}
        assert statuses["AANZFTA-P2"] == "annex_not_loaded" and statuses["XFTA"] == "psr"
