"""Inventory accounting for fungible materials: how much of what was used originates.

When originating and non-originating identical materials sit in one stock, the agreement's
inventory method (FIFO, LIFO or average) decides the originating share instead of physical
segregation. Arithmetic is exact ``Decimal`` in a fixed context, so the result never depends
on the caller's decimal settings: 600 kg originating + 400 kg non-originating, average,
800 kg used gives exactly 480 / 320.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from engine.models import FungibleStock, Receipt

__all__ = ["Allocation", "FungibleError", "allocate", "share"]

_CTX = Context(prec=34, rounding=ROUND_HALF_EVEN)


class FungibleError(ValueError):
    """The stock cannot supply the quantity used."""


class Allocation(BaseModel):
    """Originating and non-originating parts of ``quantity`` under ``method``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Literal["fifo", "lifo", "average"]
    quantity: Decimal
    originating_qty: Decimal
    non_originating_qty: Decimal


def share(part: Decimal, whole: Decimal, amount: Decimal) -> Decimal:
    """``amount * part / whole`` in the fixed context (multiply first: stays exact longer)."""
    return _CTX.divide(_CTX.multiply(amount, part), whole)


def allocate(stock: FungibleStock, quantity: Decimal) -> Allocation:
    """Split ``quantity`` drawn from ``stock`` into originating and non-originating parts.

    Average: the originating share of all receipts. FIFO / LIFO: receipts are put in date
    order (one date's receipts in listed order) and consumed from the start / the end of
    that sequence, after skipping ``issued_before`` from that same end.
    """
    total = sum((r.quantity for r in stock.receipts), Decimal(0))
    available = total - stock.issued_before
    if quantity > available:
        raise FungibleError(f"{quantity} used but only {available} left in stock"
                            f" ({total} received, {stock.issued_before} issued before)")
    if stock.method == "average":
        originating_total = sum((r.quantity for r in stock.receipts if r.originating),
                                Decimal(0))
        originating = share(originating_total, total, quantity)
    else:
        ordered = sorted(stock.receipts, key=lambda r: r.date)
        if stock.method == "lifo":
            ordered.reverse()
        originating = _walk(ordered, stock.issued_before, quantity)
    return Allocation(method=stock.method, quantity=quantity, originating_qty=originating,
                      non_originating_qty=quantity - originating)


def _walk(receipts: list[Receipt], skip: Decimal, quantity: Decimal) -> Decimal:
    """Originating quantity among ``quantity`` units taken after ``skip`` units, in order."""
    originating = Decimal(0)
    for r in receipts:
        skipped = min(skip, r.quantity)
        skip -= skipped
        taken = min(quantity, r.quantity - skipped)
        quantity -= taken
        if r.originating:
            originating += taken
        if quantity == 0:
            break
    return originating
