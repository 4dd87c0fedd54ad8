"""Sourcing advice: the pure search on hand-built evaluations (values computed by hand in each test),
then the real store through the real app and the real CLI: a failing example BOM gets suggestions whose
changed document the API judges originating, an originating one needs none, one that cannot be fixed
says why.
"""

from __future__ import annotations

import json
from copy import deepcopy
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from api.app import create_app
from engine.advice import advise, bom_document
from engine.bom_input import parse_bom
from engine.criteria import parse_rule
from engine.evaluate import evaluate
from engine.models import (Cumulation, Evaluation, Instrument, Leg, Material, OriginTerms, Product, Psr, Shipment,
                           SupplierDeclaration, Tolerance)
from graph.store import Store

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FAILING = EXAMPLES / "tshirt-printed-blank.yaml"
ORIGINATING = EXAMPLES / "tshirt-my-au.yaml"
D = Decimal
DAY = date(2025, 6, 2)


# --------------------------------------------------------------------------- pure search


def _material(id: str, value: str, origin: str, hs: str = "520811") -> Material:
    return Material(id=id, hs=hs, hs_version="HS2022", quantity=D(1), unit="pc", value=D(value), currency="USD",
                    origin=origin)


def _evaluation(rule: str, bom: list[Material], tolerance: Tolerance | None = None, processes=(),
                legs=()) -> Evaluation:
    product = Product(sku="P-1", hs="610910", hs_version="HS2022", producer="MY", ex_works=D(90), fob=D(100),
                      currency="USD", bom=tuple(bom), processes=processes)
    instrument = Instrument(code="TFTA", agreement="TFTA", parties=("AU", "MY", "VN"),
                            terms=OriginTerms(tolerance=tolerance))
    psr = Psr(uid="TFTA:610910", instrument="TFTA", hs_version="HS2022", scope="610910", rule=rule,
              criterion=parse_rule(rule))
    cumulation = (Cumulation(provision="cumulation.diagonal", kind="diagonal", countries=("AU", "MY", "VN")),)
    return Evaluation(product=product, shipment=Shipment(exporter="MY", importer="AU", date=DAY, legs=legs),
                      instrument=instrument, psr=psr, cumulation=cumulation)


def test_ranked_by_value_moved_before_number_of_changes() -> None:
    # FOB 100, RVC(40) build-down: VNM may be at most 60. VNM = 30 + 25 + 12 + 8 = 75, so 15 must move.
    # Minimal sets worth at least 15: {c, d} = 20 (two changes), {b} = 25, {a} = 30.
    e = _evaluation("RVC(40)", [_material("a", "30", "CN"), _material("b", "25", "CN"), _material("c", "12", "CN"),
                                _material("d", "8", "MY")])
    advice = advise(e)
    assert advice.status == "suggestions" and advice.exhaustive
    (gap,) = advice.gaps
    assert (gap.kind, gap.amount, gap.unit) == ("rvc", D(15), "USD")
    ranked = [(s.value_moved, sorted(c.material for c in s.changes)) for s in advice.suggestions]
    assert ranked == [(D(20), ["c", "d"]), (D(25), ["b"]), (D(30), ["a"])]
    first = {c.material: c for c in advice.suggestions[0].changes}
    # d is from the producer's country and only lacks a declaration; c must be sourced from a party.
    assert first["d"].kind == "declaration" and first["d"].country == "MY" and first["d"].provision is None
    assert first["c"].kind == "source_from_party" and first["c"].country == "MY"
    assert {(o.country, o.provision) for o in first["c"].also_from} == {("AU", "cumulation.diagonal"),
                                                                       ("VN", "cumulation.diagonal")}
    assert advice.suggestions[0].rvc_build_down_pct == D("45.00")  # (100 - 55) / 100
    for s in advice.suggestions:
        again = evaluate(e.model_copy(update={"product": s.product}))
        assert again.originating and again.passed_by == s.passed_by == "RVC(40)"


