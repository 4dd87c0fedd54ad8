"""Cypher: store summary."""

COUNT_NODES_BY_LABEL = """
MATCH (n)
RETURN labels(n)[0] AS label, count(*) AS count
ORDER BY label
"""

COUNT_RELATIONSHIPS_BY_TYPE = """
MATCH ()-[r]->()
RETURN type(r) AS type, count(*) AS count
ORDER BY type
"""

STORE_ANSWERS = """
RETURN 1 AS ok
"""

LIST_CONSTRAINT_NAMES = """
SHOW CONSTRAINTS YIELD name
RETURN name
"""

DELETE_ALL_DATA = """
MATCH (n)
DETACH DELETE n
"""
