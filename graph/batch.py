"""``origingraph batch``: the same evaluation as ``origingraph evaluate``, for many BOMs x shipments,
on Dask (a local cluster by default, or the scheduler at ``--scheduler``).

Input (:func:`read_jobs`), one job per BOM x shipment:

- a directory: every ``.yaml`` / ``.yml`` / ``.json`` / ``.csv`` BOM file in it (sorted by name), each
  with its own shipment, or with ``--exporter --importer --date`` (which also override the files'); or
- a manifest, ``.csv`` or ``.parquet``, one row per job: column ``bom`` (a BOM file path, relative
  to the manifest's folder) and optional ``exporter``, ``importer``, ``date`` (``YYYY-MM-DD``) that
  override the file's shipment, as the flags do. The same BOM may appear on many rows (many shipments).

How it runs (:func:`run_batch`), so that the graph is read by the client only, once:

1. the client reads the known HS codes (one query) and scatters them to every worker once;
2. workers parse their partitions of BOM files (rejecting unknown codes as ``evaluate`` does) and keep
   the parsed BOMs in memory; each partition reports only its *questions*: the lanes (exporter,
   importer, date), product codes, intermediates' codes and every BOM code;
3. the client answers every question from the graph at one revision (``graph.cache``: the instruments
   binding each lane, the governing PSRs, the per-lane context, the HS lineage mappings), takes a
   :class:`~graph.cache.Snapshot` of those answers and scatters it to every worker once (broadcast),
   pickled once into bytes (:class:`PackedSnapshot`; each worker process unpickles it once);
4. workers evaluate their BOMs with :func:`graph.origin.origin_report` on a
   :class:`~graph.cache.SnapshotView`: the same code path as single-process evaluation, with every
   graph answer served from the snapshot and no query to the graph;
5. the client writes the rows (Parquet or CSV, by the output's suffix) in job order as partitions
   complete, with a progress bar.

With one local worker (``--workers 1``, and the default on two CPUs or fewer: :func:`default_workers`) the
same steps run in this process, with no cluster, and the snapshot is read where it was made.

Output: one row per BOM x instrument. ``status`` is ``verdict`` (with ``originating``, ``rule``,
``passed_by``, the numbers, the ``warnings`` count and ``verdict``, the verdict's JSON exactly as
``origingraph evaluate --json`` gives it), ``undetermined`` (an instrument binds the pair but the
graph has no rule to judge by: ``detail`` says why), ``no_instrument`` (nothing binds the pair on
the date) or ``error`` (the BOM or its shipment was rejected: ``detail`` is the message, with the
file and line). A bad BOM never stops the batch.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import json
import pickle
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from engine.bom_input import BomError, parse_bom
from engine.fungible import FungibleError
from engine.models import Product, Shipment
from graph import queries
from graph.cache import AnswerCache, GraphView, Snapshot, SnapshotView, collector_paused, read_revision
from graph.errors import NotFound
from graph.export import safe_table
from graph.lineage import hs_uid
from graph.origin import Lane, LaneQuestions, OriginReport, answer_questions, origin_report
from graph.store import Store

BOM_SUFFIXES = (".yaml", ".yml", ".json", ".csv")

COLUMNS = ("job", "bom", "sku", "exporter", "importer", "date", "status", "agreement", "instrument",
           "originating", "rule", "passed_by", "rule_status", "provisional", "currency", "fob", "ex_works", "vnm", "vom",
           "rvc_build_down_pct", "rvc_build_up_pct", "nom_pct", "warnings", "detail", "verdict")


class BatchInputError(ValueError):
    """The batch's input (directory or manifest) cannot be read; the message says what to fix."""


@dataclass(frozen=True)
class Job:
    """One BOM file evaluated for one shipment (``exporter`` / ``importer`` / ``date`` override the file's)."""

    index: int
    bom: str
    exporter: str | None = None
    importer: str | None = None
    date: date | None = None


@dataclass
class BatchSummary:
    jobs: int = 0
    rows: int = 0
    verdicts: int = 0
    originating: int = 0
    undetermined: int = 0
    no_instrument: int = 0
    errors: int = 0
    lanes: int = 0
    answers: int = 0
    workers: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        total = sum(self.seconds.values()) or 1e-9
        where = f"on {self.workers} worker(s)" if self.workers else "in this process"
        shipped = "shipped once per worker" if self.workers else "read once"
        return [f"{self.jobs} BOM x shipment jobs {where}: {self.rows} rows, "
                f"{self.verdicts} verdicts ({self.originating} originating), {self.undetermined} undetermined, "
                f"{self.no_instrument} with no instrument, {self.errors} errors",
                f"{self.lanes} lane(s), {self.answers} graph answers {shipped}; "
                + ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items())
                + f"; {self.verdicts / total:.0f} verdicts/s overall"]


