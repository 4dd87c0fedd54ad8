"""The HTTP surface: thin routes from HTTP to the graph and the engine, errors mapped once.

Routers live in ``api.routes`` (every module with a ``router`` is included) and reach the store
through one dependency (``api.deps.get_store``: ``app.state.store``). Errors are RFC 9457 problem
details, mapped in ``api.problems``. Writes need ``ORIGINGRAPH_API_KEY``, read when the app is created.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi_offline import FastAPIOffline
from fastapi.responses import JSONResponse
from pydantic.json_schema import models_json_schema

from api import problems
from api.deps import API_KEY_ENV
from api.limits import BodyLimits, BomWorkers, Limits
from api.models import OPENAPI_MODELS
from api.routes import include_routers
from api.warm import WarmAnswers
from graph import queries
from graph.store import Store, open_store

DESCRIPTION = """
Which trade agreement rules apply between two countries on a date, which product-specific rule
governs an HS code, and whether a bill of materials qualifies for preferential origin. Every answer
is the same JSON as the `origingraph` command's `--json` output.

**Errors** are RFC 9457 problem details (`application/problem+json`) with `errors[].field`, the
path of the bad input (`query.date`, `path.code`, `body.status`; for a BOM document, the field and
its `line`). Something the request names that is not in the graph (country, bloc, HS code or
version, agreement, instrument, product) is a 404; a malformed value or body is a 422.

**Writes** (`PUT`) need the key set in `ORIGINGRAPH_API_KEY` when the server started, sent as
`Authorization: Bearer <key>` or `X-API-Key: <key>` (401 without it or with a wrong one). A server
started without that variable refuses writes (403).

**Limits** (each a problem naming what was exceeded): a body over `ORIGINGRAPH_MAX_BODY_BYTES`
(default 10 MB) is a 413; a request target over 8 KB a 414; a JSON, YAML or CSV body that is not
UTF-8 text, holds control characters or escapes of lone surrogates a 422; a BOM of more than
`ORIGINGRAPH_MAX_MATERIALS` (10,000) materials a 422; a BOM parse or evaluation still running after
`ORIGINGRAPH_EVALUATE_SECONDS` (10 s) a 503 `time-limit-exceeded`; `offset` above 2^31-1 a 422.
"""


SERVE_OPTIONS: dict[str, Any] = {"http": "api.protocol:HttpProtocol", "access_log": False,
                                 "timeout_graceful_shutdown": 5}
"""How ``origingraph serve`` runs uvicorn: the httptools parser, with a request target past 8 KB answered
414 whatever its length (``api.protocol``); no access log unless ``serve --access-log`` (a log line per
request cost more of the server's CPU than a warm rules answer); a request still open 5 s after SIGTERM
is cut, so the server stops."""


def create_app(store: Store | None = None) -> FastAPI:
    """Build the app on ``store``, or on a store opened at startup and closed at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = store or open_store()
        try:
            yield
        finally:
            if store is None:
                app.state.store.close()

    app = FastAPIOffline(
        title="origingraph",
        summary="Which trade agreement rules apply between two countries on a date, "
                "and does a bill of materials qualify for preferential origin.",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.api_key = os.environ.get(API_KEY_ENV) or None
    app.state.limits = Limits.from_env()
    app.state.bom_workers = BomWorkers(app.state.limits)
    app.add_middleware(WarmAnswers)
    app.add_middleware(BodyLimits, limits=app.state.limits)
    if store is not None:
        app.state.store = store
    problems.install(app)

    @app.get("/healthz", tags=["operations"])
    def healthz(request: Request) -> JSONResponse:
        """Whether the graph store answers, and which store it is."""
        store: Store = request.app.state.store
        try:
            store.read(queries.STORE_ANSWERS)
        except Exception as exc:  # any failure to answer is "unavailable", reported, not raised
            return JSONResponse({"status": "unavailable", "store": store.kind, "error": str(exc)}, 503)
        return JSONResponse({"status": "ok", "store": store.kind, "server": store.server_agent()})

    include_routers(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, plus the problem schema and the models of bodies the routes read raw."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, summary=app.summary, description=app.description,
                         routes=app.routes)
    _, defs = models_json_schema([(m, "validation") for m in (problems.Problem, *OPENAPI_MODELS)],
                                 ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in defs.get("$defs", {}).items():
        components.setdefault(name, definition)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            answers = operation.setdefault("responses", {})
            if "422" in answers and "application/json" in answers["422"].get("content", {}):
                del answers["422"]  # FastAPI's validation error shape: this API answers a problem instead
            bounded = (414, 413, 422) if "requestBody" in operation else (414, 422) if operation.get(
                "parameters") else (414,)
            for status, entry in problems.responses(*bounded).items():
                answers.setdefault(str(status), entry)
    app.openapi_schema = schema
    return schema