def test_tolerance_covers_what_stays_and_ranks_the_cheaper_blocker_first() -> None:
    # CTH with a 10 % FOB tolerance (10.00): two blanks of heading 6109 block it, 6 + 7 = 13 > 10, so 3 must
    # move; sourcing either one leaves the other within the tolerance, the 6.00 one first.
    e = _evaluation("CTH", [_material("blank-1", "6", "CN", "610910"), _material("blank-2", "7", "CN", "610990"),
                            _material("fabric", "3", "CN", "600622")],
                    tolerance=Tolerance(percent=D(10), basis="fob"))
    advice = advise(e)
    (gap,) = advice.gaps
    assert gap.kind == "tariff_shift" and gap.blocking == ("blank-1", "blank-2")
    assert (gap.tolerance_limit, gap.tolerance_used, gap.amount) == (D(10), D(13), D(3))
    assert gap.tolerance_would_cover == ("blank-1",)
    assert [(s.value_moved, s.changes[0].material) for s in advice.suggestions] == [(D(6), "blank-1"),
                                                                                    (D(7), "blank-2")]


def test_unmet_process_and_greedy_search_of_a_large_bom() -> None:
    # 15 lines of 5.00 (VNM 75): above the exhaustive limit, greedy by value then pruned to 3 lines (15.00);
    # the rule also wants dyeing done by the producer, which only a declared process can meet.
    bom = [_material(f"m{i:02}", "5", "CN") for i in range(15)]
    advice = advise(_evaluation("RVC(40) & SP(dyeing)", bom))
    assert not advice.exhaustive
    kinds = {g.kind: g for g in advice.gaps}
    assert kinds["rvc"].amount == D(15) and "dyeing" in kinds["specific_process"].reason
    best = advice.suggestions[0]
    assert best.value_moved == D(15)
    assert sorted(c.kind for c in best.changes) == ["process"] + ["source_from_party"] * 3
    assert "dyeing" in [s.process for s in best.product.processes]


def test_consignment_cannot_be_fixed_by_sourcing() -> None:
    e = _evaluation("CTH", [_material("fabric", "3", "CN", "600622")],
                    legs=(Leg(country="HK", operations=("unloading", "repackaging"), customs_control=True),))
    advice = advise(e)
    assert advice.status == "no_fix" and not advice.suggestions
    assert "direct consignment fails" in advice.reason and "repackaging" in advice.reason


def test_bom_document_reads_back_as_the_same_product() -> None:
    e = _evaluation("RVC(40) | SP(dyeing)", [_material("a", "70", "CN"), _material("b", "5", "VN")])
    best = advise(e).suggestions[0]
    document = bom_document(best.product, e.shipment)
    parsed = parse_bom(json.dumps(document), "advice.json", lambda version, code: True)
    assert parsed.product == best.product and parsed.shipment == e.shipment


# --------------------------------------------------------------------------- the store, the API, the CLI


@pytest.fixture(scope="module")
def client(seeded: Store):
    with TestClient(create_app(seeded)) as c:
        yield c


def _advice(client: TestClient, document: dict, **params: str) -> dict:
    response = client.post("/v1/origin/advice", params=params, json=document)
    assert response.status_code == 200, response.text
    return response.json()


