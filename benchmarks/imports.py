"""The public-data imports as a user runs them: ``.venv/bin/python -m benchmarks.imports``.

Each step is one whole ``origingraph`` CLI process (Python start-up, the embedded store's JVM, the
read, the check and the one-transaction write) on a fresh embedded store in a temporary directory
(``ORIGINGRAPH_DATA``; never the user's data directory). By default the first command starts the
store's background service and later ones reach it over Bolt, as for a user (the service is stopped
at the end with ``origingraph store stop``); ``--in-process`` sets ``ORIGINGRAPH_STORE=in-process``,
so that every command starts the embedded store itself. The steps, in the README's order: the bundled seeds
(``origingraph load``: countries and blocs, so the schemes' parties exist), the HS2017 and HS2022
lists the rule sets attach to (EU and UK defaults), the UNSD HS2017->HS2022 correlation between
them, the UK rules of origin, the EU-side (XI) rules of origin. Prints each step's wall time, the
UK + EU total against the 60 s target, the rule-set counts each rules-of-origin import reports
(``--json``), and the machine load (``/proc/loadavg``) before and after. Needs ``../shared/eval-data``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import load_average

REPO = Path(__file__).resolve().parent.parent
EVAL_DATA = REPO.parent / "shared" / "eval-data"
TARGET_UK_EU_S = 60.0

STEPS = [
    ("load (seeds)", ["load"]),
    ("hs-list HS2017 (Comtrade H5 JSON)", ["import", "hs-list", "hs/comtrade_H5_HS2017_classification.json"]),
    ("hs-list HS2022 (datahub CSV)", ["import", "hs-list", "hs/datahub_harmonized-system_HS2022.csv",
                                      "--version", "HS2022"]),
    ("unsd-correlation HS2017->HS2022", ["import", "unsd-correlation",
                                         "correlation/unsd_HS2022toHS2017ConversionAndCorrelationTables.xlsx",
                                         "--from", "HS2017", "--to", "HS2022"]),
    ("uk-roo", ["import", "uk-roo", "roo/uk_trade_tariff_backend", "--json"]),
    ("eu-roo", ["import", "eu-roo", "roo/ott_prototype_xi", "--json"]),
]


def _cli(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=EVAL_DATA, env=env, capture_output=True,
                          text=True, timeout=900)


def run(in_process: bool) -> dict:
    results: dict = {"loadavg_before": load_average(), "cpus": os.cpu_count(), "steps": {}, "summaries": {},
                     "store": "in-process" if in_process else "service"}
    with tempfile.TemporaryDirectory(prefix="origingraph-bench-imports-") as tmp:
        env = {**os.environ, "ORIGINGRAPH_DATA": str(Path(tmp) / "store"), "PYTHONPATH": str(REPO)}
        env.pop("NEO4J_URI", None)
        if in_process:
            env["ORIGINGRAPH_STORE"] = "in-process"
        try:
            _steps(env, results)
        finally:
            if not in_process:
                _cli(["store", "stop"], env)
    results["uk_eu_s"] = round(results["steps"]["uk-roo"] + results["steps"]["eu-roo"], 2)
    results["loadavg_after"] = load_average()
    return results


def _steps(env: dict, results: dict) -> None:
    for name, args in STEPS:
        started = time.perf_counter()
        proc = _cli([*args, *([] if args == ["load"] else ["--no-progress"])], env)
        seconds = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"{name} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        results["steps"][name] = round(seconds, 2)
        if "--json" in args:
            summary = json.loads(proc.stdout)
            results["summaries"][name] = {"seconds inside the import": round(summary["seconds"], 2),
                                          **{k: v for k, v in summary["totals"].items()
                                             if k not in ("reasons", "skipped")},
                                          "skipped": sum(summary["totals"]["skipped"].values()),
                                          "PSRs written": summary["counts"]["PSRs written"]}


def main() -> int:
    if not EVAL_DATA.is_dir():
        print(f"skipped: {EVAL_DATA} is absent")
        return 0
    r = run("--in-process" in sys.argv[1:])
    print(f"origingraph imports as CLI processes on a fresh embedded store ({r['store']}; {r['cpus']} CPUs)")
    print(f"load average before: {r['loadavg_before']}")
    for name, seconds in r["steps"].items():
        print(f"  {name:<36} {seconds:7.1f} s")
    met = "met" if r["uk_eu_s"] <= TARGET_UK_EU_S else "NOT met"
    print(f"  {'UK + EU rules of origin':<36} {r['uk_eu_s']:7.1f} s  (target <= {TARGET_UK_EU_S:.0f} s: {met})")
    for name, s in r["summaries"].items():
        print(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in s.items()))
    print(f"load average after: {r['loadavg_after']}")
    print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
