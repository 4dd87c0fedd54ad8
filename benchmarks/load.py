"""Time ``origingraph load`` of the bundled seeds: ``.venv/bin/python -m benchmarks.load``.

Two parts, each on fresh temporary data directories (never the user's):

- **Phases, in this process** (the embedded store run in-process, as the tests do): reading and
  checking the seeds, building the rows, their content hashes, starting the store, then a fresh
  load split into schema, each statement's writes and the commit; then a repeated load (nothing to
  write), a load with one PSR file changed (only the statements it changes run) and a load after
  another write (everything runs again). The process CPU time of the fresh load is printed beside its
  wall time, and the JVM's JIT compilation and GC time: on a cold JVM, compilation is most of the
  work. ``--jvm-arg=-XX:TieredStopAtLevel=1`` (repeatable) starts that store's JVM with extra flags.
- **The newcomer's command, end to end** (``--skip-cli`` leaves it out): each step of the README's
  first command after the install, as separate CLI processes with the store service (the first
  command starts it, as for a user): ``origingraph load`` on an empty data directory, ``origingraph
  rules --exporter MY --importer AU --date 2025-04-25 --hs 610910 --hs-version HS2022``, then
  ``origingraph load`` again; the service is stopped at the end.

The machine load (``/proc/loadavg``, with the CPU count) is printed before and after: on a shared
machine, compare runs made under similar load only. Prints numbers; writes nothing else.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import load_average

REPO = Path(__file__).resolve().parent.parent
RULES = ["rules", "--exporter", "MY", "--importer", "AU", "--date", "2025-04-25", "--hs", "610910",
         "--hs-version", "HS2022"]


def _jvm_times() -> tuple[float, float]:
    """Seconds the JVM has spent compiling (JIT) and collecting garbage so far."""
    import jpype

    factory = jpype.JClass("java.lang.management.ManagementFactory")
    compiled = factory.getCompilationMXBean().getTotalCompilationTime() / 1000
    collected = sum(bean.getCollectionTime() for bean in factory.getGarbageCollectorMXBeans()) / 1000
    return compiled, collected


def _cpu() -> float:
    times = os.times()
    return times.user + times.system


def _timed_load(store, seeds) -> tuple[float, dict[str, float], object]:
    """A load with the wall time of every statement it ran and of its commit (under ``_commit``)."""
    from graph.load import load_seeds

    marks: dict[str, float] = {}
    last = [time.perf_counter()]

    def progress(name: str) -> None:
        now = time.perf_counter()
        marks[name] = now - last[0]
        last[0] = now

    started = time.perf_counter()
    summary = load_seeds(store, seeds, progress=progress)
    ended = time.perf_counter()
    if marks:
        marks["_commit"] = ended - last[0]
    return ended - started, marks, summary


def _change_one_psr(seeds: Path) -> None:
    path = seeds / "psr" / "AANZFTA.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["note"] = (rows[0].get("note") or "") + " (benchmark edit)"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def phases(jvm_args: tuple[str, ...]) -> None:
    from graph import queries
    from graph.embedded import EmbeddedServer
    from graph.load import seed_rows, statement_hashes
    from graph.schema import install_schema
    from graph.store import Store, _connect
    from seeds.read import BUNDLED, read_seeds

    tmp_seeds = tempfile.TemporaryDirectory(prefix="origingraph-bench-seeds-")
    bundled = Path(tmp_seeds.name) / "seeds"
    shutil.copytree(BUNDLED, bundled)  # a snapshot: others may edit the working tree meanwhile
    started = time.perf_counter()
    seeds = read_seeds(bundled)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    plan = seed_rows(seeds)
    rows_s = time.perf_counter() - started
    started = time.perf_counter()
    statement_hashes(plan, queries.all_queries())
    hash_s = time.perf_counter() - started
    print(f"seeds: {sum(len(rows) for _, rows in plan)} rows in {len(plan)} statements")
    print(f"read and check {read_s:.2f} s, build rows {rows_s:.2f} s, hash rows {hash_s:.2f} s")

    with tempfile.TemporaryDirectory(prefix="origingraph-bench-load-") as tmp:
        started = time.perf_counter()
        server = EmbeddedServer(Path(tmp) / "store", jvm_args=jvm_args)
        endpoint = server.start()
        driver = _connect(endpoint.uri, endpoint.user, endpoint.password, endpoint.database)
        store = Store(driver, endpoint.database, "embedded", tmp, server=server)
        print(f"store start (in-process{', JVM ' + ' '.join(jvm_args) if jvm_args else ''}): "
              f"{time.perf_counter() - started:.2f} s")
        try:
            started = time.perf_counter()
            install_schema(store)
            print(f"schema on an empty store: {time.perf_counter() - started:.2f} s")
            jit0, gc0, cpu0 = *_jvm_times(), _cpu()
            wall, marks, _ = _timed_load(store, seeds)
            jit1, gc1, cpu1 = *_jvm_times(), _cpu()
            print(f"fresh load: {wall:.2f} s wall, {cpu1 - cpu0:.1f} s CPU (this process: Python and JVM), "
                  f"JIT {jit1 - jit0:.1f} s, GC {gc1 - gc0:.1f} s; loadavg {load_average()}")
            for name, seconds in sorted(marks.items(), key=lambda item: -item[1]):
                if seconds >= 0.05:
                    print(f"    {name:<32} {seconds:6.2f} s")
            wall, _, summary = _timed_load(store, seeds)
            print(f"repeated load (same seeds): {wall:.2f} s, {len(summary.unchanged)} of "
                  f"{len(summary.written)} statements unchanged")
            copy = Path(tmp) / "seeds"
            shutil.copytree(bundled, copy)
            _change_one_psr(copy)
            changed = read_seeds(copy)
            wall, marks, summary = _timed_load(store, changed)
            ran = [name for name in summary.written if name not in summary.unchanged]
            print(f"one PSR file changed: {wall:.2f} s, ran {', '.join(ran)}")
            store.write_tx(lambda tx: None)
            wall, _, summary = _timed_load(store, seeds)
            print(f"after another write (warm JVM, everything runs): {wall:.2f} s, "
                  f"{len(summary.written) - len(summary.unchanged)} statements ran")
        finally:
            store.close()
            tmp_seeds.cleanup()


def newcomer() -> None:
    with tempfile.TemporaryDirectory(prefix="origingraph-bench-cli-") as tmp:
        env = {**os.environ, "ORIGINGRAPH_DATA": str(Path(tmp) / "store"), "PYTHONPATH": str(REPO)}
        for key in ("NEO4J_URI", "ORIGINGRAPH_STORE"):
            env.pop(key, None)

        def cli(args: list[str]) -> float:
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "api.cli", *args], env=env, capture_output=True,
                                  text=True, timeout=900)
            seconds = time.perf_counter() - started
            if done.returncode != 0:
                raise SystemExit(f"origingraph {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
            return seconds

        try:
            load_s = cli(["load"])
            rules_s = cli(RULES)
            again_s = cli(["load"])
        finally:
            subprocess.run([sys.executable, "-m", "api.cli", "store", "stop"], env=env, capture_output=True,
                           timeout=120)
        print(f"newcomer, fresh data directory: origingraph load {load_s:.2f} s (store service start included), "
              f"origingraph rules {rules_s:.2f} s, together {load_s + rules_s:.2f} s; "
              f"origingraph load again {again_s:.2f} s; loadavg {load_average()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cli", action="store_true", help="leave out the end-to-end CLI steps")
    parser.add_argument("--skip-phases", action="store_true", help="leave out the in-process phases")
    parser.add_argument("--jvm-arg", action="append", default=[], help="an extra JVM flag for the in-process store")
    args = parser.parse_args(argv)
    print(f"loadavg {load_average()} on {os.cpu_count()} CPUs")
    if not args.skip_cli:
        newcomer()
    if not args.skip_phases:
        phases(tuple(args.jvm_arg))
    print(f"loadavg {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
