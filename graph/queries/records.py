"""Cypher: verdict records, an append-only hash chain per chain key (``graph.records``).

The chain head (``RecordChain``) is taken first in the appending transaction: incrementing its length
reads and writes it in one expression, which write-locks it on Neo4j (and makes a concurrent append
conflict and retry on the embedded ArcadeDB), so two appends can never both chain to the same record.
"""

TAKE_RECORD_CHAIN_HEAD = """
MERGE (c:RecordChain {key: $chain})
ON CREATE SET c.length = 0
SET c.length = c.length + 1
RETURN c.length AS seq, c.head AS previous_hash
"""

APPEND_VERDICT_RECORD = """
MATCH (c:RecordChain {key: $chain})
CREATE (r:VerdictRecord)
SET r += $props
SET c.head = $hash
RETURN r.uid AS uid
"""

LINK_VERDICT_RECORD = """
MATCH (r:VerdictRecord {uid: $uid})
MATCH (p:VerdictRecord {uid: $previous_uid})
CREATE (r)-[:RECORDED_AFTER]->(p)
"""

RECORD_CHAIN_HEAD = """
MATCH (c:RecordChain {key: $chain})
RETURN c.length AS length, c.head AS head
"""

RECORDS_OF_CHAIN = """
MATCH (r:VerdictRecord {chain: $chain})
RETURN properties(r) AS props
ORDER BY r.seq
"""

VERDICT_RECORD = """
MATCH (r:VerdictRecord {chain: $chain, seq: $seq})
RETURN properties(r) AS props
"""

COUNT_VERDICT_RECORDS = """
MATCH (r:VerdictRecord {chain: $chain})
WHERE $expired_on IS NULL OR (r.keep_until IS NOT NULL AND r.keep_until < $expired_on)
RETURN count(r) AS total
"""

VERDICT_RECORD_SUMMARIES = """
MATCH (r:VerdictRecord {chain: $chain})
WHERE $expired_on IS NULL OR (r.keep_until IS NOT NULL AND r.keep_until < $expired_on)
RETURN r.seq AS seq, r.hash AS hash, r.recorded_at AS recorded_at, r.sku AS sku, r.exporter AS exporter,
       r.importer AS importer, r.shipment_date AS shipment_date, r.agreement AS agreement,
       r.instrument AS instrument, r.originating AS originating, r.keep_until AS keep_until
ORDER BY seq
SKIP $offset
LIMIT $limit
"""

RULE_DATA_OF_INSTRUMENT = """
MATCH chain = (:Instrument {code: $instrument})-[:AMENDS*0..]->(src:Instrument)
RETURN src.code AS code, length(chain) AS depth, src.general_rule AS general_rule,
       src.general_criteria AS general_criteria, src.origin_terms AS origin_terms
ORDER BY depth
"""

RULE_DATA_OF_PSRS = """
MATCH (p:Psr)
WHERE p.uid IN $uids
RETURN p.uid AS uid, p.instrument AS instrument, p.hs_version AS hs_version, p.scope AS scope, p.ex AS ex,
       p.rule AS rule, p.criteria AS criteria, p.valid_from AS valid_from, p.valid_until AS valid_until,
       p.source AS source
ORDER BY uid
"""
