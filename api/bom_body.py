"""The body of every route that takes a BOM document: read once, here, for all of them.

``BomBody`` (a FastAPI dependency) checks the media type (JSON, YAML or CSV; else 415), reads the body
(``api.limits.BodyLimits`` has already bounded it: 413 past ``ORIGINGRAPH_MAX_BODY_BYTES``), decodes it
as UTF-8 with one answer on bytes that are not (422 ``invalid-encoding`` naming the byte, offset and
line, whether or not a Content-Type was sent) and hands the route a ``BomSubmission``. The route parses
it on a BOM worker, under the time limit, through ``graph.origin.parse_bom_text``: parsing is not done
here because the parse and the evaluation share one time limit and one worker. ``BOM_REQUEST_BODY`` /
``BOM_DOCUMENT_REQUEST_BODY`` are the OpenAPI ``requestBody`` those routes declare.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated, Any, cast

import yaml
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.deps import StoreDep
from api.limits import Limits, check_material_count, text_problem
from api.models import documented
from api.problems import ApiProblem, FieldError
from engine.bom_input import BomDocument, BomError
from engine.models import Material, MissingShipment, Product, Shipment, override_shipment
from graph.origin import parse_bom_text
from graph.products import ProductHeader, read_product
from graph.cache import GraphView
from graph.store import Store

JSON_TYPES = ("application/json",)
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
CSV_TYPES = ("text/csv", "application/csv")
SUFFIXES = {**dict.fromkeys(JSON_TYPES, "json"), **dict.fromkeys(YAML_TYPES, "yaml"), **dict.fromkeys(CSV_TYPES, "csv")}
"""The body formats a BOM route reads, by media type: the suffix a BOM file of that format has."""


@documented
class BomDocumentBody(BaseModel):
    """A BOM document as ``engine.bom_input`` reads it (the same as a `.json` / `.yaml` BOM file)."""

    model_config = ConfigDict(extra="forbid")

    product: ProductHeader  # type: ignore[valid-type]
    bom: list[Material] = []
    shipment: Shipment | None = None


@documented
class StoredBomEvaluation(BaseModel):
    """Evaluate the BOM stored under ``sku`` (``PUT /v1/products/{sku}/bom``) for this shipment."""

    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1)
    shipment: Shipment | None = None


SHIPMENT_EXAMPLE = {"exporter": "MY", "importer": "AU", "date": "2025-06-02",
                    "legs": [{"country": "SG", "operations": ["unloading", "reloading"], "customs_control": True,
                              "documents": ["through bill of lading"]}],
                    "invoice_value": "10000", "currency": "USD"}
DOCUMENT_EXAMPLE = {
    "product": {"sku": "TS-100", "description": "Men's cotton T-shirt, knitted", "hs": "610910",
                "hs_version": "HS2022", "producer": "MY", "ex_works": "9.00", "fob": "10.00", "currency": "USD",
                "processes": ["cut-or-knit-to-shape-and-assembled"]},
    "bom": [{"id": "fabric", "description": "Dyed cotton jersey, knitted", "hs": "600622", "hs_version": "HS2022",
             "quantity": "0.25", "unit": "kg", "value": "3.20", "currency": "USD", "origin": "CN"},
            {"id": "yarn", "description": "Cotton sewing yarn", "hs": "520512", "hs_version": "HS2022",
             "quantity": "0.01", "unit": "kg", "value": "0.30", "currency": "USD", "origin": "VN",
             "declaration": {"instrument": "AANZFTA", "country": "VN", "valid_from": "2025-01-01",
                             "valid_until": "2026-12-31", "reference": "VN-SUP-2025-17"}},
            {"id": "labels", "description": "Printed labels and packing", "hs": "520811", "hs_version": "HS2017",
             "quantity": "1", "unit": "set", "value": "0.40", "currency": "USD", "origin": "MY"}],
    "shipment": SHIPMENT_EXAMPLE}
YAML_EXAMPLE = """product: {sku: TS-100, hs: "610910", hs_version: HS2022, producer: MY,
          ex_works: "9.00", fob: "10.00", currency: USD}
