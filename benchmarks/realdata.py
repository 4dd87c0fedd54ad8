"""Rules questions on the full real data: ``.venv/bin/python -m benchmarks.realdata`` (``--quick``, ``--out FILE``).

A fresh embedded store in a temporary data directory (``ORIGINGRAPH_DATA``; never the user's) gets the
README's public-data imports as whole ``origingraph`` CLI processes, exactly as ``benchmarks.imports``
runs them (seeds, HS2017 and HS2022 lists, the UNSD correlation, ``import uk-roo``, ``import eu-roo``
from ``../shared/eval-data``). Then, in this process over Bolt to the same store service:

- **rules questions the UK and EU schemes answer** (``graph.applicability.rules_between``): lanes of
  UK schemes (JP, VN, KR, CA, CH, TR, AU, MY to GB and GB to JP, on 2025-06-02) and of the EU-side
  schemes (JP, KR, CA, VN to DE and DE to JP), each asked for distinct six-digit codes drawn across every
  chapter of the HS2022 list (seeded random), HS2022 for the UK lanes and HS2017 for the EU ones (the
  editions each import attaches its rule sets to). *First ask*: each question once right after a
  managed write (nothing cached); *repeat*: the same questions three times more. Round trips counted
  (``Store.round_trips``); the rule status of every instrument in the answers is counted too, so
  the table shows how many questions reached a real rule;
- **the same run's comparison**: ``benchmarks.questions``' seed-lane questions (MY->AU, MY->TH, ...)
  on this full store, first ask and repeat: what the full data costs the questions the seeds answer.

No setting the product does not use (no ``gc.freeze``). Skips with a message when
``../shared/eval-data`` is absent. Prints a Markdown section and ``os.getloadavg`` before and after.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

from benchmarks.common import load_average, publish
from benchmarks.imports import EVAL_DATA, STEPS, _cli
from benchmarks.questions import _pct, _questions, repeat_ms

REPO = Path(__file__).resolve().parent.parent
DAY = date(2025, 6, 2)
UK_LANES = [(c, "GB") for c in ("JP", "VN", "KR", "CA", "CH", "TR", "AU", "MY")] + [("GB", "JP")]
EU_LANES = [(c, "DE") for c in ("JP", "KR", "CA", "VN")] + [("DE", "JP")]
TARGET_P95_MS = 30.0


def _codes(version: str) -> list[str]:
    """Six-digit codes of ``version`` in the bundled seeds' full HS nomenclature (one CSV per edition in
    ``hs_codes/``, or the one ``hs_codes.csv`` with a ``version`` column)."""
    from seeds.read import BUNDLED

    per_edition = BUNDLED / "hs_codes" / f"{version}.csv"
    path = per_edition if per_edition.exists() else BUNDLED / "hs_codes.csv"
    with path.open(encoding="utf-8") as f:
        return sorted(r["code"] for r in csv.DictReader(f)
                      if r.get("version", version) == version and len(r["code"]) == 6)


def real_questions(count: int) -> list[tuple[str, str, date, str, str]]:
    """``count`` distinct questions, lanes in turn, each with a code of its own drawn across the list (seeded)."""
    rng = random.Random(10)
    pools = {v: rng.sample(_codes(v), len(_codes(v))) for v in ("HS2022", "HS2017")}
    lanes = [(e, i, "HS2022") for e, i in UK_LANES] + [(e, i, "HS2017") for e, i in EU_LANES]
    out = []
    for n in range(count):
        e, i, version = lanes[n % len(lanes)]
        out.append((e, i, DAY, pools[version][n], version))
    return out


def time_questions(store, questions: list) -> dict:
    from graph.applicability import rules_between

    store.write_tx(lambda tx: None)  # the revision moves: nothing cached
    first, trips, statuses, applied, empty = [], [], Counter(), Counter(), 0
    for q in questions:
        before = store.round_trips
        t = time.perf_counter()
        answer = rules_between(store, *q)
        first.append((time.perf_counter() - t) * 1000)
        trips.append(store.round_trips - before)
        empty += not answer.instruments
        for item in answer.instruments:
            statuses[item.rule_status or "none"] += 1
            applied[item.instrument.split("-")[0]] += 1
    repeat = repeat_ms(store, questions)
    return {"n": len(questions), "first_p50": statistics.median(first), "first_p95": _pct(first, 95),
            "first_max": max(first), "repeat_p50": statistics.median(repeat), "repeat_p95": _pct(repeat, 95),
            "trips_max": max(trips), "trips_mean": sum(trips) / len(trips), "statuses": dict(statuses),
            "instruments": sum(applied.values()), "by_prefix": dict(applied), "without_instrument": empty}


def run(count: int) -> dict:
    from graph.store import StoreConfig, open_store

    r: dict = {"when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "load_before": load_average(),
               "cpus": os.cpu_count(), "steps": {}}
    with tempfile.TemporaryDirectory(prefix="origingraph-bench-real-") as tmp:
        env = {**os.environ, "ORIGINGRAPH_DATA": str(Path(tmp) / "store"), "PYTHONPATH": str(REPO)}
        for name in ("NEO4J_URI", "ORIGINGRAPH_STORE"):
            env.pop(name, None)
        try:
            for name, args in STEPS:
                t = time.perf_counter()
                proc = _cli([*args, *([] if args == ["load"] else ["--no-progress"])], env)
                if proc.returncode != 0:
                    raise SystemExit(f"{name} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
                r["steps"][name] = time.perf_counter() - t
                print(f"{name}: {r['steps'][name]:.1f} s", flush=True)
            with open_store(StoreConfig.from_env(env)) as store:
                r["real"] = time_questions(store, real_questions(count))
                print(f"real-data questions: first p95 {r['real']['first_p95']:.1f} ms, "
                      f"repeat p95 {r['real']['repeat_p95']:.2f} ms", flush=True)
                r["seed_lanes"] = time_questions(store, _questions(count))
        finally:
            _cli(["store", "stop"], env)
    r["load_after"] = load_average()
    return r


def render(r: dict) -> str:
    real, seeds = r["real"], r["seed_lanes"]
    imports = r["steps"].get("uk-roo", 0) + r["steps"].get("eu-roo", 0)
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(real["statuses"].items(), key=lambda kv: -kv[1]))
    prefixes = ", ".join(f"{k} {v}" for k, v in sorted(real["by_prefix"].items(), key=lambda kv: -kv[1]))
    out = ["## Rules questions on the full real data (`python -m benchmarks.realdata`)", "",
           f"Measured {r['when']}; load average before {r['load_before']}, after {r['load_after']} "
           f"({r['cpus']} CPUs, shared with other work). A fresh embedded store with the README's imports as "
           f"CLI processes (seeds, HS2017 and HS2022 lists, UNSD correlation, `import uk-roo`, `import eu-roo`: "
           f"{sum(r['steps'].values()):.1f} s in all, UK + EU {imports:.1f} s); questions in the benchmark "
           f"process over Bolt to the store service.", "",
           "| target | measured | met |", "| --- | --- | --- |",
           f"| rules question in process p95 <= 30 ms on the full real data (first ask, {real['n']} questions) | "
           f"{real['first_p95']:.1f} ms | {'met' if real['first_p95'] <= TARGET_P95_MS else 'not met'} |",
           f"| the same, repeat | {real['repeat_p95']:.2f} ms | "
           f"{'met' if real['repeat_p95'] <= TARGET_P95_MS else 'not met'} |", "",
           "| questions | n | first ask p50 ms | p95 | max | repeat p50 ms | p95 | round trips max / mean |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, x in (("UK / EU scheme lanes, codes across the HS list", real),
                    ("the seed lanes of `benchmarks.questions` on the same full store", seeds)):
        out.append(f"| {name} | {x['n']} | {x['first_p50']:.2f} | {x['first_p95']:.2f} | {x['first_max']:.1f} | "
                   f"{x['repeat_p50']:.3f} | {x['repeat_p95']:.3f} | {x['trips_max']} / {x['trips_mean']:.2f} |")
    out += ["", f"What the UK / EU questions reached: {real['without_instrument']} of {real['n']} had no instrument "
                f"in force; {real['instruments']} applied instruments in the answers "
                f"({prefixes}); their rule status: {statuses}. Lanes: "
                + ", ".join(f"{e}->{i}" for e, i in UK_LANES) + " (HS2022); "
                + ", ".join(f"{e}->{i}" for e, i in EU_LANES) + f" (HS2017); all on {DAY}. The EU-side data gives "
                "no dates (its instruments are imported as signed, not in force), so an EU lane reaches only what "
                "the seeds put in force there (EUJP)."]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.realdata", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="40 questions instead of 200")
    parser.add_argument("--out", type=Path, help="also write the section to this file")
    args = parser.parse_args(argv)
    if not EVAL_DATA.is_dir():
        print(f"skipped: {EVAL_DATA} is absent (the real UK and EU rules of origin are not in the repo)")
        return 0
    text = render(run(40 if args.quick else 200))
    publish(text, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
