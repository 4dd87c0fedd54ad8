"""The embedded default store: ArcadeDB in this process, reached over its Bolt plugin.

Everything else in origingraph talks Bolt through the official driver, so the embedded server is
only a way to have a Bolt endpoint on loopback without installing Neo4j. Three things matter:

- Ports are free loopback ports picked at start, and every listener (Bolt and HTTP) binds to
  127.0.0.1 only.
- The JVM must not outlive the interpreter's shutdown: the server is stopped by ``stop()``, by the
  context manager, or at the latest by an ``atexit`` hook. Callers close their drivers *before*
  the server stops; an open Bolt connection at JVM shutdown can crash or hang the process.
- One process at a time owns a data directory. A running server records its Bolt port in
  ``server.json`` so a second process (``origingraph status`` while ``serve`` runs) connects to it
  over Bolt instead of failing on ArcadeDB's file lock.
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

DATABASE = "origingraph"
ROOT_USER = "root"
_LOG_CONFIG = Path(__file__).with_name("arcadedb-log.properties")


@dataclass(frozen=True)
class BoltEndpoint:
    uri: str
    user: str
    password: str
    database: str


class EmbeddedStoreError(RuntimeError):
    """The embedded store could not be started; the message says what to do."""


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _root_password(data_dir: Path) -> str:
    """The server's root password: made once per data directory, readable by its owner only."""
    secret = data_dir / "credentials"
    if not secret.exists():
        secret.write_text(secrets.token_urlsafe(24))
        secret.chmod(0o600)
    return secret.read_text().strip()


def running_server(data_dir: Path) -> BoltEndpoint | None:
    """The Bolt endpoint of another live process serving this data directory, if there is one."""
    marker = data_dir / "server.json"
    try:
        info = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    if info.get("pid") == os.getpid() or not _pid_alive(info.get("pid", -1)):
        return None
    if not _port_answers(info["bolt_port"]):
        return None
    return BoltEndpoint(
        f"bolt://127.0.0.1:{info['bolt_port']}", ROOT_USER, _root_password(data_dir), DATABASE
    )


class EmbeddedServer:
    """ArcadeDB with its Bolt plugin on a free loopback port, for the life of one process."""

    def __init__(self, data_dir: Path, heap: str = "2g"):
        self.data_dir = data_dir
        self.heap = heap
        self._server = None
        self.endpoint: BoltEndpoint | None = None

    def start(self) -> BoltEndpoint:
        try:
            from arcadedb_embedded import create_server
            from arcadedb_embedded.jvm import start_jvm
        except ImportError as exc:  # pragma: no cover - it is a declared dependency
            raise EmbeddedStoreError(
                "the embedded store needs the 'arcadedb-embedded' package; "
                "install origingraph with its dependencies or set NEO4J_URI"
            ) from exc

        self.data_dir.mkdir(parents=True, exist_ok=True)
        password = _root_password(self.data_dir)
        start_jvm(
            heap_size=self.heap,
            jvm_args=[
                f"-Djava.util.logging.config.file={_LOG_CONFIG}",
                f"-XX:ErrorFile={self.data_dir / 'hs_err_pid%p.log'}",
                "--enable-native-access=ALL-UNNAMED",
            ],
        )
        bolt_port = _free_loopback_port()
        server = create_server(
            str(self.data_dir / "databases"),
            root_password=password,
            config={
                "host": "127.0.0.1",
                "http_port": _free_loopback_port(),
                "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
                "bolt_port": bolt_port,
            },
        )
        try:
            server.start()
        except Exception as exc:
            raise EmbeddedStoreError(
                f"could not start the embedded store in {self.data_dir}: {exc}. "
                "If another origingraph process uses this directory, stop it or set "
                "ORIGINGRAPH_DATA to another directory."
            ) from exc
        self._server = server
        atexit.register(self.stop)
        server.create_database(DATABASE)
        (self.data_dir / "server.json").write_text(
            json.dumps({"pid": os.getpid(), "bolt_port": bolt_port})
        )
        self.endpoint = BoltEndpoint(f"bolt://127.0.0.1:{bolt_port}", ROOT_USER, password, DATABASE)
        return self.endpoint

    def stop(self) -> None:
        if self._server is None:
            return
        server, self._server = self._server, None
        (self.data_dir / "server.json").unlink(missing_ok=True)
        server.stop()
        atexit.unregister(self.stop)
