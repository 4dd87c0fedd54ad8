"""The graph model, as neomodel classes: the single definition of labels, keys and relationships.

Loaders write with batched Cypher (``graph.queries``) for speed, but the labels, key properties
and relationship types they use are the ones declared here, and the constraints and indexes are
derived from these declarations by ``schema_statements()``. Dates are stored as ISO strings
(``YYYY-MM-DD``), as neomodel's ``DateProperty`` stores them; such strings compare in date order, so
queries compare them directly. Ranges are inclusive (``from`` is the first day a fact holds,
``until`` the last).

neomodel reserves ``source`` as a Python attribute on relationships, so provenance is declared as
``provenance`` and stored under the property name ``source``, the same name nodes use.
"""

from __future__ import annotations

import re

from neo4j.exceptions import Neo4jError
from neomodel import (
    ArrayProperty,
    BooleanProperty,
    DateProperty,
    IntegerProperty,
    RelationshipTo,
    StringProperty,
    StructuredNode,
    StructuredRel,
)

from graph import queries
from graph.store import Store, bind_neomodel


class Sourced(StructuredRel):
    provenance = StringProperty(db_property="source")
    note = StringProperty()
    confidence = StringProperty()


class MemberOf(Sourced):
    """A country's membership of a bloc over an inclusive date range (``until`` null: ongoing)."""

    valid_from = DateProperty(db_property="from")
    valid_until = DateProperty(db_property="until")


class PartyTo(Sourced):
    """A party's status under one instrument: the dated facts applicability is computed from."""

    side = StringProperty()
    signed = DateProperty()
    ratified = DateProperty()
    in_force_from = DateProperty()
    in_force_until = DateProperty()
    status = StringProperty()


class Reserves(Sourced):
    """A party's exclusion (``excluded``) or delayed application (``delayed`` until a date) of a provision."""

    kind = StringProperty()
    until = DateProperty()


class PsrSchedule(Sourced):
    """The HS edition an instrument's PSR schedule is written in, over a date range."""

    valid_from = DateProperty(db_property="from")
    valid_until = DateProperty(db_property="until")
    transition_until = DateProperty()


class CorrelatesTo(Sourced):
    """A link from a code to a code of the next HS edition; ``kind`` is its group's shape."""

    kind = StringProperty()
    partial = BooleanProperty()


class Contains(StructuredRel):
    """A bill-of-materials line: how much of a material goes into its parent.

    Quantities and money are decimal text (``"3.20"``), read back exactly as written; ``position``
    keeps the order of the lines.
    """

    quantity = StringProperty()
    unit = StringProperty()
    value = StringProperty()
    currency = StringProperty()
    position = IntegerProperty()


class Agreement(StructuredNode):
    code = StringProperty(unique_index=True, required=True)
    name = StringProperty()
    source = StringProperty()


class HSVersion(StructuredNode):
    code = StringProperty(unique_index=True, required=True)
    in_force_from = DateProperty()
    source = StringProperty()
    follows = RelationshipTo("HSVersion", "FOLLOWS")


class HSCode(StructuredNode):
    """An HS code in one edition; ``uid`` is ``VERSION:CODE`` (``HS2022:854140``)."""

    uid = StringProperty(unique_index=True, required=True)
    code = StringProperty(index=True, required=True)
    version = StringProperty(index=True, required=True)
    level = IntegerProperty()
    description = StringProperty()
    source = StringProperty()
    child_of = RelationshipTo("HSCode", "CHILD_OF")
    correlates_to = RelationshipTo("HSCode", "CORRELATES_TO", model=CorrelatesTo)


class Instrument(StructuredNode):
    """The base text of an agreement or one amending protocol: what a pair of parties applies.

    ``origin_terms`` holds the rules around the criteria (tolerance, fungible stock, consignment,
    proofs) as the JSON of ``seeds.schema.OriginTerms``: read whole, never queried inside.
    """

    code = StringProperty(unique_index=True, required=True)
    agreement = StringProperty(index=True)
    kind = StringProperty()
    title = StringProperty()
    signed = DateProperty()
    entry_into_force = StringProperty()
    pairing = StringProperty()
    general_rule = StringProperty()
    general_criteria = StringProperty()
    status = StringProperty()
    expected = StringProperty()
    origin_terms = StringProperty()
    source = StringProperty()
    note = StringProperty()
    instrument_of = RelationshipTo(Agreement, "INSTRUMENT_OF")
    amends = RelationshipTo("Instrument", "AMENDS")
    psr_schedule = RelationshipTo(HSVersion, "PSR_SCHEDULE", model=PsrSchedule)
    has_provision = RelationshipTo("Provision", "HAS_PROVISION")
    has_psr = RelationshipTo("Psr", "HAS_PSR")


