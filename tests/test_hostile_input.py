"""Hostile and malformed input (issue 11): every case answered 4xx, or a documented problem, within 2 s,
on a live ``origingraph serve`` (uvicorn in a subprocess on 127.0.0.1) over the session's store; after
them the server's memory has grown by less than 200 MB, the graph's node and relationship counts are
unchanged, it still answers /healthz and it stops within 10 s of SIGTERM.

Then the bounds one by one in-process (body size, material count, time limit), the docs served offline,
CSV cells neutralised, the data directory's permissions, and a write on a full disk (a small tmpfs,
where this machine lets root mount one).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import pytest
import yaml
from fastapi.testclient import TestClient

from api.app import create_app
from api.limits import BomWorkers, Limits
from api.problems import ApiProblem
from graph.store import Store

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "tshirt-my-au.yaml"
KEY = "hostile-test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
PROBLEM = "application/problem+json"
YAML = {"Content-Type": "application/yaml"}
JSON = {"Content-Type": "application/json"}
CSV = {"Content-Type": "text/csv"}
SHIPMENT = {"exporter": "MY", "importer": "AU", "date": "2025-06-02"}


def _document() -> dict:
    return yaml.safe_load(EXAMPLE.read_text())


def _alias_bomb() -> str:
    """1.9 KB of YAML whose last list, expanded, has 10^9 items."""
    lines = ["product: {sku: BOMB, hs: '610910', hs_version: HS2022, producer: MY, ex_works: '1', fob: '1',",
             "          currency: USD}", "bom: &l0 [{id: a, hs: '600622', hs_version: HS2022, quantity: '1',"
             " unit: kg, value: '1', currency: USD, origin: CN}]"]
    lines += [f"x{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


def _deep(depth: int, kind: str) -> str:
    if kind == "json":
        return '{"product": {"sku": "DEEP"}, "bom": ' + "[" * depth + "]" * depth + "}"
    return "product: {sku: DEEP}\nbom: " + "[" * depth + "]" * depth + "\n"


def _csv_with_newline_in_a_field() -> str:
    from api.routes.origin import CSV_EXAMPLE

    return CSV_EXAMPLE.replace("Dyed cotton jersey", "Dyed\rcotton jersey")


def _c1_json() -> bytes:
    document = _document()
    document["product"]["sku"] = "HOSTILE-C1"
    document["product"]["description"] = "T-shirt \u0080\u009f"
    return json.dumps(document, ensure_ascii=False).encode()


def _surrogate_json() -> bytes:
    document = _document()
    document["product"]["hs_version"] = "\ud800"
    return json.dumps(document).encode()  # ensure_ascii: the lone surrogate travels as the escape \ud800


# name: (method, path, body, headers, expected status)
CASES: dict[str, tuple[str, str, bytes | None, dict[str, str], int]] = {
    "yaml alias bomb": ("POST", "/v1/origin/evaluate", _alias_bomb().encode(), YAML, 422),
    "12 MB YAML body": ("POST", "/v1/origin/evaluate", b"bom:\n" + b"  - {id: m, value: '1'}\n" * 520_000, YAML, 413),
    "C1 control characters in a JSON BOM": ("PUT", "/v1/products/HOSTILE-C1/bom", _c1_json(), {**JSON, **AUTH}, 422),
    "offset 2^31": ("GET", f"/v1/instruments?offset={2**31}", None, {}, 422),
    "offset 2^70": ("GET", f"/v1/instruments?offset={2**70}", None, {}, 422),
    "parties offset 2^63": ("GET", f"/v1/instruments/XFTA/parties?offset={2**63}", None, {}, 422),
    "a string where a list is expected": (
        "POST", "/v1/origin/evaluate",
        json.dumps({**_document(), "bom": [{**_document()["bom"][0], "components": "AAA"}]}).encode(), JSON, 422),
    "JSON nested 3,000 deep": ("POST", "/v1/origin/evaluate", _deep(3000, "json").encode(), JSON, 422),
    "JSON nested 5,000 deep": ("POST", "/v1/origin/evaluate", _deep(5000, "json").encode(), JSON, 422),
    "YAML nested 5,000 deep": ("POST", "/v1/origin/evaluate", _deep(5000, "yaml").encode(), YAML, 422),
    "nested 5,000 deep in a stored BOM": ("PUT", "/v1/products/DEEP/bom", _deep(5000, "json").encode(),
                                          {**JSON, **AUTH}, 422),
    "nested 5,000 deep in a comparison": (
        "POST", "/v1/shipments/compare", ('{"product": ' + "[" * 5000 + "]" * 5000 + "}").encode(), JSON, 422),
    "lone surrogate in hs_version on changes": (
        "POST", "/v1/origin/changes?date_a=2025-04-20&date_b=2025-04-25", _surrogate_json(), JSON, 422),
    "lone surrogate in a query string": (
        "GET", "/v1/rules?exporter=MY&importer=AU&date=2025-04-25&hs=610910&hs_version=%ED%A0%80", None, {}, 422),
    "newline inside an unquoted CSV field": (
        "POST", "/v1/origin/evaluate?exporter=MY&importer=AU&date=2025-06-02",
        _csv_with_newline_in_a_field().encode(), CSV, 422),
    "date_b=0017-12-17": ("POST", "/v1/origin/changes?date_a=2025-04-20&date_b=0017-12-17",
                          EXAMPLE.read_bytes(), YAML, 422),
    "non-UTF-8 BOM": ("POST", "/v1/origin/evaluate", b"product: {sku: \xff\xfe}\n", YAML, 422),
    "non-UTF-8 stored BOM": ("PUT", "/v1/products/X/bom", b'{"product": "\xc3\x28"}', {**JSON, **AUTH}, 422),
    "non-UTF-8 party status": ("PUT", "/v1/instruments/XFTA-P1/parties/AU", b'{"status": "\xff"}',
                               {**JSON, **AUTH}, 422),
    "non-UTF-8 comparison": ("POST", "/v1/shipments/compare", b'{"product": "\xff"}', JSON, 422),
    "100 KB URL": ("GET", "/v1/instruments?agreement=" + "A" * 100_000, None, {}, 414),
    "2 MB URL": ("GET", "/v1/instruments?agreement=" + "A" * 2_000_000, None, {}, 414),
}


def _raw_request(port: int, method: str, target: str, body: bytes | None, headers: dict[str, str],
                 timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 request on a raw socket (httpx refuses to send some of these), the answer parsed."""
    head = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
            *(f"{k}: {v}" for k, v in headers.items())]
    if body is not None:
        head.append(f"Content-Length: {len(body)}")
    data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + (body or b"")
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        try:
            conn.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered (413) before reading the whole body
        answer = b""
        while True:
            try:
                chunk = conn.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    header_block, _, content = rest.partition(b"\r\n\r\n")
    parsed = dict(line.decode("latin-1").split(": ", 1) for line in header_block.split(b"\r\n") if b": " in line)
    return int(status_line.split()[1]), {k.lower(): v for k, v in parsed.items()}, content


