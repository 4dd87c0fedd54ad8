"""origingraph benchmarks: ``.venv/bin/python -m benchmarks`` (``--quick`` for a short run).

Prints a table with the measured numbers against the targets of issue 6 (``--out FILE`` also
writes it; ``benchmarks/RESULTS.md`` comes from ``benchmarks.questions``, ``imports`` and ``load``). Everything runs on this machine against a fresh embedded store in a temporary directory
(never the user's data directory); the bundled seeds are loaded first.

(a) **Import**: the full real-data import (``../shared/eval-data``) into a fresh embedded store with
    the importers' own functions (``graph.imports``), in a child process, in the order a user would
    run ``origingraph import``: HS lists, UNSD correlations, UK rules of origin, WTO RTA. Skipped
    with a line saying why when the data or the importer modules are absent.
(b) **Rules query latency**: a live ``uvicorn`` on 127.0.0.1 (the real app, its own process, on the
    benchmark's store over Bolt), ``GET /v1/rules`` from concurrent client threads, each with its own
    keep-alive connection (``http.client``: a light load generator, since it shares the CPUs). *Cold*:
    right after a graph write (so the server's cache is invalid), each distinct question once.
    *Warm*: the same questions again, many times. Bounded in count and time.
(c) **Verdict throughput** (BOM x instrument verdicts per second) for synthetic 20-line and 200-line
    BOMs (``benchmarks.boms``), half MY->AU (AANZFTA Second Protocol) and half MY->TH (ATIGA):
    - *naive*: ``benchmarks.naive`` (no cache, a round trip per material per verdict, every
      applicability and PSR query per verdict), one process;
    - *optimised, 1 core*: ``graph.origin.evaluate_shipments`` on a live store with a warm cache (one
      revision read per batch of 1,000 BOMs), one process;
    - *optimised, 2 cores*: the same in two processes at once (each warm, each its own connection);
      the rate is all verdicts over the wall time from a common start barrier to the last finish.
    Every process warms its cache on one set of BOMs, then is timed on *different* BOMs (same
    lanes and dates); the cache misses during the timed part are reported. No ``gc.freeze()``:
    the product does not call it, so the measuring processes do not either. The first ask (nothing
    cached) is measured by ``benchmarks.questions``, not here.
(d) **Peak memory**: the peak RSS of each process (``resource.getrusage``; for the server
    ``VmHWM``), and the peak of Python allocations (``tracemalloc``) during a short extra pass
    (tracemalloc is too slow to run while timing).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EVAL_DATA = REPO.parent / "shared" / "eval-data"
PROFILE = Path(__file__).resolve().parent / "PROFILE.md"

TARGETS = {"import_s": 120.0, "rules_p95_warm_ms": 10.0, "verdicts_20": 5000.0, "speedup": 20.0}


def _mb(kib: float) -> float:
    return kib / 1024


def _peak_rss_mb(pid: int | str = "self") -> float:
    """Peak RSS in MiB: ``VmHWM`` (reset by exec, unlike ``ru_maxrss``, which a spawned child inherits
    from the parent it was forked from), else ``ru_maxrss``."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


# --------------------------------------------------------------------------- (a) import


def importers_available() -> str | None:
    """Why the import benchmark cannot run, or None."""
    return None if EVAL_DATA.is_dir() else f"{EVAL_DATA} is absent"


def import_child(data_dir: Path) -> dict:
    """Run in a child process: every real-data import into a fresh store, timed."""
    from graph.imports import public_data_steps
    from graph.load import count_graph, load_seeds
    from graph.store import StoreConfig, open_store
    from seeds.read import read_seeds

    steps = public_data_steps(EVAL_DATA)
    times: dict[str, float] = {}
    with open_store(StoreConfig(data_dir=data_dir)) as store:
        started = time.perf_counter()
        load_seeds(store, read_seeds())
        seeds_s = time.perf_counter() - started
        for name, step in steps:
            started = time.perf_counter()
            step(store)
            times[name] = time.perf_counter() - started
        nodes, rels = count_graph(store)
    return {"seeds_s": seeds_s, "steps": times, "total_s": sum(times.values()),
            "nodes": sum(nodes.values()), "relationships": sum(rels.values()),
            "maxrss_mb": _peak_rss_mb()}


