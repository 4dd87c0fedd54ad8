"""One way to reach the graph: Bolt through the official driver, with neomodel on the same driver.

``NEO4J_URI`` (with ``NEO4J_USER``, ``NEO4J_PASSWORD`` and optionally ``NEO4J_DATABASE``) selects a
real Neo4j 5. Without it origingraph starts the embedded ArcadeDB server (``graph.embedded``) and
talks to it over Bolt exactly as it would to Neo4j, so there is a single code path to test.

Writes go through managed transactions only (``execute_write``): the embedded store can keep the
partial effects of a failing auto-commit statement, and a managed transaction is all-or-nothing on
both stores.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from neo4j import Driver, GraphDatabase, ManagedTransaction
from neo4j.exceptions import Neo4jError, ServiceUnavailable

from graph.embedded import EmbeddedServer, running_server

T = TypeVar("T")
StoreKind = Literal["neo4j", "embedded", "embedded-shared"]


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("origingraph"))


@dataclass(frozen=True)
class StoreConfig:
    """Where the graph lives, read from the environment once."""

    uri: str | None = None
    user: str = "neo4j"
    password: str = ""
    database: str | None = None
    data_dir: Path = field(default_factory=default_data_dir)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "StoreConfig":
        env = os.environ if environ is None else environ
        return cls(
            uri=env.get("NEO4J_URI") or None,
            user=env.get("NEO4J_USER", "neo4j"),
            password=env.get("NEO4J_PASSWORD", ""),
            database=env.get("NEO4J_DATABASE") or None,
            data_dir=Path(env["ORIGINGRAPH_DATA"]) if env.get("ORIGINGRAPH_DATA") else default_data_dir(),
        )


class StoreError(RuntimeError):
    """The graph store cannot be reached or refused a statement; the message names which."""


class Store:
    """An open connection to the graph. Use as a context manager, or call ``close()``."""

    def __init__(self, driver: Driver, database: str | None, kind: StoreKind, location: str,
                 server: EmbeddedServer | None = None):
        self.driver = driver
        self.database = database
        self.kind = kind
        self.location = location
        self._server = server
        self._bind_neomodel()

    def _bind_neomodel(self) -> None:
        from neomodel import db, get_config

        get_config().database_name = self.database
        db.set_connection(driver=self.driver)

    def read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        """Run one read query in a managed read transaction and return its records as dicts."""
        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return tx.run(query, params).data()

        return self.read_tx(work)

    def read_tx(self, work: Callable[[ManagedTransaction], T]) -> T:
        with self.driver.session(database=self.database) as session:
            return session.execute_read(work)

    def write_tx(self, work: Callable[[ManagedTransaction], T]) -> T:
        """Run ``work`` in one managed write transaction: it commits whole or not at all.

        The same transaction bumps the graph revision (``queries.BUMP_GRAPH_REVISION``), so every
        cache of graph answers keyed by it (``graph.cache``) is invalidated exactly when the write
        commits. Schema changes (DDL) go through :meth:`schema_tx` instead: Neo4j refuses schema
        and data writes in one transaction.
        """
        from graph import queries

        epoch = uuid.uuid4().hex

        def work_then_bump(tx: ManagedTransaction) -> T:
            result = work(tx)
            tx.run(queries.BUMP_GRAPH_REVISION, epoch=epoch).consume()
            return result

        with self.driver.session(database=self.database) as session:
            return session.execute_write(work_then_bump)

    def schema_tx(self, work: Callable[[ManagedTransaction], T]) -> T:
        """Run one DDL statement's ``work`` in its own managed transaction (no revision bump: no data)."""
        with self.driver.session(database=self.database) as session:
            return session.execute_write(work)

    def server_agent(self) -> str:
        return self.driver.get_server_info().agent

    def close(self) -> None:
        """Close neomodel's and our driver before the embedded server stops (see graph.embedded)."""
        from neomodel import db

        if db.driver is self.driver:
            db.driver = None
        self.driver.close()
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _connect(uri: str, user: str, password: str, database: str | None) -> Driver:
    driver = GraphDatabase.driver(uri, auth=(user, password))
    try:
        driver.verify_connectivity()
    except (ServiceUnavailable, Neo4jError, OSError) as exc:
        driver.close()
        raise StoreError(f"cannot reach the graph at {uri} (database {database or 'default'}): {exc}") from exc
    return driver


def open_store(config: StoreConfig | None = None) -> Store:
    """Connect to Neo4j when configured, else to this data directory's embedded server."""
    config = config or StoreConfig.from_env()
    if config.uri:
        driver = _connect(config.uri, config.user, config.password, config.database)
        return Store(driver, config.database, "neo4j", config.uri)

    shared = running_server(config.data_dir)
    if shared is not None:
        driver = _connect(shared.uri, shared.user, shared.password, shared.database)
        return Store(driver, shared.database, "embedded-shared", str(config.data_dir))

    server = EmbeddedServer(config.data_dir)
    endpoint = server.start()
    try:
        driver = _connect(endpoint.uri, endpoint.user, endpoint.password, endpoint.database)
    except StoreError:
        server.stop()
        raise
    return Store(driver, endpoint.database, "embedded", str(config.data_dir), server=server)


@contextmanager
def store_session(config: StoreConfig | None = None) -> Iterator[Store]:
    store = open_store(config)
    try:
        yield store
    finally:
        store.close()
