"""Proof acceptance: is a proof of origin issued on a date accepted when presented on another? And the
origin terms of the instruments binding a pair (tolerance, mixed stock, transit, proofs, records)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api.deps import CountryCode, IsoDate, StoreDep
from api.models import model_response
from api.problems import responses
from graph.proof import ProofAnswer, TermsReport, origin_terms, proof_accepted

router = APIRouter(prefix="/v1/proof", tags=["origin"])


@router.get("/acceptance", response_model=ProofAnswer, responses=responses(404, 422, 503))
def acceptance(store: StoreDep,
               exporter: Annotated[CountryCode, Query(description="Exporting country.", examples=["MY"])],
               importer: Annotated[CountryCode, Query(description="Importing country.", examples=["TH"])],
               type: Annotated[str, Query(min_length=1, max_length=200, description="The proof option's name.",
                                          examples=["Form D (old format)"])],
               issued: Annotated[IsoDate, Query(description="Day it was issued (or the declaration made).",
                                                examples=["2020-12-01"])],
               presented: Annotated[IsoDate, Query(description="Day it is presented to the importing customs.",
                                                   examples=["2021-06-01"])],
               invoice_value: Annotated[Decimal | None, Query(ge=0, description="Invoice value, checked against an "
                                                              "option's value limits.", examples=["4000"])] = None,
               currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$", description="Currency of the invoice "
                                                     "value.", examples=["USD"])] = None) -> Response:
    """Under every instrument binding the pair on ``presented``: whether the document is accepted
    (issuable that day, within its validity, inside any transition window), with the reason.

    The same JSON as `origingraph proof --exporter .. --importer .. --type .. --issued .. --presented .. --json`."""
    return model_response(proof_accepted(store, exporter, importer, type, issued, presented, invoice_value, currency))


@router.get("/terms", response_model=TermsReport, responses=responses(404, 422, 503))
def terms(store: StoreDep,
          exporter: Annotated[CountryCode, Query(description="Exporting country.", examples=["DE"])],
          importer: Annotated[CountryCode, Query(description="Importing country.", examples=["JP"])],
          date: Annotated[IsoDate, Query(description="Day of the shipment.", examples=["2026-06-01"])],
          invoice_value: Annotated[Decimal | None, Query(ge=0, description="Invoice value, checked against a "
                                                         "proof's value limits.", examples=["20800"])] = None,
          currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$", description="Currency of the invoice value.",
                                                examples=["EUR"])] = None,
          goods_from_stock: Annotated[Literal["fifo", "lifo", "average"] | None, Query(
              description="Also ask whether finished goods from mixed stock may be accounted for by this inventory"
                          " method.")] = None) -> Response:
    """Under every instrument binding the pair on ``date``: tolerance, fungible stock (materials only or finished
    goods too), direct consignment, the proofs this consignment may use, origin-criterion codes, validity and
    records, each with the source of the terms and what is not recorded.

    The same JSON as `origingraph terms --exporter .. --importer .. --date .. --json`."""
    return model_response(origin_terms(store, exporter, importer, date, invoice_value, currency, goods_from_stock))
