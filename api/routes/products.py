"""Stored bills of materials: upsert a product's BOM in the graph and read it back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from api.bom_body import BOM_DOCUMENT_REQUEST_BODY, DOCUMENT_EXAMPLE, BomBody
from api.deps import StoreDep, Writer
from api.models import model_response
from api.problems import ApiProblem, FieldError, responses
from graph.products import StoredBom, delete_product, read_product, store_bom

router = APIRouter(prefix="/v1/products", tags=["products"])

Sku = Annotated[str, Path(min_length=1, max_length=200, description="The product's SKU.", examples=["TS-100"])]

_STORED_EXAMPLE = {"product": DOCUMENT_EXAMPLE["product"], "bom": DOCUMENT_EXAMPLE["bom"]}


@router.put("/{sku}/bom", response_model=StoredBom, dependencies=[Writer],
            openapi_extra=BOM_DOCUMENT_REQUEST_BODY, responses={
    200: {"content": {"application/json": {"example": _STORED_EXAMPLE}}},
    **responses(401, 403, 415, 422, 503)})
async def put_bom(request: Request, store: StoreDep, sku: Sku, bom: BomBody) -> Response:
    """Store (or replace) the product's BOM in the graph as Product, Material, CONTAINS and CLASSIFIED_AS
    (requires the API key). The body is a BOM document, as for `POST /v1/origin/evaluate` (JSON, YAML or
    CSV; a shipment in it is ignored); its product SKU must be the one in the path. Idempotent: the same body twice stores the same graph.
    Answers with the BOM as stored, which `POST /v1/origin/evaluate` then takes as `{"sku": .., "shipment": ..}`."""
    product = (await request.app.state.bom_workers.run(bom.document, "BOM parse")).product
    if product.sku != sku:
        raise ApiProblem(422, f"the document is for SKU {product.sku!r}, the path for {sku!r}: they must agree",
                         slug="invalid-request", title="Invalid request",
                         errors=[FieldError(field="body.product.sku", message=f"must be {sku!r}, as in the path")])

    def write() -> StoredBom:
        """Not under the time limit: a write is never abandoned half-way to an answer."""
        store_bom(store, product)
        return StoredBom.of(read_product(store, sku))

    return model_response(await run_in_threadpool(write))


@router.get("/{sku}/bom", response_model=StoredBom, responses={
    200: {"content": {"application/json": {"example": _STORED_EXAMPLE}}}, **responses(404, 503)})
def get_bom(store: StoreDep, sku: Sku) -> Response:
    """The stored BOM, in the document shape the PUT and `POST /v1/origin/evaluate` take."""
    return model_response(StoredBom.of(read_product(store, sku)))


@router.delete("/{sku}/bom", status_code=204, dependencies=[Writer], responses=responses(401, 403, 404, 503))
def delete_bom(store: StoreDep, sku: Sku) -> Response:
    """Delete the stored product and its BOM (requires the API key)."""
    delete_product(store, sku)
    return Response(status_code=204)
