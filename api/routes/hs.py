"""HS codes across editions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api.deps import HsCode, HsVersion, StoreDep
from api.models import model_response
from api.problems import name_fields, responses
from engine.lineage import Lineage
from graph.lineage import lineage

router = APIRouter(prefix="/v1/hs", tags=["hs"])

LINEAGE_EXAMPLE = {
    "code": "854140", "from": "HS2017", "to": "HS2022", "direction": "forward",
    "targets": ["854141", "854142", "854143", "854149"], "ambiguous": True,
    "reason": "854140 is shared among 854141, 854142, 854143, 854149 (1:n)",
    "paths": [{"target": "854141", "codes": ["HS2017:854140", "HS2022:854141"],
               "links": [{"from_uid": "HS2017:854140", "to_uid": "HS2022:854141", "kind": "1:n", "partial": True,
                          "source": "WCO correlation table HS2017-HS2022"}]}]}


@router.get("/{code}/lineage", response_model=Lineage, responses={
    200: {"content": {"application/json": {"example": LINEAGE_EXAMPLE}}}, **responses(404, 422, 503)})
def hs_lineage(request: Request, store: StoreDep,
               code: Annotated[HsCode, Path(description="HS code in the `from` edition.", examples=["854140"])],
               from_version: Annotated[HsVersion, Query(alias="from", description="Edition of `code`.",
                                                        examples=["HS2017"])],
               to_version: Annotated[HsVersion, Query(alias="to", description="Edition to map into.",
                                                      examples=["HS2022"])]) -> Response:
    """The codes `code` becomes (or came from) in another HS edition, every correlation path taken, and
    whether the mapping is ambiguous (a split or merge a person must resolve).

    The same JSON as `origingraph lineage --hs .. --from .. --to .. --json`."""
    name_fields(request, hs="path.code", hs_version="query.from", to="query.to")
    return model_response(lineage(store, code, from_version, to_version))
