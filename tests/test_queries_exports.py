"""Every Cypher statement of a ``graph/queries`` module is re-exported by name from the package."""

from __future__ import annotations

import pkgutil
from importlib import import_module

from graph import queries


def test_every_statement_is_re_exported_once():
    seen: dict[str, str] = {}
    for info in pkgutil.iter_modules(queries.__path__):
        module = import_module(f"{queries.__name__}.{info.name}")
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and not name.startswith("_"):  # _X: a shared fragment
                assert name not in seen, f"{name} is defined in both {seen[name]} and {info.name}"
                seen[name] = info.name
                assert getattr(queries, name, None) is value, \
                    f"{info.name}.{name} is not re-exported: add it to the import in graph/queries/__init__.py"
    assert set(queries.all_queries()) == set(seen)
