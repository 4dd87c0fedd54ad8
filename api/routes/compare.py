"""Compare candidate shipments of one product: origin, landed duty with every layer, ranked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Response

from api.deps import StoreDep
from api.models import model_response
from api.problems import responses
from graph.compare import CompareRequest, CompareResult, compare_shipments

router = APIRouter(prefix="/v1/shipments", tags=["duty"])

_SHIRT = {
    "sku": "TS-100", "description": "Men's cotton T-shirt, knitted", "hs": "610910", "hs_version": "HS2022",
    "producer": "MY", "ex_works": "9.00", "fob": "10.00", "currency": "USD",
    "processes": ["cut-or-knit-to-shape-and-assembled"],
    "bom": [
        {"id": "fabric", "hs": "600622", "hs_version": "HS2022", "quantity": "0.25", "unit": "kg", "value": "3.20",
         "currency": "USD", "origin": "CN"},
        {"id": "labels", "hs": "520811", "hs_version": "HS2017", "quantity": "1", "unit": "set", "value": "0.40",
         "currency": "USD", "origin": "MY"}]}

REQUEST_EXAMPLES = {
    "my-or-vn-direct-or-via-sg": {
        "summary": "Produce in MY or VN, ship to AU direct or via SG",
        "value": {"product": _SHIRT, "candidates": [
            {"producer": "MY", "importer": "AU", "date": "2025-06-02"},
            {"producer": "MY", "importer": "AU", "date": "2025-06-02", "via": ["SG"]},
            {"producer": "VN", "importer": "AU", "date": "2025-06-02"}]}},
    "us-overlays": {
        "summary": "Which origin costs least into the US (reciprocal, fentanyl, EU/JP 15% all-in)",
        "value": {"product": _SHIRT, "candidates": [
            {"producer": "CN", "importer": "US", "date": "2025-12-01"},
            {"producer": "VN", "importer": "US", "date": "2025-12-01"},
            {"producer": "JP", "importer": "US", "date": "2025-12-01"}]}},
}

RESPONSE_EXAMPLE = {
    "sku": "TS-100", "hs": "610910", "hs_version": "HS2022",
    "candidates": [{"index": 0, "label": "CN->US direct on 2025-12-01", "producer": "CN", "exporter": "CN",
                    "importer": "US", "date": "2025-12-01", "route": [], "customs_value": "10.00",
                    "currency": "USD", "declared_originating_under": [], "undetermined": [], "pending": []}],
    "rows": [{"rank": 1, "candidate": 0, "label": "CN->US direct on 2025-12-01", "instrument": None,
              "agreement": None, "status": "mfn", "originating": None, "reason": "no preference claimed",
              "landed_rate": "36.5", "landed_amount": "3.65", "currency": "USD", "savings_vs_mfn": "0.00",
              "complete": True,
              "layers": ["MFN: 16.5% - MFN (general) rate; no preference claimed",
                         "US-IEEPA-FENTANYL-CN: 10% - additive 10%; 10% on goods of CN",
                         "US-IEEPA-RECIPROCAL: 10% - additive 34%, of which 24% suspended 2025-11-10 to 2026-11-10; "
                         "34% of which 24% suspended until 2026-11-10: 10% collected"],
              "proof_options": [], "requirements": [], "duty": {"...": "engine.duty.DutyResult"}}],
    "best": None, "notes": []}


@router.post("/compare", response_model=CompareResult, responses={
    200: {"content": {"application/json": {"example": RESPONSE_EXAMPLE}}}, **responses(404, 422, 503)})
def compare(store: StoreDep,
            request: Annotated[CompareRequest, Body(openapi_examples=REQUEST_EXAMPLES)]) -> Response:
    """For one product and BOM and several candidate shipments (producer, route, importer, date), the
    origin verdict under every instrument binding each pair and the landed duty of each: the base rate
    (MFN or the preference) and every overlay stacked on it, named with its stacking rule, the savings
    versus MFN and the proof of origin needed. Rows are ranked by landed duty amount, then fewer
    requirements.

    `via` is shorthand for transit under customs control with unloading/reloading only; give `legs`
    for a full route. The customs value is the product's FOB unless `customs_value` is given.
    The same JSON as `origingraph compare BOM --candidate .. --json`."""
    return model_response(compare_shipments(store, request))