class Provision(StructuredNode):
    """A provision of an instrument whose application can differ per party (e.g. full cumulation)."""

    uid = StringProperty(unique_index=True, required=True)
    key = StringProperty(index=True)
    instrument = StringProperty()
    article = StringProperty()
    title = StringProperty()
    extends_to = ArrayProperty(StringProperty())
    accepts_declarations_under = ArrayProperty(StringProperty())
    source = StringProperty()


class Bloc(StructuredNode):
    code = StringProperty(unique_index=True, required=True)
    name = StringProperty()
    source = StringProperty()
    party_to = RelationshipTo(Instrument, "PARTY_TO", model=PartyTo)
    reserves = RelationshipTo(Provision, "RESERVES", model=Reserves)


class Country(StructuredNode):
    code = StringProperty(unique_index=True, required=True)
    name = StringProperty()
    source = StringProperty()
    member_of = RelationshipTo(Bloc, "MEMBER_OF", model=MemberOf)
    party_to = RelationshipTo(Instrument, "PARTY_TO", model=PartyTo)
    reserves = RelationshipTo(Provision, "RESERVES", model=Reserves)


class Psr(StructuredNode):
    """A product-specific rule: rule text plus its parsed criteria tree (JSON), dated."""

    uid = StringProperty(unique_index=True, required=True)
    instrument = StringProperty(index=True)
    hs_version = StringProperty()
    scope = StringProperty()
    ex = BooleanProperty()
    rule = StringProperty()
    criteria = StringProperty()
    valid_from = DateProperty()
    valid_until = DateProperty()
    source = StringProperty()
    note = StringProperty()
    applies_to = RelationshipTo(HSCode, "APPLIES_TO")


class Material(StructuredNode):
    """A material or in-house intermediate of a bill of materials.

    ``uid`` is the SKU and the line ids down to it (``SKU/line-id``, ``SKU/intermediate/line-id``).
    ``declaration``, ``processes_in`` and ``fungible`` hold the JSON of the engine's models: read
    whole, never queried inside; ``weight_kg`` is decimal text.
    """

    uid = StringProperty(unique_index=True, required=True)
    line_id = StringProperty()
    description = StringProperty()
    hs = StringProperty()
    hs_version = StringProperty()
    origin = StringProperty()
    wholly_obtained = BooleanProperty()
    processes = ArrayProperty(StringProperty())
    weight_kg = StringProperty()
    declaration = StringProperty()
    processes_in = StringProperty()
    fungible = StringProperty()
    source = StringProperty()
    contains = RelationshipTo("Material", "CONTAINS", model=Contains)
    classified_as = RelationshipTo(HSCode, "CLASSIFIED_AS")


class Product(StructuredNode):
    sku = StringProperty(unique_index=True, required=True)
    description = StringProperty()
    hs = StringProperty()
    hs_version = StringProperty()
    producer = StringProperty()
    ex_works = StringProperty()  # decimal text, exact
    fob = StringProperty()  # decimal text, exact
    currency = StringProperty()
    processes = ArrayProperty(StringProperty())
    wholly_obtained = BooleanProperty()
    source = StringProperty()
    contains = RelationshipTo(Material, "CONTAINS", model=Contains)
    classified_as = RelationshipTo(HSCode, "CLASSIFIED_AS")


class TariffMeasure(StructuredNode):
    """A dated tariff fact of one importer for a scope of goods (``seeds/data/tariffs/``).

    ``kind``: ``mfn``, ``preferential`` (under an instrument), ``overlay`` (stacked on the base by
    ``stacking``: ``additive``, ``top_up_to`` ``all_in``, ``replaces_base``) or ``exemption`` (switches
    the overlay ``programme``s in ``exempts`` off for its scope). ``scope`` is an HS chapter, heading,
    subheading or national line, matched by prefix. Rates are decimal text (exact); ``staging`` is
    the JSON list of ``{valid_from, rate}``. ``origins`` ``['*']`` means every origin not in
    ``origins_except``. The engine (``engine.duty``) decides validity, specificity and stacking.
    """

    uid = StringProperty(unique_index=True, required=True)
    kind = StringProperty(index=True)
    programme = StringProperty(index=True)
    importer = StringProperty(index=True)
    scope = StringProperty(index=True)
    hs_version = StringProperty()
    partial = BooleanProperty()
    title = StringProperty()
    origins = ArrayProperty(StringProperty())
    origins_except = ArrayProperty(StringProperty())
    instrument = StringProperty()
    rate = StringProperty()
    staging = StringProperty()
    stacking = StringProperty()
    all_in = StringProperty()
    suspended_rate = StringProperty()
    suspended_from = DateProperty()
    suspended_until = DateProperty()
    suspended_source = StringProperty()
    exempt_if_originating = ArrayProperty(StringProperty())
    not_with = ArrayProperty(StringProperty())
    exempts = ArrayProperty(StringProperty())
    valid_from = DateProperty()
    valid_until = DateProperty()
    source = StringProperty()
    note = StringProperty()
    confidence = StringProperty()
    imposed_by = RelationshipTo(Country, "IMPOSED_BY")
    on_goods_of = RelationshipTo(Country, "ON_GOODS_OF")
    not_on_goods_of = RelationshipTo(Country, "NOT_ON_GOODS_OF")
    under = RelationshipTo(Instrument, "UNDER")
    covers = RelationshipTo(HSCode, "COVERS")


