"""The store service: one background process per data directory that runs the embedded store, so
a command pays for the JVM and ArcadeDB once, not every time.

The first command that needs the embedded store starts ``python -m graph.service DATA_DIR`` as a
detached child (its own session; stdin closed; output to ``DATA_DIR/service.log``, never to the
command's pipes, so a caller reading the command's output is not kept waiting) and waits until
the lock file (``graph.embedded``) says it is ready; every later command connects to it over Bolt
on loopback with the data directory's credentials.

A client holds a *lease* while it is connected: a file ``clients/<pid>-<token>`` made on connect
and removed on close. The service stops itself when no lease of a live process remains and none
has come or gone for the idle time (``ORIGINGRAPH_STORE_IDLE`` or ``--store-idle``, default 15
minutes), on SIGTERM / SIGINT / SIGHUP (``origingraph store stop``), and when its lock file is gone
(the data directory was deleted). It then closes the databases and ends the process itself, JVM
included: no JVM outlives it and no exit waits on a JVM thread.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from graph.embedded import (BoltEndpoint, DataDirLock, EmbeddedServer, EmbeddedStoreError, Owner, endpoint_of,
                            live_owner, lock_is_held, pid_alive, port_answers, read_owner)
from graph.startup_cache import StartupCache

DEFAULT_IDLE_S = 15 * 60.0
START_TIMEOUT_S = 180.0
LOG_FILE = "service.log"
CLIENTS = "clients"
_PROJECT_ROOT = Path(__file__).resolve().parent.parent
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600}
_SPAWNED: dict[Path, subprocess.Popen] = {}  # services this process started, by data directory


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``15m``, ``1.5h`` -> seconds (positive)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text.lower())
    if not match or float(match[1]) <= 0:
        raise ValueError(f"expected a positive duration such as 900, 90s, 15m or 1h, got {text!r}")
    return float(match[1]) * _UNITS[match[2]]


def format_duration(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g}m"
    return f"{seconds:g}s"


# --------------------------------------------------------------------------- leases


def take_lease(data_dir: Path) -> Path:
    clients = data_dir / CLIENTS
    clients.mkdir(mode=0o700, parents=True, exist_ok=True)
    lease = clients / f"{os.getpid()}-{secrets.token_hex(4)}"
    lease.touch(mode=0o600)  # the data directory is its owner's only (graph.data_dir)
    return lease


def drop_lease(lease: Path) -> None:
    lease.unlink(missing_ok=True)


def live_leases(data_dir: Path) -> int:
    """Leases of live processes; those of dead ones (a client killed mid-command) are removed."""
    alive = 0
    try:
        entries = list(os.scandir(data_dir / CLIENTS))
    except FileNotFoundError:
        return 0
    for entry in entries:
        pid = entry.name.split("-", 1)[0]
        if pid.isdigit() and pid_alive(int(pid)):
            alive += 1
        else:
            Path(entry.path).unlink(missing_ok=True)
    return alive


def _last_lease_change(data_dir: Path) -> float:
    try:
        return os.stat(data_dir / CLIENTS).st_mtime
    except FileNotFoundError:
        return 0.0


# --------------------------------------------------------------------------- the service process


def run_service(data_dir: Path, idle_s: float) -> int:
    """The service's life: own the directory, serve until idle or told to stop, then end at once."""
    stop = threading.Event()
    why = {"reason": "signal"}

    def on_signal(signum: int, _frame: object) -> None:
        why["reason"] = signal.Signals(signum).name
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    if live_owner(data_dir) is not None:
        _log(f"{data_dir} already has an owner; nothing to do")
        return 0
    _trim_log(data_dir)
    # -Xrs: the JVM leaves SIGTERM/SIGINT/SIGHUP to the handlers above, so a stop closes the databases.
    startup, jvm_args = StartupCache(data_dir), ("-Xrs",)
    state, startup_args = startup.plan(jvm_args)
    server = EmbeddedServer(data_dir, mode="service", idle_s=idle_s, jvm_args=(*jvm_args, *startup_args))
    try:
        server.start()
    except EmbeddedStoreError as exc:
        if live_owner(data_dir) is not None:
            _log(f"another process became the owner of {data_dir} first")
            return 0
        _log(f"could not start: {exc}")
        return 3
    _log(f"serving {data_dir} on {server.endpoint.uri if server.endpoint else '?'}, "
         f"stopping after {format_duration(idle_s)} idle; JVM start-up cache: {_STARTUP_STATES[state]}")
    last_activity = time.time()
    poll = min(1.0, max(0.05, idle_s / 10))
    while not stop.wait(poll):
        now = time.time()
        if live_leases(data_dir):
            last_activity = now
        else:
            last_activity = max(last_activity, _last_lease_change(data_dir))
        if state == "train" and now - last_activity >= min(TRAIN_AFTER_IDLE_S, idle_s / 2):
            state = "training"
            if startup.start_training(jvm_args):
                _log("JVM start-up cache: training it in the background now that no client is connected")
        if now - last_activity >= idle_s:
            why["reason"] = f"idle for {format_duration(idle_s)}"
            break
        if not server.lock.is_current():
            why["reason"] = "its lock file is gone"
            break
    _log(f"stopping ({why['reason']})")
    _stop_and_exit(server)
    return 0  # not reached: _stop_and_exit ends the process


