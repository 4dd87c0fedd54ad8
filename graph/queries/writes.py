"""Cypher: writes made through the HTTP API (one fact or one product at a time, in a managed transaction).

``SET x += $props`` writes the fact whole: every key is present, so a property sent as null is
removed, exactly as a seed load writes it.
"""

RECORD_PARTY_STATUS = """
MATCH (p:Country|Bloc {code: $party})
MATCH (i:Instrument {code: $instrument})
OPTIONAL MATCH (p)-[old:PARTY_TO]->(i)
WITH p, i, old IS NULL AS created
MERGE (p)-[r:PARTY_TO]->(i)
SET r += $props
RETURN properties(r) AS party_to, created
"""

MERGE_PRODUCT = """
MERGE (p:Product {sku: $sku})
SET p += $props
"""

DELETE_BOM_CLASSIFICATIONS = """
MATCH (:Product {sku: $sku})-[:CONTAINS*0..]->(n)-[c:CLASSIFIED_AS]->(:HSCode)
DELETE c
"""

DELETE_STALE_BOM_MATERIALS = """
MATCH (:Product {sku: $sku})-[:CONTAINS*1..]->(m:Material)
WHERE NOT m.uid IN $keep
WITH DISTINCT m
DETACH DELETE m
"""

CLASSIFY_PRODUCT = """
MATCH (p:Product {sku: $sku})
MATCH (h:HSCode {uid: $hs_uid})
MERGE (p)-[:CLASSIFIED_AS]->(h)
"""

MERGE_BOM_MATERIALS = """
UNWIND $rows AS row
MERGE (m:Material {uid: row.uid})
SET m += row.props
WITH m, row
MATCH (h:HSCode {uid: row.hs_uid})
MERGE (m)-[:CLASSIFIED_AS]->(h)
"""

LINK_PRODUCT_MATERIALS = """
UNWIND $rows AS row
MATCH (p:Product {sku: $sku})
MATCH (m:Material {uid: row.uid})
MERGE (p)-[c:CONTAINS]->(m)
SET c += row.props
"""

LINK_COMPONENT_MATERIALS = """
UNWIND $rows AS row
MATCH (parent:Material {uid: row.parent})
MATCH (m:Material {uid: row.uid})
MERGE (parent)-[c:CONTAINS]->(m)
SET c += row.props
"""

DELETE_PRODUCT = """
MATCH (p:Product {sku: $sku})
DETACH DELETE p
"""
