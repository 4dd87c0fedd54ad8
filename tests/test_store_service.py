"""The store service (graph.service): started by the first command, reused by the next ones, stopped
by ``origingraph store stop``, by SIGTERM and when idle; stale locks recovered; no process left.

Each test runs real ``origingraph`` commands in fresh processes on its own data directory, so each
starts a real embedded store in the background (no mocks)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph.embedded import LOCK_FILE, free_loopback_port, lock_is_held, pid_alive

pytestmark = pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="exercises the embedded store service")

CLI = [sys.executable, "-m", "api.cli"]


def run(data_dir: Path, *args: str, idle: str = "10m", timeout: float = 240,
        startup_cache: str = "off") -> subprocess.CompletedProcess:
    """One command in a fresh process, its output captured: it returns, so the service it may have
    started holds none of its pipes."""
    env = {**os.environ, "ORIGINGRAPH_DATA": str(data_dir), "ORIGINGRAPH_STORE_IDLE": idle,
           "ORIGINGRAPH_STARTUP_CACHE": startup_cache}
    env.pop("ORIGINGRAPH_STORE", None)
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=timeout)


def status(data_dir: Path) -> dict:
    done = run(data_dir, "store", "status", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def services_on(data_dir: Path) -> list[int]:
    """Every process running the store service (hence a JVM) for this data directory."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                argv = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"graph.service" in argv and str(data_dir).encode() in argv and pid_alive(int(proc.name)):
                pids.append(int(proc.name))
    return pids


def wait_gone(pid: int, data_dir: Path, within: float) -> float:
    started = time.monotonic()
    while pid_alive(pid) or lock_is_held(data_dir):
        assert time.monotonic() - started < within, f"store service {pid} still running after {within} s"
        time.sleep(0.1)
    return time.monotonic() - started


@pytest.fixture
def data_dir(tmp_path: Path):
    path = tmp_path / "data"
    yield path
    for pid in services_on(path):  # never leave a JVM behind, even when a test fails
        os.kill(pid, signal.SIGKILL)


def test_first_command_starts_the_service_and_the_next_reuses_it(data_dir: Path) -> None:
    started = time.monotonic()
    load = run(data_dir, "load")
    first_s = time.monotonic() - started
    assert load.returncode == 0, load.stderr
    assert "store: embedded" in load.stdout
    service = status(data_dir)
    assert service["state"] == "running" and service["mode"] == "service", service
    assert services_on(data_dir) == [service["pid"]]

    started = time.monotonic()
    second = run(data_dir, "status", "--json")
    second_s = time.monotonic() - started
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["nodes"]["Instrument"] >= 11  # the data the first command loaded
    assert status(data_dir)["pid"] == service["pid"]  # the same service, not a new one
    assert second_s < first_s / 2, (first_s, second_s)
    assert status(data_dir)["clients"] == 0  # leases are given back when a command ends

    stop = run(data_dir, "store", "stop")
    assert stop.returncode == 0, stop.stderr
    assert f"stopped the store service pid {service['pid']}" in stop.stdout
    wait_gone(service["pid"], data_dir, within=10)
    assert status(data_dir)["state"] == "not running"
    assert services_on(data_dir) == []
    assert "stopping (SIGTERM)" in (data_dir / "service.log").read_text()


def test_a_stale_lock_is_cleared_and_an_idle_service_stops_by_itself(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = {"pid": int(dead.stdout), "mode": "service", "state": "ready", "bolt_port": free_loopback_port(),
             "started": time.time() - 3600, "idle_s": 900.0}
    (data_dir / LOCK_FILE).write_text(json.dumps(stale))
    report = status(data_dir)
    assert report["state"] == "not running"
    assert report["stale_cleared"] == f"pid {stale['pid']} (service) had died"
    assert (data_dir / LOCK_FILE).read_text() == ""

    # A crashed owner whose pid is alive again (reused) but does not hold the lock: stale too.
    (data_dir / LOCK_FILE).write_text(json.dumps({**stale, "pid": os.getpid()}))
    first = run(data_dir, "status", "--json", idle="3s")
    assert first.returncode == 0, first.stderr
    pid = json.loads((data_dir / LOCK_FILE).read_text())["pid"]
    assert pid != os.getpid() and pid in services_on(data_dir)
    gone_after = wait_gone(pid, data_dir, within=30)
    assert "stopping (idle for 3s)" in (data_dir / "service.log").read_text()
    assert services_on(data_dir) == [] and gone_after < 30


def test_sigterm_stops_the_service_within_seconds(data_dir: Path) -> None:
    start = run(data_dir, "store", "start", "--idle", "10m")
    assert start.returncode == 0, start.stderr
    service = status(data_dir)
    assert service["state"] == "running" and service["idle_s"] == 600
    os.kill(service["pid"], signal.SIGTERM)
    assert wait_gone(service["pid"], data_dir, within=10) < 10
    assert services_on(data_dir) == []
    log = (data_dir / "service.log").read_text()
    assert "stopping (SIGTERM)" in log and "stopped" in log and "SIGSEGV" not in log


def _startup_lines(data_dir: Path) -> list[str]:
    return [line.split("JVM start-up cache: ")[1] for line in (data_dir / "service.log").read_text().splitlines()
            if "JVM start-up cache: " in line]


def _one_life(data_dir: Path, until_training: bool = False) -> None:
    """Start the service with a question, then stop it (``until_training``: once it has started the
    cache's training, which it does when no client has been connected for a few seconds)."""
    from graph.startup_cache import StartupCache

    asked = run(data_dir, "status", "--json", startup_cache="on")
    assert asked.returncode == 0, asked.stderr
    pid = status(data_dir)["pid"]
    deadline = time.monotonic() + 60
    while until_training and StartupCache(data_dir).status() == "none":
        assert time.monotonic() < deadline, "the idle service did not start the training"
        time.sleep(0.2)
    assert run(data_dir, "store", "stop").returncode == 0
    wait_gone(pid, data_dir, within=30)


def _built(cache) -> None:
    deadline = time.monotonic() + 240
    while cache.status() != "built":
        assert time.monotonic() < deadline, (cache.dir / "train.log").read_text()
        time.sleep(0.5)


def test_the_jvm_start_up_cache_is_trained_when_idle_used_and_remade_when_the_jvm_changes(
        data_dir: Path) -> None:
    from graph.startup_cache import StartupCache

    cache = StartupCache(data_dir)
    _one_life(data_dir, until_training=True)
    assert _startup_lines(data_dir) == ["none yet; trained in the background once no client is connected",
                                        "training it in the background now that no client is connected"]
    _built(cache)
    assert "startup cache: built" in (cache.dir / "train.log").read_text()
    assert not cache.recording.exists() and json.loads(cache.training.read_text())["classpath"]
    _one_life(data_dir)
    assert _startup_lines(data_dir)[-1] == "in use"

    noted = json.loads(cache.training.read_text())  # another JVM or jars: the cache does not fit
    cache.training.write_text(json.dumps({**noted, "fingerprint": "another JVM"}))
    _one_life(data_dir, until_training=True)
    assert _startup_lines(data_dir)[-2:] == ["none yet; trained in the background once no client is connected",
                                             "training it in the background now that no client is connected"]
    _built(cache)
    _one_life(data_dir)
    assert _startup_lines(data_dir)[-1] == "in use"
