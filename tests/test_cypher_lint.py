"""Neo4j 5 conformance of every Cypher string the project owns, without a Neo4j server.

Development and tests run against embedded ArcadeDB, which accepts some Cypher that
Neo4j 5 rejects. These tests pass every query through Neo4j's own linter
(npm ``@neo4j-cypher/language-support``, pinned in ``cypher_lint/package-lock.json``)
and fail on any error-severity diagnostic, so such Cypher can't reach production.
They need Node.js and npm but no database (they pass with ``--noconftest``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

LINT_DIR = Path(__file__).parent / "cypher_lint"
# Written into node_modules after `npm ci`: the hash of the lock it installed, so a
# changed lock (e.g. a version bump pulled from git) triggers a reinstall.
STAMP = LINT_DIR / "node_modules" / ".origingraph-lock.sha256"


@pytest.fixture(scope="module")
def lint():
    """Return ``lint({name: cypher}) -> {name: [diagnostic, ...]}``, installing the linter first.

    Without node/npm this skips locally but fails under CI (``CI`` set), so CI can
    never silently drop the check.
    """
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        reason = f"Cypher lint needs Node.js and npm; not on PATH: {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must not skip this check)", pytrace=False)
        pytest.skip(reason)

    lock_hash = hashlib.sha256((LINT_DIR / "package-lock.json").read_bytes()).hexdigest()
    if not STAMP.is_file() or STAMP.read_text().strip() != lock_hash:
        # The package's `engines` asks for a newer Node than some machines have, but
        # it works on Node 20 (test_linter_reports_errors proves it); don't let a
        # user's engine-strict setting refuse it.
        proc = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--engine-strict=false"],
            cwd=LINT_DIR, capture_output=True, text=True, timeout=600,
        )
        if proc.returncode != 0:
            pytest.fail(f"npm ci failed in {LINT_DIR}:\n{proc.stdout}\n{proc.stderr}", pytrace=False)
        STAMP.write_text(lock_hash + "\n")

    def run(queries: dict[str, str]) -> dict[str, list[dict]]:
        proc = subprocess.run(
            ["node", "lint.mjs"], cwd=LINT_DIR, input=json.dumps(queries),
            capture_output=True, text=True, timeout=300,
        )
        if proc.returncode != 0:
            pytest.fail(f"lint.mjs failed (exit {proc.returncode}):\n{proc.stderr}", pytrace=False)
        return json.loads(proc.stdout)

    return run


def _project_cypher() -> dict[str, str]:
    """Every Cypher string the project sends to Neo4j: queries (as they are, and as a view that has
    not read its revision yet sends them: ``with_graph_revision``) and schema DDL."""
    from graph.queries import all_queries, with_graph_revision
    from graph.schema import schema_statements

    cypher = dict(all_queries())
    cypher.update({f"with_graph_revision({name})": wrapped for name, q in all_queries().items()
                   if (wrapped := with_graph_revision(q)) is not None})
    cypher.update({f"schema[{i}]": stmt for i, stmt in enumerate(schema_statements())})
    return cypher


def _errors(diagnostics: list[dict]) -> list[dict]:
    return [d for d in diagnostics if d["severity"] == "error"]


def _format(name: str, d: dict) -> str:
    return f"{name} {d['line']}:{d['column']} {d['severity']}: {d['message']}"


def test_project_cypher_is_valid_neo4j5(lint):
    """Fail on any error the Neo4j 5 linter reports; print warnings (e.g. deprecations)."""
    cypher = _project_cypher()
    assert cypher, "graph.queries / graph.schema returned no Cypher to lint"
    results = lint(cypher)
    assert results.keys() == cypher.keys()

    for name, diags in results.items():
        for d in diags:
            if d["severity"] != "error":
                print(_format(name, d))
    errors = [(name, d) for name, diags in results.items() for d in _errors(diags)]
    if errors:
        listing = "\n".join(
            _format(name, d) + "\n    " + cypher[name].strip().replace("\n", "\n    ")
            for name, d in errors
        )
        pytest.fail(
            f"{len(errors)} Neo4j 5 Cypher error(s) in {len({n for n, _ in errors})} "
            f"of {len(cypher)} queries (line:column within the query):\n{listing}",
            pytrace=False,
        )


def test_linter_reports_errors(lint):
    """The harness really catches errors: syntax, Neo4j-4-only Cypher, multi-statements, and
    procedures or functions that Neo4j 5 does not have (such as ``db.indexes()``).

    ``exists(n.prop)`` is only reported by the linter's semantic analysis, which the
    package silently skips if it throws, so this also proves that part is running.
    """
    results = lint({
        "syntax": "MATCH (n RETURN n",
        "neo4j4_exists": "MATCH (n:Rule) WHERE exists(n.code) RETURN n",
        "neo4j4_constraint": "CREATE CONSTRAINT ON (r:Rule) ASSERT r.id IS UNIQUE",
        "two_statements": "MATCH (n) RETURN n; MATCH (m) RETURN m",
        "not_in_neo4j5": "CALL db.indexes()",
        "unknown_function": "RETURN arcadeOnly(1) AS x",
        "valid": "MATCH (r:Rule {id: $id}) WHERE r.code IS NOT NULL RETURN r.code",
    })
    for name in ("syntax", "neo4j4_exists", "neo4j4_constraint", "two_statements",
                 "not_in_neo4j5", "unknown_function"):
        assert _errors(results[name]), f"{name}: linter reported no error: {results[name]}"
    assert "no longer supported" in _errors(results["neo4j4_exists"])[0]["message"]
    assert results["valid"] == [], results["valid"]
