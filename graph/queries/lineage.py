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
