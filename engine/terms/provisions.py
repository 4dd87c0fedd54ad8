"""Every origin term of an instrument as one answer, for the question "what does this agreement say about
tolerance, mixed stock, transit and proof between these two countries on this day?" — asked without a BOM,
so it is answered even where no product-specific rule is loaded (RCEP, AJCEP, AfCFTA). A term the seeds do
not record is named in ``not_recorded``, never filled with a default that looks like a fact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from engine.terms.consignment import ConsignmentTerms
from engine.terms.fungible import FungibleTerms, fungible_refusal
from engine.terms.proof import CriterionCodes, ProofChoice, proof_requirement
from engine.terms.tolerance import Tolerance

if TYPE_CHECKING:
    from engine.models import Instrument, Shipment

__all__ = ["GoodsFromStockAnswer", "TermsAnswer", "terms_answer"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GoodsFromStockAnswer(_Frozen):
    """May finished goods drawn from mixed stock be shown originating by ``method``?"""

    method: str
    allowed: bool
    reason: str


class TermsAnswer(_Frozen):
    """One instrument's origin terms for a pair on a date. ``proofs`` / ``proofs_rejected``: the options
    this shipment (exporter, invoice value) may or may not use, each with why; whether one must show the
    FOB value depends on the criterion that qualifies a good, so it is left to a verdict."""

    instrument: str
    terms_defined_by: str | None = None
    tolerance: Tolerance | None
    fungible: FungibleTerms | None
    goods_from_stock: GoodsFromStockAnswer | None = None
    consignment: ConsignmentTerms
    proofs: tuple[ProofChoice, ...]
    proofs_rejected: tuple[ProofChoice, ...]
    criterion_codes: CriterionCodes | None
    validity_months: int | None
    retention_years: int | None
    not_recorded: tuple[str, ...]
    source: str | None


def terms_answer(instrument: Instrument, shipment: Shipment, goods_method: str | None = None,
                 terms_defined_by: str | None = None, recorded: bool = True) -> TermsAnswer:
    """``goods_method``: also answer whether finished goods from mixed stock may be accounted for by it.
    ``recorded``: false when the instrument has no origin terms in the graph at all (the engine's
    defaults are then not shown as its terms)."""
    terms = instrument.terms
    proof = proof_requirement(shipment, instrument, None)
    unset = (("tolerance", terms.tolerance), ("fungible", terms.fungible), ("proofs", terms.proofs),
             ("certificate validity", terms.certificate_validity_months), ("record retention", proof.retention_years))
    missing = [name for name, value in unset if not value]
    if not terms.consignment.article:
        missing.append("direct consignment article (the general operations shown are what the engine applies)")
    goods = None
    if goods_method is not None:
        refusal = fungible_refusal(terms.fungible, instrument.code, goods_method, finished_goods=True)
        goods = GoodsFromStockAnswer(method=goods_method, allowed=refusal is None, reason=refusal or (
            f"{terms.fungible.article or instrument.code} covers finished goods: {goods_method} may identify the"
            " originating goods (the method is kept for the whole fiscal year)"))
    return TermsAnswer(
        instrument=instrument.code, terms_defined_by=terms_defined_by, tolerance=terms.tolerance,
        fungible=terms.fungible, goods_from_stock=goods,
        consignment=terms.consignment, proofs=tuple(_without_fob(o) for o in proof.options),
        proofs_rejected=proof.rejected,
        criterion_codes=terms.criterion_codes, validity_months=terms.certificate_validity_months,
        retention_years=proof.retention_years, not_recorded=tuple(missing) if recorded else ("origin terms",),
        source=terms.source)


def _without_fob(choice: ProofChoice) -> ProofChoice:
    """Whether the FOB value is shown depends on the criterion that qualified a good: not answered here."""
    return choice.model_copy(update={"fob_required": None, "fob_reason": None})
