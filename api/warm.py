"""Warm answers: a read route's answer sent again as the same bytes while the graph revision stands.

A rules or applicability answer depends only on its query string and the graph (``graph.cache``
keys every graph answer by the revision every managed write bumps). So once a ``GET`` of one of
:data:`CACHED_READS` has been answered 200, the same path and query string at the same revision is
answered with the same bytes, without FastAPI's parameter parsing, the thread pool, the engine or
the JSON encoder: one revision read (:class:`RevisionReads`), a dict lookup, the bytes.

Nothing stale is sent: the revision is read for every request, as for an uncached one, and the
route answering a miss is handed the view of that very revision (``request.state.graph_view``), so
the bytes kept are the answer at the revision they are kept under. An error is never kept; it is
answered again each time. The bytes are bounded (:data:`MAX_BYTES` per process; a generation
growing past it starts over), and a new revision starts an empty generation, as the answer cache does.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.cache import GraphView, Revision, answers_of, read_revision
from graph.store import Store

CACHED_READS = frozenset({"/v1/rules", "/v1/applicability"})
"""The ``GET`` paths whose 200 answer is a function of the query string and the graph revision only."""

MAX_BYTES = 64 * 2**20
"""What the kept answers may hold in one process: bodies, query strings (up to 8 KB each, any junk a
client adds to one makes another key) and headers, plus :data:`ENTRY_BYTES` for each."""
ENTRY_BYTES = 400


class WarmAnswers:
    """ASGI middleware serving :data:`CACHED_READS` from the bytes of their last answer at this revision."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BYTES):
        self.app, self.max_bytes = app, max_bytes
        self._lock = threading.Lock()
        self._revision: Revision | None = None
        self._sent: dict[tuple[str, bytes], tuple[list[tuple[bytes, bytes]], bytes]] = {}
        self._size = 0
        self.hits = 0
        self._reader: RevisionReads | None = None

    def _revisions(self, store: Store) -> RevisionReads:
        if self._reader is None or self._reader.store is not store:
            self._reader = RevisionReads(store)
        return self._reader

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] not in CACHED_READS:
            await self.app(scope, receive, send)
            return
        store = scope["app"].state.store
        try:
            revision = await self._revisions(store).current()
        except Exception as exc:  # the store did not answer: the route raises it, so it is mapped (503) once
            scope.setdefault("state", {})["graph_view_error"] = exc
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope.get("query_string", b""))
        with self._lock:
            if revision != self._revision:
                self._revision, self._sent, self._size = revision, {}, 0
            kept = self._sent.get(key)
        if kept is not None:
            self.hits += 1
            headers, body = kept
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        scope.setdefault("state", {})["graph_view"] = GraphView(store, answers_of(store), revision)
        answer: dict[str, Any] = {}

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer.update(status=message["status"], headers=list(message.get("headers", [])), body=[])
            elif message["type"] == "http.response.body" and "body" in answer:
                answer["body"].append(message.get("body", b""))
                if not message.get("more_body", False) and answer["status"] == 200:
                    self._keep(revision, key, answer["headers"], b"".join(answer["body"]))
            await send(message)

        await self.app(scope, receive, keep)

    def _keep(self, revision: Revision, key: tuple[str, bytes], headers: list[tuple[bytes, bytes]],
              body: bytes) -> None:
        with self._lock:
            if revision != self._revision:
                return  # the graph moved on while this answer was made
            size = len(body) + len(key[1]) + sum(len(n) + len(v) for n, v in headers) + ENTRY_BYTES
            if self._size + size > self.max_bytes:
                self._sent, self._size = {}, 0
            self._sent[key] = (headers, body)
            self._size += size


class RevisionReads:
    """The graph revision as of a moment after the caller asked, read off the event loop.

    One read runs at a time, on a daemon thread of its own (no pool to queue in, nothing to join at
    exit); every request that asks while it runs waits for the next read, which starts once it ends and
    answers all of them: under load one round trip serves many requests, and none is answered from a
    read begun before it came. (Through anyio's thread pool the hop cost more than the read itself.)
    """

    def __init__(self, store: Store):
        self.store = store
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next: asyncio.Future[Revision] | None = None
        self._running = False
        self._asks: queue.SimpleQueue[asyncio.Future[Revision]] = queue.SimpleQueue()
        self._reader: threading.Thread | None = None

    async def current(self) -> Revision:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a test client's): nothing of the old one is waited for
            self._loop, self._next, self._running = loop, None, False
        waiting = self._next
        if waiting is None:
            waiting = self._next = loop.create_future()
            if not self._running:
                self._start()
        return await asyncio.shield(waiting)

    def _start(self) -> None:
        waiting, self._next = self._next, None
        assert waiting is not None
        self._running = True
        if self._reader is None:
            self._reader = threading.Thread(target=self._read, name="origingraph-revision", daemon=True)
            self._reader.start()
        self._asks.put(waiting)

    def _read(self) -> None:
        while True:
            waiting = self._asks.get()
            try:
                outcome: Revision | BaseException = read_revision(self.store)
            except Exception as exc:
                outcome = exc
            try:
                waiting.get_loop().call_soon_threadsafe(self._finish, waiting, outcome)
            except RuntimeError:
                pass  # that event loop is closed: nobody waits for this read

    def _finish(self, waiting: asyncio.Future[Revision], outcome: Revision | BaseException) -> None:
        if waiting.get_loop() is not self._loop:
            return
        self._running = False
        if not waiting.cancelled():
            if isinstance(outcome, BaseException):
                waiting.set_exception(outcome)
            else:
                waiting.set_result(outcome)
        if self._next is not None:
            self._start()
