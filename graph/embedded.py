"""The embedded default store: ArcadeDB in a Python process, reached over its Bolt plugin.

Everything else in origingraph talks Bolt through the official driver, so the embedded server is
only a way to have a Bolt endpoint on loopback without installing Neo4j. Four things matter:

- Ports are free loopback ports picked at start, and every listener (Bolt and HTTP) binds to
  127.0.0.1 only. The root password is made once per data directory (``credentials``, mode 0600).
- The JVM must not outlive the interpreter's shutdown: the server is stopped by ``stop()``, by the
  context manager, or at the latest by an ``atexit`` hook. Callers close their drivers *before*
  the server stops; an open Bolt connection at JVM shutdown can crash or hang the process.
- One process at a time owns a data directory: it holds an exclusive ``flock`` on ``store.lock``
  for as long as the server runs, and the file's text says who it is (pid, mode, Bolt port,
  state). The kernel drops the lock when the owner dies, so a crashed owner's file is recognised
  as stale (lock free, or its pid gone) and taken over by the next owner.
- Any other process reaches the owner over Bolt (``running_server``) instead of failing on
  ArcadeDB's file lock: ``origingraph status`` while ``serve`` runs, every command while the store
  service (``graph.service``) runs.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import os
import secrets
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from graph.data_dir import secure_data_dir

DATABASE = "origingraph"
ROOT_USER = "root"
LOCK_FILE = "store.lock"
_LOG_CONFIG = Path(__file__).with_name("arcadedb-log.properties")

OwnerMode = Literal["service", "in-process"]


@dataclass(frozen=True)
class BoltEndpoint:
    uri: str
    user: str
    password: str
    database: str


@dataclass(frozen=True)
class Owner:
    """What the owner of a data directory wrote into its lock file."""

    pid: int
    mode: OwnerMode
    state: Literal["starting", "ready"]
    bolt_port: int | None = None
    started: float = 0.0
    idle_s: float | None = None


class EmbeddedStoreError(RuntimeError):
    """The embedded store could not be started; the message says what to do."""


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_answers(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    """Whether the process runs (a zombie, ended but not yet reaped by its parent, does not)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2:][:1] not in ("Z", "X")


def root_password(data_dir: Path) -> str:
    """The server's root password: made once per data directory, readable by its owner only."""
    secret = data_dir / "credentials"
    if not secret.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(24))
    return secret.read_text().strip()


def endpoint_of(data_dir: Path, port: int) -> BoltEndpoint:
    return BoltEndpoint(f"bolt://127.0.0.1:{port}", ROOT_USER, root_password(data_dir), DATABASE)


def read_owner(data_dir: Path) -> Owner | None:
    """The lock file's account of its owner (None when absent, cleared or half-written)."""
    try:
        info = json.loads((data_dir / LOCK_FILE).read_text())
        return Owner(**info)
    except (OSError, ValueError, TypeError):
        return None


