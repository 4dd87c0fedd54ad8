"""Benchmarks for origingraph: ``.venv/bin/python -m benchmarks`` runs them all and writes ``RESULTS.md``
(see ``benchmarks/__main__.py`` and ``benchmarks/README.md``)."""
