"""Cypher: origin evaluation: the facts the engine needs for one instrument."""

INSTRUMENT_CONTEXTS_ON_DATE = """
UNWIND $questions AS q
CALL {
  WITH q
  OPTIONAL MATCH chain = (:Instrument {code: q.instrument})-[:AMENDS*0..]->(src:Instrument)
  WHERE src.origin_terms IS NOT NULL
  WITH src, length(chain) AS depth
  ORDER BY depth
  LIMIT 1
  RETURN CASE WHEN src IS NULL THEN null ELSE {defined_by: src.code, terms: src.origin_terms} END AS terms
}
CALL {
  WITH q
  OPTIONAL MATCH chain = (:Instrument {code: q.instrument})-[:AMENDS*0..]->(src:Instrument)
  WHERE src.general_rule IS NOT NULL
  WITH src, length(chain) AS depth
  ORDER BY depth
  LIMIT 1
  RETURN CASE WHEN src IS NULL THEN null ELSE {defined_by: src.code, rule: src.general_rule} END AS general
}
CALL {
  WITH q
  OPTIONAL MATCH (:Instrument {code: q.instrument})<-[r:PARTY_TO]-(p)
  WHERE r.in_force_from IS NOT NULL AND r.in_force_from <= q.date
    AND (r.in_force_until IS NULL OR r.in_force_until >= q.date)
  OPTIONAL MATCH (c:Country)-[m:MEMBER_OF]->(p)
  WHERE m.from <= q.date AND (m.until IS NULL OR m.until >= q.date)
  WITH p, r, [x IN collect(c.code) WHERE x IS NOT NULL] AS members
  RETURN [x IN collect({party: p.code, in_force_from: r.in_force_from, source: r.source, members: members})
          WHERE x.party IS NOT NULL] AS bound
}
CALL {
  WITH q
  OPTIONAL MATCH (p:Country|Bloc)
  WHERE p.code IN q.reached
  OPTIONAL MATCH (c:Country)-[m:MEMBER_OF]->(p)
  WHERE m.from <= q.date AND (m.until IS NULL OR m.until >= q.date)
  WITH p, [x IN collect(c.code) WHERE x IS NOT NULL] AS members
  RETURN [x IN collect({party: p.code, members: members}) WHERE x.party IS NOT NULL] AS reached
}
RETURN q.key AS key, terms, general, bound, reached
"""

HS_CODES_BY_UID = """
MATCH (h:HSCode)
WHERE h.uid IN $uids
RETURN h.uid AS uid, h.code AS code, h.level AS level, h.description AS description
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
