"""Cypher: origin evaluation: the facts the engine needs for one instrument."""

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