def test_failing_example_gets_suggestions_the_api_judges_originating(client: TestClient) -> None:
    document = yaml.safe_load(FAILING.read_text())
    before = client.post("/v1/origin/evaluate", json=document).json()
    assert not next(v for v in before["verdicts"] if v["instrument"] == "AANZFTA-P2")["originating"]
    advice = _advice(client, document, instrument="AANZFTA-P2")
    assert advice["status"] == "suggestions" and advice["dropped"] == 0
    assert advice["provisional"] and advice["rule"] == "RVC(40) | CTH"
    gaps = {g["kind"]: g for g in advice["gaps"]}
    # VNM 6.00 + 0.20 + 0.40 = 6.60 of FOB 10.00; RVC(40) allows 6.00, so 0.60 must move. The blank (6109)
    # blocks CTH and AANZFTA-P2 records no tolerance, so all 6.00 of it would have to.
    assert (gaps["rvc"]["amount"], gaps["tariff_shift"]["amount"]) == ("0.60", "6.00")
    assert gaps["tariff_shift"]["blocking"] == ["blank"] and gaps["tariff_shift"]["tolerance_limit"] is None
    ranked = [(s["value_moved"], sorted(c["material"] for c in s["changes"]), s["passed_by"])
              for s in advice["suggestions"]]
    assert ranked == [("0.60", ["labels", "neck-tape"], "RVC(40)"), ("6.00", ["blank"], "CTH")]
    changes = {c["material"]: c for c in advice["suggestions"][0]["changes"]}
    assert changes["labels"]["kind"] == "declaration" and changes["labels"]["instrument"] == "AANZFTA-P2"
    tape = changes["neck-tape"]
    assert tape["kind"] == "source_from_party" and tape["country"] == "MY"
    assert {"VN", "SG", "AU"} <= {o["country"] for o in tape["also_from"]}
    assert {o["provision"] for o in tape["also_from"]} == {"cumulation.diagonal"}
    for suggestion in advice["suggestions"]:
        after = client.post("/v1/origin/evaluate", json=suggestion["bom"])
        assert after.status_code == 200, after.text
        verdict = next(v for v in after.json()["verdicts"] if v["instrument"] == "AANZFTA-P2")
        assert verdict["originating"] and verdict["passed_by"] == suggestion["passed_by"]
        assert verdict["numbers"]["rvc_build_down_pct"] == suggestion["rvc_build_down_pct"]


def test_tolerance_of_the_instrument_is_reported(client: TestClient) -> None:
    advice = _advice(client, yaml.safe_load(FAILING.read_text()), instrument="XFTA")
    (gap,) = advice["gaps"]
    # XFTA's 610910 rule is CTSH with a 10 % FOB tolerance: 1.00 of FOB 10.00; the blank uses 6.00.
    assert (gap["kind"], gap["blocking"], gap["tolerance_limit"], gap["tolerance_used"], gap["amount"]) == \
        ("tariff_shift", ["blank"], "1.00", "6.00", "5.00")
    assert gap["tolerance_would_cover"] == []
    (best,) = advice["suggestions"]
    provisions = {o["provision"] for o in best["changes"][0]["also_from"]}
    assert provisions == {"cumulation.diagonal", "cumulation.extended"}  # full cumulation: AU delayed it


def test_originating_bom_needs_no_change(client: TestClient) -> None:
    advice = _advice(client, yaml.safe_load(ORIGINATING.read_text()), instrument="AANZFTA-P2")
    assert advice["status"] == "originating" and advice["suggestions"] == []
    assert "no change needed" in advice["reason"]


def test_no_possible_fix_says_why(client: TestClient) -> None:
    document = deepcopy(yaml.safe_load(ORIGINATING.read_text()))
    document["shipment"]["legs"] = [{"country": "HK", "operations": ["unloading", "repackaging"],
                                     "customs_control": True}]
    advice = _advice(client, document, instrument="AANZFTA-P2")
    assert advice["status"] == "no_fix" and advice["suggestions"] == []
    assert "direct consignment fails" in advice["reason"] and "HK" in advice["reason"]


def test_instruments_that_cannot_be_advised_on(client: TestClient) -> None:
    document = yaml.safe_load(ORIGINATING.read_text())
    unknown = client.post("/v1/origin/advice", params={"instrument": "NOPE"}, json=document)
    assert unknown.status_code == 404 and unknown.json()["type"].endswith("unknown-instrument")
    assert [e["field"] for e in unknown.json()["errors"]] == ["query.instrument"]
    assert _advice(client, document, instrument="ATIGA")["status"] == "not_binding"
    # CPTPP's line for 8504 keeps a focused-value alternative the rule language cannot say: text only
    transformer = {**document, "product": {**document["product"], "hs": "850440", "hs_version": "HS2022"}}
    text_only = _advice(client, transformer, instrument="CPTPP")
    assert text_only["status"] == "undetermined" and "text only" in text_only["reason"]
    bad = client.post("/v1/origin/advice", params={"instrument": "XFTA"}, content="product: [",
                      headers={"Content-Type": "application/yaml"})
    assert bad.status_code == 422 and bad.json()["type"].endswith("invalid-bom")