# The start-up cache is trained once the service has had no client this long: never beside a command.
TRAIN_AFTER_IDLE_S = 5.0
_STARTUP_STATES = {
    "use": "in use",
    "train": "none yet; trained in the background once no client is connected",
    "training": "none yet; its training is still running",
    "off": "off (ORIGINGRAPH_STARTUP_CACHE=off, or no java launcher in the bundled JRE)",
}


def _stop_and_exit(server: EmbeddedServer) -> None:
    """Close the databases, then end the process without waiting for JVM threads; a stop that
    itself hangs is cut short so the process never lingers."""
    watchdog = threading.Timer(30.0, lambda: os._exit(1))
    watchdog.daemon = True
    watchdog.start()
    code = 0
    try:
        server.stop()
    except Exception as exc:  # noqa: BLE001 - report and still end the process
        _log(f"error while stopping: {exc}")
        code = 1
    _log("stopped")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} [store service {os.getpid()}] {message}", flush=True)


def _trim_log(data_dir: Path) -> None:
    """Keep service.log small: start it again when it passes 1 MiB (it is our stdout, opened O_APPEND)."""
    try:
        if os.fstat(sys.stdout.fileno()).st_size > 1 << 20:
            os.ftruncate(sys.stdout.fileno(), 0)
    except (OSError, ValueError):
        pass


# --------------------------------------------------------------------------- the client side


def clear_stale_lock(data_dir: Path) -> Owner | None:
    """Empty a lock file left by an owner that died (its lock free or its pid gone); returns what it said."""
    owner = read_owner(data_dir)
    if owner is None or live_owner(data_dir) is not None:
        return None
    lock = DataDirLock(data_dir)
    if lock.acquire(wait_s=0):
        lock.release()
        return owner
    return None


def _spawn(data_dir: Path, idle_s: float) -> subprocess.Popen:
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    with open(data_dir / LOG_FILE, "ab") as log:
        child = subprocess.Popen([sys.executable, "-m", "graph.service", str(data_dir), "--idle", str(idle_s)],
                                 stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=data_dir,
                                 env=env, start_new_session=True)
    _SPAWNED[data_dir] = child
    return child


