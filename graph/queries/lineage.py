"""Cypher: HS lineage: CORRELATES_TO runs from a code to the codes of the next edition."""

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

LINEAGES_OF_CODES = """
CALL {
  MATCH (v:HSVersion)
  RETURN collect({code: v.code, in_force_from: v.in_force_from}) AS versions
}
UNWIND $questions AS q
OPTIONAL MATCH (h:HSCode {uid: q.uid})
WITH versions, q, h,
     [x IN versions WHERE x.code = q.to_version | coalesce(x.in_force_from, '9999')][0] >
     [x IN versions WHERE x.code = h.version | coalesce(x.in_force_from, '9999')][0] AS ahead
CALL {
  WITH q, ahead
  WITH q WHERE ahead
  OPTIONAL MATCH path = (:HSCode {uid: q.uid})-[:CORRELATES_TO*1..6]->(target:HSCode)
  WHERE target.version = q.to_version
  RETURN [x IN collect({target: target.code, codes: [n IN nodes(path) | n.uid],
          links: [r IN relationships(path) | {kind: r.kind, partial: r.partial,
                                              source: CASE WHEN $sourced THEN r.source END}]})
          WHERE x.target IS NOT NULL] AS forward
}
CALL {
  WITH q, ahead
  WITH q WHERE NOT ahead
  OPTIONAL MATCH path = (:HSCode {uid: q.uid})<-[:CORRELATES_TO*1..6]-(target:HSCode)
  WHERE target.version = q.to_version
  RETURN [x IN collect({target: target.code, codes: [n IN nodes(path) | n.uid],
          links: [r IN relationships(path) | {kind: r.kind, partial: r.partial,
                                              source: CASE WHEN $sourced THEN r.source END}]})
          WHERE x.target IS NOT NULL] AS backward
}
RETURN q.key AS key, CASE WHEN q.key = 0 THEN versions END AS versions,
       CASE WHEN h IS NULL THEN null ELSE {code: h.code, level: h.level, description: h.description} END AS hs_code,
       forward, backward
"""
