"""Cypher: applicability: which instruments bind a pair of countries on a date."""

PAIR_FACTS_ON_DATE = """
UNWIND $lanes AS lane
CALL {
  WITH lane
  MATCH (c:Country)
  WHERE c.code IN [lane.exporter, lane.importer]
  RETURN collect(c.code) AS known
}
CALL {
  WITH lane
  UNWIND [{role: 'exporter', code: lane.exporter}, {role: 'importer', code: lane.importer}] AS side
  MATCH (c:Country {code: side.code})
  OPTIONAL MATCH (c)-[m:MEMBER_OF]->(b:Bloc)
  WHERE m.from <= lane.date AND (m.until IS NULL OR m.until >= lane.date)
  WITH side, c, [x IN collect({bloc: b.code, membership: properties(m)}) WHERE x.bloc IS NOT NULL] AS memberships,
       [c] + collect(b) AS acting_as
  UNWIND acting_as AS party
  MATCH (party)-[r:PARTY_TO]->(i:Instrument)-[:INSTRUMENT_OF]->(a:Agreement)
  MATCH chain = (i)-[:AMENDS*0..]->(root:Instrument)
  WHERE NOT EXISTS { MATCH (root)-[:AMENDS]->(:Instrument) }
  RETURN collect({role: side.role, country: c.code, party: party.code,
                  membership: [x IN memberships WHERE x.bloc = party.code | x.membership][0],
                  party_to: properties(r), instrument: properties(i), agreement: a.code,
                  chain: [n IN nodes(chain) | n.code]}) AS parties
}
WITH lane, known, parties, [x IN parties | x.party] + [lane.exporter, lane.importer] AS reserving,
     reduce(codes = [], x IN parties | codes + [c IN x.chain WHERE NOT c IN codes]) AS chains
CALL {
  WITH chains
  OPTIONAL MATCH (i:Instrument)-[:HAS_PROVISION]->(p:Provision)
  WHERE i.code IN chains
  RETURN [x IN collect({instrument: i.code, provision: properties(p)}) WHERE x.instrument IS NOT NULL] AS provisions
}
CALL {
  WITH chains, reserving
  OPTIONAL MATCH (i:Instrument)-[:HAS_PROVISION]->(p:Provision)<-[r:RESERVES]-(party)
  WHERE i.code IN chains AND party.code IN reserving
  RETURN [x IN collect({provision: p.uid, party: party.code, reservation: properties(r)})
          WHERE x.party IS NOT NULL] AS reservations
}
RETURN lane.exporter AS exporter, lane.importer AS importer, lane.date AS date, known, parties, provisions,
       reservations
"""
