"""Cypher: PSR resolution."""

PSR_SCHEDULE_ON_DATE = """
MATCH chain = (i:Instrument {code: $instrument})-[:AMENDS*0..]->(src:Instrument)-[s:PSR_SCHEDULE]->(v:HSVersion)
WHERE (s.from IS NULL OR s.from <= $date) AND (s.until IS NULL OR s.until >= $date)
WITH src, s, v, length(chain) AS depth
ORDER BY depth
LIMIT 1
OPTIONAL MATCH annexed = (:Instrument {code: $instrument})-[:AMENDS*0..]->(holder:Instrument)-[a:PSR_SCHEDULE]->(v)
WHERE a.annex_coverage IS NOT NULL
RETURN src.code AS defined_by, depth, v.code AS hs_version, properties(s) AS schedule,
       collect({holder: holder.code, depth: length(annexed), coverage: a.annex_coverage, covers: a.annex_covers,
                source: a.annex_source}) AS annexes
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

PSR_SCHEDULES_OF_INSTRUMENT = """
MATCH (i:Instrument {code: $code})-[s:PSR_SCHEDULE]->(v:HSVersion)
OPTIONAL MATCH (i)-[:HAS_PSR]->(p:Psr)
WHERE p.hs_version = v.code
WITH i, s, v, count(p) AS lines, sum(CASE WHEN p.criteria IS NOT NULL THEN 1 ELSE 0 END) AS evaluable
OPTIONAL MATCH (i)-[:AMENDS*1..]->(:Instrument)-[:HAS_PSR]->(q:Psr)
WHERE q.hs_version = v.code
RETURN v.code AS hs_version, properties(s) AS schedule, lines, evaluable, count(q) AS inherited
"""
