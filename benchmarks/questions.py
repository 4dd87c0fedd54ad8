"""First ask and repeat, side by side: ``.venv/bin/python -m benchmarks.questions`` (``--quick``).

Everything in one run, on a fresh embedded store of its own (a temporary data directory, the
bundled seeds loaded, run by its store service as the product runs it by default), no setting the
product does not use itself (no ``gc.freeze``):

- **rules questions in process** (``graph.applicability.rules_between``): *first ask* is each
  distinct question once right after a managed write by this process (the cache's revision moved,
  so nothing is cached; the process knows the revision its write bumped to, so a question's first
  statement reads the revision itself); *repeat* is the same questions again (the revision read and
  the cached answer); *first ask again* is the same questions once more after the store has answered
  twice as many other questions and a write (nothing of origingraph's is cached, but the store
  service has run a while: what a user meets once it has been up; the target is judged on the first
  figure, the store just started); and the same once more after another write through a view that
  reads the revision first, one exchange more (an API request, ``evaluate_shipment``, a fresh
  process's first question). Round trips are counted with
  ``Store.round_trips``. Against, in the same run: *one statement*, the product's own pair
  statement (``SIDE_FACTS_ON_DATE`` for both countries of the pair) alone, and the *Python dict floor*, a dict keyed by
  (instrument, code) holding the answers.
- **verdicts for 20-line BOMs** (``graph.origin.evaluate_shipments``, 1,000 BOMs on two lanes):
  first ask (after a write), warm (the same BOMs again) and first ask again (after another write:
  what a store that has run a while gives), one process.
- **CLI wall time** (a fresh ``origingraph`` process each time): ``--help``; ``rules ... --json``
  with the store service already running, and when it must start (``ORIGINGRAPH_STORE`` unset: the
  default service mode, on a data directory whose service was stopped), with the service's JVM
  start-up cache (every start once its first has trained it) and without it, interleaved.

Prints a Markdown section (medians, p95, ratios) and the machine load before and after
(``/proc/loadavg``): on a shared machine the absolute numbers move, the ratios less.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] if ordered else float("nan")


def _vs(first: float, other: float) -> str:
    """How ``other`` compares with the first ask: "2.0x faster" or "1.2x slower"."""
    return f"{first / other:.1f}x faster" if other <= first else f"{other / first:.1f}x slower"


def repeat_ms(store, questions: list[tuple], rounds: int = 3) -> list[float]:
    """Milliseconds of every question asked again, ``rounds`` times over (their answers cached by then)."""
    from graph.applicability import rules_between

    out = []
    for _ in range(rounds):
        for q in questions:
            t = time.perf_counter()
            rules_between(store, *q)
            out.append((time.perf_counter() - t) * 1000)
    return out


def _questions(count: int) -> list[tuple[str, str, date, str, str]]:
    from benchmarks.boms import LANES, PRODUCT_CHAPTERS, seeded_codes

    codes = [c for c in seeded_codes()["HS2022"] if c[:2] in PRODUCT_CHAPTERS]
    lanes = [(lane.exporter, lane.importer, lane.day) for lane in LANES] + [("DE", "JP", date(2024, 6, 1)),
                                                                            ("VN", "NZ", date(2025, 6, 2))]
    return [(e, i, d, c, "HS2022") for c in codes for e, i, d in lanes][:count]


def bench_rules(store, count: int) -> dict:
    from graph import queries
    from graph.applicability import rules_between
    from graph.cache import graph_view

    questions = _questions(count)
    store.write_tx(lambda tx: None)  # the revision moves: nothing cached
    first, trips = [], []
    answers = {}
    for q in questions:
        before = store.round_trips
        t = time.perf_counter()
        answers[q] = rules_between(store, *q)
        first.append((time.perf_counter() - t) * 1000)
        trips.append(store.round_trips - before)
    repeat = repeat_ms(store, questions)
    for other in _questions(3 * count)[count:]:  # the store answers 2x as many other questions first
        rules_between(store, *other)
    store.write_tx(lambda tx: None)
    steady = []
    for q in questions:
        t = time.perf_counter()
        rules_between(store, *q)
        steady.append((time.perf_counter() - t) * 1000)
    store.write_tx(lambda tx: None)
    read_first = []  # the same through a view that reads the revision first, as an API request does
    for q in questions:
        t = time.perf_counter()
        rules_between(graph_view(store), *q)
        read_first.append((time.perf_counter() - t) * 1000)
    one = []
    for e, i, d, _, _ in questions:
        t = time.perf_counter()
        store.read(queries.SIDE_FACTS_ON_DATE, sides=[{"code": c, "date": d.isoformat()} for c in (e, i)])
        one.append((time.perf_counter() - t) * 1000)
    floor = {(item.instrument, q[3]): item.psr.rule if item.psr else None
             for q, a in answers.items() for item in a.instruments}
    keys = list(floor) * (20000 // max(1, len(floor)) + 1)
    t = time.perf_counter()
    for k in keys:
        floor[k]
    dict_ms = (time.perf_counter() - t) * 1000 / len(keys)
    return {"n": len(questions), "first_p50": statistics.median(first), "first_p95": _pct(first, 95),
            "repeat_p50": statistics.median(repeat), "repeat_p95": _pct(repeat, 95),
            "steady_p50": statistics.median(steady), "steady_p95": _pct(steady, 95),
            "read_first_p50": statistics.median(read_first), "read_first_p95": _pct(read_first, 95),
            "one_p50": statistics.median(one), "one_p95": _pct(one, 95), "dict_ms": dict_ms,
            "trips_max": max(trips), "trips_mean": sum(trips) / len(trips)}


def bench_verdicts(store, count: int) -> dict:
    from benchmarks.boms import LANES, synthetic_products
    from graph.origin import evaluate_shipments

    shipments = [lane.shipment() for lane in LANES]
    jobs = [(p, shipments[i % 2]) for i, p in enumerate(synthetic_products(count, 20, seed=21))]
    out: dict = {"boms": count}
    store.write_tx(lambda tx: None)
    for name in ("first", "warm", "first_again"):
        if name == "first_again":  # nothing of origingraph's cached; the store has answered these statements once
            store.write_tx(lambda tx: None)
        before = store.round_trips
        t = time.perf_counter()
        verdicts = sum(len(r.verdicts) for r in evaluate_shipments(store, jobs))
        seconds = time.perf_counter() - t
        out[name] = {"verdicts": verdicts, "seconds": seconds, "rate": verdicts / seconds,
                     "trips": store.round_trips - before}
    return out


def _wall(args: list[str], env: dict, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "api.cli", *args], env=env, cwd=REPO, capture_output=True,
                              text=True, timeout=300)
        times.append(time.perf_counter() - t)
        if proc.returncode != 0:
            raise RuntimeError(f"origingraph {' '.join(args)}: {proc.stderr[-500:]}")
    return times


def bench_cli(data_dir: Path, runs: int) -> dict:
    env = {**os.environ, "ORIGINGRAPH_DATA": str(data_dir), "PYTHONPATH": str(REPO)}
    env.pop("NEO4J_URI", None)
    env.pop("ORIGINGRAPH_STORE", None)
    rules = ["rules", "--exporter", "MY", "--importer", "AU", "--date", "2025-06-02", "--hs", "610910", "--hs-version", "HS2022", "--json"]
    helps = _wall(["--help"], env, runs)
    _wall(["store", "stop"], env, 1)
    built = _startup_cache_built(data_dir, env, within_s=240)
    starting, uncached = [], []
    for _ in range(max(1, runs // 2)):  # interleaved: with the start-up cache, and without it
        for times, startup_cache in ((starting, "on"), (uncached, "off")):
            times += _wall(rules, {**env, "ORIGINGRAPH_STARTUP_CACHE": startup_cache}, 1)
            _wall(["store", "stop"], env, 1)
    running = _wall(rules, env, runs)
    _wall(["store", "stop"], env, 1)
    return {"help": statistics.median(helps), "running": statistics.median(running),
            "uncached": statistics.median(uncached), "starting": statistics.median(starting), "cache_built": built,
            "runs": runs}


def _startup_cache_built(data_dir: Path, env: dict, within_s: float) -> bool:
    """Wait until the store service's start-up cache is built (``graph.startup_cache``: a service
    without one trains it once idle): the starts timed next are what a user meets from then on."""
    from graph.startup_cache import StartupCache

    cache = StartupCache(data_dir)
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        state = cache.status()
        if state == "built":
            return True
        if state == "none":  # no training ran (or it failed): an idle service begins one
            _wall(["store", "start"], env, 1)
            while cache.status() == "none" and time.monotonic() < deadline:
                time.sleep(0.5)
            _wall(["store", "stop"], env, 1)
        time.sleep(0.5)
    return False


def render(env: dict, rules: dict, verdicts: dict, cli: dict | None) -> str:
    r, v = rules, verdicts
    out = ["## First ask and repeat (`python -m benchmarks.questions`)", "",
           f"Measured {env['when']}; load average before {env['load_before']}, after {env['load_after']} "
           f"({os.cpu_count()} CPUs, shared with other work: medians and ratios matter more than absolutes).", "",
           "| measure | target | measured | met |", "| --- | --- | --- | --- |",
           f"| round trips, uncached rules question (max / mean over {r['n']}) | <= 3 | {r['trips_max']} / "
           f"{r['trips_mean']:.2f} | {'yes' if r['trips_max'] <= 3 else 'no'} |",
           f"| rules question in process, first ask p50 (seeds) | <= 5 ms | {r['first_p50']:.2f} ms (p95 "
           f"{r['first_p95']:.2f}) | {'yes' if r['first_p50'] <= 5 else 'no'} |",
           f"| verdicts/s, 20-line BOMs, warm, one process | >= 5,000 | {v['warm']['rate']:,.0f} | "
           f"{'yes' if v['warm']['rate'] >= 5000 else 'no'} |",
           f"| verdicts/s, 20-line BOMs, first ask, one process | >= 1,000 | {v['first']['rate']:,.0f} "
           f"({v['first']['trips']} statements) | {'yes' if v['first']['rate'] >= 1000 else 'no'} |"]
    if cli:
        out += [f"| `origingraph --help` | <= 0.3 s | {cli['help']:.2f} s | {'yes' if cli['help'] <= 0.3 else 'no'} |",
                f"| `origingraph rules` one-shot, store service running | <= 1.0 s | {cli['running']:.2f} s | "
                f"{'yes' if cli['running'] <= 1.0 else 'no'} |",
                f"| `origingraph rules` one-shot, service must start, its start-up cache built | <= 12 s | "
                f"{cli['starting']:.2f} s{'' if cli['cache_built'] else ' (the cache was not built in time)'} | "
                f"{'yes' if cli['starting'] <= 12 else 'no'} |",
                f"| the same without the start-up cache (`ORIGINGRAPH_STARTUP_CACHE=off`; a data directory's first start) | <= 12 s | {cli['uncached']:.2f} s | "
                f"{'yes' if cli['uncached'] <= 12 else 'no'} |"]
    out += ["", "Rules questions, in process, same run (ms):", "",
            "| path | p50 | p95 | vs first ask p50 |", "| --- | ---: | ---: | ---: |",
            f"| first ask (after a write: nothing cached) | {r['first_p50']:.3f} | {r['first_p95']:.3f} | 1x |",
            f"| first ask again, after the store answered {2 * r['n']} other questions and a write | "
            f"{r['steady_p50']:.3f} | {r['steady_p95']:.3f} | {_vs(r['first_p50'], r['steady_p50'])} |",
            f"| the same after another write, each question through a view that reads the revision first "
            f"(an API request, `evaluate_shipment`; a fresh process's first question) | {r['read_first_p50']:.3f} | "
            f"{r['read_first_p95']:.3f} | {_vs(r['first_p50'], r['read_first_p50'])} |",
            f"| the pair's facts statement alone, both countries (one round trip) | {r['one_p50']:.3f} | {r['one_p95']:.3f} | "
            f"{_vs(r['first_p50'], r['one_p50'])} |" if r['one_p50'] else "",
            f"| repeat (revision read + cached answer) | {r['repeat_p50']:.3f} | {r['repeat_p95']:.3f} | "
            f"{_vs(r['first_p50'], r['repeat_p50'])} |",
            f"| Python dict keyed by (instrument, code) | {r['dict_ms']:.5f} | - | floor |", "",
            f"Verdicts: {v['first']['verdicts']:,} verdicts for {v['boms']:,} BOMs: first ask {v['first']['seconds']:.2f} s, "
            f"warm {v['warm']['seconds']:.2f} s ({v['warm']['trips']} statement(s): the revision read); first ask "
            f"again after another write (nothing of origingraph's cached, the store's JVM having run these statements "
            f"once) {v['first_again']['seconds']:.2f} s = {v['first_again']['rate']:,.0f}/s (the target is judged on the "
            f"first)."]
    return "\n".join(line for line in out if line is not None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.questions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI wall times")
    parser.add_argument("--out", type=Path, help="also write the section to this file")
    args = parser.parse_args(argv)
    from datetime import datetime, timezone

    from benchmarks.common import load_average, publish, seeded_store

    env = {"when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "load_before": load_average()}
    with tempfile.TemporaryDirectory(prefix="origingraph-bench-q-") as tmp:
        with seeded_store(Path(tmp) / "store") as store:
            rules = bench_rules(store, 40 if args.quick else 200)
            print(f"rules: first p50 {rules['first_p50']:.2f} ms, repeat p50 {rules['repeat_p50']:.2f} ms, "
                  f"trips max {rules['trips_max']}", flush=True)
            verdicts = bench_verdicts(store, 200 if args.quick else 1000)
            print(f"verdicts: first {verdicts['first']['rate']:.0f}/s, warm {verdicts['warm']['rate']:.0f}/s", flush=True)
        cli = None if args.no_cli else bench_cli(Path(tmp) / "store", 3 if args.quick else 5)
    env["load_after"] = load_average()
    text = render(env, rules, verdicts, cli)
    publish(text, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
