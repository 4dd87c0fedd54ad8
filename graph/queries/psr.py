"""Cypher: PSR resolution."""

# The PSR nodes a group's questions found, each once (a node found for many codes is sent once).
_EACH_PSR_ONCE = """
CALL {
  WITH found
  UNWIND found AS psrs
  UNWIND psrs AS p
  RETURN collect(DISTINCT p) AS psrs
}
"""

# A question's lineage into ``walk_to`` (null: none to walk), read in the direction ``ahead`` gives
# (true: into a newer edition): every CORRELATES_TO path to a code of that edition.
_LINEAGE_WALKS = """
CALL {
  WITH q, walk_to, ahead
  WITH q, walk_to WHERE walk_to IS NOT NULL AND ahead
  OPTIONAL MATCH path = (:HSCode {uid: q.uid})-[:CORRELATES_TO*1..6]->(target:HSCode)
  WHERE target.version = walk_to
  RETURN [x IN collect({target: target.code, codes: [n IN nodes(path) | n.uid],
          links: [r IN relationships(path) | {kind: r.kind, partial: r.partial, source: r.source}]})
          WHERE x.target IS NOT NULL] AS forward
}
CALL {
  WITH q, walk_to, ahead
  WITH q, walk_to WHERE walk_to IS NOT NULL AND NOT ahead
  OPTIONAL MATCH path = (:HSCode {uid: q.uid})<-[:CORRELATES_TO*1..6]-(target:HSCode)
  WHERE target.version = walk_to
  RETURN [x IN collect({target: target.code, codes: [n IN nodes(path) | n.uid],
          links: [r IN relationships(path) | {kind: r.kind, partial: r.partial, source: r.source}]})
          WHERE x.target IS NOT NULL] AS backward
}
"""

# The codes the walks reached, each once, in the order found.
_WALKED_TARGETS = "reduce(codes = [], x IN forward + backward | codes + CASE WHEN x.target IN codes THEN [] ELSE [x.target] END)"

