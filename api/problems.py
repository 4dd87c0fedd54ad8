"""Every error the API returns, in one format: RFC 9457 problem details (``application/problem+json``).

A problem has ``type`` (a URI reference naming the kind of problem, ``/problems/<slug>``),
``title`` (the same for every problem of that type), ``status``, ``detail`` (this occurrence, in
words a person can act on), ``instance`` (the request path) and ``errors``: one entry per bad
input with ``field`` (its path: ``query.date``, ``path.code``, ``body.product.hs``; for a BOM
document the field name, with ``line``) and ``message``.

Status codes, decided once here:

- 404: something the request names in the path or the query is not in the graph (country, bloc,
  HS code, HS version, agreement, instrument, stored product); the message says what is known.
- 422: a value is malformed (a date not written YYYY-MM-DD, a country code that is not two
  letters, a limit out of range) or a body is invalid, including a BOM document (an unknown HS
  code inside a BOM is a bad line of that document, not a missing resource: 422 naming the line).
- 401 / 403: a write without the right API key / writes disabled on this server.
- 415: a body in a format the endpoint does not read.
- 503: the graph store cannot be reached. 500: anything else, without internals.
"""

from __future__ import annotations

import json
import logging
import shutil
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.bom_input import BomError
from graph.errors import NotFound, UnknownCountry, UnknownHsCode, UnknownHsVersion, UnknownInstrument, UnknownProduct
from graph.store import StoreError

log = logging.getLogger("origingraph.api")

MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    model_config = ConfigDict(frozen=True)

    field: str = Field(description="Path of the bad input: `query.date`, `path.code`, `body.bom[0].value`; "
                                   "for a BOM document, the field or CSV column named at `line` (`body` when "
                                   "the document as a whole is at fault).")
    message: str
    line: int | None = Field(default=None, description="Line of a BOM document (YAML, JSON or CSV body).")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(frozen=True, json_schema_extra={"examples": [{
        "type": "/problems/unknown-country", "title": "Unknown country", "status": 404,
        "detail": "unknown country code 'QQ' for exporter: use ISO 3166-1 alpha-2 (e.g. MY, AU, DE)",
        "instance": "/v1/applicability",
        "errors": [{"field": "query.exporter", "message": "unknown country code 'QQ' for exporter: use ISO "
                                                          "3166-1 alpha-2 (e.g. MY, AU, DE)"}]}]})

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] = []


class ApiProblem(Exception):
    """Raise from a route to answer with a problem of this status."""

    def __init__(self, status: int, detail: str, *, slug: str | None = None, title: str | None = None,
                 errors: list[FieldError] | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.slug, self.title = status, detail, slug, title
        self.errors, self.headers = errors or [], headers


def problem_response(request: Request, status: int, detail: str | None, *, slug: str | None = None,
                     title: str | None = None, errors: list[FieldError] | None = None,
                     headers: dict[str, str] | None = None) -> JSONResponse:
    body = Problem(type=f"/problems/{slug}" if slug else "about:blank",
                   title=title or HTTPStatus(status).phrase, status=status, detail=detail,
                   instance=request.url.path, errors=errors or [])
    return ProblemResponse(body.model_dump(mode="json", exclude_none=True), status_code=status, headers=headers,
                           media_type=MEDIA_TYPE)


class ProblemResponse(JSONResponse):
    """JSON with every non-ASCII character escaped, so a problem echoing any input always serialises."""

    def render(self, content: Any) -> bytes:
        return render_problem(content)


def render_problem(content: Any) -> bytes:
    """A problem's JSON, every non-ASCII character escaped."""
    return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "bom", 0, "value")`` -> ``body.bom[0].value``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def located(request: Request, field: str) -> str:
    """Where a graph lookup's field was given in this request: the route's own mapping, else the
    query or path parameter of that name."""
    aliases: dict[str, str] = getattr(request.state, "fields", {})
    if field in aliases:
        return aliases[field]
    if field in request.query_params:
        return f"query.{field}"
    if field in request.path_params:
        return f"path.{field}"
    return field


def name_fields(request: Request, **paths: str) -> None:
    """Tell the error handler where the fields a graph lookup names came from (``hs="path.code"``)."""
    request.state.fields = {**getattr(request.state, "fields", {}), **paths}


_NOT_FOUND = {UnknownCountry: ("unknown-country", "Unknown country or bloc"),
              UnknownHsVersion: ("unknown-hs-version", "Unknown HS version"),
              UnknownHsCode: ("unknown-hs-code", "Unknown HS code"),
              UnknownInstrument: ("unknown-instrument", "Unknown agreement or instrument"),
              UnknownProduct: ("unknown-product", "Unknown product")}


