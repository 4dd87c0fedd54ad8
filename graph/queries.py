"""Every Cypher statement origingraph runs, each named for the question it answers or the fact it writes.

All values arrive as parameters; nothing here is assembled from input. Statements use only what
both Neo4j 5 and the embedded ArcadeDB accept, and ``tests/test_cypher_lint.py`` passes every one
through Neo4j's own Cypher linter. Write statements take ``$rows`` (a batch of maps) so the loader
can UNWIND them in one round trip per batch; ``SET x += row.props`` writes a fact's properties
whole, so a property that became null in the seeds is removed.
"""

from __future__ import annotations

# --- store summary ----------------------------------------------------------------------------

COUNT_NODES_BY_LABEL = """
MATCH (n)
RETURN labels(n)[0] AS label, count(*) AS count
ORDER BY label
"""

COUNT_RELATIONSHIPS_BY_TYPE = """
MATCH ()-[r]->()
RETURN type(r) AS type, count(*) AS count
ORDER BY type
"""

STORE_ANSWERS = """
RETURN 1 AS ok
"""

LIST_CONSTRAINT_NAMES = """
SHOW CONSTRAINTS YIELD name
RETURN name
"""

DELETE_ALL_DATA = """
MATCH (n)
DETACH DELETE n
"""

# --- seed loading -----------------------------------------------------------------------------

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

MERGE_PSRS = """
UNWIND $rows AS row
MATCH (i:Instrument {code: row.instrument})
MATCH (h:HSCode {uid: row.target})
MERGE (p:Psr {uid: row.uid})
SET p += row.props
MERGE (i)-[:HAS_PSR]->(p)
MERGE (p)-[:APPLIES_TO]->(h)
"""


# --- applicability: which instruments bind a pair of countries on a date ------------------------

KNOWN_COUNTRIES = """
MATCH (c:Country)
WHERE c.code IN $codes
RETURN c.code AS code
"""

INSTRUMENTS_OF_PAIR_ON_DATE = """
UNWIND [{role: 'exporter', code: $exporter}, {role: 'importer', code: $importer}] AS side
MATCH (c:Country {code: side.code})
OPTIONAL MATCH (c)-[m:MEMBER_OF]->(b:Bloc)
WHERE m.from <= $date AND (m.until IS NULL OR m.until >= $date)
WITH side, c, [x IN collect({bloc: b.code, membership: properties(m)}) WHERE x.bloc IS NOT NULL] AS memberships,
     [c] + collect(b) AS acting_as
UNWIND acting_as AS party
MATCH (party)-[r:PARTY_TO]->(i:Instrument)-[:INSTRUMENT_OF]->(a:Agreement)
MATCH chain = (i)-[:AMENDS*0..]->(root:Instrument)
WHERE NOT EXISTS { MATCH (root)-[:AMENDS]->(:Instrument) }
RETURN side.role AS role, c.code AS country, party.code AS party,
       [x IN memberships WHERE x.bloc = party.code | x.membership][0] AS membership,
       properties(r) AS party_to, properties(i) AS instrument, a.code AS agreement,
       [n IN nodes(chain) | n.code] AS chain
ORDER BY i.code, role
"""

PROVISIONS_OF_INSTRUMENTS = """
MATCH (i:Instrument)-[:HAS_PROVISION]->(p:Provision)
WHERE i.code IN $instruments
OPTIONAL MATCH (party)-[r:RESERVES]->(p)
WHERE party.code IN $parties
RETURN i.code AS instrument, properties(p) AS provision,
       [x IN collect({party: party.code, reservation: properties(r)}) WHERE x.party IS NOT NULL] AS reservations
ORDER BY instrument, provision.key
"""

# --- HS lineage: CORRELATES_TO runs from a code to the codes of the next edition -----------------

HS_VERSIONS = """
MATCH (v:HSVersion)
OPTIONAL MATCH (v)-[:FOLLOWS]->(older:HSVersion)
RETURN v.code AS code, v.in_force_from AS in_force_from, older.code AS follows
ORDER BY v.in_force_from
"""

HS_CODE_EXISTS = """
MATCH (h:HSCode {uid: $uid})
RETURN h.code AS code, h.level AS level, h.description AS description
"""

CODES_DESCENDED_FROM = """
MATCH path = (start:HSCode {uid: $uid})-[:CORRELATES_TO*1..6]->(target:HSCode)
WHERE target.version = $to_version
RETURN target.code AS target, [n IN nodes(path) | n.uid] AS codes,
       [r IN relationships(path) | {from_uid: startNode(r).uid, to_uid: endNode(r).uid,
        kind: r.kind, partial: r.partial, source: r.source}] AS links
"""

CODES_ANCESTORS_OF = """
MATCH path = (start:HSCode {uid: $uid})<-[:CORRELATES_TO*1..6]-(target:HSCode)
WHERE target.version = $to_version
RETURN target.code AS target, [n IN nodes(path) | n.uid] AS codes,
       [r IN relationships(path) | {from_uid: startNode(r).uid, to_uid: endNode(r).uid,
        kind: r.kind, partial: r.partial, source: r.source}] AS links
"""

