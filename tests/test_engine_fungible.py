"""Inventory methods for fungible materials (pure)."""

from datetime import date
from decimal import Decimal as D

import pytest

from engine.fungible import FungibleError, allocate
from engine.models import FungibleStock, Receipt


def stock(method, *receipts, issued_before="0"):
    return FungibleStock(method=method, issued_before=D(issued_before), receipts=tuple(
        Receipt(date=date(2025, 1, day), quantity=D(q), originating=o)
        for day, q, o in receipts))


def test_average_domain_example_is_exact():
    a = allocate(stock("average", (1, "600", True), (2, "400", False)), D("800"))
    assert (a.originating_qty, a.non_originating_qty) == (D("480"), D("320"))
    assert str(a.originating_qty) == "480" and str(a.non_originating_qty) == "320"


def test_fifo_consumes_oldest_after_issued_before():
    # oldest 300 originating, then 500 non-originating, then 200 originating;
    # 100 issued before -> this draw of 400 takes 200 originating then 200 non-originating
    s = stock("fifo", (3, "200", True), (1, "300", True), (2, "500", False),
              issued_before="100")
    a = allocate(s, D("400"))
    assert (a.originating_qty, a.non_originating_qty) == (D("200"), D("200"))


def test_lifo_consumes_newest_after_issued_before():
    # newest first: 200 originating (100 already issued), then 500 non-originating
    s = stock("lifo", (3, "200", True), (1, "300", True), (2, "500", False),
              issued_before="100")
    a = allocate(s, D("400"))
    assert (a.originating_qty, a.non_originating_qty) == (D("100"), D("300"))


def test_fifo_and_lifo_differ_on_the_same_stock():
    receipts = ((1, "600", True), (2, "400", False))
    assert allocate(stock("fifo", *receipts), D("800")).originating_qty == D("600")
    assert allocate(stock("lifo", *receipts), D("800")).originating_qty == D("400")


def test_more_than_available_is_an_error():
    with pytest.raises(FungibleError, match="only 900 left"):
        allocate(stock("average", (1, "600", True), (2, "400", False), issued_before="100"),
                 D("901"))


def test_finished_goods_need_an_agreement_that_covers_goods():
    from engine.terms.fungible import FungibleTerms, fungible_refusal
    materials = FungibleTerms(methods=("fifo", "average"), scope="materials", article="Art. 3.8")
    goods = FungibleTerms(methods=("fifo", "average"), scope="materials_and_goods", article="Art. 3.11")
    assert "materials only" in fungible_refusal(materials, "EUJP", "fifo", finished_goods=True)
    assert fungible_refusal(materials, "EUJP", "fifo", finished_goods=False) is None
    assert fungible_refusal(goods, "RCEP", "fifo", finished_goods=True) is None
    assert "not allowed" in fungible_refusal(goods, "RCEP", "lifo", finished_goods=True)
    assert "no accounting segregation" in fungible_refusal(None, "ATIGA", "fifo", finished_goods=True)