def _counts(store: Store) -> tuple[int, int]:
    nodes = store.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    relationships = store.read("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
    return nodes, relationships


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(store: Store, **settings: str) -> Iterator[tuple[subprocess.Popen, int]]:
    """``origingraph serve`` on a free loopback port, over the session's store, with writes enabled."""
    port = _free_port()
    env = {**os.environ, "ORIGINGRAPH_API_KEY": KEY, "ORIGINGRAPH_DATA": store.location, **settings}
    server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
            assert server.poll() is None, server.stderr.read().decode()[-2000:] if server.stderr else ""
        else:
            pytest.fail("origingraph serve did not answer /healthz within 120 s")
        yield server, port
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="module")
def live(seeded: Store) -> Iterator[tuple[subprocess.Popen, int]]:
    with serving(seeded) as running:
        yield running


def test_hostile_requests_are_answered_4xx_quickly_and_the_server_stops(live, seeded: Store) -> None:
    server, port = live
    process = psutil.Process(server.pid)
    warm = _raw_request(port, "POST", "/v1/origin/evaluate", EXAMPLE.read_bytes(), YAML, timeout=60)
    assert warm[0] == 200, warm[2][:500]
    before_counts, before_rss = _counts(seeded), process.memory_info().rss
    answers = {}
    for name, (method, target, body, headers, expected) in CASES.items():
        started = time.monotonic()
        status, response_headers, content = _raw_request(port, method, target, body, headers)
        elapsed = time.monotonic() - started
        answers[name] = (status, round(elapsed, 3))
        assert status == expected, (name, status, content[:500])
        assert elapsed < 2.0, (name, elapsed)
        if expected != 400:
            assert response_headers["content-type"].startswith(PROBLEM), name
            problem = json.loads(content)
            assert problem["status"] == status and problem["type"] and problem["title"], name
            assert all(isinstance(e.get("field"), str) and e["field"] for e in problem.get("errors", [])), \
                (name, problem)
            if status == 422:
                assert problem["errors"], (name, problem)
    chunked = _chunked_upload(port, 50 * 1024 * 1024)
    assert chunked[0] == 413 and chunked[1] < 2.0, chunked
    growth = process.memory_info().rss - before_rss
    print(f"\nhostile answers (status, seconds): {answers}\nchunked 50 MB: {chunked}\n"
          f"server RSS growth: {growth / 2**20:.1f} MB")
    assert growth < 200 * 2**20
    assert _counts(seeded) == before_counts
    assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()["status"] == "ok"

    started = time.monotonic()
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=10)
    print(f"stopped {time.monotonic() - started:.2f} s after SIGTERM")


