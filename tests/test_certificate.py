"""Certificate-of-origin data (``evaluate --export wco-co``, ``POST /v1/origin/evaluate?format=wco-co``): the
export validates against the project's JSON Schema, fills only what the verdict supports, and is refused
for a verdict that does not originate. And the CLI reads no abbreviated flag."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from fastapi.testclient import TestClient

from api.cli import build_parser
from engine.certificate import schema_text
from graph.store import Store

REPO = Path(__file__).resolve().parent.parent
TSHIRT = REPO / "examples" / "tshirt-my-au.yaml"
SCHEMA = json.loads(schema_text())

# Fails CTH (the blank is of heading 6109 too) but meets RVC(40): 80% build-down. KH is involved, so under
# ATIGA-P1 the FOB value must be shown (RVC used).
RVC_BOM = """product: {sku: TS-RVC, description: T-shirt printed on a blank, hs: "610910", hs_version: HS2022,
          producer: MY, ex_works: "9.00", fob: "10.00", currency: USD}
bom:
  - {id: blank, hs: "610990", hs_version: HS2022, quantity: "1", unit: pc, value: "2.00", currency: USD, origin: CN}
shipment: {exporter: MY, importer: KH, date: "2025-06-02"}
"""
# Fails both alternatives: the blank shares the heading and is 70% of FOB.
FAILING_BOM = RVC_BOM.replace('value: "2.00"', 'value: "7.00"').replace("TS-RVC", "TS-FAIL")


def validate(export: dict) -> None:
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(export)



def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_readme_tshirt_certificate_validates_against_the_schema(seeded: Store, cli) -> None:
    run = cli("evaluate", str(TSHIRT), "--export", "wco-co", "--issue-date", "2025-06-01", "--invoiced-by", "SG",
              "--back-to-back", "SG-B2B-0042")
    assert run.returncode == 0, run.stderr
    export = json.loads(run.stdout)
    validate(export)
    by_instrument = {co["agreement"]["instrument"]: co for co in export["certificates"]}
    co = by_instrument["AANZFTA-P2"]  # (the test seeds add the fictional XFTA, which binds MY-AU too)
    assert co["agreement"] == {"code": "AANZFTA", "instrument": "AANZFTA-P2"}
    assert co["documentType"]["name"] == "AANZFTA certificate of origin"
    assert co["exporter"] == {"countryCode": "MY"} and co["importer"] == {"countryCode": "AU"}
    [item] = co["goodsItems"]
    assert item["classification"] == {"code": "610910", "hsVersion": "HS2022"}
    assert item["originCountryCode"] == "MY"
    assert item["originCriterion"]["code"] == "CTH" and "rvc" not in item["originCriterion"]
    assert "fobValue" not in item, "AANZFTA records no FOB-on-certificate rule"
    assert co["issue"] == {"issueDate": "2025-06-01"}, "AANZFTA-P2 records no validity: none is invented"
    assert co["thirdPartyInvoicing"] == {"invoicingCountryCode": "SG"}
    assert co["backToBack"] == {"originalProofReference": "SG-B2B-0042"}
    assert "annex" in co["provisional"]["reason"], "the verdict rests on the general rule shown provisionally"
    withheld = {w["instrument"]: w["reason"] for w in export["withheld"]}
    assert withheld["RCEP"].startswith("undetermined: no PSR")
    assert all(reason.startswith(("undetermined: ", "not originating: ")) for reason in withheld.values())


def test_rvc_criterion_carries_its_value_and_the_fob_the_proof_requires(seeded: Store, cli, tmp_path: Path) -> None:
    bom = tmp_path / "rvc.yaml"
    bom.write_text(RVC_BOM, encoding="utf-8")
    run = cli("evaluate", str(bom), "--export", "wco-co", "--instrument", "ATIGA-P1")
    assert run.returncode == 0, run.stderr
    export = json.loads(run.stdout)
    validate(export)
    [co] = export["certificates"]
    assert co["documentType"]["name"] == "e-Form D", "the first offered proof needing no precondition"
    assert "AWSC origin declaration" in co["otherProofsOffered"]
    assert co["issue"] == {"validityMonths": 12}
    [item] = co["goodsItems"]
    assert item["originCriterion"]["code"] == "RVC40"
    assert item["originCriterion"]["rvc"] == {"percent": "80.00", "threshold": "40", "method": "build-down"}
    assert item["fobValue"] == {"amount": "10.00", "currency": "USD"}

    awsc = json.loads(cli("evaluate", str(bom), "--export", "wco-co", "--instrument", "ATIGA-P1",
                          "--proof", "AWSC origin declaration").stdout)
    validate(awsc)
    assert awsc["certificates"][0]["documentType"]["kind"] == "declaration"


def test_no_certificate_for_a_verdict_that_does_not_originate(seeded: Store, cli, tmp_path: Path) -> None:
    bom = tmp_path / "fail.yaml"
    bom.write_text(FAILING_BOM, encoding="utf-8")
    run = cli("evaluate", str(bom), "--export", "wco-co", "--instrument", "ATIGA-P1")
    assert run.returncode == 2 and run.stdout == ""
    assert "no certificate of origin for TS-FAIL: ATIGA-P1: not originating" in run.stderr
    unknown = cli("evaluate", str(bom), "--export", "wco-co", "--instrument", "EUJP")
    assert unknown.returncode == 2 and "EUJP does not bind MY-KH" in unknown.stderr
    proof = cli("evaluate", str(TSHIRT), "--export", "wco-co", "--proof", "Form D")
    assert proof.returncode == 2 and "proof 'Form D' cannot be used under AANZFTA-P2" in proof.stderr


def test_api_format_wco_co_is_the_cli_export(client: TestClient, cli) -> None:
    body = TSHIRT.read_text(encoding="utf-8")
    answer = client.post("/v1/origin/evaluate?format=wco-co", content=body,
                         headers={"content-type": "application/yaml"})
    assert answer.status_code == 200, answer.text
    validate(answer.json())
    assert answer.json() == json.loads(cli("evaluate", str(TSHIRT), "--export", "wco-co").stdout)
    refused = client.post("/v1/origin/evaluate?format=wco-co&instrument=ATIGA-P1", content=FAILING_BOM,
                          headers={"content-type": "application/yaml"})
    assert refused.status_code == 422
    assert refused.json()["type"] == "/problems/no-certificate"
    assert "not originating" in refused.json()["detail"]
    assert client.post("/v1/origin/evaluate?format=pdf", content=body,
                       headers={"content-type": "application/yaml"}).status_code == 422


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def test_no_parser_of_the_cli_accepts_abbreviated_flags() -> None:
    parsers = list(_parsers(build_parser()))
    assert len(parsers) > 20, "subcommands and their subcommands (import, store, records, browser) are walked"
    assert [p.prog for p in parsers if p.allow_abbrev] == []
    with pytest.raises(SystemExit):
        build_parser().parse_args(["rules", "--exp", "MY", "--importer", "AU", "--date", "2025-06-02"])


def test_a_mistyped_flag_is_an_error_not_another_flag(cli) -> None:
    run = cli("evaluate", str(TSHIRT), "--exp", "wco-co")
    assert run.returncode == 2
    assert "unrecognized arguments: --exp wco-co" in run.stderr
