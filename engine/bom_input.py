"""Read a bill of materials from text (the caller reads the file), rejecting bad input with
the file, line and field named, because a planner fixes BOM exports by line number.

Formats, chosen by the file name's suffix:

``.yaml`` / ``.yml`` / ``.json`` — one document::

    product:  {sku, description, hs, hs_version, producer, ex_works, fob, currency,
               processes: [..], wholly_obtained}
    bom:      [material, ...]     # nested: a material may have components: [material, ...]
    shipment: {exporter, importer, date, legs: [{country, operations, customs_control,
               documents}], invoice_value, currency,          # optional
               proof: {type, issued},                         # a proof already held: accepted?
               goods_from_stock: {method, quantity, receipts: [..]}}  # goods from mixed stock

  where a material has the fields of :class:`engine.models.Material` (id, hs, hs_version,
  quantity, unit, value, currency, origin, declaration: {instrument, country, originating,
  valid_from, valid_until, reference}, wholly_obtained, processes_in, fungible, components,
  processes, weight_kg, named_as). ``processes`` (product and materials) lists processes of
  the vocabulary ``engine.processes``: a plain name was done by whoever made the item (the
  producer, for the product and in-house intermediates; the country of origin, for a bought
  material), ``{process: dyeing, country: VN}`` (or ``dyeing@VN``) where it was done; an
  unknown name is an error. ``named_as: ["ingots of heading 7218"]`` are the prose names a
  rule's ``"term"`` items match. JSON is read by the same YAML loader, so both report lines. Every
  scalar is read as text and converted by the models, never guessed by YAML: HS code
  ``010121`` stays a code (not octal), ``NO`` stays Norway (not false).

``.csv`` — a flat ERP BOM, one row per parent/component link, header on line 1. Columns
  (any order; unknown columns are rejected):

  - required: ``parent, component, hs, hs_version, quantity, unit, value, currency``
  - optional: ``description, origin, declaration_instrument, declaration_country``
    (default: ``origin``), ``declaration_originating`` (default true),
    ``declaration_valid_from, declaration_valid_until, declaration_reference, weight_kg,
    wholly_obtained, processes`` (``;``-separated, each ``name`` or ``name@CC``), ``named_as``
    (``;``-separated), ``fob``

  The product is the one row with an empty ``parent``: ``component`` is its SKU, ``value``
  its ex-works price, ``fob`` its FOB value, ``origin`` the producer country. Every other
  row is a material used in ``parent`` (the product or another component: an in-house
  intermediate); ``value`` is for the quantity used in one unit of the parent. A component
  used by several parents shares its own sub-BOM. The CSV carries no shipment: the caller
  supplies it (CLI flags).

Rejected: a cycle (the path is named), a negative or missing value or quantity, an HS code
the graph does not know (``known_codes``), a malformed date, an unknown column or field.
When a document has several problems, the first by line is reported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Set

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from engine.documents import Located, load_document, locate, numbered
from engine.models import Product, Shipment

__all__ = ["BomDocument", "BomError", "KnownCodes", "parse_bom"]

KnownCodes = Callable[[str, str], bool] | Set[tuple[str, str]]
"""Is (hs_version, code) a known HS code? A predicate or a set of pairs."""

_SIX_DIGITS = re.compile(r"\d{6}")


class BomError(ValueError):
    """A rejected BOM document; ``str()`` is ``file:line: field: message``."""

    def __init__(self, file: str, line: int, field: str | None, message: str):
        self.file, self.line, self.field, self.message = file, line, field, message
        where = f"{file}:{line}: "
        super().__init__(f"{where}{field}: {message}" if field else f"{where}{message}")


class BomDocument(BaseModel):
    """A parsed document: the product with its BOM, and the shipment when the file has one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    product: Product
    shipment: Shipment | None = None


