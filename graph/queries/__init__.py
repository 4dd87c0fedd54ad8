"""Every Cypher statement origingraph runs, each named for the question it answers or the fact it writes.

One module per concern (``load``, ``applicability``, ``lineage``, ``psr``, ``origin``, ...); every
statement is re-exported here, so callers write ``queries.INSTRUMENTS_OF_PAIR_ON_DATE``.

All values arrive as parameters; nothing is assembled from input. Statements use only what both
Neo4j 5 and the embedded ArcadeDB accept, and ``tests/test_cypher_lint.py`` passes every one
through Neo4j's own Cypher linter. Write statements take ``$rows`` (a batch of maps) so loaders
UNWIND them in one round trip per batch; ``SET x += row.props`` writes a fact's properties whole,
so a property that became null is removed. Dates are ISO strings, compared as such.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module

_MODULES = [import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]
_STATEMENTS: dict[str, str] = {}
for _module in _MODULES:
    for _name, _value in vars(_module).items():
        if _name.isupper() and isinstance(_value, str):
            if _name in _STATEMENTS:
                raise ImportError(f"Cypher statement {_name} is defined twice (again in {_module.__name__})")
            _STATEMENTS[_name] = _value
globals().update(_STATEMENTS)


def all_queries() -> dict[str, str]:
    """Name -> Cypher for every statement (the linter test reads this)."""
    return dict(_STATEMENTS)