def test_cli_gives_the_api_json_and_writes_a_bom_that_originates(client: TestClient, cli, tmp_path: Path) -> None:
    run = cli("advise", str(FAILING), "--instrument", "AANZFTA-P2", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == _advice(client, yaml.safe_load(FAILING.read_text()), instrument="AANZFTA-P2")
    written = tmp_path / "fixed.yaml"
    text = cli("advise", str(FAILING), "--instrument", "AANZFTA-P2", "--write", str(written))
    assert text.returncode == 0, text.stderr
    assert "1. move 0.60 USD in 2 change(s): originates by RVC(40)" in text.stdout
    assert "blocking: blank" in text.stdout
    evaluated = cli("evaluate", str(written), "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    verdict = next(v for v in json.loads(evaluated.stdout)["verdicts"] if v["instrument"] == "AANZFTA-P2")
    assert verdict["originating"]


def test_named_material_requirements() -> None:
    # ORIG(5208): the labels (4.00, of heading 5208, from the producer's country without a declaration) must be
    # originating; WO(5205): the yarn (2.00, declared originating) must be wholly obtained as well.
    labels = _material("labels", "4", "MY", "520811")
    yarn = Material(**{**dict(_material("yarn", "2", "VN", "520512")), "declaration": SupplierDeclaration(
        instrument="TFTA", country="VN", valid_from=DAY, valid_until=DAY)})
    advice = advise(_evaluation("ORIG(5208) & WO(5205)", [labels, _material("fabric", "3", "CN", "600622"), yarn]))
    gaps = {g.kind: g for g in advice.gaps}
    assert gaps["originating_materials"].blocking == ("labels",) and gaps["originating_materials"].amount == D(4)
    assert gaps["wholly_obtained_materials"].blocking == ("yarn",)
    (best,) = advice.suggestions
    assert {(c.kind, c.material) for c in best.changes} == {("declaration", "labels"), ("wholly_obtained", "yarn")}
    assert best.value_moved == D(4)  # the yarn already counts as originating: no value moves


def test_openapi_documents_the_advice(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    post = schema["paths"]["/v1/origin/advice"]["post"]
    assert {"application/json", "application/yaml", "text/csv"} <= set(post["requestBody"]["content"])
    assert post["responses"]["200"]["content"]["application/json"]["example"]["status"] == "suggestions"
    assert {"404", "422"} <= set(post["responses"])
    assert {"AdviceReport", "SuggestedBom", "RuleGap", "BomChange"} <= set(schema["components"]["schemas"])


def test_in_house_intermediate_is_bought_instead() -> None:
    # The 'panel' made in-house from a CN blank (of the product's own heading) fails CTH, so the panel itself is
    # non-originating (8.00 of FOB 100, no tolerance): the advice is to buy it originating, dropping its components.
    panel = Material(id="panel", hs="610910", hs_version="HS2022", quantity=D(1), unit="pc", value=D(8),
                     currency="USD", components=(_material("blank", "5", "CN", "610910"),))
    e = _evaluation("CTH", [panel, _material("fabric", "3", "CN", "600622")])
    e = e.model_copy(update={"psrs_for_components": {"610910": e.psr}})
    (best, *_) = advise(e).suggestions
    (change,) = best.changes
    assert (change.kind, change.material, change.value) == ("source_from_party", "panel", D(8))
    assert "made in-house" in change.description and best.product.bom[0].components == ()
