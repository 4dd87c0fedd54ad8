"""The store service's JVM start-up cache: JDK 25's AOT cache (JEPs 483, 514 and 515).

Starting the JVM and ArcadeDB is most of what a cold command waits for (a one-shot ``origingraph
rules`` that must start the service: about 3.5 s, 2 CPUs). The JDK can keep the classes a run loaded
and linked, and the profiles of its methods, in a cache that later starts map instead of loading them
again. A data directory's cache lives in ``<data_dir>/aot/`` and goes through three states:

1. **record**: no cache yet. The service life runs with ``-XX:AOTMode=record``, notes the classpath
   and flags the JVM got (``training.json``), and ends through ``System.exit`` so the JVM writes what
   it saw (``store.aotconf``; the usual ``os._exit`` would skip that). It holds ``record.lock`` until
   the process is gone: the JVM writes the recording after the store has let go of the directory, and
   a start meanwhile (``wait``) runs without a cache and leaves the recording alone.
2. **build**: the next start finds a recording and no cache. It starts without one, and a detached
   ``java -XX:AOTMode=create`` at the lowest priority builds ``store.aot`` from the recording (a
   few seconds of one core, cut off after ten minutes; written under another name and renamed, so a
   cache is whole or absent; the recording is deleted then). It is a one-off batch JVM, not a server:
   it ends by itself. About 50 MB on disk.
3. **use**: every later start maps the cache (``-XX:AOTCache``): about 1.2 s less per start.

A cache fits only the JVM, jars and flags it was made with. ``fingerprint`` covers them (the bundled
JRE's release, every jar's name, size and time, the service's own JVM flags); when it changes (an
upgrade of ``arcadedb-embedded``) the directory is cleared and the next life records again. The
JVM checks the cache itself as well and runs without it when it does not fit, so a stale cache costs
speed, never correctness. The JVM's own AOT messages are turned off (``-Xlog``); what happened is
in the service log.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

DIR = "aot"
_QUIET = ("-Xlog:aot*=off", "-Xlog:cds*=off")
# Flags that name the cache files themselves; never passed on to the build.
_OWN = ("-XX:AOTMode", "-XX:AOTConfiguration", "-XX:AOTCache", "-Xlog:")

State = Literal["record", "wait", "build", "use", "off"]


@dataclass
class StartupCache:
    """The start-up cache of one data directory (see the module docstring)."""

    data_dir: Path
    _record_lock: int | None = None

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
        """This start's state and the JVM flags it adds; a stale or broken directory is cleared."""
        java = _java()
        if java is None:
            return "off", ()
        fingerprint = _fingerprint(jvm_args)
        self.dir.mkdir(mode=0o700, exist_ok=True)
        lock = _locked(self.dir / "record.lock")
        if lock is None:
            return "wait", ()
        noted = self._noted()
        if noted.get("fingerprint") != fingerprint:
            for stale in self.dir.iterdir():
                if stale.name != "record.lock":
                    stale.unlink(missing_ok=True)
            noted = {}
        if noted and self.cache.is_file() and not self.recording.is_file():
            os.close(lock)
            return "use", (f"-XX:AOTCache={self.cache}", *_QUIET)
        if noted and self.recording.is_file():
            os.close(lock)
            self._build(java, noted)
            return "build", ()
        self._record_lock = lock  # held for the life of this process
        self.training.write_text(json.dumps({"fingerprint": fingerprint}), encoding="utf-8")
        return "record", ("-XX:AOTMode=record", f"-XX:AOTConfiguration={self.recording}", *_QUIET)

    def status(self) -> Literal["built", "building", "recording", "recorded", "none"]:
        """Where the directory's cache stands, for reports and for waiting on it."""
        if self.cache.is_file() and not self.recording.exists():
            return "built"
        for name, busy in (("build.lock", "building"), ("record.lock", "recording")):
            if (self.dir / name).exists():
                fd = _locked(self.dir / name)
                if fd is None:
                    return busy  # type: ignore[return-value]
                os.close(fd)
        return "recorded" if self.recording.is_file() else "none"

    def note_jvm(self) -> None:
        """While recording: keep the classpath and flags the running JVM got (the build needs them)."""
        import jpype

        runtime = jpype.java.lang.management.ManagementFactory.getRuntimeMXBean()
        noted = self._noted()
        noted.update(classpath=str(jpype.java.lang.System.getProperty("java.class.path")),
                     flags=[str(a) for a in runtime.getInputArguments() if not str(a).startswith(_OWN)])
        self.training.write_text(json.dumps(noted), encoding="utf-8")

    def _noted(self) -> dict:
        try:
            return json.loads(self.training.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _build(self, java: Path, noted: dict) -> None:
        """Start the detached build of the cache from the recording (once: a lock keeps a second out)."""
        if "classpath" not in noted:
            self.recording.unlink(missing_ok=True)  # a recording without its flags: record again
            return
        lock = _locked(self.dir / "build.lock")
        if lock is None:
            return  # a build is running
        partial = self.dir / "store.aot.partial"
        # The build holds the lock (inherited descriptor) until it ends; the rename makes the cache whole.
        script = '"$0" "$@" && mv -f "$PARTIAL" "$CACHE" && rm -f "$RECORDING" || rm -f "$PARTIAL" "$RECORDING"'
        bounded = ["timeout", "600"] if shutil.which("timeout") else []
        command = [*bounded, "nice", "-n", "19", "sh", "-c", script, str(java), "-XX:AOTMode=create",
                   f"-XX:AOTConfiguration={self.recording}", f"-XX:AOTCache={partial}", *_QUIET,
                   "-cp", noted["classpath"], *noted["flags"]]
        env = dict(os.environ, PARTIAL=str(partial), CACHE=str(self.cache), RECORDING=str(self.recording))
        with open(self.dir / "build.log", "ab") as log:
            subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True, pass_fds=(lock,), env=env)
        os.close(lock)


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
