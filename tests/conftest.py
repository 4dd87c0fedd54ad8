"""One real graph store per test session: embedded ArcadeDB on a fresh directory, or the Neo4j
that NEO4J_URI points at. Nothing here mocks the store.

Against Neo4j the suite deletes everything in the target database first, so it refuses to run
unless ORIGINGRAPH_TEST_WIPE=1 says that database is a scratch one.

The store is imported inside the fixtures, not at the top: the pure engine tests
(``tests/test_engine_*.py``, ``tests/test_criteria.py``, ``tests/test_rule_language.py``) then run
without importing or starting it (``tests/test_engine_isolation.py`` checks).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from graph.store import Store

REPO = Path(__file__).resolve().parent.parent
EVAL_DATA = REPO.parent / "shared" / "eval-data"

# Commands the tests run on their own temporary data directories start the store service there
# (graph.service); it stops soon after their last command instead of after the default 15 minutes.
os.environ.setdefault("ORIGINGRAPH_STORE_IDLE", "20s")
# Their services train no JVM start-up cache (graph.startup_cache: 45 s of CPU each, beside the
# tests); tests/test_store_service.py turns it on for the test of the cache itself.
os.environ.setdefault("ORIGINGRAPH_STARTUP_CACHE", "off")


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    from graph import queries
    from graph.store import StoreConfig, open_store

    config = StoreConfig.from_env()
    if config.uri:
        if os.environ.get("ORIGINGRAPH_TEST_WIPE") != "1":
            pytest.exit("NEO4J_URI is set: the tests delete all data in that database. "
                        "Set ORIGINGRAPH_TEST_WIPE=1 if it is a scratch database.", returncode=4)
    else:
        config = StoreConfig(data_dir=tmp_path_factory.mktemp("store"))
    with open_store(config) as opened:
        if config.uri:
            opened.write_tx(lambda tx: tx.run(queries.DELETE_ALL_DATA).consume())
        yield opened


XFTA = Path(__file__).parent / "fixtures" / "xfta"


def seeds_with_xfta(target: Path) -> Path:
    """The bundled seeds plus the fictional XFTA test instrument (see fixtures/xfta/README.md)."""
    from seeds.read import BUNDLED

    shutil.copytree(BUNDLED, target)
    shutil.copytree(XFTA, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("README.md"))
    return target


@pytest.fixture(scope="session")
def seeded(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The store with the bundled seeds and the XFTA test instrument loaded."""
    from graph.load import load_seeds
    from seeds.read import read_seeds

    load_seeds(store, read_seeds(seeds_with_xfta(tmp_path_factory.mktemp("seeds") / "seeds")))
    return store


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    """A writable copy of what ``seeded`` loaded, for tests that change or reload it."""
    return seeds_with_xfta(tmp_path / "seeds")


@pytest.fixture(scope="session")
def cli(store: Store):
    """Run ``origingraph ARGS`` in a fresh process against the session's store (over Bolt)."""

    def run(*args: str) -> subprocess.CompletedProcess:
        env = dict(os.environ)
        if store.kind != "neo4j":
            env["ORIGINGRAPH_DATA"] = store.location
        return subprocess.run([sys.executable, "-m", "api.cli", *args], env=env, capture_output=True, text=True,
                              timeout=180)

    return run


@pytest.fixture(scope="module")
def client(seeded: Store) -> Iterator[TestClient]:
    """The real app over the seeded store with writes disabled (no ORIGINGRAPH_API_KEY)."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    previous = os.environ.pop("ORIGINGRAPH_API_KEY", None)
    try:
        with TestClient(create_app(seeded)) as c:
            yield c
    finally:
        if previous is not None:
            os.environ["ORIGINGRAPH_API_KEY"] = previous
