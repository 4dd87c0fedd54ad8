"""`origingraph serve --workers N`: several server processes over one store, the same answers as one,
and all of them gone after SIGTERM."""

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


def test_two_workers_answer_as_one_and_stop_on_sigterm(seeded: Store, client: TestClient) -> None:
    port = _free_port()
    env = {**os.environ, "ORIGINGRAPH_DATA": seeded.location}
    server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", "2"],
                              env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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
    time.sleep(1)
    assert not [p for p in workers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE], "a worker outlived serve"


def test_workers_must_be_a_count() -> None:
    done = subprocess.run([sys.executable, "-m", "api.cli", "serve", "--workers", "0"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--workers: '0' is not a number of worker processes from 1 to 64" in done.stderr
