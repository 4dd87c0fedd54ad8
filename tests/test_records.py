"""Tamper-evident verdict records on the real store: appended as a hash chain, changed / removed / reordered
records named by verify, retention per agreement and country, recheck on today's rules, the CLI and the API,
and records surviving a restart of the store."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from engine.criteria import criterion_to_json, parse_rule
from engine.models import Product, Shipment
from engine.records import retention
from graph import queries
from graph.errors import NotFound
from graph.origin import evaluate_shipment, read_bom
from graph.records import list_records, recheck_record, record_verdicts, show_record, verify_records
from graph.store import Store

REPO = Path(__file__).resolve().parent.parent
TSHIRT = REPO / "examples" / "tshirt-my-au.yaml"
KEY = "records-test-key"
_chains = itertools.count(1)


def new_chain() -> str:
    return f"test-{os.getpid()}-{next(_chains)}"


def tshirt(store: Store) -> tuple[Product, Shipment]:
    document = read_bom(store, TSHIRT)
    return document.product, document.shipment


def record_tshirt(store: Store, chain: str, times: int = 1) -> None:
    product, shipment = tshirt(store)
    report = evaluate_shipment(store, product, shipment)
    aanzfta = tuple(v for v in report.verdicts if v.instrument == "AANZFTA-P2")
    for _ in range(times):
        record_verdicts(store, product, shipment, aanzfta, str(TSHIRT), chain=chain)


def run_cypher(store: Store, query: str, **params) -> None:
    """A change made directly in the graph, as someone with database access would."""
    store.write_tx(lambda tx: tx.run(query, params).consume())


def test_records_form_a_chain_and_verify(seeded: Store) -> None:
    chain = new_chain()
    record_tshirt(seeded, chain, times=3)
    check = verify_records(seeded, chain)
    assert check.ok and check.records == 3 and check.length == 3
    listed = list_records(seeded, chain=chain).items
    assert [r.id for r in listed] == [1, 2, 3]
    second = show_record(seeded, 2, chain)
    assert second.previous_hash == listed[0].hash and second.intact
    assert second.product["sku"] == "TS-100" and second.shipment["importer"] == "AU"
    assert second.verdict["instrument"] == "AANZFTA-P2"
    assert {i["code"] for i in second.rule_data["instruments"]} == {"AANZFTA-P2", "AANZFTA"}
    assert check.head == listed[-1].hash
    noted = listed[1].hash
    record_tshirt(seeded, chain)
    assert verify_records(seeded, chain, noted_head=noted).ok, "a noted head stays in a chain that grew"
    forged = "0" * 64
    [problem] = verify_records(seeded, chain, noted_head=forged).problems
    assert problem.kind == "head" and forged in problem.detail


def test_a_record_changed_in_the_graph_is_named_exactly(seeded: Store) -> None:
    chain = new_chain()
    record_tshirt(seeded, chain, times=4)
    uid = f"{chain}:2"
    run_cypher(seeded, "MATCH (r:VerdictRecord {uid: $uid}) SET r.content = replace(r.content, '\"originating\":true', "
                       "'\"originating\":false')", uid=uid)
    [problem] = verify_records(seeded, chain).problems
    assert (problem.record, problem.kind) == (2, "changed")
    with pytest.raises(NotFound, match="does not match its hash"):
        recheck_record(seeded, 2, chain)
    assert not show_record(seeded, 2, chain).intact

    other = new_chain()
    record_tshirt(seeded, other, times=3)
    run_cypher(seeded, "MATCH (r:VerdictRecord {uid: $uid}) SET r.exporter = 'SG'", uid=f"{other}:3")
    [problem] = verify_records(seeded, other).problems
    assert (problem.record, problem.kind) == (3, "changed") and "exporter" in problem.detail


def test_a_record_re_hashed_after_a_change_is_still_named(seeded: Store) -> None:
    chain = new_chain()
    record_tshirt(seeded, chain, times=3)
    props = seeded.read(queries.VERDICT_RECORD, chain=chain, seq=2)[0]["props"]
    from engine.records import content_hash

    forged = props["content"].replace('"fob":"10.00"', '"fob":"12.00"')
    assert forged != props["content"]
    run_cypher(seeded, "MATCH (r:VerdictRecord {uid: $uid}) SET r.content = $c, r.hash = $h",
               uid=f"{chain}:2", c=forged, h=content_hash(forged))
    problems = verify_records(seeded, chain).problems
    assert [(p.record, p.kind) for p in problems] == [(2, "changed")]


def test_removed_and_reordered_records_are_detected(seeded: Store) -> None:
    chain = new_chain()
    record_tshirt(seeded, chain, times=4)
    run_cypher(seeded, "MATCH (r:VerdictRecord {uid: $uid}) DETACH DELETE r", uid=f"{chain}:2")
    assert [(p.record, p.kind) for p in verify_records(seeded, chain).problems] == [(2, "removed")]

    last = new_chain()
    record_tshirt(seeded, last, times=2)
    run_cypher(seeded, "MATCH (r:VerdictRecord {uid: $uid}) DETACH DELETE r", uid=f"{last}:2")
    assert [(p.record, p.kind) for p in verify_records(seeded, last).problems] == [(2, "removed")]

    swapped = new_chain()
    record_tshirt(seeded, swapped, times=3)
    run_cypher(seeded, "MATCH (a:VerdictRecord {uid: $a}), (b:VerdictRecord {uid: $b}) SET a.seq = 2, b.seq = 1",
               a=f"{swapped}:1", b=f"{swapped}:2")
    problems = verify_records(seeded, swapped).problems
    assert sorted((p.record, p.kind) for p in problems) == [(1, "reordered"), (2, "reordered")]


def test_concurrent_appends_do_not_fork_the_chain(seeded: Store) -> None:
    chain = new_chain()
    product, shipment = tshirt(seeded)
    report = evaluate_shipment(seeded, product, shipment)
    verdicts = tuple(v for v in report.verdicts if v.instrument == "AANZFTA-P2")
    errors: list[BaseException] = []

    def append() -> None:
        try:
            for _ in range(3):
                record_verdicts(seeded, product, shipment, verdicts, "concurrent", chain=chain)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=append) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    check = verify_records(seeded, chain)
    assert check.ok and check.records == 12 and check.length == 12


def test_retention_per_agreement_and_country(seeded: Store) -> None:
    def terms(instrument: str) -> tuple[dict, str]:
        rows = seeded.read(queries.RULE_DATA_OF_INSTRUMENT, instrument=instrument)
        row = next(r for r in rows if r["origin_terms"])
        return json.loads(row["origin_terms"]), row["code"]

    day = date(2025, 6, 2)
    atiga, by = terms("ATIGA-P1")
    my_sg = retention(atiga, by, "ATIGA-P1", Shipment(exporter="MY", importer="SG", date=day),
                      ("e-Form D", "AWSC origin declaration"))
    assert {(d.applies_to, d.years) for d in my_sg.duties} == {("MY", 7), ("SG", 5), ("AWSC origin declaration", 3)}
    assert my_sg.years == 7 and my_sg.keep_until == date(2032, 6, 2)
    sg_th = retention(atiga, by, "ATIGA-P1", Shipment(exporter="SG", importer="TH", date=day), ("e-Form D",))
    assert (sg_th.years, sg_th.keep_until) == (5, date(2030, 6, 2))
    th_vn = retention(atiga, by, "ATIGA-P1", Shipment(exporter="TH", importer="VN", date=day),
                      ("e-Form D", "AWSC origin declaration"))
    assert [(d.applies_to, d.years) for d in th_vn.duties] == [("AWSC origin declaration", 3)]
    eujp, by = terms("EUJP")
    jp_de = retention(eujp, by, "EUJP", Shipment(exporter="JP", importer="DE", date=day), ())
    assert (jp_de.years, jp_de.keep_until) == (4, date(2029, 6, 2))
    aanzfta, by = terms("AANZFTA-P2")
    unknown = retention(aanzfta, by, "AANZFTA-P2", Shipment(exporter="MY", importer="AU", date=day), ())
    assert unknown.keep_until is None and "no record retention is recorded" in unknown.reason


def test_expired_records_are_listed_by_their_retention(seeded: Store) -> None:
    chain = new_chain()
    product = Product.model_validate({"sku": "TS-RET", "hs": "610910", "hs_version": "HS2022", "producer": "MY",
                                      "ex_works": "9.00", "fob": "10.00", "currency": "USD"})
    shipment = Shipment(exporter="MY", importer="SG", date=date(2025, 6, 2))
    report = evaluate_shipment(seeded, product, shipment)
    [atiga] = [v for v in report.verdicts if v.instrument == "ATIGA-P1"]
    [summary] = record_verdicts(seeded, product, shipment, (atiga,), "test", chain=chain)
    assert summary.keep_until == "2032-06-02"
    assert show_record(seeded, 1, chain).retention.years == 7
    assert list_records(seeded, expired_on=date(2032, 6, 2), chain=chain).total == 0
    assert [r.id for r in list_records(seeded, expired_on=date(2032, 6, 3), chain=chain).items] == [1]


def test_recheck_after_a_rule_change(seeded: Store) -> None:
    chain = new_chain()
    record_tshirt(seeded, chain)
    assert recheck_record(seeded, 1, chain).stands
    old = seeded.read("MATCH (i:Instrument {code: 'AANZFTA-P2'}) "
                      "RETURN i.general_rule AS r, i.general_criteria AS c")[0]
    stricter = "RVC(70)"
    run_cypher(seeded, "MATCH (i:Instrument {code: 'AANZFTA-P2'}) SET i.general_rule = $r, i.general_criteria = $c",
               r=stricter, c=criterion_to_json(parse_rule(stricter)))
    try:
        answer = recheck_record(seeded, 1, chain)
    finally:
        run_cypher(seeded, "MATCH (i:Instrument {code: 'AANZFTA-P2'}) SET i.general_rule = $r, i.general_criteria = $c",
                   r=old["r"], c=old["c"])
    assert not answer.stands and answer.originating_then and answer.originating_now is False
    assert not answer.rule_data_unchanged
    assert any(c.startswith("rule: 'RVC(40) | CTH' then, 'RVC(70)' now") for c in answer.changes)
    assert any("AANZFTA-P2 general rule changed" in c for c in answer.changes)
    assert recheck_record(seeded, 1, chain).stands


def test_cli_records_and_verify_names_a_record_changed_in_the_graph(seeded: Store, cli) -> None:
    run = cli("evaluate", str(TSHIRT), "--record", "--instrument", "AANZFTA-P2")
    assert run.returncode == 0, run.stderr
    recorded = [line for line in run.stdout.splitlines() if line.startswith("recorded: record ")]
    assert recorded, run.stdout
    ids = [int(line.split()[2]) for line in recorded]
    assert cli("records", "verify").returncode == 0
    listed = json.loads(cli("records", "list", "--json").stdout)
    assert {r["id"] for r in listed["items"]} >= set(ids)
    shown = cli("records", "show", str(ids[0]))
    assert shown.returncode == 0 and "intact" in shown.stdout

    target = ids[0]
    before = seeded.read(queries.VERDICT_RECORD, chain="verdicts", seq=target)[0]["props"]["sku"]
    run_cypher(seeded, "MATCH (r:VerdictRecord {chain: 'verdicts', seq: $seq}) SET r.sku = 'TS-999'", seq=target)
    try:
        broken = cli("records", "verify", "--json")
        assert broken.returncode == 1
        problems = json.loads(broken.stdout)["problems"]
        assert [(p["record"], p["kind"]) for p in problems] == [(target, "changed")]
        assert f"record {target}: changed" in cli("records", "verify").stdout
    finally:
        run_cypher(seeded, "MATCH (r:VerdictRecord {chain: 'verdicts', seq: $seq}) SET r.sku = $sku", seq=target,
                   sku=before)
    assert cli("records", "verify").returncode == 0
    assert cli("records", "verify", "--expect-head", "0" * 64).returncode == 1
    recheck = cli("records", "recheck", str(target))
    assert recheck.returncode == 0 and "STANDS" in recheck.stdout
    assert cli("records", "show", "999999").returncode == 2


def test_json_output_stays_the_report_when_recording(seeded: Store, cli) -> None:
    run = cli("evaluate", str(TSHIRT), "--record", "--json")
    assert run.returncode == 0
    assert json.loads(run.stdout)["sku"] == "TS-100"
    assert "recorded: record" in run.stderr


@pytest.fixture
def writer(seeded: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ORIGINGRAPH_API_KEY", KEY)
    with TestClient(create_app(seeded)) as c:
        yield c


def test_api_record_is_a_write_and_the_records_endpoints(writer: TestClient) -> None:
    body = TSHIRT.read_text(encoding="utf-8")
    yaml_type = {"content-type": "application/yaml"}
    assert writer.post("/v1/origin/evaluate?record=true", content=body, headers=yaml_type).status_code == 401
    before = writer.get("/v1/records").json()["total"]
    answer = writer.post("/v1/origin/evaluate?record=true", content=body, headers={**yaml_type, "X-API-Key": KEY})
    assert answer.status_code == 200 and answer.json()["sku"] == "TS-100"
    ids = [int(i) for i in answer.headers["X-Origingraph-Records"].split(",")]
    assert writer.get("/v1/records").json()["total"] == before + len(ids)
    shown = writer.get(f"/v1/records/{ids[0]}")
    assert shown.status_code == 200 and shown.json()["intact"]
    assert writer.get("/v1/records/verify").json()["ok"]
    assert writer.get("/v1/records/verify", params={"expect_head": "0" * 64}).json()["ok"] is False
    assert writer.get("/v1/records/verify", params={"expect_head": "xyz"}).status_code == 422
    assert writer.get(f"/v1/records/{ids[0]}/recheck").json()["stands"]
    assert writer.get("/v1/records/999999").status_code == 404
    assert writer.get("/v1/records/0").status_code == 422
    expired = writer.get("/v1/records?expired=true&on=2999-12-31").json()
    assert all(r["keep_until"] for r in expired["items"])


def test_records_survive_a_restart_of_the_store(tmp_path: Path) -> None:
    env = {**os.environ, "ORIGINGRAPH_DATA": str(tmp_path / "data"), "ORIGINGRAPH_STORE_IDLE": "60s"}
    env.pop("NEO4J_URI", None)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "api.cli", *args], env=env, capture_output=True, text=True,
                              timeout=300)

    assert cli("load").returncode == 0
    recorded = cli("evaluate", str(TSHIRT), "--record")
    assert recorded.returncode == 0, recorded.stderr
    head = json.loads(cli("records", "verify", "--json").stdout)["head"]
    assert cli("store", "stop").returncode == 0
    check = cli("records", "verify", "--json", "--expect-head", head)
    assert check.returncode == 0, check.stdout + check.stderr
    after = json.loads(check.stdout)
    assert after["ok"] and after["records"] >= 1 and after["head"] == head
    assert "intact" in cli("records", "show", "1").stdout
    cli("store", "stop")
