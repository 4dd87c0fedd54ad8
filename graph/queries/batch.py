"""Cypher: batch evaluation (``graph.batch``)."""

ALL_HS_CODE_UIDS = """
MATCH (h:HSCode)
RETURN h.uid AS uid
"""
