"""Cypher: the graph revision, a counter every managed write bumps in its own transaction.

Caches of graph answers (``graph.cache``) are keyed by (epoch, revision): ``epoch`` is set when
the node is created, so emptying the database (which deletes the node) can never bring an old
revision number back to life.
"""

GRAPH_REVISION = """
MATCH (r:GraphRevision {key: 'graph'})
RETURN r.epoch AS epoch, r.revision AS revision
"""

BUMP_GRAPH_REVISION = """
MERGE (r:GraphRevision {key: 'graph'})
ON CREATE SET r.epoch = $epoch, r.revision = 0
SET r.revision = r.revision + 1
RETURN r.epoch AS epoch, r.revision AS revision
"""