class VerdictRecord(StructuredNode):
    """One recorded verdict of the append-only hash chain ``chain`` (``graph.records``): ``content`` is the
    canonical JSON that was hashed (``engine.records``), ``hash`` its SHA-256; ``uid`` is ``CHAIN:SEQ``. The
    other properties repeat fields of ``content`` for queries, and ``records verify`` checks they still do."""

    uid = StringProperty(unique_index=True, required=True)
    chain = StringProperty(index=True)
    seq = IntegerProperty()
    hash = StringProperty()
    previous_hash = StringProperty()
    content = StringProperty()
    recorded_at = StringProperty()
    sku = StringProperty()
    exporter = StringProperty()
    importer = StringProperty()
    shipment_date = DateProperty()
    agreement = StringProperty()
    instrument = StringProperty()
    originating = BooleanProperty()
    rule_data_hash = StringProperty()
    keep_until = DateProperty(index=True)
    recorded_after = RelationshipTo("VerdictRecord", "RECORDED_AFTER")


class RecordChain(StructuredNode):
    """The head of a record chain: how many records it has had and the hash of the last one. Appends take
    it first, in their transaction, so the chain never forks."""

    key = StringProperty(unique_index=True, required=True)
    length = IntegerProperty()
    head = StringProperty()


class GraphRevision(StructuredNode):
    """The one counter (``key`` 'graph') every managed write bumps in its own transaction
    (``Store.write_tx``); caches of graph answers are keyed by ``(epoch, revision)`` (``graph.cache``).

    Deliberately not in ``NODE_CLASSES`` (no constraint): on the embedded ArcadeDB, a unique
    constraint on this label made a later import's relationship deletes fail (``EntityNotFound``).
    ``graph.cache.read_revision`` copes with the duplicate a racing first write could create.
    """

    key = StringProperty(required=True)
    epoch = StringProperty()
    revision = IntegerProperty()


NODE_CLASSES: tuple[type[StructuredNode], ...] = (
    Agreement, HSVersion, HSCode, Instrument, Provision, Bloc, Country, Psr, Material, Product,
    TariffMeasure, VerdictRecord, RecordChain,
)


def schema_statements() -> list[str]:
    """Idempotent DDL for every unique / indexed property declared above (runs on both stores)."""
    statements = []
    for cls in NODE_CLASSES:
        label = cls.__label__
        for name, prop in cls.defined_properties(aliases=False, rels=False).items():
            stored = prop.get_db_property_name(name)
            if prop.unique_index:
                statements.append(
                    f"CREATE CONSTRAINT {label.lower()}_{stored}_unique IF NOT EXISTS "
                    f"FOR (n:{label}) REQUIRE n.{stored} IS UNIQUE"
                )
            elif prop.index:
                statements.append(
                    f"CREATE INDEX {label.lower()}_{stored} IF NOT EXISTS FOR (n:{label}) ON (n.{stored})"
                )
    return statements


_SCHEMA_TARGET = re.compile(r"FOR \(n:(\w+)\) (REQUIRE|ON) \(?n\.(\w+)")


def install_schema(store: Store) -> None:
    """Create the constraints and indexes that are missing; DDL runs one statement per transaction,
    as Neo4j requires.

    What exists is read first (one ``SHOW INDEXES``, both stores answer it): a graph that has them all
    costs one round trip instead of one transaction per statement. A unique key counts as present only
    with its constraint; anything not recognised is created (``IF NOT EXISTS`` keeps that harmless)."""
    try:
        present = {(tuple(r["labelsOrTypes"] or ()), tuple(r["properties"] or ()), r["owningConstraint"] is not None)
                   for r in store.read(queries.SCHEMA_INDEXES)}
    except Neo4jError:
        present = set()
    for statement in schema_statements():
        target = _SCHEMA_TARGET.search(statement)
        if target:
            label, kind, prop = target.groups()
            unique = kind == "REQUIRE"
            if ((label,), (prop,), True) in present or (not unique and ((label,), (prop,), False) in present):
                continue
        store.schema_tx(lambda tx, s=statement: tx.run(s).consume())


bind_neomodel()  # a store opened before these classes loaded: neomodel runs on its driver too