bom:
  - {id: fabric, hs: "600622", hs_version: HS2022, quantity: "0.25", unit: kg,
     value: "3.20", currency: USD, origin: CN}
shipment: {exporter: MY, importer: AU, date: "2025-06-02"}
"""
CSV_EXAMPLE = """parent,component,description,hs,hs_version,quantity,unit,value,currency,origin,fob
,TS-100,Men's cotton T-shirt,610910,HS2022,1,pc,9.00,USD,MY,10.00
TS-100,fabric,Dyed cotton jersey,600622,HS2022,0.25,kg,3.20,USD,CN,
TS-100,labels,Printed labels,520811,HS2017,1,set,0.40,USD,MY,
"""


def _request_body(stored: bool) -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of a BOM route; ``stored``: it also takes ``{"sku": .., "shipment": ..}``."""
    document: dict[str, Any] = {"$ref": "#/components/schemas/BomDocumentBody"}
    examples: dict[str, Any] = {"document": {"summary": "A product, its BOM and the shipment",
                                             "value": DOCUMENT_EXAMPLE}}
    if stored:
        document = {"oneOf": [document, {"$ref": "#/components/schemas/StoredBomEvaluation"}]}
        examples["stored"] = {"summary": "A BOM stored with PUT /v1/products/{sku}/bom",
                              "value": {"sku": "TS-100", "shipment": SHIPMENT_EXAMPLE}}
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": document, "examples": examples},
        "application/yaml": {"schema": {"type": "string"}, "examples": {"document": {
            "summary": "The same document as YAML (a BOM file)", "value": YAML_EXAMPLE}}},
        "text/csv": {"schema": {"type": "string"}, "examples": {"erp": {
            "summary": "A flat ERP BOM; the shipment comes from the query (exporter, importer, date)",
            "value": CSV_EXAMPLE}}}}}}


BOM_REQUEST_BODY = _request_body(stored=True)
"""``openapi_extra`` of the routes that evaluate a BOM: a document, or a stored BOM by SKU."""
BOM_DOCUMENT_REQUEST_BODY = _request_body(stored=False)
"""``openapi_extra`` of the routes that read the document itself (store it, answer it as JSON)."""


def read_document(store: Store, text: str, filename: str, limits: Limits) -> BomDocument:
    """``parse_bom_text``, with what a parser raises on input it cannot read (nesting deeper than the
    interpreter's stack, a YAML reader error, a CSV quoting error) answered as a bad line of the document,
    and the material count bounded."""
    try:
        document = parse_bom_text(store, text, filename)
    except RecursionError:
        raise BomError(filename, 1, None, "nested too deeply to read: flatten the BOM") from None
    except yaml.YAMLError as exc:
        position = getattr(exc, "position", 0) or 0
        raise BomError(filename, text.count("\n", 0, position) + 1, None, f"not valid YAML/JSON: {exc}") from None
    except csv.Error as exc:
        reader = csv.reader(io.StringIO(text))
        try:
            for _ in reader:
                pass
        except csv.Error:
            pass
        raise BomError(filename, max(reader.line_num, 1), None, f"not valid CSV: {exc}") from None
    check_material_count(document.product.bom, limits)
    return document


def _stored(data: dict[str, Any]) -> StoredBomEvaluation:
    try:
        return StoredBomEvaluation.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


