"""One way to reach the graph: Bolt through the official driver, with neomodel on the same driver.

``NEO4J_URI`` (with ``NEO4J_USER``, ``NEO4J_PASSWORD`` and optionally ``NEO4J_DATABASE``) selects a
real Neo4j 5. Without it origingraph uses the embedded ArcadeDB server (``graph.embedded``) and
talks to it over Bolt exactly as it would to Neo4j, so there is a single code path to test.

The embedded server runs either in the store service (``graph.service``: started on first use,
shared by every later command, stopped when idle; what the environment, hence the CLI and the API,
selects by default) or in this process (``embedded="in-process"``: what a ``StoreConfig`` built in
code gets, e.g. the test suite's session store and the benchmarks, and what
``ORIGINGRAPH_STORE=in-process`` selects). Either way a process finding the data directory owned
by another live process connects to that one.

Writes go through managed transactions only (``execute_write``): the embedded store can keep the
partial effects of a failing auto-commit statement, and a managed transaction is all-or-nothing on
both stores.
"""

from __future__ import annotations

import os
import sys
import threading
import uuid
import weakref
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from neo4j import READ_ACCESS, Driver, GraphDatabase, ManagedTransaction, Record
from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable

from graph.embedded import EmbeddedServer, EmbeddedStoreError, running_server
from graph.service import DEFAULT_IDLE_S, drop_lease, ensure_service, parse_duration, take_lease

T = TypeVar("T")
StoreKind = Literal["neo4j", "embedded", "embedded-shared"]
"""``embedded``: the embedded store run by this process or by the store service; ``embedded-shared``:
one that another process runs in-process (a test session, ``serve`` with ``ORIGINGRAPH_STORE=in-process``)."""
EmbeddedMode = Literal["service", "in-process"]


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
    embedded: EmbeddedMode = "in-process"
    idle_s: float = DEFAULT_IDLE_S

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "StoreConfig":
        """``ORIGINGRAPH_STORE`` (``service``, the default, or ``in-process``) and
        ``ORIGINGRAPH_STORE_IDLE`` (a duration: ``900``, ``90s``, ``15m``, ``1h``) choose how the
        embedded store runs."""
        env = os.environ if environ is None else environ
        mode = env.get("ORIGINGRAPH_STORE") or "service"
        if mode not in ("service", "in-process"):
            raise StoreError(f"ORIGINGRAPH_STORE: expected service or in-process, got {mode!r}")
        try:
            idle_s = parse_duration(env["ORIGINGRAPH_STORE_IDLE"]) if env.get("ORIGINGRAPH_STORE_IDLE") \
                else DEFAULT_IDLE_S
        except ValueError as exc:
            raise StoreError(f"ORIGINGRAPH_STORE_IDLE: {exc}") from None
        return cls(
            uri=env.get("NEO4J_URI") or None,
            user=env.get("NEO4J_USER", "neo4j"),
            password=env.get("NEO4J_PASSWORD", ""),
            database=env.get("NEO4J_DATABASE") or None,
            data_dir=Path(env["ORIGINGRAPH_DATA"]) if env.get("ORIGINGRAPH_DATA") else default_data_dir(),
            embedded=mode,
            idle_s=idle_s,
        )


_newest: Callable[[], "Store | None"] = lambda: None


def bind_neomodel() -> None:
    """Put neomodel on the driver of the store opened last, if it is still open.

    A store binds neomodel when it opens only if neomodel is loaded already; ``graph.schema`` (the
    neomodel classes) calls this when it loads. So a command that only reads (``rules``, ``evaluate``)
    never imports neomodel, about a quarter of a one-shot CLI call's imports."""
    store = _newest()
    if store is not None and not store.closed:
        store._bind_neomodel()


class StoreError(RuntimeError):
    """The graph store cannot be reached or refused a statement; the message names which."""


