"""Proof of origin: which documents the exporter can use for this shipment, whether each must show
the FOB value, how long it is valid and how long records must be kept.

Every option is either offered or rejected with the reason, so the verdict explains why e.g.
paper Form D is no longer offered after 2023 or why a statement needs REX registration. The FOB
requirement belongs to each option (ATIGA: Form D only when RVC is used and KH, ID or LA is
involved; an AWSC declaration whenever RVC is used); an option without its own rule follows the
instrument's ``fob_on_certificate``. The kinds of proof are the one list :data:`PROOF_KINDS`.

A proof may have to show an origin-criterion code (EU-Japan statement on origin: A-E). The table is seed
data (:class:`CriterionCodes`); where the sources disagree it is recorded undetermined and no code is
answered, with the reason and each source's reading. Otherwise the code is derived from what qualified
the good (:func:`criterion_bases`).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.dated import Dated
from engine.terms.records import retention_years

if TYPE_CHECKING:
    from engine.models import Instrument, Shipment
    from engine.terms import OriginTerms

__all__ = ["CRITERION_BASES", "PROOF_KINDS", "CodeReading", "CriterionCode", "CriterionCodes", "ExistingProof",
           "FobRule", "ProofAcceptance", "ProofChoice", "ProofKind", "ProofOption", "ProofRequirement",
           "criterion_bases", "criterion_code", "fob_required", "last_day_of_validity", "proof_acceptance",
           "proof_requirement"]

#: The one list of kinds of proof of origin: a new kind is one name here. :data:`PROOF_KINDS` is read
#: from it, and every model naming a kind (``ProofOption``, ``CriterionCodes``, the WCO export's
#: ``DocumentType``) takes this type, so validation, its error message and the JSON schema follow.
ProofKind = Literal["certificate", "declaration", "statement"]
PROOF_KINDS: tuple[str, ...] = get_args(ProofKind)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FobRule(_Frozen, Dated):
    """When the FOB value must be shown on a proof: on ``valid_from``..``valid_until``, when
    exporter or importer is one of ``countries`` (empty: whatever the countries), and, with
    ``when_rvc_used``, only when the alternative that qualified the good uses RVC."""

    countries: tuple[str, ...] = ()
    when_rvc_used: bool = True
    valid_from: date | None = None
    valid_until: date | None = None
    source: str | None = None


class ProofOption(_Frozen, Dated):
    """One proof of origin an exporter may use.

    It applies on ``valid_from``..``valid_until`` (inclusive), for exporters in
    ``exporter_countries`` (empty: any party) and for an invoice value ``v`` with
    ``min_value < v <= max_value`` in ``value_currency`` ("above EUR 6,000", "up to USD 5,000").
    ``fob``: this option's own FOB rule (else the instrument's ``fob_on_certificate``).
    """

    name: str
    kind: ProofKind
    valid_from: date | None = None
    valid_until: date | None = None
    exporter_countries: tuple[str, ...] = ()
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    value_currency: str | None = None
    requires: str | None = None
    note: str | None = None
    article: str | None = None
    fob: FobRule | None = None
    accepted_until: date | None = None
    """Last day a document of this option is accepted at all, however recently it was issued (a
    transition window: old-format Form D issued up to 2020-12-20 accepted until 2021-12-19)."""
    record_retention_years: int | None = Field(default=None, ge=1)
    """Years the records behind this proof must be kept when it is used (AWSC: 3), besides the
    instrument's per-country ``record_retention_years``."""


#: What qualified the good, as a statement's origin-criterion code names it: the one list of bases a
#: code table (:class:`CriterionCodes`) maps to codes.
CriterionBasis = Literal["wholly_obtained", "originating_materials", "psr", "cumulation", "tolerance"]
CRITERION_BASES: tuple[str, ...] = get_args(CriterionBasis)


class CodeReading(_Frozen):
    """One source's reading of the code table, kept when sources disagree."""

    source: str = Field(min_length=1)
    codes: dict[CriterionBasis, str]
    note: str | None = None


class CriterionCodes(_Frozen):
    """The origin-criterion codes a proof of kind ``proof_kind`` must show (EU-Japan statement on origin:
    A-E). ``determined`` false: the sources disagree or the legal text was not read, so no code is
    answered; ``reason`` says why and ``readings`` keep each source's table for the exporter to check.
    ``determined`` true: ``codes`` is the table read from ``source`` (and ``readings`` may record sources
    that differ from it)."""

    proof_kind: ProofKind = "statement"
    article: str | None = None
    determined: bool
    codes: dict[CriterionBasis, str] = Field(default_factory=dict)
    reason: str | None = None
    readings: tuple[CodeReading, ...] = ()
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _table_or_reason(self) -> "CriterionCodes":
        if self.determined and not self.codes:
            raise ValueError("a determined code table lists its codes")
        if not self.determined and not self.reason:
            raise ValueError("an undetermined code table says why (reason)")
        return self


