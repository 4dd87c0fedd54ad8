"""Cypher: applicability: which instruments bind a pair of countries on a date."""

SIDE_FACTS_ON_DATE = """
UNWIND $sides AS side
CALL {
  WITH side
  OPTIONAL MATCH (c:Country {code: side.code})
  RETURN c IS NOT NULL AS known
}
CALL {
  WITH side
  MATCH (c:Country {code: side.code})
  OPTIONAL MATCH (c)-[m:MEMBER_OF]->(b:Bloc)
  WHERE m.from <= side.date AND (m.until IS NULL OR m.until >= side.date)
  WITH c, [x IN collect({bloc: b.code, membership: properties(m)}) WHERE x.bloc IS NOT NULL] AS memberships,
       [c] + collect(b) AS acting_as
  UNWIND acting_as AS party
  MATCH (party)-[r:PARTY_TO]->(i:Instrument)-[:INSTRUMENT_OF]->(a:Agreement)
  MATCH chain = (i)-[:AMENDS*0..]->(root:Instrument)
  WHERE NOT EXISTS { MATCH (root)-[:AMENDS]->(:Instrument) }
  RETURN collect({party: party.code, membership: [x IN memberships WHERE x.bloc = party.code | x.membership][0],
                  party_to: properties(r), instrument: properties(i), agreement: a.code,
                  chain: [n IN nodes(chain) | n.code]}) AS parties
}
WITH side, known, parties, reduce(codes = [], x IN parties | codes + [c IN x.chain WHERE NOT c IN codes]) AS chains
CALL {
  WITH chains
  OPTIONAL MATCH (i:Instrument)-[:HAS_PROVISION]->(p:Provision)
  WHERE i.code IN chains
  RETURN [x IN collect({instrument: i.code, provision: properties(p)}) WHERE x.instrument IS NOT NULL] AS provisions
}
CALL {
  WITH chains
  OPTIONAL MATCH (i:Instrument)-[:HAS_PROVISION]->(p:Provision)<-[r:RESERVES]-(party)
  WHERE i.code IN chains
  RETURN [x IN collect({provision: p.uid, party: party.code, reservation: properties(r)})
          WHERE x.party IS NOT NULL] AS reservations
}
RETURN side.code AS country, side.date AS date, known, parties, provisions, reservations
"""