class Store:
    """An open connection to the graph. Use as a context manager, or call ``close()``."""

    def __init__(self, driver: Driver, database: str | None, kind: StoreKind, location: str,
                 server: EmbeddedServer | None = None, lease: Path | None = None):
        self.driver = driver
        self.database = database
        self.kind = kind
        self.location = location
        self._server = server
        self._lease = lease
        self.read_parallelism = max(1, min(4, os.cpu_count() or 1))
        """How many statements :meth:`read_parts` runs at once: the cores, up to four."""
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self.closed = False
        self.round_trips = 0
        """Statements sent on this store and answered (each one Bolt RUN/PULL exchange; a managed
        transaction adds its BEGIN and COMMIT): what the benchmarks and tests count."""
        self.revision_followers: list[Callable[[list[dict[str, Any]]], None]] = []
        """Called with the revision rows a committed write bumped to (``graph.cache``: the answer
        cache starts that revision's generation at once, so this process's next question reads no
        revision first)."""
        global _newest
        _newest = weakref.ref(self)
        if "neomodel" in sys.modules:
            self._bind_neomodel()

    def _bind_neomodel(self) -> None:
        from neomodel import db, get_config

        get_config().database_name = self.database
        db.set_connection(driver=self.driver)

    def read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        """Run one read query and return its records as dicts (see ``_record``: a batch's rules
        statement returns some 400,000 nested values).

        One auto-commit statement in a read session: one exchange with the server where a managed
        transaction adds its BEGIN and COMMIT (a rules statement on the embedded store: p50 1.66 ms
        managed, 1.28 ms auto-commit, measured interleaved). It writes nothing, so ArcadeDB's partial writes of a failing auto-commit statement do
        not arise. A failure the driver calls retryable (a lost connection, a leader switch) is run
        again in a managed read transaction, which retries; any other error is raised as it is."""
        self.round_trips += 1
        return self._read(query, params)

    def read_parts(self, query: str, parts: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Run ``query`` once per parameter set of ``parts``, concurrently on up to
        :attr:`read_parallelism` sessions, and return the rows of all of them in the order of ``parts``.

        For a batch's big statements (``split`` cuts their questions): the server answers them on as
        many cores as it has, where one statement runs on one. The lineage of 7,085 BOM codes on the
        embedded store, warm, 2 CPUs: 1.28 s as one statement, 0.95 s as two, 0.84 s as four."""
        if len(parts) <= 1:
            return [row for p in parts for row in self.read(query, **p)]
        self.round_trips += len(parts)
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.read_parallelism, thread_name_prefix="origingraph-read")
        return [row for rows in self._pool.map(lambda p: self._read(query, p), parts) for row in rows]

    def split(self, items: Sequence[T], least: int = 500) -> list[Sequence[T]]:
        """``items`` dealt into parts of at least ``least`` for :meth:`read_parts` (at most
        :attr:`read_parallelism` parts; one for a small batch, which one statement answers best).

        Dealt, not cut: neighbouring questions cost alike (one instrument's codes, one HS chapter's
        lineage), so contiguous parts were unequal and the batch waited for the slowest (the rules of
        1,000 BOMs: 0.97 s against 0.29 s for the two parts)."""
        count = max(1, min(self.read_parallelism, len(items) // least))
        return [items[i::count] for i in range(count)] if count > 1 else [items]

    def _read(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            with self.driver.session(database=self.database, default_access_mode=READ_ACCESS) as session:
                return [_record(record) for record in session.run(query, params)]
        except (Neo4jError, DriverError) as exc:
            if not exc.is_retryable():
                raise

        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return [_record(record) for record in tx.run(query, params)]

        with self.driver.session(database=self.database) as session:
            return session.execute_read(work)

    def read_tx(self, work: Callable[[ManagedTransaction], T]) -> T:
        with self.driver.session(database=self.database) as session:
            return session.execute_read(lambda tx: work(_Counted(tx, self)))

    def write_tx(self, work: Callable[[ManagedTransaction], T], *, answers_change: bool = True) -> T:
        """Run ``work`` in one managed write transaction: it commits whole or not at all.

        The same transaction bumps the graph revision (``queries.BUMP_GRAPH_REVISION``), so every
        cache of graph answers keyed by it (``graph.cache``) is invalidated exactly when the write
        commits. ``answers_change=False`` is for a write no cached answer reads (a stored BOM: the
        caches hold rule data only), which leaves the revision, and so the warm caches, alone.
        Schema changes (DDL) go through :meth:`schema_tx` instead: Neo4j refuses schema and data
        writes in one transaction.
        """
        from graph import queries

        epoch = uuid.uuid4().hex
        bumped: list[dict[str, Any]] = []

        def work_then_bump(tx: ManagedTransaction) -> T:
            result = work(_Counted(tx, self))
            if answers_change:
                self.round_trips += 1
                bumped[:] = [dict(r) for r in tx.run(queries.BUMP_GRAPH_REVISION, epoch=epoch)]
            return result

        with self.driver.session(database=self.database) as session:
            result = session.execute_write(work_then_bump)
        if bumped:  # committed
            for follow in self.revision_followers:
                follow(bumped)
        return result

    def schema_tx(self, work: Callable[[ManagedTransaction], T]) -> T:
        """Run one DDL statement's ``work`` in its own managed transaction (no revision bump: no data)."""
        with self.driver.session(database=self.database) as session:
            return session.execute_write(lambda tx: work(_Counted(tx, self)))

    def server_agent(self) -> str:
        return self.driver.get_server_info().agent

    def close(self) -> None:
        """Close neomodel's and our driver before the embedded server stops (see graph.embedded)."""
        self.closed = True
        neomodel = sys.modules.get("neomodel")
        if neomodel is not None and neomodel.db.driver is self.driver:
            neomodel.db.driver = None
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        self.driver.close()
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._lease is not None:
            drop_lease(self._lease)
            self._lease = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_SCALARS = frozenset({str, int, float, bool, type(None)})


class _NotPlain(Exception):
    """A value ``_plain`` leaves to the driver (a node, relationship, path or temporal value)."""


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list:
        return [_plain(v) for v in value]
    if kind is dict:
        return {k: _plain(v) for k, v in value.items()}
    raise _NotPlain


def _record(record: Record) -> dict[str, Any]:
    """The record as ``Record.data()`` exports it; plain values (what nearly every statement returns)
    are walked by exact type, without ``data()``'s abstract-type checks on every nested value."""
    try:
        return {key: _plain(value) for key, value in record.items()}
    except _NotPlain:
        return record.data()


class _Counted:
    """A transaction that counts the statements run on it in its store's ``round_trips``."""

    def __init__(self, tx: ManagedTransaction, store: Store):
        self._tx, self._store = tx, store

    def run(self, query: str, parameters: dict[str, Any] | None = None, **kwargs: Any):
        self._store.round_trips += 1
        return self._tx.run(query, parameters, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)


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

    if config.embedded == "service":
        return _open_through_service(config)

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


def _open_through_service(config: StoreConfig) -> Store:
    """Connect to the data directory's owner, starting the store service when there is none. The
    lease is taken first, so the service cannot go idle between finding it and connecting; a
    service that stopped in that instant is started again once."""
    data_dir = config.data_dir.resolve()
    lease = take_lease(data_dir)
    try:
        try:
            endpoint, owner = ensure_service(data_dir, config.idle_s)
            try:
                driver = _connect(endpoint.uri, endpoint.user, endpoint.password, endpoint.database)
            except StoreError:
                endpoint, owner = ensure_service(data_dir, config.idle_s)
                driver = _connect(endpoint.uri, endpoint.user, endpoint.password, endpoint.database)
        except EmbeddedStoreError as exc:
            raise StoreError(str(exc)) from None
    except BaseException:
        drop_lease(lease)
        raise
    if owner.mode == "service":
        return Store(driver, endpoint.database, "embedded", str(config.data_dir), lease=lease)
    drop_lease(lease)
    return Store(driver, endpoint.database, "embedded-shared", str(config.data_dir))


@contextmanager
def store_session(config: StoreConfig | None = None) -> Iterator[Store]:
    store = open_store(config)
    try:
        yield store
    finally:
        store.close()