class CriterionCode(_Frozen):
    """The code(s) this verdict's proof shows, or why none is answered."""

    codes: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()
    determined: bool
    reason: str
    article: str | None = None
    readings: tuple[CodeReading, ...] = ()
    source: str


def criterion_bases(passed_by: str | None, vnm: Decimal, cumulated: bool, tolerated: bool) -> tuple[str, ...]:
    """What qualified the good, from its verdict: wholly obtained (the rule that passed is WO), produced
    only from originating materials (nothing non-originating left), else the product-specific rule; with
    cumulation when cumulated materials were counted and tolerance when non-originating materials were
    tolerated. Empty when the good does not qualify."""
    if passed_by is None:
        return ()
    if passed_by.strip() == "WO":
        return ("wholly_obtained",)
    first = "originating_materials" if vnm == 0 and not tolerated else "psr"
    return (first,) + (("cumulation",) if cumulated else ()) + (("tolerance",) if tolerated else ())


def criterion_code(table: CriterionCodes | None, bases: tuple[str, ...] | None) -> CriterionCode | None:
    """The code(s) for ``bases`` (None: the verdict was not passed in; empty: the good does not qualify)
    under ``table``; None when the instrument records no code table."""
    if table is None:
        return None
    base = {"article": table.article, "readings": table.readings, "source": table.source}
    if not table.determined:
        return CriterionCode(**base, determined=False, reason=f"origin-criterion code undetermined: {table.reason}")
    if bases is None:
        return CriterionCode(**base, determined=False, reason="origin-criterion code not derived: the verdict's"
                                                              " criterion was not given")
    if not bases:
        return CriterionCode(**base, determined=True, reason="the good does not qualify: no code")
    missing = [b for b in bases if b not in table.codes]
    if missing:
        return CriterionCode(**base, determined=False, bases=bases,
                             reason=f"the code table names no code for {', '.join(missing)}")
    codes = tuple(table.codes[b] for b in bases)
    return CriterionCode(**base, codes=codes, bases=bases, determined=True,
                         reason=f"{' + '.join(bases)} -> {', '.join(codes)}")


class ProofChoice(_Frozen):
    """An option with why it is (or is not) available for this shipment, and whether it must show
    the FOB value (decided for offered options only)."""

    name: str
    kind: str
    requires: str | None = None
    article: str | None = None
    note: str | None = None
    why: str
    fob_required: bool | None = None
    fob_reason: str | None = None


class ExistingProof(_Frozen):
    """A proof the exporter already holds: its option name (``type``) and the day it was issued or
    the declaration made."""

    type: str = Field(min_length=1)
    issued: date


class ProofAcceptance(_Frozen):
    """Is a document of ``proof`` issued on ``issued`` accepted when presented on ``presented``?"""

    instrument: str
    proof: str
    issued: date
    presented: date
    accepted: bool
    reason: str
    valid_until: date | None = None
    accepted_until: date | None = None
    article: str | None = None
    note: str | None = None
    alternatives: tuple[str, ...] = ()
    """When not accepted: the other proofs of the instrument this shipment could use on the issue day."""
    source: str | None = None


class ProofRequirement(_Frozen):
    """``fob_required`` / ``fob_reason``: the instrument's own FOB rule (what a certificate shows);
    each option carries its own answer. ``criterion_code``: the origin-criterion code a proof must show
    (None: the instrument records no code table); ``source``: where the instrument's terms come from."""

    options: tuple[ProofChoice, ...]
    rejected: tuple[ProofChoice, ...]
    fob_required: bool
    fob_reason: str
    validity_months: int | None
    retention_years: int | None
    acceptance: ProofAcceptance | None = None
    criterion_code: CriterionCode | None = None
    source: str | None = None


def proof_requirement(shipment: Shipment, instrument: Instrument,
                      qualified_by_rvc: bool | None, bases: tuple[str, ...] | None = None) -> ProofRequirement:
    """``qualified_by_rvc``: whether the alternative that qualified the good uses RVC (None
    when the good does not qualify). When the shipment names the proof it holds, whether that proof
    is accepted on the shipment date is answered too. ``bases``: what qualified the good
    (:func:`criterion_bases`), from which a proof's origin-criterion code is derived."""
    terms = instrument.terms
    options, rejected = [], []
    for option in terms.proofs:
        problem = _why_not(option, shipment)
        fob = None if problem else fob_required(shipment, option.fob or terms.fob_on_certificate,
                                                  instrument.code, qualified_by_rvc)
        choice = ProofChoice(name=option.name, kind=option.kind, requires=option.requires,
                             article=option.article, note=option.note,
                             why=problem or _why(option, shipment),
                             fob_required=fob[0] if fob else None, fob_reason=fob[1] if fob else None)
        (rejected if problem else options).append(choice)
    required, reason = fob_required(shipment, terms.fob_on_certificate, instrument.code, qualified_by_rvc)
    return ProofRequirement(
        options=tuple(options), rejected=tuple(rejected), fob_required=required,
        fob_reason=reason, validity_months=terms.certificate_validity_months,
        retention_years=retention_years(terms.record_retention_years, shipment.exporter),
        acceptance=proof_acceptance(terms, instrument.code, shipment.proof.type, shipment.proof.issued, shipment.date,
                                    shipment) if shipment.proof else None,
        criterion_code=criterion_code(terms.criterion_codes, () if qualified_by_rvc is None else bases),
        source=terms.source)


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_day_of_validity(issued: date, months: int) -> date:
    """A proof valid ``months`` from its issue: issued 2020-09-19, 12 months -> last day 2021-09-18."""
    return _add_months(issued, months) - timedelta(days=1)


