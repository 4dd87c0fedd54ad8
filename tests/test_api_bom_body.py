"""One BOM body for every route that takes one (``api/bom_body.py``), on the real app and the session's
store: the same document as JSON, YAML or CSV gives the same answer on each route; bytes that are not
UTF-8, a body type no route reads and a body over the limit give the same problem on each; the OpenAPI
document declares the same request body for each.

Writes go to a test SKU and are undone before the module ends.
"""

from __future__ import annotations

import os
import pkgutil
from collections.abc import Iterator
from importlib import import_module

import pytest
import yaml
from fastapi import APIRouter
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import api.routes as api_routes
from api.app import create_app
from api.bom_body import BOM_DOCUMENT_REQUEST_BODY, BOM_REQUEST_BODY, CSV_EXAMPLE, read_bom_body
from graph.store import Store

KEY = "bom-body-test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
PROBLEM = "application/problem+json"
SKU = "TEST-BOM-BODY"
SHIPMENT = {"exporter": "MY", "importer": "AU", "date": "2025-06-02"}

# (method, path, query): every route that takes a BOM body
EVALUATING = [("POST", "/v1/origin/evaluate", SHIPMENT),
              ("POST", "/v1/origin/changes", {"date_a": "2025-04-20", "date_b": "2025-04-25",
                                              "exporter": "MY", "importer": "AU"}),
              ("POST", "/v1/origin/advice", {"instrument": "AANZFTA-P2", **SHIPMENT})]
READING = [("POST", "/v1/origin/document", {}), ("PUT", f"/v1/products/{SKU}/bom", {})]
ROUTES = EVALUATING + READING


def _app(store: Store, **settings: str) -> TestClient:
    """The app created with the API key (and ``settings``) in the environment, which is then restored."""
    names = {"ORIGINGRAPH_API_KEY": KEY, **settings}
    previous = {name: os.environ.get(name) for name in names}
    os.environ.update(names)
    try:
        return TestClient(create_app(store))
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def api(seeded: Store) -> Iterator[TestClient]:
    with _app(seeded) as client:
        yield client
        client.delete(f"/v1/products/{SKU}/bom", headers=AUTH)


def _send(client: TestClient, method: str, path: str, query: dict, body: bytes, headers: dict[str, str]):
    return client.request(method, path, params=query, content=body, headers={**AUTH, **headers})


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["instance"]
    return {k: v for k, v in body.items() if k != "instance"}


@pytest.fixture(scope="module")
def formats(api: TestClient) -> dict[str, tuple[bytes, dict[str, str]]]:
    """One BOM in the three formats: the CSV example, and the document it is stored as, as JSON and YAML."""
    csv_text = CSV_EXAMPLE.replace("TS-100", SKU)
    stored = api.put(f"/v1/products/{SKU}/bom", content=csv_text, headers={**AUTH, "Content-Type": "text/csv"})
    assert stored.status_code == 200, stored.text
    document = stored.json()
    return {"csv": (csv_text.encode(), {"Content-Type": "text/csv"}),
            "json": (stored.content, {"Content-Type": "application/json"}),
            "yaml": (yaml.safe_dump(document, sort_keys=False).encode(), {"Content-Type": "application/yaml"})}


@pytest.mark.parametrize(("method", "path", "query"), ROUTES, ids=[path for _, path, _ in ROUTES])
def test_every_route_reads_json_yaml_and_csv_the_same(api: TestClient, formats, method, path, query) -> None:
    answers = {}
    for name, (body, headers) in formats.items():
        response = _send(api, method, path, query, body, headers)
        assert response.status_code == 200, (name, response.text)
        answers[name] = response.json()
    assert answers["json"] == answers["yaml"] == answers["csv"], path
    charset = _send(api, method, path, query, formats["csv"][0], {"Content-Type": "text/csv; charset=utf-8"})
    assert charset.json() == answers["csv"]
    unlabelled = _send(api, method, path, query, formats["json"][0], {})  # no Content-Type: read as JSON
    assert unlabelled.status_code == 200 and unlabelled.json() == answers["json"]


def test_the_stored_form_is_taken_where_a_bom_is_evaluated_only(api: TestClient, formats) -> None:
    """``{"sku": .., "shipment": ..}`` names a stored BOM on the evaluating routes; the routes that read the
    document itself answer it as a bad document line."""
    for method, path, query in EVALUATING:
        by_sku = api.request(method, path, params={k: v for k, v in query.items() if k not in SHIPMENT},
                             json={"sku": SKU, "shipment": SHIPMENT})
        by_document = _send(api, method, path, query, *formats["json"])
        assert by_sku.status_code == 200 and by_sku.json() == by_document.json(), path
        unknown = _problem(api.request(method, path, params=query, json={"sku": "NO-SUCH-SKU-X"}), 404)
        assert unknown["type"] == "/problems/unknown-product" and unknown["errors"][0]["field"] == "body.sku"
    for method, path, query in READING:
        refused = _problem(_send(api, method, path, query, b'{"sku": "X"}', {"Content-Type": "application/json"}),
                           422)
        assert refused["type"] == "/problems/invalid-bom", path


