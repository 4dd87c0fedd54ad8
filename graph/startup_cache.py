"""The store service's JVM start-up cache: JDK 25's AOT cache (JEPs 483, 514 and 515).

Starting the JVM and ArcadeDB is most of what a cold command waits for (a one-shot ``origingraph
rules`` that must start the service: about 3.5 s, 2 CPUs). The JDK can keep the classes a run loaded
and linked, and the profiles of its methods, in a cache that later starts map instead of loading them
again. A data directory's cache lives in ``<data_dir>/aot/``:

- **train** (a start with no cache): the service starts as usual and, once no client has been
  connected for a few seconds (``graph.service.TRAIN_AFTER_IDLE_S``: never beside a command), spawns
  at the lowest priority ``python -m graph.startup_cache DATA_DIR``: a JVM of its own in record mode
  (``-XX:AOTMode=record``) starts ArcadeDB on a scratch directory with the service's flags, loads the
  bundled seeds and asks the product's questions over Bolt, and ends through ``System.exit`` so the JVM
  writes what it recorded; then ``java -XX:AOTMode=create`` builds ``store.aot`` from it (written under
  another name and renamed: a cache is whole or absent). About 45 s of CPU, once; 50 MB on disk. The
  service itself never runs in record mode (that makes its statements 10-20% slower).
- **use**: every later start maps the cache (``-XX:AOTCache``): about 1 s less per start (a one-shot
  ``rules`` 2.6-2.75 s against 3.6-3.9 s, interleaved, 2 CPUs at load 2).

A cache fits only the JVM, jars and flags it was made with. ``fingerprint`` covers them (the bundled
JRE's release, every jar's name, size and time, the service's own JVM flags); when it changes (an
upgrade of ``arcadedb-embedded``) the cache is discarded and the next start trains again. The JVM
checks the cache itself as well and runs without it when it does not fit, so a stale cache costs
speed, never correctness. The JVM's own AOT messages are turned off (``-Xlog``); what happened is in
the service log and in ``aot/train.log``. ``ORIGINGRAPH_STARTUP_CACHE=off`` turns it off.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

DIR = "aot"
_QUIET = ("-Xlog:aot*=off", "-Xlog:cds*=off")
# The training's flags not passed on to the build: its AOT mode and files, logging, its error-file path.
_OWN = ("-XX:AOTMode", "-XX:AOTConfiguration", "-XX:AOTCache", "-Xlog:", "-XX:ErrorFile")

State = Literal["use", "train", "training", "off"]


@dataclass(frozen=True)
class StartupCache:
    """The start-up cache of one data directory (see the module docstring)."""

    data_dir: Path

    @property
    def dir(self) -> Path:
        return self.data_dir / DIR

    @property
    def cache(self) -> Path:
        return self.dir / "store.aot"

    @property
    def recording(self) -> Path:
        return self.dir / "store.aotconf"

    @property
    def training(self) -> Path:
        return self.dir / "training.json"

    def plan(self, jvm_args: tuple[str, ...]) -> tuple[State, tuple[str, ...]]:
        """This start's state and the JVM flags it adds: the cache when it fits, else none.
        ``ORIGINGRAPH_STARTUP_CACHE=off`` turns it off (the test suite's many short-lived services)."""
        if os.environ.get("ORIGINGRAPH_STARTUP_CACHE") == "off" or _java() is None:
            return "off", ()
        if self.cache.is_file():
            if self._noted().get("fingerprint") == _fingerprint(jvm_args):
                return "use", (f"-XX:AOTCache={self.cache}", *_QUIET)
            self.cache.unlink(missing_ok=True)  # made for another JVM, jars or flags
        return ("training" if self.status() == "training" else "train"), ()

    def start_training(self, jvm_args: tuple[str, ...]) -> bool:
        """Start the detached training for a service started with ``jvm_args`` (unless one runs)."""
        self.dir.mkdir(mode=0o700, exist_ok=True)
        lock = _locked(self.dir / "train.lock")
        if lock is None:
            return False
        for stale in self.dir.iterdir():
            if stale.name != "train.lock":
                stale.unlink(missing_ok=True)
        self.training.write_text(json.dumps({"fingerprint": _fingerprint(jvm_args), "jvm_args": list(jvm_args)}),
                                 encoding="utf-8")
        # The training holds the lock (inherited descriptor) until it ends.
        with open(self.dir / "train.log", "ab") as log:
            # The service's own session: with autogroup scheduling, nice counts only within a session.
            subprocess.Popen([*_bounded(), "nice", "-n", "19", sys.executable, "-m", "graph.startup_cache",
                              str(self.data_dir)], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                             pass_fds=(lock,), env=_child_env())
        os.close(lock)
        return True

    def status(self) -> Literal["built", "training", "none"]:
        """Where the directory's cache stands, for reports and for waiting on it."""
        if self.cache.is_file():
            return "built"
        if (self.dir / "train.lock").exists():
            fd = _locked(self.dir / "train.lock")
            if fd is None:
                return "training"
            os.close(fd)
        return "none"

    def _noted(self) -> dict:
        try:
            return json.loads(self.training.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def train(self) -> None:
        """Record a scratch store's start and work, then build the cache from the recording."""
        recording = self.recording
        with tempfile.TemporaryDirectory(prefix="origingraph-aot-") as scratch:
            done = subprocess.run([sys.executable, "-m", "graph.startup_cache", "--record", scratch, str(recording),
                                   str(self.training)], stdin=subprocess.DEVNULL, env=_child_env(), timeout=300)
        noted = self._noted()
        if done.returncode != 0 or not recording.is_file() or "classpath" not in noted:
            raise RuntimeError(f"the training run failed (exit {done.returncode})")
        partial = self.dir / "store.aot.partial"
        try:
            subprocess.run([str(_java()), "-XX:AOTMode=create", f"-XX:AOTConfiguration={recording}",
                            f"-XX:AOTCache={partial}", *_QUIET, "-cp", noted["classpath"], *noted["flags"]],
                           stdin=subprocess.DEVNULL, check=True, timeout=300)
            partial.replace(self.cache)
        finally:
            partial.unlink(missing_ok=True)
            recording.unlink(missing_ok=True)


def _record(scratch: Path, recording: Path, training: Path) -> None:
    """The training run, in a process of its own: the service's JVM flags plus record mode, a scratch
    store with the bundled seeds, the product's questions over Bolt (:func:`_workload`); ends through
    ``System.exit``."""
    import jpype

    from graph.embedded import EmbeddedServer
    from graph.store import StoreConfig, open_store

    noted = json.loads(training.read_text(encoding="utf-8"))
    server = EmbeddedServer(scratch, mode="in-process", jvm_args=(
        *noted["jvm_args"], "-XX:AOTMode=record", f"-XX:AOTConfiguration={recording}", *_QUIET))
    endpoint = server.start()
    runtime = jpype.java.lang.management.ManagementFactory.getRuntimeMXBean()
    noted.update(classpath=str(jpype.java.lang.System.getProperty("java.class.path")),
                 flags=[str(a) for a in runtime.getInputArguments() if not str(a).startswith(_OWN)])
    store = open_store(StoreConfig(uri=endpoint.uri, user=endpoint.user, password=endpoint.password,
                                   database=endpoint.database))
    try:
        _workload(store)
    finally:
        store.close()
        server.stop()
    training.write_text(json.dumps(noted), encoding="utf-8")
    jpype.java.lang.System.exit(0)


# Lanes of the bundled seeds the training asks about, on one date.
_LANES = (("MY", "AU"), ("MY", "TH"), ("VN", "NZ"), ("DE", "JP"), ("GB", "JP"))


def _workload(store) -> None:
    """What the cache records the JVM doing: the seeds loaded as ``origingraph load`` does, single rules
    questions (their first statement for an instrument and date, then in context), and a batch of
    evaluations. The JVM keeps the profiles of the methods those ran (JEP 515), so a later start
    compiles them sooner: real statements on real data, not an empty store's. Measured on fresh data
    directories given a cache trained this way, one trained on an empty store, or none, alternating 4
    times (2 CPUs, load 2-3): 200 rules questions' first-ask p50 3.0 against 3.9 and 4.0 ms; 1,000 BOMs'
    first ask 5.5 against 5.4 and 6.3 s (no clear difference from the empty store's cache). About 30 s
    wall and 45 s of CPU, once, at the lowest priority."""
    from datetime import date
    from decimal import Decimal

    from engine.models import Material, Product, Shipment
    from graph.applicability import rules_between
    from graph.errors import NotFound
    from graph.load import load_seeds
    from graph.origin import evaluate_shipments
    from seeds.read import BUNDLED, read_hs_codes, read_seeds

    load_seeds(store, read_seeds(BUNDLED))
    codes = sorted((row.version, row.code) for row in read_hs_codes(BUNDLED)
                   if len(row.code) == 6 and row.version in ("HS2017", "HS2022"))
    day = date(2025, 6, 2)
    for sample in (codes[::40], codes[20::40]):
        store.write_tx(lambda tx: None)  # nothing cached: each instrument's first question, then in context
        for exporter, importer in _LANES:
            for version, code in sample:
                try:
                    rules_between(store, exporter, importer, day, code, version)
                except NotFound:
                    continue
    products = [c for v, c in codes if v == "HS2022"]
    jobs = []
    for n in range(400):  # 12-line BOMs spread over the codes
        picked = [codes[(n * 37 + k * 101) % len(codes)] for k in range(12)]
        bom = tuple(Material(id=f"m{k}", hs=code, hs_version=version, quantity=Decimal(1), unit="pc",
                             value=Decimal("0.50"), currency="USD", origin=("CN", "VN", "TH", "AU")[k % 4])
                    for k, (version, code) in enumerate(picked))
        jobs.append((Product(sku=f"TRAIN-{n}", hs=products[n * 7 % len(products)], hs_version="HS2022",
                             producer="MY", ex_works=Decimal("12.00"), fob=Decimal("13.00"), currency="USD", bom=bom),
                     Shipment(exporter="MY", importer=("AU", "TH")[n % 2], date=day)))
    store.write_tx(lambda tx: None)
    list(evaluate_shipments(store, jobs))


def _bounded() -> list[str]:
    return ["timeout", "900"] if shutil.which("timeout") else []


def _child_env() -> dict[str, str]:
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def _locked(path: Path) -> int | None:
    """An open descriptor holding an exclusive lock on ``path``, or None when another process holds it."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _java() -> Path | None:
    """The bundled JRE's ``java`` launcher (the build runs it), if there is one."""
    try:
        import arcadedb_embedded
    except ImportError:
        return None
    java = Path(arcadedb_embedded.__file__).parent / "jre" / "bin" / "java"
    return java if os.access(java, os.X_OK) else None


def _fingerprint(jvm_args: tuple[str, ...]) -> str:
    """What a cache must have been made with: the JRE, every jar (name, size, time) and the flags."""
    import arcadedb_embedded
    import jpype

    package = Path(arcadedb_embedded.__file__).parent
    digest = hashlib.sha256((package / "jre" / "release").read_bytes())
    jars = sorted((package / "jars").glob("*.jar")) + [Path(jpype.__file__).resolve().parent.parent / "org.jpype.jar"]
    for jar in jars:
        stat = jar.stat() if jar.exists() else None
        digest.update(f"{jar.name}:{stat.st_size if stat else '-'}:{stat.st_mtime_ns if stat else '-'}\n".encode())
    digest.update("\0".join(jvm_args).encode())
    return digest.hexdigest()


def main(argv: list[str]) -> int:
    """``python -m graph.startup_cache DATA_DIR``: train and build the cache (what a start spawns)."""
    if argv[:1] == ["--record"]:
        _record(Path(argv[1]), Path(argv[2]), Path(argv[3]))
        return 0  # not reached: the JVM ends the process
    try:
        StartupCache(Path(argv[0])).train()
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        print(f"startup cache: {exc}", flush=True)
        return 1
    print("startup cache: built", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