def proof_acceptance(terms: OriginTerms, code: str, proof: str, issued: date, presented: date,
                     shipment: Shipment) -> ProofAcceptance:
    """Whether a document of the option named ``proof`` (case and spacing ignored) issued on ``issued``
    is accepted on ``presented``: it must have been issuable that day for this shipment (its exporter,
    its invoice value against the option's limits), be presented within the instrument's validity, and
    not after the option's ``accepted_until`` (a transition window)."""
    wanted = " ".join(proof.split()).casefold()
    option = next((o for o in terms.proofs if " ".join(o.name.split()).casefold() == wanted), None)
    base = {"instrument": code, "proof": option.name if option else proof, "issued": issued, "presented": presented,
            "source": terms.source}
    if option is None:
        offered = ", ".join(o.name for o in terms.proofs) or "none recorded"
        return ProofAcceptance(**base, accepted=False, reason=f"{code} records no proof {proof!r}; its proofs: {offered}")
    base |= {"article": option.article, "note": option.note, "accepted_until": option.accepted_until}
    months = terms.certificate_validity_months
    valid_until = last_day_of_validity(issued, months) if months else None
    base["valid_until"] = valid_until
    if presented < issued:
        return ProofAcceptance(**base, accepted=False, reason=f"presented {presented}, before it was issued {issued}")
    on_issue = shipment.model_copy(update={"date": issued})
    problem = _why_not(option, on_issue)
    if problem:
        alternatives = tuple(o.name for o in terms.proofs if o is not option and _why_not(o, on_issue) is None)
        return ProofAcceptance(**base, accepted=False, alternatives=alternatives,
                               reason=f"{option.name} could be issued {problem}"
                               + (f", not on {issued}" if not option.in_force_on(issued) else ""))
    if option.accepted_until and presented > option.accepted_until:
        return ProofAcceptance(**base, accepted=False,
                               reason=f"{option.name} is accepted only until {option.accepted_until} (transition)")
    if valid_until and presented > valid_until:
        return ProofAcceptance(**base, accepted=False,
                               reason=f"valid {months} months from {issued}, so until {valid_until}: expired on {presented}")
    within = f"within its validity (until {valid_until})" if valid_until else "no validity period recorded"
    window = f"; accepted until {option.accepted_until} (transition)" if option.accepted_until else ""
    return ProofAcceptance(**base, accepted=True, reason=f"issued {issued}, when {option.name} could be issued; "
                                                         f"presented {presented} {within}{window}")


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


def fob_required(shipment: Shipment, rule: FobRule | None, code: str,
                 qualified_by_rvc: bool | None) -> tuple[bool, str]:
    """Whether ``rule`` asks for the FOB value on this shipment's proof, and why."""
    if rule is None:
        return False, f"{code} has no FOB-on-certificate rule"
    if not rule.in_force_on(shipment.date):
        return False, (f"the FOB rule applies only from {rule.valid_from}"
                       if rule.valid_from and shipment.date < rule.valid_from
                       else f"the FOB rule applied only until {rule.valid_until}")
    involved = sorted({shipment.exporter, shipment.importer} & set(rule.countries))
    if rule.countries and not involved:
        return False, (f"neither exporter {shipment.exporter} nor importer"
                       f" {shipment.importer} is one of {', '.join(rule.countries)}")
    who = f"{', '.join(involved)} involved" if rule.countries else "whatever the countries"
    source = f" [{rule.source}]" if rule.source else ""
    if not rule.when_rvc_used:
        return True, who + source
    if qualified_by_rvc is None:
        return False, "the good does not qualify, so no proof is issued"
    if not qualified_by_rvc:
        return False, "the good qualifies without the RVC criterion"
    return True, f"RVC qualifies the good ({who}){source}" if not rule.countries else \
        f"RVC qualifies the good and {', '.join(involved)} is involved{source}"
