"""Direct consignment: goods routed through a non-party keep their origin only if they stay
under customs control there and undergo nothing beyond the instrument's permitted operations
(typically unloading, reloading, storage, preservation). The first leg that breaks this is
named, so a planner can see which route to change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from engine.models import Instrument, Shipment

__all__ = ["ConsignmentResult", "ConsignmentTerms", "check_consignment", "transit_warnings"]


class ConsignmentTerms(BaseModel):
    """Operations allowed in a non-party transit country without losing origin."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    permitted_operations: tuple[str, ...] = ("unloading", "reloading", "storage",
                                             "preservation")
    article: str = ""


class ConsignmentResult(BaseModel):
    """``failing_leg`` is the 0-based index into ``Shipment.legs``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ok: bool
    failing_leg: int | None = None
    country: str | None = None
    operation: str | None = None
    reason: str


def check_consignment(shipment: Shipment, instrument: Instrument) -> ConsignmentResult:
    """The first leg through a non-party that breaks direct consignment, or ok."""
    terms = instrument.terms.consignment
    permitted = terms.permitted_operations
    article = f" ({terms.article})" if terms.article else ""
    for i, leg in enumerate(shipment.legs):
        if leg.country in instrument.parties:
            continue
        where = f"leg {i} through {leg.country} (not a party to {instrument.code})"
        if not leg.customs_control:
            return ConsignmentResult(ok=False, failing_leg=i, country=leg.country,
                                     reason=f"{where}: goods were not under customs"
                                            f" control{article}")
        bad = next((op for op in leg.operations if op not in permitted), None)
        if bad is not None:
            return ConsignmentResult(
                ok=False, failing_leg=i, country=leg.country, operation=bad,
                reason=f"{where}: operation {bad!r} goes beyond the permitted"
                       f" {', '.join(permitted)}{article}")
    transits = [leg.country for leg in shipment.legs if leg.country not in instrument.parties]
    if not transits:
        return ConsignmentResult(ok=True, reason="shipped directly between parties")
    return ConsignmentResult(ok=True, reason=f"transit through {', '.join(transits)} under"
                                             f" customs control with permitted operations only")


def transit_warnings(shipment: Shipment, instrument: Instrument) -> tuple[str, ...]:
    """Non-party legs with no supporting document: origin holds, but customs will ask."""
    return tuple(f"leg {i} through {leg.country}: no transport or customs document recorded"
                 f" (e.g. through bill of lading) to prove direct consignment"
                 for i, leg in enumerate(shipment.legs)
                 if leg.country not in instrument.parties and not leg.documents)