# --------------------------------------------------------------------------- input


def _day(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise BatchInputError(f"{where}: date: expected YYYY-MM-DD, got {value!r}") from None


def _country(value: Any, where: str, name: str) -> str | None:
    if value in (None, ""):
        return None
    code = str(value).strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise BatchInputError(f"{where}: {name}: expected an ISO 3166-1 alpha-2 country code, got {value!r}")
    return code


def read_jobs(source: Path, exporter: str | None = None, importer: str | None = None,
              day: date | None = None) -> list[Job]:
    """The jobs of a directory of BOM files or of a CSV / Parquet manifest (see the module docstring);
    ``exporter`` / ``importer`` / ``day`` apply to every job (a manifest's own columns win)."""
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if p.is_file() and p.suffix.lower() in BOM_SUFFIXES)
        if not files:
            raise BatchInputError(f"{source}: no BOM files ({', '.join(BOM_SUFFIXES)}) in this directory")
        return [Job(i, str(p), exporter, importer, day) for i, p in enumerate(files)]
    if not source.is_file():
        raise BatchInputError(f"{source}: no such file or directory")
    suffix = source.suffix.lower()
    if suffix == ".csv":
        with source.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
            columns = set(rows[0]) if rows else set()
    elif suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(source)
        rows, columns = table.to_pylist(), set(table.column_names)
    else:
        raise BatchInputError(f"{source}: expected a directory of BOM files, or a .csv / .parquet manifest")
    if "bom" not in columns:
        raise BatchInputError(f"{source}: the manifest needs a 'bom' column (path of each BOM file)")
    unknown = columns - {"bom", "exporter", "importer", "date"}
    if unknown:
        raise BatchInputError(f"{source}: unknown column(s) {', '.join(sorted(unknown))}: "
                              "expected bom, exporter, importer, date")
    jobs = []
    for i, row in enumerate(rows):
        where = f"{source}:{i + 2}" if suffix == ".csv" else f"{source} row {i}"
        if not row.get("bom"):
            raise BatchInputError(f"{where}: bom: required")
        path = Path(str(row["bom"]))
        jobs.append(Job(i, str(path if path.is_absolute() else source.parent / path),
                        _country(row.get("exporter"), where, "exporter") or exporter,
                        _country(row.get("importer"), where, "importer") or importer,
                        _day(row.get("date"), where) or day))
    return jobs


def known_codes(store: Store | GraphView) -> frozenset[str]:
    """Every HS code uid (``HS2022:610910``) in the graph."""
    return frozenset(r["uid"] for r in store.read(queries.ALL_HS_CODE_UIDS))


# --------------------------------------------------------------------------- worker side


@dataclass(frozen=True)
class Parsed:
    """A job after parsing: the product and shipment, or the error that rejected it."""

    job: Job
    product: Product | None = None
    shipment: Shipment | None = None
    error: str | None = None


def _shipment(document, job: Job) -> Shipment:
    flags = {k: v for k, v in (("exporter", job.exporter), ("importer", job.importer), ("date", job.date)) if v}
    if document.shipment is None and len(flags) < 3:
        raise NotFound(f"{job.bom} has no shipment: give exporter, importer and date (manifest columns or flags)",
                       "shipment")
    base = document.shipment.model_dump() if document.shipment else {}
    return Shipment(**{**base, **flags})


def parse_job(job: Job, known: frozenset[str]) -> Parsed:
    try:
        path = Path(job.bom)
        text = path.read_text(encoding="utf-8")
        document = parse_bom(text, path.name, lambda version, code: hs_uid(version, code) in known)
        return Parsed(job, document.product, _shipment(document, job))
    except (OSError, UnicodeDecodeError) as exc:
        return Parsed(job, error=f"{job.bom}: cannot read: {exc}")
    except (BomError, NotFound, ValueError) as exc:
        return Parsed(job, error=str(exc))


def parse_partition(jobs: list[Job], known: frozenset[str]) -> list[Parsed]:
    return [parse_job(job, known) for job in jobs]


