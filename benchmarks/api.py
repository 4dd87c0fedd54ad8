"""The HTTP API as a client sees it: ``.venv/bin/python -m benchmarks.api`` (``--quick``, ``--out FILE``).

A whole ``origingraph serve`` process (live uvicorn, the product's own ``SERVE_OPTIONS``) on a fresh
embedded store in a temporary data directory (``ORIGINGRAPH_DATA``; never the user's), the bundled
seeds loaded first with ``origingraph load`` (which starts the store service ``serve`` then reaches
over Bolt, as for a user). No setting the product does not use (no ``gc.freeze``). Measured:

- **the first request after ``serve`` starts**: from spawning ``origingraph serve`` to its first
  successful answer to a rules question (``GET /v1/rules``, polled every 20 ms until the port
  answers), and that first request's own latency; with the store service already running (after
  ``origingraph load``) and, once, when ``serve`` must start the service (after ``store stop``);
- **rules questions** (``GET /v1/rules``, the mix of lanes and codes of ``benchmarks.questions``) from
  1, 2 and 4 concurrent clients (threads, each with its own keep-alive ``http.client`` connection: a
  light load generator, since it shares the 2 CPUs with the server): *cold* is each distinct question
  once right after a write (``PUT /v1/products/{sku}/bom`` with the API key: the graph revision moves,
  nothing is cached), *warm* the same questions three times more; p50 / p95 per request and requests
  per second over the round's wall time;
- **verdicts** (``POST /v1/origin/evaluate``, 20-line BOMs of ``benchmarks.boms``, JSON documents with
  their shipment), cold (after a write) and warm, the same client counts (before the 1-client round,
  one untimed round of 20 questions and 5 BOMs runs every code path of the new process once, so that
  the first client count measured does not also pay the process's first-use costs, measured above);
- **the alternative in the same run**: the same rules questions in this process
  (``graph.applicability.rules_between`` over Bolt to the same store service), first ask and repeat:
  what HTTP, uvicorn and FastAPI add.

Prints a Markdown section and the machine load (``os.getloadavg``) before and after.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.common import load_average, publish
from benchmarks.questions import _pct, _questions, repeat_ms

REPO = Path(__file__).resolve().parent.parent
CLIENTS = (1, 2, 4)
WRITE_PARTY = "/v1/instruments/RCEP/parties/KR"
"""The fact the cold rounds write again as it was (a party outside the benchmark's lanes)."""
STATUS_FIELDS = ("source", "note", "confidence", "side", "signed", "ratified", "in_force_from", "in_force_until",
                 "status")
TARGETS = {"cold_p95_ms": 50.0, "warm_p95_ms": 5.0}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(args: list[str], env: dict) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"origingraph {' '.join(args)}: {proc.stderr[-1500:]}")
    return proc


def _rules_urls(count: int) -> list[str]:
    return [f"/v1/rules?exporter={e}&importer={i}&date={d.isoformat()}&hs={c}&hs_version={v}"
            for e, i, d, c, v in _questions(count)]