@dataclass(frozen=True)
class BomSubmission:
    """A BOM body as read: its text, the file name its format parses as (``body.json`` / ``.yaml`` /
    ``.csv``), and the store and limits it is parsed against. The parse methods block: call them on a
    BOM worker (``app.state.bom_workers``)."""

    text: str
    filename: str
    store: Store | GraphView
    limits: Limits

    def seen_by(self, view: GraphView) -> BomSubmission:
        """The same submission, its codes checked through ``view``: a route that then evaluates on that view
        reads the graph revision once per request."""
        return replace(self, store=view)

    def document(self) -> BomDocument:
        """The body as a BOM document (what ``PUT /v1/products/{sku}/bom`` stores)."""
        return read_document(self.store, self.text, self.filename, self.limits)

    def product(self) -> tuple[Product, Shipment | None]:
        """The product and the body's shipment: from the document, or from the BOM stored under the SKU of a
        JSON ``{"sku": .., "shipment": ..}``."""
        if self.filename == "body.json":
            try:
                data = json.loads(self.text)
            except json.JSONDecodeError as exc:
                raise BomError(self.filename, exc.lineno, None, f"not valid JSON: {exc.msg}") from None
            except RecursionError:
                raise BomError(self.filename, 1, None, "nested too deeply to read: flatten the BOM") from None
            if isinstance(data, dict) and "sku" in data and "product" not in data:
                stored = _stored(data)
                return read_product(self.store, stored.sku, "body.sku"), stored.shipment
        document = self.document()
        return document.product, document.shipment

    def shipped(self, exporter: str | None, importer: str | None, on: date | None) -> tuple[Product, Shipment]:
        """``product()`` with the query's exporter / importer / date over the body's shipment
        (``override_shipment``, as the CLI's flags); 422 naming what is missing when neither gives one."""
        product, shipment = self.product()
        return product, _shipment(shipment, {k: v for k, v in (("exporter", exporter), ("importer", importer),
                                                                ("date", on)) if v})


def _shipment(shipment: Shipment | None, flags: dict[str, Any]) -> Shipment:
    try:
        return override_shipment(shipment, flags.get("exporter"), flags.get("importer"), flags.get("date"))
    except MissingShipment as missing:
        if flags:
            raise ApiProblem(422, f"the body has no shipment: give exporter, importer and date in the query "
                                  f"(missing: {', '.join(missing.missing)})", slug="invalid-request",
                             title="Invalid request",
                             errors=[FieldError(field=f"query.{k}", message="required: the body has no shipment")
                                     for k in missing.missing]) from None
        raise ApiProblem(422, "the body has no shipment: add one to the document, or give exporter, importer and "
                              "date in the query", slug="invalid-request", title="Invalid request",
                         errors=[FieldError(field="body.shipment", message="required (or exporter, importer and "
                                                                           "date in the query)")]) from None


def _text(raw: bytes, checked: bool) -> str:
    """``raw`` as UTF-8 text; ``checked``: ``BodyLimits`` already refused control characters and lone
    surrogate escapes in it. Bytes that are not UTF-8 are the same 422 ``invalid-encoding`` either way."""
    if not checked and raw:
        problem = text_problem(raw)
        if problem is not None:
            raise problem
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise cast(ApiProblem, text_problem(raw)) from None


async def read_bom_body(request: Request, store: StoreDep) -> BomSubmission:
    """The request's BOM body, read and decoded once. A request without a Content-Type is read as JSON;
    ``BodyLimits`` checked the text of one that names a BOM type, so the text of one without is checked
    here, the same way."""
    declared = request.headers.get("content-type")
    media = (declared if declared is not None else "application/json").split(";")[0].strip().lower()
    suffix = SUFFIXES.get(media)
    if suffix is None:
        raise ApiProblem(415, f"cannot read a body of type {media!r}: send application/json, application/yaml "
                              "or text/csv", slug="unsupported-media-type", title="Unsupported body format")
    text = _text(await request.body(), checked=declared is not None)
    return BomSubmission(text, f"body.{suffix}", store, request.app.state.limits)


BomBody = Annotated[BomSubmission, Depends(read_bom_body)]
"""A route parameter for a BOM body; declare ``BOM_REQUEST_BODY`` or ``BOM_DOCUMENT_REQUEST_BODY`` with it."""
