"""Benchmarks for origingraph: ``.venv/bin/python -m benchmarks`` (see ``benchmarks/run.py``)."""
