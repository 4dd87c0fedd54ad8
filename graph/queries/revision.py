"""Cypher: the graph revision, a counter every managed write bumps in its own transaction.

Caches of graph answers (``graph.cache``) are keyed by (epoch, revision): ``epoch`` is set when
the node is created, so emptying the database (which deletes the node) can never bring an old
revision number back to life.
"""

import functools

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

# The column a statement wrapped by ``with_graph_revision`` adds to each of its rows.
_REVISION_COLUMN = "origingraph_graph_revisions"


@functools.lru_cache(maxsize=256)
def with_graph_revision(query: str) -> str | None:
    """``query`` with the graph revision read in the same statement, one exchange instead of two for a
    view that has not read its revision yet: every row it returns also holds the revision nodes as
    ``GRAPH_REVISION`` reads them (``split_graph_revision``); a statement without rows tells nothing.
    None for a ``SHOW`` command, which no subquery may hold."""
    if query.lstrip().upper().startswith("SHOW"):
        return None
    return ("CALL {\n  OPTIONAL MATCH (r:GraphRevision {key: 'graph'})\n"
            f"  RETURN [x IN collect(r) | {{epoch: x.epoch, revision: x.revision}}] AS {_REVISION_COLUMN}\n"
            "}\nCALL {\n" + query.strip() + "\n}\nRETURN *")


def split_graph_revision(rows: list[dict]) -> tuple[list[dict], list[list[dict]]]:
    """The rows of a statement wrapped by ``with_graph_revision`` as the plain statement returns them,
    and each distinct reading of the revision nodes among them (none: the statement returned no row)."""
    plain, seen = [], []
    for row in rows:
        revisions = row.pop(_REVISION_COLUMN)
        if revisions not in seen:
            seen.append(revisions)
        plain.append(row)
    return plain, seen
