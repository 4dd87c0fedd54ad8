"""Does a product originate: a BOM document (or a stored BOM) and a shipment in, verdicts out."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated, Any

import yaml

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.deps import CountryCode, IsoDate, StoreDep
from api.limits import Limits, check_material_count
from api.models import documented, model_response
from api.problems import ApiProblem, FieldError, name_fields, responses
from api.routes.records import EvaluateOptions, authorise_record, evaluate_options, evaluation_answer
from engine.bom_input import BomDocument, BomError
from engine.certificate import CertificateExport
from engine.models import Material, MissingShipment, Product, Shipment, override_shipment
from graph.diff import DateDiff, diff_dates
from graph.origin import OriginReport, evaluate_shipment, parse_bom_text
from graph.products import ProductHeader, read_product
from graph.store import Store

router = APIRouter(prefix="/v1/origin", tags=["origin"])

JSON_TYPES = ("application/json",)
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
CSV_TYPES = ("text/csv", "application/csv")


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
REPORT_EXAMPLE = {
    "sku": "TS-100", "exporter": "MY", "importer": "AU", "date": "2025-06-02",
    "verdicts": [{"instrument": "AANZFTA-P2", "agreement": "AANZFTA", "originating": True, "rule": "RVC(40) | CTH",
                  "passed_by": "CTH", "rule_status": "annex_not_loaded", "provisional": True,
                  "provisional_reason": "no PSR annex for HS2022 is loaded for AANZFTA-P2: the general rule "
                                        "RVC(40) | CTH is shown provisionally; load the annex with `origingraph "
                                        "import psr FILE --instrument AANZFTA-P2 --hs-version HS2022`",
                  "...": "numbers, cumulation, consignment, proof, trace: see the schema"}],
    "undetermined": [{"agreement": "RCEP", "instrument": "RCEP", "rule_status": "no_rule",
                      "reason": "no PSR for HS2022 610910 and no general rule: no PSR annex for HS2022 is loaded "
                                "for RCEP and RCEP records no general rule: no verdict; load the annex with "
                                "`origingraph import psr FILE --instrument RCEP --hs-version HS2022`"}],
    "pending": []}

_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {
        "schema": {"oneOf": [{"$ref": "#/components/schemas/BomDocumentBody"},
                             {"$ref": "#/components/schemas/StoredBomEvaluation"}]},
        "examples": {
            "document": {"summary": "A product, its BOM and the shipment", "value": DOCUMENT_EXAMPLE},
            "stored": {"summary": "A BOM stored with PUT /v1/products/{sku}/bom",
                       "value": {"sku": "TS-100", "shipment": SHIPMENT_EXAMPLE}}}},
    "application/yaml": {"schema": {"type": "string"}, "examples": {"document": {
        "summary": "The same document as YAML (a BOM file)", "value": YAML_EXAMPLE}}},
    "text/csv": {"schema": {"type": "string"}, "examples": {"erp": {
        "summary": "A flat ERP BOM; the shipment comes from the query (exporter, importer, date)",
        "value": CSV_EXAMPLE}}}}}}


def _stored(data: dict[str, Any]) -> StoredBomEvaluation:
    try:
        return StoredBomEvaluation.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


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


def _document(store: Store, text: str, media: str, limits: Limits) -> tuple[Product, Shipment | None]:
    if media in YAML_TYPES:
        document = read_document(store, text, "body.yaml", limits)
    elif media in CSV_TYPES:
        document = read_document(store, text, "body.csv", limits)
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BomError("body.json", exc.lineno, None, f"not valid JSON: {exc.msg}") from None
        except RecursionError:
            raise BomError("body.json", 1, None, "nested too deeply to read: flatten the BOM") from None
        if isinstance(data, dict) and "sku" in data and "product" not in data:
            stored = _stored(data)
            return read_product(store, stored.sku), stored.shipment
        document = read_document(store, text, "body.json", limits)
    return document.product, document.shipment


def _shipment(shipment: Shipment | None, flags: dict[str, Any]) -> Shipment:
    """The body's shipment with the query's exporter / importer / date over it (``override_shipment``, as
    the CLI's flags)."""
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


@router.post("/evaluate", response_model=OriginReport | CertificateExport, openapi_extra=_BODY, responses={
    200: {"content": {"application/json": {"example": REPORT_EXAMPLE}}},
    **responses(401, 403, 404, 415, 422, 503, 507)})
async def evaluate(request: Request, store: StoreDep,
                   exporter: Annotated[CountryCode | None, Query(description="Overrides the shipment's exporter.",
                                                                 examples=["MY"])] = None,
                   importer: Annotated[CountryCode | None, Query(description="Overrides the shipment's importer.",
                                                                 examples=["AU"])] = None,
                   date: Annotated[IsoDate | None, Query(description="Overrides the shipment's date, YYYY-MM-DD.",
                                                         examples=["2025-06-02"])] = None,
                   options: Annotated[EvaluateOptions, Depends(evaluate_options)] = EvaluateOptions()) -> Response:
    """A verdict for the product under every instrument binding the shipment's exporter and importer on its
    date: originating or not, by which alternative of the rule, the numbers (VNM, RVC, MaxNOM), cumulation
    used, consignment, the proof of origin to use, and the graph facts behind it (with a Neo4j Browser script).

    The body is a BOM document (JSON, or YAML / CSV like a BOM file; a CSV has no shipment, so give it in
    the query), or `{"sku": .., "shipment": ..}` for a BOM stored with `PUT /v1/products/{sku}/bom`.
    Query parameters override the shipment, as the CLI's flags do. A bad document line is a 422 naming it.

    The same JSON as `origingraph evaluate BOM --json`; `format=wco-co` answers certificate-of-origin data
    instead (`--export wco-co`), `record=true` (with the API key) appends the verdicts to the record chain
    (`--record`; the records' ids in `X-Origingraph-Records`)."""
    await authorise_record(request, options)
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media not in JSON_TYPES + YAML_TYPES + CSV_TYPES:
        raise ApiProblem(415, f"cannot read a body of type {media!r}: send application/json, application/yaml "
                              "or text/csv", slug="unsupported-media-type", title="Unsupported body format")
    text = (await request.body()).decode("utf-8")  # api.limits.BodyLimits answered any other body
    name_fields(request, sku="body.sku")
    flags = {k: v for k, v in (("exporter", exporter), ("importer", importer), ("date", date)) if v}

    def run() -> tuple[Product, Shipment, OriginReport]:
        product, shipment = _document(store, text, media, request.app.state.limits)
        shipment = _shipment(shipment, flags)
        return product, shipment, evaluate_shipment(store, product, shipment)

    return await evaluation_answer(store, *await request.app.state.bom_workers.run(run, "BOM evaluation"), options)


@router.post("/changes", response_model=DateDiff, openapi_extra=_BODY, responses=responses(404, 415, 422, 503))
async def changes(request: Request, store: StoreDep,
                  date_a: Annotated[IsoDate, Query(description="The earlier date, YYYY-MM-DD.",
                                                   examples=["2025-04-20"])],
                  date_b: Annotated[IsoDate, Query(description="The later date, YYYY-MM-DD.",
                                                   examples=["2025-04-25"])],
                  exporter: Annotated[CountryCode | None, Query(description="Overrides the shipment's exporter.",
                                                                examples=["MY"])] = None,
                  importer: Annotated[CountryCode | None, Query(description="Overrides the shipment's importer.",
                                                                examples=["AU"])] = None) -> Response:
    """What changes for this product between two dates, and why: instruments binding the pair (a party
    entering a protocol), the governing rule (a PSR schedule moving to a new HS edition), the verdict, the
    proofs of origin, pending texts. The body is the same as for `/v1/origin/evaluate`.

    The same JSON as one entry of `origingraph diff --date-a .. --date-b .. BOM --json`."""
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media not in JSON_TYPES + YAML_TYPES + CSV_TYPES:
        raise ApiProblem(415, f"cannot read a body of type {media!r}: send application/json, application/yaml "
                              "or text/csv", slug="unsupported-media-type", title="Unsupported body format")
    text = (await request.body()).decode("utf-8")  # api.limits.BodyLimits answered any other body
    name_fields(request, sku="body.sku")
    flags = {k: v for k, v in (("exporter", exporter), ("importer", importer), ("date", date_a)) if v}

    def run() -> DateDiff:
        product, shipment = _document(store, text, media, request.app.state.limits)
        return diff_dates(store, product, _shipment(shipment, flags), date_a, date_b)

    return model_response(await request.app.state.bom_workers.run(run, "BOM comparison between dates"))
