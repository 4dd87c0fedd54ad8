"""The HTTP API on the real app and the session's real store: every endpoint, auth, the problem format,
pagination, and the same JSON as the CLI (run in a subprocess against the same store).

Writes go to the fictional XFTA instrument and to test SKUs, and are undone before each test ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from copy import deepcopy
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from api.app import create_app
from graph.store import Store

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "tshirt-my-au.yaml"
KEY = "test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
PROBLEM = "application/problem+json"


def _json(cli, *args: str) -> dict:
    """The CLI's ``--json`` answer for ``args``, run against the same store."""
    run = cli(*args, "--json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)



@pytest.fixture
def writer(seeded: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """An app created with ORIGINGRAPH_API_KEY set."""
    monkeypatch.setenv("ORIGINGRAPH_API_KEY", KEY)
    with TestClient(create_app(seeded)) as c:
        yield c


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"] and body["instance"]
    return body


def _fields(body: dict) -> dict[str, str]:
    return {e["field"]: e["message"] for e in body.get("errors", [])}


# ------------------------------------------------------------------ same JSON as the CLI


def test_applicability_is_the_cli_json(client: TestClient, seeded: Store, cli) -> None:
    response = client.get("/v1/applicability", params={"exporter": "MY", "importer": "AU", "date": "2025-04-25"})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer == _json(cli, "rules", "--exporter", "MY", "--importer", "AU", "--date", "2025-04-25")
    upgrade = next(i for i in answer["instruments"] if i["instrument"] == "AANZFTA-P2")
    assert upgrade["explanation"] and upgrade["psr"] is None and upgrade["supersedes"] == ["AANZFTA"]
    assert any(p["instrument"] == "XFTA-P1" for p in answer["pending"])


def test_rules_is_the_cli_json(client: TestClient, seeded: Store, cli) -> None:
    params = {"exporter": "my", "importer": "AU", "date": "2025-04-25", "hs": "610910", "hs_version": "HS2022"}
    answer = client.get("/v1/rules", params=params).json()
    assert answer == _json(cli, "rules", "--exporter", "MY", "--importer", "AU", "--date", "2025-04-25",
                          "--hs", "610910", "--hs-version", "HS2022")
    upgrade = next(i for i in answer["instruments"] if i["instrument"] == "AANZFTA-P2")
    assert upgrade["psr"]["rule"] == "RVC(40) | CTH"


def test_lineage_is_the_cli_json(client: TestClient, seeded: Store, cli) -> None:
    answer = client.get("/v1/hs/854140/lineage", params={"from": "HS2017", "to": "HS2022"}).json()
    assert answer == _json(cli, "lineage", "--hs", "854140", "--from", "HS2017", "--to", "HS2022")
    assert answer["from"] == "HS2017" and answer["ambiguous"] is True and len(answer["targets"]) > 1


def test_evaluate_is_the_cli_json_in_every_body_format(client: TestClient, seeded: Store, cli) -> None:
    expected = _json(cli, "evaluate", str(EXAMPLE))
    text = EXAMPLE.read_text()
    as_yaml = client.post("/v1/origin/evaluate", content=text, headers={"Content-Type": "application/yaml"})
    assert as_yaml.status_code == 200, as_yaml.text
    assert as_yaml.json() == expected
    as_json = client.post("/v1/origin/evaluate", json=yaml.safe_load(text))
    assert as_json.json() == expected
    verdict = next(v for v in expected["verdicts"] if v["instrument"] == "AANZFTA-P2")
    assert verdict["originating"] and verdict["passed_by"] == "CTH"


def test_evaluate_csv_takes_the_shipment_from_the_query(client: TestClient, seeded: Store, tmp_path: Path, cli) -> None:
    from api.routes.origin import CSV_EXAMPLE

    bom = tmp_path / "shirt.csv"
    bom.write_text(CSV_EXAMPLE)
    flags = {"exporter": "MY", "importer": "AU", "date": "2025-06-02"}
    response = client.post("/v1/origin/evaluate", params=flags, content=CSV_EXAMPLE,
                           headers={"Content-Type": "text/csv; charset=utf-8"})
    assert response.status_code == 200, response.text
    assert response.json() == _json(cli, "evaluate", str(bom), *[x for k, v in flags.items() for x in (f"--{k}", v)])
    no_shipment = client.post("/v1/origin/evaluate", params={"exporter": "MY"}, content=CSV_EXAMPLE,
                              headers={"Content-Type": "text/csv"})
    assert set(_fields(_problem(no_shipment, 422))) == {"query.importer", "query.date"}


def test_query_overrides_the_documents_shipment(client: TestClient) -> None:
    document = yaml.safe_load(EXAMPLE.read_text())
    answer = client.post("/v1/origin/evaluate", params={"date": "2025-04-01"}, json=document).json()
    assert (answer["exporter"], answer["importer"], answer["date"]) == ("MY", "AU", "2025-04-01")
    assert "AANZFTA-P2" not in {v["instrument"] for v in answer["verdicts"]}  # not in force for MY-AU yet


# ------------------------------------------------------------------ errors: one format, field paths


def test_unknown_country_is_404_naming_the_parameter(client: TestClient) -> None:
    body = _problem(client.get("/v1/applicability", params={"exporter": "QQ", "importer": "AU",
                                                             "date": "2025-02-03"}), 404)
    assert body["type"] == "/problems/unknown-country" and body["instance"] == "/v1/applicability"
    assert "unknown country code 'QQ' for exporter" in _fields(body)["query.exporter"]


def test_malformed_values_are_422_with_field_paths(client: TestClient) -> None:
    body = _problem(client.get("/v1/applicability", params={"exporter": "MYS", "importer": "AU",
                                                             "date": "2025-02-30"}), 422)
    fields = _fields(body)
    assert fields["query.date"] == "expected a date written YYYY-MM-DD, got '2025-02-30'"
    assert "ISO 3166-1 alpha-2" in fields["query.exporter"]
    assert "query.date" in body["detail"]
    missing = _problem(client.get("/v1/rules", params={"exporter": "MY", "importer": "AU", "date": "2025-04-25"}), 422)
    assert _fields(missing) == {"query.hs": "required", "query.hs_version": "required"}
    not_a_date = _problem(client.get("/v1/applicability", params={"exporter": "MY", "importer": "AU",
                                                                   "date": "20000"}), 422)
    assert "query.date" in _fields(not_a_date)


def test_unknown_hs_version_and_code_are_404(client: TestClient) -> None:
    rules = {"exporter": "MY", "importer": "AU", "date": "2025-04-25", "hs": "610910", "hs_version": "HS1999"}
    body = _problem(client.get("/v1/rules", params=rules), 404)
    assert body["type"] == "/problems/unknown-hs-version" and "HS2022" in _fields(body)["query.hs_version"]
    to = _problem(client.get("/v1/hs/854140/lineage", params={"from": "HS2017", "to": "HS1999"}), 404)
    assert "query.to" in _fields(to)
    source = _problem(client.get("/v1/hs/854140/lineage", params={"from": "HS1999", "to": "HS2022"}), 404)
    assert "query.from" in _fields(source)
    code = _problem(client.get("/v1/hs/999999/lineage", params={"from": "HS2017", "to": "HS2022"}), 404)
    assert code["type"] == "/problems/unknown-hs-code" and "path.code" in _fields(code)
    malformed = _problem(client.get("/v1/hs/12345/lineage", params={"from": "2017", "to": "HS2022"}), 422)
    assert set(_fields(malformed)) == {"path.code", "query.from"}


def test_bom_with_a_bad_line_is_422_naming_it(client: TestClient) -> None:
    text = EXAMPLE.read_text().replace('value: "0.30"', 'value: "-0.30"')
    line = next(n for n, row in enumerate(text.splitlines(), 1) if '"-0.30"' in row)
    body = _problem(client.post("/v1/origin/evaluate", content=text, headers={"Content-Type": "application/yaml"}),
                    422)
    assert body["type"] == "/problems/invalid-bom"
    assert body["errors"][0]["line"] == line and body["errors"][0]["field"] == "value"
    assert f"line {line}: value:" in body["detail"]

    unknown = deepcopy(yaml.safe_load(EXAMPLE.read_text()))
    unknown["bom"][1]["hs"] = "999999"
    response = client.post("/v1/origin/evaluate", content=json.dumps(unknown, indent=2),
                           headers={"Content-Type": "application/json"})
    error = _problem(response, 422)["errors"][0]
    assert error["field"] == "hs" and "unknown HS code 999999" in error["message"] and error["line"] > 1

    broken = _problem(client.post("/v1/origin/evaluate", content='{\n  "product": {\n  ,\n}',
                                  headers={"Content-Type": "application/json"}), 422)
    assert broken["errors"][0]["line"] == 3 and "not valid JSON" in broken["detail"]


def test_evaluate_rejects_other_body_types_and_bodies_without_a_shipment(client: TestClient) -> None:
    _problem(client.post("/v1/origin/evaluate", content="hello", headers={"Content-Type": "text/plain"}), 415)
    document = yaml.safe_load(EXAMPLE.read_text())
    del document["shipment"]
    assert "body.shipment" in _fields(_problem(client.post("/v1/origin/evaluate", json=document), 422))
    stored = _problem(client.post("/v1/origin/evaluate", json={"sku": "", "shipment": {"exporter": "MY"}}), 422)
    assert {"body.sku", "body.shipment.importer", "body.shipment.date"} <= set(_fields(stored))


def test_unknown_routes_and_internal_errors_are_problems(seeded: Store) -> None:
    app = create_app(seeded)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret connection string bolt://user:pw@host")

    with TestClient(app, raise_server_exceptions=False) as c:
        assert "/docs" in _problem(c.get("/v2/nothing"), 404)["detail"]
        _problem(c.delete("/v1/applicability"), 405)
        body = _problem(c.get("/boom"), 500)
        assert "secret" not in json.dumps(body) and body["type"] == "/problems/internal-error"


# ------------------------------------------------------------------ pagination


def test_instruments_are_paginated(client: TestClient) -> None:
    first = client.get("/v1/instruments", params={"limit": 3}).json()
    assert first["limit"] == 3 and first["offset"] == 0 and len(first["items"]) == 3
    assert first["total"] >= 13 and first["next"] == "/v1/instruments?limit=3&offset=3"
    seen, page = [], first
    while True:
        seen += [i["code"] for i in page["items"]]
        if page["next"] is None:
            break
        page = client.get(page["next"]).json()
    assert len(seen) == len(set(seen)) == first["total"] and seen == sorted(seen)
    xfta = client.get("/v1/instruments", params={"agreement": "xfta"}).json()
    assert [i["code"] for i in xfta["items"]] == ["XFTA", "XFTA-P1"] and xfta["next"] is None
    protocol = xfta["items"][1]
    assert protocol["amends"] == "XFTA" and protocol["parties"] == 3
    assert protocol["parties_by_status"] == {"in_force": 2, "signed": 1}
    assert client.get("/v1/instruments/XFTA-P1").json() == {**protocol, "psr_schedules": []}  # inherits XFTA's
    assert "query.agreement" in _fields(_problem(client.get("/v1/instruments", params={"agreement": "NOPE"}), 404))
    assert set(_fields(_problem(client.get("/v1/instruments", params={"limit": 0, "offset": -1}), 422))) == {
        "query.limit", "query.offset"}
    assert _problem(client.get("/v1/instruments/NOPE"), 404)["type"] == "/problems/unknown-instrument"


def test_parties_are_paginated(client: TestClient) -> None:
    page = client.get("/v1/instruments/AANZFTA-P2/parties", params={"limit": 5, "offset": 5}).json()
    assert page["total"] >= 10 and len(page["items"]) == 5
    assert page["next"] == "/v1/instruments/AANZFTA-P2/parties?limit=5&offset=10"
    everything = client.get("/v1/instruments/AANZFTA-P2/parties", params={"limit": 500}).json()
    assert everything["items"][5:10] == page["items"] and everything["next"] is None
    my = client.get("/v1/instruments/AANZFTA-P2/parties/my").json()
    assert my in everything["items"] and my["kind"] == "country" and my["in_force_from"]
    assert "path.code" in _fields(_problem(client.get("/v1/instruments/NOPE/parties"), 404))


# ------------------------------------------------------------------ auth


XFTA_AU = {"status": "in_force", "signed": "2024-01-01", "ratified": "2024-11-30", "in_force_from": "2025-01-01",
           "source": "test_api: AU brings XFTA-P1 into force", "confidence": "confirmed"}
XFTA_AU_SEEDED = {"status": "signed", "source": "test fixture"}


def test_writes_are_disabled_without_a_configured_key(client: TestClient) -> None:
    body = _problem(client.put("/v1/instruments/XFTA-P1/parties/AU", json=XFTA_AU, headers=AUTH), 403)
    assert "ORIGINGRAPH_API_KEY" in body["detail"] and body["type"] == "/problems/writes-disabled"
    _problem(client.put("/v1/products/TEST-API-0/bom", content=EXAMPLE.read_text(), headers=AUTH), 403)


def test_writes_need_the_right_key(writer: TestClient) -> None:
    url = "/v1/instruments/XFTA-P1/parties/AU"
    missing = writer.put(url, json=XFTA_AU_SEEDED)
    assert _problem(missing, 401)["type"] == "/problems/unauthorized"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    _problem(writer.put(url, json=XFTA_AU_SEEDED, headers={"Authorization": "Bearer wrong"}), 401)
    _problem(writer.put(url, json=XFTA_AU_SEEDED, headers={"X-API-Key": "wrong"}), 401)
    assert writer.put(url, json=XFTA_AU_SEEDED, headers=AUTH).status_code == 200
    assert writer.put(url, json=XFTA_AU_SEEDED, headers={"X-API-Key": KEY}).status_code == 200


# ------------------------------------------------------------------ recording a party's status


def test_recorded_entry_into_force_changes_applicability(writer: TestClient) -> None:
    pair = {"exporter": "MY", "importer": "AU", "date": "2025-06-01"}
    before = writer.get("/v1/applicability", params=pair).json()
    assert "XFTA-P1" in {p["instrument"] for p in before["pending"]}
    url = "/v1/instruments/XFTA-P1/parties/AU"
    try:
        response = writer.put(url, json=XFTA_AU, headers=AUTH)
        assert response.status_code == 200, response.text
        entry = response.json()
        assert (entry["status"], entry["in_force_from"], entry["source"]) == (
            "in_force", "2025-01-01", XFTA_AU["source"])
        assert writer.get(url).json() == entry
        after = writer.get("/v1/applicability", params=pair).json()
        applied = next(i for i in after["instruments"] if i["instrument"] == "XFTA-P1")
        assert applied["in_force_for_pair_from"] == "2025-01-01" and applied["supersedes"] == ["XFTA"]
        assert "XFTA-P1" not in {p["instrument"] for p in after["pending"]}
    finally:
        restored = writer.put(url, json=XFTA_AU_SEEDED, headers=AUTH)
    assert restored.status_code == 200 and restored.json()["in_force_from"] is None
    assert writer.get("/v1/applicability", params=pair).json() == before


def test_recorded_status_is_validated(writer: TestClient) -> None:
    url = "/v1/instruments/XFTA-P1/parties/AU"
    bad = _fields(_problem(writer.put(url, json={**XFTA_AU, "in_force_from": "2025-13-01", "status": "done",
                                                 "source": ""}, headers=AUTH), 422))
    assert {"body.in_force_from", "body.status", "body.source"} <= set(bad)
    assert "YYYY-MM-DD" in bad["body.in_force_from"]
    no_date = _problem(writer.put(url, json={"status": "in_force", "source": "x"}, headers=AUTH), 422)
    assert "in_force needs in_force_from" in no_date["detail"]
    extra = _fields(_problem(writer.put(url, json={**XFTA_AU_SEEDED, "party": "AU"}, headers=AUTH), 422))
    assert extra == {"body.party": "unknown field"}
    assert "path.code" in _fields(_problem(writer.put("/v1/instruments/NOPE/parties/AU", json=XFTA_AU_SEEDED,
                                                      headers=AUTH), 404))
    unknown_party = _problem(writer.put("/v1/instruments/XFTA-P1/parties/QQ", json=XFTA_AU_SEEDED, headers=AUTH), 404)
    assert "path.party" in _fields(unknown_party)
    assert writer.get(url).json()["status"] == "signed"


def test_recording_a_new_party_answers_201(writer: TestClient) -> None:
    url = "/v1/instruments/XFTA-P1/parties/NZ"
    try:
        created = writer.put(url, json={"status": "signed", "signed": "2025-03-01", "source": "test_api"},
                             headers=AUTH)
        assert created.status_code == 201, created.text
        assert writer.put(url, json={"status": "signed", "source": "test_api"}, headers=AUTH).status_code == 200
        assert writer.get(url).json()["signed"] is None  # the fact is replaced whole
    finally:
        writer.app.state.store.write_tx(lambda tx: tx.run(
            "MATCH (:Country {code: 'NZ'})-[r:PARTY_TO]->(:Instrument {code: 'XFTA-P1'}) DELETE r").consume())
    _problem(writer.get(url), 404)


# ------------------------------------------------------------------ stored BOMs


def _document(sku: str) -> dict:
    document = yaml.safe_load(EXAMPLE.read_text())
    document["product"]["sku"] = sku
    document["bom"].append({
        "id": "trim", "description": "In-house trim", "hs": "600622", "hs_version": "HS2022", "quantity": "1",
        "unit": "pc", "value": "0.50", "currency": "USD", "processes": ["knitting"],
        "components": [{"id": "thread", "hs": "520512", "hs_version": "HS2022", "quantity": "0.002", "unit": "kg",
                        "value": "0.10", "currency": "USD", "origin": "TH", "weight_kg": "0.002",
                        "processes_in": [{"country": "TH", "value_added": "0.02", "processes": ["dyeing"]}]}]})
    return document


def test_stored_bom_round_trips_and_evaluates_like_the_document(writer: TestClient) -> None:
    sku = "TEST-API-1"
    document = _document(sku)
    url = f"/v1/products/{sku}/bom"
    try:
        put = writer.put(url, json=document, headers=AUTH)
        assert put.status_code == 200, put.text
        stored = writer.get(url).json()
        assert put.json() == stored
        assert stored["product"]["ex_works"] == "9.00" and stored["bom"][0]["value"] == "3.20"
        assert [m["id"] for m in stored["bom"]] == ["fabric", "yarn", "labels", "trim"]
        thread = stored["bom"][3]["components"][0]
        assert thread["processes_in"] == [{"country": "TH", "value_added": "0.02", "processes": ["dyeing"]}]
        assert stored["bom"][1]["declaration"]["reference"] == "VN-SUP-2025-17"

        again = writer.put(url, content=json.dumps({"product": stored["product"], "bom": stored["bom"]}),
                           headers={**AUTH, "Content-Type": "application/json"})
        assert again.json() == stored  # idempotent: what GET gives can be PUT back unchanged
        nodes = writer.app.state.store.read(
            "MATCH (:Product {sku: $sku})-[:CONTAINS*]->(m:Material) RETURN count(m) AS n", sku=sku)
        assert nodes[0]["n"] == 5

        by_sku = writer.post("/v1/origin/evaluate", json={"sku": sku, "shipment": document["shipment"]})
        assert by_sku.status_code == 200, by_sku.text
        assert by_sku.json() == writer.post("/v1/origin/evaluate", json=document).json()

        smaller = deepcopy(document)
        smaller["bom"] = smaller["bom"][:1]
        assert [m["id"] for m in writer.put(url, json=smaller, headers=AUTH).json()["bom"]] == ["fabric"]
        nodes = writer.app.state.store.read("MATCH (m:Material) WHERE m.uid STARTS WITH $p RETURN count(m) AS n",
                                            p=f"{sku}/")
        assert nodes[0]["n"] == 1
    finally:
        writer.delete(url, headers=AUTH)
    _problem(writer.get(url), 404)


def test_bom_upload_errors(writer: TestClient) -> None:
    url = "/v1/products/TEST-API-2/bom"
    mismatch = _problem(writer.put(url, json=_document("OTHER"), headers=AUTH), 422)
    assert "body.product.sku" in _fields(mismatch)
    text = EXAMPLE.read_text().replace("sku: TS-100", "sku: TEST-API-2").replace('hs: "520512"', 'hs: "999999"')
    bad = _problem(writer.put(url, content=text, headers={**AUTH, "Content-Type": "application/yaml"}), 422)
    assert bad["errors"][0]["line"] == next(n for n, r in enumerate(text.splitlines(), 1) if "999999" in r)
    _problem(writer.get(url), 404)  # nothing was stored
    unknown = _problem(writer.post("/v1/origin/evaluate", json={"sku": "TEST-API-2", "shipment": {
        "exporter": "MY", "importer": "AU", "date": "2025-06-02"}}), 404)
    assert unknown["type"] == "/problems/unknown-product" and "body.sku" in _fields(unknown)
    _problem(writer.delete(url, headers=AUTH), 404)
    _problem(writer.delete(url), 401)


# ------------------------------------------------------------------ OpenAPI


def test_openapi_is_served_with_examples(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path in ("/v1/applicability", "/v1/rules", "/v1/hs/{code}/lineage", "/v1/origin/evaluate",
                 "/v1/instruments", "/v1/instruments/{code}/parties", "/v1/instruments/{code}/parties/{party}",
                 "/v1/products/{sku}/bom"):
        assert path in paths, path
    ok = paths["/v1/applicability"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ok["example"]["instruments"][0]["instrument"] == "AANZFTA-P2"
    assert PROBLEM in paths["/v1/applicability"]["get"]["responses"]["404"]["content"]
    body = paths["/v1/origin/evaluate"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/yaml", "text/csv"} <= set(body)
    assert set(body["application/json"]["examples"]) == {"document", "stored"}
    put = paths["/v1/instruments/{code}/parties/{party}"]["put"]
    assert put["requestBody"]["content"]["application/json"]["examples"]["entry_into_force"]["value"]["source"]
    assert put["security"] and {"401", "403"} <= set(put["responses"])
    components = schema["components"]["schemas"]
    assert {"Problem", "BomDocumentBody", "StoredBomEvaluation", "PairRules", "OriginReport"} <= set(components)
    refs = {r for r in json.dumps(schema).split('"$ref": "')[1:]}
    for ref in refs:
        name = ref.split('"')[0].removeprefix("#/components/schemas/")
        assert name in components, name
    assert client.get("/docs").status_code == 200


def test_changes_is_the_cli_diff_json(client: TestClient, cli) -> None:
    text = EXAMPLE.read_text()
    response = client.post("/v1/origin/changes", params={"date_a": "2025-04-20", "date_b": "2025-04-25"},
                           content=text, headers={"Content-Type": "application/yaml"})
    assert response.status_code == 200, response.text
    expected = _json(cli, "diff", "--date-a", "2025-04-20", "--date-b", "2025-04-25", str(EXAMPLE))["diffs"][0]
    assert response.json() == expected
    assert any(c["kind"] == "instrument" and c["after"] == "AANZFTA-P2" for c in expected["changes"])
    missing = _problem(client.post("/v1/origin/changes", params={"date_a": "2025-04-20"}, content=text,
                                   headers={"Content-Type": "application/yaml"}), 422)
    assert "query.date_b" in _fields(missing)