def parse_bom(text: str, filename: str, known_codes: KnownCodes) -> BomDocument:
    """Parse ``text`` (the content of ``filename``) into a :class:`BomDocument`."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix == "csv":
        root = _csv_root(text, filename)
    elif suffix in ("yaml", "yml", "json"):
        root = _yaml_root(text, filename)
    else:
        raise BomError(filename, 1, None, "unknown format: expected .csv, .json, .yaml or .yml")
    return _build(root, filename, known_codes)


def _build(root: Located, filename: str, known_codes: KnownCodes) -> BomDocument:
    product = root["product"]
    _check_cycles(product.get("bom", []), (product.get("sku"),), filename)
    errors = _unknown_codes(product, filename, known_codes)
    try:
        document = BomDocument.model_validate(root)
    except ValidationError as exc:
        errors += [_located(root, err, filename) for err in exc.errors()]
    if errors:
        raise min(errors, key=lambda e: e.line)
    return document


def _check_cycles(materials: list, path: tuple, filename: str) -> None:
    for m in materials:
        if not isinstance(m, Located):
            continue
        mid = m.get("id")
        if mid in path:
            cycle = " -> ".join(map(str, path[path.index(mid):] + (mid,)))
            raise BomError(filename, m.at("id"), m.names.get("id", "id"), f"cycle: {cycle}")
        _check_cycles(_list(m.get("components")), path + (mid,), filename)


def _list(value: object) -> list:
    """A list field's items; anything else (``"components": "AAA"``) is left to the model to reject."""
    return value if isinstance(value, list) else []


def _is_known(known_codes: KnownCodes, version: str, code: str) -> bool:
    return known_codes(version, code) if callable(known_codes) else (version,
                                                                     code) in known_codes


def _unknown_codes(node: Located, filename: str, known_codes: KnownCodes) -> list[BomError]:
    """Errors for every well-formed HS code (product and materials) the graph does not know
    (malformed codes are left to the model's own check)."""
    errors = []
    code, version = node.get("hs"), node.get("hs_version")
    if isinstance(code, str) and _SIX_DIGITS.fullmatch(code) and isinstance(version, str) \
            and not _is_known(known_codes, version, code):
        errors.append(BomError(filename, node.at("hs"), node.names.get("hs", "hs"),
                               f"unknown HS code {code} in {version}"))
    for child in _list(node.get("bom")) + _list(node.get("components")):
        if isinstance(child, Located):
            errors += _unknown_codes(child, filename, known_codes)
    return errors


def _located(root: Located, err: dict, filename: str) -> BomError:
    """Turn a pydantic error into a BomError at the line of the offending key."""
    line, field = locate(root, tuple(err["loc"]))
    messages = {"missing": "required", "extra_forbidden": "unknown field"}
    message = messages.get(err["type"], err["msg"].removeprefix("Value error, "))
    return BomError(filename, line or root.line, field, message)


# --------------------------------------------------------------------------- YAML / JSON


