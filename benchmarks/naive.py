"""The product's uncached path, the baseline the verdict throughput is compared with in the same run.

``evaluate_shipment`` on a :func:`graph.cache.uncached` view: no answer is kept, so every verdict
asks the graph again everything it needs (the same statements a first ask makes), and nothing is
added on top: no extra round trip per BOM line.
"""

from __future__ import annotations

from engine.models import Product, Shipment
from graph.cache import uncached
from graph.origin import OriginReport, evaluate_shipment
from graph.store import Store


def naive_evaluate(store: Store, product: Product, shipment: Shipment) -> OriginReport:
    return evaluate_shipment(uncached(store), product, shipment)
