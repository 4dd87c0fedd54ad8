"""Proof of origin: which documents the exporter can use for this shipment, whether the FOB
value must appear on it, how long it is valid and how long records must be kept.

Every option is either offered or rejected with the reason, so the verdict explains why e.g.
paper Form D is no longer offered after 2023 or why a statement needs REX registration.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from engine.models import Instrument, ProofOption, Shipment

__all__ = ["ProofChoice", "ProofRequirement", "proof_requirement"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProofChoice(_Frozen):
    """An option with why it is (or is not) available for this shipment."""

    name: str
    kind: str
    requires: str | None = None
    article: str | None = None
    note: str | None = None
    why: str


class ProofRequirement(_Frozen):
    options: tuple[ProofChoice, ...]
    rejected: tuple[ProofChoice, ...]
    fob_required: bool
    fob_reason: str
    validity_months: int | None
    retention_years: int | None


def proof_requirement(shipment: Shipment, instrument: Instrument,
                      qualified_by_rvc: bool | None) -> ProofRequirement:
    """``qualified_by_rvc``: whether the alternative that qualified the good uses RVC (None
    when the good does not qualify)."""
    options, rejected = [], []
    for option in instrument.proofs:
        problem = _why_not(option, shipment)
        choice = ProofChoice(name=option.name, kind=option.kind, requires=option.requires,
                             article=option.article, note=option.note,
                             why=problem or _why(option, shipment))
        (rejected if problem else options).append(choice)
    fob_required, fob_reason = _fob(shipment, instrument, qualified_by_rvc)
    retention = instrument.record_retention_years
    return ProofRequirement(
        options=tuple(options), rejected=tuple(rejected), fob_required=fob_required,
        fob_reason=fob_reason, validity_months=instrument.certificate_validity_months,
        retention_years=retention.get(shipment.exporter, retention.get("*")))


def _why_not(option: ProofOption, shipment: Shipment) -> str | None:
    """The first condition of the option this shipment misses, or None."""
    if not option.in_force_on(shipment.date):
        return f"only from {option.valid_from}" if option.valid_from and shipment.date < option.valid_from \
            else f"only until {option.valid_until}"
    if option.exporter_countries and shipment.exporter not in option.exporter_countries:
        return f"only for exporters in {', '.join(option.exporter_countries)}"
    if not _value_checkable(option, shipment):
        return None
    value, cur = shipment.invoice_value, option.value_currency or shipment.currency
    if option.min_value is not None and value <= option.min_value:
        return f"only above {cur} {option.min_value}; invoice is {cur} {value}"
    if option.max_value is not None and value > option.max_value:
        return f"only up to {cur} {option.max_value}; invoice is {cur} {value}"
    return None


def _value_checkable(option: ProofOption, shipment: Shipment) -> bool:
    has_limit = option.min_value is not None or option.max_value is not None
    same_currency = option.value_currency in (None, shipment.currency)
    return has_limit and shipment.invoice_value is not None and same_currency


def _why(option: ProofOption, shipment: Shipment) -> str:
    parts = []
    if option.valid_from or option.valid_until:
        parts.append(f"valid {option.valid_from or '...'} to {option.valid_until or '...'}")
    if option.exporter_countries:
        parts.append(f"exporter in {shipment.exporter}")
    if option.min_value is not None or option.max_value is not None:
        if _value_checkable(option, shipment):
            parts.append(f"invoice {shipment.currency} {shipment.invoice_value} within"
                         f" {option.min_value or 0} < value <= {option.max_value or 'any'}")
        else:
            parts.append("value limit not checked: no invoice value in"
                         f" {option.value_currency or 'the option currency'}")
    if option.requires:
        parts.append(f"requires {option.requires}")
    return "; ".join(parts) or "available for this pair and date"


def _fob(shipment: Shipment, instrument: Instrument,
         qualified_by_rvc: bool | None) -> tuple[bool, str]:
    rule = instrument.fob_on_certificate
    if rule is None:
        return False, f"{instrument.code} has no FOB-on-certificate rule"
    if not rule.in_force_on(shipment.date):
        return False, f"the FOB rule applies only from {rule.valid_from}"
    involved = sorted({shipment.exporter, shipment.importer} & set(rule.countries))
    if not involved:
        return False, (f"neither exporter {shipment.exporter} nor importer"
                       f" {shipment.importer} is one of {', '.join(rule.countries)}")
    if not rule.when_rvc_used:
        return True, f"{', '.join(involved)} involved"
    if qualified_by_rvc is None:
        return False, "the good does not qualify, so no proof is issued"
    if not qualified_by_rvc:
        return False, "the good qualifies without the RVC criterion"
    return True, f"RVC qualifies the good and {', '.join(involved)} is involved"
