"""Instruments (agreement texts and protocols) and their parties; recording a ratification or entry into force."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import Code, StoreDep, Writer
from api.models import Page, model_response
from api.problems import responses
from graph.parties import (InstrumentSummary, PartyEntry, PartyStatus, instrument_summary, list_instruments,
                           list_parties, party_entry, record_party_status)
from graph.psr import PsrScheduleSummary, psr_schedules_of

router = APIRouter(prefix="/v1/instruments", tags=["instruments"])

Limit = Annotated[int, Query(ge=1, le=500, description="Page size (1-500).")]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1, description="How many items to skip (0 to 2^31-1).")]
InstrumentCode = Annotated[Code, Path(description="Instrument code.", examples=["AANZFTA-P2"])]
PartyCode = Annotated[Code, Path(description="Country (ISO 3166-1 alpha-2) or bloc code.", examples=["MY"])]

SUMMARY_EXAMPLE = {"code": "AANZFTA-P2", "agreement": "AANZFTA", "kind": "protocol",
                   "title": "Second Protocol to Amend AANZFTA", "status": "in_force", "amends": "AANZFTA",
                   "entry_into_force": "per_party", "source": "https://www.dfat.gov.au/", "parties": 12,
                   "parties_by_status": {"in_force": 8, "signed": 4}}
DETAIL_EXAMPLE = {**SUMMARY_EXAMPLE, "code": "AANZFTA", "kind": "agreement", "amends": None, "psr_schedules": [
    {"hs_version": "HS2017", "valid_from": None, "valid_until": "2024-02-29", "transition_until": None,
     "annex": {"holder": "AANZFTA", "hs_version": "HS2017", "coverage": "partial", "covers": ["610120", "6102"],
               "source": "seeds/data/psr/AANZFTA.csv"},
     "psr_lines": 12, "machine_evaluable": 12, "text_only": 0, "inherited_psr_lines": 0, "source": "ABF ACN 2024/07"},
    {"hs_version": "HS2022", "valid_from": "2024-03-01", "valid_until": None, "transition_until": None,
     "annex": None, "psr_lines": 0, "machine_evaluable": 0, "text_only": 0, "inherited_psr_lines": 0,
     "source": "ABF ACN 2024/07"}]}
ENTRY_EXAMPLE = {"instrument": "AANZFTA-P2", "party": "MY", "name": "Malaysia", "kind": "country",
                 "status": "in_force", "side": None, "signed": "2023-08-21", "ratified": None,
                 "in_force_from": "2025-04-21", "in_force_until": None, "source": "https://www.dfat.gov.au/",
                 "note": None, "confidence": "confirmed"}
STATUS_EXAMPLES = {
    "entry_into_force": {"summary": "A party brings the instrument into force", "value": {
        "status": "in_force", "signed": "2023-08-21", "ratified": "2025-01-15", "in_force_from": "2025-04-21",
        "source": "https://www.dfat.gov.au/trade/agreements/in-force/aanzfta", "confidence": "confirmed"}},
    "ratification": {"summary": "A ratification deposited, entry into force not yet known", "value": {
        "status": "ratified", "signed": "2023-08-21", "ratified": "2025-09-30",
        "source": "ASEAN Secretariat depositary notification", "note": "entry into force date not yet published"}},
}


@router.get("", response_model=Page[InstrumentSummary], responses={
    200: {"content": {"application/json": {"example": {"total": 24, "limit": 2, "offset": 0,
                                                       "items": [SUMMARY_EXAMPLE],
                                                       "next": "/v1/instruments?limit=2&offset=2"}}}},
    **responses(404, 422, 503)})
def instruments(request: Request, store: StoreDep, limit: Limit = 50, offset: Offset = 0,
                agreement: Annotated[Code | None, Query(description="Only the instruments of this agreement.",
                                                        examples=["AANZFTA"])] = None) -> Page[InstrumentSummary]:
    """Every instrument (base agreements and protocols) with its status and how many parties it has in
    each status, ordered by code."""
    total, items = list_instruments(store, limit, offset, agreement)
    return Page[InstrumentSummary].of(request, total, limit, offset, items)


class InstrumentDetail(InstrumentSummary):
    """One instrument with its PSR schedules: per HS edition, its dates, how much of the annex is loaded
    and how many PSR lines are loaded and machine-evaluable."""

    psr_schedules: tuple[PsrScheduleSummary, ...] = ()


@router.get("/{code}", response_model=InstrumentDetail, responses={
    200: {"content": {"application/json": {"example": DETAIL_EXAMPLE}}}, **responses(404, 503)})
def instrument(store: StoreDep, code: InstrumentCode) -> Response:
    """One instrument with its status, party counts and PSR schedules (per HS edition: dates, annex coverage
    (`complete`, `partial` with what it covers, or null: not loaded), PSR lines loaded and how many of them
    are machine-evaluable)."""
    summary = instrument_summary(store, code)
    return model_response(InstrumentDetail(**dict(summary), psr_schedules=psr_schedules_of(store, code)))


@router.get("/{code}/parties", response_model=Page[PartyEntry], responses={
    200: {"content": {"application/json": {"example": {"total": 12, "limit": 1, "offset": 0,
                                                       "items": [ENTRY_EXAMPLE],
                                                       "next": "/v1/instruments/AANZFTA-P2/parties?limit=1&offset=1"}}}},
    **responses(404, 422, 503)})
def parties(request: Request, store: StoreDep, code: InstrumentCode, limit: Limit = 50,
            offset: Offset = 0) -> Page[PartyEntry]:
    """The parties of an instrument with their dated status (signed, ratified, in force from / until) and
    its source, ordered by party code."""
    total, items = list_parties(store, code, limit, offset)
    return Page[PartyEntry].of(request, total, limit, offset, items)


@router.get("/{code}/parties/{party}", response_model=PartyEntry, responses={
    200: {"content": {"application/json": {"example": ENTRY_EXAMPLE}}}, **responses(404, 503)})
def party(store: StoreDep, code: InstrumentCode, party: PartyCode) -> Response:
    """One party's status under an instrument."""
    return model_response(party_entry(store, code, party))


@router.put("/{code}/parties/{party}", response_model=PartyEntry, dependencies=[Writer], responses={
    200: {"description": "The status replaced the party's previous one",
          "content": {"application/json": {"example": ENTRY_EXAMPLE}}},
    201: {"description": "The party had no status under the instrument before", "model": PartyEntry},
    **responses(401, 403, 404, 422, 503)})
async def record_status(store: StoreDep, code: InstrumentCode, party: PartyCode,
                        status: Annotated[PartyStatus, Body(openapi_examples=STATUS_EXAMPLES)]) -> Response:
    """Record a party's signature, ratification or entry into force (requires the API key).

    The body replaces the party's whole fact under the instrument (a field left out is cleared);
    `source` is required, dates are YYYY-MM-DD, and `status: in_force` needs `in_force_from`. The write
    is one managed transaction; `/v1/applicability` and `/v1/rules` answer from it at once. A later seed
    load (`origingraph load`) writes the seeds' facts again, so record lasting facts in the seeds too."""
    entry, created = await run_in_threadpool(record_party_status, store, code, party, status)
    return model_response(entry, 201 if created else 200)