def bench_import() -> dict:
    why = importers_available()
    if why:
        return {"skipped": why}
    with tempfile.TemporaryDirectory(prefix="origingraph-bench-import-") as tmp:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        env.pop("NEO4J_URI", None)
        proc = subprocess.run([sys.executable, "-m", "benchmarks.run", "--import-child", str(Path(tmp) / "store")],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        return {"skipped": f"the import failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr else proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- (b) HTTP latency


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rules_questions(count: int) -> list[str]:
    from benchmarks.boms import LANES, PRODUCT_CHAPTERS, seeded_codes

    codes = [c for c in seeded_codes()["HS2022"] if c[:2] in PRODUCT_CHAPTERS]
    lanes = [(l.exporter, l.importer, l.day.isoformat()) for l in LANES] + [("DE", "JP", "2024-06-01"),
                                                                            ("VN", "NZ", "2025-06-02")]
    urls = [f"/v1/rules?exporter={e}&importer={i}&date={d}&hs={c}&hs_version=HS2022"
            for c in codes for e, i, d in lanes]
    return urls[:count]


def _load(base: str, urls: list[str], clients: int, deadline: float) -> list[float]:
    """GET every url once, spread over ``clients`` threads, each with its own keep-alive connection
    (the standard library's ``http.client``: the load generator shares the CPUs with the server, so
    it should cost little); latencies in ms, stops at ``deadline``."""
    import http.client
    from urllib.parse import urlsplit

    host, port = urlsplit(base).hostname, urlsplit(base).port
    latencies: list[float] = []
    lock = threading.Lock()
    chunks = [urls[i::clients] for i in range(clients)]
    failures: list[str] = []

    def run(chunk: list[str]) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        try:
            for url in chunk:
                if time.monotonic() > deadline:
                    return
                t = time.perf_counter()
                conn.request("GET", url)
                r = conn.getresponse()
                body = r.read()
                ms = (time.perf_counter() - t) * 1000
                if r.status != 200:
                    failures.append(f"{url}: {r.status} {body[:300]!r}")
                    return
                with lock:
                    latencies.append(ms)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError("; ".join(failures[:3]))
    return latencies


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] if ordered else float("nan")


def bench_http(store, questions: int, warm_requests: int, clients: int, seconds: float) -> dict:
    import urllib.request

    port = _free_port()
    env = {**os.environ, "ORIGINGRAPH_DATA": store.location, "PYTHONPATH": str(REPO)}
    env.pop("NEO4J_URI", None)
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app", "--host",
                               "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None:
                raise RuntimeError(f"uvicorn exited: {server.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)
        urls = _rules_questions(questions)
        _load(base, ["/healthz"] * clients, clients, time.monotonic() + 30)  # connections, not answers
        store.write_tx(lambda tx: None)  # a managed write: the revision moves, every cache is cold
        cold = _load(base, urls, clients, time.monotonic() + seconds)
        warm_urls = (urls * (warm_requests // max(1, len(urls)) + 1))[:warm_requests]
        started = time.perf_counter()
        warm = _load(base, warm_urls, clients, time.monotonic() + seconds)
        warm_s = time.perf_counter() - started
        hwm = _peak_rss_mb(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return {"questions": len(urls), "clients": clients, "cold_n": len(cold), "warm_n": len(warm),
            "cold_p50": _pct(cold, 50), "cold_p95": _pct(cold, 95), "warm_p50": _pct(warm, 50),
            "warm_p95": _pct(warm, 95), "warm_rps": len(warm) / warm_s if warm_s else 0.0,
            "server_maxrss_mb": hwm}


# --------------------------------------------------------------------------- (c) throughput


def _jobs(lines: int, count: int, seed: int):
    from benchmarks.boms import LANES, synthetic_products

    shipments = [lane.shipment() for lane in LANES]
    return [(p, shipments[i % len(shipments)]) for i, p in enumerate(synthetic_products(count, lines, seed=seed))]


def throughput_child(mode: str, worker: int, lines: int, count: int, data_dir: str, barrier, results) -> None:
    """One measuring process: warm up (untimed), wait for the others, evaluate ``count`` BOMs, report."""
    from benchmarks.boms import coverage_jobs
    from benchmarks.naive import naive_evaluate
    from graph.cache import answers_of
    from graph.origin import evaluate_shipments
    from graph.store import StoreConfig, open_store

    try:
        with open_store(StoreConfig(data_dir=Path(data_dir))) as store:
            jobs = _jobs(lines, count, seed=1000 * lines + 10 + worker)
            if mode == "naive":
                naive_evaluate(store, *jobs[0])
                run = lambda batch: [naive_evaluate(store, p, s) for p, s in batch]  # noqa: E731
            else:
                warmup = coverage_jobs(lines) + _jobs(lines, 200, seed=1000 * lines + 1)
                for start in range(0, len(warmup), 1000):
                    for _ in evaluate_shipments(store, warmup[start:start + 1000]):
                        pass
                run = lambda batch: list(evaluate_shipments(store, batch))  # noqa: E731
            cache = answers_of(store)
            misses = cache.misses
            barrier.wait()
            started = time.perf_counter()
            verdicts = 0
            for start in range(0, len(jobs), 1000):
                verdicts += sum(len(r.verdicts) for r in run(jobs[start:start + 1000]))
            finished = time.perf_counter()
            timed_misses = cache.misses - misses
            tracemalloc.start()
            sample = jobs[: max(1, min(len(jobs), 200 if lines <= 20 else 40))]
            run(sample)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            results.put({"worker": worker, "boms": len(jobs), "verdicts": verdicts, "start": started,
                         "end": finished, "misses": timed_misses,
                         "maxrss_mb": _peak_rss_mb(),
                         "py_peak_mb": peak / 2**20, "py_peak_boms": len(sample)})
    except BaseException as exc:  # report, so the parent never waits forever
        results.put({"worker": worker, "error": f"{type(exc).__name__}: {exc}"})
        try:
            barrier.abort()
        except Exception:
            pass


def run_throughput(mode: str, processes: int, lines: int, count: int, data_dir: str) -> dict:
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    children = [ctx.Process(target=throughput_child, args=(mode, w, lines, count, data_dir, barrier, results))
                for w in range(processes)]
    for c in children:
        c.start()
    reports = [results.get(timeout=3600) for _ in children]
    for c in children:
        c.join(timeout=60)
    errors = [r["error"] for r in reports if "error" in r]
    if errors:
        raise RuntimeError("; ".join(errors))
    wall = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    verdicts = sum(r["verdicts"] for r in reports)
    return {"mode": mode, "processes": processes, "lines": lines, "boms": sum(r["boms"] for r in reports),
            "verdicts": verdicts, "seconds": wall, "rate": verdicts / wall if wall else 0.0,
            "misses": sum(r["misses"] for r in reports),
            "maxrss_mb": max(r["maxrss_mb"] for r in reports),
            "py_peak_mb": max(r["py_peak_mb"] for r in reports), "py_peak_boms": reports[0]["py_peak_boms"]}


# --------------------------------------------------------------------------- report


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render(env: dict, imp: dict, http: dict | None, thr: list[dict]) -> str:
    out = ["# Benchmark results", "",
           f"Measured {env['when']} on {env['machine']} ({env['cpus']} CPUs, Python {env['python']}), "
           f"store: {env['store']}. Command: `{env['command']}`. The method is in `benchmarks/run.py`.", ""]
    out += ["## Against the targets", "", _row(["measure", "target", "measured", "met"]),
            _row(["---", "---", "---", "---"])]
    if "skipped" in imp:
        out.append(_row(["full real-data import", "<= 120 s", f"skipped: {imp['skipped']}", "-"]))
    else:
        out.append(_row(["full real-data import (7 imports)", "<= 120 s", f"{imp['total_s']:.1f} s",
                         "yes" if imp["total_s"] <= TARGETS["import_s"] else "NO"]))
    if http:
        out.append(_row([f"`GET /v1/rules` p95, warm ({http['clients']} concurrent clients)", "<= 10 ms",
                         f"{http['warm_p95']:.2f} ms", "yes" if http["warm_p95"] <= 10 else "NO"]))
    by = {(r["mode"], r["processes"], r["lines"]): r for r in thr}
    two, naive = by.get(("optimised", 2, 20)), by.get(("naive", 1, 20))
    if two:
        out.append(_row(["verdicts/s, 20-line BOMs, 2 cores", ">= 5,000", f"{two['rate']:,.0f}",
                         "yes" if two["rate"] >= TARGETS["verdicts_20"] else "NO"]))
    if two and naive:
        ratio = two["rate"] / naive["rate"]
        out.append(_row(["speed-up over the naive baseline, 20-line BOMs", ">= 20x", f"{ratio:,.0f}x",
                         "yes" if ratio >= TARGETS["speedup"] else "NO"]))
    out += ["", "## (a) Full real-data import", ""]
    if "skipped" in imp:
        out.append(f"Skipped: {imp['skipped']}.")
    else:
        out += [_row(["import", "seconds"]), _row(["---", "---:"])]
        out += [_row([name, f"{s:.1f}"]) for name, s in imp["steps"].items()]
        out += [_row(["**total**", f"**{imp['total_s']:.1f}**"]), "",
                f"Into a fresh embedded store after the bundled seeds ({imp['seeds_s']:.1f} s); the graph then holds "
                f"{imp['nodes']:,} nodes and {imp['relationships']:,} relationships. Peak RSS of the importing "
                f"process (Python and the embedded ArcadeDB JVM): {imp['maxrss_mb']:,.0f} MiB."]
    out += ["", "## (b) Rules query latency through the HTTP API", ""]
    if http:
        out += [f"`GET /v1/rules?exporter=..&importer=..&date=..&hs=..&hs_version=HS2022`, {http['questions']} "
                f"distinct questions (4 lanes x product codes), {http['clients']} concurrent client threads (keep-alive "
                f"connections) against one uvicorn process (one worker) on 127.0.0.1.", "",
                _row(["", "requests", "p50 ms", "p95 ms"]), _row(["---", "---:", "---:", "---:"]),
                _row(["cold (just after a graph write; each question once)", str(http["cold_n"]),
                      f"{http['cold_p50']:.2f}", f"{http['cold_p95']:.2f}"]),
                _row(["warm (same questions again)", str(http["warm_n"]), f"{http['warm_p50']:.2f}",
                      f"{http['warm_p95']:.2f}"]), "",
                f"Warm throughput {http['warm_rps']:,.0f} requests/s. A warm answer still costs one revision "
                "read (a Bolt round trip), then the cached answer's JSON. Peak RSS of the server process: "
                f"{http['server_maxrss_mb'] or float('nan'):,.0f} MiB (the store's JVM is in the benchmark process)."]
    out += ["", "## (c) Verdict throughput and (d) peak memory", "",
            "BOM x instrument verdicts per second; half the BOMs ship MY->AU, half MY->TH (2025-06-02). "
            "Cache misses: answers the timed part still had to fetch (the rest were warm).", "",
            _row(["BOM lines", "path", "processes", "BOMs", "verdicts", "seconds", "verdicts/s", "vs naive",
                  "cache misses", "peak RSS MiB", "Python peak MiB"]),
            _row(["---:", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"])]
    for r in thr:
        base = by.get(("naive", 1, r["lines"]))
        ratio = f"{r['rate'] / base['rate']:,.0f}x" if base and r["mode"] != "naive" else "1x"
        out.append(_row([str(r["lines"]), r["mode"], str(r["processes"]), f"{r['boms']:,}", f"{r['verdicts']:,}",
                         f"{r['seconds']:.2f}", f"{r['rate']:,.1f}", ratio, str(r["misses"]),
                         f"{r['maxrss_mb']:,.0f}", f"{r['py_peak_mb']:.1f} ({r['py_peak_boms']} BOMs)"]))
    out += ["", "Peak RSS is per measuring process (`VmHWM`: Python, the BOMs it holds for its warm-up and "
            "timed run, its cache; the store's JVM runs in the benchmark's own process, peak RSS "
            f"{env['store_maxrss_mb']:,.0f} MiB). Python peak: `tracemalloc` peak while evaluating the number "
            "of BOMs shown, after the timed run (what evaluating costs beyond the BOMs themselves).", ""]
    if PROFILE.is_file():
        out += [PROFILE.read_text().strip(), ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests and BOMs (a smoke run)")
    parser.add_argument("--skip-import", action="store_true", help="do not run the real-data import")
    parser.add_argument("--import-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help="also write the results to this file (Markdown)")
    args = parser.parse_args(argv)
    if args.import_child:
        print(json.dumps(import_child(args.import_child)))
        return 0

    from benchmarks.common import seeded_store

    q = args.quick
    env = {"when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": platform.platform(),
           "cpus": os.cpu_count(), "python": platform.python_version(), "store": "embedded ArcadeDB over Bolt",
           "command": "python -m benchmarks" + (" --quick" if q else "")}
    print("(a) full real-data import ...", flush=True)
    imp = {"skipped": "--skip-import"} if args.skip_import else bench_import()
    print("    " + (f"skipped: {imp['skipped']}" if "skipped" in imp else f"{imp['total_s']:.1f} s"), flush=True)

    thr: list[dict] = []
    with seeded_store() as store:
        env["agent"] = store.server_agent()
        print("(b) rules query latency through the HTTP API ...", flush=True)
        http = bench_http(store, questions=120 if q else 400, warm_requests=1000 if q else 6000, clients=4,
                          seconds=60 if q else 120)
        print(f"    cold p50 {http['cold_p50']:.2f} ms p95 {http['cold_p95']:.2f} ms; "
              f"warm p50 {http['warm_p50']:.2f} ms p95 {http['warm_p95']:.2f} ms", flush=True)
        plan = [("naive", 1, 20, 10 if q else 40), ("optimised", 1, 20, 1000 if q else 6000),
                ("optimised", 2, 20, 1000 if q else 6000),
                ("naive", 1, 200, 3 if q else 8), ("optimised", 1, 200, 100 if q else 600),
                ("optimised", 2, 200, 100 if q else 600)]
        print("(c) verdict throughput ...", flush=True)
        for mode, processes, lines, count in plan:
            r = run_throughput(mode, processes, lines, count, store.location)
            thr.append(r)
            print(f"    {lines:>3}-line {mode:<9} x{processes}: {r['verdicts']:>6} verdicts in {r['seconds']:6.2f} s "
                  f"= {r['rate']:9.1f}/s (misses {r['misses']}, peak RSS {r['maxrss_mb']:.0f} MiB)", flush=True)
        env["store_maxrss_mb"] = _peak_rss_mb()
    text = render(env, imp, http, thr)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
        print(f"written: {args.out}")
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