class Server:
    """One ``origingraph serve`` process on a free port; stopped with SIGTERM (as a user's Ctrl-C)."""

    def __init__(self, env: dict, workers: int = 1):
        self.port = _free_port()
        self.spawned = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port",
                                      str(self.port), "--workers", str(workers)], cwd=REPO, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def first_answer(self, url: str, timeout_s: float = 300) -> dict:
        """Poll ``url`` until it answers 200: seconds from spawn, and that request's own latency."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited {self.proc.returncode}: {self.proc.stderr.read().decode()[-2000:]}")
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                t = time.perf_counter()
                conn.request("GET", url)
                answer = conn.getresponse()
                body = answer.read()
                done = time.perf_counter()
            except OSError:
                time.sleep(0.02)
                continue
            finally:
                conn.close()
            if answer.status != 200:
                raise RuntimeError(f"first request {url}: {answer.status} {body[:300]!r}")
            return {"spawn_to_answer_s": done - self.spawned, "first_request_ms": (done - t) * 1000}
        raise RuntimeError(f"serve did not answer within {timeout_s:.0f} s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _round(port: int, requests: list[tuple[str, str, bytes | None, dict]], clients: int) -> dict:
    """Send ``requests`` (method, url, body, headers) spread over ``clients`` threads, each on its own
    keep-alive connection (opened before the clock starts); latencies in ms and requests/s over the
    wall time from a common start to the last answer."""
    chunks = [requests[i::clients] for i in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[str] = []
    ready = threading.Barrier(clients + 1)

    def run(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.connect()
        ready.wait()
        try:
            for method, url, body, headers in chunks[k]:
                t = time.perf_counter()
                conn.request(method, url, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                latencies[k].append((time.perf_counter() - t) * 1000)
                if answer.status != 200:
                    failures.append(f"{method} {url[:80]}: {answer.status} {data[:300]!r}")
                    return
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    if failures:
        raise RuntimeError("; ".join(failures[:3]))
    flat = [ms for chunk in latencies for ms in chunk]
    return {"n": len(flat), "p50": statistics.median(flat), "p95": _pct(flat, 95), "rps": len(flat) / wall,
            "wall_s": wall}


class Api:
    """The client side: a write that empties every cache, and the request lists."""

    def __init__(self, port: int, key: str):
        self.port, self.key = port, key
        entry = json.loads(self._request("GET", WRITE_PARTY))
        self.write_body = json.dumps({k: entry[k] for k in STATUS_FIELDS if entry.get(k) is not None}).encode()

    def _request(self, method: str, url: str, body: bytes | None = None) -> bytes:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, url, body=body, headers={"Content-Type": "application/json", "X-API-Key": self.key})
            answer = conn.getresponse()
            data = answer.read()
        finally:
            conn.close()
        if answer.status != 200:
            raise RuntimeError(f"{method} {url}: {answer.status} {data[:300]!r}")
        return data

    def write(self) -> None:
        """A managed write of rule data through the API (a party's status under an instrument, written
        again as it was): the revision moves, every answer cache starts cold. (Storing a BOM does not:
        no cached answer reads products.)"""
        self._request("PUT", WRITE_PARTY, self.write_body)

    def cold_and_warm(self, requests: list, clients: int, repeats: int = 3) -> dict:
        self.write()
        cold = _round(self.port, requests, clients)
        warm = _round(self.port, requests * repeats, clients)
        return {"cold": cold, "warm": warm}


def _evaluate_requests(count: int) -> list:
    from benchmarks.boms import LANES, document, synthetic_products

    shipments = [lane.shipment() for lane in LANES]
    headers = {"Content-Type": "application/json"}
    return [("POST", "/v1/origin/evaluate", json.dumps(document(p, shipments[i % 2])).encode(), headers)
            for i, p in enumerate(synthetic_products(count, 20, seed=31))]


def bench_in_process(env: dict, count: int) -> dict:
    """The same rules questions in this process, over Bolt to the same store service."""
    from graph.applicability import rules_between
    from graph.store import StoreConfig, open_store

    questions = _questions(count)
    with open_store(StoreConfig.from_env(env)) as store:
        store.write_tx(lambda tx: None)
        first = []
        for q in questions:
            t = time.perf_counter()
            rules_between(store, *q)
            first.append((time.perf_counter() - t) * 1000)
        repeat = repeat_ms(store, questions)
    return {"n": len(questions), "first_p50": statistics.median(first), "first_p95": _pct(first, 95),
            "repeat_p50": statistics.median(repeat), "repeat_p95": _pct(repeat, 95)}


def run(quick: bool, workers: int = 1) -> dict:
    questions, boms = (40, 40) if quick else (200, 200)
    results: dict = {"when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "load_before": load_average(),
                     "cpus": os.cpu_count(), "questions": questions, "boms": boms, "rules": {}, "evaluate": {},
                     "workers": workers}
    key = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="origingraph-bench-api-") as tmp:
        env = {**os.environ, "ORIGINGRAPH_DATA": str(Path(tmp) / "store"), "PYTHONPATH": str(REPO),
               "ORIGINGRAPH_API_KEY": key}
        for name in ("NEO4J_URI", "ORIGINGRAPH_STORE"):
            env.pop(name, None)
        try:
            _cli(["load"], env)
            urls = _rules_urls(questions)
            probe = "/v1/rules?exporter=MY&importer=AU&date=2025-06-02&hs=610910&hs_version=HS2022"
            server = Server(env, workers)
            try:
                results["first"] = server.first_answer(probe)
                print(f"first answer after spawn {results['first']['spawn_to_answer_s']:.2f} s "
                      f"(request {results['first']['first_request_ms']:.1f} ms)", flush=True)
                api = Api(server.port, key)
                rules = [("GET", u, None, {}) for u in urls]
                evaluate = _evaluate_requests(boms)
                api.cold_and_warm(rules[:20] + evaluate[:5], 1, repeats=1)  # untimed: every code path ran once
                for clients in CLIENTS:
                    results["rules"][clients] = r = api.cold_and_warm(rules, clients)
                    print(f"rules, {clients} client(s): cold p95 {r['cold']['p95']:.1f} ms {r['cold']['rps']:.0f}/s, "
                          f"warm p95 {r['warm']['p95']:.2f} ms {r['warm']['rps']:.0f}/s", flush=True)
                for clients in CLIENTS:
                    results["evaluate"][clients] = r = api.cold_and_warm(evaluate, clients, repeats=1)
                    print(f"evaluate, {clients} client(s): cold p95 {r['cold']['p95']:.1f} ms "
                          f"{r['cold']['rps']:.0f}/s, warm p95 {r['warm']['p95']:.1f} ms {r['warm']['rps']:.0f}/s",
                          flush=True)
                results["in_process"] = bench_in_process(env, questions)
            finally:
                server.stop()
            _cli(["store", "stop"], env)
            server = Server(env)
            try:
                results["first_service_start"] = server.first_answer(probe)
            finally:
                server.stop()
        finally:
            subprocess.run([sys.executable, "-m", "api.cli", "store", "stop"], cwd=REPO, env=env,
                           capture_output=True, timeout=120)
    results["load_after"] = load_average()
    return results


def _met(ok: bool) -> str:
    return "met" if ok else "not met"


def render(r: dict) -> str:
    rules, ev, four = r["rules"], r["evaluate"], r["rules"][4]
    cold_rps = [rules[c]["cold"]["rps"] for c in CLIENTS]
    grows = cold_rps[1] > cold_rps[0]  # 1 -> 2 clients: up to the cores (2 CPUs)
    fs, fss = r["first"], r["first_service_start"]
    ip = r["in_process"]
    workers = r.get("workers", 1)
    out = [f"## The HTTP API (`python -m benchmarks.api{'' if workers == 1 else f' --workers {workers}'}`)", "",
           f"Measured {r['when']}; load average before {r['load_before']}, after {r['load_after']} "
           f"({r['cpus']} CPUs, shared with other work). A whole `origingraph serve --workers {workers}` on a fresh embedded "
           f"store (seeds loaded with `origingraph load`; serve reaches the store service over Bolt); clients are "
           f"threads in the benchmark process on the same 2 CPUs. {r['questions']} distinct rules questions, "
           f"{r['boms']} 20-line BOMs; cold = after a rule-data write through the API (`PUT /v1/instruments/RCEP/"
           f"parties/KR` with its own status again: the revision moves, nothing cached), warm = the same again "
           f"(rules: three times); one untimed round ran first.", "",
           "| target | measured | met |", "| --- | --- | --- |",
           f"| API cold p95 <= 50 ms, 4 clients | {four['cold']['p95']:.1f} ms | {_met(four['cold']['p95'] <= 50)} |",
           f"| API warm p95 <= 5 ms, 4 clients | {four['warm']['p95']:.2f} ms | {_met(four['warm']['p95'] <= 5)} |",
           f"| cold API throughput grows with clients up to the cores (1 -> 2) | "
           + " / ".join(f"{x:.0f}" for x in cold_rps) + f" req/s at {' / '.join(map(str, CLIENTS))} clients | "
           f"{_met(grows)} |", "",
           "| first request after `serve` starts | spawn to first answer s | that request's own ms |",
           "| --- | ---: | ---: |",
           f"| store service running (after `origingraph load`) | {fs['spawn_to_answer_s']:.2f} | "
           f"{fs['first_request_ms']:.1f} |",
           f"| serve must start the store service | {fss['spawn_to_answer_s']:.2f} | {fss['first_request_ms']:.1f} |",
           "", "| `GET /v1/rules` | clients | p50 ms | p95 ms | req/s |", "| --- | ---: | ---: | ---: | ---: |"]
    for c in CLIENTS:
        for kind in ("cold", "warm"):
            x = rules[c][kind]
            out.append(f"| {kind} | {c} | {x['p50']:.2f} | {x['p95']:.2f} | {x['rps']:.0f} |")
    out += ["", "| `POST /v1/origin/evaluate`, 20-line BOM | clients | p50 ms | p95 ms | BOMs/s |",
            "| --- | ---: | ---: | ---: | ---: |"]
    for c in CLIENTS:
        for kind in ("cold", "warm"):
            x = ev[c][kind]
            out.append(f"| {kind} | {c} | {x['p50']:.2f} | {x['p95']:.2f} | {x['rps']:.0f} |")
    out += ["", f"Same run, the same {ip['n']} rules questions in the benchmark process (`rules_between` over Bolt "
                f"to the same store service, one caller): first ask p50 {ip['first_p50']:.2f} ms, p95 "
                f"{ip['first_p95']:.2f}; repeat p50 {ip['repeat_p50']:.3f} ms, p95 {ip['repeat_p95']:.3f}. HTTP + "
                f"uvicorn + FastAPI add about {rules[1]['warm']['p50'] - ip['repeat_p50']:.2f} ms to a warm answer "
                f"at 1 client (p50)."]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.api", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="40 questions and 40 BOMs instead of 200 and 200")
    parser.add_argument("--workers", type=int, default=1, help="`origingraph serve --workers N` (default 1)")
    parser.add_argument("--out", type=Path, help="also write the section to this file")
    args = parser.parse_args(argv)
    text = render(run(args.quick, args.workers))
    publish(text, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