def lock_is_held(data_dir: Path) -> bool:
    """Whether some live process holds the data directory's lock (a shared probe, released at once)."""
    try:
        fd = os.open(data_dir / LOCK_FILE, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def live_owner(data_dir: Path) -> Owner | None:
    """The owner of the data directory if it is alive (its lock held and its pid running), else None:
    no owner, or a stale lock file left by one that crashed."""
    owner = read_owner(data_dir)
    if owner is None or not pid_alive(owner.pid) or not lock_is_held(data_dir):
        return None
    return owner


def running_server(data_dir: Path) -> BoltEndpoint | None:
    """The Bolt endpoint of another live process serving this data directory, if there is one."""
    owner = live_owner(data_dir)
    if owner is None or owner.pid == os.getpid() or owner.state != "ready" or owner.bolt_port is None:
        return None
    if not port_answers(owner.bolt_port):
        return None
    return endpoint_of(data_dir, owner.bolt_port)


class DataDirLock:
    """The exclusive ``flock`` that makes one process the owner of a data directory.

    The file is never unlinked (a process that opened it before an unlink would lock a file nobody
    else sees); releasing empties it, and a new owner overwrites whatever a crashed one left.
    """

    def __init__(self, data_dir: Path):
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self, wait_s: float = 2.0) -> bool:
        """Take the lock, retrying for ``wait_s`` (a status probe holds it for microseconds)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(0.05)
        self._fd = fd
        return True

    def publish(self, owner: Owner) -> None:
        assert self._fd is not None, "publish() before acquire()"
        text = json.dumps(asdict(owner)).encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, text, 0)

    def is_current(self) -> bool:
        """Whether the path still names the file this lock holds (someone may have deleted the directory)."""
        if self._fd is None:
            return False
        try:
            return os.stat(self.path).st_ino == os.fstat(self._fd).st_ino
        except OSError:
            return False

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)


class EmbeddedServer:
    """ArcadeDB with its Bolt plugin on a free loopback port, for the life of one process.

    ``mode`` is what the lock file tells others: ``in-process`` for a process using the store for
    itself (tests, benchmarks, ``serve --in-process``), ``service`` for the background store service.
    """

    def __init__(self, data_dir: Path, heap: str = "2g", mode: OwnerMode = "in-process",
                 idle_s: float | None = None, jvm_args: tuple[str, ...] = ()):
        self.data_dir = data_dir
        self.heap = heap
        self.mode: OwnerMode = mode
        self.idle_s = idle_s
        self.jvm_args = jvm_args
        self.lock = DataDirLock(data_dir)
        self._server = None
        self.endpoint: BoltEndpoint | None = None

    def start(self) -> BoltEndpoint:
        secure_data_dir(self.data_dir)
        if not self.lock.acquire():
            owner = read_owner(self.data_dir)
            who = f"process {owner.pid} ({owner.mode})" if owner else "another process"
            raise EmbeddedStoreError(
                f"the embedded store in {self.data_dir} is owned by {who} that does not answer over Bolt; "
                "stop it (origingraph store stop, or end that process) or set ORIGINGRAPH_DATA to another directory."
            )
        started = time.time()
        self.lock.publish(Owner(os.getpid(), self.mode, "starting", started=started, idle_s=self.idle_s))
        try:
            try:
                from arcadedb_embedded import create_server
                from arcadedb_embedded.jvm import start_jvm
            except ImportError as exc:  # pragma: no cover - it is a declared dependency
                raise EmbeddedStoreError(
                    "the embedded store needs the 'arcadedb-embedded' package; "
                    "install origingraph with its dependencies or set NEO4J_URI"
                ) from exc
            password = root_password(self.data_dir)
            start_jvm(
                heap_size=self.heap,
                jvm_args=[
                    f"-Djava.util.logging.config.file={_LOG_CONFIG}",
                    f"-XX:ErrorFile={self.data_dir / 'hs_err_pid%p.log'}",
                    "--enable-native-access=ALL-UNNAMED",
                    *self.jvm_args,
                ],
            )
            bolt_port = free_loopback_port()
            server = create_server(
                str(self.data_dir / "databases"),
                root_password=password,
                config={
                    "host": "127.0.0.1",
                    "http_port": free_loopback_port(),
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
        except BaseException:
            self.lock.release()
            raise
        self._server = server
        atexit.register(self.stop)
        server.create_database(DATABASE)
        self.lock.publish(Owner(os.getpid(), self.mode, "ready", bolt_port, started, self.idle_s))
        self.endpoint = BoltEndpoint(f"bolt://127.0.0.1:{bolt_port}", ROOT_USER, password, DATABASE)
        return self.endpoint

    def stop(self) -> None:
        if self._server is None:
            return
        server, self._server = self._server, None
        try:
            server.stop()
        finally:
            self.lock.release()
            atexit.unregister(self.stop)
