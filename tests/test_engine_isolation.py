"""The pure engine tests run without the store: collecting them imports nothing of graph/ or api/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ENGINE_TESTS = sorted(str(p.relative_to(REPO)) for p in (REPO / "tests").glob("test_engine_*.py")
                      if p.name != Path(__file__).name) + ["tests/test_criteria.py", "tests/test_rule_language.py"]

PROBE = """
import sys, pytest
code = pytest.main(["-q", "-p", "no:cacheprovider", "--collect-only", *sys.argv[1:]])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("graph", "api", "neomodel", "arcadedb_embedded"))
print("LOADED", loaded)
sys.exit(code or (1 if loaded else 0))
"""


def test_engine_tests_import_no_store():
    proc = subprocess.run([sys.executable, "-c", PROBE, *ENGINE_TESTS], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