def _yaml_root(text: str, filename: str) -> Located:
    try:
        doc = load_document(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise BomError(filename, mark.line + 1 if mark else 1, None,
                       f"not valid YAML/JSON: {exc.problem or exc.context}") from None
    if not isinstance(doc, Located):
        raise BomError(filename, 1, None, "expected a mapping with product, bom, shipment")
    for key in doc:
        if key not in ("product", "bom", "shipment"):
            raise BomError(filename, doc.at(key), key, "unknown field (expected product,"
                                                       " bom, shipment)")
    product = doc.get("product")
    if not isinstance(product, Located):
        raise BomError(filename, doc.at("product"), "product", "required: a mapping")
    if "bom" in product:
        raise BomError(filename, product.at("bom"), "bom", "put bom at the top level")
    bom = doc.get("bom") or []
    if not isinstance(bom, list):
        raise BomError(filename, doc.at("bom"), "bom", "expected a list of materials")
    product_node = Located(product, bom=bom, like=product)
    product_node.borrow("bom", doc)
    root = Located(product=product_node, shipment=doc.get("shipment"), like=doc)
    return root


# --------------------------------------------------------------------------- CSV

_REQUIRED = ("parent", "component", "hs", "hs_version", "quantity", "unit", "value",
             "currency")
_OPTIONAL = ("description", "origin", "declaration_instrument", "declaration_country",
             "declaration_originating", "declaration_valid_from", "declaration_valid_until",
             "declaration_reference", "weight_kg", "wholly_obtained", "processes", "named_as",
             "fob")
# column -> model field, for materials and for the product row
_MATERIAL_FIELDS = {"component": "id", "description": "description", "hs": "hs",
                    "hs_version": "hs_version", "quantity": "quantity", "unit": "unit",
                    "value": "value", "currency": "currency", "origin": "origin",
                    "weight_kg": "weight_kg", "wholly_obtained": "wholly_obtained",
                    "processes": "processes", "named_as": "named_as"}
_PRODUCT_FIELDS = {"component": "sku", "description": "description", "hs": "hs",
                   "hs_version": "hs_version", "value": "ex_works", "fob": "fob",
                   "currency": "currency", "origin": "producer",
                   "wholly_obtained": "wholly_obtained", "processes": "processes"}
_DECLARATION_FIELDS = {"declaration_instrument": "instrument",
                       "declaration_country": "country",
                       "declaration_originating": "originating",
                       "declaration_valid_from": "valid_from",
                       "declaration_valid_until": "valid_until",
                       "declaration_reference": "reference"}
_PRODUCT_ONLY = ("fob",)
_MATERIAL_ONLY = ("weight_kg", "named_as", *_DECLARATION_FIELDS)
_LISTS = ("processes", "named_as")


def _csv_root(text: str, filename: str) -> Located:
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    for column in header:
        if column not in _REQUIRED + _OPTIONAL:
            raise BomError(filename, 1, column, "unknown column")
    for column in _REQUIRED:
        if column not in header:
            raise BomError(filename, 1, column, "missing column")
    rows: list[tuple[int, dict[str, str]]] = []
    for line, cells in numbered(reader):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            raise BomError(filename, line, None, f"{len(cells)} cells for {len(header)}"
                                                 " columns")
        rows.append((line, {h: c.strip() for h, c in zip(header, cells) if c.strip()}))
    return _csv_tree(rows, filename)


def _csv_tree(rows: list[tuple[int, dict[str, str]]], filename: str) -> Located:
    products = [(line, row) for line, row in rows if "parent" not in row]
    if not products:
        raise BomError(filename, 1, "parent", "no product row (a row with an empty parent)")
    if len(products) > 1:
        raise BomError(filename, products[1][0], "parent", "a second product row (empty"
                                                           f" parent); the first is on line"
                                                           f" {products[0][0]}")
    product = _csv_node(*products[0], _PRODUCT_FIELDS, _MATERIAL_ONLY, filename)
    children: dict[str, list[Located]] = {}
    materials = []
    for line, row in rows:
        if "parent" in row:
            node = _csv_node(line, row, _MATERIAL_FIELDS, _PRODUCT_ONLY, filename)
            children.setdefault(row["parent"], []).append(node)
            materials.append((row["parent"], node))
    known = {product.get("sku")} | {node.get("id") for _, node in materials}
    for parent, node in materials:
        if parent not in known:
            raise BomError(filename, node.line, "parent", f"{parent!r} is neither the product"
                                                          " nor a component in this BOM")
        node["components"] = children.get(node.get("id"), [])
    product["bom"] = children.get(product.get("sku"), [])
    return Located(product=product, line=product.line)


def _csv_node(line: int, row: dict[str, str], fields: dict[str, str],
              not_here: tuple[str, ...], filename: str) -> Located:
    for column in not_here:
        if column in row:
            raise BomError(filename, line, column, "not allowed on this row")
    node = Located(line=line)
    for column, field in fields.items():
        node.names[field] = column
        if column in row:
            value = row[column]
            node[field] = [p.strip() for p in value.split(";") if p.strip()] \
                if field in _LISTS else value
    declaration = {_DECLARATION_FIELDS[c]: v for c, v in row.items() if c in
                   _DECLARATION_FIELDS}
    if declaration:
        declaration.setdefault("country", row.get("origin"))
        decl = Located({k: v for k, v in declaration.items() if v is not None}, line=line)
        decl.names = {field: column for column, field in _DECLARATION_FIELDS.items()}
        node["declaration"] = decl
    return node
