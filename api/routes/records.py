"""Verdict records (``POST /v1/origin/evaluate?record=true`` appends them): list, show, verify, recheck; and
what ``/v1/origin/evaluate`` does with ``format=wco-co`` and ``record=true`` (its options and answer)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from api.deps import CountryCode, IsoDate, StoreDep, _api_key, _bearer, require_writer
from api.models import Page, model_response
from api.problems import ApiProblem, responses
from engine.certificate import CertificateRefused, CertificateRequest, from_report
from engine.models import Product, Shipment
from engine.records import ChainCheck, Recheck
from graph.origin import OriginReport
from graph.records import RecordDetail, RecordSummary, list_records, record_verdicts, recheck_record, show_record, \
    verify_records
from graph.store import Store

router = APIRouter(prefix="/v1/records", tags=["records"])

RecordId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The record's position in the chain.", examples=[1])]


class EvaluateOptions(BaseModel):
    """Query options of ``POST /v1/origin/evaluate`` beyond the shipment: the answer's format, whether to
    record the verdicts, and what a certificate needs that no verdict says."""

    model_config = ConfigDict(frozen=True)

    format: Literal["report", "wco-co"] = "report"
    record: bool = False
    instrument: str | None = None
    proof: str | None = None
    issue_date: IsoDate | None = None
    invoiced_by: CountryCode | None = None
    invoice_reference: str | None = None
    back_to_back: str | None = None


def evaluate_options(
        format: Annotated[Literal["report", "wco-co"], Query(
            description="`wco-co`: certificate-of-origin data shaped after the WCO Data Model 4.2.0 CO package "
                        "(docs/wco-co.md) instead of the report; 422 `no-certificate` when no verdict originates."
        )] = "report",
        record: Annotated[bool, Query(description="Append the verdicts to the record chain (a write: needs the API "
                                                  "key).")] = False,
        instrument: Annotated[str | None, Query(description="wco-co: only this instrument's verdict.",
                                                examples=["AANZFTA-P2"])] = None,
        proof: Annotated[str | None, Query(description="wco-co: the proof of origin to fill, by name.")] = None,
        issue_date: Annotated[IsoDate | None, Query(description="wco-co: the issue date, YYYY-MM-DD.")] = None,
        invoiced_by: Annotated[CountryCode | None, Query(description="wco-co: third-party invoicing, the "
                                                                     "invoicing party's country.")] = None,
        invoice_reference: Annotated[str | None, Query(description="wco-co: third-party invoice number.")] = None,
        back_to_back: Annotated[str | None, Query(description="wco-co: the original proof's reference "
                                                              "(back-to-back).")] = None) -> EvaluateOptions:
    return EvaluateOptions(format=format, record=record, instrument=instrument and instrument.strip().upper(),
                           proof=proof, issue_date=issue_date, invoiced_by=invoiced_by,
                           invoice_reference=invoice_reference, back_to_back=back_to_back)


async def authorise_record(request: Request, options: EvaluateOptions) -> None:
    """``record=true`` writes: the API key is checked before anything is evaluated."""
    if options.record:
        bearer: HTTPAuthorizationCredentials | None = await _bearer(request)
        require_writer(request, bearer, await _api_key(request))


async def evaluation_answer(store: Store, product: Product, shipment: Shipment, report: OriginReport,
                            options: EvaluateOptions) -> Response:
    """The report, or the certificate data; the records are appended first when asked (never cut short by
    the evaluation time limit: this runs after it)."""
    export = None
    if options.format == "wco-co":
        request = CertificateRequest(instrument=options.instrument, proof=options.proof,
                                     issue_date=options.issue_date, invoiced_by=options.invoiced_by,
                                     invoice_reference=options.invoice_reference, back_to_back=options.back_to_back)
        try:
            export = from_report(report, product, shipment, request)
        except CertificateRefused as exc:
            raise ApiProblem(422, str(exc), slug="no-certificate", title="No certificate of origin") from None
    headers = {}
    if options.record:
        recorded = await run_in_threadpool(record_verdicts, store, product, shipment, report.verdicts, "api")
        headers["X-Origingraph-Records"] = ",".join(str(r.id) for r in recorded)
    if export is not None:
        return Response(export.to_json(), media_type="application/json", headers=headers)
    response = model_response(report)
    response.headers.update(headers)
    return response


@router.get("", response_model=Page[RecordSummary], responses=responses(422, 503))
def records(request: Request, store: StoreDep,
            limit: Annotated[int, Query(ge=1, le=500, description="Page size (1-500).")] = 50,
            offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
            expired: Annotated[bool, Query(description="Only records past their retention on `on`.")] = False,
            on: Annotated[IsoDate | None, Query(description="With `expired`: the day (default today).")] = None
            ) -> Response:
    """Recorded verdicts in chain order, each with the day its retention ends; with `expired=true`, only
    those past it (`origingraph records list --json`)."""
    from datetime import date

    day = (on or date.today()) if expired or on else None
    answer = list_records(store, limit, offset, day)
    return model_response(Page[RecordSummary].of(request, answer.total, limit, offset, list(answer.items)))


@router.get("/verify", response_model=ChainCheck, responses=responses(422, 503))
def verify(store: StoreDep,
           expect_head: Annotated[str | None, Query(pattern=r"^[0-9a-f]{64}$", description=(
               "A head hash noted earlier outside the graph: it must still be the hash of a record."))] = None
           ) -> Response:
    """Check the chain: every changed, removed or reordered record is named (`origingraph records verify`)."""
    return model_response(verify_records(store, noted_head=expect_head))


@router.get("/{record}", response_model=RecordDetail, responses=responses(404, 422, 503))
def record(store: StoreDep, record: RecordId) -> Response:
    """One record: inputs, verdict, rule data and its hash, retention (`origingraph records show ID --json`)."""
    return model_response(show_record(store, record))


@router.get("/{record}/recheck", response_model=Recheck, responses=responses(404, 422, 503))
async def recheck(request: Request, store: StoreDep, record: RecordId) -> Response:
    """The record's inputs evaluated again on today's rules: does the verdict stand, and what changed
    (`origingraph records recheck ID --json`)."""
    return model_response(await request.app.state.bom_workers.run(lambda: recheck_record(store, record),
                                                                  "record recheck"))
