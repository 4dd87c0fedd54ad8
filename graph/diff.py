"""What changes for a product between two dates, and why (origin, rules, proofs and duties).

The same product and shipment are judged on both dates (``graph.origin.evaluate_shipment``);
the two reports are then compared agreement by agreement. Each change carries the dated graph
facts that explain it: a party entering a protocol (the newer instrument's explanation), a PSR
schedule moving to another HS edition (the rule's notes), a proof of origin whose validity window
opened or closed, a verdict that flipped (the alternatives that passed or failed), a landed duty
that moved (the tariff layers that appeared or expired, e.g. a suspension ending).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from engine.models import Product, Shipment
from graph.compare import Candidate, CompareRow, price_candidate
from graph.origin import OriginReport, VerdictReport, evaluate_shipment
from graph.store import Store

ChangeKind = Literal["instrument", "rule", "verdict", "proof", "pending", "duty"]


class Change(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: ChangeKind
    agreement: str
    before: str | None
    after: str | None
    summary: str
    why: tuple[str, ...] = ()


class DateDiff(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku: str
    exporter: str
    importer: str
    date_a: date
    date_b: date
    changes: tuple[Change, ...]
    a: OriginReport
    b: OriginReport
    duties_a: tuple[CompareRow, ...] = ()
    duties_b: tuple[CompareRow, ...] = ()


class DateDiffs(BaseModel):
    """The diffs of several BOMs (``origingraph diff`` and its HTTP twin)."""

    model_config = ConfigDict(frozen=True)

    diffs: tuple[DateDiff, ...]


def _why_failed(v: VerdictReport) -> tuple[str, ...]:
    return tuple(f"{c.text}: {c.reason}" for c in v.criteria if c.node.count(".") <= 1)


def _verdict_changes(agreement: str, va: VerdictReport, vb: VerdictReport) -> list[Change]:
    changes = []
    if va.instrument != vb.instrument:
        changes.append(Change(kind="instrument", agreement=agreement, before=va.instrument, after=vb.instrument,
                              summary=f"{agreement}: {va.instrument} -> {vb.instrument}",
                              why=tuple(f.summary for f in vb.trace.facts if f.kind == "PartyTo")[:2]))
    if (va.rule, va.psr_uid, va.schedule_version) != (vb.rule, vb.psr_uid, vb.schedule_version):
        moved = (f"; PSR schedule {va.schedule_version} -> {vb.schedule_version}"
                 if va.schedule_version != vb.schedule_version else "")
        changes.append(Change(kind="rule", agreement=agreement, before=va.rule, after=vb.rule,
                              summary=f"{agreement}: rule {va.rule} ({va.psr_scope or 'general rule'}) -> "
                                      f"{vb.rule} ({vb.psr_scope or 'general rule'}){moved}",
                              why=vb.rule_notes))
    if va.originating != vb.originating:
        word = {True: "originating", False: "not originating"}
        changes.append(Change(kind="verdict", agreement=agreement, before=word[va.originating],
                              after=word[vb.originating],
                              summary=f"{agreement}: {word[va.originating]} -> {word[vb.originating]}",
                              why=_why_failed(vb if not vb.originating else va)
                              + ((vb.consignment.reason,) if not vb.consignment.ok else ())))
    proofs_a = {o.name for o in va.proof.options}
    proofs_b = {o.name for o in vb.proof.options}
    if proofs_a != proofs_b:
        changes.append(Change(kind="proof", agreement=agreement, before=", ".join(sorted(proofs_a)) or None,
                              after=", ".join(sorted(proofs_b)) or None,
                              summary=f"{agreement}: proof of origin "
                                      + "; ".join([f"+{n}" for n in sorted(proofs_b - proofs_a)]
                                                  + [f"-{n}" for n in sorted(proofs_a - proofs_b)]),
                              why=tuple(o.why for o in vb.proof.options if o.name in proofs_b - proofs_a)
                              + tuple(o.why for o in vb.proof.rejected if o.name in proofs_a - proofs_b)))
    return changes


def compare_reports(a: OriginReport, b: OriginReport) -> tuple[Change, ...]:
    """Changes from report ``a`` to report ``b``, agreement by agreement."""
    va = {v.agreement: v for v in a.verdicts}
    vb = {v.agreement: v for v in b.verdicts}
    ua = {u.agreement: u for u in a.undetermined}
    ub = {u.agreement: u for u in b.undetermined}
    pa = {p.instrument: p for p in a.pending}
    pb = {p.instrument: p for p in b.pending}
    changes: list[Change] = []
    for agreement in sorted(set(va) | set(vb) | set(ua) | set(ub)):
        before = va.get(agreement) or ua.get(agreement)
        after = vb.get(agreement) or ub.get(agreement)
        if agreement in va and agreement in vb:
            changes += _verdict_changes(agreement, va[agreement], vb[agreement])
        elif after is None:
            why = tuple(m for p in pb.values() if p.agreement == agreement for m in p.missing)
            changes.append(Change(kind="instrument", agreement=agreement, before=before.instrument, after=None,
                                  summary=f"{agreement}: {before.instrument} no longer binds the pair", why=why))
        elif before is None:
            why = tuple(f.summary for f in vb[agreement].trace.facts if f.kind == "PartyTo")[:2] \
                if agreement in vb else (ub[agreement].reason,)
            changes.append(Change(kind="instrument", agreement=agreement, before=None, after=after.instrument,
                                  summary=f"{agreement}: {after.instrument} now binds the pair", why=why))
        elif before.instrument != after.instrument:
            changes.append(Change(kind="instrument", agreement=agreement, before=before.instrument,
                                  after=after.instrument, summary=f"{agreement}: {before.instrument} -> "
                                                                  f"{after.instrument}"))
    for code in sorted(set(pa) | set(pb)):
        if code in pa and code not in pb:
            agreement = pa[code].agreement
            changes.append(Change(kind="pending", agreement=agreement, before="pending", after=None,
                                  summary=f"{code} is no longer pending for the pair",
                                  why=pa[code].missing))
        elif code in pb and code not in pa:
            changes.append(Change(kind="pending", agreement=pb[code].agreement, before=None, after="pending",
                                  summary=f"{code} is pending for the pair", why=pb[code].missing))
    return tuple(changes)


def _duty_changes(rows_a: list[CompareRow], rows_b: list[CompareRow]) -> list[Change]:
    """Landed duty per row (MFN, and each instrument) that differs, with the layers that differ."""
    a = {r.instrument: r for r in rows_a}
    changes = []
    for rb in rows_b:
        ra = a.get(rb.instrument)
        if ra is None or (ra.landed_rate, ra.complete) == (rb.landed_rate, rb.complete):
            continue
        label = rb.instrument or "MFN (no preference)"
        rate = {r: "?" if r.landed_rate is None else f"{r.landed_rate.normalize():f}%" for r in (ra, rb)}
        changes.append(Change(kind="duty", agreement=rb.agreement or "MFN", before=rate[ra], after=rate[rb],
                              summary=f"{label}: landed duty {rate[ra]} -> {rate[rb]}",
                              why=tuple(f"now: {x}" for x in rb.layers if x not in ra.layers)
                              + tuple(f"before: {x}" for x in ra.layers if x not in rb.layers)))
    return changes


def diff_dates(store: Store, product: Product, shipment: Shipment, date_a: date, date_b: date) -> DateDiff:
    """Judge and price the same product and shipment on both dates, and list what changed."""
    reports, duties = {}, {}
    for day in (date_a, date_b):
        moved = shipment.model_copy(update={"date": day})
        reports[day] = evaluate_shipment(store, product, moved)
        candidate = Candidate(producer=product.producer, exporter=shipment.exporter, importer=shipment.importer,
                              date=day, legs=shipment.legs, invoice_value=shipment.invoice_value)
        duties[day] = price_candidate(store, product, candidate, report=reports[day])[1]
    a, b = reports[date_a], reports[date_b]
    changes = compare_reports(a, b) + tuple(_duty_changes(duties[date_a], duties[date_b]))
    return DateDiff(sku=product.sku, exporter=shipment.exporter, importer=shipment.importer, date_a=date_a,
                    date_b=date_b, changes=changes, a=a, b=b, duties_a=tuple(duties[date_a]),
                    duties_b=tuple(duties[date_b]))
