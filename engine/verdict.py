"""Outputs: a :class:`Verdict` per instrument, explaining why the product does or does not
originate. Everything is a frozen model with tuples in a fixed order, so
``model_dump(mode="json")`` of two evaluations of the same input is identical. Money stays
exact; percentages are shown to 0.01 (ROUND_HALF_UP) but compared unrounded.

The origin-criteria part is a :class:`Qualification`, which is also what an in-house
intermediate gets (it has no shipment, so no consignment or proof); a :class:`Verdict` adds
the instrument, consignment, proof and trace.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from engine.fungible import Allocation
from engine.models import CodeMapping, TraceFact
from engine.terms.consignment import ConsignmentResult
from engine.terms.proof import ProofRequirement

__all__ = [
    "CriterionResult",
    "CumulatedMaterial",
    "FungibleUse",
    "Numbers",
    "Qualification",
    "Trace",
    "Verdict",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CriterionResult(_Frozen):
    """One node of the rule tree. ``node`` is its position ("1", "1.2": second part of the
    first node), ``text`` its rendered rule."""

    node: str
    text: str
    passed: bool
    reason: str
    numbers: dict[str, Decimal] = {}
    failures: tuple[str, ...] = ()
    tolerated: tuple[str, ...] = ()


class Numbers(_Frozen):
    """Valuation of the product. VOM includes partner processing counted by full cumulation
    (``partner_processing``); percentages are rounded for display only."""

    currency: str
    fob: Decimal
    ex_works: Decimal
    vnm: Decimal
    vom: Decimal
    partner_processing: Decimal
    rvc_build_down_pct: Decimal
    rvc_build_up_pct: Decimal
    nom_pct: Decimal
    tolerance_basis: Literal["fob", "ex_works", "weight"] | None = None
    tolerance_used_value: Decimal | None = None
    tolerance_limit_value: Decimal | None = None


class CumulatedMaterial(_Frozen):
    """A material (or the processing on it) counted as originating through cumulation."""

    material: str
    country: str
    provision: str
    kind: str
    via: Literal["declaration", "wholly_obtained", "processing"]
    value: Decimal
    path: tuple[str, ...]


class FungibleUse(_Frozen):
    """A material drawn from mixed stock and how its quantity and value were split."""

    material: str
    allocation: Allocation
    originating_value: Decimal
    non_originating_value: Decimal
    article: str
    needs_authorisation: bool


class FinishedGoodsUse(_Frozen):
    """The shipped goods drawn from mixed stock of finished goods: whether the agreement lets the
    inventory method decide their origin, and if so how many originate."""

    allowed: bool
    reason: str
    quantity: Decimal
    allocation: Allocation | None = None
    article: str = ""
    needs_authorisation: bool = False


class Trace(_Frozen):
    facts: tuple[TraceFact, ...]


class Qualification(_Frozen):
    """Whether ``subject`` (a product SKU or an intermediate's material id) meets its rule."""

    subject: str
    hs: str
    hs_version: str
    originating: bool
    rule: str
    psr_uid: str | None
    psr_scope: str | None
    used_general_rule: bool
    passed_by: str | None
    criteria: tuple[CriterionResult, ...]
    numbers: Numbers
    ctc_failures: tuple[str, ...]
    tolerated: tuple[str, ...]
    cumulated: tuple[CumulatedMaterial, ...]
    fungible: tuple[FungibleUse, ...]
    intermediates: tuple[Qualification, ...]
    hs_mappings: tuple[CodeMapping, ...]
    warnings: tuple[str, ...]


class Verdict(Qualification):
    """``originating`` is true only when the rule is met (``passed_by``) *and* direct
    consignment holds."""

    agreement: str
    instrument: str
    consignment: ConsignmentResult
    proof: ProofRequirement
    trace: Trace
    finished_goods: FinishedGoodsUse | None = None