def test_work_left_running_after_its_answer_does_not_keep_the_server_from_stopping(seeded: Store) -> None:
    """A BOM too big to evaluate in the time limit: answered 503 at the limit, its client gone; the
    evaluation is still running when SIGTERM comes, and the server stops all the same."""
    document = _document()
    document["bom"] = [{**document["bom"][0], "id": f"m{i}"} for i in range(20_000)]
    body = json.dumps(document).encode()
    with serving(seeded, ORIGINGRAPH_EVALUATE_SECONDS="0.5", ORIGINGRAPH_MAX_MATERIALS="50000") as (server, port):
        started = time.monotonic()
        status, _, content = _raw_request(port, "POST", "/v1/origin/evaluate", body, JSON, timeout=30)
        assert status == 503 and json.loads(content)["type"] == "/problems/time-limit-exceeded", content[:300]
        assert time.monotonic() - started < 5.0
        with socket.create_connection(("127.0.0.1", port)) as leaving:  # a second one, whose client leaves
            leaving.sendall(b"POST /v1/origin/evaluate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            b"Content-Length: %d\r\n\r\n" % len(body) + body)
        time.sleep(0.2)
        assert psutil.Process(server.pid).cpu_percent(interval=0.5) > 20  # an evaluation is still at work
        stopping = time.monotonic()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
        print(f"\nstopped {time.monotonic() - stopping:.2f} s after SIGTERM with BOM work still running")


def _chunked_upload(port: int, size: int) -> tuple[int, float]:
    """A body of ``size`` bytes sent chunked (no Content-Length): answered 413 while it is still coming."""
    started = time.monotonic()
    head = ("POST /v1/origin/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/yaml\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()
    chunk = b"#" * (1024 * 1024)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(head)
        try:
            for _ in range(size // len(chunk)):
                conn.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            conn.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        try:
            while chunk_in := conn.recv(65536):
                answer += chunk_in
        except ConnectionResetError:
            pass
    return int(answer.split()[1]) if answer else 0, time.monotonic() - started


# ------------------------------------------------------------------ bounds, one by one, in-process


@pytest.fixture
def app_with(seeded: Store, monkeypatch: pytest.MonkeyPatch):
    def make(**settings: str) -> TestClient:
        monkeypatch.setenv("ORIGINGRAPH_API_KEY", KEY)
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        return TestClient(create_app(seeded))

    return make


def _problem(response: httpx.Response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"] == f"/problems/{slug}", body
    return body


def test_body_limit_is_configurable(app_with) -> None:
    with app_with(ORIGINGRAPH_MAX_BODY_BYTES="200") as client:
        body = _problem(client.post("/v1/origin/evaluate", content=EXAMPLE.read_text(), headers=YAML), 413,
                        "body-too-large")
        assert "ORIGINGRAPH_MAX_BODY_BYTES" in body["detail"] and body["errors"][0]["field"] == "body"
        assert client.get("/healthz").status_code == 200


def test_material_count_is_bounded(app_with) -> None:
    with app_with(ORIGINGRAPH_MAX_MATERIALS="2") as client:
        body = _problem(client.post("/v1/origin/evaluate", content=EXAMPLE.read_text(), headers=YAML), 422,
                        "too-many-materials")
        assert body["errors"] == [{"field": "body.bom", "message": "at most 2 materials"}]


def test_an_evaluation_past_its_time_limit_is_503_and_leaves_on_its_own(app_with) -> None:
    document = _document()
    document["bom"] = [{**document["bom"][0], "id": f"m{i}"} for i in range(3000)]
    with app_with(ORIGINGRAPH_EVALUATE_SECONDS="0.05") as client:
        started = time.monotonic()
        body = _problem(client.post("/v1/origin/evaluate", json=document), 503, "time-limit-exceeded")
        assert time.monotonic() - started < 2.0
        assert "ORIGINGRAPH_EVALUATE_SECONDS" in body["detail"]


def test_bom_workers_answer_at_the_deadline_on_daemon_threads() -> None:
    workers = BomWorkers(Limits(evaluate_seconds=0.2, bom_workers=1))
    started = time.monotonic()
    with pytest.raises(ApiProblem) as stopped:
        asyncio.run(workers.run(lambda: time.sleep(1.5), "test work"))
    assert stopped.value.status == 503 and time.monotonic() - started < 1.0
    assert all(t.daemon for t in __import__("threading").enumerate() if t.name == "origingraph test work")
    with pytest.raises(ApiProblem, match="no BOM worker was free"):  # the one slot is still held
        asyncio.run(workers.run(lambda: 1, "test work"))
    time.sleep(1.5)
    assert asyncio.run(workers.run(lambda: 41 + 1, "test work")) == 42
    with pytest.raises(ZeroDivisionError):
        asyncio.run(workers.run(lambda: 1 / 0, "test work"))


def test_limits_are_documented_in_the_openapi(app_with) -> None:
    with app_with() as client:
        paths = client.get("/openapi.json").json()["paths"]
    evaluate = paths["/v1/origin/evaluate"]["post"]["responses"]
    assert {"413", "414", "422", "503"} <= set(evaluate)
    assert "414" in paths["/v1/instruments"]["get"]["responses"]


def test_docs_are_served_from_installed_assets(app_with) -> None:
    with app_with() as client:
        for page in ("/docs", "/redoc"):
            html = client.get(page)
            assert html.status_code == 200
            assert "cdn." not in html.text and "https://" not in html.text.split("<body")[0], page
            for asset in [part.split('"')[0] for part in html.text.split('"/static-offline-docs/')[1:]]:
                assert client.get(f"/static-offline-docs/{asset}").status_code == 200, asset


# ------------------------------------------------------------------ CSV cells and the CLI


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(tmp_path: Path) -> None:
    import pyarrow as pa

    from graph.batch import _Writer, report_rows, rows_table
    from graph.export import spreadsheet_safe

    for text in ("=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert spreadsheet_safe(text) == "'" + text
    for text in ("-0.50", "+3", "1e5", "TS-100", "", "a=b"):
        assert spreadsheet_safe(text) == text
    out = tmp_path / "rows.csv"
    writer = _Writer(out)
    row = {name: None for name in rows_table([]).schema.names}
    writer.write(rows_table([{**row, "job": 0, "sku": "=HYPERLINK(\"http://x\")", "vnm": "-1.25",
                              "detail": "@evil", "bom": "plain.yaml"}]))
    writer.close()
    [read] = report_rows(out)
    assert (read["sku"], read["vnm"], read["detail"], read["bom"]) == (
        "'=HYPERLINK(\"http://x\")", "-1.25", "'@evil", "plain.yaml")
    assert isinstance(pa.csv.read_csv(out), pa.Table)


def test_cli_reports_unreadable_bom_files_without_a_traceback(cli, tmp_path: Path) -> None:
    not_utf8 = tmp_path / "latin1.yaml"
    not_utf8.write_bytes("product: {sku: TS-100}\nbom: []\n# Caf\u00e9\n".encode("latin-1"))
    deep = tmp_path / "deep.json"
    deep.write_text(_deep(5000, "json"))
    flags = ("--exporter", "MY", "--importer", "AU", "--date", "2025-06-02")
    for path, line, words in ((not_utf8, 3, "not UTF-8"), (deep, 1, "nested")):
        run = cli("evaluate", str(path), *flags)
        assert run.returncode == 2, run.stderr
        assert "Traceback" not in run.stderr
        assert f"{path.name}:{line}: " in run.stderr and words in run.stderr, run.stderr


# ------------------------------------------------------------------ data at rest


def _loose(root: Path) -> list[str]:
    """Entries under ``root`` (itself included) that another user could read or enter."""
    found = []
    for path in [root, *root.rglob("*")]:
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode) and stat.S_IMODE(mode) & 0o077:
            found.append(f"{oct(stat.S_IMODE(mode))} {path}")
    return found


def test_the_session_store_is_readable_by_its_owner_only(seeded: Store) -> None:
    if seeded.kind == "neo4j":
        pytest.skip("a Neo4j server keeps its own files")
    root = Path(seeded.location)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert _loose(root) == []


def test_data_directory_is_made_and_tightened_whatever_the_umask(tmp_path: Path) -> None:
    from graph.data_dir import secure_data_dir

    previous = os.umask(0o022)
    try:
        fresh = secure_data_dir(tmp_path / "fresh" / "data")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o700
        (fresh / "made-after.txt").write_text("x")
        assert stat.S_IMODE((fresh / "made-after.txt").stat().st_mode) == 0o600  # the umask is narrowed
        os.umask(0o022)
        wide = tmp_path / "wide"
        (wide / "databases").mkdir(parents=True, mode=0o777)
        os.chmod(wide, 0o755)
        (wide / "databases" / "bom.db").write_text("supplier prices")
        os.chmod(wide / "databases" / "bom.db", 0o644)
        secure_data_dir(wide)
        assert _loose(wide) == []
    finally:
        os.umask(previous)


def test_data_directory_of_another_user_is_refused(tmp_path: Path) -> None:
    from graph.data_dir import secure_data_dir
    from graph.embedded import EmbeddedStoreError

    if os.getuid() != 0:
        pytest.skip("giving a directory to another user needs root")
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    os.chmod(theirs, 0o755)
    os.chown(theirs, 54321, 54321)
    with pytest.raises(EmbeddedStoreError, match="belongs to user id 54321"):
        secure_data_dir(theirs)
    assert stat.S_IMODE(theirs.stat().st_mode) == 0o755  # not changed
    (tmp_path / "a-file").write_text("")
    with pytest.raises(EmbeddedStoreError, match="not a directory"):
        secure_data_dir(tmp_path / "a-file")


def test_cli_on_a_data_directory_of_another_user_says_so(tmp_path: Path) -> None:
    if os.getuid() != 0:
        pytest.skip("giving a directory to another user needs root")
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, 54321, 54321)
    env = {**os.environ, "ORIGINGRAPH_DATA": str(theirs), "ORIGINGRAPH_STORE": "in-process"}
    env.pop("NEO4J_URI", None)
    run = subprocess.run([sys.executable, "-m", "api.cli", "status"], env=env, cwd=REPO, capture_output=True,
                         text=True, timeout=180)
    assert run.returncode != 0 and "Traceback" not in run.stderr, run.stderr
    assert "belongs to user id 54321" in run.stderr, run.stderr
    assert sorted(p.name for p in theirs.iterdir()) == [] and theirs.stat().st_uid == 54321


# ------------------------------------------------------------------ a full disk

_DISK_FULL_PROBE = textwrap.dedent('''
    """Run in its own process: a store on the small file system DATA, a BOM stored, the disk filled, a
    second BOM refused, the disk freed, the second stored; prints what it saw as JSON."""
    import json, os, sys
    from pathlib import Path
    from fastapi.testclient import TestClient
    from graph.store import StoreConfig, open_store
    from api.app import create_app

    data, key = Path(sys.argv[1]), sys.argv[2]
    store = open_store(StoreConfig(data_dir=data / "store"))
    codes = ["HS2022:610910", "HS2022:600622", "HS2022:520512"]
    store.write_tx(lambda tx: tx.run("UNWIND $uids AS uid MERGE (:HSCode {uid: uid})", uids=codes).consume())

    def document(sku, n):
        return {"product": {"sku": sku, "hs": "610910", "hs_version": "HS2022", "producer": "MY",
                            "ex_works": "9.00", "fob": "10.00", "currency": "USD"},
                "bom": [{"id": f"m{i}", "hs": "600622", "hs_version": "HS2022", "quantity": "1", "unit": "kg",
                         "value": "0.10", "currency": "USD", "origin": "CN", "description": "x" * 2000}
                        for i in range(n)]}

    def counts():
        return [store.read("MATCH (n) RETURN count(n) AS n")[0]["n"],
                store.read("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]]

    seen = {}
    auth = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(store), raise_server_exceptions=False) as client:
        seen["first"] = client.put("/v1/products/DISK-1/bom", json=document("DISK-1", 3), headers=auth).status_code
        seen["before"] = counts()
        with open(data / "filler", "wb") as filler:
            try:
                while True:
                    filler.write(b"\\0" * 2**20)
                    filler.flush()
            except OSError:
                pass
        full = client.put("/v1/products/DISK-2/bom", json=document("DISK-2", 200), headers=auth)
        seen["full"] = [full.status_code, full.json()]
        seen["after_full"] = counts()
        seen["read_while_full"] = client.get("/v1/products/DISK-1/bom").status_code
        os.unlink(data / "filler")
        seen["freed"] = client.put("/v1/products/DISK-2/bom", json=document("DISK-2", 200), headers=auth).status_code
        seen["after_freed"] = counts()
    print(json.dumps(seen), flush=True)
    store.close()
''')


def test_a_write_on_a_full_disk_changes_nothing_and_says_so(tmp_path: Path) -> None:
    if os.environ.get("NEO4J_URI"):
        pytest.skip("the embedded store's disk is the one filled")
    if os.getuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("this machine does not let root mount a tmpfs")
    try:
        env = {**os.environ, "ORIGINGRAPH_STORE": "in-process", "ORIGINGRAPH_API_KEY": KEY}
        env.pop("NEO4J_URI", None)
        run = subprocess.run([sys.executable, "-c", _DISK_FULL_PROBE, str(mount), KEY], env=env, cwd=REPO,
                             capture_output=True, text=True, timeout=300)
        lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
        assert lines, run.stderr[-3000:]
        seen = json.loads(lines[-1])
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
    assert seen["first"] == 200
    status, problem = seen["full"]
    assert status == 507 and problem["type"] == "/problems/insufficient-storage", problem
    assert "nothing was written" in problem["detail"]
    assert seen["after_full"] == seen["before"]
    assert seen["read_while_full"] == 200
    assert seen["freed"] == 200 and seen["after_freed"][0] > seen["before"][0]


# ------------------------------------------------------------------ a second process on the same data


@pytest.mark.parametrize("mode", ["service", "in-process"])
def test_a_second_process_on_an_owned_data_directory_connects_and_corrupts_nothing(seeded: Store,
                                                                                   mode: str) -> None:
    """The session owns its data directory; another ``origingraph`` process, asked for either way of
    running the store, reaches the same graph over Bolt (or says who owns it), and changes nothing."""
    if seeded.kind == "neo4j":
        pytest.skip("a Neo4j server has no data directory of ours")
    before = _counts(seeded)
    env = {**os.environ, "ORIGINGRAPH_DATA": seeded.location, "ORIGINGRAPH_STORE": mode}
    env.pop("NEO4J_URI", None)
    run = subprocess.run([sys.executable, "-m", "api.cli", "status", "--json"], env=env, cwd=REPO,
                         capture_output=True, text=True, timeout=180)
    assert "Traceback" not in run.stderr, run.stderr
    if run.returncode == 0:
        seen = json.loads(run.stdout)
        assert (sum(seen["nodes"].values()), sum(seen["relationships"].values())) == before
    else:
        assert "owned by" in run.stderr or "owns" in run.stderr, run.stderr
    assert _counts(seeded) == before
    assert _loose(Path(seeded.location)) == []