def questions_of(parsed: Iterable[Parsed]) -> dict[Lane, LaneQuestions]:
    out: dict[Lane, LaneQuestions] = defaultdict(LaneQuestions)
    for item in parsed:
        if item.product is not None and item.shipment is not None:
            out[(item.shipment.exporter, item.shipment.importer, item.shipment.date)].add(item.product)
    return dict(out)


def _rows(item: Parsed, report: OriginReport | None, error: str | None) -> list[dict[str, Any]]:
    job = item.job
    base = {c: None for c in COLUMNS}
    base.update(job=job.index, bom=job.bom)
    if item.product is not None:
        base["sku"] = item.product.sku
    if item.shipment is not None:
        base.update(exporter=item.shipment.exporter, importer=item.shipment.importer, date=item.shipment.date)
    if error is not None or report is None:
        return [{**base, "status": "error", "detail": error}]
    rows = []
    for v in report.verdicts:
        n = v.numbers
        rows.append({**base, "status": "verdict", "agreement": v.agreement, "instrument": v.instrument,
                     "originating": v.originating, "rule": v.rule, "passed_by": v.passed_by,
                     "rule_status": v.rule_status, "provisional": v.provisional,
                     "currency": n.currency, "fob": str(n.fob), "ex_works": str(n.ex_works), "vnm": str(n.vnm),
                     "vom": str(n.vom), "rvc_build_down_pct": str(n.rvc_build_down_pct),
                     "rvc_build_up_pct": str(n.rvc_build_up_pct), "nom_pct": str(n.nom_pct),
                     "warnings": len(v.warnings), "verdict": v.model_dump_json(by_alias=True)})
    for u in report.undetermined:
        rows.append({**base, "status": "undetermined", "agreement": u.agreement, "instrument": u.instrument,
                     "rule_status": u.rule_status, "detail": u.reason})
    if not rows:
        pending = ", ".join(p.instrument for p in report.pending)
        rows.append({**base, "status": "no_instrument",
                     "detail": "no instrument binds the pair on this date"
                               + (f" (pending: {pending})" if pending else "")})
    return rows


def evaluate_parsed(parsed: Iterable[Parsed], snapshot: Snapshot) -> list[dict[str, Any]]:
    """Rows for parsed jobs, every graph answer taken from ``snapshot`` (no query to the graph)."""
    with collector_paused():
        return _evaluated_rows(parsed, snapshot)


def _evaluated_rows(parsed: Iterable[Parsed], snapshot: Snapshot) -> list[dict[str, Any]]:
    view = SnapshotView(snapshot)
    rows: list[dict[str, Any]] = []
    for item in parsed:
        if item.error is not None:
            rows += _rows(item, None, item.error)
            continue
        p, s = item.product, item.shipment
        failed = snapshot.errors.get((s.exporter, s.importer, s.date, p.hs, p.hs_version))
        if failed is not None:
            rows += _rows(item, None, f"{item.job.bom}: {failed}")
            continue
        try:
            report = origin_report(view, p, s)
        except (NotFound, FungibleError) as exc:
            rows += _rows(item, None, f"{item.job.bom}: {exc}")
            continue
        rows += _rows(item, report, None)
    return rows


class PackedSnapshot:
    """A :class:`~graph.cache.Snapshot` pickled once by the client, shipped to workers as bytes and
    unpickled once per worker process (:meth:`load`).

    Scattering the snapshot itself made Dask serialise and size tens of thousands of answer objects
    on the client's event loop: for 2,000 jobs (about 40,000 answers) that took longer than reading
    them from the graph; one ``pickle.dumps`` and a bytes frame per worker take a fraction of that
    (``benchmarks/batch.py``)."""

    _loaded: tuple[str, Snapshot] | None = None
    _lock = threading.Lock()

    def __init__(self, snapshot: Snapshot):
        with collector_paused():
            self.data = pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL)
        self.key = hashlib.sha256(self.data).hexdigest()

    def load(self) -> Snapshot:
        """The snapshot, unpickled on this worker's first call (threads of one worker share it)."""
        with PackedSnapshot._lock:
            loaded = PackedSnapshot._loaded
            if loaded is None or loaded[0] != self.key:
                with collector_paused():
                    loaded = PackedSnapshot._loaded = (self.key, pickle.loads(self.data))
            return loaded[1]


def evaluate_partition(parsed: list[Parsed], snapshot: Snapshot | PackedSnapshot):
    """A partition's rows as an Arrow table (what the workers send back)."""
    if isinstance(snapshot, PackedSnapshot):
        snapshot = snapshot.load()
    return rows_table(evaluate_parsed(parsed, snapshot))


