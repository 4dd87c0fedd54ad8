"""What routes depend on: the store (one dependency, ``app.state.store``), write authorisation and
the parameter types shared by every router.

Writes need the API key in ``ORIGINGRAPH_API_KEY``, read once when the app is created, sent as
``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. Without the header, or with a wrong key:
401. When the server has no key configured, writes are disabled: 403, saying how to enable them.
"""

from __future__ import annotations

import hmac
import re
from datetime import date
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BeforeValidator

from api.problems import ApiProblem
from graph.cache import GraphView, graph_view
from graph.store import Store

API_KEY_ENV = "ORIGINGRAPH_API_KEY"


def get_store(request: Request) -> Store:
    """The graph store the app was created on (``create_app(store)``) or opened at startup."""
    return request.app.state.store


StoreDep = Annotated[Store, Depends(get_store)]


def get_view(request: Request) -> GraphView:
    """The graph as this request reads it: the view ``api.warm`` read the revision for (or the error
    reading it raised), else a new one."""
    failed = getattr(request.state, "graph_view_error", None)
    if failed is not None:
        raise failed
    return getattr(request.state, "graph_view", None) or graph_view(request.app.state.store)


ViewDep = Annotated[GraphView, Depends(get_view)]

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <ORIGINGRAPH_API_KEY>`")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="`X-API-Key: <ORIGINGRAPH_API_KEY>`")


def require_writer(request: Request,
                   bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
                   api_key: Annotated[str | None, Security(_api_key)] = None) -> None:
    """Let a write through only with the server's API key."""
    expected: str | None = request.app.state.api_key
    if not expected:
        raise ApiProblem(403, f"writes are disabled on this server: set {API_KEY_ENV} to a secret key before "
                              "starting it, then send the key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
                         slug="writes-disabled", title="Writes disabled")
    given = bearer.credentials if bearer else api_key
    challenge = {"WWW-Authenticate": 'Bearer realm="origingraph"'}
    if not given:
        raise ApiProblem(401, "this endpoint writes to the graph: send the API key as 'Authorization: Bearer <key>' "
                              "or 'X-API-Key: <key>'", slug="unauthorized", title="API key required",
                         headers=challenge)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise ApiProblem(401, "the API key is not valid for this server", slug="unauthorized",
                         title="API key required", headers=challenge)


Writer = Depends(require_writer)

# ------------------------------------------------------------------ parameter types

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
"""The dates a question may be asked on: every instrument and tariff the graph records lies between."""


def _iso_date(value: object) -> date:
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(value, date):
        if FIRST_DAY <= value <= LAST_DAY:
            return value
        raise ValueError(f"expected a date from {FIRST_DAY} to {LAST_DAY}, got {value.isoformat()!r}")
    raise ValueError(f"expected a date written YYYY-MM-DD, got {value!r}")


def _country(value: object) -> str:
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z]{2}", value.strip()):
        return value.strip().upper()
    raise ValueError(f"expected an ISO 3166-1 alpha-2 country code such as MY, got {value!r}")


def _hs_version(value: str) -> str:
    if re.fullmatch(r"HS\d{4}", value.strip().upper()):
        return value.strip().upper()
    raise ValueError(f"expected an HS edition such as HS2022, got {value!r}")


def _hs_code(value: str) -> str:
    if re.fullmatch(r"\d{2}|\d{4}|\d{6}", value.strip()):
        return value.strip()
    raise ValueError(f"expected an HS code of 2, 4 or 6 digits such as 610910, got {value!r}")


def _upper(value: str) -> str:
    return value.strip().upper()


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
CountryCode = Annotated[str, BeforeValidator(_country)]
HsVersion = Annotated[str, AfterValidator(_hs_version)]
HsCode = Annotated[str, AfterValidator(_hs_code)]
Code = Annotated[str, AfterValidator(_upper)]
