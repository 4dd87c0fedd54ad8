"""Graph answers cached by revision (graph.cache): every managed write bumps the revision in its own
transaction, the next question sees the new graph, and cached answers equal uncached ones."""

from __future__ import annotations

import gc
import threading
from datetime import date
from pathlib import Path

import pytest

from engine.models import Shipment
from graph import queries
from graph.applicability import rules_between
from graph.cache import (SnapshotMiss, SnapshotView, Snapshot, answers_of, collector_paused, graph_view,
                         read_revision, uncached)
from graph.errors import UnknownCountry
from graph.lineage import lineage
from graph.origin import evaluate_shipment, read_bom
from graph.parties import record_party_status
from graph.psr import governing_rule
from graph.schema import install_schema
from graph.store import Store
from seeds.schema import PartyStatus

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "tshirt-my-au.yaml"
D = date.fromisoformat
AU_IN_FORCE = PartyStatus(status="in_force", signed="2024-01-01", in_force_from="2025-01-01",
                          source="test_cache: AU brings XFTA-P1 into force")
AU_SEEDED = PartyStatus(status="signed", source="test fixture")


def test_a_managed_write_bumps_the_revision_and_ddl_does_not(seeded: Store) -> None:
    before = read_revision(seeded)
    install_schema(seeded)  # DDL: its own transactions, no data, no bump
    assert read_revision(seeded) == before
    seeded.write_tx(lambda tx: tx.run(queries.STORE_ANSWERS).consume())
    after = read_revision(seeded)
    assert after.epoch == before.epoch and after.revision == before.revision + 1


def test_storing_a_bom_keeps_the_cached_rule_answers_and_the_new_bom_is_read(seeded: Store) -> None:
    from graph.products import delete_product, read_product, store_bom

    product = read_bom(seeded, EXAMPLE).product.model_copy(update={"sku": "TEST-CACHE-BOM"})
    answers = answers_of(seeded)
    rules_between(seeded, "MY", "AU", D("2025-06-02"), "610910", "HS2022")
    before, hits = read_revision(seeded), answers.hits
    store_bom(seeded, product)
    try:
        assert read_revision(seeded) == before  # no cached answer reads products: the caches stay warm
        rules_between(seeded, "MY", "AU", D("2025-06-02"), "610910", "HS2022")
        assert answers.hits == hits + 1
        assert read_product(seeded, "TEST-CACHE-BOM") == product  # products are read from the graph, never cached
        changed = product.model_copy(update={"ex_works": product.ex_works + 1})
        store_bom(seeded, changed)
        assert read_product(seeded, "TEST-CACHE-BOM").ex_works == changed.ex_works
    finally:
        delete_product(seeded, "TEST-CACHE-BOM")
    assert read_revision(seeded) == before


def test_a_failed_write_leaves_the_revision_alone(seeded: Store) -> None:
    before = read_revision(seeded)

    def fail(tx) -> None:
        tx.run(queries.STORE_ANSWERS).consume()
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        seeded.write_tx(fail)
    assert read_revision(seeded) == before


def test_a_party_write_invalidates_and_the_next_verdict_reflects_it(seeded: Store) -> None:
    document = read_bom(seeded, EXAMPLE)
    shipment = Shipment(**{**document.shipment.model_dump(), "date": D("2025-06-02")})

    def instruments() -> set[str]:
        return {v.instrument for v in evaluate_shipment(seeded, document.product, shipment).verdicts}

    first = instruments()
    assert "XFTA-P1" not in first
    assert "XFTA-P1" in {p.instrument for p in rules_between(seeded, "MY", "AU", shipment.date).pending}
    cache = answers_of(seeded)
    assert cache.revision == read_revision(seeded) and len(cache) > 0
    try:
        before = cache.revision
        record_party_status(seeded, "XFTA-P1", "AU", AU_IN_FORCE)
        # this process's own write started the new revision's generation as it committed
        assert cache.revision == read_revision(seeded) != before and len(cache) == 0
        assert "XFTA-P1" in instruments()  # the write committed, so the next verdict sees it
        assert "XFTA-P1" in {i.instrument for i in rules_between(seeded, "MY", "AU", shipment.date).instruments}
    finally:
        record_party_status(seeded, "XFTA-P1", "AU", AU_SEEDED)
    assert instruments() == first


