"""Stored bills of materials: a product and its BOM tree as Product, Material, CONTAINS, CLASSIFIED_AS.

Storing is idempotent and replaces the BOM whole, in one managed transaction: the product and
every material are MERGEd on their keys with their properties written whole, and materials the new
BOM no longer has are deleted. A material's ``uid`` is the SKU and the line ids down to it
(``TS-100/fabric``, ``PSU-1/board/capacitor``), so each BOM line is its own node and a line always
hangs under the same parent. Money and quantities are stored as decimal text, so what is read
back is exactly what was written; the structured parts of a line (supplier declaration, partner
processing, fungible stock) are stored as the JSON of the engine's models.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from neo4j import ManagedTransaction
from pydantic import BaseModel, ConfigDict, create_model

from engine.models import FungibleStock, Material, Processing, Product, SupplierDeclaration
from graph import queries
from graph.errors import UnknownProduct
from graph.load import hs_uid
from graph.store import Store

SOURCE = "stored through the HTTP API (PUT /v1/products/{sku}/bom)"

ProductHeader = create_model(
    "ProductHeader",
    __config__=ConfigDict(frozen=True, extra="forbid"),
    __doc__="The product fields of a BOM document (its materials are listed beside it, under ``bom``).",
    **{name: (field.annotation, field) for name, field in Product.model_fields.items() if name != "bom"},
)


class StoredBom(BaseModel):
    """A stored BOM, in the document shape ``engine.bom_input`` reads (so it can be sent back as is)."""

    model_config = ConfigDict(frozen=True)

    product: ProductHeader  # type: ignore[valid-type]
    bom: tuple[Material, ...] = ()

    @classmethod
    def of(cls, product: Product) -> "StoredBom":
        return cls(product=ProductHeader(**{k: v for k, v in product if k != "bom"}), bom=product.bom)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _json(model: BaseModel | tuple | None) -> str | None:
    if model is None or model == ():
        return None
    if isinstance(model, tuple):
        return json.dumps([m.model_dump(mode="json") for m in model])
    return model.model_dump_json()


def _rows(sku: str, materials: tuple[Material, ...], parent: str | None,
          prefix: str) -> Iterator[tuple[str | None, dict[str, Any]]]:
    for position, m in enumerate(materials):
        uid = f"{prefix}/{m.id}"
        yield parent, {
            "uid": uid, "hs_uid": hs_uid(m.hs_version, m.hs), "parent": parent,
            "props": {"line_id": m.id, "description": m.description, "hs": m.hs, "hs_version": m.hs_version,
                      "origin": m.origin, "wholly_obtained": m.wholly_obtained,
                      "processes": [p.text for p in m.processes] or None, "weight_kg": _text(m.weight_kg),
                      "named_as": list(m.named_as) or None,
                      "declaration": _json(m.declaration), "processes_in": _json(m.processes_in),
                      "fungible": _json(m.fungible), "source": SOURCE},
            "line": {"quantity": _text(m.quantity), "unit": m.unit, "value": _text(m.value),
                     "currency": m.currency, "position": position},
        }
        yield from _rows(sku, m.components, uid, uid)


def store_bom(store: Store, product: Product) -> None:
    """Write ``product`` and its BOM, replacing what was stored under its SKU."""
    rows = list(_rows(product.sku, product.bom, None, product.sku))
    materials = [{"uid": r["uid"], "hs_uid": r["hs_uid"], "props": r["props"]} for _, r in rows]
    top = [{"uid": r["uid"], "props": r["line"]} for parent, r in rows if parent is None]
    nested = [{"uid": r["uid"], "parent": parent, "props": r["line"]} for parent, r in rows if parent is not None]
    props = {"description": product.description, "hs": product.hs, "hs_version": product.hs_version,
             "producer": product.producer, "ex_works": _text(product.ex_works), "fob": _text(product.fob),
             "currency": product.currency, "processes": [p.text for p in product.processes] or None,
             "wholly_obtained": product.wholly_obtained, "source": SOURCE}

    def write(tx: ManagedTransaction) -> None:
        sku = product.sku
        tx.run(queries.DELETE_BOM_CLASSIFICATIONS, sku=sku).consume()
        tx.run(queries.DELETE_STALE_BOM_MATERIALS, sku=sku, keep=[m["uid"] for m in materials]).consume()
        tx.run(queries.MERGE_PRODUCT, sku=sku, props=props).consume()
        tx.run(queries.CLASSIFY_PRODUCT, sku=sku, hs_uid=hs_uid(product.hs_version, product.hs)).consume()
        if materials:
            tx.run(queries.MERGE_BOM_MATERIALS, rows=materials).consume()
        if top:
            tx.run(queries.LINK_PRODUCT_MATERIALS, sku=sku, rows=top).consume()
        if nested:
            tx.run(queries.LINK_COMPONENT_MATERIALS, rows=nested).consume()

    store.write_tx(write, answers_change=False)  # no cached answer reads products


def _material(props: dict, line: dict, components: tuple[Material, ...]) -> Material:
    declaration, processes_in, fungible = (props.get(k) for k in ("declaration", "processes_in", "fungible"))
    return Material(
        id=props["line_id"], description=props.get("description") or "", hs=props["hs"], hs_version=props["hs_version"],
        quantity=Decimal(line["quantity"]), unit=line["unit"], value=Decimal(line["value"]),
        currency=line["currency"], origin=props.get("origin"),
        declaration=SupplierDeclaration.model_validate_json(declaration) if declaration else None,
        wholly_obtained=bool(props.get("wholly_obtained")),
        processes_in=tuple(Processing.model_validate(p) for p in json.loads(processes_in)) if processes_in else (),
        fungible=FungibleStock.model_validate_json(fungible) if fungible else None,
        components=components, processes=tuple(props.get("processes") or ()),
        weight_kg=Decimal(props["weight_kg"]) if props.get("weight_kg") is not None else None,
        named_as=tuple(props.get("named_as") or ()))


def read_product(store: Store, sku: str, field: str = "sku") -> Product:
    """The stored product with its BOM tree, in the order it was written."""
    rows = store.read(queries.PRODUCT_BY_SKU, sku=sku)
    if not rows:
        raise UnknownProduct(f"no product with SKU {sku!r} is stored: store its BOM first with "
                             f"PUT /v1/products/{sku}/bom", field)
    p = rows[0]["product"]
    lines = store.read(queries.BOM_LINES_OF_PRODUCT, sku=sku)
    children: dict[str | None, list[dict]] = {}
    for line in lines:
        children.setdefault(line["parent"], []).append(line)

    def build(parent: str | None) -> tuple[Material, ...]:
        ordered = sorted(children.get(parent, []), key=lambda r: r["line"]["position"])
        return tuple(_material(r["material"], r["line"], build(r["material"]["uid"])) for r in ordered)

    return Product(sku=p["sku"], description=p.get("description") or "", hs=p["hs"], hs_version=p["hs_version"],
                   producer=p["producer"], ex_works=Decimal(p["ex_works"]), fob=Decimal(p["fob"]),
                   currency=p["currency"], processes=tuple(p.get("processes") or ()),
                   wholly_obtained=bool(p.get("wholly_obtained")), bom=build(None))


def delete_product(store: Store, sku: str, field: str = "sku") -> None:
    """Delete the stored product and its BOM (its materials and their links)."""
    read_product(store, sku, field)

    def write(tx: ManagedTransaction) -> None:
        tx.run(queries.DELETE_STALE_BOM_MATERIALS, sku=sku, keep=[]).consume()
        tx.run(queries.DELETE_PRODUCT, sku=sku).consume()

    store.write_tx(write, answers_change=False)  # no cached answer reads products
