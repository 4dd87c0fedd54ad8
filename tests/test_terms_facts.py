"""Agreement-term facts on the real store, through the graph, the CLI and the API: each answer
names its source (issue 12)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from graph.store import Store

LAPTOP = """
product:
  sku: LAPTOP
  hs: "847130"
  hs_version: HS2022
  producer: MY
  ex_works: "90"
  fob: "100"
  currency: USD
bom:
  - {id: board, hs: "847150", hs_version: HS2022, quantity: "1", unit: pc, value: "30", currency: USD, origin: CN}
shipment: {exporter: MY, importer: IMPORTER, date: "2025-06-01"}
"""



def _laptop(tmp_path: Path, importer: str) -> Path:
    path = tmp_path / f"laptop-{importer}.yaml"
    path.write_text(LAPTOP.replace("IMPORTER", importer))
    return path


def _proofs(report: dict, instrument: str) -> dict[str, dict]:
    verdict = next(v for v in report["verdicts"] if v["instrument"] == instrument)
    assert verdict["originating"] and verdict["passed_by"] == "RVC(40)"
    return {o["name"]: o for o in verdict["proof"]["options"]}


def test_atiga_fob_belongs_to_each_proof_option(seeded: Store, cli, client: TestClient, tmp_path: Path) -> None:
    """RVC used, MY to SG: Form D needs no FOB value (neither KH, ID nor LA); the AWSC declaration
    does, whatever the countries. MY to KH: both do."""
    to_sg = _laptop(tmp_path, "SG")
    run = cli("evaluate", str(to_sg), "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert client.post("/v1/origin/evaluate", json=yaml.safe_load(to_sg.read_text())).json() == report
    sg = _proofs(report, "ATIGA-P1")
    assert sg["e-Form D"]["fob_required"] is False and "neither exporter MY nor importer SG" in sg["e-Form D"]["fob_reason"]
    awsc = sg["AWSC origin declaration"]
    assert awsc["fob_required"] is True and "whatever the countries" in awsc["fob_reason"]
    assert "seed-doc 002" in awsc["fob_reason"]

    kh = _proofs(json.loads(cli("evaluate", str(_laptop(tmp_path, "KH")), "--json").stdout), "ATIGA-P1")
    assert kh["e-Form D"]["fob_required"] and "KH" in kh["e-Form D"]["fob_reason"]
    assert kh["AWSC origin declaration"]["fob_required"]

    text = cli("evaluate", str(to_sg))
    assert text.returncode == 0, text.stderr
    line = next(l for l in text.stdout.splitlines() if "proof:" in l and "AWSC" in l)
    assert "AWSC origin declaration (FOB value must be shown)" in line
    assert "e-Form D (FOB" not in line


def _acceptance(cli, client: TestClient, proof: str, issued: str, presented: str) -> dict:
    """The ATIGA-P1 answer for MY -> TH, the same through the CLI and the API."""
    params = {"exporter": "MY", "importer": "TH", "type": proof, "issued": issued, "presented": presented}
    run = cli("proof", *(f"--{k}={v}" for k, v in params.items()), "--json")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    response = client.get("/v1/proof/acceptance", params=params)
    assert response.status_code == 200, response.text
    assert response.json() == answer
    return next(a for a in answer["answers"] if a["instrument"] == "ATIGA-P1")


@pytest.mark.parametrize(("proof", "issued", "presented", "accepted", "why"), [
    ("SC1/SC2 self-certification (pilot)", "2020-09-19", "2021-09-18", True, "accepted until 2021-09-18"),
    ("SC1/SC2 self-certification (pilot)", "2020-09-19", "2021-09-19", False, "only until 2021-09-18"),
    ("SC1/SC2 self-certification (pilot)", "2020-09-20", "2020-10-01", False, "could be issued only until 2020-09-19"),
    ("Form D (old format)", "2020-12-20", "2021-12-19", True, "accepted until 2021-12-19"),
    ("Form D (old format)", "2020-12-21", "2021-01-05", False, "could be issued only until 2020-12-20"),
    ("Form D (old format)", "2020-06-01", "2021-06-01", False, "expired"),
    ("e-form d", "2024-03-01", "2025-02-28", True, "within its validity (until 2025-02-28)"),
    ("e-Form D", "2024-03-01", "2025-03-01", False, "until 2025-02-28: expired"),
    ("Form E", "2024-03-01", "2024-04-01", False, "records no proof 'Form E'"),
])
def test_proof_acceptance_with_transition_windows(seeded: Store, cli, client: TestClient, proof: str, issued: str,
                                                  presented: str, accepted: bool, why: str) -> None:
    answer = _acceptance(cli, client, proof, issued, presented)
    assert answer["accepted"] is accepted and why in answer["reason"], answer


def test_evaluate_answers_acceptance_of_the_proof_the_shipment_names(seeded: Store, cli, client: TestClient,
                                                                      tmp_path: Path) -> None:
    path = tmp_path / "laptop-proof.yaml"
    path.write_text(LAPTOP.replace("IMPORTER", "TH").replace(
        'date: "2025-06-01"}', 'date: "2021-10-01", proof: {type: "SC1/SC2 self-certification (pilot)", '
                               'issued: "2020-09-19"}}'))
    run = cli("evaluate", str(path), "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert client.post("/v1/origin/evaluate", json=yaml.safe_load(path.read_text())).json() == report
    verdict = next(v for v in report["verdicts"] if v["instrument"] == "ATIGA-P1")
    acceptance = verdict["proof"]["acceptance"]
    assert acceptance["accepted"] is False and "only until 2021-09-18" in acceptance["reason"]


def _rules(cli, client: TestClient, exporter: str, importer: str, day: str) -> dict:
    run = cli("rules", "--exporter", exporter, "--importer", importer, "--date", day, "--json")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert client.get("/v1/applicability", params={"exporter": exporter, "importer": importer,
                                                   "date": day}).json() == answer
    return answer


def test_cptpp_binds_au_gb_only_from_the_pairs_own_date(seeded: Store, cli, client: TestClient) -> None:
    before = _rules(cli, client, "AU", "GB", "2024-12-20")
    assert "CPTPP" not in {i["instrument"] for i in before["instruments"]}
    pending = next(p for p in before["pending"] if p["instrument"] == "CPTPP")
    assert any("pair bound only from 2024-12-24" in m and "DOMAIN.md" in m for m in pending["missing"])
    nz = _rules(cli, client, "NZ", "GB", "2024-12-20")
    assert "CPTPP" in {i["instrument"] for i in nz["instruments"]}
    on = _rules(cli, client, "GB", "AU", "2024-12-24")
    cptpp = next(i for i in on["instruments"] if i["instrument"] == "CPTPP")
    assert cptpp["in_force_for_pair_from"] == "2024-12-24"
    assert any("the pair's own date" in line for line in cptpp["explanation"])


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "tshirt-my-au.yaml"


def _us_rows(cli, client: TestClient, *candidates: str) -> dict[str, dict]:
    args = [a for c in candidates for a in ("--candidate", c)]
    done = cli("compare", str(EXAMPLE), *args, "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    product = yaml.safe_load(EXAMPLE.read_text())
    body = {"product": {**product["product"], "bom": product["bom"]},
            "candidates": [dict(kv.split("=") for kv in c.split(",")) for c in candidates]}
    assert client.post("/v1/shipments/compare", json=body).json() == payload
    return {r["label"]: r for r in payload["rows"] if r["status"] == "mfn"}


def test_india_and_brazil_additional_duties_are_seeded_with_their_dates(seeded: Store, cli, client: TestClient) -> None:
    rows = _us_rows(cli, client, "producer=IN,importer=US,date=2025-08-26", "producer=IN,importer=US,date=2025-08-27",
                    "producer=BR,importer=US,date=2025-08-05", "producer=BR,importer=US,date=2025-08-07")
    rate = {label.split(" ")[0] + " " + label.split(" on ")[1]: (Decimal(r["landed_rate"]), r) for label, r in rows.items()}
    assert rate["IN->US 2025-08-26"][0] == Decimal("41.5")  # MFN 16.5 + reciprocal 25
    india, row = rate["IN->US 2025-08-27"]
    assert india == Decimal("66.5") and row["complete"]
    assert any("US-IEEPA-RUSSIA-OIL: 25%" in layer for layer in row["layers"])
    assert rate["BR->US 2025-08-05"][0] == Decimal("26.5")  # before EO 14323: reciprocal 10 only
    brazil, row = rate["BR->US 2025-08-07"]
    assert brazil == Decimal("66.5") and any("US-IEEPA-BRAZIL: 40%" in layer for layer in row["layers"])
    assert any("US-BR-40 covers only part" in n for n in row["duty"]["notes"])


def test_finished_goods_from_mixed_stock_follow_the_agreements_fungible_scope(seeded: Store, cli, client: TestClient,
                                                                              tmp_path: Path) -> None:
    """10 laptops drawn FIFO from a stock of 6 originating then 10 non-originating ones: CPTPP (goods
    or materials, Art. 3.12) counts 6 originating; EU-Japan (accounting segregation of materials only,
    Art. 3.8) refuses it."""
    stock = ('goods_from_stock: {method: fifo, quantity: "10", receipts: ['
             '{date: "2025-01-01", quantity: "6", originating: true}, '
             '{date: "2025-02-01", quantity: "10", originating: false}]}}')

    def verdicts(exporter: str, importer: str) -> dict[str, dict]:
        path = tmp_path / f"laptops-{exporter}-{importer}.yaml"
        path.write_text(LAPTOP.replace("producer: MY", f"producer: {exporter}").replace(
            "exporter: MY, importer: IMPORTER", f"exporter: {exporter}, importer: {importer}").replace(
            'date: "2025-06-01"}', f'date: "2025-06-01", {stock}'))
        run = cli("evaluate", str(path), "--json")
        assert run.returncode == 0, run.stderr
        report = json.loads(run.stdout)
        assert client.post("/v1/origin/evaluate", json=yaml.safe_load(path.read_text())).json() == report
        return {v["instrument"]: v for v in report["verdicts"]}

    cptpp = verdicts("MY", "JP")["CPTPP"]
    assert cptpp["finished_goods"]["allowed"] is True and cptpp["originating"]
    assert cptpp["finished_goods"]["allocation"]["originating_qty"] == "6"
    assert any("only 6 of the 10 goods shipped originate" in w for w in cptpp["warnings"])
    eujp = verdicts("DE", "JP")["EUJP"]
    assert eujp["finished_goods"]["allowed"] is False and not eujp["originating"]
    assert "materials only, not for finished goods" in eujp["finished_goods"]["reason"]


def _answer(cli, client: TestClient, instrument: str, **params: str) -> dict:
    run = cli("proof", *(f"--{k.replace('_', '-')}={v}" for k, v in params.items()), "--json")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert client.get("/v1/proof/acceptance", params=params).json() == answer
    return next(a for a in answer["answers"] if a["instrument"] == instrument)


def test_afcfta_small_consignment_declaration_up_to_usd_5000(seeded: Store, cli, client: TestClient) -> None:
    small = dict(exporter="GH", importer="KE", type="origin declaration (small consignment)", issued="2025-06-01",
                 presented="2025-06-20", currency="USD")
    ok = _answer(cli, client, "AFCFTA", **small, invoice_value="4000")
    assert ok["accepted"] and "no validity period recorded" in ok["reason"]
    assert ok["article"] == "Protocol on Trade in Goods, Annex 2 (Rules of Origin)"
    too_big = _answer(cli, client, "AFCFTA", **small, invoice_value="6000")
    assert not too_big["accepted"] and "only up to USD 5000" in too_big["reason"]


def test_eu_japan_statement_needs_rex_above_eur_6000(seeded: Store, cli, client: TestClient) -> None:
    rex = dict(exporter="DE", importer="JP", type="statement on origin (EU exporter, above EUR 6,000)",
               issued="2025-06-01", presented="2025-06-20", currency="EUR")
    assert _answer(cli, client, "EUJP", **rex, invoice_value="8000")["accepted"]
    small = _answer(cli, client, "EUJP", **rex, invoice_value="5000")
    assert not small["accepted"] and "only above EUR 6000" in small["reason"]
    japan = _answer(cli, client, "EUJP", exporter="DE", importer="JP", type="statement on origin (Japanese exporter)",
                    issued="2025-06-01", presented="2025-06-20")
    assert not japan["accepted"] and "only for exporters in JP" in japan["reason"]


def test_atiga_remanufactured_goods_phases_per_party_while_pending(seeded: Store, cli, client: TestClient) -> None:
    answer = _rules(cli, client, "MY", "VN", "2025-12-01")
    upgrade = next(p for p in answer["pending"] if p["instrument"] == "ATIGA-P2")
    my, vn = upgrade["remanufactured"]
    assert my.startswith("MY (at_entry_into_force): pending") and "seed-doc 004" in my
    assert vn.startswith("VN (after_consultation): pending") and "within 7 years" in vn and "within 2 years" in vn
    th = next(p for p in _rules(cli, client, "TH", "SG", "2025-12-01")["pending"] if p["instrument"] == "ATIGA-P2")
    assert "within 5 years" in th["remanufactured"][0]
