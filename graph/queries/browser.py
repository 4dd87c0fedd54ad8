"""Cypher: saved queries for Neo4j Browser, drawn as graphs (``origingraph browser ...`` prints them ready to paste)."""

BROWSE_AGREEMENT_MEMBERSHIP = """
MATCH (a:Agreement {code: $agreement})<-[:INSTRUMENT_OF]-(i:Instrument)
OPTIONAL MATCH amended = (i)-[:AMENDS]->(:Instrument)
OPTIONAL MATCH party = (p)-[r:PARTY_TO]->(i)
OPTIONAL MATCH member = (:Country)-[:MEMBER_OF]->(p:Bloc)
RETURN a, i, collect(DISTINCT amended) AS amendments, collect(DISTINCT party) AS parties,
       collect(DISTINCT member) AS members,
       [x IN collect(DISTINCT {party: p.code, status: r.status, in_force_from: r.in_force_from,
                               in_force_until: r.in_force_until}) WHERE x.party IS NOT NULL] AS timeline
ORDER BY i.code
"""

BROWSE_INSTRUMENTS_BETWEEN = """
UNWIND [$exporter, $importer] AS code
MATCH (c:Country {code: code})
OPTIONAL MATCH via = (c)-[m:MEMBER_OF]->(:Bloc)
WHERE m.from <= $date AND (m.until IS NULL OR m.until >= $date)
WITH c, collect(via) AS memberships, [c] + [p IN collect(via) | last(nodes(p))] AS acting_as
UNWIND acting_as AS party
MATCH bound = (party)-[r:PARTY_TO]->(i:Instrument)-[:INSTRUMENT_OF]->(:Agreement)
WHERE r.in_force_from IS NOT NULL AND r.in_force_from <= $date
  AND (r.in_force_until IS NULL OR r.in_force_until >= $date)
RETURN c.code AS country, memberships, collect(bound) AS in_force
"""

BROWSE_HS_LINEAGE = """
MATCH (h:HSCode {uid: $uid})
OPTIONAL MATCH later = (h)-[:CORRELATES_TO*1..3]->(:HSCode)
OPTIONAL MATCH earlier = (:HSCode)-[:CORRELATES_TO*1..3]->(h)
OPTIONAL MATCH up = (h)-[:CHILD_OF*1..2]->(:HSCode)
RETURN h, collect(DISTINCT later) AS later, collect(DISTINCT earlier) AS earlier, collect(DISTINCT up) AS hierarchy
"""