def _log_tail(data_dir: Path, lines: int = 8) -> str:
    try:
        return "\n".join((data_dir / LOG_FILE).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start_in_background(data_dir: Path, idle_s: float = DEFAULT_IDLE_S) -> None:
    """Start the service when the directory has no owner, without waiting for it: a command calls
    this first, so the JVM boots while the command imports what it needs."""
    if live_owner(data_dir) is None and not lock_is_held(data_dir):
        clear_stale_lock(data_dir)
        _spawn(data_dir, idle_s)


def ensure_service(data_dir: Path, idle_s: float = DEFAULT_IDLE_S,
                   timeout_s: float = START_TIMEOUT_S) -> tuple[BoltEndpoint, Owner]:
    """The Bolt endpoint of this data directory's owner, starting the service if there is none.

    Whoever owns the directory is used: the service, or a process running the store in-process
    (a test session, ``ORIGINGRAPH_STORE=in-process``). Waits while an owner is starting."""
    started = time.monotonic()
    child = _SPAWNED.get(data_dir)
    unanswered_since: float | None = None
    while True:
        owner = live_owner(data_dir)
        if owner is not None and owner.state == "ready" and owner.bolt_port is not None:
            if port_answers(owner.bolt_port):
                return endpoint_of(data_dir, owner.bolt_port), owner
            unanswered_since = unanswered_since or time.monotonic()
            if time.monotonic() - unanswered_since > 10:
                raise EmbeddedStoreError(
                    f"process {owner.pid} ({owner.mode}) owns {data_dir} but its Bolt port {owner.bolt_port} "
                    f"does not answer; end it (origingraph store stop, or kill {owner.pid}) and retry")
        elif owner is None and not lock_is_held(data_dir):
            clear_stale_lock(data_dir)
            if child is not None and child.poll() is not None:
                if child.returncode != 0:
                    raise EmbeddedStoreError(f"the store service for {data_dir} did not start "
                                             f"(exit {child.returncode}):\n{_log_tail(data_dir)}")
                child = None
            if child is None:
                child = _spawn(data_dir, idle_s)
        if time.monotonic() - started > timeout_s:
            if child is not None and child.poll() is None:
                child.terminate()
            raise EmbeddedStoreError(f"the store for {data_dir} was not ready within {timeout_s:.0f} s:\n"
                                     f"{_log_tail(data_dir)}")
        time.sleep(0.05)


@dataclass(frozen=True)
class ServiceStatus:
    """What ``origingraph store status`` reports."""

    data_dir: str
    state: str  # running, starting, not running
    pid: int | None = None
    mode: str | None = None
    uri: str | None = None
    idle_s: float | None = None
    up_s: float | None = None
    clients: int = 0
    stale_cleared: str | None = None


def service_status(data_dir: Path) -> ServiceStatus:
    owner = live_owner(data_dir)
    if owner is None:
        stale = clear_stale_lock(data_dir)
        note = f"pid {stale.pid} ({stale.mode}) had died" if stale else None
        return ServiceStatus(str(data_dir), "not running", stale_cleared=note)
    uri = f"bolt://127.0.0.1:{owner.bolt_port}" if owner.bolt_port else None
    state = "running" if owner.state == "ready" else "starting"
    return ServiceStatus(str(data_dir), state, owner.pid, owner.mode, uri, owner.idle_s,
                         round(time.time() - owner.started, 1), live_leases(data_dir))


def stop_service(data_dir: Path, timeout_s: float = 30.0) -> ServiceStatus:
    """SIGTERM the directory's service and wait until it has let go of the lock (SIGKILL after
    ``timeout_s``). A process running the store in-process is not ours to stop: an error says so."""
    owner = live_owner(data_dir)
    if owner is None:
        return service_status(data_dir)
    if owner.mode != "service":
        raise EmbeddedStoreError(f"{data_dir} is used in-process by process {owner.pid}, not by the store "
                                 "service; end that process to release it")
    os.kill(owner.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while pid_alive(owner.pid) and lock_is_held(data_dir):
        if time.monotonic() > deadline:
            os.kill(owner.pid, signal.SIGKILL)
            deadline = time.monotonic() + 5
        time.sleep(0.05)
    return service_status(data_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graph.service",
                                     description="Run the embedded store for DATA_DIR until idle (started by origingraph).")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--idle", type=float, default=DEFAULT_IDLE_S, help="seconds without clients before stopping")
    args = parser.parse_args(argv)
    return run_service(args.data_dir.resolve(), args.idle)


if __name__ == "__main__":
    sys.exit(main())
