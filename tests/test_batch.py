"""origingraph batch on a small local Dask cluster gives the verdicts single-process evaluation gives, and
so does a batch run in this process (one worker: no cluster).

Real embedded store (the session's seeds plus XFTA), real BOM files, a real LocalCluster (threads,
so the test stays fast and needs no worker processes); the workers evaluate from the snapshot of
graph answers the client shipped, never from the graph.
"""

from __future__ import annotations

import copy
import gc
import json
from collections import Counter
from pathlib import Path

import yaml

from engine.models import Shipment
from graph.batch import read_jobs, report_rows, run_batch
from graph.origin import evaluate_shipment, read_bom
from graph.store import Store

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _boms(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    example = yaml.safe_load((EXAMPLES / "tshirt-my-au.yaml").read_text())
    with_trim = copy.deepcopy(example)
    with_trim["product"]["sku"] = "TS-TRIM"
    with_trim["bom"].append({
        "id": "trim", "hs": "600622", "hs_version": "HS2022", "quantity": "1", "unit": "pc", "value": "0.50",
        "currency": "USD", "processes": ["knitting"],
        "components": [{"id": "thread", "hs": "520512", "hs_version": "HS2022", "quantity": "0.002", "unit": "kg",
                        "value": "0.10", "currency": "USD", "origin": "TH", "weight_kg": "0.002",
                        "processes_in": [{"country": "TH", "value_added": "0.02", "processes": ["dyeing"]}]}]})
    eu_fabric = copy.deepcopy(example)
    eu_fabric["product"]["sku"] = "TS-EU"
    eu_fabric["bom"][0].update(origin="DE", declaration={"instrument": "EUJP", "country": "DE",
                                                         "valid_from": "2025-01-01", "valid_until": "2025-12-31"})
    unknown = copy.deepcopy(example)
    unknown["product"]["sku"] = "TS-BAD"
    unknown["bom"][0]["hs"] = "999999"
    files = {"example": folder / "tshirt.yaml", "trim": folder / "trim.json", "eu": folder / "eu.yaml",
             "csv": folder / "tshirt.csv", "bad": folder / "bad.yaml"}
    files["example"].write_text(yaml.safe_dump(example))
    files["trim"].write_text(json.dumps(with_trim))
    files["eu"].write_text(yaml.safe_dump(eu_fabric))
    files["csv"].write_text((EXAMPLES / "tshirt-bom.csv").read_text())
    files["bad"].write_text(yaml.safe_dump(unknown))
    return files


def _expected(store: Store, job) -> list[tuple]:
    """What single-process evaluation says for one job, as (status, instrument, verdict JSON or None)."""
    document = read_bom(store, Path(job.bom))
    flags = {k: v for k, v in (("exporter", job.exporter), ("importer", job.importer), ("date", job.date)) if v}
    shipment = Shipment(**{**(document.shipment.model_dump() if document.shipment else {}), **flags})
    report = evaluate_shipment(store, document.product, shipment)
    rows = [("verdict", v.instrument, v.model_dump_json(by_alias=True)) for v in report.verdicts]
    rows += [("undetermined", u.instrument, None) for u in report.undetermined]
    return rows or [("no_instrument", None, None)]


def test_batch_gives_the_single_process_verdicts(seeded: Store, tmp_path: Path) -> None:
    files = _boms(tmp_path / "boms")
    lanes = [("", "", ""), ("MY", "TH", "2025-06-01"), ("MY", "AU", "2025-06-02"), ("MY", "TH", "2026-07-01"),
             ("MY", "AU", "2005-01-01")]
    manifest = tmp_path / "jobs.csv"
    lines = ["bom,exporter,importer,date"]
    for name in ("example", "trim", "eu"):
        lines += [f"boms/{files[name].name},{e},{i},{d}" for e, i, d in lanes]
    lines += [f"boms/{files['csv'].name},MY,AU,2025-06-02", f"boms/{files['csv'].name},,,",
              f"boms/{files['bad'].name},,,", "boms/missing.yaml,,,", f"boms/{files['example'].name},ZZ,AU,2025-06-02"]
    manifest.write_text("\n".join(lines) + "\n")
    jobs = read_jobs(manifest)
    out = tmp_path / "verdicts.parquet"

    summary = run_batch(seeded, jobs, out, workers=2, processes=False, partition_size=3, progress=False)

    rows = report_rows(out)
    assert [r["job"] for r in rows] == sorted(r["job"] for r in rows)  # written in job order
    assert summary.rows == len(rows) and summary.jobs == len(jobs)
    by_job: dict[int, list[tuple]] = {}
    for r in rows:
        by_job.setdefault(r["job"], []).append((r["status"], r["instrument"], r["verdict"]))
    errors = {jobs[r["job"]].bom.rsplit("/", 1)[-1]: r["detail"] for r in rows if r["status"] == "error"}
    assert set(errors) == {"tshirt.csv", "bad.yaml", "missing.yaml", "tshirt.yaml"}
    assert "no shipment" in errors["tshirt.csv"] and "999999" in errors["bad.yaml"]
    assert "cannot read" in errors["missing.yaml"] and "'ZZ'" in errors["tshirt.yaml"]

    compared = Counter()
    for job in jobs:
        if jobs.index(job) in {r["job"] for r in rows if r["status"] == "error"}:
            continue
        assert sorted(by_job[job.index], key=str) == sorted(_expected(seeded, job), key=str), job
        compared.update(s for s, _, _ in by_job[job.index])
    assert compared["verdict"] >= 20 and compared["undetermined"] and compared["no_instrument"]
    assert summary.verdicts == compared["verdict"]
    verdict = next(r for r in rows if r["status"] == "verdict" and r["instrument"] == "AANZFTA-P2")
    assert verdict["originating"] is True and verdict["passed_by"] == "CTH" and verdict["sku"] == "TS-100"
    assert verdict["vnm"] == json.loads(verdict["verdict"])["numbers"]["vnm"]

    here = tmp_path / "here.parquet"
    gc.freeze()  # a caller's own frozen objects stay frozen: the batch freezes and thaws only its own
    try:
        frozen = gc.get_freeze_count()
        alone = run_batch(seeded, jobs, here, workers=1, partition_size=3, progress=False)
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
    assert alone.workers == 0 and "in this process" in alone.lines()[0]  # one worker: no cluster at all
    assert report_rows(here) == rows
    assert (alone.rows, alone.verdicts, alone.errors, alone.lanes) == (summary.rows, summary.verdicts, summary.errors,
                                                                        summary.lanes)


def test_batch_command_on_a_directory_writes_csv(seeded: Store, cli, tmp_path: Path) -> None:
    files = _boms(tmp_path / "boms")
    files["bad"].unlink()
    files["csv"].unlink()
    out = tmp_path / "out" / "verdicts.csv"
    proc = cli("batch", str(tmp_path / "boms"), "--out", str(out), "--threads", "--workers", "1", "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    rows = report_rows(out)
    assert summary["jobs"] == 3 and summary["errors"] == 0 and len(rows) == summary["rows"]
    for row in rows:
        if row["status"] == "verdict":
            job = next(j for j in read_jobs(tmp_path / "boms") if j.bom == row["bom"])
            expected = {(i, v) for s, i, v in _expected(seeded, job) if s == "verdict"}
            assert (row["instrument"], row["verdict"]) in expected


def test_batch_counts_are_checked_before_anything_runs(cli, tmp_path: Path) -> None:
    """A worker count, thread count or partition size out of range is a usage error naming the flag, not a
    traceback from the cluster (``--workers -2`` waited for workers that never came)."""
    files = _boms(tmp_path / "boms")
    out = tmp_path / "never.parquet"
    for flag, value, what in (("--workers", "-2", "worker processes from 1 to 64"),
                              ("--workers", "0", "worker processes from 1 to 64"),
                              ("--threads-per-worker", "x", "threads from 1 to 64"),
                              ("--partition-size", "0", "BOMs per task from 1 to 100,000")):
        proc = cli("batch", str(files["example"].parent), "--out", str(out), f"{flag}={value}")
        assert proc.returncode == 2, proc.stderr
        assert f"argument {flag}: '{value}' is not a number of {what}" in proc.stderr
        assert "Traceback" not in proc.stderr and not out.exists()


def test_a_packed_snapshot_is_unpickled_once_per_process() -> None:
    """Workers get the snapshot as one pickled bytes frame and unpickle it on first use only."""
    from graph.batch import PackedSnapshot
    from graph.cache import Revision, Snapshot

    snapshot = Snapshot(revision=Revision("epoch", 7), answers={("hs_code", "HS2022:610910"): ("610910",)},
                        errors={("MY", "ZZ"): "unknown country ZZ"})
    packed = PackedSnapshot(snapshot)
    first = packed.load()
    assert first == snapshot
    assert packed.load() is first
    other = PackedSnapshot(snapshot._replace(revision=Revision("epoch", 8)))
    assert other.load().revision == Revision("epoch", 8)
