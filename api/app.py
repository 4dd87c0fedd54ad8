"""The HTTP surface: thin routes from HTTP to the graph and the engine, errors mapped once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from graph import queries
from graph.store import Store, open_store


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

    app = FastAPI(
        title="origingraph",
        summary="Which trade agreement rules apply between two countries on a date, "
                "and does a bill of materials qualify for preferential origin.",
        version="0.1.0",
        lifespan=lifespan,
    )

    @app.get("/healthz", tags=["operations"])
    def healthz(request: Request) -> JSONResponse:
        """Whether the graph store answers, and which store it is."""
        store: Store = request.app.state.store
        try:
            store.read(queries.STORE_ANSWERS)
        except Exception as exc:  # any failure to answer is "unavailable", reported, not raised
            return JSONResponse({"status": "unavailable", "store": store.kind, "error": str(exc)}, 503)
        return JSONResponse({"status": "ok", "store": store.kind, "server": store.server_agent()})

    return app
