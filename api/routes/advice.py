"""What would it take to originate: sourcing advice for a BOM document under one instrument."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.bom_body import BOM_REQUEST_BODY, BomBody
from api.deps import CountryCode, IsoDate, StoreDep
from api.models import model_response
from api.problems import name_fields, responses
from graph.advice import SUGGESTIONS, AdviceReport, advise_shipment
from graph.cache import graph_view

router = APIRouter(prefix="/v1/origin", tags=["origin"])

ADVICE_EXAMPLE = {
    "sku": "TS-200", "exporter": "MY", "importer": "AU", "date": "2025-06-02", "instrument": "AANZFTA-P2",
    "agreement": "AANZFTA", "status": "suggestions", "rule": "RVC(40) | CTH",
    "gaps": [{"node": "1.1", "text": "RVC(40)", "kind": "rvc", "amount": "0.60", "unit": "USD",
              "reason": "RVC build-down (FOB 10.00 - VNM 6.60) / FOB 10.00 = 34.00% < 40%"}],
    "suggestions": [{"rank": 1, "value_moved": "0.60", "currency": "USD", "passed_by": "RVC(40)",
                     "changes": [{"kind": "declaration", "material": "labels", "value": "0.40", "country": "MY"},
                                 {"kind": "source_from_party", "material": "neck-tape", "value": "0.20",
                                  "country": "MY"}],
                     "bom": {"product": "...", "bom": "...", "shipment": "..."}}]}


@router.post("/advice", response_model=AdviceReport, openapi_extra=BOM_REQUEST_BODY, responses={
    200: {"content": {"application/json": {"example": ADVICE_EXAMPLE}}}, **responses(404, 415, 422, 503)})
async def advice(request: Request, store: StoreDep, bom: BomBody,
                 instrument: Annotated[str, Query(min_length=1, max_length=64, examples=["AANZFTA-P2"],
                                                  description="The instrument to originate under.")],
                 exporter: Annotated[CountryCode | None, Query(description="Overrides the shipment's exporter.",
                                                               examples=["MY"])] = None,
                 importer: Annotated[CountryCode | None, Query(description="Overrides the shipment's importer.",
                                                               examples=["AU"])] = None,
                 date: Annotated[IsoDate | None, Query(description="Overrides the shipment's date, YYYY-MM-DD.",
                                                       examples=["2025-06-02"])] = None,
                 limit: Annotated[int, Query(ge=1, le=20, description="At most this many suggestions.")]
                 = SUGGESTIONS) -> Response:
    """For a product that does not originate under `instrument`, the smallest changes to its BOM that would
    make it originate, ranked by the value that has to move (then the number of changes): supplier
    declarations that would count, materials to source from a party (with the cumulation provision that
    counts them), and what each failing part of the rule needs (the RVC / MaxNOM / NOM gap in money, the
    materials blocking the tariff shift and what the tolerance covers, unmet named-material and process
    requirements). Each suggestion's `bom` is the whole changed document: posted to `/v1/origin/evaluate`
    it is judged originating under the instrument (checked before answering).

    The body is the same as for `/v1/origin/evaluate`. The same JSON as
    `origingraph advise BOM --instrument CODE --json`."""
    name_fields(request, instrument="query.instrument")

    def run() -> AdviceReport:
        view = graph_view(store)
        product, shipment = bom.seen_by(view).shipped(exporter, importer, date)
        return advise_shipment(view, product, shipment, instrument, limit)

    return model_response(await request.app.state.bom_workers.run(run, "sourcing advice"))
