"""Does a product originate: a BOM document (or a stored BOM) and a shipment in, verdicts out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from api.bom_body import CSV_EXAMPLE as CSV_EXAMPLE  # the tests' CSV BOM, still importable from here
from api.bom_body import BOM_REQUEST_BODY, BomBody
from api.deps import CountryCode, IsoDate, StoreDep
from api.models import model_response
from api.problems import responses
from api.routes.records import EvaluateOptions, authorise_record, evaluate_options, evaluation_answer
from engine.certificate import CertificateExport
from engine.models import Product, Shipment
from graph.cache import graph_view
from graph.diff import DateDiff, diff_dates
from graph.origin import OriginReport, evaluate_shipment

router = APIRouter(prefix="/v1/origin", tags=["origin"])

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

async def authorised_options(request: Request,
                             options: Annotated[EvaluateOptions, Depends(evaluate_options)]) -> EvaluateOptions:
    """The evaluation options, ``record=true`` authorised (401 / 403) before the body is read."""
    await authorise_record(request, options)
    return options


@router.post("/evaluate", response_model=OriginReport | CertificateExport, openapi_extra=BOM_REQUEST_BODY,
             responses={200: {"content": {"application/json": {"example": REPORT_EXAMPLE}}},
                        **responses(401, 403, 404, 415, 422, 503, 507)})
async def evaluate(request: Request, store: StoreDep,
                   options: Annotated[EvaluateOptions, Depends(authorised_options)],
                   bom: BomBody,
                   exporter: Annotated[CountryCode | None, Query(description="Overrides the shipment's exporter.",
                                                                 examples=["MY"])] = None,
                   importer: Annotated[CountryCode | None, Query(description="Overrides the shipment's importer.",
                                                                 examples=["AU"])] = None,
                   date: Annotated[IsoDate | None, Query(description="Overrides the shipment's date, YYYY-MM-DD.",
                                                         examples=["2025-06-02"])] = None) -> Response:
    """A verdict for the product under every instrument binding the shipment's exporter and importer on its
    date: originating or not, by which alternative of the rule, the numbers (VNM, RVC, MaxNOM), cumulation
    used, consignment, the proof of origin to use, and the graph facts behind it (with a Neo4j Browser script).

    The body is a BOM document (JSON, or YAML / CSV like a BOM file; a CSV has no shipment, so give it in
    the query), or `{"sku": .., "shipment": ..}` for a BOM stored with `PUT /v1/products/{sku}/bom`.
    Query parameters override the shipment, as the CLI's flags do. A bad document line is a 422 naming it.

    The same JSON as `origingraph evaluate BOM --json`; `format=wco-co` answers certificate-of-origin data
    instead (`--export wco-co`), `record=true` (with the API key) appends the verdicts to the record chain
    (`--record`; the records' ids in `X-Origingraph-Records`)."""

    def run() -> tuple[Product, Shipment, OriginReport]:
        view = graph_view(store)
        product, shipment = bom.seen_by(view).shipped(exporter, importer, date)
        return product, shipment, evaluate_shipment(view, product, shipment)

    return await evaluation_answer(store, *await request.app.state.bom_workers.run(run, "BOM evaluation"), options)


@router.post("/changes", response_model=DateDiff, openapi_extra=BOM_REQUEST_BODY,
             responses=responses(404, 415, 422, 503))
async def changes(request: Request, store: StoreDep, bom: BomBody,
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

    def run() -> DateDiff:
        view = graph_view(store)
        product, shipment = bom.seen_by(view).shipped(exporter, importer, date_a)
        return diff_dates(view, product, shipment, date_a, date_b)

    return model_response(await request.app.state.bom_workers.run(run, "BOM comparison between dates"))
