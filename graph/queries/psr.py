"""Cypher: PSR resolution."""

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
