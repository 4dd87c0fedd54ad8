"""Cypher: listings and lookups behind the HTTP API (instruments, their parties, stored products)."""

COUNT_INSTRUMENTS = """
MATCH (i:Instrument)-[:INSTRUMENT_OF]->(a:Agreement)
WHERE $agreement IS NULL OR a.code = $agreement
RETURN count(i) AS total
"""

INSTRUMENTS_PAGE = """
MATCH (i:Instrument)-[:INSTRUMENT_OF]->(a:Agreement)
WHERE $agreement IS NULL OR a.code = $agreement
WITH i, a
ORDER BY i.code
SKIP $offset
LIMIT $limit
OPTIONAL MATCH (i)-[:AMENDS]->(base:Instrument)
OPTIONAL MATCH (:Country|Bloc)-[r:PARTY_TO]->(i)
RETURN i.code AS code, a.code AS agreement, i.kind AS kind, i.title AS title, i.status AS status,
       i.entry_into_force AS entry_into_force, i.source AS source, base.code AS amends,
       collect(r.status) AS party_statuses
ORDER BY code
"""

AGREEMENT_EXISTS = """
MATCH (a:Agreement {code: $code})
RETURN a.code AS code
"""

AGREEMENT_CODES = """
MATCH (a:Agreement)
RETURN a.code AS code
ORDER BY code
"""

INSTRUMENT_BY_CODE = """
MATCH (i:Instrument {code: $code})-[:INSTRUMENT_OF]->(a:Agreement)
OPTIONAL MATCH (i)-[:AMENDS]->(base:Instrument)
OPTIONAL MATCH (:Country|Bloc)-[r:PARTY_TO]->(i)
RETURN i.code AS code, a.code AS agreement, i.kind AS kind, i.title AS title, i.status AS status,
       i.entry_into_force AS entry_into_force, i.source AS source, base.code AS amends,
       collect(r.status) AS party_statuses
"""

PARTY_EXISTS = """
MATCH (p:Country|Bloc {code: $code})
RETURN p.code AS code
"""

COUNT_PARTIES_OF_INSTRUMENT = """
MATCH (:Country|Bloc)-[:PARTY_TO]->(i:Instrument {code: $instrument})
RETURN count(i) AS total
"""

PARTIES_OF_INSTRUMENT_PAGE = """
MATCH (p:Country|Bloc)-[r:PARTY_TO]->(:Instrument {code: $instrument})
WHERE $party IS NULL OR p.code = $party
RETURN p.code AS party, p.name AS name, 'Bloc' IN labels(p) AS bloc, properties(r) AS party_to
ORDER BY party
SKIP $offset
LIMIT $limit
"""

PRODUCT_BY_SKU = """
MATCH (p:Product {sku: $sku})
RETURN properties(p) AS product
"""

BOM_LINES_OF_PRODUCT = """
MATCH (:Product {sku: $sku})-[:CONTAINS*1..]->(m:Material)
MATCH (parent)-[c:CONTAINS]->(m)
RETURN parent.uid AS parent, properties(m) AS material, properties(c) AS line
ORDER BY c.position
"""
