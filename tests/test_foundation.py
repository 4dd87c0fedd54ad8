"""The spine: the store over Bolt, the schema, the seed loader, the CLI and the health endpoint."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph import queries
from graph.load import count_graph, load_seeds
from graph.schema import Country, Product, install_schema, schema_statements
from graph.store import Store
from seeds.read import BUNDLED, SeedError, read_seeds

CLI = [sys.executable, "-m", "api.cli"]


def test_store_speaks_neo4j_5_over_bolt(store: Store) -> None:
    assert "Neo4j/5" in store.server_agent()
    assert store.read(queries.STORE_ANSWERS) == [{"ok": 1}]


def test_schema_install_is_idempotent(store: Store) -> None:
    install_schema(store)
    install_schema(store)
    names = {row["name"] for row in store.read(queries.LIST_CONSTRAINT_NAMES)}
    assert {"country_code_unique", "hscode_uid_unique", "instrument_code_unique"} <= names
    assert len(schema_statements()) >= 10


def test_managed_write_rolls_back_whole(store: Store) -> None:
    def half_then_fail(tx) -> None:
        tx.run(queries.MERGE_COUNTRIES, rows=[{"code": "QQ", "props": {"name": "Nowhere"}}]).consume()
        raise RuntimeError("fail after the first write")

    with pytest.raises(RuntimeError):
        store.write_tx(half_then_fail)
    assert Country.nodes.get_or_none(code="QQ") is None


def test_neomodel_runs_on_the_same_connection(store: Store) -> None:
    Product(sku="TEST-SKU-1", description="probe", hs="854143", hs_version="HS2022").save()
    try:
        assert Product.nodes.get(sku="TEST-SKU-1").hs == "854143"
    finally:
        Product.nodes.get(sku="TEST-SKU-1").delete()


def test_a_read_only_process_never_loads_neomodel_and_one_that_does_binds_it(tmp_path: Path) -> None:
    """A store binds neomodel only once neomodel is loaded (``graph.schema`` binds the store opened before
    it): ``rules`` never pays for the import, and neomodel still runs on the store's own driver."""
    script = f"""
import sys
from pathlib import Path
from graph import queries
from graph.store import StoreConfig, open_store
with open_store(StoreConfig(data_dir=Path({str(tmp_path / "store")!r}))) as store:
    assert store.read(queries.STORE_ANSWERS) == [{{"ok": 1}}]
    print("neomodel loaded by a read:", "neomodel" in sys.modules)
    from graph.schema import Product
    Product(sku="LAZY-1", description="probe", hs="854143", hs_version="HS2022").save()
    print("saved through neomodel:", store.read("MATCH (p:Product {{sku: 'LAZY-1'}}) RETURN p.hs AS hs"))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "neomodel loaded by a read: False" in done.stdout
    assert "saved through neomodel: [{'hs': '854143'}]" in done.stdout


def test_seed_load_is_idempotent(seeded: Store, seed_copy: Path) -> None:
    before = count_graph(seeded)
    load_seeds(seeded, read_seeds(seed_copy))
    assert count_graph(seeded) == before
    nodes, rels = before
    assert nodes["Country"] >= 249
    assert nodes["Instrument"] >= 11
    assert rels["PARTY_TO"] > 100


def _copy_seeds(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(BUNDLED, target)
    return target


def test_bad_date_is_rejected_with_file_line_field_and_nothing_written(seeded: Store, tmp_path: Path) -> None:
    seeds = _copy_seeds(tmp_path)
    aanzfta = seeds / "agreements" / "AANZFTA.yaml"
    text = aanzfta.read_text()
    assert "in_force_from: 2010-01-01" in text
    bad = text.replace("in_force_from: 2010-01-01", "in_force_from: 2010-13-01", 1)
    aanzfta.write_text(bad)
    line = bad.splitlines().index(next(l for l in bad.splitlines() if "2010-13-01" in l)) + 1
    before = count_graph(seeded)

    with pytest.raises(SeedError) as caught:
        load_seeds(seeded, read_seeds(seeds))
    problem = caught.value.problems[0]
    assert problem.file == "seeds/agreements/AANZFTA.yaml"
    assert problem.line == line
    assert problem.field.endswith(".in_force_from") and "YYYY-MM-DD" in problem.message
    assert count_graph(seeded) == before


def test_bad_csv_row_names_its_line(tmp_path: Path) -> None:
    seeds = _copy_seeds(tmp_path)
    psr = seeds / "psr" / "AANZFTA.csv"
    with psr.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[2]["valid_until"] = "2024-02-30"
    with psr.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(SeedError) as caught:
        read_seeds(seeds)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.field) == ("seeds/psr/AANZFTA.csv", 4, "valid_until")
    assert "2024-02-30" in problem.message


def test_reference_errors_are_reported(tmp_path: Path) -> None:
    seeds = _copy_seeds(tmp_path)
    (seeds / "psr" / "ZZ.csv").write_text(
        "instrument,hs_version,scope,rule,valid_from,valid_until,source,note\n"
        "NOSUCH,HS2022,999999,CTH,2024-01-01,,test,\n"
        "AANZFTA,HS2022,8541,CTH | BOGUS(4),2024-01-01,,test,\n"
    )
    with pytest.raises(SeedError) as caught:
        read_seeds(seeds)
    messages = [str(p) for p in caught.value.problems]
    assert any("ZZ.csv:3: rule: rule does not parse" in m for m in messages), messages


def test_healthz_reports_the_store(store: Store) -> None:
    with TestClient(create_app(store)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["store"] in {"embedded", "neo4j"}


@pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="exercises the embedded default")
def test_cli_load_twice_then_status(tmp_path: Path) -> None:
    """The newcomer's path: load, load again, status — in fresh processes that exit cleanly."""
    env = {**os.environ, "ORIGINGRAPH_DATA": str(tmp_path / "data")}
    first = subprocess.run([*CLI, "load"], env=env, capture_output=True, text=True, timeout=180)
    assert first.returncode == 0, first.stderr
    assert "store: embedded" in first.stdout
    second = subprocess.run([*CLI, "load"], env=env, capture_output=True, text=True, timeout=180)
    assert second.returncode == 0, second.stderr
    assert first.stdout.splitlines()[1:] == second.stdout.splitlines()[1:]
    status = subprocess.run([*CLI, "status", "--json"], env=env, capture_output=True, text=True, timeout=180)
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["store"] == "embedded" and report["nodes"]["Instrument"] >= 11


@pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="exercises the embedded default")
def test_cli_rejects_bad_seeds_and_exits(tmp_path: Path) -> None:
    seeds = _copy_seeds(tmp_path)
    (seeds / "blocs.yaml").write_text("blocs:\n  - code: EU\n    name: EU\n    source: x\n"
                                      "    members:\n      - {country: DE, from: 1958-1-1, source: x}\n")
    env = {**os.environ, "ORIGINGRAPH_DATA": str(tmp_path / "data")}
    run = subprocess.run([*CLI, "load", "--seeds", str(seeds)], env=env, capture_output=True, text=True,
                         timeout=180)
    assert run.returncode == 2
    assert "blocs.yaml:6: blocs[0].members[0].from: expected a date written YYYY-MM-DD" in run.stderr
    assert "nothing was written" in run.stderr


@pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="exercises the embedded default")
def test_second_process_shares_a_running_embedded_store(store: Store) -> None:
    """While one process serves a data directory, another reaches it over Bolt, not the files."""
    env = {**os.environ, "ORIGINGRAPH_DATA": store.location}
    run = subprocess.run([*CLI, "status", "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["store"] == "embedded-shared"


@pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="exercises the embedded default")
def test_a_failing_command_still_stops_its_own_embedded_store(tmp_path: Path) -> None:
    """The JVM must not keep the process alive (or crash it) when a command fails mid-way."""
    env = {**os.environ, "ORIGINGRAPH_DATA": str(tmp_path / "data")}
    run = subprocess.run([*CLI, "rules", "--exporter", "QQ", "--importer", "AU", "--date", "2025-01-01"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "unknown country code 'QQ'" in run.stderr
    assert "SIGSEGV" not in run.stderr and "fatal error" not in run.stderr
    assert not (tmp_path / "data" / "server.json").exists()