# --- PSR resolution --------------------------------------------------------------------------------

PSR_SCHEDULE_ON_DATE = """
MATCH chain = (i:Instrument {code: $instrument})-[:AMENDS*0..]->(src:Instrument)-[s:PSR_SCHEDULE]->(v:HSVersion)
WHERE (s.from IS NULL OR s.from <= $date) AND (s.until IS NULL OR s.until >= $date)
RETURN src.code AS defined_by, length(chain) AS depth, v.code AS hs_version, properties(s) AS schedule
ORDER BY depth
LIMIT 1
"""

PSRS_COVERING_CODE_ON_DATE = """
MATCH (h:HSCode {uid: $uid})-[:CHILD_OF*0..2]->(scope:HSCode)<-[:APPLIES_TO]-(p:Psr)<-[:HAS_PSR]-(src:Instrument)
WHERE (p.valid_from IS NULL OR p.valid_from <= $date) AND (p.valid_until IS NULL OR p.valid_until >= $date)
MATCH chain = (i:Instrument {code: $instrument})-[:AMENDS*0..]->(src)
RETURN properties(p) AS psr, scope.uid AS scope_uid, scope.level AS level, src.code AS defined_by,
       length(chain) AS depth
ORDER BY depth, level DESC, psr.ex DESC, psr.uid
"""

GENERAL_RULE_OF_INSTRUMENT = """
MATCH chain = (i:Instrument {code: $instrument})-[:AMENDS*0..]->(src:Instrument)
WHERE src.general_rule IS NOT NULL
RETURN src.code AS defined_by, src.general_rule AS rule, src.general_criteria AS criteria, src.source AS source
ORDER BY length(chain)
LIMIT 1
"""


# --- origin evaluation: the facts the engine needs for one instrument ---------------------------

ORIGIN_TERMS_OF_INSTRUMENT = """
MATCH chain = (i:Instrument {code: $instrument})-[:AMENDS*0..]->(src:Instrument)
WHERE src.origin_terms IS NOT NULL
RETURN src.code AS defined_by, src.origin_terms AS terms
ORDER BY length(chain)
LIMIT 1
"""

COUNTRIES_BOUND_ON_DATE = """
MATCH (p)-[r:PARTY_TO]->(i:Instrument {code: $instrument})
WHERE r.in_force_from IS NOT NULL AND r.in_force_from <= $date
  AND (r.in_force_until IS NULL OR r.in_force_until >= $date)
OPTIONAL MATCH (c:Country)-[m:MEMBER_OF]->(p)
WHERE m.from <= $date AND (m.until IS NULL OR m.until >= $date)
RETURN p.code AS party, r.in_force_from AS in_force_from, r.source AS source,
       [x IN collect(c.code) WHERE x IS NOT NULL] AS members
ORDER BY party
"""

COUNTRIES_OF_PARTIES_ON_DATE = """
MATCH (p:Country|Bloc)
WHERE p.code IN $parties
OPTIONAL MATCH (c:Country)-[m:MEMBER_OF]->(p)
WHERE m.from <= $date AND (m.until IS NULL OR m.until >= $date)
RETURN p.code AS party, [x IN collect(c.code) WHERE x IS NOT NULL] AS members
ORDER BY party
"""

KNOWN_HS_CODES = """
MATCH (h:HSCode)
WHERE h.uid IN $uids
RETURN h.uid AS uid
"""

TRACE_SUBGRAPH = """
MATCH (i:Instrument)
WHERE i.code IN $trace.instruments
OPTIONAL MATCH agreement = (i)-[:INSTRUMENT_OF]->(:Agreement)
OPTIONAL MATCH amends = (i)-[:AMENDS*]->(:Instrument)
OPTIONAL MATCH party = (p)-[:PARTY_TO]->(i)
WHERE p.code IN $trace.parties
OPTIONAL MATCH membership = (c:Country)-[:MEMBER_OF]->(p)
WHERE c.code IN $trace.countries
OPTIONAL MATCH provision = (i)-[:HAS_PROVISION]->(v:Provision)
WHERE v.uid IN $trace.provisions
OPTIONAL MATCH rule = (:Instrument)-[:HAS_PSR]->(r:Psr)-[:APPLIES_TO]->(:HSCode)
WHERE r.uid IN $trace.psrs
OPTIONAL MATCH lineage = (a:HSCode)-[:CORRELATES_TO]->(b:HSCode)
WHERE a.uid IN $trace.codes AND b.uid IN $trace.codes
RETURN i, collect(DISTINCT agreement) AS agreements, collect(DISTINCT amends) AS amendments,
       collect(DISTINCT party) AS parties, collect(DISTINCT membership) AS memberships,
       collect(DISTINCT provision) AS provisions, collect(DISTINCT rule) AS rules,
       collect(DISTINCT lineage) AS lineage
"""


def all_queries() -> dict[str, str]:
    """Name -> Cypher for every statement in this module (the linter test reads this)."""
    return {name: value for name, value in globals().items() if name.isupper() and isinstance(value, str)}
