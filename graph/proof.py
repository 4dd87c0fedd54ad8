"""Proof acceptance as a question: is a document of this type, issued on X, accepted when presented
on Y between these two countries? Answered under every instrument binding the pair on the
presentation day, from its origin terms (the transition windows are seed data). And the origin terms
themselves as a question (tolerance, mixed stock, transit, proofs, criterion codes, records), answered
without a BOM, so also where no product-specific rule is loaded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from engine.models import Shipment
from engine.terms.proof import ProofAcceptance, proof_acceptance
from engine.terms.provisions import TermsAnswer, terms_answer
from graph.applicability import rules_between
from graph.cache import graph_view
from graph.origin import pair_context
from graph.store import Store

__all__ = ["ProofAnswer", "TermsReport", "origin_terms", "proof_accepted"]


class ProofAnswer(BaseModel):
    """One answer per instrument binding the pair on ``presented``."""

    model_config = ConfigDict(frozen=True)

    exporter: str
    importer: str
    proof: str
    issued: date
    presented: date
    answers: tuple[ProofAcceptance, ...]
    notes: tuple[str, ...] = ()


def proof_accepted(store: Store, exporter: str, importer: str, proof: str, issued: date, presented: date,
                   invoice_value: Decimal | None = None, currency: str | None = None) -> ProofAnswer:
    """``invoice_value`` / ``currency``: checked against an option's value limits (else not checked)."""
    view = graph_view(store)
    pair = rules_between(view, exporter, importer, presented)
    shipment = Shipment(exporter=exporter, importer=importer, date=presented, invoice_value=invoice_value,
                        currency=currency)
    answers = tuple(proof_acceptance(pair_context(view, item, shipment).instrument.terms, item.instrument, proof,
                                     issued, presented, shipment) for item in pair.instruments)
    notes = () if answers else (f"no instrument binds {exporter}-{importer} on {presented}: no preference to prove",)
    return ProofAnswer(exporter=exporter, importer=importer, proof=proof, issued=issued, presented=presented,
                       answers=answers, notes=notes)


class TermsReport(BaseModel):
    """The origin terms of every instrument binding the pair on ``date``."""

    model_config = ConfigDict(frozen=True)

    exporter: str
    importer: str
    date: date
    invoice_value: Decimal | None = None
    currency: str | None = None
    answers: tuple[TermsAnswer, ...]
    notes: tuple[str, ...] = ()


def origin_terms(store: Store, exporter: str, importer: str, day: date, invoice_value: Decimal | None = None,
                 currency: str | None = None, goods_method: str | None = None) -> TermsReport:
    """``invoice_value`` / ``currency``: which proofs this consignment may use (value limits); ``goods_method``:
    whether finished goods from mixed stock may be accounted for by that inventory method."""
    view = graph_view(store)
    pair = rules_between(view, exporter, importer, day)
    shipment = Shipment(exporter=exporter, importer=importer, date=day, invoice_value=invoice_value, currency=currency)
    answers = []
    for item in pair.instruments:
        context = pair_context(view, item, shipment)
        answers.append(terms_answer(context.instrument, shipment, goods_method, context.terms_defined_by,
                                    recorded=context.terms_defined_by is not None))
    notes = () if answers else (f"no instrument binds {exporter}-{importer} on {day}: no origin terms apply",)
    return TermsReport(exporter=exporter, importer=importer, date=day, invoice_value=invoice_value, currency=currency,
                       answers=tuple(answers), notes=notes)
