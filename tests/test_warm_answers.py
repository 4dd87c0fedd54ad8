"""Warm answers (api.warm): a rules answer sent again as the same bytes while the graph revision stands,
never after a write has committed, whoever wrote; errors are answered afresh; one revision read serves
the requests that asked while it ran, and none is answered from a read begun before it asked."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.warm import RevisionReads, WarmAnswers
from graph import queries
from graph.cache import read_revision
from graph.parties import record_party_status
from graph.store import Store
from seeds.schema import PartyStatus

RULES = {"exporter": "MY", "importer": "AU", "date": "2025-06-01", "hs": "610910", "hs_version": "HS2022"}
AU_IN_FORCE = PartyStatus(status="in_force", signed="2024-01-01", in_force_from="2025-01-01",
                          source="test_warm_answers: AU brings XFTA-P1 into force")
AU_SEEDED = PartyStatus(status="signed", source="test fixture")


@pytest.fixture
def app_client(seeded: Store) -> Iterator[tuple[TestClient, WarmAnswers]]:
    app = create_app(seeded)
    with TestClient(app) as client:
        layer = app.middleware_stack
        while not isinstance(layer, WarmAnswers):
            layer = layer.app
        yield client, layer


def _instruments(answer: dict) -> set[str]:
    return {i["instrument"] for i in answer["instruments"]}


def test_a_repeat_is_the_same_bytes_from_the_warm_answers(app_client, seeded: Store) -> None:
    client, warm = app_client
    first = client.get("/v1/rules", params=RULES)
    assert first.status_code == 200 and warm.hits == 0
    again = client.get("/v1/rules", params=RULES)
    assert warm.hits == 1
    assert again.content == first.content and again.headers["content-type"] == "application/json"
    assert again.headers["content-length"] == str(len(first.content))
    pair = {k: RULES[k] for k in ("exporter", "importer", "date")}
    assert client.get("/v1/applicability", params=pair).json()["instruments"] == [
        {**i, "psr": None, "rule_status": None, "rule_status_reason": None} for i in first.json()["instruments"]]


def test_a_write_by_anyone_else_is_seen_by_the_next_request(app_client, seeded: Store) -> None:
    """The write goes to the store directly (as another process, a CLI import or Neo4j Browser would):
    the app learns of it only from the revision it reads for every request."""
    client, warm = app_client
    before = client.get("/v1/rules", params=RULES)
    assert client.get("/v1/rules", params=RULES).content == before.content
    assert "XFTA-P1" not in _instruments(before.json())
    try:
        record_party_status(seeded, "XFTA-P1", "AU", AU_IN_FORCE)
        hits = warm.hits
        after = client.get("/v1/rules", params=RULES)
        assert warm.hits == hits and "XFTA-P1" in _instruments(after.json())
        assert client.get("/v1/rules", params=RULES).content == after.content and warm.hits == hits + 1
    finally:
        record_party_status(seeded, "XFTA-P1", "AU", AU_SEEDED)
    assert client.get("/v1/rules", params=RULES).content == before.content


def test_errors_are_answered_afresh_and_other_routes_pass_through(app_client) -> None:
    client, warm = app_client
    unknown = {**RULES, "exporter": "QQ"}
    for _ in range(2):
        answer = client.get("/v1/rules", params=unknown)
        assert answer.status_code == 404 and answer.json()["errors"][0]["field"] == "query.exporter"
    malformed = client.get("/v1/rules", params={**RULES, "date": "2025-13-01"})
    assert malformed.status_code == 422
    client.get("/v1/instruments")
    client.get("/v1/instruments")
    assert warm.hits == 0


def test_the_route_answering_a_miss_reads_no_second_revision(app_client, seeded: Store) -> None:
    client, _ = app_client
    seeded.write_tx(lambda tx: tx.run(queries.STORE_ANSWERS).consume())  # nothing cached at the new revision
    before = seeded.round_trips
    client.get("/v1/applicability", params={"exporter": "MY", "importer": "TH", "date": "2025-06-01"})
    cold = seeded.round_trips - before
    before = seeded.round_trips
    client.get("/v1/applicability", params={"exporter": "MY", "importer": "TH", "date": "2025-06-01"})
    assert seeded.round_trips - before == 1  # the revision read, then the bytes
    assert cold == 2  # the revision read, then the pair statement


def test_one_read_serves_the_requests_that_asked_while_it_ran(seeded: Store) -> None:
    async def ask_many() -> list:
        reads = RevisionReads(seeded)
        return await asyncio.gather(*(reads.current() for _ in range(50)))

    before = seeded.round_trips
    answers = asyncio.run(ask_many())
    assert seeded.round_trips - before <= 2  # the first asker's read, and one for all who asked meanwhile
    assert set(answers) == {read_revision(seeded)}


def test_a_request_after_a_commit_never_gets_a_read_begun_before_it(seeded: Store) -> None:
    async def scenario() -> tuple:
        reads = RevisionReads(seeded)
        early = asyncio.ensure_future(reads.current())
        await asyncio.sleep(0)  # the early read is under way on its thread
        seeded.write_tx(lambda tx: tx.run(queries.STORE_ANSWERS).consume())
        committed = read_revision(seeded)
        late = await reads.current()
        return await early, late, committed

    for _ in range(5):
        early, late, committed = asyncio.run(scenario())
        assert late == committed and early.revision <= late.revision


def test_the_kept_answers_are_bounded_with_their_query_strings(seeded: Store) -> None:
    """A client adding junk to the query string makes a new key each time: keys count against the bound."""
    app = create_app(seeded)
    with TestClient(app) as client:
        layer = app.middleware_stack
        while not isinstance(layer, WarmAnswers):
            layer = layer.app
        layer.max_bytes = 64 * 1024
        for n in range(40):
            assert client.get("/v1/rules", params={**RULES, "junk": f"{n:04d}" + "x" * 4000}).status_code == 200
            assert layer._size <= layer.max_bytes
        assert 0 < len(layer._sent) < 40


def test_a_store_that_cannot_be_reached_is_the_503_problem(seeded: Store) -> None:
    """The revision read fails (nothing listens on the port): that error is the route's, mapped once (the
    store is not asked again, which would double the wait for the answer)."""
    from neo4j import GraphDatabase

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    gone = Store(GraphDatabase.driver(f"bolt://127.0.0.1:{port}", auth=("x", "y"), max_transaction_retry_time=2),
                 None, "neo4j", f"bolt://127.0.0.1:{port}")
    try:
        with TestClient(create_app(gone)) as client:
            started = time.monotonic()
            answer = client.get("/v1/rules", params=RULES)
            waited = time.monotonic() - started
        assert answer.status_code == 503, answer.text
        assert waited < 4, waited  # one read's retries (2 s), not two
        assert answer.json()["type"] == "/problems/store-unavailable"
    finally:
        gone.driver.close()
