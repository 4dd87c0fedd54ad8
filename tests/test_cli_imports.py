"""A command loads only what it uses: ``origingraph --help`` and ``origingraph rules`` import no
Dask, pyarrow, FastAPI, uvicorn or openpyxl (checked in a fresh interpreter's ``sys.modules``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from graph.store import Store

HEAVY = ("dask", "distributed", "pyarrow", "pandas", "numpy", "fastapi", "starlette", "uvicorn", "openpyxl")

_PROBE = """
import json, os, sys
from api.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
loaded = sorted({name.split('.')[0] for name in sys.modules} & set(os.environ["HEAVY"].split()))
print(json.dumps({"code": code, "loaded": loaded}), file=sys.stderr)
"""


def probe(*args: str, env: dict[str, str] | None = None) -> dict:
    env = {**(env or os.environ), "HEAVY": " ".join(HEAVY)}
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=180,
                          env=env)
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_help_imports_nothing_heavy() -> None:
    assert probe("--help") == {"code": 0, "loaded": []}


def test_rules_imports_nothing_heavy(seeded: Store) -> None:
    env = dict(os.environ)
    if seeded.kind != "neo4j":
        env["ORIGINGRAPH_DATA"] = seeded.location
    answer = probe("rules", "--exporter", "MY", "--importer", "AU", "--date", "2025-04-25", "--json", env=env)
    assert answer == {"code": 0, "loaded": []}


def test_importtime_of_help_lists_none_of_them() -> None:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "api.cli", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}
    assert imported.isdisjoint(HEAVY)
