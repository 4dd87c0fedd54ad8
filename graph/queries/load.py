"""Cypher: seed loading."""

# The indexes that exist (constraint-backed ones name their constraint): graph.schema.install_schema
# creates only the missing ones.
SCHEMA_INDEXES = """
SHOW INDEXES YIELD labelsOrTypes, properties, owningConstraint
RETURN labelsOrTypes, properties, owningConstraint
"""

MERGE_COUNTRIES = """
UNWIND $rows AS row
MERGE (c:Country {code: row.code})
SET c += row.props
"""

MERGE_BLOCS = """
UNWIND $rows AS row
MERGE (b:Bloc {code: row.code})
SET b += row.props
"""

MERGE_MEMBERSHIPS = """
UNWIND $rows AS row
MATCH (c:Country {code: row.country})
MATCH (b:Bloc {code: row.bloc})
MERGE (c)-[m:MEMBER_OF {from: row.from}]->(b)
SET m += row.props
"""

MERGE_HS_VERSIONS = """
UNWIND $rows AS row
MERGE (v:HSVersion {code: row.code})
SET v += row.props
"""

MERGE_HS_VERSION_SUCCESSION = """
UNWIND $rows AS row
MATCH (newer:HSVersion {code: row.code})
MATCH (older:HSVersion {code: row.follows})
MERGE (newer)-[:FOLLOWS]->(older)
"""

MERGE_HS_CODES = """
UNWIND $rows AS row
MERGE (h:HSCode {uid: row.uid})
SET h += row.props
"""

MERGE_HS_HIERARCHY = """
UNWIND $rows AS row
MATCH (child:HSCode {uid: row.uid})
MATCH (parent:HSCode {uid: row.parent})
MERGE (child)-[:CHILD_OF]->(parent)
"""

MERGE_CORRELATIONS = """
UNWIND $rows AS row
MATCH (older:HSCode {uid: row.from_uid})
MATCH (newer:HSCode {uid: row.to_uid})
MERGE (older)-[r:CORRELATES_TO]->(newer)
SET r += row.props
"""

MERGE_AGREEMENTS = """
UNWIND $rows AS row
MERGE (a:Agreement {code: row.code})
SET a += row.props
"""

MERGE_INSTRUMENTS = """
UNWIND $rows AS row
MATCH (a:Agreement {code: row.agreement})
MERGE (i:Instrument {code: row.code})
SET i += row.props
MERGE (i)-[:INSTRUMENT_OF]->(a)
"""

MERGE_AMENDMENTS = """
UNWIND $rows AS row
MATCH (protocol:Instrument {code: row.code})
MATCH (amended:Instrument {code: row.amends})
MERGE (protocol)-[:AMENDS]->(amended)
"""

MERGE_PSR_SCHEDULES = """
UNWIND $rows AS row
MATCH (i:Instrument {code: row.instrument})
MATCH (v:HSVersion {code: row.hs_version})
MERGE (i)-[s:PSR_SCHEDULE]->(v)
SET s += row.props
"""

MERGE_PROVISIONS = """
UNWIND $rows AS row
MATCH (i:Instrument {code: row.instrument})
MERGE (p:Provision {uid: row.uid})
SET p += row.props
MERGE (i)-[:HAS_PROVISION]->(p)
"""

MERGE_PARTIES = """
UNWIND $rows AS row
MATCH (p:Country|Bloc {code: row.party})
MATCH (i:Instrument {code: row.instrument})
MERGE (p)-[r:PARTY_TO]->(i)
SET r += row.props
"""

MERGE_RESERVATIONS = """
UNWIND $rows AS row
MATCH (p:Country|Bloc {code: row.party})
MATCH (v:Provision {uid: row.provision})
MERGE (p)-[r:RESERVES]->(v)
SET r += row.props
"""

# The HAS_PSR merge is written from the PSR's side: anchored at the instrument, the store scans the
# instrument's thousands of HAS_PSR links for every row (a 5,000-line annex took 24 s instead of 3 s).
MERGE_PSRS = """
UNWIND $rows AS row
MATCH (i:Instrument {code: row.instrument})
MATCH (h:HSCode {uid: row.target})
MERGE (p:Psr {uid: row.uid})
SET p += row.props
MERGE (p)<-[:HAS_PSR]-(i)
MERGE (p)-[:APPLIES_TO]->(h)
"""

# What the last seed load recorded: a JSON map of statement name -> content hash, and the graph
# revision (epoch, number) its commit produced (graph.load skips unchanged statements while the graph
# is still at that revision).
SEED_LOAD_MARKER = """
MATCH (m:SeedLoad {key: $key})
RETURN m.hashes AS hashes, m.epoch AS epoch, m.revision AS revision
"""

# The revision counter as BUMP_GRAPH_REVISION creates it, made here first so that a load on an empty
# graph knows the epoch and number its own commit will leave.
ENSURE_GRAPH_REVISION = """
MERGE (r:GraphRevision {key: 'graph'})
ON CREATE SET r.epoch = $epoch, r.revision = 0
RETURN r.epoch AS epoch, r.revision AS revision
"""

RECORD_SEED_LOAD = """
MERGE (m:SeedLoad {key: $key})
SET m.hashes = $hashes, m.epoch = $epoch, m.revision = $revision
"""
