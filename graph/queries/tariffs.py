"""Cypher: tariff measures (MFN, preferential, overlays, exemptions) and their lookup for one line."""

MERGE_TARIFF_MEASURES = """
UNWIND $rows AS row
MATCH (importer:Country {code: row.importer})
MERGE (m:TariffMeasure {uid: row.uid})
SET m += row.props
MERGE (m)-[:IMPOSED_BY]->(importer)
"""

MERGE_TARIFF_ORIGINS = """
UNWIND $rows AS row
MATCH (m:TariffMeasure {uid: row.uid})
MATCH (c:Country {code: row.country})
MERGE (m)-[:ON_GOODS_OF]->(c)
"""

MERGE_TARIFF_EXCLUDED_ORIGINS = """
UNWIND $rows AS row
MATCH (m:TariffMeasure {uid: row.uid})
MATCH (c:Country {code: row.country})
MERGE (m)-[:NOT_ON_GOODS_OF]->(c)
"""

MERGE_TARIFF_INSTRUMENTS = """
UNWIND $rows AS row
MATCH (m:TariffMeasure {uid: row.uid})
MATCH (i:Instrument {code: row.instrument})
MERGE (m)-[:UNDER]->(i)
"""

MERGE_TARIFF_SCOPES = """
UNWIND $rows AS row
MATCH (m:TariffMeasure {uid: row.uid})
MATCH (h:HSCode {uid: row.hs_uid})
MERGE (m)-[:COVERS]->(h)
"""

TARIFF_MEASURES_FOR_LINE = """
MATCH (m:TariffMeasure)-[:IMPOSED_BY]->(:Country {code: $importer})
WHERE m.hs_version = $hs_version AND (m.scope IN $prefixes OR m.scope STARTS WITH $line)
RETURN m AS measure
ORDER BY m.uid
"""

INSTRUMENT_AND_AMENDED = """
MATCH chain = (:Instrument {code: $instrument})-[:AMENDS*0..]->(older:Instrument)
RETURN older.code AS code
ORDER BY length(chain)
"""
