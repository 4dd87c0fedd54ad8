"""Realistic synthetic bills of materials built from the seeded HS codes.

Every code comes from the seeded HS codes (``seeds/data/hs_codes/``) (so the graph knows it); about a tenth of the
lines are written in HS2017 (so the evaluation has to map them to the rule's edition), some lines
carry supplier declarations (valid, expired, or from a cumulation partner), some are wholly
obtained, and larger BOMs have in-house intermediates with their own components. The generator is
seeded, so a run is reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from engine.models import Leg, Material, Processing, Product, Shipment, SupplierDeclaration
from seeds.read import BUNDLED, read_hs_codes

# Finished goods the seeds have rules for (AANZFTA / ATIGA PSRs, or the general rule).
PRODUCT_CHAPTERS = ("61", "62", "63", "84", "85", "30")
ORIGINS = ("CN", "VN", "MY", "TH", "US", "DE", "ID", "AU", "JP", "IN")


@dataclass(frozen=True)
class Lane:
    """A shipment lane the benchmark evaluates: who ships to whom on which date."""

    exporter: str
    importer: str
    day: date
    via: str | None = None

    def shipment(self) -> Shipment:
        legs = (Leg(country=self.via, operations=("unloading", "reloading"), customs_control=True,
                    documents=("through bill of lading",)),) if self.via else ()
        return Shipment(exporter=self.exporter, importer=self.importer, date=self.day, legs=legs,
                        invoice_value=Decimal("10000"), currency="USD")


# Lanes with verdicts in the bundled seeds: MY->AU (AANZFTA Second Protocol), MY->TH (ATIGA).
LANES = (Lane("MY", "AU", date(2025, 6, 2), via="SG"), Lane("MY", "TH", date(2025, 6, 2)))


@lru_cache(maxsize=1)
def seeded_codes(seeds: Path = BUNDLED) -> dict[str, tuple[str, ...]]:
    """Six-digit codes per HS edition in the seed files."""
    out: dict[str, list[str]] = {}
    for row in read_hs_codes(seeds):
        if len(row.code) == 6:
            out.setdefault(row.version, []).append(row.code)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _money(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(f"{rng.uniform(low, high):.2f}")


def _material(rng: random.Random, ident: str, day: date, depth: int, lines: list[int]) -> Material:
    codes = seeded_codes()
    version = "HS2017" if rng.random() < 0.1 else "HS2022"
    hs = rng.choice(codes[version])
    origin = rng.choice(ORIGINS)
    extra: dict = {}
    roll = rng.random()
    if roll < 0.25:  # a supplier declaration; some from cumulation partners, some expired
        valid_from = date(day.year - (1 if rng.random() < 0.8 else 2), 1, 1)
        extra["declaration"] = SupplierDeclaration(
            instrument=rng.choice(("AANZFTA", "ATIGA", "RCEP")), country=origin, valid_from=valid_from,
            valid_until=date(valid_from.year + 1, 12, 31), reference=f"SUP-{ident}")
    elif roll < 0.30:
        extra["wholly_obtained"] = True
    elif roll < 0.33:
        extra["processes_in"] = (Processing(country=rng.choice(("TH", "VN", "AU")),
                                            value_added=_money(rng, 0.01, 0.2), processes=("dyeing",)),)
    components: tuple[Material, ...] = ()
    if depth == 0 and lines[0] >= 6 and rng.random() < 0.05:  # an in-house intermediate
        count = min(lines[0] - 1, rng.randint(3, 5))
        lines[0] -= count
        components = tuple(_material(rng, f"{ident}.{i}", day, depth + 1, lines) for i in range(1, count + 1))
        extra = {"processes": ("knitting",)}
        origin = None
    return Material(id=ident, description=f"synthetic line {ident}", hs=hs, hs_version=version,
                    quantity=Decimal(rng.randint(1, 40)) / 4, unit=rng.choice(("kg", "pc", "m")),
                    value=_money(rng, 0.01, 0.6), currency="USD", origin=origin,
                    weight_kg=Decimal(rng.randint(1, 200)) / 1000, components=components, **extra)


def synthetic_product(rng: random.Random, sku: str, lines: int, day: date = date(2025, 6, 2),
                      producer: str = "MY") -> Product:
    """A product whose BOM has ``lines`` lines in all (intermediates' components included)."""
    codes = seeded_codes()["HS2022"]
    hs = rng.choice([c for c in codes if c[:2] in PRODUCT_CHAPTERS])
    left = [lines]
    bom = []
    while left[0] > 0:
        left[0] -= 1
        bom.append(_material(rng, f"m{len(bom) + 1}", day, 0, left))
    total = sum((m.value for m in bom), Decimal(0))
    ex_works = (total * Decimal(rng.choice(("1.3", "1.6", "2.2", "3.0")))).quantize(Decimal("0.01"))
    fob = (ex_works * Decimal("1.08")).quantize(Decimal("0.01"))
    return Product(sku=sku, description="synthetic product", hs=hs, hs_version="HS2022", producer=producer,
                   ex_works=ex_works, fob=fob, currency="USD",
                   processes=("cut-or-knit-to-shape-and-assembled",) if rng.random() < 0.5 else (), bom=tuple(bom))


def synthetic_products(count: int, lines: int, seed: int = 7) -> list[Product]:
    rng = random.Random(seed)
    return [synthetic_product(rng, f"SKU-{lines}-{i:06d}", lines) for i in range(count)]


def count_lines(materials: tuple[Material, ...]) -> int:
    return sum(1 + count_lines(m.components) for m in materials)


def document(product: Product, shipment: Shipment | None = None) -> dict:
    """The BOM document (``engine.bom_input``'s JSON / YAML shape) of ``product``."""
    head = product.model_dump(mode="json", exclude={"bom"})
    doc = {"product": head, "bom": [m.model_dump(mode="json", exclude_none=True) for m in product.bom]}
    if shipment is not None:
        doc["shipment"] = shipment.model_dump(mode="json", exclude_none=True)
    return doc


def write_documents(folder: Path, products: list[Product], shipment: Shipment | None = None) -> list[Path]:
    """One ``.json`` BOM file per product in ``folder``."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for p in products:
        path = folder / f"{p.sku}.json"
        path.write_text(json.dumps(document(p, shipment)), encoding="utf-8")
        paths.append(path)
    return paths


def coverage_jobs(lines: int = 20) -> list[tuple[Product, Shipment]]:
    """BOMs that between them ask every question synthetic BOMs can ask on every lane: each seeded
    code as a product (where it can be one), as a material and as an in-house intermediate. Used to
    warm a cache completely before timing (so "warm" means warm, not "mostly warm")."""
    rng = random.Random(99)
    codes = [(v, c) for v in ("HS2022", "HS2017") for c in seeded_codes()[v]]
    products = [c for c in seeded_codes()["HS2022"] if c[:2] in PRODUCT_CHAPTERS]
    out = []
    for lane in LANES:
        shipment = lane.shipment()
        for i, start in enumerate(range(0, len(codes), max(1, lines // 2))):
            chunk = codes[start:start + max(1, lines // 2)]
            base = synthetic_product(rng, f"WARM-{i:05d}", 2, day=lane.day)
            bom = []
            for j, (version, code) in enumerate(chunk):
                leaf = Material(id=f"c{j}", hs=code, hs_version=version, quantity=Decimal(1), unit="pc",
                                value=Decimal("0.10"), currency="USD", origin="CN")
                bom.append(leaf)
                bom.append(Material(id=f"i{j}", hs=code, hs_version=version, quantity=Decimal(1), unit="pc",
                                    value=Decimal("0.20"), currency="USD", processes=("knitting",),
                                    components=(leaf.model_copy(update={"id": f"i{j}.1"}),)))
            out.append((base.model_copy(update={"hs": products[i % len(products)], "bom": tuple(bom)}), shipment))
        for i, hs in enumerate(products):
            out.append((synthetic_product(rng, f"WARM-P{i:04d}", 2, day=lane.day).model_copy(update={"hs": hs}),
                        shipment))
    return out
