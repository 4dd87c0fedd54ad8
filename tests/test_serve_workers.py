"""`origingraph serve --workers N`: several server processes over one store, the same answers as one,
and all of them gone after SIGTERM; a line per request logged only with `--access-log`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
from fastapi.testclient import TestClient

from graph.store import Store

REPO = Path(__file__).resolve().parent.parent
RULES = "/v1/rules?exporter=MY&importer=AU&date=2025-04-25&hs=610910&hs_version=HS2022"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(seeded: Store, port: int, *options: str) -> subprocess.Popen:
    env = {**os.environ, "ORIGINGRAPH_DATA": seeded.location}
    return subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port), *options],
                            env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_two_workers_answer_as_one_and_stop_on_sigterm(seeded: Store, client: TestClient) -> None:
    port = _free_port()
    server = _serve(seeded, port, "--workers", "2", "--access-log")
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stderr.read().decode()[-2000:] if server.stderr else ""
            assert time.monotonic() < deadline, "origingraph serve --workers 2 did not answer within 120 s"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        workers = psutil.Process(server.pid).children(recursive=True)
        assert len([p for p in workers if "spawn_main" in " ".join(p.cmdline())]) == 2, \
            [p.cmdline() for p in workers]
        expected = client.get(RULES)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            answers = [http.get(RULES) for _ in range(8)]
        assert {a.status_code for a in answers} == {200}
        assert {a.content for a in answers} == {expected.content}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            pytest.fail("origingraph serve --workers 2 did not stop within 30 s of SIGTERM")
    assert server.returncode == 0
    logged = server.stdout.read().decode() if server.stdout else ""  # uvicorn logs requests to stdout
    assert logged.count(f'"GET {RULES} HTTP/1.1" 200') == 8, logged[-2000:]
    time.sleep(1)
    assert not [p for p in workers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE], "a worker outlived serve"


def test_one_worker_logs_no_request_unless_asked(seeded: Store) -> None:
    port = _free_port()
    server = _serve(seeded, port)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None and time.monotonic() < deadline
            try:
                if httpx.get(f"http://127.0.0.1:{port}{RULES}", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    logged = (server.stdout.read() + server.stderr.read()).decode() if server.stdout and server.stderr else ""
    assert "Uvicorn running on" in logged and "GET /v1/rules" not in logged, logged[-2000:]


def test_workers_must_be_a_count() -> None:
    done = subprocess.run([sys.executable, "-m", "api.cli", "serve", "--workers", "0"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--workers: '0' is not a number of worker processes from 1 to 64" in done.stderr
