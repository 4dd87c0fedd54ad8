"""Cypher: importers of public formats (``graph.imports``). Batched UNWIND + MERGE; the seed
loader's statements (``load``) are reused where an import writes the same fact the same way.
PSRs of an imported instrument are replaced whole in the import's transaction (deleted, then
created with their APPLIES_TO links), so CREATE is safe there and a re-import leaves no stale rule."""

IMPORT_HS_VERSIONS = """
UNWIND $rows AS row
MERGE (v:HSVersion {code: row.code})
ON CREATE SET v += row.props
"""

IMPORT_HS_CODES_IF_MISSING = """
UNWIND $rows AS row
MERGE (h:HSCode {uid: row.uid})
ON CREATE SET h += row.props
"""

IMPORT_CODES_OF_VERSION = """
MATCH (h:HSCode)
WHERE h.version = $version
RETURN h.code AS code
"""

IMPORT_EXISTING_PARTIES = """
MATCH (p:Country|Bloc)
WHERE p.code IN $codes
RETURN p.code AS code
"""

IMPORT_DELETE_PSRS_OF_INSTRUMENTS = """
UNWIND $rows AS row
MATCH (:Instrument {code: row.instrument})-[:HAS_PSR]->(p:Psr)
DETACH DELETE p
"""

IMPORT_PSRS = """
UNWIND $rows AS row
MATCH (i:Instrument {code: row.instrument})
CREATE (p:Psr)
SET p = row.props
CREATE (i)-[:HAS_PSR]->(p)
"""

IMPORT_PSRS_WITH_TARGETS = """
UNWIND $rows AS row
MATCH (i:Instrument {code: row.instrument})
CREATE (p:Psr)
SET p = row.props
CREATE (i)-[:HAS_PSR]->(p)
WITH p, row
UNWIND row.targets AS target
MATCH (h:HSCode {uid: target})
CREATE (p)-[:APPLIES_TO]->(h)
"""

IMPORT_PSR_TARGETS = """
UNWIND $rows AS row
MATCH (p:Psr {uid: row.psr})
MATCH (h:HSCode {uid: row.target})
CREATE (p)-[:APPLIES_TO]->(h)
"""

IMPORT_DELETE_PARTIES_OF_INSTRUMENTS = """
UNWIND $rows AS row
MATCH (i:Instrument {code: row.instrument})
MATCH (:Country|Bloc)-[r:PARTY_TO]->(i)
DELETE r
"""

IMPORT_DELETE_PROVISIONS_OF_INSTRUMENTS = """
UNWIND $rows AS row
MATCH (:Instrument {code: row.instrument})-[:HAS_PROVISION]->(v:Provision)
DETACH DELETE v
"""

IMPORT_PSR_COUNTS_OF_INSTRUMENTS = """
MATCH (i:Instrument)-[:HAS_PSR]->(p:Psr)
WHERE i.code IN $instruments
RETURN count(p) AS psrs, sum(CASE WHEN p.machine_evaluable THEN 1 ELSE 0 END) AS machine_evaluable,
       sum(COUNT { (p)-[:APPLIES_TO]->(:HSCode) }) AS targets
"""

IMPORT_LINEAGE_PAIRS = """
MATCH (a:HSCode)
WHERE a.version = $from_version
MATCH (a)-[:CORRELATES_TO*1..6]->(b:HSCode)
WHERE b.version = $to_version
RETURN DISTINCT a.code AS from_code, b.code AS to_code
"""

IMPORT_COUNTRY_NAMES = """
MATCH (c:Country)
RETURN c.code AS code, c.name AS name
"""

IMPORT_PSR_SCHEDULES_OF_CHAIN = """
MATCH chain = (i:Instrument {code: $instrument})-[:AMENDS*0..]->(src:Instrument)
OPTIONAL MATCH (src)-[s:PSR_SCHEDULE]->(v:HSVersion)
RETURN src.code AS holder, length(chain) AS depth, v.code AS hs_version, s.from AS valid_from
ORDER BY depth, hs_version
"""

IMPORT_HS_VERSION_EXISTS = """
MATCH (v:HSVersion {code: $version})
RETURN v.code AS code
"""

IMPORT_DELETE_PSRS_OF_EDITION = """
UNWIND $rows AS row
MATCH (:Instrument {code: row.instrument})-[:HAS_PSR]->(p:Psr)
WHERE p.hs_version = row.hs_version
DETACH DELETE p
"""

IMPORT_PSR_SCHEDULE_ANNEX = """
UNWIND $rows AS row
MATCH (i:Instrument {code: row.instrument})
MATCH (v:HSVersion {code: row.hs_version})
MERGE (i)-[s:PSR_SCHEDULE]->(v)
ON CREATE SET s += row.created
SET s += row.annex
"""
