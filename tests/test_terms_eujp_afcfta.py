"""Issue 12, the remaining facts: EU-Japan proofs (REX above EUR 6,000, the Japanese corporate number,
importer's knowledge, records 4 years, the statement's origin-criterion code), the AfCFTA small-consignment
declaration, and the fungible / tolerance / consignment / proof terms of RCEP, CPTPP, AJCEP and EUJP with
their sources — in verdicts and through ``origingraph terms`` / ``GET /v1/proof/terms`` on the real store."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from engine.terms.proof import CodeReading, CriterionCodes, criterion_bases, criterion_code
from graph.store import Store

PUMP = Path(__file__).resolve().parent.parent / "examples" / "pump-de-jp.yaml"


# --------------------------------------------------------------------------- pure


def test_bases_follow_what_qualified_the_good() -> None:
    assert criterion_bases(None, Decimal(0), False, False) == ()
    assert criterion_bases("WO", Decimal(0), False, False) == ("wholly_obtained",)
    assert criterion_bases("CTH", Decimal(0), False, False) == ("originating_materials",)
    assert criterion_bases("CTH", Decimal(0), True, False) == ("originating_materials", "cumulation")
    assert criterion_bases("MaxNOM(50)", Decimal(430), False, False) == ("psr",)
    assert criterion_bases("CTH", Decimal(40), False, True) == ("psr", "tolerance")


def test_a_determined_table_gives_the_codes_an_undetermined_one_the_reason() -> None:
    table = CriterionCodes(determined=True, source="test table", codes={
        "wholly_obtained": "A", "originating_materials": "B", "psr": "C", "cumulation": "D", "tolerance": "E"})
    assert criterion_code(table, ("psr", "tolerance")).codes == ("C", "E")
    assert criterion_code(table, ()).codes == () and "does not qualify" in criterion_code(table, ()).reason
    assert not criterion_code(table, None).determined
    disputed = CriterionCodes(determined=False, reason="sources disagree", source="s",
                              readings=(CodeReading(source="one", codes={"psr": "B"}),))
    answer = criterion_code(disputed, ("psr",))
    assert not answer.determined and answer.codes == () and "sources disagree" in answer.reason
    assert criterion_code(None, ("psr",)) is None
    with pytest.raises(ValueError, match="says why"):
        CriterionCodes(determined=False, source="s")


def test_the_cli_lists_the_engines_inventory_methods() -> None:
    from api.proof_cli import INVENTORY_METHODS
    from engine.terms.fungible import FUNGIBLE_METHODS
    assert INVENTORY_METHODS == FUNGIBLE_METHODS


# --------------------------------------------------------------------------- real store


def _report(cli, client: TestClient, path: Path) -> dict:
    run = cli("evaluate", str(path), "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert client.post("/v1/origin/evaluate", json=yaml.safe_load(path.read_text())).json() == report
    return report


def _verdict(report: dict, instrument: str) -> dict:
    return next(v for v in report["verdicts"] if v["instrument"] == instrument)


def _pump(tmp_path: Path, name: str, **changes: str) -> Path:
    text = PUMP.read_text()
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def test_eu_exporter_states_origin_with_rex_above_eur_6000(seeded: Store, cli, client: TestClient,
                                                           tmp_path: Path) -> None:
    eujp = _verdict(_report(cli, client, PUMP), "EUJP")
    assert eujp["originating"]
    proof = eujp["proof"]
    offered = {o["name"]: o for o in proof["options"]}
    assert set(offered) == {"statement on origin (EU exporter, above EUR 6,000)", "importer's knowledge"}
    assert "REX" in offered["statement on origin (EU exporter, above EUR 6,000)"]["requires"]
    assert "supporting documents" in offered["importer's knowledge"]["note"]
    rejected = {o["name"]: o["why"] for o in proof["rejected"]}
    assert "only up to EUR 6000; invoice is EUR 20800" in rejected["statement on origin (EU exporter, up to EUR 6,000)"]
    assert rejected["statement on origin (Japanese exporter)"] == "only for exporters in JP"
    assert proof["retention_years"] == 4 and "records 4 years" in proof["source"]

    small = _verdict(_report(cli, client, _pump(tmp_path, "pump-small", **{'invoice_value: "20800"':
                                                                          'invoice_value: "5000"'})), "EUJP")
    names = {o["name"]: o for o in small["proof"]["options"]}
    assert "statement on origin (EU exporter, above EUR 6,000)" not in names
    assert "No REX number needed" in names["statement on origin (EU exporter, up to EUR 6,000)"]["note"]


def test_statement_criterion_code_is_undetermined_with_both_readings(seeded: Store, cli, client: TestClient) -> None:
    """The sources disagree on B (seed-doc 003: PSR met; the exporter's leaflet: only originating materials)
    and footnote 4 of Annex 3-D was not read: no code is answered, the reason and both readings are."""
    code = _verdict(_report(cli, client, PUMP), "EUJP")["proof"]["criterion_code"]
    assert code["determined"] is False and code["codes"] == []
    assert "sources disagree" in code["reason"] and "Annex 3-D" in code["reason"]
    assert code["article"].startswith("Annex 3-D")
    readings = {r["source"].split(" (")[0]: r["codes"] for r in code["readings"]}
    assert readings["seed-doc 003"]["psr"] == "B"
    leaflet = next(c for s, c in readings.items() if s.startswith("Leaflet"))
    assert leaflet == {"wholly_obtained": "A", "originating_materials": "B", "psr": "C", "cumulation": "D",
                       "tolerance": "E"}


def test_japanese_exporter_gives_the_corporate_number_not_rex(seeded: Store, cli, client: TestClient,
                                                              tmp_path: Path) -> None:
    path = _pump(tmp_path, "pump-jp-de", **{"producer: DE": "producer: JP", "exporter: DE": "exporter: JP",
                                            "importer: JP": "importer: DE"})
    eujp = _verdict(_report(cli, client, path), "EUJP")
    assert eujp["originating"]
    offered = {o["name"]: o for o in eujp["proof"]["options"]}
    assert set(offered) == {"statement on origin (Japanese exporter)", "importer's knowledge"}
    japanese = offered["statement on origin (Japanese exporter)"]
    assert "corporate number (13 digits)" in japanese["requires"] and "REX" not in japanese["requires"]
    assert "left blank" in japanese["note"] and "No REX" in japanese["note"]
    assert all("only for exporters in AT" in o["why"] for o in eujp["proof"]["rejected"])
    assert eujp["proof"]["retention_years"] == 4


def _terms(cli, client: TestClient, **params: str) -> dict[str, dict]:
    run = cli("terms", *(f"--{k.replace('_', '-')}={v}" for k, v in params.items()), "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    response = client.get("/v1/proof/terms", params=params)
    assert response.status_code == 200, response.text
    assert response.json() == report
    return {a["instrument"]: a for a in report["answers"]}


def test_eujp_terms_with_their_sources(seeded: Store, cli, client: TestClient) -> None:
    eujp = _terms(cli, client, exporter="DE", importer="JP", date="2026-06-01", invoice_value="20800",
                  currency="EUR", goods_from_stock="fifo")["EUJP"]
    assert eujp["tolerance"] == {"percent": "10", "basis": "ex_works", "textile_weight_percent": None,
                                 "article": "Art. 3.6"}
    assert eujp["fungible"]["scope"] == "materials" and eujp["fungible"]["needs_authorisation"]
    assert not eujp["goods_from_stock"]["allowed"]
    assert "materials only, not for finished goods" in eujp["goods_from_stock"]["reason"]
    assert [o["name"] for o in eujp["proofs"]] == ["statement on origin (EU exporter, above EUR 6,000)",
                                                    "importer's knowledge"]
    assert all(o["fob_required"] is None for o in eujp["proofs"])
    assert eujp["criterion_codes"]["determined"] is False
    assert eujp["retention_years"] == 4 and eujp["validity_months"] is None
    assert "Access2Markets 'Tolerance rule'" in eujp["source"] and "seed-doc 003" in eujp["source"]
    assert "certificate validity" in eujp["not_recorded"]
    assert any(n.startswith("direct consignment article") for n in eujp["not_recorded"])

    text = cli("terms", "--exporter", "DE", "--importer", "JP", "--date", "2026-06-01")
    assert text.returncode == 0, text.stderr
    assert "tolerance: 10% of ex_works [Art. 3.6]" in text.stdout
    assert "origin-criterion codes: undetermined: sources disagree" in text.stdout


def test_rcep_covers_finished_goods_from_mixed_stock_ajcep_materials_only(seeded: Store, cli, client: TestClient,
                                                                          tmp_path: Path) -> None:
    """Neither has a product-specific rule loaded, so their verdicts stay undetermined; the fungible scope
    is answered by the terms question: RCEP Art. 3.11 goods too, AJCEP Art. 35 materials only."""
    answers = _terms(cli, client, exporter="MY", importer="JP", date="2025-06-01", goods_from_stock="fifo")
    rcep, ajcep, cptpp = answers["RCEP"], answers["AJCEP"], answers["CPTPP"]
    assert rcep["goods_from_stock"]["allowed"] and "Art. 3.11 covers finished goods" in rcep["goods_from_stock"]["reason"]
    assert rcep["fungible"]["scope"] == "materials_and_goods" and "Art. 3.11" in rcep["source"]
    assert not ajcep["goods_from_stock"]["allowed"]
    assert "Art. 35 allows accounting segregation for materials only" in ajcep["goods_from_stock"]["reason"]
    assert cptpp["goods_from_stock"]["allowed"]
    lifo = _terms(cli, client, exporter="MY", importer="JP", date="2025-06-01", goods_from_stock="lifo")["RCEP"]
    assert not lifo["goods_from_stock"]["allowed"] and "method lifo is not allowed" in lifo["goods_from_stock"]["reason"]

    assert rcep["tolerance"]["article"] == "Art. 3.7" and rcep["consignment"]["article"] == "Art. 3.15"
    assert rcep["validity_months"] == 12 and "record retention" in rcep["not_recorded"]
    assert ajcep["tolerance"] is None and "tolerance" in ajcep["not_recorded"]
    assert ajcep["consignment"]["article"] == "Art. 31"
    assert cptpp["tolerance"] is None and any(n.startswith("direct consignment article") for n in cptpp["not_recorded"])
    assert [o["name"] for o in cptpp["proofs"]] == ["CPTPP certification of origin"]

    laptop = tmp_path / "laptop-my-jp.yaml"
    laptop.write_text(yaml.safe_dump({
        "product": {"sku": "LAPTOP", "hs": "847130", "hs_version": "HS2022", "producer": "MY", "ex_works": "90",
                    "fob": "100", "currency": "USD"},
        "bom": [{"id": "board", "hs": "847150", "hs_version": "HS2022", "quantity": "1", "unit": "pc", "value": "30",
                 "currency": "USD", "origin": "CN"}],
        "shipment": {"exporter": "MY", "importer": "JP", "date": "2025-06-01", "goods_from_stock": {
            "method": "fifo", "quantity": "10", "receipts": [
                {"date": "2025-01-01", "quantity": "6", "originating": True},
                {"date": "2025-02-01", "quantity": "10", "originating": False}]}}}))
    report = _report(cli, client, laptop)
    assert {"RCEP", "AJCEP"} <= {u["instrument"] for u in report["undetermined"]}
    assert not {"RCEP", "AJCEP"} & {v["instrument"] for v in report["verdicts"]}


def test_afcfta_small_consignment_declaration_and_the_alternatives_above(seeded: Store, cli,
                                                                         client: TestClient) -> None:
    small = _terms(cli, client, exporter="GH", importer="KE", date="2025-06-01", invoice_value="4000",
                   currency="USD")["AFCFTA"]
    assert "origin declaration (small consignment)" in [o["name"] for o in small["proofs"]]
    assert "seed-doc 003" in small["source"]
    assert {"tolerance", "fungible", "record retention"} <= set(small["not_recorded"])
    large = _terms(cli, client, exporter="GH", importer="KE", date="2025-06-01", invoice_value="6000",
                   currency="USD")["AFCFTA"]
    assert [o["name"] for o in large["proofs"]] == ["AfCFTA certificate of origin", "origin declaration (approved exporter)"]
    assert "only up to USD 5000" in large["proofs_rejected"][0]["why"]

    params = dict(exporter="GH", importer="KE", type="origin declaration (small consignment)", issued="2025-06-01",
                  presented="2025-06-20", invoice_value="6000", currency="USD")
    run = cli("proof", *(f"--{k.replace('_', '-')}={v}" for k, v in params.items()), "--json")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert client.get("/v1/proof/acceptance", params=params).json() == answer
    afcfta = next(a for a in answer["answers"] if a["instrument"] == "AFCFTA")
    assert not afcfta["accepted"] and "only up to USD 5000" in afcfta["reason"]
    assert afcfta["alternatives"] == ["AfCFTA certificate of origin", "origin declaration (approved exporter)"]
    assert "seed-doc 003" in afcfta["source"]
    text = cli("proof", *(f"--{k.replace('_', '-')}={v}" for k, v in params.items()))
    assert "other proofs it could use: AfCFTA certificate of origin" in text.stdout


def test_terms_of_a_pair_no_instrument_binds(seeded: Store, cli, client: TestClient) -> None:
    run = cli("terms", "--exporter", "US", "--importer", "BR", "--date", "2025-06-01", "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["answers"] == [] and "no instrument binds US-BR" in report["notes"][0]
    bad = client.get("/v1/proof/terms", params={"exporter": "DE", "importer": "JP", "date": "2026-06-01",
                                                "goods_from_stock": "random"})
    assert bad.status_code == 422
