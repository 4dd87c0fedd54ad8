"""``origingraph batch``: evaluate many BOMs x shipments on Dask (see ``graph.batch``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from api.arguments import country, iso_date, whole_number


def cmd_batch(args: argparse.Namespace) -> int:
    from graph.batch import BatchInputError, as_json, read_jobs, run_batch
    from graph.store import open_store

    try:
        jobs = read_jobs(args.source, args.exporter, args.importer, args.date)
    except BatchInputError as exc:
        print(f"origingraph batch: {exc}", file=sys.stderr)
        return 2
    progress = not args.no_progress and sys.stderr.isatty()
    with open_store() as store:
        try:
            summary = run_batch(store, jobs, args.out, scheduler=args.scheduler, workers=args.workers,
                                threads_per_worker=args.threads_per_worker, processes=not args.threads,
                                partition_size=args.partition_size, progress=progress)
        except BatchInputError as exc:
            print(f"origingraph batch: {exc}", file=sys.stderr)
            return 2
    print(as_json(summary) if args.json else "\n".join(summary.lines() + [f"written: {args.out}"]))
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    batch = sub.add_parser(
        "batch", help="evaluate many BOMs x shipments on Dask; one Parquet/CSV row per BOM x instrument",
        description="SOURCE is a directory of BOM files (.yaml/.json/.csv) or a .csv/.parquet manifest with "
                    "columns bom (path), and optionally exporter, importer, date overriding each file's "
                    "shipment. Graph answers are computed once by this process and shipped once to every "
                    "worker; workers never query the graph.")
    batch.add_argument("source", type=Path, help="directory of BOM files, or a .csv / .parquet manifest")
    batch.add_argument("--out", type=Path, required=True, help="output file: .parquet or .csv")
    batch.add_argument("--exporter", type=country, help="exporter for every job (a manifest column wins)")
    batch.add_argument("--importer", type=country)
    batch.add_argument("--date", type=iso_date, help="YYYY-MM-DD")
    batch.add_argument("--scheduler", help="address of a Dask scheduler (e.g. tcp://10.0.0.5:8786); "
                                           "default: a local cluster")
    batch.add_argument("--workers", type=whole_number("worker processes", 1, 64),
                       help="local cluster: worker processes (default: one per CPU, at most 8); with 1, and by "
                            "default on 2 CPUs or fewer, the batch runs in this process, with no cluster")
    batch.add_argument("--threads-per-worker", type=whole_number("threads", 1, 64), default=1)
    batch.add_argument("--threads", action="store_true", help="local cluster of threads in this process "
                                                              "(no worker processes)")
    batch.add_argument("--partition-size", type=whole_number("BOMs per task", 1, 100_000), default=200,
                       help="BOMs per task (default 200)")
    batch.add_argument("--no-progress", action="store_true", help="no progress bar")
    batch.add_argument("--json", action="store_true", help="print the summary as JSON")
    batch.set_defaults(run=cmd_batch)