def rows_table(rows: list[dict[str, Any]]):
    import pyarrow as pa

    return pa.Table.from_pylist(rows, schema=row_schema())


def row_schema():
    """The Arrow schema of the output rows (built lazily: importing this module does not import pyarrow)."""
    import pyarrow as pa

    text = pa.string()
    return pa.schema([
        ("job", pa.int64()), ("bom", text), ("sku", text), ("exporter", text), ("importer", text),
        ("date", pa.date32()), ("status", text), ("agreement", text), ("instrument", text),
        ("originating", pa.bool_()), ("rule", text), ("passed_by", text), ("currency", text), ("fob", text),
        ("ex_works", text), ("vnm", text), ("vom", text), ("rvc_build_down_pct", text),
        ("rvc_build_up_pct", text), ("nom_pct", text), ("warnings", pa.int32()), ("detail", text),
        ("verdict", text)])


# --------------------------------------------------------------------------- client side


def prepare_snapshot(store: Store, questions: dict[Lane, LaneQuestions]) -> Snapshot:
    """Answer every question from the graph at one revision, in a handful of statements for the whole
    batch (:func:`graph.origin.answer_questions`), and take a snapshot of the answers.

    Reads the revision before and after; if a write committed in between, answers again (once).
    """
    for _ in range(2):
        revision = read_revision(store)
        view = GraphView(store, AnswerCache(max_entries=10**9), revision)
        with collector_paused():
            errors = answer_questions(view, questions)
        if read_revision(store) == revision:
            break
    return Snapshot(revision=revision, answers=dict(view._answers or {}), errors=errors)


def _partitions(jobs: list[Job], size: int) -> list[list[Job]]:
    return [jobs[i:i + size] for i in range(0, len(jobs), size)]


class _Writer:
    """Rows to Parquet or CSV (by ``out``'s suffix), written in job order."""

    def __init__(self, out: Path):
        self.out = out
        self.kind = "parquet" if out.suffix.lower() == ".parquet" else "csv"
        if out.suffix.lower() not in (".parquet", ".csv"):
            raise BatchInputError(f"{out}: the output must be a .parquet or .csv file")
        out.parent.mkdir(parents=True, exist_ok=True)
        self._writer = None
        self._file = None

    def write(self, table) -> None:
        if self.kind == "parquet":
            import pyarrow.parquet as pq

            if self._writer is None:
                self._writer = pq.ParquetWriter(self.out, table.schema)
            self._writer.write_table(table)
        else:
            import pyarrow.csv as pcsv

            if self._file is None:
                self._file = self.out.open("wb")
                pcsv.write_csv(safe_table(table), self._file)
            else:
                pcsv.write_csv(safe_table(table), self._file, pcsv.WriteOptions(include_header=False))

    def close(self) -> None:
        if self.kind == "parquet":
            import pyarrow.parquet as pq

            if self._writer is None:
                pq.write_table(rows_table([]), self.out)
            else:
                self._writer.close()
        else:
            if self._file is None:
                import pyarrow.csv as pcsv

                with self.out.open("wb") as f:
                    pcsv.write_csv(rows_table([]), f)
            else:
                self._file.close()


def _client(scheduler: str | None, workers: int | None, threads: int, processes: bool):
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    n = workers or default_workers()
    cluster = LocalCluster(n_workers=n, threads_per_worker=threads, processes=processes, dashboard_address=None)
    return Client(cluster), cluster


def default_workers() -> int:
    """Local workers when ``--workers`` is not given: one per CPU, at most 8; on two CPUs or fewer one,
    which :func:`run_batch` runs in this process (two worker processes there lose to it)."""
    import os

    cpus = os.cpu_count() or 1
    return 1 if cpus <= 2 else min(cpus, 8)