RULES_OF_CODES_ON_DATE = """
CALL {
  MATCH (v:HSVersion)
  RETURN collect({code: v.code, in_force_from: v.in_force_from}) AS versions
}
UNWIND $groups AS g
CALL {
  WITH g
  OPTIONAL MATCH chain = (:Instrument {code: g.instrument})-[:AMENDS*0..]->(src:Instrument)-[s:PSR_SCHEDULE]->(v:HSVersion)
  WHERE (s.from IS NULL OR s.from <= g.date) AND (s.until IS NULL OR s.until >= g.date)
  WITH src, s, v, length(chain) AS depth
  ORDER BY depth
  LIMIT 1
  RETURN src AS scheduled_by, s AS scheduled, v, depth
}
WITH versions, g, v, CASE WHEN v IS NULL THEN null ELSE {defined_by: scheduled_by.code, depth: depth,
     hs_version: v.code, schedule: properties(scheduled)} END AS schedule
CALL {
  // Only with a schedule in force: on ArcadeDB an OPTIONAL MATCH with a variable-length part matches
  // any node for an end bound to null (here every edition with an annex).
  WITH g, v
  WITH g, v WHERE v IS NOT NULL
  MATCH annexed = (:Instrument {code: g.instrument})-[:AMENDS*0..]->(holder:Instrument)-[a:PSR_SCHEDULE]->(v)
  WHERE a.annex_coverage IS NOT NULL
  RETURN collect({holder: holder.code, depth: length(annexed), coverage: a.annex_coverage, covers: a.annex_covers,
                  source: a.annex_source}) AS annexes
}
CALL {
  WITH g
  OPTIONAL MATCH chain = (:Instrument {code: g.instrument})-[:AMENDS*0..]->(src:Instrument)
  WHERE src.general_rule IS NOT NULL
  WITH src, length(chain) AS depth
  ORDER BY depth
  LIMIT 1
  RETURN CASE WHEN src IS NULL THEN null ELSE {defined_by: src.code, rule: src.general_rule} END AS general
}
CALL {
  WITH g
  MATCH chain = (:Instrument {code: g.instrument})-[:AMENDS*0..]->(src:Instrument)
  RETURN collect({code: src.code, depth: length(chain)}) AS texts
}
UNWIND g.questions AS q
OPTIONAL MATCH (h:HSCode {uid: q.uid})
WITH versions, g, texts, q, h, schedule, annexes, general, coalesce(v.code, q.hs_version) AS version
WITH versions, g, texts, q, h, schedule, annexes, general, version,
     [x IN versions WHERE x.code = version | coalesce(x.in_force_from, '9999')][0] >
     [x IN versions WHERE x.code = q.hs_version | coalesce(x.in_force_from, '9999')][0] AS ahead
WITH versions, g, texts, q, h, schedule, annexes, general, version, ahead,
     CASE WHEN version <> q.hs_version THEN version END AS walk_to""" + _LINEAGE_WALKS + """WITH versions, g, texts, q, h, schedule, annexes, general, version, forward, backward,
     CASE WHEN walk_to IS NULL THEN [q.code] ELSE """ + _WALKED_TARGETS + """ END AS targets
CALL {
  WITH g, texts, version, targets
  UNWIND targets AS code
  MATCH (:HSCode {uid: version + ':' + code})-[:CHILD_OF*0..2]->(scope:HSCode)<-[:APPLIES_TO]-(p:Psr)<-[:HAS_PSR]-(src:Instrument)
  WHERE src.code IN [t IN texts | t.code]
    AND (p.valid_from IS NULL OR p.valid_from <= g.date) AND (p.valid_until IS NULL OR p.valid_until >= g.date)
  UNWIND [t IN texts WHERE t.code = src.code] AS text
  RETURN collect({code: code, psr: p.uid, level: scope.level, defined_by: src.code,
                  depth: text.depth}) AS candidates, collect(p) AS found
}
WITH g, versions, schedule, annexes, general, texts,
     collect({key: q.key, hs_code: CASE WHEN h IS NULL THEN null ELSE {code: h.code, level: h.level,
              description: h.description} END, forward: forward, backward: backward,
              candidates: candidates}) AS answers, collect(found) AS found""" + _EACH_PSR_ONCE + """RETURN g.key AS key, versions, schedule, annexes, general, texts, answers, [p IN psrs | properties(p)] AS psrs
"""

RULES_OF_CODES_IN_CONTEXT = """
UNWIND $groups AS g
UNWIND g.questions AS q
OPTIONAL MATCH (h:HSCode {uid: q.uid})
WITH g, q, h, q.walk_to AS walk_to, q.ahead AS ahead""" + _LINEAGE_WALKS + """WITH g, q, h, forward, backward,
     CASE WHEN walk_to IS NULL THEN q.targets ELSE """ + _WALKED_TARGETS + """ END AS targets
CALL {
  WITH g, q, targets
  UNWIND targets AS code
  MATCH (:HSCode {uid: q.edition + ':' + code})-[:CHILD_OF*0..2]->(scope:HSCode)<-[:APPLIES_TO]-(p:Psr)<-[:HAS_PSR]-(src:Instrument)
  WHERE src.code IN [t IN g.texts | t.code]
    AND (p.valid_from IS NULL OR p.valid_from <= g.date) AND (p.valid_until IS NULL OR p.valid_until >= g.date)
  UNWIND [t IN g.texts WHERE t.code = src.code] AS text
  RETURN collect({code: code, psr: p.uid, level: scope.level, defined_by: src.code,
                  depth: text.depth}) AS candidates, collect(p) AS found
}
WITH g, collect({key: q.key, hs_code: CASE WHEN h IS NULL THEN null ELSE {code: h.code, level: h.level,
                 description: h.description} END, forward: forward, backward: backward,
                 candidates: candidates}) AS answers, collect(found) AS found""" + _EACH_PSR_ONCE + """RETURN g.key AS key, answers, [p IN psrs | properties(p)] AS psrs
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
