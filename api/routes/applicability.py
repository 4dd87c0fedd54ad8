"""Which instruments bind two countries on a date, and the rule of origin for an HS code under each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import CountryCode, HsCode, HsVersion, IsoDate, ViewDep
from api.models import model_response
from api.problems import responses
from graph.applicability import PairRules, rules_between

router = APIRouter(prefix="/v1", tags=["applicability"])

Exporter = Annotated[CountryCode, Query(description="Exporting country, ISO 3166-1 alpha-2.", examples=["MY"])]
Importer = Annotated[CountryCode, Query(description="Importing country, ISO 3166-1 alpha-2.", examples=["AU"])]
Day = Annotated[IsoDate, Query(description="The date every dated fact is read on, YYYY-MM-DD.",
                               examples=["2025-04-25"])]

_PARTY = {"role": "exporter", "country": "MY", "party": "MY", "via": None, "side": None, "status": "in_force",
          "signed": None, "ratified": None, "in_force_from": "2025-04-21", "in_force_until": None,
          "source": "https://www.dfat.gov.au/trade/agreements/in-force/aanzfta", "note": None, "confidence": None}
_APPLIED = {"agreement": "AANZFTA", "instrument": "AANZFTA-P2", "title": "Second Protocol to Amend AANZFTA",
            "status": "in_force", "in_force_for_pair_from": "2025-04-21", "supersedes": ["AANZFTA"],
            "explanation": ["MY: in force from 2025-04-21", "AU: in force from 2025-04-21"],
            "parties": [_PARTY, {**_PARTY, "role": "importer", "country": "AU", "party": "AU"}],
            "provisions": [{"key": "cumulation.diagonal", "title": "Cumulation", "article": "Art. 3.4",
                            "defined_by": "AANZFTA", "applies": True, "reason": "no party reserves it",
                            "source": None, "extends_to": [], "accepts_declarations_under": []}],
            "psr": None}
_PENDING = {"agreement": "EUID", "instrument": "EUID", "title": "EU-Indonesia CEPA", "status": "concluded",
            "missing": ["AU is not a party"], "expected": None, "parties": []}
APPLICABILITY_EXAMPLE = {"exporter": "MY", "importer": "AU", "date": "2025-04-25", "hs": None, "hs_version": None,
                         "instruments": [_APPLIED], "pending": []}
_NOT_LOADED = ("no PSR annex for HS2022 is loaded for AANZFTA-P2: the general rule RVC(40) | CTH is shown "
               "provisionally; load the annex with `origingraph import psr FILE --instrument AANZFTA-P2 "
               "--hs-version HS2022`")
RULES_EXAMPLE = {**APPLICABILITY_EXAMPLE, "hs": "610910", "hs_version": "HS2022", "instruments": [{
    **_APPLIED, "psr": {"instrument": "AANZFTA-P2", "code": "610910", "hs_version": "HS2022",
                        "schedule_version": "HS2022", "schedule_defined_by": "AANZFTA-P2", "lineage": None,
                        "rule": "RVC(40) | CTH", "criterion": {"any": [{"rvc": 40}, {"ctc": "CTH"}]},
                        "general_rule": True, "match": None, "alternatives": [], "ambiguous": False,
                        "notes": [_NOT_LOADED], "rule_status": "annex_not_loaded", "status_reason": _NOT_LOADED,
                        "provisional": True, "annex": None},
    "rule_status": "annex_not_loaded", "rule_status_reason": _NOT_LOADED}]}


@router.get("/applicability", response_model=PairRules, responses={
    200: {"content": {"application/json": {"example": APPLICABILITY_EXAMPLE}}}, **responses(404, 422, 503)})
def applicability(view: ViewDep, exporter: Exporter, importer: Importer, date: Day) -> Response:
    """Instruments in force between the pair on the date (newest amendment of each agreement, with the texts
    it supersedes), whether each provision applies to the pair, why (``explanation``), and the instruments
    both sides signed that do not bind the pair yet (``pending``, with what is missing).

    The same JSON as `origingraph rules --exporter .. --importer .. --date .. --json`."""
    return model_response(rules_between(view, exporter, importer, date))


@router.get("/rules", response_model=PairRules, responses={
    200: {"content": {"application/json": {"example": RULES_EXAMPLE}}}, **responses(404, 422, 503)})
def rules(view: ViewDep, exporter: Exporter, importer: Importer, date: Day,
          hs: Annotated[HsCode, Query(description="HS code of the product (2, 4 or 6 digits).",
                                      examples=["610910"])],
          hs_version: Annotated[HsVersion, Query(description="HS edition of `hs`.", examples=["HS2022"])]) -> Response:
    """As `/v1/applicability`, plus the governing product-specific rule (or the general rule) of each
    instrument for the HS code, mapped into the edition the instrument's schedule is written in, with its
    `rule_status`: `psr`, `general_rule` (the annex is loaded and lists no PSR for the code),
    `annex_not_loaded` (the general rule is shown provisionally), `text_only` (no verdict) or `no_rule`,
    and `rule_status_reason`.

    The same JSON as `origingraph rules ... --hs .. --hs-version .. --json`."""
    return model_response(rules_between(view, exporter, importer, date, hs, hs_version))