def run_batch(store: Store, jobs: list[Job], out: Path, *, scheduler: str | None = None,
              workers: int | None = None, threads_per_worker: int = 1, processes: bool = True,
              partition_size: int = 200, progress: bool = True) -> BatchSummary:
    """Evaluate ``jobs`` and write one row per BOM x instrument to ``out`` (see the module docstring): on
    Dask, or, with one local worker, in this process. One worker process gains nothing over this one and
    costs the cluster's start, the snapshot's pickling and shipping and the worker's unpickling (2,000
    jobs on 2 CPUs: ``benchmarks/batch.py`` measures both ways); the steps and the rows are the same."""
    if scheduler is None and (workers or default_workers()) == 1:
        return _run_here(store, jobs, out, partition_size, progress)
    from distributed import as_completed
    from tqdm import tqdm

    summary = BatchSummary(jobs=len(jobs))
    writer = _Writer(out)
    started = time.perf_counter()
    client, cluster = _client(scheduler, workers, threads_per_worker, processes)
    try:
        summary.workers = len(client.scheduler_info().get("workers", {})) or (workers or 1)
        summary.seconds["cluster"] = time.perf_counter() - started

        t = time.perf_counter()
        [known] = client.scatter([known_codes(store)], broadcast=True)  # a list: one object, not its items
        parts = _partitions(jobs, partition_size)
        parsed = client.map(parse_partition, parts, known=known, pure=False)
        asked = client.gather(client.map(questions_of, parsed, pure=False))
        questions: dict[Lane, LaneQuestions] = defaultdict(LaneQuestions)
        for partial in asked:
            for lane, q in partial.items():
                questions[lane].update(q)
        summary.seconds["parse"] = time.perf_counter() - t

        t = time.perf_counter()
        snapshot = prepare_snapshot(store, dict(questions))
        summary.lanes, summary.answers = len(questions), len(snapshot.answers)
        summary.seconds["graph answers"] = time.perf_counter() - t

        t = time.perf_counter()
        [shipped] = client.scatter([PackedSnapshot(snapshot)], broadcast=True)
        summary.seconds["ship snapshot"] = time.perf_counter() - t

        t = time.perf_counter()
        futures = client.map(evaluate_partition, parsed, snapshot=shipped, pure=False)
        order = {f.key: i for i, f in enumerate(futures)}
        done: dict[int, Any] = {}
        next_part = 0
        bar = tqdm(total=len(jobs), desc="batch", unit="BOM", disable=not progress)
        try:
            for future in as_completed(futures):
                i = order[future.key]
                done[i] = future.result()
                bar.update(len(parts[i]))
                future.release()
                while next_part in done:
                    table = done.pop(next_part)
                    _count(summary, table)
                    writer.write(table)
                    next_part += 1
        finally:
            bar.close()
        summary.seconds["evaluate"] = time.perf_counter() - t
    finally:
        writer.close()
        client.close()
        if cluster is not None:
            cluster.close()
    return summary


def _run_here(store: Store, jobs: list[Job], out: Path, partition_size: int, progress: bool) -> BatchSummary:
    """:func:`run_batch` in this process: the same partitions, parse, snapshot, evaluation and rows as the
    workers', with nothing shipped (``workers`` is 0 in the summary: no worker process)."""
    from tqdm import tqdm

    summary = BatchSummary(jobs=len(jobs))
    writer = _Writer(out)
    try:
        t = time.perf_counter()
        known = known_codes(store)
        parsed = [parse_partition(part, known) for part in _partitions(jobs, partition_size)]
        summary.seconds["parse"] = time.perf_counter() - t

        t = time.perf_counter()
        questions = questions_of(item for part in parsed for item in part)
        snapshot = prepare_snapshot(store, questions)
        summary.lanes, summary.answers = len(questions), len(snapshot.answers)
        summary.seconds["graph answers"] = time.perf_counter() - t

        t = time.perf_counter()
        # The snapshot lives, unchanged, to the end: the collector need not walk it after each part. Only
        # when nothing is frozen yet, so the caller's own frozen objects are never thawed.
        freeze = gc.get_freeze_count() == 0
        if freeze:
            gc.freeze()
        try:
            with tqdm(total=len(jobs), desc="batch", unit="BOM", disable=not progress) as bar:
                for part in parsed:
                    table = rows_table(evaluate_parsed(part, snapshot))
                    _count(summary, table)
                    writer.write(table)
                    bar.update(len(part))
        finally:
            if freeze:
                gc.unfreeze()
        summary.seconds["evaluate"] = time.perf_counter() - t
    finally:
        writer.close()
    return summary


def _count(summary: BatchSummary, table) -> None:
    statuses = table.column("status").to_pylist()
    originating = table.column("originating").to_pylist()
    summary.rows += table.num_rows
    summary.verdicts += statuses.count("verdict")
    summary.originating += sum(1 for o in originating if o)
    summary.undetermined += statuses.count("undetermined")
    summary.no_instrument += statuses.count("no_instrument")
    summary.errors += statuses.count("error")


def report_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a batch output file (Parquet or CSV), as dicts (tests, tooling)."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    import pyarrow.csv as pcsv

    return pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(column_types=row_schema())).to_pylist()


def as_json(summary: BatchSummary) -> str:
    return json.dumps(summary.__dict__, indent=2)
