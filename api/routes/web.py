"""The planner's workbench: a static page at ``/`` that answers everything through the public HTTP API.

The page (``api/web/``: HTML, CSS, vanilla JS modules and the vendored Cytoscape.js) has no build
step and loads nothing from elsewhere, so it works offline. Files are served from a fixed list made
when the module is imported (no path from the request ever reaches the file system), with their
content type and a strict Content-Security-Policy: scripts, styles and fetches from this origin only,
no inline script or style, no framing.

``POST /v1/origin/document`` is the one answer the page needs that no other route gives: a BOM
document (YAML, JSON or CSV) read as the engine reads it, as JSON, so a YAML or CSV BOM can be sent
to ``POST /v1/shipments/compare``, which takes the product as JSON.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from api.bom_body import BOM_DOCUMENT_REQUEST_BODY, BomBody
from api.models import model_response
from api.problems import ApiProblem, responses
from engine.bom_input import BomDocument

router = APIRouter()

WEB = Path(__file__).resolve().parent.parent / "web"

CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
                 ".svg": "image/svg+xml", ".png": "image/png", ".md": "text/plain; charset=utf-8",
                 "": "text/plain; charset=utf-8"}
"""By file suffix; a file without one (a vendored ``LICENSE``) is plain text."""

CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

SECURITY_HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"}

FILES = {path.relative_to(WEB).as_posix(): path for path in sorted(WEB.rglob("*"))
         if path.is_file() and path.suffix in CONTENT_TYPES}
"""Every file the page may load, by its path under ``/web/``: fixed when the module is imported."""


def _file(name: str) -> Response:
    path = FILES.get(name)
    if path is None:
        raise ApiProblem(404, f"no workbench file {name!r}")
    return Response(path.read_bytes(), media_type=CONTENT_TYPES[path.suffix], headers=SECURITY_HEADERS)


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
def workbench() -> Response:
    """The workbench page."""
    return _file("index.html")


@router.get("/web", include_in_schema=False)
def workbench_folder() -> Response:
    return RedirectResponse("/", status_code=308)


@router.api_route("/web/{name:path}", methods=["GET", "HEAD"], include_in_schema=False)
def workbench_file(name: str) -> Response:
    """A script, style sheet or vendored file of the page."""
    return _file(name)


@router.post("/v1/origin/document", response_model=BomDocument, tags=["origin"],
             openapi_extra=BOM_DOCUMENT_REQUEST_BODY, responses=responses(404, 415, 422, 503))
async def document(request: Request, bom: BomBody) -> Response:
    """A BOM document (JSON, or YAML / CSV like a BOM file) read as `POST /v1/origin/evaluate` reads it,
    answered as JSON: the product with its BOM nested under `product.bom`, and the shipment (null for a
    CSV). A bad document line is a 422 naming it. The `product` is what `POST /v1/shipments/compare` takes."""
    return model_response(await request.app.state.bom_workers.run(bom.document, "BOM parse"))
