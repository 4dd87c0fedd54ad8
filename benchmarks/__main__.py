"""``python -m benchmarks [--quick]``: every benchmark, one after the other, each a fresh process, and
``benchmarks/RESULTS.md`` written from what they printed in this run (nothing copied from earlier runs).

The scripts: ``questions`` (rules questions and verdicts in process, CLI wall times), ``api`` (a whole
``origingraph serve``), ``batch`` (``origingraph batch``), ``realdata`` (rules on the real UK / EU data;
skipped without ``../shared/eval-data``), ``imports`` and ``load``. The machine's load average is recorded
before and after each, since these machines are shared.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.common import load_average

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"

# (script, arguments for --quick, whether it prints a Markdown section to --out, rather than plain text)
SCRIPTS = (("questions", ["--quick"], True), ("api", ["--quick"], True), ("batch", ["--quick"], True),
           ("realdata", ["--quick"], True), ("imports", [], False), ("load", [], False))


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True,
                           text=True).stdout.strip()
    return (done.stdout.strip() or "unknown") + (" plus uncommitted changes" if dirty else "")


def run_script(name: str, extra: list[str], markdown: bool, out: Path) -> tuple[str, float, str, str]:
    """Run one script; its section (Markdown, or its plain output in a block), seconds, load before/after."""
    before, started = load_average(), time.perf_counter()
    args = [sys.executable, "-m", f"benchmarks.{name}", *extra] + (["--out", str(out)] if markdown else [])
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    seconds, after = time.perf_counter() - started, load_average()
    if done.returncode != 0:
        raise SystemExit(f"python -m benchmarks.{name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    if markdown and out.exists():
        section = out.read_text(encoding="utf-8").strip()
    else:
        lines = [line for line in done.stdout.splitlines() if not line.startswith("{")]  # not the raw JSON dump
        section = f"## `python -m benchmarks.{name}`\n\n```text\n" + "\n".join(lines).strip() + "\n```"
    return section, seconds, before, after


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the scripts' quick modes (smaller samples)")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"where to write the results (default {RESULTS})")
    args = parser.parse_args(argv)
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sections, runs = [], []
    with tempfile.TemporaryDirectory(prefix="origingraph-bench-all-") as tmp:
        for name, quick, markdown in SCRIPTS:
            print(f"python -m benchmarks.{name} ...", flush=True)
            section, seconds, before, after = run_script(name, quick if args.quick else [], markdown,
                                                         Path(tmp) / f"{name}.md")
            print(section + "\n", flush=True)
            sections.append(section)
            runs.append(f"| `benchmarks.{name}` | {seconds:.0f} | {before} | {after} |")
    head = ["# Benchmark results", "",
            f"Written by `python -m benchmarks{' --quick' if args.quick else ''}` from one run of every script, "
            f"started {started} on commit {_commit()}, on a machine with {os.cpu_count()} CPUs. Every figure below "
            "is what that run printed. The machine is shared: read medians and ratios before absolute figures, "
            "and the load average beside each script.", "",
            "| script | wall s | load average before | after |", "| --- | ---: | --- | --- |", *runs]
    args.out.write_text("\n".join(head) + "\n\n" + "\n\n".join(sections) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
