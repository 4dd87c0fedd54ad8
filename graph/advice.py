"""What would it take to originate: the graph supplies the evaluation inputs, ``engine.advice``
searches BOM changes, and every suggestion is re-checked here before it is answered.

The re-check is the promise of a suggestion: its ``bom`` is the whole changed document (the shape
of a YAML / JSON BOM file, with the shipment), and it is parsed and evaluated exactly as
``POST /v1/origin/evaluate`` and ``origingraph evaluate`` do (``graph.origin.parse_bom_text`` then
``evaluate_shipment``); a suggestion whose document is not judged originating under the instrument
is dropped and counted, never shown.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.advice import Advice, BomChange, RuleGap, advise, bom_document
from engine.models import Product, Shipment
from graph.applicability import rules_between
from graph.cache import graph_view
from graph.origin import evaluate_shipment, evaluation_inputs, parse_bom_text
from graph.parties import instrument_summary
from graph.store import Store

SUGGESTIONS = 5


class SuggestedBom(BaseModel):
    """One way to originate: the changes, the value that moves, and the changed BOM document, which
    evaluates (``POST /v1/origin/evaluate``) to the verdict promised here (checked before answering)."""

    model_config = ConfigDict(frozen=True)

    rank: int
    changes: tuple[BomChange, ...]
    value_moved: Decimal = Field(description="The non-originating value that becomes originating.")
    currency: str
    passed_by: str = Field(description="The alternative of the rule the changed BOM meets.")
    rvc_build_down_pct: Decimal
    nom_pct: Decimal
    summary: str
    bom: dict[str, Any] = Field(description="The whole changed BOM document, in the shape of a JSON / YAML BOM "
                                            "file (product, bom, shipment).")


class AdviceReport(BaseModel):
    """Advice for one product under one instrument on one shipment.

    ``status``: ``originating`` (no change needed), ``suggestions``, ``no_fix`` (``reason`` says
    why), ``undetermined`` (the graph holds no machine-readable rule for the product under the
    instrument) or ``not_binding`` (the instrument does not bind the exporter and importer on the
    date). ``gaps`` are the failing nodes of the rule with what each needs; ``dropped`` counts
    suggestions whose document did not verify (none is expected).
    """

    model_config = ConfigDict(frozen=True)

    sku: str
    exporter: str
    importer: str
    date: date
    instrument: str
    agreement: str | None
    status: Literal["originating", "suggestions", "no_fix", "undetermined", "not_binding"]
    reason: str
    rule: str | None = None
    rule_status: str | None = None
    provisional: bool = False
    provisional_reason: str | None = None
    currency: str
    gaps: tuple[RuleGap, ...] = ()
    suggestions: tuple[SuggestedBom, ...] = ()
    evaluated: int = 0
    exhaustive: bool = True
    dropped: int = 0


def advise_shipment(store: Store, product: Product, shipment: Shipment, instrument: str,
                    limit: int = SUGGESTIONS) -> AdviceReport:
    """The smallest changes to ``product``'s BOM that make it originate under ``instrument`` for
    ``shipment``, each verified through the evaluation path of the API."""
    view = graph_view(store)
    summary = instrument_summary(view, instrument, field="instrument")
    head = dict(sku=product.sku, exporter=shipment.exporter, importer=shipment.importer, date=shipment.date,
                instrument=instrument, agreement=summary.agreement, currency=product.currency)
    report = evaluate_shipment(view, product, shipment)
    if not any(v.instrument == instrument for v in report.verdicts):
        undetermined = next((u for u in report.undetermined if u.instrument == instrument), None)
        if undetermined is not None:
            return AdviceReport(**head, status="undetermined", rule_status=undetermined.rule_status,
                                reason=f"no verdict to advise on: {undetermined.reason}")
        binding = [v.instrument for v in report.verdicts] + [u.instrument for u in report.undetermined]
        pending = next((p for p in report.pending if p.instrument == instrument), None)
        why = f"pending: {'; '.join(pending.missing)}" if pending else \
            f"instruments binding the pair: {', '.join(binding) or 'none'}"
        return AdviceReport(**head, status="not_binding",
                            reason=f"{instrument} does not bind {shipment.exporter} -> {shipment.importer} on "
                                   f"{shipment.date} ({why})")
    verdict = next(v for v in report.verdicts if v.instrument == instrument)
    pair = rules_between(view, shipment.exporter, shipment.importer, shipment.date, product.hs, product.hs_version)
    item = next(i for i in pair.instruments if i.instrument == instrument)
    advice = advise(evaluation_inputs(view, item, product, shipment), limit=limit * 2)
    kept, dropped = _verified(view, advice, shipment, instrument, limit)
    status, reason = advice.status, advice.reason
    if advice.status == "suggestions" and not kept:
        status, reason = "no_fix", f"{dropped} suggestion(s) found did not verify when evaluated as documents"
    elif advice.status == "suggestions":
        reason = f"{len(kept)} way(s) to originate under {instrument}, least value moved first"
    return AdviceReport(**head, status=status, reason=reason, rule=advice.rule, rule_status=verdict.rule_status,
                        provisional=verdict.provisional, provisional_reason=verdict.provisional_reason,
                        gaps=advice.gaps, suggestions=tuple(kept), evaluated=advice.evaluated,
                        exhaustive=advice.exhaustive, dropped=dropped)


def _verified(store: Store, advice: Advice, shipment: Shipment, instrument: str,
              limit: int) -> tuple[list[SuggestedBom], int]:
    """The suggestions whose document, read and evaluated like a posted BOM, originates (ranked again)."""
    kept, dropped = [], 0
    for s in advice.suggestions:
        if len(kept) == limit:
            break
        document = bom_document(s.product, shipment)
        parsed = parse_bom_text(store, json.dumps(document), "advice.json")
        report = evaluate_shipment(store, parsed.product, parsed.shipment)
        if not any(v.instrument == instrument and v.originating for v in report.verdicts):
            dropped += 1
            continue
        fields = s.model_dump(exclude={"product", "rank"})
        kept.append(SuggestedBom(**fields, rank=len(kept) + 1, bom=document))
    return kept, dropped
