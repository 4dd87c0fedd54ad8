"""Inputs of the evaluation core: what the BOM, the shipment and the graph layer supply.

Every model is frozen and forbids unknown fields, so an :class:`Evaluation` is a value: the
same bundle always gives the same verdict. Money, quantities and percentages are ``Decimal``
(exact arithmetic: 600 + 400 kg at the average method must give exactly 480 / 320 kg).

Country fields are ISO 3166-1 alpha-2 codes. Blocs (EU, EFTA, ...) are expanded to their
member countries by the graph layer before they reach the engine.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from difflib import get_close_matches
from typing import Annotated, Any, Literal

from pydantic import (BaseModel, ConfigDict, Field, StringConstraints, field_validator,
                      model_serializer, model_validator)

from engine.criteria import Criterion, normalise_term
from engine.dated import Dated
from engine.processes import PROCESSES
from engine.terms import OriginTerms
from engine.terms.consignment import ConsignmentTerms
from engine.terms.cumulation import Cumulation
from engine.terms.fungible import FungibleTerms
from engine.terms.proof import ExistingProof, FobRule, ProofOption
from engine.terms.tolerance import Tolerance

__all__ = [
    "CodeMapping",
    "ConsignmentTerms",
    "Cumulation",
    "Evaluation",
    "FobRule",
    "FungibleStock",
    "FungibleTerms",
    "GoodsFromStock",
    "Instrument",
    "Leg",
    "Material",
    "MissingShipment",
    "OriginTerms",
    "ProcessStep",
    "Processing",
    "Product",
    "ProofOption",
    "Psr",
    "Receipt",
    "Shipment",
    "SupplierDeclaration",
    "Tolerance",
    "TraceFact",
    "override_shipment",
]

HsCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
NonNegative = Annotated[Decimal, Field(ge=0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- BOM


class SupplierDeclaration(_Frozen, Dated):
    """A supplier's statement that a material originates under ``instrument`` in ``country``.

    Only a declaration valid on the shipment date counts; ``valid_until`` is inclusive.
    """

    instrument: str
    country: Country
    originating: bool = True
    valid_from: date
    valid_until: date
    reference: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> SupplierDeclaration:
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self


class Receipt(_Frozen):
    """One delivery into a fungible stock."""

    date: date
    quantity: Decimal = Field(gt=0)
    originating: bool


class FungibleStock(_Frozen):
    """Mixed originating / non-originating stock the material was drawn from.

    ``issued_before`` is what earlier production already consumed from the same stock in
    this accounting period (the method is fixed for the whole fiscal year).
    """

    method: Literal["fifo", "lifo", "average"]
    receipts: tuple[Receipt, ...] = Field(min_length=1)
    issued_before: Decimal = Field(default=Decimal(0), ge=0)


class GoodsFromStock(FungibleStock):
    """The exported goods themselves taken, as they are, from a mixed stock of originating and
    non-originating finished goods: ``quantity`` of them in this shipment."""

    quantity: Decimal = Field(gt=0)


def _process_name(name: str) -> str:
    """A process of the controlled vocabulary (case-insensitive): a typo is an input error, or
    it would silently fail every ``SP`` rule."""
    key = name.strip().lower()
    if key not in PROCESSES:
        close = get_close_matches(key, PROCESSES, n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise ValueError(f"unknown process {name!r}: not in the vocabulary of engine.processes"
                         f"{hint}")
    return key


class ProcessStep(_Frozen):
    """A specific process carried out, and where: ``country`` None means by whoever made the
    item (the producer for the product and for in-house intermediates, the country of origin for
    a bought material). Written as a plain name, ``name@CC``, or ``{process, country}``."""

    process: str
    country: Country | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: object) -> object:
        if isinstance(value, str):
            name, _, country = value.partition("@")
            return {"process": name, "country": country.strip() or None} if country else \
                {"process": name}
        return value

    @field_validator("process")
    @classmethod
    def _known(cls, v: str) -> str:
        return _process_name(v)

    @model_serializer(mode="wrap")
    def _plain(self, handler: Any) -> object:
        """A process done by the maker is written back as its plain name, as it was read."""
        return self.process if self.country is None else handler(self)

    @property
    def text(self) -> str:
        """``name`` or ``name@CC``: one string, for array-valued stores and CSV cells."""
        return self.process if self.country is None else f"{self.process}@{self.country}"


class Processing(_Frozen):
    """Work done on a material in a partner country before it arrived (full cumulation)."""

    country: Country
    value_added: NonNegative
    processes: tuple[str, ...] = ()

    @field_validator("processes")
    @classmethod
    def _known(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_process_name(p) for p in v)


class Material(_Frozen):
    """One BOM line. ``value`` is the value of the quantity used for one unit of the parent,
    in the product's currency (the engine has no exchange rates).

    With ``components`` the material is an intermediate made in-house: its origin is decided
    first under its own PSR, and ``processes`` are the specific processes used to make it.
    ``named_as`` are the prose names the material answers to in rules (``"ingots of heading
    7218"``): a ``"term"`` item matches them, case and spacing ignored.
    """

    id: str = Field(min_length=1)
    description: str = ""
    hs: HsCode
    hs_version: str
    quantity: NonNegative
    unit: str
    value: NonNegative
    currency: str
    origin: Country | None = None
    declaration: SupplierDeclaration | None = None
    wholly_obtained: bool = False
    processes_in: tuple[Processing, ...] = ()
    fungible: FungibleStock | None = None
    components: tuple[Material, ...] = ()
    processes: tuple[ProcessStep, ...] = ()
    weight_kg: NonNegative | None = None
    named_as: tuple[str, ...] = ()

    @field_validator("named_as")
    @classmethod
    def _terms(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(normalise_term(t) for t in v)


def every_material(materials: tuple[Material, ...]) -> list[Material]:
    """Every line of a BOM tree, an intermediate before its components (pre-order); a loop, not nested
    generators: most lines have no components, and a batch walks every BOM several times."""
    out: list[Material] = []
    stack = list(reversed(materials))
    while stack:
        m = stack.pop()
        out.append(m)
        if m.components:
            stack.extend(reversed(m.components))
    return out


class Product(_Frozen):
    """The good being exported, produced in ``producer`` from ``bom``."""

    sku: str = Field(min_length=1)
    description: str = ""
    hs: HsCode
    hs_version: str
    producer: Country
    ex_works: Decimal = Field(gt=0)
    fob: Decimal = Field(gt=0)
    currency: str
    processes: tuple[ProcessStep, ...] = ()
    wholly_obtained: bool = False
    bom: tuple[Material, ...] = ()

    @model_validator(mode="after")
    def _one_currency(self) -> Product:
        """Values are compared and summed, so they must share one currency: convert first."""
        for m in every_material(self.bom):
            if m.currency != self.currency:
                raise ValueError(f"material {m.id} is valued in {m.currency}, the product in"
                                 f" {self.currency}: convert before evaluating")
        return self


# --------------------------------------------------------------------------- shipment


class Leg(_Frozen):
    """One country the goods pass through (or are transhipped in) on the way."""

    country: Country
    operations: tuple[str, ...] = ()
    customs_control: bool = False
    documents: tuple[str, ...] = ()


class Shipment(_Frozen):
    """``exporter`` and ``importer`` are countries; ``date`` decides every dated fact."""

    exporter: Country
    importer: Country
    date: date
    legs: tuple[Leg, ...] = ()
    invoice_value: NonNegative | None = None
    currency: str | None = None
    proof: ExistingProof | None = None
    goods_from_stock: GoodsFromStock | None = None


class MissingShipment(ValueError):
    """A document without a shipment, and not all of exporter, importer and date given over it."""

    def __init__(self, missing: tuple[str, ...]):
        super().__init__(f"no shipment: give {', '.join(missing)}")
        self.missing = missing


def override_shipment(shipment: Shipment | None, exporter: str | None = None, importer: str | None = None,
                      day: date | None = None) -> Shipment:
    """The document's shipment with the caller's exporter / importer / date (those given) put over it,
    as the CLI's flags and the API's query both do; a document without a shipment needs all three
    (:class:`MissingShipment` names the ones not given, all three when none is)."""
    flags = {k: v for k, v in (("exporter", exporter), ("importer", importer), ("date", day)) if v}
    if shipment is None:
        missing = tuple(k for k in ("exporter", "importer", "date") if k not in flags)
        if missing:
            raise MissingShipment(missing)
        return Shipment(**flags)
    return Shipment(**{**shipment.model_dump(), **flags}) if flags else shipment


# --------------------------------------------------------------------------- instrument


class Instrument(_Frozen):
    """An agreement text (base agreement or protocol) as it applies to this pair and date, with its
    origin terms whole (:class:`engine.terms.OriginTerms`; defaults when the seeds record none)."""

    code: str
    agreement: str
    title: str = ""
    parties: tuple[str, ...]
    general_rule: Criterion | None = None
    terms: OriginTerms = OriginTerms()


class Psr(_Frozen):
    """The product-specific rule the graph selected for an HS code; ``criterion`` None means the
    rule is kept as text only (not machine-evaluable, e.g. an imported rule whose wording has no
    unambiguous structured form), so origin under it is for a person to judge. ``text`` is the annex
    wording the rule was compiled from (when the source gave one) and ``notes`` what the compiler
    recorded beside it (an introductory note it did not evaluate, a default RVC method)."""

    uid: str
    instrument: str
    hs_version: str
    scope: str
    rule: str
    criterion: Criterion | None = None
    source: str = ""
    text: str | None = None
    notes: tuple[str, ...] = ()


class CodeMapping(_Frozen):
    """Where ``code`` of ``from_version`` lands in ``to_version`` (correlation lineage)."""

    code: str
    from_version: str
    to_version: str
    targets: tuple[str, ...] = Field(min_length=1)
    ambiguous: bool = False
    path: tuple[str, ...] = ()


class TraceFact(_Frozen):
    """A graph fact the verdict relied on; ``key`` identifies the node or edge in the graph."""

    kind: str
    key: dict[str, str]
    summary: str = ""

    def __hash__(self) -> int:
        """Hashable despite the ``key`` dict, so facts dedupe in a set: equal facts have equal kinds and
        summaries, and hashing those two strings costs far less than a frozen copy of the key."""
        return hash((self.kind, self.summary))


class Evaluation(_Frozen):
    """Everything needed to judge one product under one instrument."""

    product: Product
    shipment: Shipment
    instrument: Instrument
    psr: Psr | None = None
    psrs_for_components: dict[str, Psr] = {}
    cumulation: tuple[Cumulation, ...] = ()
    mappings: tuple[CodeMapping, ...] = ()
    facts: tuple[TraceFact, ...] = ()
