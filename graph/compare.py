"""Compare candidate shipments of one product: origin under every instrument, landed duty, ranked.

One call answers "produce in MY or VN, ship direct or via SG?": each candidate names the producer
(overriding the product's), the route, the importer and the date. For each candidate the origin
is evaluated under every instrument binding the pair (``graph.origin.evaluate_shipment``) and the
duty is stacked from the graph's tariff measures (``graph.tariffs`` / ``engine.duty``). The table has
one row per candidate and instrument, plus the MFN (no preference) row, ranked by landed duty
amount, then fewer requirements (proof of origin, transit documents), then rows whose rate is
fully known. These models are the JSON of both ``origingraph compare --json`` and
``POST /v1/shipments/compare``.

The customs value is the product's FOB unless the candidate gives one; the country of origin for
overlays is the producer (where the goods are made).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from engine.duty import DutyQuery, DutyResult
from engine.models import Country, Leg, Product, Shipment
from engine.rules import RuleStatus
from graph.cache import graph_view
from graph.origin import OriginReport, evaluate_shipment
from graph.store import Store
from graph.tariffs import amended_chain, duty_for

TRANSIT_OPERATIONS = ("unloading", "reloading")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Candidate(_Frozen):
    """One way to make and ship the product.

    ``via`` is shorthand for transit legs under customs control with unloading and reloading only
    (no documents recorded: the verdict warns that proof of direct consignment is needed);
    ``legs`` gives the full route instead. ``originating_under`` declares instruments the graph holds
    no rules for (e.g. USMCA), used only for overlays that exempt such goods, and reported as
    declared.
    """

    label: str | None = None
    producer: Country | None = None
    exporter: Country | None = None
    importer: Country
    date: date
    via: tuple[Country, ...] = ()
    legs: tuple[Leg, ...] | None = None
    customs_value: Decimal | None = Field(default=None, ge=0)
    invoice_value: Decimal | None = Field(default=None, ge=0)
    national_line: Annotated[str, StringConstraints(pattern=r"^\d{8,10}$")] | None = None
    originating_under: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _route(self) -> "Candidate":
        if self.via and self.legs is not None:
            raise ValueError("give either via (shorthand) or legs (full route), not both")
        return self

    def route(self) -> tuple[Leg, ...]:
        if self.legs is not None:
            return self.legs
        return tuple(Leg(country=c, operations=TRANSIT_OPERATIONS, customs_control=True) for c in self.via)


class CompareRequest(_Frozen):
    product: Product
    candidates: tuple[Candidate, ...] = Field(min_length=1, max_length=50)


class CandidateSummary(_Frozen):
    index: int
    label: str
    producer: str
    exporter: str
    importer: str
    date: date
    route: tuple[Leg, ...]
    customs_value: Decimal
    currency: str
    declared_originating_under: tuple[str, ...]
    undetermined: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()


class CompareRow(_Frozen):
    """One candidate under one instrument (``instrument`` null: the MFN / no-preference row)."""

    rank: int
    candidate: int
    label: str
    instrument: str | None
    agreement: str | None
    status: Literal["mfn", "originating", "not_originating", "undetermined"]
    originating: bool | None
    reason: str
    rule_status: RuleStatus | None = None  # null on the MFN row
    provisional: bool = False
    landed_rate: Decimal | None
    landed_amount: Decimal | None
    currency: str
    savings_vs_mfn: Decimal | None
    complete: bool
    layers: tuple[str, ...]
    proof_options: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()
    duty: DutyResult


class CompareResult(_Frozen):
    sku: str
    hs: str
    hs_version: str
    candidates: tuple[CandidateSummary, ...]
    rows: tuple[CompareRow, ...]
    best: CompareRow | None
    notes: tuple[str, ...] = ()


def _layer_text(duty: DutyResult) -> tuple[str, ...]:
    out = []
    for layer in duty.layers:
        rate = "?" if layer.rate is None else f"{layer.rate.normalize():f}%"
        mark = "" if layer.applied else " (not applied)"
        out.append(f"{layer.programme}: {rate}{mark} - {layer.rule}; {layer.reason}")
    return tuple(out)


_STATUS_ORDER = {"originating": 0, "mfn": 1, "not_originating": 2, "undetermined": 3}


def _candidate(product: Product, c: Candidate, index: int) -> tuple[Product, Shipment, CandidateSummary]:
    producer = c.producer or product.producer
    made = product if producer == product.producer else product.model_copy(update={"producer": producer})
    exporter = c.exporter or producer
    shipment = Shipment(exporter=exporter, importer=c.importer, date=c.date, legs=c.route(),
                        invoice_value=c.invoice_value, currency=product.currency if c.invoice_value else None)
    via = "+".join(leg.country for leg in shipment.legs)
    label = c.label or f"{producer}->{c.importer}" + (f" via {via}" if via else " direct") + f" on {c.date}"
    summary = CandidateSummary(index=index, label=label, producer=producer, exporter=exporter, importer=c.importer,
                               date=c.date, route=shipment.legs, customs_value=c.customs_value or product.fob,
                               currency=product.currency, declared_originating_under=c.originating_under)
    return made, shipment, summary


def _rows_for(store: Store, made: Product, summary: CandidateSummary, c: Candidate,
              report: OriginReport) -> list[CompareRow]:
    originating = [v.instrument for v in report.verdicts if v.originating]
    query = DutyQuery(importer=summary.importer, origin=summary.producer, date=summary.date, hs=made.hs,
                      national_line=c.national_line, customs_value=summary.customs_value, currency=summary.currency,
                      originating_under=tuple(originating) + c.originating_under)
    mfn = duty_for(store, query, made.hs_version)
    declared = f" (declared originating under {', '.join(c.originating_under)})" if c.originating_under else ""

    def row(instrument, agreement, status, is_orig, reason, duty, proofs=(), requirements=(), rule_status=None,
            provisional=False) -> CompareRow:
        return CompareRow(rank=0, candidate=summary.index, label=summary.label, instrument=instrument,
                          agreement=agreement, status=status, originating=is_orig, reason=reason,
                          rule_status=rule_status, provisional=provisional,
                          landed_rate=duty.rate, landed_amount=duty.amount, currency=summary.currency,
                          savings_vs_mfn=duty.savings_vs_mfn, complete=duty.complete, layers=_layer_text(duty),
                          proof_options=proofs, requirements=requirements, duty=duty)

    rows = [row(None, None, "mfn", None, "no preference claimed" + declared, mfn)]
    for v in report.verdicts:
        if v.originating:
            duty = duty_for(store, query.model_copy(update={"preference": v.instrument,
                                                            "preference_chain": amended_chain(store, v.instrument)}),
                            made.hs_version)
            proofs = tuple(o.name for o in v.proof.options)
            needs = [f"proof of origin: {' or '.join(proofs) or 'none recorded in the graph'}"]
            fob = [o.name for o in v.proof.options if o.fob_required]
            if fob:
                needs.append("FOB value on the proof" if len(fob) == len(proofs) else f"FOB value on {' or '.join(fob)}")
            needs += list(v.warnings)
            if v.provisional:
                needs.append(f"provisional: {v.provisional_reason}")
            rows.append(row(v.instrument, v.agreement, "originating", True,
                            f"originates by {v.passed_by} under {v.rule}", duty, proofs, tuple(needs),
                            v.rule_status, v.provisional))
        else:
            why = v.consignment.reason if not v.consignment.ok else (
                f"rule {v.rule} not met" + (f" (tariff shift fails for {', '.join(v.ctc_failures)})"
                                            if v.ctc_failures else ""))
            rows.append(row(v.instrument, v.agreement, "not_originating", False,
                            f"does not originate: {why}; MFN duty applies", mfn, rule_status=v.rule_status,
                            provisional=v.provisional))
    for u in report.undetermined:
        duty = duty_for(store, query.model_copy(update={"preference": u.instrument,
                                                        "preference_chain": amended_chain(store, u.instrument)}),
                        made.hs_version)
        rows.append(row(u.instrument, u.agreement, "undetermined", None,
                        f"{u.reason}; the duty shown is what the preference would give if the goods originate",
                        duty, requirements=("origin cannot be judged from the graph's data",),
                        rule_status=u.rule_status))
    return rows


def price_candidate(store: Store, product: Product, c: Candidate, index: int = 0,
                    report: OriginReport | None = None) -> tuple[CandidateSummary, list[CompareRow]]:
    """One candidate's rows (MFN and one per instrument), unranked; ``report`` if already evaluated.
    Everything is read through one view of the graph (one revision read)."""
    store = graph_view(store)
    made, shipment, summary = _candidate(product, c, index)
    report = report or evaluate_shipment(store, made, shipment)
    summary = summary.model_copy(update={
        "undetermined": tuple(u.instrument for u in report.undetermined),
        "pending": tuple(f"{p.instrument}: {'; '.join(p.missing)}" for p in report.pending)})
    return summary, _rows_for(store, made, summary, c, report)


def compare_shipments(store: Store, request: CompareRequest) -> CompareResult:
    """Evaluate and price every candidate; return the table ranked best first. Every candidate is read
    through one view of the graph: warm, the whole comparison is one revision read."""
    store = graph_view(store)
    product = request.product
    summaries, rows = [], []
    for index, c in enumerate(request.candidates):
        summary, priced = price_candidate(store, product, c, index)
        summaries.append(summary)
        rows += priced

    def key(r: CompareRow):
        return (r.status == "undetermined", r.landed_amount is None, r.landed_amount or Decimal(0),
                len(r.requirements), _STATUS_ORDER[r.status], not r.complete, r.candidate, r.instrument or "")

    ranked = tuple(r.model_copy(update={"rank": i + 1}) for i, r in enumerate(sorted(rows, key=key)))
    best = next((r for r in ranked if r.status in ("mfn", "originating") and r.landed_amount is not None), None)
    notes = ("landed duty is customs value x the sum of the applied layers; a layer whose rate is not seeded "
             "makes the row incomplete (complete=false) and it ranks after known rows of the same amount",)
    return CompareResult(sku=product.sku, hs=product.hs, hs_version=product.hs_version,
                         candidates=tuple(summaries), rows=ranked, best=best, notes=notes)
