"""The naive baseline the verdict throughput is compared with, measured in the same run.

What a straightforward implementation does: no cache, one Cypher round trip per BOM line for
each verdict (the line's HS code looked up in the graph, ``KNOWN_HS_CODES``), and per verdict all
the applicability and PSR queries (``rules_between``, origin terms, general rule, countries bound,
cumulation, the governing PSR of each intermediate, each HS lineage), i.e. ``evaluate_shipment``
on an :func:`graph.cache.uncached` view. The verdicts are the same as the optimised path's.
"""

from __future__ import annotations

from engine.models import Material, Product, Shipment
from graph import queries
from graph.cache import uncached
from graph.load import hs_uid
from graph.origin import OriginReport, evaluate_shipment
from graph.store import Store


def _lines(materials: tuple[Material, ...]):
    for m in materials:
        yield m
        yield from _lines(m.components)


def naive_evaluate(store: Store, product: Product, shipment: Shipment) -> OriginReport:
    view = uncached(store)
    report = evaluate_shipment(view, product, shipment)
    for _ in report.verdicts:
        for m in _lines(product.bom):  # one round trip per material per verdict
            view.read(queries.KNOWN_HS_CODES, uids=[hs_uid(m.hs_version, m.hs)])
    return report
