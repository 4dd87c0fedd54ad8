"""Cypher: applicability: which instruments bind a pair of countries on a date."""

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