def test_a_question_assumes_the_revision_last_read_and_a_write_made_elsewhere_is_still_seen(seeded: Store) -> None:
    """A plain store's question takes the revision its cache last read (or this process last wrote)
    without reading it: its first statement reads the revision too. A write by another process is
    found by that statement, and the question is asked again at the new revision; nothing it read
    is kept under the old one."""
    def trips(ask) -> int:
        before = seeded.round_trips
        ask()
        return seeded.round_trips - before

    pair = ("MY", "AU", D("2025-06-02"))
    rules_between(seeded, *pair)
    seeded.write_tx(lambda tx: None)  # this process's write: its cache follows it
    assert trips(lambda: rules_between(seeded, *pair)) == 1  # the pair's statement alone
    assert trips(lambda: rules_between(seeded, *pair)) == 1  # asked again: the revision read alone
    cache = answers_of(seeded)
    assumed = cache.revision
    elsewhere = Store(seeded.driver, seeded.database, seeded.kind, seeded.location)  # a cache of its own
    try:
        record_party_status(elsewhere, "XFTA-P1", "AU", AU_IN_FORCE)
        assert cache.revision == assumed  # this process has not seen that write
        later = ("MY", "AU", D("2025-06-03"))  # not cached: asked in a statement that finds the write
        found = rules_between(seeded, *later)
        assert "XFTA-P1" in {i.instrument for i in found.instruments}
        assert cache.revision == read_revision(seeded) != assumed
        assert found == rules_between.uncached(uncached(seeded), *later)
        assert "XFTA-P1" in {i.instrument for i in rules_between(seeded, *pair).instruments}
    finally:
        record_party_status(elsewhere, "XFTA-P1", "AU", AU_SEEDED)
    assert "XFTA-P1" not in {i.instrument for i in rules_between(seeded, *pair).instruments}
    # An error answered from the cache (ZZ's facts: unknown) is confirmed at the graph's revision too.
    with pytest.raises(UnknownCountry):
        rules_between(seeded, "ZZ", "AU", pair[2])
    elsewhere.write_tx(lambda tx: tx.run("CREATE (:Country {code: 'ZZ', name: 'Test land'})").consume())
    try:
        assert rules_between(seeded, "ZZ", "AU", pair[2]).instruments == ()
    finally:
        elsewhere.write_tx(lambda tx: tx.run("MATCH (c:Country {code: 'ZZ'}) DELETE c").consume())
    with pytest.raises(UnknownCountry):
        rules_between(seeded, "ZZ", "AU", pair[2])


def test_cached_answers_equal_uncached_and_are_shared_immutable_values(seeded: Store) -> None:
    document = read_bom(seeded, EXAMPLE)
    plain = uncached(seeded)
    for exporter, importer, day in (("MY", "AU", "2025-06-02"), ("MY", "TH", "2025-06-01"), ("DE", "JP", "2024-01-01")):
        cached = rules_between(seeded, exporter, importer, D(day), "610910", "HS2022")
        assert cached.model_dump_json() == rules_between(plain, exporter, importer, D(day), "610910",
                                                          "HS2022").model_dump_json()
    view = graph_view(seeded)
    assert rules_between(view, "MY", "AU", D("2025-06-02")) is rules_between(view, "MY", "AU", D("2025-06-02"))
    answer = lineage(view, "520811", "HS2017", "HS2022")
    assert answer is lineage(view, "520811", "HS2017", "HS2022")
    with pytest.raises(Exception):
        answer.targets = ()  # frozen
    rule = governing_rule(view, "AANZFTA-P2", "610910", "HS2022", D("2025-06-02"))
    assert rule == governing_rule.uncached(plain, "AANZFTA-P2", "610910", "HS2022", D("2025-06-02"))

    for shipment in (document.shipment, Shipment(exporter="MY", importer="TH", date=D("2025-06-01"))):
        assert (evaluate_shipment(seeded, document.product, shipment).model_dump_json()
                == evaluate_shipment(plain, document.product, shipment).model_dump_json())


def test_a_snapshot_view_answers_only_what_it_holds(seeded: Store) -> None:
    view = graph_view(seeded)
    answer = rules_between(view, "MY", "AU", D("2025-06-02"))
    snapshot = Snapshot(view.revision, {("rules_between", "MY", "AU", D("2025-06-02"), None, None): answer}, {})
    offline = SnapshotView(snapshot)
    assert rules_between(offline, "MY", "AU", D("2025-06-02")) is answer
    with pytest.raises(SnapshotMiss):
        rules_between(offline, "MY", "TH", D("2025-06-02"))
    with pytest.raises(SnapshotMiss):
        offline.read(queries.STORE_ANSWERS)


def test_the_collector_pause_nests_overlaps_across_threads_and_restores_what_was_set() -> None:
    assert gc.isenabled()
    inside, release = threading.Event(), threading.Event()

    def other_section() -> None:
        with collector_paused():
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=other_section)
    with collector_paused():
        assert not gc.isenabled()
        worker.start()
        assert inside.wait(10)
        with collector_paused():
            assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread's section is still open
    release.set()
    worker.join(10)
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # it was off before: left off
    finally:
        gc.enable()


def test_an_error_inside_a_pause_resumes_the_collector() -> None:
    with pytest.raises(RuntimeError):
        with collector_paused():
            raise RuntimeError("boom")
    assert gc.isenabled()