def install(app: FastAPI) -> None:
    """Map every exception to one problem response."""

    @app.exception_handler(ApiProblem)
    async def api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(request, exc.status, exc.detail, slug=exc.slug, title=exc.title,
                                errors=exc.errors, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [FieldError(field="body" if e["type"] == "json_invalid" else field_path(e["loc"]) or "request",
                             message=_message(e)) for e in exc.errors()]
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
        return problem_response(request, 422, detail, slug="invalid-request", title="Invalid request",
                                errors=errors)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        slug, title = next((v for k, v in _NOT_FOUND.items() if isinstance(exc, k)), ("not-found", "Not found"))
        errors = [FieldError(field=located(request, exc.field), message=str(exc))] if exc.field else []
        return problem_response(request, 404, str(exc), slug=slug, title=title, errors=errors)

    @app.exception_handler(BomError)
    async def bad_bom(request: Request, exc: BomError) -> JSONResponse:
        where = f"line {exc.line}: " + (f"{exc.field}: " if exc.field else "")
        return problem_response(request, 422, f"the BOM document is invalid at {where}{exc.message}",
                                slug="invalid-bom", title="Invalid BOM document",
                                errors=[FieldError(field=exc.field or "body", line=exc.line, message=exc.message)])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else None
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no endpoint at {request.url.path}: the endpoints are listed at /docs and /openapi.json"
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            # FastAPI's answer when its JSON parser fails other than by a syntax error: nesting deeper
            # than the parser's stack (valid JSON it cannot read); a 422 as for any unreadable body
            message = "JSON the server cannot read: nested too deeply"
            return problem_response(request, 422, f"the body is {message}; flatten it", slug="invalid-request",
                                    title="Invalid request", errors=[FieldError(field="body", message=message)])
        return problem_response(request, exc.status_code, detail, headers=getattr(exc, "headers", None))

    async def store_unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.error("graph store unavailable on %s %s: %s", request.method, request.url.path, exc)
        return problem_response(request, 503, "the graph store cannot be reached; try again later "
                                              "(GET /healthz reports its state)",
                                slug="store-unavailable", title="Graph store unavailable")

    for kind in (StoreError, ServiceUnavailable, SessionExpired):
        app.add_exception_handler(kind, store_unavailable)

    @app.exception_handler(Neo4jError)
    async def store_refused(request: Request, exc: Neo4jError) -> JSONResponse:
        """A statement the store refused. The embedded store reports a write it could not make durable
        (its disk full) only as a failed commit, so the data directory's free space tells which it was;
        either way the managed transaction left the graph as it was."""
        location = getattr(request.app.state.store, "location", "")
        if _disk_full(location):
            log.error("no disk space left for the graph store in %s: %s", location, exc)
            return problem_response(request, 507, f"the graph store has no disk space left in {location}: nothing "
                                                  "was written; free some space and send the request again",
                                    slug="insufficient-storage", title="Graph store out of disk space")
        if "commit" in (exc.message or "").lower():
            log.error("the graph store did not commit %s %s: %s", request.method, request.url.path, exc)
            return problem_response(request, 503, "the graph store could not commit the write: nothing was "
                                                  "written; try again later", slug="write-not-committed",
                                    title="Write not committed", headers={"Retry-After": "5"})
        return await internal_error(request, exc)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(request, 500, "an internal error occurred; it has been logged",
                                slug="internal-error", title="Internal error")


DISK_FULL_BYTES = 32 * 1024 * 1024
"""Free space below which a failed write to an embedded store is put down to a full disk."""


def _disk_full(location: str) -> bool:
    if not location or "://" in location:
        return False  # a Neo4j server: its disk is not ours to inspect
    try:
        return shutil.disk_usage(location).free < DISK_FULL_BYTES
    except OSError:
        return False


def _message(error: dict) -> str:
    if error["type"] == "missing":
        return "required"
    if error["type"] == "extra_forbidden":
        return "unknown field"
    if error["type"] == "json_invalid":
        return f"not valid JSON at character {error['loc'][-1]}: {error['ctx'].get('error', 'decode error')}"
    return str(error["msg"]).removeprefix("Value error, ")


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting the problems a route can answer with."""
    words = {400: "Bad request", 401: "No or wrong API key", 403: "Writes are disabled on this server",
             404: "Something the request names is not in the graph", 415: "Unsupported body format",
             413: "The body is larger than ORIGINGRAPH_MAX_BODY_BYTES", 414: "The request target is over 8 KB",
             422: "A malformed value or an invalid body, with the field path (and line, for a BOM)",
             503: "The graph store cannot be reached, or a BOM evaluation exceeded its time limit",
             507: "The graph store has no disk space left: nothing was written"}
    return {status: {"description": words.get(status, HTTPStatus(status).phrase),
                     "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            for status in statuses}
