"""The API's routers: every module here that defines an ``APIRouter`` named ``router`` is included."""

from __future__ import annotations

import pkgutil
from importlib import import_module

from fastapi import APIRouter, FastAPI


def include_routers(app: FastAPI) -> list[str]:
    """Include every ``api.routes.<module>.router``, in module-name order; the modules included."""
    included = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = import_module(f"{__name__}.{info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            app.include_router(router)
            included.append(info.name)
    return included