@pytest.mark.parametrize("headers", [{"Content-Type": "application/yaml"}, {"Content-Type": "application/json"},
                                     {"Content-Type": "text/csv"}, {}], ids=["yaml", "json", "csv", "unlabelled"])
def test_bytes_that_are_not_utf8_are_the_same_problem_on_every_route(api: TestClient, headers) -> None:
    body = b'{"product":\n {"sku": "\xff\xfe"}}'
    problems = [_problem(_send(api, method, path, query, body, headers), 422) for method, path, query in ROUTES]
    assert all(problem == problems[0] for problem in problems), problems
    assert problems[0]["type"] == "/problems/invalid-encoding"
    assert problems[0]["errors"] == [{"field": "body", "line": 2,
                                      "message": "not UTF-8 text: byte 0xff at offset 22 (line 2)"}]


def test_control_characters_are_refused_the_same_with_or_without_a_content_type(api: TestClient) -> None:
    body = b'{"product": {"sku": "A\x01"}}'
    for method, path, query in ROUTES:
        labelled = _problem(_send(api, method, path, query, body, {"Content-Type": "application/json"}), 422)
        assert _problem(_send(api, method, path, query, body, {}), 422) == labelled, path
        assert labelled["type"] == "/problems/invalid-text"


@pytest.mark.parametrize("media", ["text/plain", "application/xml", ""])
def test_a_body_type_no_route_reads_is_415_on_every_route(api: TestClient, media: str) -> None:
    problems = [_problem(_send(api, method, path, query, b"hello", {"Content-Type": media}), 415)
                for method, path, query in ROUTES]
    assert all(problem == problems[0] for problem in problems), problems
    assert problems[0]["type"] == "/problems/unsupported-media-type" and repr(media) in problems[0]["detail"]


def test_a_body_over_the_limit_is_413_on_every_route(seeded: Store) -> None:
    body = CSV_EXAMPLE.replace("TS-100", SKU).encode() * 3
    with _app(seeded, ORIGINGRAPH_MAX_BODY_BYTES="300") as small:
        problems = [_problem(_send(small, method, path, query, body, {"Content-Type": "text/csv"}), 413)
                    for method, path, query in ROUTES]
        assert small.get("/healthz").status_code == 200
    assert all(problem == problems[0] for problem in problems), problems
    assert problems[0]["type"] == "/problems/body-too-large" and "ORIGINGRAPH_MAX_BODY_BYTES" in problems[0]["detail"]


def test_record_authorisation_comes_before_the_body(api: TestClient) -> None:
    """``record=true`` is a write: without the key it is refused before the body is looked at."""
    response = api.post("/v1/origin/evaluate", params={"record": "true"}, content=b"hello",
                        headers={"Content-Type": "text/plain"})
    assert _problem(response, 401)["type"] == "/problems/unauthorized"


def _routes() -> list[APIRoute]:
    """Every route the app includes (``api.routes.include_routers``: each module's ``router``)."""
    modules = (import_module(f"api.routes.{info.name}") for info in pkgutil.iter_modules(api_routes.__path__))
    return [route for module in modules for route in getattr(module, "router", APIRouter()).routes
            if isinstance(route, APIRoute)]


def _takes_a_bom_body(route: APIRoute) -> bool:
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        if dependant.call is read_bom_body:
            return True
        pending.extend(dependant.dependencies)
    return False


def test_the_openapi_declares_one_request_body_for_every_bom_route(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    bom_routes = {(method, route.path) for route in _routes() if _takes_a_bom_body(route) for method in route.methods}
    assert bom_routes == {(method, path.replace(SKU, "{sku}")) for method, path, _ in ROUTES}
    bodies = {(method, path): paths[path][method.lower()]["requestBody"] for method, path in bom_routes}
    for method, path, _ in EVALUATING:
        assert bodies[(method, path)] == BOM_REQUEST_BODY["requestBody"], path
    for method, path, _ in READING:
        assert bodies[(method, path.replace(SKU, "{sku}"))] == BOM_DOCUMENT_REQUEST_BODY["requestBody"], path
    evaluating, reading = BOM_REQUEST_BODY["requestBody"]["content"], BOM_DOCUMENT_REQUEST_BODY["requestBody"]["content"]
    assert {"application/json", "application/yaml", "text/csv"} == set(evaluating) == set(reading)
    assert evaluating["application/yaml"] == reading["application/yaml"]
    assert evaluating["text/csv"] == reading["text/csv"]
    assert evaluating["application/json"]["examples"]["document"] == reading["application/json"]["examples"]["document"]
    assert set(evaluating["application/json"]["examples"]) == {"document", "stored"}
    with_csv = {(method.upper(), path) for path, operations in paths.items() for method, op in operations.items()
                if "text/csv" in op.get("requestBody", {}).get("content", {})}
    assert with_csv == bom_routes  # no route declares a BOM body it does not read through BomBody
